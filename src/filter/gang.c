/* gang.c - filter: a gang member may go only where its gang's plan says;
 * members of a gang that is not admitted fail everywhere. The decision is
 * made once per call by the gang table (src/queue/gang.c) and arrives in
 * the call context; this plugin only applies it to each node. */
#include "common.h"
#include "filter/filter.h"
#include "queue/gang.h"

static int gang_filter(const void *state, const struct pod *pod,
                       const struct node_view *nv, struct filter_status *st)
{
    const struct sched_ctx *ctx = nv->ctx;

    MU_UNUSED(state);
    MU_UNUSED(pod);
    if (!ctx)
        return filter_pass(st);
    switch (ctx->decision) {
    case GANG_REJECT:
        /* Unresolvable: evicting pods from one node cannot admit a gang. */
        return filter_fail(st, FILTER_FAIL_UNRESOLVABLE, "gang", "%s",
                           ctx->reason);
    case GANG_PLANNED:
        if (strcmp(nv->node->name, ctx->node) == 0)
            return filter_pass(st);
        /* The same text on every other node, so the event aggregates. */
        return filter_fail(st, FILTER_FAIL_UNRESOLVABLE, "gang",
                           "gang %.100s: pod is planned on node %.60s",
                           ctx->gang, ctx->node);
    case GANG_NONE:
    case GANG_EXTRA:
        break;
    }
    return filter_pass(st);
}

const struct filter_plugin filter_gang = {
    .name = "gang",
    .summary = "gang members pass only their planned node; members of a "
               "gang not yet admitted fail everywhere",
    .filter = gang_filter,
};
