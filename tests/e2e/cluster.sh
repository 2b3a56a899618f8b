# cluster.sh - start the processes of an end-to-end run on 127.0.0.1: etcd,
# kube-apiserver, kube-scheduler and muster, each on a free port, with all
# state in $E2E_TMP. Sourced by run.sh; needs KUBE_DIR (kube-apiserver,
# kube-scheduler), MUSTER_BIN, E2E_DIR (this directory) and lib.sh.
#
# Identities (token file): "e2e-admin" in system:masters for the scripts,
# "system:kube-scheduler" (covered by the bootstrap RBAC roles) for
# kube-scheduler, and "muster", which gets only the ClusterRole from
# deploy/muster.yaml: the run fails if that role is not enough.

# A kubeconfig for a token. IN file server token
write_kubeconfig() {
    cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: $2
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: $3
contexts:
- name: e2e
  context: {cluster: e2e, user: u}
current-context: e2e
EOF
}

start_etcd() {
    local port peer
    port=$(free_port)
    peer=$(free_port)
    etcd --name e2e --data-dir "$E2E_TMP/etcd" \
        --listen-client-urls "http://127.0.0.1:$port" \
        --advertise-client-urls "http://127.0.0.1:$port" \
        --listen-peer-urls "http://127.0.0.1:$peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "e2e=http://127.0.0.1:$peer" \
        > "$E2E_TMP/logs/etcd.log" 2>&1 &
    ETCD_PID=$!
    track_pid "$ETCD_PID" etcd
    ETCD_URL=http://127.0.0.1:$port
    wait_until 30 "etcd healthy" curl -sf "$ETCD_URL/health"
}

# Tokens, service-account key and the audit policy that records who
# created each pods/binding (the proof that muster, not kube-scheduler,
# binds) and when each pod was created, bound and deleted (gang timings).
write_apiserver_files() {
    local t
    for t in admin sched muster; do
        head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$E2E_TMP/$t.token"
    done
    {
        echo "$(cat "$E2E_TMP/admin.token"),e2e-admin,1,\"system:masters\""
        echo "$(cat "$E2E_TMP/sched.token"),system:kube-scheduler,2"
        echo "$(cat "$E2E_TMP/muster.token"),muster,3"
    } > "$E2E_TMP/tokens.csv"
    openssl genrsa -out "$E2E_TMP/sa.key" 2048 2>/dev/null
    cat > "$E2E_TMP/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create]
  resources: [{group: "", resources: [pods/binding]}]
- level: Metadata
  verbs: [create, delete]
  resources: [{group: "", resources: [pods]}]
- level: None
EOF
}

start_apiserver() {
    local port
    write_apiserver_files
    port=$(free_port)
    "$KUBE_DIR/kube-apiserver" \
        --etcd-servers "$ETCD_URL" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
        --secure-port "$port" --insecure-port 0 \
        --cert-dir "$E2E_TMP/certs" \
        --token-auth-file "$E2E_TMP/tokens.csv" \
        --authorization-mode RBAC \
        --service-account-issuer https://muster-e2e.invalid \
        --service-account-key-file "$E2E_TMP/sa.key" \
        --service-account-signing-key-file "$E2E_TMP/sa.key" \
        --endpoint-reconciler-type none \
        --disable-admission-plugins ServiceAccount \
        --audit-policy-file "$E2E_TMP/audit-policy.yaml" \
        --audit-log-path "$E2E_TMP/audit.log" \
        > "$E2E_TMP/logs/kube-apiserver.log" 2>&1 &
    APISERVER_PID=$!
    track_pid "$APISERVER_PID" kube-apiserver
    API_URL=https://127.0.0.1:$port
    write_kubeconfig "$E2E_TMP/admin.kubeconfig" "$API_URL" "$(cat "$E2E_TMP/admin.token")"
    write_kubeconfig "$E2E_TMP/scheduler.kubeconfig" "$API_URL" "$(cat "$E2E_TMP/sched.token")"
    write_kubeconfig "$E2E_TMP/muster.kubeconfig" "$API_URL" "$(cat "$E2E_TMP/muster.token")"
    wait_until 60 "kube-apiserver ready" apiserver_ready
    # RBAC bootstrap roles appear shortly after /readyz on some runs.
    wait_until 30 "bootstrap RBAC roles" kc get clusterrole system:kube-scheduler
}

