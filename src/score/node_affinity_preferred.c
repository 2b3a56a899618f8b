/* node_affinity_preferred.c - score: the summed weights of the pod's
 * preferred node affinity terms that the node matches, normalized so the
 * best node scores 100 (kube-scheduler's NodeAffinity score). */
#include "common.h"
#include "score/score.h"

static int node_affinity_preferred_score(const void *state,
                                         const struct pod *pod,
                                         const struct node_view *nv,
                                         int64_t *out)
{
    int64_t sum = 0;

    MU_UNUSED(state);
    MU_ASSERT(nv->node->magic == NODE_MAGIC);
    for (uint32_t i = 0; i < pod->npreferred; i++) {
        if (sel_term_match(&pod->preferred[i].term, nv->node))
            sum += pod->preferred[i].weight;
    }
    *out = sum;
    return MU_OK;
}

/* DefaultNormalizeScore: the highest raw value maps to SCORE_MAX and the
 * others proportionally (truncated); all zero stays zero. */
static void node_affinity_preferred_normalize(const void *state,
                                              const struct pod *pod,
                                              int64_t *scores, size_t n)
{
    int64_t max = 0;

    MU_UNUSED(state);
    MU_UNUSED(pod);
    for (size_t i = 0; i < n; i++)
        max = MU_MAX(max, scores[i]);
    for (size_t i = 0; i < n; i++)
        scores[i] = max > 0 ? score_pct(MU_MAX(scores[i], 0), max) : 0;
}

static int node_affinity_preferred_describe(const void *state, char *dst,
                                            size_t cap)
{
    MU_UNUSED(state);
    if (cap < 3)
        return MU_ELIMIT;
    memcpy(dst, "{}", 3);
    return MU_OK;
}

const struct score_plugin score_node_affinity_preferred = {
    .name = "node-affinity-preferred",
    .summary = "prefer nodes matching the pod's preferred node affinity "
               "terms (by their weights)",
    .describe = node_affinity_preferred_describe,
    .score = node_affinity_preferred_score,
    .normalize = node_affinity_preferred_normalize,
};
