/* taint_toleration.c - filter: the pod tolerates every NoSchedule and
 * NoExecute taint of the node (PreferNoSchedule only affects scoring). */
#include "common.h"
#include "filter/filter.h"

static int taint_toleration_filter(const void *state, const struct pod *pod,
                                   const struct node_view *nv,
                                   struct filter_status *st)
{
    const struct node_info *node = nv->node;

    MU_UNUSED(state);
    MU_ASSERT(node->magic == NODE_MAGIC);
    for (uint32_t i = 0; i < node->ntaints; i++) {
        const struct taint *t = &node->taints[i];

        if (t->effect != EFFECT_NO_SCHEDULE && t->effect != EFFECT_NO_EXECUTE)
            continue;
        if (filter_tolerates(pod, t))
            continue;
        /* The first untolerated taint names the cause, as kube-scheduler
         * does; a pod cannot evict its way past a taint. */
        return filter_fail(st, FILTER_FAIL_UNRESOLVABLE, "taint",
                           "node(s) had taint {%s: %s}, that the pod didn't "
                           "tolerate",
                           t->key, t->value);
    }
    return filter_pass(st);
}

const struct filter_plugin filter_taint_toleration = {
    .name = "taint-toleration",
    .summary = "pod must tolerate every NoSchedule/NoExecute taint of the "
               "node",
    .filter = taint_toleration_filter,
};
