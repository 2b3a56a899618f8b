# scenarios.sh - the end-to-end scenarios. Each scenario_N runs in its own
# subshell (run.sh), starts from a cluster without e2e nodes or pods, and
# exits non-zero through `fail` on the first broken expectation. All waits
# are bounded.
#
# Two kube-scheduler profiles are used (see scheduler-config.v1beta1.yaml):
# default-scheduler (built-in plugins + muster, as deployed) and muster-only
# (built-in node filters and all built-in scoring off). A pod of muster-only
# can only be kept off a node by muster, and its FailedScheduling text can
# only hold muster's reasons.

BIND_WAIT=${MUSTER_E2E_BIND_WAIT:-30}     # seconds for a pod to be bound
PENDING_WAIT=${MUSTER_E2E_PENDING_WAIT:-30}
# How far muster's cache may lag behind the API server: after a change,
# GET /debug/cache must equal the API server's objects within this time.
# shellcheck disable=SC2034 # used by lib.sh
WATCH_DELAY=${MUSTER_E2E_WATCH_DELAY:-2}
# A pending pod whose obstacle went away (pod deleted, node added or
# uncordoned) is retried by kube-scheduler when it sees that event, at
# once, possibly before muster's watch has delivered it (milliseconds
# later); the attempt fails and v1.20 then parks the pod until another
# event or its 60 s unschedulable-queue flush. So these waits allow 75 s.
REQUEUE_WAIT=${MUSTER_E2E_REQUEUE_WAIT:-75}

PROFILES="default-scheduler muster-only"

# Short tag of a profile for pod names.
ptag() { [ "$1" = muster-only ] && echo m || echo d; }

# Scenario 1: binpack piles pods onto one node, spread puts each on its own,
# on the same three nodes, through the default profile (built-in scoring
# still on: muster's weight must carry the policy's promise).
scenario_1() {
    local n first p i
    for n in s1-a s1-b s1-c; do mknode "$n" 4 8Gi 0; done
    use_policy binpack
    for i in 1 2 3; do
        mkpod "s1-pack-$i" --cpu 1 --mem 2Gi
        p=$(expect_node_in "s1-pack-$i" "s1-a s1-b s1-c" "$BIND_WAIT") || exit 1
        [ "$i" = 1 ] && first=$p
        [ "$p" = "$first" ] || fail "binpack: s1-pack-$i on $p, s1-pack-1 on $first"
    done
    del_pods s1-pack-1 s1-pack-2 s1-pack-3
    use_policy spread
    local used=""
    for i in 1 2 3; do
        mkpod "s1-spread-$i" --cpu 1 --mem 2Gi
        p=$(expect_node_in "s1-spread-$i" "s1-a s1-b s1-c" "$BIND_WAIT") || exit 1
        case " $used " in
        *" $p "*) fail "spread: s1-spread-$i joined a used node $p (used:$used)" ;;
        esac
        used="$used $p"
    done
}

# Scenario 2: GPU pods only where enough GPUs are free; a pod that fits
# nowhere stays Pending with the reason in its FailedScheduling event.
scenario_2() {
    local prof t
    mknode s2-gpu4 8 16Gi 4
    mknode s2-gpu1 8 16Gi 1
    mknode s2-cpu 8 16Gi 0
    use_policy default
    for prof in $PROFILES; do
        t=$(ptag "$prof")
        mkpod "s2-$t-two" --gpu 2 --profile "$prof"
        expect_node "s2-$t-two" s2-gpu4 "$BIND_WAIT"
        mkpod "s2-$t-one" --gpu 1 --profile "$prof"
        expect_node_in "s2-$t-one" "s2-gpu4 s2-gpu1" "$BIND_WAIT" >/dev/null || exit 1
        mkpod "s2-$t-cpu" --cpu 1 --profile "$prof"
        expect_node_in "s2-$t-cpu" "s2-gpu4 s2-gpu1 s2-cpu" "$BIND_WAIT" >/dev/null || exit 1
        # At most 2 GPUs are free anywhere now.
        mkpod "s2-$t-three" --gpu 3 --profile "$prof"
        expect_pending "s2-$t-three" "$PENDING_WAIT" 'nvidia\.com/gpu'
        # Freeing the 2 GPUs makes room on s2-gpu4 only.
        del_pods "s2-$t-two"
        expect_synced
        expect_node "s2-$t-three" s2-gpu4 "$REQUEUE_WAIT"
        del_pods "s2-$t-one" "s2-$t-cpu" "s2-$t-three"
    done
}

