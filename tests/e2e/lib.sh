# lib.sh - shared helpers of the end-to-end scripts: process tracking by PID,
# free ports, bounded waits, kubectl wrappers and assertions. Sourced by
# run.sh; needs E2E_TMP (the run's temporary directory) and KUBECTL_BIN.
#
# Processes: every process the run starts is recorded in $E2E_TMP/pids as
# "PID STARTTIME NAME". Stopping checks the start time from /proc first, so
# a recycled PID belonging to someone else is never signalled.

e2e_log() { echo "e2e: $*" >&2; }

# Fail the current scenario (scenarios run in a subshell: exit ends it).
fail() {
    echo "e2e: FAILED: $*" >&2
    exit 1
}

# Start time of a PID in clock ticks since boot (field 22 of /proc/PID/stat;
# the command name is cut off first since it may contain spaces).
proc_starttime() {
    local stat f
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    read -r -a f <<<"$stat"
    echo "${f[19]}"
}

# Record a started process. IN pid name
track_pid() {
    local st
    st=$(proc_starttime "$1") || st=gone
    echo "$1 $st $2" >> "$E2E_TMP/pids"
}

# True while PID is the process we started (same start time) and not a zombie.
proc_is_ours() {
    local pid=$1 st=$2 now state
    now=$(proc_starttime "$pid") || return 1
    [ "$now" = "$st" ] || return 1
    state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
    [ "$state" != Z ]
}

# Stop one tracked process: TERM, up to 10 s, then KILL. IN pid
stop_pid() {
    local pid=$1 st name i
    read -r _ st name < <(grep "^$pid " "$E2E_TMP/pids" | tail -1) || return 0
    if proc_is_ours "$pid" "$st"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            proc_is_ours "$pid" "$st" || break
            sleep 0.1
        done
        if proc_is_ours "$pid" "$st"; then
            e2e_log "$name ($pid) ignored TERM; sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    sed -i "/^$pid /d" "$E2E_TMP/pids"
}

