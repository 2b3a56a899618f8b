# objects.sh - Node and Pod objects for the end-to-end scenarios, built as
# JSON with jq and created through the API server. Sourced by run.sh.
#
# Nodes have no kubelet: they are created with their status (capacity,
# allocatable, a Ready condition) and never change unless a scenario
# changes them. Every node carries the label e2e=1 so a reset finds them.

# mknode NAME CPU MEMORY GPUS [--label K=V]... [--not-ready]
#        [--taint K=V:EFFECT]... [--unschedulable]
mknode() {
    local name=$1 cpu=$2 mem=$3 gpu=$4 ready=True unsched=false
    local labels='{}' taints='[]' now k v e
    shift 4
    labels=$(jq -nc --arg n "$name" '{"kubernetes.io/hostname": $n, "e2e": "1"}')
    while [ $# -gt 0 ]; do
        case $1 in
        --label)
            labels=$(jq -c --arg k "${2%%=*}" --arg v "${2#*=}" \
                '. + {($k): $v}' <<<"$labels")
            shift 2 ;;
        --taint)
            k=${2%%=*}; v=${2#*=}; e=${v#*:}; v=${v%%:*}
            taints=$(jq -c --arg k "$k" --arg v "$v" --arg e "$e" \
                '. + [{key: $k, value: $v, effect: $e}]' <<<"$taints")
            shift 2 ;;
        --not-ready) ready=False; shift ;;
        --unschedulable) unsched=true; shift ;;
        *) fail "mknode: unknown option $1" ;;
        esac
    done
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    jq -n --arg name "$name" --arg cpu "$cpu" --arg mem "$mem" \
        --arg gpu "$gpu" --arg ready "$ready" --arg now "$now" \
        --argjson labels "$labels" --argjson taints "$taints" \
        --argjson unsched "$unsched" '
        {cpu: $cpu, memory: $mem, pods: "110", "nvidia.com/gpu": $gpu} as $res |
        {apiVersion: "v1", kind: "Node",
         metadata: {name: $name, labels: $labels},
         spec: ({unschedulable: $unsched}
                + (if ($taints | length) > 0 then {taints: $taints} else {} end)),
         status: {capacity: $res, allocatable: $res,
                  conditions: [{type: "Ready", status: $ready,
                                reason: "E2E", message: "muster e2e node",
                                lastHeartbeatTime: $now,
                                lastTransitionTime: $now}]}}' |
        kc create -f - >/dev/null || fail "cannot create node $name"
    # The TaintNodesByCondition admission plugin adds the not-ready taint to
    # every new node; the node lifecycle controller (not running here) would
    # remove it from Ready nodes. Do its job; NotReady nodes keep it.
    if [ "$ready" = True ]; then
        kc taint nodes "$name" node.kubernetes.io/not-ready:NoSchedule- \
            >/dev/null || fail "cannot untaint node $name"
    fi
}

