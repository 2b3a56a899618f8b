/* most_allocated.c - score: prefer the fullest nodes once the pod is placed
 * (bin packing), like kube-scheduler's MostAllocated. */
#include "common.h"
#include "score/score.h"
#include "policy/args.h"
#include "util/xmalloc.h"

static const char *const most_allocated_keys[] = {"resources", NULL};

static int most_allocated_init(const cJSON *args, void **state, char *err,
                               size_t errlen)
{
    struct res_weights *rw = xcalloc(1, sizeof(*rw));
    const cJSON *res;
    int rc;

    rc = args_check_keys(args, most_allocated_keys, err, errlen);
    if (rc)
        goto out;
    res = args ? cJSON_GetObjectItemCaseSensitive(args, "resources") : NULL;
    if (res) {
        rc = args_res_weights(res, ".resources", rw, err, errlen);
        goto out;
    }
    /* default: cpu and memory, equally weighted */
    rw->n = 2;
    rw->id[0] = RES_CPU;
    rw->id[1] = RES_MEMORY;
    rw->w[0] = rw->w[1] = 1;
out:
    if (rc)
        FREE_NULL(rw);
    *state = rw;
    return rc;
}

static void most_allocated_fini(void *state)
{
    free(state);
}

static int most_allocated_describe(const void *state, char *dst, size_t cap)
{
    return args_describe_res(state, false, dst, cap);
}

/* sum(w x used_after x 100 / alloc) / sum(w) over the resources the node
 * has. As in kube-scheduler, an extended resource the pod does not
 * request is left out, so a CPU pod is not steered by GPU usage; a resource
 * that would be overcommitted scores 0. */
static int most_allocated_score(const void *state, const struct pod *pod,
                                const struct node_view *nv, int64_t *out)
{
    const struct res_weights *rw = state;
    int64_t sum = 0, wsum = 0;

    MU_ASSERT(nv->node->magic == NODE_MAGIC);
    for (uint32_t i = 0; i < rw->n; i++) {
        int id = rw->id[i];
        int64_t alloc = nv->node->alloc[id], after, s = 0;

        if (alloc <= 0)
            continue;
        if (id > RES_EPHEMERAL && pod_request(pod, id) == 0)
            continue;
        after = score_used_after(pod, nv, id);
        if (after <= alloc)
            s = score_pct(MU_MAX(after, 0), alloc);
        sum += rw->w[i] * s;
        wsum += rw->w[i];
    }
    *out = wsum ? sum / wsum : 0;
    return MU_OK;
}

const struct score_plugin score_most_allocated = {
    .name = "most-allocated",
    .summary = "binpack: prefer the nodes that end up fullest "
               "(args: resources {name: weight})",
    .init = most_allocated_init,
    .fini = most_allocated_fini,
    .describe = most_allocated_describe,
    .score = most_allocated_score,
};
