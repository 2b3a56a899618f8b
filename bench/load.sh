#!/bin/sh
# load.sh - sustained load on `muster serve`: wrk (Debian package) posts
# filter and prioritize bodies carrying all 5,000 node names of a generated
# cluster (bench/load.lua) for LOAD_SECONDS over several keep-alive
# connections, then writes throughput, latency p50/p90/p99, errors and
# muster's RSS before and after as a markdown table to bench/out/load.md.
#
#   LOAD_SECONDS=30 LOAD_THREADS=2 LOAD_CONNECTIONS=8 bench/load.sh
#
# Run by `make bench-load`. Only the muster started here is ever signalled.
set -eu

cd "$(dirname "$0")/.."
MUSTER=${MUSTER:-./muster}
POLICY=${POLICY:-policies/default.json}
SECONDS_=${LOAD_SECONDS:-30}
THREADS=${LOAD_THREADS:-2}
CONNS=${LOAD_CONNECTIONS:-8}
OUT=bench/out/load.md

command -v wrk >/dev/null || { echo "load.sh: wrk missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$MUSTER" ] || { echo "load.sh: $MUSTER missing: run 'make'" >&2; exit 1; }

T=$(mktemp -d /tmp/muster-load.XXXXXX)
PID=""
cleanup() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

echo "== generating a 5,000-node cluster" >&2
"$MUSTER" gen-cluster --nodes 5000 --gpus-per-node 8 --cpu 64 --memory 512Gi \
    --racks 50 --zones 3 >"$T/cluster.json"
grep -o '"kubernetes.io/hostname": *"[^"]*"' "$T/cluster.json" |
    sed 's/.*: *"\([^"]*\)"/\1/' >"$T/names.txt"
nnames=$(wc -l <"$T/names.txt")
[ "$nnames" -eq 5000 ] || { echo "load.sh: $nnames node names, expected 5000" >&2; exit 1; }

echo "== starting muster" >&2
"$MUSTER" serve --snapshot "$T/cluster.json" --policy "$POLICY" \
    --listen 127.0.0.1:0 --port-file "$T/port" --log-level warn \
    2>"$T/muster.log" &
PID=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1))
    [ "$i" -le 600 ] || { echo "load.sh: no port after 60 s" >&2; tail -5 "$T/muster.log" >&2; exit 1; }
    sleep 0.1
done
URL="http://127.0.0.1:$(cat "$T/port")"
i=0
until curl -fs "$URL/readyz" >/dev/null; do
    i=$((i + 1))
    [ "$i" -le 600 ] || { echo "load.sh: not ready after 60 s" >&2; exit 1; }
    sleep 0.1
done
# one warm-up round so that lazily built state is in the "before" figure
LOAD_NAMES="$T/names.txt" wrk -t1 -c1 -d2s -s bench/load.lua "$URL" >/dev/null
rss0=$(rss_kib "$PID")

echo "== wrk: ${SECONDS_}s, $THREADS threads, $CONNS connections" >&2
LOAD_NAMES="$T/names.txt" wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_}s" \
    --timeout 10s --latency -s bench/load.lua "$URL" >"$T/wrk.txt"
rss1=$(rss_kib "$PID")
kill -0 "$PID" || { echo "load.sh: muster died" >&2; exit 1; }
line=$(grep '^LOAD ' "$T/wrk.txt") || { cat "$T/wrk.txt" >&2; exit 1; }
served=$(curl -fs "$URL/metrics" | awk '/^muster_requests_total\{verb="(filter|prioritize)"\}/ { s += $2 } END { print s + 0 }')

# v KEY: the value of KEY=... in the LOAD line
v() {
    echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
ms() {
    awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'
}
errors=$(( $(v non2xx) + $(v connect_err) + $(v read_err) + $(v write_err) + $(v timeouts) + $(v body_errors) ))

mkdir -p bench/out
{
    echo "# muster under wrk load ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "$(nproc) CPUs, $(uname -sr), muster $(git rev-parse --short HEAD 2>/dev/null || echo '?'), policy $POLICY;"
    echo "5,000-node snapshot, every request carries all 5,000 NodeNames; filter and prioritize alternate on each of $CONNS keep-alive connections ($THREADS wrk threads) for ${SECONDS_} s."
    echo
    echo "| requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors (non-2xx / socket / body) | served (muster /metrics) | RSS before | RSS after |"
    echo "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
    echo "| $(v requests) | $(v rps) | $(ms "$(v p50_us)") | $(ms "$(v p90_us)") | $(ms "$(v p99_us)") | $(ms "$(v max_us)") | $errors ($(v non2xx) / $(( $(v connect_err) + $(v read_err) + $(v write_err) + $(v timeouts) )) / $(v body_errors)) | $served | $((rss0 / 1024)) MiB | $((rss1 / 1024)) MiB |"
} >"$OUT"
cat "$OUT"
[ "$errors" -eq 0 ] || { echo "load.sh: $errors errors" >&2; exit 1; }
