/* allocated.c - args and weighted sum shared by least-allocated and
 * most-allocated (see allocated.h). */
#include "common.h"
#include "score/allocated.h"
#include "policy/args.h"
#include "util/xmalloc.h"

static const char *const allocated_keys[] = {"resources", NULL};

int allocated_init(const cJSON *args, void **state, char *err, size_t errlen)
{
    struct res_weights *rw = xcalloc(1, sizeof(*rw));
    const cJSON *res;
    int rc;

    rc = args_check_keys(args, allocated_keys, err, errlen);
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

void allocated_fini(void *state)
{
    free(state);
}

int allocated_describe(const void *state, char *dst, size_t cap)
{
    return args_describe_res(state, false, dst, cap);
}

int64_t allocated_score(const void *state, const struct pod *pod,
                        const struct node_view *nv, enum allocated_share sh)
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
        after = MU_MAX(score_used_after(pod, nv, id), 0);
        if (after <= alloc)
            s = score_pct(sh == ALLOCATED_FREE ? alloc - after : after, alloc);
        sum += rw->w[i] * s;
        wsum += rw->w[i];
    }
    return wsum ? sum / wsum : 0;
}