# mkpod NAME [--cpu Q] [--mem Q] [--gpu N] [--profile SCHEDULER]
#       [--selector K=V]... [--affinity K=V1,V2]... [--tolerate K:EFFECT]...
#       [--label K=V]... [--annotation K=V]... [--hostport PORT]
#       [--node NODE]
# Requests equal limits. --affinity adds a required node-affinity term
# "K In (V1, V2)"; several are ANDed in one term. --hostport gives the
# container that TCP host port; --anti K=V a required pod anti-affinity to
# pods labelled K=V on the same node; --node creates the pod already bound
# there (spec.nodeName: no scheduler involved).
mkpod() {
    local name=$1 cpu=100m mem=64Mi gpu=0 profile=default-scheduler
    local sel='{}' exprs='[]' tols='[]' labels='{"e2e": "1"}' anns='{}'
    local ports='[]' node="" anti='{}'
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --cpu) cpu=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --gpu) gpu=$2; shift 2 ;;
        --profile) profile=$2; shift 2 ;;
        --selector)
            sel=$(jq -c --arg k "${2%%=*}" --arg v "${2#*=}" \
                '. + {($k): $v}' <<<"$sel")
            shift 2 ;;
        --affinity)
            exprs=$(jq -c --arg k "${2%%=*}" --arg v "${2#*=}" \
                '. + [{key: $k, operator: "In", values: ($v | split(","))}]' \
                <<<"$exprs")
            shift 2 ;;
        --tolerate)
            tols=$(jq -c --arg k "${2%%:*}" --arg e "${2#*:}" \
                '. + [{key: $k, operator: "Exists", effect: $e}]' <<<"$tols")
            shift 2 ;;
        --label)
            labels=$(jq -c --arg k "${2%%=*}" --arg v "${2#*=}" \
                '. + {($k): $v}' <<<"$labels")
            shift 2 ;;
        --annotation)
            anns=$(jq -c --arg k "${2%%=*}" --arg v "${2#*=}" \
                '. + {($k): $v}' <<<"$anns")
            shift 2 ;;
        --hostport)
            ports=$(jq -c --argjson p "$2" \
                '. + [{containerPort: $p, hostPort: $p, protocol: "TCP"}]' \
                <<<"$ports") || fail "mkpod: bad --hostport $2"
            shift 2 ;;
        --node) node=$2; shift 2 ;;
        --anti)     # required pod anti-affinity, per node, to label k=v
            anti=$(jq -c --arg k "${2%%=*}" --arg v "${2#*=}" \
                '. + {($k): $v}' <<<"$anti")
            shift 2 ;;
        *) fail "mkpod: unknown option $1" ;;
        esac
    done
    jq -n --arg name "$name" --arg cpu "$cpu" --arg mem "$mem" \
        --arg gpu "$gpu" --arg profile "$profile" --argjson sel "$sel" \
        --argjson exprs "$exprs" --argjson tols "$tols" \
        --argjson labels "$labels" --argjson anns "$anns" \
        --argjson ports "$ports" --arg node "$node" --argjson anti "$anti" '
        ({cpu: $cpu, memory: $mem}
         + (if $gpu != "0" then {"nvidia.com/gpu": $gpu} else {} end)) as $res |
        {apiVersion: "v1", kind: "Pod",
         metadata: ({name: $name, labels: $labels}
                    + (if ($anns | length) > 0 then {annotations: $anns}
                       else {} end)),
         spec: ({schedulerName: $profile,
                 terminationGracePeriodSeconds: 0,
                 containers: [({name: "c", image: "muster-e2e/none:0",
                                resources: {requests: $res, limits: $res}}
                               + (if ($ports | length) > 0 then {ports: $ports}
                                  else {} end))]}
                + (if $node != "" then {nodeName: $node} else {} end)
                + (if ($sel | length) > 0 then {nodeSelector: $sel} else {} end)
                + (if ($tols | length) > 0 then {tolerations: $tols} else {} end)
                + (if ($exprs | length) > 0 or ($anti | length) > 0 then
                      {affinity: ((if ($exprs | length) > 0 then {nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                          nodeSelectorTerms: [{matchExpressions: $exprs}]}}}
                        else {} end)
                       + (if ($anti | length) > 0 then {podAntiAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: [{
                          labelSelector: {matchLabels: $anti},
                          topologyKey: "kubernetes.io/hostname"}]}}
                        else {} end))}
                   else {} end))}' |
        kc create -f - >/dev/null || fail "cannot create pod $name"
}

# Remove every e2e pod and node, and wait until the API server shows none.
reset_objects() {
    kc delete pods -l e2e=1 --grace-period=0 --force --wait=true \
        >/dev/null 2>&1 || true
    kc delete nodes -l e2e=1 --wait=true >/dev/null 2>&1 || true
    wait_until 30 "e2e pods and nodes gone" no_objects_left
}

no_objects_left() {
    [ -z "$(kc get pods,nodes -l e2e=1 -o name 2>/dev/null)" ]
}
