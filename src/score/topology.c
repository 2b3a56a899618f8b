/* topology.c - score: prefer nodes close to where the pod's gang already
 * has members (bound or planned), by the policy's gang topology keys
 * (narrowest first): the same node scores SCORE_MAX, a node sharing the
 * domain of key l scores SCORE_MAX * (nk - l) / (nk + 1), anything else 0.
 * Pods outside gangs, or whose gang has no placed member yet, score 0
 * everywhere, so the plugin never reorders ordinary pods. */
#include "common.h"
#include "score/score.h"
#include "queue/gang.h"

/* Does any anchor share node n's value of label key? */
static bool topology_shares(const struct sched_ctx *ctx,
                            const struct node_info *n, const char *key)
{
    const char *v = labels_get(&n->labels, key);

    for (size_t j = 0; v && j < ctx->nanchors; j++) {
        const char *av = labels_get(&ctx->anchors[j]->labels, key);

        if (av && strcmp(av, v) == 0)
            return true;
    }
    return false;
}

static int topology_score(const void *state, const struct pod *pod,
                          const struct node_view *nv, int64_t *out)
{
    const struct sched_ctx *ctx = nv->ctx;
    size_t nk;

    MU_UNUSED(state);
    MU_UNUSED(pod);
    *out = 0;
    if (!ctx || ctx->nanchors == 0)
        return MU_OK;
    for (size_t j = 0; j < ctx->nanchors; j++) {
        if (ctx->anchors[j] == nv->node ||
            strcmp(ctx->anchors[j]->name, nv->node->name) == 0) {
            *out = SCORE_MAX;
            return MU_OK;
        }
    }
    nk = ctx->ntopo_keys;
    for (size_t l = 0; l < nk; l++) {
        if (topology_shares(ctx, nv->node, ctx->topo_keys[l])) {
            *out = SCORE_MAX * (int64_t)(nk - l) / (int64_t)(nk + 1);
            return MU_OK;
        }
    }
    return MU_OK;
}

/* No args: the keys are the policy's "gang" topologyKeys. */
static int topology_describe(const void *state, char *dst, size_t cap)
{
    MU_UNUSED(state);
    if (cap < 3)
        return MU_ELIMIT;
    memcpy(dst, "{}", 3);
    return MU_OK;
}

const struct score_plugin score_topology = {
    .name = "gang-topology",
    .summary = "prefers nodes in the topology domains where the pod's gang "
               "already has members",
    .describe = topology_describe,
    .score = topology_score,
};
