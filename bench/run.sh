#!/bin/sh
# run.sh - muster vs the trivial floor extender, same machine, same run.
#
# Generates a 5,000-node cluster of real-sized Nodes (muster gen-cluster,
# 32 images each), starts bench/floor and, for each scenario, a fresh
# `muster serve --snapshot` of it (so every scenario starts from the same
# cluster: the binds of one do not fill the nodes of the next), both on
# free 127.0.0.1 ports, and drives each with bench/load (one keep-alive
# connection; filter, prioritize, then bind per pod, as kube-scheduler does
# when the extender binds). Scenarios: 100, 1,000 and 5,000 nodes, each as
# NodeNames (nodeCacheCapable) and as a full NodeList. In snapshot mode
# /bind records the pod on its node in muster's cache (no API server).
# Prints ONE markdown table and writes it to bench/out/latest.md. Run by
# `make bench` (which builds everything first); ~2-4 minutes.
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

echo "== generating the cluster" >&2
# 5,000 8-GPU nodes in 50 racks over 3 zones with 32 images each (~8.8 KB
# per Node as kube-scheduler sends it, like real ones): the names come from
# here, the NodeList scenarios send its first N Nodes, and muster serves it
# as its snapshot.
$MUSTER gen-cluster --nodes 5000 --gpus-per-node 8 --cpu 64 --memory 512Gi \
    --racks 50 --zones 3 --images 32 >"$T/cluster-5000.json"

echo "== starting the floor" >&2
$FLOOR --listen 127.0.0.1:0 --port-file "$T/floor.port" 2>"$T/floor.log" &
PIDS="$PIDS $!"
FLOOR_URL="http://127.0.0.1:$(wait_port "$T/floor.port" 10)"

# muster_start: a fresh muster on the cluster; sets MUSTER_PID, MUSTER_URL.
muster_start() {
    rm -f "$T/muster.port"
    $MUSTER serve --snapshot "$T/cluster-5000.json" --policy "$POLICY" \
        --listen 127.0.0.1:0 --port-file "$T/muster.port" \
        2>"$T/muster.log" &
    MUSTER_PID=$!
    PIDS="$PIDS $MUSTER_PID"
    if ! port=$(wait_port "$T/muster.port" 60); then
        tail -20 "$T/muster.log" >&2
        exit 1
    fi
    MUSTER_URL="http://127.0.0.1:$port"
}

muster_stop() {
    kill "$MUSTER_PID" 2>/dev/null || true
    wait "$MUSTER_PID" 2>/dev/null || true
    PIDS=$(echo "$PIDS" | sed "s/ $MUSTER_PID\b//")
}

# scenario LABEL MODE COUNT ITERATIONS WARMUP PARSE_ROUNDS BODIES
scenario() {
    for tgt in $targets; do
        if [ "$tgt" = muster ]; then
            muster_start
            url=$MUSTER_URL
        else
            url=$FLOOR_URL
        fi
        echo "== $1 against $tgt ($4 calls of each verb)" >&2
        if ! "$LOAD" --url "$url" --cluster "$T/cluster-5000.json" "--$2" \
            "$3" --iterations "$4" --warmup "$5" --label "$1" \
            --wait-ready 60 --parse-rounds "$6" --bodies "$7" --bind 1 \
            >"$T/one.txt"; then
            [ "$tgt" = muster ] && tail -20 "$T/muster.log" >&2
            exit 1
        fi
        [ "$tgt" = muster ] && muster_stop
        sed "s/^/TARGET=$tgt /" "$T/one.txt" >>"$T/results.txt"
    done
}

: >"$T/results.txt"
scenario names-100 names 100 1000 50 0 10
scenario names-1000 names 1000 500 20 0 10
scenario names-5000 names 5000 200 10 100 10
scenario nodelist-100 nodelist 100 100 10 10 10
scenario nodelist-1000 nodelist 1000 6 2 3 2
scenario nodelist-5000 nodelist 5000 2 1 1 1

mkdir -p bench/out
{
    echo "# muster vs the floor extender ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "$(nproc) CPUs, $(uname -sr), muster $(git rev-parse --short HEAD 2>/dev/null || echo '?'); one keep-alive connection, filter, prioritize, then bind per pod; pods rotate cpu-only/1/2/4/8 GPUs (~3 KB each), each with a UID of its own."
    echo "names-N: nodeCacheCapable request with N of the 5,000 node names; nodelist-N: full NodeList of the first N Nodes (~8.8 KB each). bind: ExtenderBindingArgs of the pod just filtered; muster serves a --snapshot (no API server), so bind records the pod on its node in the cache; a fresh muster per scenario."
    echo "Calls per verb: names-100 1,000, names-1000 500, names-5000 200, nodelist-100 100, nodelist-1000 6, nodelist-5000 2 (a 44 MB body: its p99 is just the slower of two)."
    echo "ratio = muster p50 / floor p50 (below 1: muster is faster than the trivial extender)."
    awk -f bench/table.awk "$T/results.txt"
} >"$OUT"
cat "$OUT"