# Scenario 3: muster binds (bindVerb; the API server's audit log names the
# user), learns of pods it did not place only through the watch, and the
# next pod sees the capacity taken.
scenario_3() {
    local a b p
    for p in s3-a s3-b s3-c; do mknode "$p" 4 8Gi 2; done
    use_policy default
    # Bound by nobody's scheduler: muster can only know it from the watch.
    mkpod_bound s3-ext s3-c 2
    expect_synced
    mkpod s3-one --gpu 2 --profile muster-only
    a=$(expect_node_in s3-one "s3-a s3-b" "$BIND_WAIT") || exit 1
    mkpod s3-two --gpu 2 --profile muster-only
    b=$(expect_node_in s3-two "s3-a s3-b" "$BIND_WAIT") || exit 1
    [ "$a" != "$b" ] || fail "s3-one and s3-two share $a: capacity taken was not seen"
    for p in s3-one s3-two; do
        expect_binder "$p" muster
        event_matches "$p" Scheduled "to $(pod_node "$p")" ||
            fail "no Scheduled event for $p"
    done
    e2e_log "s3-one and s3-two bound by user muster (audit log)"
    mkpod s3-more --gpu 1 --profile muster-only
    expect_pending s3-more "$PENDING_WAIT" 'nvidia\.com/gpu'
    # Deleting the pod muster never bound frees s3-c: seen through the watch.
    del_pods s3-ext
    expect_synced
    expect_node s3-more s3-c "$REQUEUE_WAIT"
    # The default profile binds through muster too.
    del_pods s3-one
    mkpod s3-default --gpu 1
    expect_node_in s3-default "$a s3-c" "$BIND_WAIT" >/dev/null || exit 1
    expect_binder s3-default muster
}

# A pod created already bound (spec.nodeName), bypassing every scheduler.
mkpod_bound() {
    jq -n --arg name "$1" --arg node "$2" --arg gpu "$3" '
        {cpu: "100m", memory: "64Mi", "nvidia.com/gpu": $gpu} as $res |
        {apiVersion: "v1", kind: "Pod",
         metadata: {name: $name, labels: {e2e: "1"}},
         spec: {nodeName: $node, terminationGracePeriodSeconds: 0,
                containers: [{name: "c", image: "muster-e2e/none:0",
                              resources: {requests: $res, limits: $res}}]}}' |
        kc create -f - >/dev/null || fail "cannot create pod $1"
}

