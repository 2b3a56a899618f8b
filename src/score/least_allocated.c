/* least_allocated.c - score: prefer nodes with the most room left after
 * placing the pod (spreading), like kube-scheduler's LeastAllocated:
 * sum(w x (alloc - used_after) x 100 / alloc) / sum(w) (allocated.h). */
#include "common.h"
#include "score/allocated.h"

static int least_allocated_score(const void *state, const struct pod *pod,
                                 const struct node_view *nv, int64_t *out)
{
    *out = allocated_score(state, pod, nv, ALLOCATED_FREE);
    return MU_OK;
}

const struct score_plugin score_least_allocated = {
    .name = "least-allocated",
    .summary = "spread: prefer nodes with the most free capacity left "
               "(args: resources {name: weight})",
    .init = allocated_init,
    .fini = allocated_fini,
    .describe = allocated_describe,
    .score = least_allocated_score,
};
