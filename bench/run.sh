#!/bin/sh
# run.sh - muster vs the trivial floor extender, same machine, same run.
#
# Generates a 5,000-node cluster (muster gen-cluster), starts `muster serve`
# on it and bench/floor, both on free 127.0.0.1 ports, and drives each with
# bench/load (one keep-alive connection, filter then prioritize per pod).
# Prints ONE markdown table and writes it to bench/out/latest.md. Run by
# `make bench` (which builds everything first); ~1-2 minutes.
#
#   bench/run.sh [--floor-only]     --floor-only: no muster (tool checks)
#
# Absolute times on this kind of machine vary up to 2x between runs; the
# ratio to the floor measured in the same run is the figure that matters.
set -eu

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MUSTER=${MUSTER:-./muster}
LOAD=$BUILD/bench/load
FLOOR=$BUILD/bench/floor
POLICY=${POLICY:-policies/default.json}
OUT=bench/out/latest.md
targets="muster floor"
[ "${1:-}" = "--floor-only" ] && targets="floor"

for f in "$LOAD" "$FLOOR" "$MUSTER"; do
    [ -x "$f" ] || { echo "run.sh: $f missing: run 'make bench'" >&2; exit 1; }
done

T=$(mktemp -d /tmp/muster-bench.XXXXXX)
PIDS=""
cleanup() {
    # Only the processes this script started, by PID.
    for p in $PIDS; do
        kill "$p" 2>/dev/null || true
    done
    for p in $PIDS; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_port FILE SECS: the port a server wrote, once it is there.
wait_port() {
    i=0
    while [ ! -s "$1" ]; do
        i=$((i + 1))
        if [ "$i" -gt $(($2 * 10)) ]; then
            echo "run.sh: no port in $1 after $2 s" >&2
            return 1
        fi
        sleep 0.1
    done
    cat "$1"
}

echo "== generating clusters" >&2
# 5,000 8-GPU nodes in 50 racks over 3 zones: the names come from here and
# muster serves it as its snapshot.
$MUSTER gen-cluster --nodes 5000 --gpus-per-node 8 --cpu 64 --memory 512Gi \
    --racks 50 --zones 3 >"$T/cluster-5000.json"
# The same first 500 nodes with 32 images each (~8.8 KB per Node, like real
# ones) for the full-NodeList (nodeCacheCapable: false) scenario.
$MUSTER gen-cluster --nodes 500 --gpus-per-node 8 --cpu 64 --memory 512Gi \
    --racks 5 --zones 1 --images 32 >"$T/nodes-500-real.json"

echo "== starting servers" >&2
$FLOOR --listen 127.0.0.1:0 --port-file "$T/floor.port" 2>"$T/floor.log" &
PIDS="$PIDS $!"
FLOOR_URL="http://127.0.0.1:$(wait_port "$T/floor.port" 10)"
if [ "$targets" != floor ]; then
    $MUSTER serve --snapshot "$T/cluster-5000.json" --policy "$POLICY" \
        --listen 127.0.0.1:0 --port-file "$T/muster.port" \
        2>"$T/muster.log" &
    PIDS="$PIDS $!"
    if ! port=$(wait_port "$T/muster.port" 60); then
        tail -20 "$T/muster.log" >&2
        exit 1
    fi
    MUSTER_URL="http://127.0.0.1:$port"
fi

# scenario LABEL FILE MODE COUNT ITERATIONS WARMUP PARSE_ROUNDS
scenario() {
    for tgt in $targets; do
        if [ "$tgt" = muster ]; then url=$MUSTER_URL; else url=$FLOOR_URL; fi
        echo "== $1 against $tgt" >&2
        if ! "$LOAD" --url "$url" --cluster "$2" "--$3" "$4" \
            --iterations "$5" --warmup "$6" --label "$1" --wait-ready 60 \
            --parse-rounds "$7" >"$T/one.txt"; then
            [ "$tgt" = muster ] && tail -20 "$T/muster.log" >&2
            exit 1
        fi
        sed "s/^/TARGET=$tgt /" "$T/one.txt" >>"$T/results.txt"
    done
}

: >"$T/results.txt"
scenario names-100 "$T/cluster-5000.json" names 100 3000 100 0
scenario names-500 "$T/cluster-5000.json" names 500 3000 100 200
scenario names-1000 "$T/cluster-5000.json" names 1000 2000 100 0
scenario names-5000 "$T/cluster-5000.json" names 5000 800 50 100
scenario nodelist-500 "$T/nodes-500-real.json" nodelist 500 40 10 10

mkdir -p bench/out
{
    echo "# muster vs the floor extender ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "$(nproc) CPUs, $(uname -sr), muster $(git rev-parse --short HEAD 2>/dev/null || echo '?'); one keep-alive connection, filter then prioritize per pod; pods rotate cpu-only/1/2/4/8 GPUs (~3 KB each)."
    echo "names-N: nodeCacheCapable request with N of the 5,000 node names; nodelist-500: full NodeList of 500 Nodes of ~8.8 KB."
    echo "ratio = muster p50 / floor p50 (below 1: muster is faster than the trivial extender)."
    echo
    awk -f bench/table.awk "$T/results.txt"
} >"$OUT"
cat "$OUT"