# Scenario 4: taints, cordons, NotReady, node selectors and required
# affinity: both profiles place and refuse the same pods, and muster's
# refusals give the same reasons per node as kube-scheduler's plugins.
scenario_4() {
    local prof t i p sum
    local -A kube_reasons=()
    mknode s4-ok 8 16Gi 0 --label zone=a --label disk=ssd
    mknode s4-b 8 16Gi 0 --label zone=b
    mknode s4-tainted 8 16Gi 0 --label zone=a --taint dedicated=ml:NoSchedule
    mknode s4-cordoned 8 16Gi 0 --label zone=a --unschedulable
    mknode s4-notready 8 16Gi 0 --label zone=a --not-ready
    use_policy default
    for prof in $PROFILES; do
        t=$(ptag "$prof")
        for i in 1 2 3 4; do
            mkpod "s4-$t-plain-$i" --profile "$prof"
            expect_node_in "s4-$t-plain-$i" "s4-ok s4-b" "$BIND_WAIT" >/dev/null || exit 1
        done
        mkpod "s4-$t-sel" --profile "$prof" --selector zone=b
        expect_node "s4-$t-sel" s4-b "$BIND_WAIT"
        mkpod "s4-$t-aff" --profile "$prof" --affinity disk=ssd,nvme
        expect_node "s4-$t-aff" s4-ok "$BIND_WAIT"
        mkpod "s4-$t-tol" --profile "$prof" --tolerate dedicated:NoSchedule \
            --affinity kubernetes.io/hostname=s4-tainted
        expect_node "s4-$t-tol" s4-tainted "$BIND_WAIT"
        mkpod "s4-$t-nosel" --profile "$prof" --selector zone=c
        expect_pending "s4-$t-nosel" "$PENDING_WAIT" 'selector|affinity'
        mkpod "s4-$t-taint" --profile "$prof" --selector zone=a \
            --tolerate node.kubernetes.io/not-ready:NoSchedule --affinity disk=hdd
        expect_pending "s4-$t-taint" "$PENDING_WAIT" 'taint'
        mkpod "s4-$t-cordon" --profile "$prof" \
            --affinity kubernetes.io/hostname=s4-cordoned
        expect_pending "s4-$t-cordon" "$PENDING_WAIT" 'unschedulable'
        mkpod "s4-$t-notready" --profile "$prof" \
            --affinity kubernetes.io/hostname=s4-notready
        expect_pending "s4-$t-notready" "$PENDING_WAIT" 'not-ready|not ready'
        for p in nosel taint cordon notready; do
            sum=$(reason_summary "s4-$t-$p")
            e2e_log "s4-$t-$p reasons: $sum"
            case $sum in *unparsed*) fail "s4-$t-$p: unknown reason: $sum" ;; esac
            if [ "$prof" = default-scheduler ]; then
                kube_reasons[$p]=$sum
            elif [ "$sum" != "${kube_reasons[$p]}" ]; then
                fail "s4-$t-$p: muster's reasons '$sum', kube-scheduler's '${kube_reasons[$p]}'"
            fi
        done
        kc delete pods -l e2e=1 --grace-period=0 --force --wait=true >/dev/null 2>&1
    done
}

# Scenario 5: node and pod churn while scheduling. After each change muster
# may lag by WATCH_DELAY at most; then it must answer from the new state.
# Pods use the muster-only profile: only muster's cache decides.
scenario_5() {
    local i
    mknode s5-a 4 8Gi 0
    mknode s5-b 4 8Gi 0
    use_policy default
    # Added: a pod waiting for a node that does not exist yet.
    mkpod s5-new --profile muster-only --selector pool=new
    expect_pending s5-new "$PENDING_WAIT" 'selector|affinity'
    mknode s5-c 4 8Gi 2 --label pool=new
    expect_synced
    expect_node s5-new s5-c "$REQUEUE_WAIT"
    # Labelled and unlabelled, a few rounds.
    for i in 1 2 3; do
        kc label node s5-a pool=blue --overwrite >/dev/null
        expect_synced
        mkpod "s5-blue-$i" --profile muster-only --selector pool=blue
        expect_node "s5-blue-$i" s5-a "$BIND_WAIT"
        kc label node s5-a pool- >/dev/null
        expect_synced
        mkpod "s5-gone-$i" --profile muster-only --selector pool=blue
        expect_pending "s5-gone-$i" "$PENDING_WAIT" 'selector|affinity'
        del_pods "s5-gone-$i"
    done
    # Cordoned: nothing new lands there; uncordoned: it does again.
    kc cordon s5-a >/dev/null
    expect_synced
    for i in 1 2 3; do
        mkpod "s5-cord-$i" --profile muster-only \
            --affinity kubernetes.io/hostname=s5-a,s5-b
        expect_node "s5-cord-$i" s5-b "$BIND_WAIT"
    done
    mkpod s5-only-a --profile muster-only --affinity kubernetes.io/hostname=s5-a
    expect_pending s5-only-a "$PENDING_WAIT" 'unschedulable'
    kc uncordon s5-a >/dev/null
    expect_synced
    expect_node s5-only-a s5-a "$REQUEUE_WAIT"
    # Deleted and re-created under the same name with other resources: the
    # old node's capacity and pods must not leak into the new one.
    kc delete node s5-c --wait=true >/dev/null
    mknode s5-c 4 8Gi 0 --label pool=new
    expect_synced
    mkpod s5-gpu --profile muster-only --gpu 1 --affinity kubernetes.io/hostname=s5-c
    expect_pending s5-gpu "$PENDING_WAIT" 'nvidia\.com/gpu'
    kc delete node s5-c --wait=true >/dev/null
    mknode s5-c 4 8Gi 1 --label pool=new
    expect_synced
    expect_node s5-gpu s5-c "$REQUEUE_WAIT"
    # Pods deleted: capacity comes back.
    mkpod s5-fill --profile muster-only --cpu 3 --affinity kubernetes.io/hostname=s5-b
    expect_node s5-fill s5-b "$BIND_WAIT"
    mkpod s5-wait --profile muster-only --cpu 3 --affinity kubernetes.io/hostname=s5-b
    expect_pending s5-wait "$PENDING_WAIT" 'cpu'
    del_pods s5-fill
    expect_synced
    expect_node s5-wait s5-b "$REQUEUE_WAIT"
}

