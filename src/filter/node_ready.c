/* node_ready.c - filter: the node is Ready and not cordoned, unless the pod
 * tolerates the matching NoSchedule taint (DaemonSet-style pods do). */
#include "common.h"
#include "filter/filter.h"

/* The taints the node lifecycle controller would put on such a node; the
 * default NoExecute tolerations (with tolerationSeconds) that admission
 * adds to every pod do not match these NoSchedule ones. */
static const struct taint not_ready_taint = {
    .key = "node.kubernetes.io/not-ready",
    .value = "",
    .effect = EFFECT_NO_SCHEDULE,
};
static const struct taint unschedulable_taint = {
    .key = "node.kubernetes.io/unschedulable",
    .value = "",
    .effect = EFFECT_NO_SCHEDULE,
};

static int node_ready_filter(const void *state, const struct pod *pod,
                             const struct node_view *nv,
                             struct filter_status *st)
{
    const struct node_info *node = nv->node;

    MU_UNUSED(state);
    MU_ASSERT(node->magic == NODE_MAGIC);
    if (!node->ready && !filter_tolerates(pod, &not_ready_taint))
        return filter_fail(st, FILTER_FAIL_UNRESOLVABLE, "not-ready",
                           "node(s) were not ready");
    /* kube-scheduler's NodeUnschedulable rule, text included */
    if (node->unschedulable && !filter_tolerates(pod, &unschedulable_taint))
        return filter_fail(st, FILTER_FAIL_UNRESOLVABLE, "unschedulable",
                           "node(s) were unschedulable");
    return filter_pass(st);
}

const struct filter_plugin filter_node_ready = {
    .name = "node-ready",
    .summary = "node must be Ready and not cordoned (unless the pod "
               "tolerates the not-ready/unschedulable NoSchedule taint)",
    .filter = node_ready_filter,
};
