#!/bin/sh
# check.sh - read every valgrind log in DIR (one per process): each must
# end with "ERROR SUMMARY: 0 errors" and report no definite or indirect
# leak. Logs of processes that were killed (no summary) are listed apart:
# they were SIGKILLed by a test's cleanup and cannot say anything.
#   check.sh DIR      exit 0 when every complete log is clean
set -eu
dir=${1:?usage: check.sh DIR}
total=0 clean=0 bad=0 cut=0
for f in "$dir"/*.log; do
    [ -e "$f" ] || continue
    total=$((total + 1))
    # the program valgrind ran, from the log's "Command:" line
    cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$f" | head -1)
    if ! grep -q 'ERROR SUMMARY:' "$f"; then
        cut=$((cut + 1))
        echo "cut short (killed, or exec'd openssl, which is not traced): $f: $cmd"
        continue
    fi
    if grep -q 'ERROR SUMMARY: 0 errors' "$f" &&
        ! grep -Eq '(definitely|indirectly) lost: [1-9]' "$f"; then
        clean=$((clean + 1))
        continue
    fi
    bad=$((bad + 1))
    echo "== NOT CLEAN: $f: $cmd"
    grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$f" | sed 's/^/   /'
done
echo "valgrind: $total logs: $clean clean, $bad with errors or leaks, $cut cut short"
[ "$total" -gt 0 ] && [ "$bad" -eq 0 ]
