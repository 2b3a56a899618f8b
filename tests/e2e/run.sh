#!/usr/bin/env bash
# run.sh - muster against a real kube-scheduler v1.20.2 (`make e2e`).
#
# Installs what is missing, builds kube-apiserver/kube-scheduler once
# (build-kube.sh, cached), starts etcd, kube-apiserver, kube-scheduler and
# `muster serve --kubeconfig` on 127.0.0.1 with free ports and a temporary
# directory, creates Node objects (no kubelets), runs the scenarios with
# nodeCacheCapable true and then false, and stops exactly the processes it
# started, by PID, whatever happens.
#
# Environment: MUSTER_BIN (default ./muster), MUSTER_E2E_KEEP=1 keeps the
# temporary directory (logs, configs, audit log), MUSTER_E2E_ONLY="1 3"
# runs only those scenarios, MUSTER_E2E_MODES="true" only that
# nodeCacheCapable setting.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
# shellcheck source=lib.sh
. "$E2E_DIR/lib.sh"
# shellcheck source=objects.sh
. "$E2E_DIR/objects.sh"
# shellcheck source=cluster.sh
. "$E2E_DIR/cluster.sh"
# shellcheck source=scenarios.sh
. "$E2E_DIR/scenarios.sh"

PASSED=0
FAILED=0
RESULTS=()

# Record one result line. IN ok(0/1) label seconds
result() {
    local word=PASS
    if [ "$1" -eq 0 ]; then PASSED=$((PASSED + 1)); else word=FAIL; FAILED=$((FAILED + 1)); fi
    RESULTS+=("$word  $2 (${3}s)")
    echo "$word  $2 (${3}s)"
}

# Restart muster when it is not running the policy asked for: NAME of
# policies/NAME.json, or a path (a policy a scenario derived). The state
# file carries the PID across scenario subshells.
use_policy() {
    local want=$1 pid="" pol=""
    case $want in */*) ;; *) want=$REPO/policies/$1.json ;; esac
    [ -f "$want" ] || fail "no policy file $want"
    read -r pid pol < "$E2E_TMP/muster.state" 2>/dev/null || true
    if [ -n "$pid" ] && alive "$pid" && [ "$pol" = "$want" ]; then
        MUSTER_PID=$pid
        return 0
    fi
    [ -n "$pid" ] && stop_pid "$pid"
    start_muster "$want"
    echo "$MUSTER_PID $want" > "$E2E_TMP/muster.state"
    e2e_log "muster $MUSTER_PID serving with ${want#"$REPO"/}"
}

# run_scenario "ID|TITLE|FUNCTION" NODE_CACHE_CAPABLE
run_scenario() {
    local id title fn t0 rc
    IFS='|' read -r id title fn <<<"$1"
    e2e_log "--- scenario $id (nodeCacheCapable: $2): $title"
    t0=$SECONDS
    set +e
    (
        set -e
        E2E_MODE=$2
        reset_objects
        "$fn"
        expect_synced
        alive "$SCHEDULER_PID" || fail "kube-scheduler died"
    )
    rc=$?
    set -e
    result "$rc" "[nodeCacheCapable: $2] $id. $title" $((SECONDS - t0))
}

selected() {
    [ -z "${MUSTER_E2E_ONLY:-}" ] && return 0
    case " $MUSTER_E2E_ONLY " in *" $1 "*) return 0 ;; esac
    return 1
}

on_exit() {
    local rc=$? f
    set +e
    if [ "$FAILED" -gt 0 ] && [ -n "${MUSTER_URL:-}" ]; then
        curl -s -m 5 "$MUSTER_URL/debug/cache" > "$E2E_TMP/muster-cache.json"
    fi
    stop_all
    if [ "$FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then
        for f in "$E2E_TMP"/logs/*.log; do
            [ -f "$f" ] || continue
            echo "----- last lines of $(basename "$f")" >&2
            tail -n 25 "$f" >&2
        done
    fi
    if [ "${MUSTER_E2E_KEEP:-0}" = 1 ]; then
        echo "e2e: kept $E2E_TMP" >&2
    else
        rm -rf "$E2E_TMP"
    fi
    exit "$rc"
}

main() {
    local mode s t0=$SECONDS
    "$REPO/scripts/deps.sh" etcd-server curl jq openssl python3 python3-yaml >&2
    KUBE_DIR=$("$E2E_DIR/build-kube.sh")
    KUBECTL_BIN=$KUBE_DIR/kubectl
    MUSTER_BIN=${MUSTER_BIN:-$REPO/muster}
    [ -x "$MUSTER_BIN" ] || { echo "e2e: no muster binary at $MUSTER_BIN" >&2; exit 1; }
    if python3 "$E2E_DIR/check-config.py" "$REPO/deploy/scheduler-config.yaml" \
        "$E2E_DIR/scheduler-config.v1beta1.yaml"; then
        result 0 "deploy/scheduler-config.yaml (v1) matches the v1beta1 extender" 0
    else
        result 1 "deploy/scheduler-config.yaml (v1) matches the v1beta1 extender" 0
    fi

    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/muster-e2e.XXXXXX")
    mkdir -p "$E2E_TMP/logs"
    : > "$E2E_TMP/pids"
    trap on_exit EXIT
    trap 'exit 130' INT TERM HUP

    start_etcd
    start_apiserver
    apply_muster_rbac
    e2e_log "control plane up at $API_URL ($((SECONDS - t0))s)"
    MUSTER_PORT=$(free_port)
    MUSTER_URL=http://127.0.0.1:$MUSTER_PORT
    for mode in ${MUSTER_E2E_MODES:-true false}; do
        start_scheduler "$mode"
        for s in "${SCENARIOS[@]}"; do
            selected "${s%%|*}" && run_scenario "$s" "$mode"
        done
        stop_scheduler
    done
    echo
    printf '%s\n' "${RESULTS[@]}"
    if [ -s "$E2E_TMP/gang-timings" ]; then
        echo "gang timings (API server audit log):"
        sed 's/^/  /' "$E2E_TMP/gang-timings"
    fi
    echo "$PASSED passed, $FAILED failed ($((SECONDS - t0))s)"
    [ "$FAILED" -eq 0 ]
}

main "$@"