# Stop every tracked process, newest first.
stop_all() {
    local pid
    [ -f "$E2E_TMP/pids" ] || return 0
    for pid in $(tac "$E2E_TMP/pids" | cut -d' ' -f1); do
        stop_pid "$pid"
    done
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_until SECONDS WHAT CMD...: poll CMD every 0.2 s; fail the scenario
# when it has not succeeded in time.
wait_until() {
    local secs=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${secs}s: $what"
        sleep 0.2
    done
}

# Process PID is still alive (used to notice a component that died).
alive() { kill -0 "$1" 2>/dev/null; }

kc() { "$KUBECTL_BIN" --kubeconfig "$E2E_TMP/admin.kubeconfig" "$@"; }

# The node a pod was bound to ("" while pending).
pod_node() { kc get pod "$1" -o 'jsonpath={.spec.nodeName}' 2>/dev/null; }
pod_uid() { kc get pod "$1" -o 'jsonpath={.metadata.uid}'; }
pod_is_bound() { [ -n "$(pod_node "$1")" ]; }

# wait_bound POD SECONDS: wait until the pod has a node; print it.
wait_bound() {
    wait_until "$2" "pod $1 bound" pod_is_bound "$1"
    pod_node "$1"
}

# expect_node POD NODE SECONDS
expect_node() {
    local got t0=$SECONDS
    got=$(wait_bound "$1" "$3") || exit 1
    [ "$got" = "$2" ] || fail "pod $1 on '$got', expected '$2'"
    e2e_log "pod $1 -> $got ($((SECONDS - t0))s)"
}

# expect_node_in POD "N1 N2 ..." SECONDS: bound to one of the nodes; prints it.
expect_node_in() {
    local got n
    got=$(wait_bound "$1" "$3") || exit 1
    for n in $2; do
        if [ "$n" = "$got" ]; then
            e2e_log "pod $1 -> $got"
            echo "$got"
            return 0
        fi
    done
    fail "pod $1 on '$got', expected one of: $2"
}

# Messages of the pod's events with REASON, read through the API server,
# selected by the pod's uid (names are reused across runs).
pod_events() {
    local uid
    uid=$(pod_uid "$1") || return 1
    kc get events --field-selector "involvedObject.uid=$uid,reason=$2" \
        -o 'jsonpath={range .items[*]}{.message}{"\n"}{end}'
}

event_matches() { pod_events "$1" "$2" | grep -qE -- "$3"; }

# expect_pending POD SECONDS REGEX: the pod gets a FailedScheduling event
# matching REGEX within SECONDS and is still unbound after it.
expect_pending() {
    wait_until "$2" "FailedScheduling event of $1 matching /$3/" \
        event_matches "$1" FailedScheduling "$3"
    ! pod_is_bound "$1" || fail "pod $1 bound to $(pod_node "$1"), expected Pending"
    e2e_log "pod $1 pending: $(pod_events "$1" FailedScheduling | tail -1)"
}

# stays_pending POD SECONDS: still unbound after SECONDS (a bounded check
# that nothing places it; used after a FailedScheduling was seen).
stays_pending() {
    local deadline=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$deadline" ]; do
        ! pod_is_bound "$1" || fail "pod $1 bound to $(pod_node "$1"), expected Pending"
        sleep 0.5
    done
}

# Delete pods now. Bound pods have no kubelet to confirm a graceful delete,
# so grace period 0 + force; --wait makes the delete visible before return.
del_pods() {
    kc delete pod "$@" --grace-period=0 --force --wait=true \
        >/dev/null 2>&1 || true
}

# The reasons of a pod's latest FailedScheduling event as sorted
# "class=count" words, so kube-scheduler's and muster's wordings compare:
# "0/5 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu."
# gives "insufficient:cpu=2 unschedulable=1". A NotReady node counts as
# "notready" whether reported by its taint or by its condition.
reason_summary() {
    pod_events "$1" FailedScheduling | tail -1 | python3 -c '
import re, sys
msg = sys.stdin.read().strip()
m = re.match(r"0/\d+ nodes are available: (.*)\.$", msg)
if not m:
    print("unparsed:" + msg.replace(" ", "_")); sys.exit()
rules = [
    (r"node\(s\) had taint \{node\.kubernetes\.io/not-ready: ?[^}]*\}, that the pod didn.t tolerate", "notready"),
    (r"node\(s\) were not ready", "notready"),
    (r"node\(s\) had taint \{([^:}]*): ?[^}]*\}, that the pod didn.t tolerate", "taint:{}"),
    (r"node\(s\) were unschedulable", "unschedulable"),
    (r"node\(s\) didn.t match (?:node selector|Pod.s node affinity(?:/selector)?)", "affinity"),
    (r"Insufficient (\S+)", "insufficient:{}"),
]
out, rest = [], m.group(1)
while rest:
    n = re.match(r"(\d+) ", rest)
    if not n:
        out.append("unparsed:" + rest.replace(" ", "_")); break
    rest = rest[n.end():]
    for pat, cls in rules:
        r = re.match(pat, rest)
        if r:
            out.append(cls.format(*r.groups()) + "=" + n.group(1))
            rest = rest[r.end():].lstrip(", ")
            break
    else:
        out.append("unparsed:" + rest.replace(" ", "_")); break
print(" ".join(sorted(out)))'
}

# muster's cache against the API server's objects (cache-sync.py); prints
# the differences.
cache_diff() {
    kc get nodes,pods -A -o json |
        python3 "$E2E_DIR/cache-sync.py" "$MUSTER_URL/debug/cache"
}

# expect_synced: within WATCH_DELAY seconds muster's cache equals what the
# API server holds (nodes, labels, taints, cordons, capacity, usage, pods).
# The two reads are not atomic (kube-scheduler may bind a pod between
# them), so a difference must persist over 3 reads and WATCH_DELAY to fail.
expect_synced() {
    local t0=${EPOCHREALTIME/./} tries=0 diff
    until diff=$(cache_diff 2>&1); do
        tries=$((tries + 1))
        if [ "$tries" -ge 3 ] &&
            [ $(( ${EPOCHREALTIME/./} - t0 )) -ge $((WATCH_DELAY * 1000000)) ]; then
            fail "muster's cache still differs from the API server after ${WATCH_DELAY}s:
$diff"
        fi
        sleep 0.1
    done
}