apiserver_ready() {
    alive "$APISERVER_PID" || fail "kube-apiserver exited (see its log)"
    curl -sfk -H "Authorization: Bearer $(cat "$E2E_TMP/admin.token")" \
        "$API_URL/readyz"
}

# muster's RBAC: the ClusterRole(s) of deploy/muster.yaml, bound to the
# "muster" token user instead of the in-cluster service account.
apply_muster_rbac() {
    local roles
    roles=$(python3 "$E2E_DIR/muster-rbac.py" "$REPO/deploy/muster.yaml") ||
        fail "cannot take the ClusterRole from deploy/muster.yaml"
    kc apply -f - <<<"$roles" >/dev/null || fail "cannot apply muster's RBAC"
}

# start_scheduler NODE_CACHE_CAPABLE(true|false)
start_scheduler() {
    local port hport
    port=$(free_port)
    hport=$(free_port)
    sed -e "s|@KUBECONFIG@|$E2E_TMP/scheduler.kubeconfig|" \
        -e "s|@HEALTHZ@|127.0.0.1:$hport|" \
        -e "s|@MUSTER_URL@|$MUSTER_URL|" \
        -e "s|^\(  *nodeCacheCapable:\).*|\1 $1|" \
        "$E2E_DIR/scheduler-config.v1beta1.yaml" > "$E2E_TMP/scheduler-config.yaml"
    grep -q "nodeCacheCapable: $1\$" "$E2E_TMP/scheduler-config.yaml" ||
        fail "scheduler config: cannot set nodeCacheCapable: $1"
    "$KUBE_DIR/kube-scheduler" --config "$E2E_TMP/scheduler-config.yaml" \
        --bind-address 127.0.0.1 --secure-port "$port" \
        --v 2 >> "$E2E_TMP/logs/kube-scheduler.log" 2>&1 &
    SCHEDULER_PID=$!
    track_pid "$SCHEDULER_PID" kube-scheduler
    wait_until 30 "kube-scheduler healthy" scheduler_healthy "$hport"
}

scheduler_healthy() {
    alive "$SCHEDULER_PID" || fail "kube-scheduler exited (see its log)"
    curl -sf "http://127.0.0.1:$1/healthz"
}

# shellcheck disable=SC2153 # MUSTER_BIN is set by run.sh
# start_muster POLICY_FILE: muster serve on MUSTER_PORT (fixed for the
# run, since kube-scheduler's config names it), watching the API server.
start_muster() {
    echo "== muster serve --policy $1" >> "$E2E_TMP/logs/muster.log"
    "$MUSTER_BIN" serve --listen "127.0.0.1:$MUSTER_PORT" --policy "$1" \
        --kubeconfig "$E2E_TMP/muster.kubeconfig" --debug-endpoints \
        --failed-nodes-compat \
        >> "$E2E_TMP/logs/muster.log" 2>&1 &
    MUSTER_PID=$!
    track_pid "$MUSTER_PID" muster
    wait_until 30 "muster ready" muster_ready
}

muster_ready() {
    alive "$MUSTER_PID" || fail "muster exited (see its log)"
    curl -sf "$MUSTER_URL/readyz"
}

stop_scheduler() {
    [ -n "${SCHEDULER_PID:-}" ] && stop_pid "$SCHEDULER_PID"
    SCHEDULER_PID=
}

# Who created the binding of a pod, from the API server's audit log.
binder_of() {
    python3 - "$1" "$E2E_TMP/audit.log" <<'EOF'
import json, sys
who = ""
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        ev = json.loads(line)
        ref = ev.get("objectRef", {})
        if (ref.get("name") == sys.argv[1]
                and ref.get("subresource") == "binding"
                and ev.get("responseStatus", {}).get("code") == 201):
            who = ev["user"]["username"]
print(who)
EOF
}

binder_is() { [ "$(binder_of "$1")" = "$2" ]; }

# expect_binder POD USER: the audit log shows USER created the pod's binding
# (the log is written as requests finish: allow it 5 s).
expect_binder() {
    local deadline=$((SECONDS + 5))
    until binder_is "$1" "$2"; do
        [ "$SECONDS" -lt "$deadline" ] ||
            fail "binding of $1 created by '$(binder_of "$1")', expected '$2'"
        sleep 0.2
    done
}

# audit_times create|binding|delete POD...: "NAME SECONDS" per pod, the API
# server's time of its last successful create, binding or delete
# (audit-times.py).
audit_times() { python3 "$E2E_DIR/audit-times.py" "$E2E_TMP/audit.log" "$@"; }
