#!/bin/sh
# vg.sh - run PROGRAM under valgrind memcheck for `make valgrind`: leaks
# (definite, indirect) and errors both count, the exit code is 99 on any,
# one log per PID in $VG_LOGS (checked afterwards by tests/valgrind/check.sh).
# openssl (the TLS tests make their certificates with it) is not ours and,
# under memcheck, takes longer to make an RSA key than a test may run.
#   vg.sh PROGRAM [ARGS...]
set -eu
: "${VG_LOGS:?VG_LOGS must name the log directory}"
here=$(cd "$(dirname "$0")" && pwd)
exec valgrind --tool=memcheck --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --error-exitcode=99 --num-callers=30 --trace-children=yes \
    --trace-children-skip='*/openssl' \
    --suppressions="$here/../valgrind.supp" \
    --log-file="$VG_LOGS/%p.log" "$@"