# ---- Scenario 6: gangs (policies/gang-topology.json) ----

# How long a gang that does not fit is watched staying wholly Pending.
GANG_OBSERVE=${MUSTER_E2E_GANG_OBSERVE:-10}
# A gang whose members are parked by kube-scheduler must be bound within
# this time after its last member appears. Without muster's wake-up patch
# the parked members would wait for v1.20's unschedulable-queue flush (at
# least 60 s), so this bound proves the wake-up works.
GANG_WAKE_WAIT=${MUSTER_E2E_GANG_WAKE_WAIT:-30}
# muster.dev/schedule-timeout-seconds of the gang that must time out: well
# below the policy's default (30 s), above its maxHoldSeconds (4 s).
GANG_TIMEOUT=6

# mkmember POD GANG MIN_MEMBER [mkpod options]: a pod of gang GANG (label
# scheduling.x-k8s.io/pod-group, annotation muster.dev/min-member).
mkmember() {
    local name=$1 gang=$2 min=$3
    shift 3
    mkpod "$name" --label "scheduling.x-k8s.io/pod-group=$gang" \
        --annotation "muster.dev/min-member=$min" "$@"
}

# gang_info GANG: the gang's entry of muster's GET /debug/gangs.
gang_info() {
    curl -sf -m 5 "$MUSTER_URL/debug/gangs" |
        jq -ce --arg g "default/$1" '.gangs[] | select(.gang == $g)'
}

gang_state_is() { [ "$(gang_info "$1" | jq -r .state)" = "$2" ]; }

# gang_held_is GANG N: N of its members' binds are held by muster.
gang_held_is() {
    [ "$(gang_info "$1" | jq '[.members[] | select(.heldBind)] | length')" = "$2" ]
}

# gang_nodes GANG: the spec.nodeName of each member, "" while pending.
gang_nodes() {
    kc get pods -l "scheduling.x-k8s.io/pod-group=$1" \
        -o 'jsonpath={range .items[*]}{.spec.nodeName}{"\n"}{end}'
}

# gang_all_bound GANG N: the gang has N members and all have a node.
gang_all_bound() {
    local nodes
    nodes=$(gang_nodes "$1") || return 1
    [ "$(grep -c . <<<"$nodes")" -eq "$2" ] &&
        [ "$(grep -c '^$' <<<"$nodes")" -eq 0 ]
}

# gang_stays_pending GANG SECONDS: no member gets a node for SECONDS.
gang_stays_pending() {
    local deadline=$((SECONDS + $2)) nodes
    while [ "$SECONDS" -lt "$deadline" ]; do
        nodes=$(gang_nodes "$1") || fail "cannot read the pods of gang $1"
        [ -z "$(tr -d '\n' <<<"$nodes")" ] ||
            fail "gang $1 partly bound: $(tr '\n' ' ' <<<"$nodes")"
        sleep 0.5
    done
}

