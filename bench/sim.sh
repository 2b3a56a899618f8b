#!/bin/sh
# sim.sh - simulator throughput: 100,000 synthetic jobs (bench/gen_trace.awk)
# on a 1,000-node x 8-GPU cluster (muster gen-cluster), offered GPU load
# 0.8, under the baseline and the gang policy. Prints one markdown table
# (jobs/s, events/s, wall and CPU seconds, peak RSS) and writes it to
# bench/out/sim.md. Run by `make bench-sim` (and `make bench`).
#
#   bench/sim.sh [JOBS [NODES]]      defaults 100000 1000
set -eu

cd "$(dirname "$0")/.."
MUSTER=${MUSTER:-./muster}
JOBS=${1:-100000}
NODES=${2:-1000}
OUT=bench/out/sim.md
[ -x "$MUSTER" ] || { echo "sim.sh: $MUSTER missing: run 'make'" >&2; exit 1; }

T=$(mktemp -d /tmp/muster-simbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$MUSTER" gen-cluster --nodes "$NODES" --gpus-per-node 8 --cpu 96 \
    --memory 1Ti --racks $((NODES / 20 > 0 ? NODES / 20 : 1)) \
    --zones $((NODES / 200 > 0 ? NODES / 200 : 1)) > "$T/cluster.json"
awk -v jobs="$JOBS" -v seed=1 -f bench/gen_trace.awk > "$T/trace.csv"

mkdir -p bench/out
{
    echo "| policy | jobs | nodes | wall s | cpu s | jobs/s | events/s | peak RSS MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for p in kube-default gang-topology; do
        /usr/bin/time -f '%U %S %M' -o "$T/time" "$MUSTER" simulate \
            --cluster "$T/cluster.json" --trace "$T/trace.csv" \
            --policy "policies/$p.json" --load 0.8 --quiet > "$T/out"
        wall=$(sed -n 's/^wall time *\([0-9.]*\) s, \([0-9]*\) events\/s, \([0-9]*\) jobs\/s.*/\1 \2 \3/p' "$T/out")
        set -- $wall $(cat "$T/time")
        printf '| %s | %s | %s | %s | %.2f | %s | %s | %d |\n' "$p" "$JOBS" \
            "$NODES" "$1" "$(awk -v a="$4" -v b="$5" 'BEGIN { print a + b }')" "$3" "$2" $(( $6 / 1024 ))
    done
} | tee "$OUT"
echo "(wall time includes other load on the machine; cpu s is user+sys)"
