/* most_allocated.c - score: prefer the fullest nodes once the pod is placed
 * (bin packing), like kube-scheduler's MostAllocated:
 * sum(w x used_after x 100 / alloc) / sum(w) (allocated.h). */
#include "common.h"
#include "score/allocated.h"

static int most_allocated_score(const void *state, const struct pod *pod,
                                const struct node_view *nv, int64_t *out)
{
    *out = allocated_score(state, pod, nv, ALLOCATED_USED);
    return MU_OK;
}

const struct score_plugin score_most_allocated = {
    .name = "most-allocated",
    .summary = "binpack: prefer the nodes that end up fullest "
               "(args: resources {name: weight})",
    .init = allocated_init,
    .fini = allocated_fini,
    .describe = allocated_describe,
    .score = most_allocated_score,
};
