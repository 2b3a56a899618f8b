#!/usr/bin/env bash
# tests/fuzz/run.sh - run libFuzzer targets (built by `make fuzz-build`).
#
#   tests/fuzz/run.sh SECONDS JOBS TARGET...
#
# Each target first replays its regression inputs (tests/fuzz/regressions/),
# then fuzzes for SECONDS under ASan+UBSan+LeakSanitizer starting from its
# committed corpus (tests/fuzz/corpus/<target>, read only) plus a scratch
# corpus (build-fuzz/corpus/<target>) that receives the new inputs. JOBS
# targets run at once, niced. Logs and any crash/leak/timeout input go to
# build-fuzz/runs/<target>/. Prints one markdown table row per target and
# fails when any target found something.
set -euo pipefail
cd "$(dirname "$0")/../.."

dict_for() {
    case "$1" in
    kubeconfig) echo tests/fuzz/yaml.dict ;;
    trace) echo tests/fuzz/csv.dict ;;
    quantity) echo tests/fuzz/quantity.dict ;;
    *) echo tests/fuzz/json.dict ;;
    esac
}

# The last value of a libFuzzer field ("cov: 123", "stat::x:   45") in a
# log, or "?".
field() {
    awk -v k="$1:" '{ for (i = 1; i < NF; i++) if ($i == k) v = $(i + 1) }
                    END { print (v == "" ? "?" : v) }' "$2"
}

summary_row() {
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" \
        "$(field stat::number_of_executed_units "$2")" \
        "$(field stat::average_exec_per_sec "$2")" "$(field cov "$2")" \
        "$(field ft "$2")" "$(field corp "$2" | cut -d/ -f1)" "$3"
}

run_one() {
    local secs=$1 t=$2 bin=build-fuzz/fuzz/$2 dir=build-fuzz/runs/$2
    local scratch=build-fuzz/corpus/$2 log rc=0 regs=()

    mkdir -p "$dir" "$scratch"
    rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
    log=$dir/fuzz.log
    if [ -d "tests/fuzz/regressions/$t" ]; then
        mapfile -t regs < <(find "tests/fuzz/regressions/$t" -type f | sort)
    fi
    if [ "${#regs[@]}" -gt 0 ] &&
        ! "$bin" -timeout=10 "${regs[@]}" >"$dir/regressions.log" 2>&1; then
        echo "fuzz $t: a regression input fails again; see $dir/regressions.log" >&2
        summary_row "$t" "$dir/regressions.log" "REGRESSION"
        return 1
    fi
    nice -n 19 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/" \
        -dict="$(dict_for "$t")" "$scratch" "tests/fuzz/corpus/$t" \
        >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "fuzz $t: FAILED (exit $rc); see $log and $dir/" >&2
        grep -E '^(SUMMARY|==[0-9]+==ERROR|fuzz check failed)' "$log" | head -5 >&2 || true
        summary_row "$t" "$log" "FOUND ($(ls "$dir" | grep -cE '^(crash|leak|timeout|oom)-' || true))"
        return 1
    fi
    summary_row "$t" "$log" "0"
}

if [ "${1:-}" = "--one" ]; then
    run_one "$2" "$3"
    exit
fi
if [ $# -lt 3 ]; then
    echo "usage: $0 SECONDS JOBS TARGET..." >&2
    exit 2
fi
secs=$1 jobs=$2
shift 2
for t in "$@"; do
    [ -x "build-fuzz/fuzz/$t" ] || { echo "no build-fuzz/fuzz/$t: run make fuzz-build" >&2; exit 2; }
done
echo "| target | executions | exec/s | cov | ft | corpus | crashes |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "$@" | xargs -P "$jobs" -I{} "$0" --one "$secs" {}