# metric NAME: its value in muster's /metrics, 0 when absent.
metric() {
    curl -sf -m 5 "$MUSTER_URL/metrics" |
        awk -v n="$1" '$1 == n { v = $2 } END { print v == "" ? 0 : v }'
}

# gang_timing WHAT T0 POD...: from the audit log, the time from T0 (Unix
# seconds) to the last of the PODs' bindings, and the spread of their
# bindings; printed and kept for run.sh's summary.
gang_timing() {
    local what=$1 t0=$2 times line
    shift 2
    wait_until 5 "bindings of $* in the audit log" \
        test "$(audit_times binding "$@" | wc -l)" -eq $#
    times=$(audit_times binding "$@")
    line=$(awk -v t0="$t0" '
        NR == 1 || $2 < lo { lo = $2 }
        NR == 1 || $2 > hi { hi = $2 }
        END { printf "%.3f s (all %d bindings within %.3f s)",
                     hi - t0, NR, hi - lo }' <<<"$times")
    echo "[nodeCacheCapable: ${E2E_MODE:-?}] $what: $line" >> "$E2E_TMP/gang-timings"
    e2e_log "GANG TIMING $what: $line"
}

# 6a: 3 members of 2 GPUs each, 2 GPUs free on each of two nodes: two
# members would fit, the gang does not, so none is bound.
s6_wholly_pending() {
    local i
    mkpod s6-busy-a --node s6-a --gpu 2
    mkpod s6-busy-b --node s6-b --gpu 2
    expect_synced
    for i in 1 2 3; do mkmember "s6-big-$i" s6-big 3 --gpu 2; done
    for i in 1 2 3; do
        expect_pending "s6-big-$i" "$PENDING_WAIT" 'gang default/s6-big'
    done
    gang_stays_pending s6-big "$GANG_OBSERVE"
    gang_info s6-big | jq -e '.state == "waiting" and .exist == 3 and
        .bound == 0 and ([.members[] | select(.planned)] | length) == 0' \
        >/dev/null || fail "gang s6-big not waiting unplanned: $(gang_info s6-big)"
    e2e_log "gang s6-big wholly pending for ${GANG_OBSERVE}s: $(gang_info s6-big | jq -r .reason)"
}

# 6b: one blocking pod goes (6 GPUs free: 4 on s6-a, 2 on s6-b); every
# member is bound, by muster, together.
s6_room_frees() {
    local t0 p
    del_pods s6-busy-a
    expect_synced
    wait_until "$REQUEUE_WAIT" "all of gang s6-big bound" gang_all_bound s6-big 3
    for p in s6-big-1 s6-big-2 s6-big-3; do
        expect_node_in "$p" "s6-a s6-b" 1 >/dev/null || exit 1
        expect_binder "$p" muster
    done
    gang_info s6-big | jq -e '.state == "bound" and .bound == 3' >/dev/null ||
        fail "gang s6-big not bound in muster: $(gang_info s6-big)"
    t0=$(audit_times delete s6-busy-a | cut -d' ' -f2)
    [ -n "$t0" ] || fail "no delete of s6-busy-a in the audit log"
    gang_timing "6b room freed (blocker deleted) -> gang s6-big (3 pods) bound" \
        "$t0" s6-big-1 s6-big-2 s6-big-3
    del_pods s6-big-1 s6-big-2 s6-big-3 s6-busy-b
}

# 6b': members parked by kube-scheduler before quorum are brought back by
# muster's wake-up patch alone (nothing else re-queues them before v1.20's
# 60 s flush) when the last member appears.
s6_quorum_wakes() {
    local prof=$1 g t0 p0 p1
    g=s6-job-$(ptag "$prof")
    mkmember "$g-1" "$g" 3 --gpu 1 --profile "$prof"
    mkmember "$g-2" "$g" 3 --gpu 1 --profile "$prof"
    expect_pending "$g-1" "$PENDING_WAIT" "gang default/$g .*pods exist"
    expect_pending "$g-2" "$PENDING_WAIT" "gang default/$g .*2 of 3 pods exist"
    p0=$(metric muster_gang_wake_patches_total)
    mkmember "$g-3" "$g" 3 --gpu 1 --profile "$prof"
    wait_until "$GANG_WAKE_WAIT" "gang $g bound after its last member appeared" \
        gang_all_bound "$g" 3
    p1=$(metric muster_gang_wake_patches_total)
    [ "$p1" -ge $((p0 + 2)) ] || fail "wake-up patches $p0 -> $p1, expected 2 more"
    [ "$(metric muster_gang_wake_patch_errors_total)" = 0 ] ||
        fail "muster's wake-up patches failed (muster log)"
    kc get pod "$g-1" -o 'jsonpath={.metadata.annotations.muster\.dev/gang-state}' |
        grep -q '^admitted@' || fail "$g-1 has no muster.dev/gang-state: admitted@..."
    t0=$(audit_times create "$g-3" | cut -d' ' -f2)
    [ -n "$t0" ] || fail "no create of $g-3 in the audit log"
    gang_timing "6b' last member created -> gang $g (3 pods, $prof) bound" \
        "$t0" "$g-1" "$g-2" "$g-3"
    del_pods "$g-1" "$g-2" "$g-3"
}

# 6e: muster admits a gang whose third member kube-scheduler itself can
# never place (its required pod anti-affinity excludes every node; muster's
# plan does not look at inter-pod affinity). The two others wait at bind
# until the gang times out:
# their binds are answered with the timeout, nothing is bound, the
# reservation is released, and an ordinary pod can take the GPUs the gang
# had reserved. The policy is gang-topology.json with maxHoldSeconds 10
# (still well below kube-scheduler's httpTimeout of 30 s): with its 4 s a
# held bind is answered "retry" before the gang's 6 s timeout and the
# member is in kube-scheduler's backoff when the timeout comes.
s6_timeout() {
    local node info opt="muster.dev/schedule-timeout-seconds=$GANG_TIMEOUT" p
    local pol=$E2E_TMP/gang-topology-hold10.json
    jq '.gang.maxHoldSeconds = 10' "$REPO/policies/gang-topology.json" > "$pol" ||
        fail "cannot derive $pol"
    use_policy "$pol"
    mkpod s6-block-a --node s6-a --label s6-block=1
    mkpod s6-block-b --node s6-b --label s6-block=1
    expect_synced
    mkmember s6-late-1 s6-late 3 --gpu 1 --annotation "$opt"
    mkmember s6-late-2 s6-late 3 --gpu 1 --annotation "$opt"
    mkmember s6-late-3 s6-late 3 --gpu 1 --annotation "$opt" --anti s6-block=1
    wait_until "$BIND_WAIT" "gang s6-late admitted" gang_state_is s6-late admitted
    node=$(gang_info s6-late | jq -r '[.members[].planned // empty][0]')
    [ "$(metric 'muster_gang_reserved{resource="nvidia.com/gpu"}')" = 3 ] ||
        fail "gang s6-late admitted without 3 GPUs reserved"
    expect_pending s6-late-3 "$PENDING_WAIT" 'anti-affinity'
    wait_until "$BIND_WAIT" "s6-late-1 and s6-late-2 held at bind" \
        gang_held_is s6-late 2
    wait_until $((GANG_TIMEOUT + BIND_WAIT)) "gang s6-late timed out" \
        gang_state_is s6-late backoff
    info=$(gang_info s6-late)
    [ "$(metric 'muster_gang_reserved{resource="nvidia.com/gpu"}')" = 0 ] ||
        fail "GPUs still reserved after gang s6-late timed out"
    # Now, within the backoff: afterwards the gang is planned again.
    mkpod s6-after --gpu 4 --profile muster-only \
        --affinity "kubernetes.io/hostname=$node"
    jq -e '.bound == 0 and (.reason | test("timed out")) and
        ([.members[] | select(.planned or .heldBind)] | length) == 0' \
        <<<"$info" >/dev/null || fail "gang s6-late holds something: $info"
    for p in s6-late-1 s6-late-2 s6-late-3; do
        ! pod_is_bound "$p" || fail "$p bound to $(pod_node "$p")"
        [ -z "$(binder_of "$p")" ] || fail "$p has a binding in the audit log"
    done
    expect_node s6-after "$node" "$BIND_WAIT"
    for p in s6-late-1 s6-late-2; do
        wait_until 5 "$p's held bind answered with the timeout" \
            event_matches "$p" FailedScheduling 'binding rejected: .*timed out'
    done
    e2e_log "gang s6-late: $(jq -r .reason <<<"$info")"
}

# 6d: a gang sized by its PodGroup alone, whose CRD is installed after
# muster started: muster found the CRD absent then (it looks again every
# minute), and the first pod naming the PodGroup makes it look at once.
# Until the PodGroup is in, the pods wait (minMember unknown); read as
# ordinary pods they would be bound one by one. The gang is bound whole.
s6_podgroup() {
    local t0 p crd=podgroups.scheduling.x-k8s.io
    kc apply -f - >/dev/null <<'EOF' || fail "cannot create the PodGroup CRD"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: podgroups.scheduling.x-k8s.io}
spec:
  group: scheduling.x-k8s.io
  scope: Namespaced
  names: {plural: podgroups, singular: podgroup, kind: PodGroup,
          listKind: PodGroupList}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
EOF
    wait_until 30 "CRD $crd established" \
        kc wait --for condition=established --timeout=1s "crd/$crd"
    kc apply -f - >/dev/null <<'EOF' || fail "cannot create PodGroup s6-pg"
apiVersion: scheduling.x-k8s.io/v1alpha1
kind: PodGroup
metadata: {name: s6-pg, labels: {e2e: "1"}}
spec: {minMember: 3}
EOF
    for p in s6-pg-1 s6-pg-2 s6-pg-3; do
        mkpod "$p" --label "scheduling.x-k8s.io/pod-group=s6-pg" --gpu 1
    done
    wait_until "$REQUEUE_WAIT" "all of gang s6-pg bound" gang_all_bound s6-pg 3
    for p in s6-pg-1 s6-pg-2 s6-pg-3; do expect_binder "$p" muster; done
    gang_info s6-pg | jq -e '.minMember == 3 and .state == "bound"' \
        >/dev/null || fail "gang s6-pg not bound by its PodGroup: $(gang_info s6-pg)"
    t0=$(audit_times create s6-pg-3 | cut -d' ' -f2)
    [ -n "$t0" ] || fail "no create of s6-pg-3 in the audit log"
    gang_timing "6d last member created -> gang s6-pg (PodGroup, CRD installed after muster started) bound" \
        "$t0" s6-pg-1 s6-pg-2 s6-pg-3
    del_pods s6-pg-1 s6-pg-2 s6-pg-3
    kc delete crd "$crd" --wait=true >/dev/null 2>&1 ||
        fail "cannot delete CRD $crd"
}

# Scenario 6: gang scheduling through the real scheduler (see s6_*).
scenario_6() {
    local prof
    mknode s6-a 8 16Gi 4 --label topology.muster.dev/rack=r1
    mknode s6-b 8 16Gi 4 --label topology.muster.dev/rack=r2
    use_policy gang-topology
    s6_wholly_pending
    s6_room_frees
    for prof in $PROFILES; do s6_quorum_wakes "$prof"; done
    s6_podgroup
    s6_timeout
}

# shellcheck disable=SC2034 # used by run.sh
SCENARIOS=(
    "1|plain pods follow binpack vs spread|scenario_1"
    "2|GPU pods only where GPUs are free; no fit stays Pending|scenario_2"
    "3|muster binds, watches, next pod sees capacity taken|scenario_3"
    "4|taints, cordon, NotReady, selectors, affinity|scenario_4"
    "5|node and pod churn never leaves a stale cache|scenario_5"
    "6|gangs: wholly pending, bound together, woken, timed out|scenario_6"
)
