/* gpu_fit.c - score: best fit on free GPUs, so whole GPU nodes stay free for
 * large jobs and CPU-only pods stay off idle GPU nodes.
 *
 * Pod requesting g > 0 GPUs (free_after = alloc - used - g):
 *     score = 100 - 100 x free_after / alloc
 * an exact fit scores 100, emptier nodes less; a node without enough GPUs
 * (or none) scores 0 (resources-fit rejects it anyway).
 * Pod requesting no GPUs:
 *     node without GPUs           100
 *     GPU node                    50 x used / alloc
 * so any CPU node beats every GPU node, an idle GPU node (all GPUs free)
 * scores 0, and among GPU nodes the busiest is preferred: its leftover
 * CPU and memory are the least likely to be needed by a GPU job, whereas
 * CPU pods on an idle GPU node would take the room a whole-node job needs.
 * args: {"resource": "nvidia.com/gpu"} (the default). */
#include "common.h"
#include "score/score.h"
#include "policy/args.h"
#include "util/xmalloc.h"

/* Highest score a GPU node gets for a pod that needs no GPU. */
#define GPU_FIT_CPU_POD_MAX 50

struct gpu_fit {
    int res; /* resource id of the GPU */
};

static const char *const gpu_fit_keys[] = {"resource", NULL};

static int gpu_fit_init(const cJSON *args, void **state, char *err,
                        size_t errlen)
{
    static const char dflt[] = "nvidia.com/gpu";
    struct gpu_fit *s = xcalloc(1, sizeof(*s));
    const cJSON *res;
    int rc;

    rc = args_check_keys(args, gpu_fit_keys, err, errlen);
    if (rc)
        goto out;
    res = args ? cJSON_GetObjectItemCaseSensitive(args, "resource") : NULL;
    if (res) {
        rc = args_res_name(res, ".resource", &s->res, err, errlen);
        goto out;
    }
    s->res = res_intern(dflt, sizeof(dflt) - 1);
    if (s->res < 0) {
        rc = s->res;
        args_err(err, errlen, ": too many distinct resource names (max %d)",
                 RES_MAX);
    }
out:
    if (rc)
        FREE_NULL(s);
    *state = s;
    return rc;
}

static void gpu_fit_fini(void *state)
{
    free(state);
}

static int gpu_fit_describe(const void *state, char *dst, size_t cap)
{
    const struct gpu_fit *s = state;
    int n = snprintf(dst, cap, "{\"resource\": \"%s\"}", res_name(s->res));

    return n >= 0 && (size_t)n < cap ? MU_OK : MU_ELIMIT;
}

static int gpu_fit_score(const void *state, const struct pod *pod,
                         const struct node_view *nv, int64_t *out)
{
    const struct gpu_fit *s = state;
    int64_t alloc = nv->node->alloc[s->res], used = nv->used[s->res];
    int64_t want = pod_request(pod, s->res), free_after;

    MU_ASSERT(nv->node->magic == NODE_MAGIC);
    used = MU_MAX(used, 0);
    if (want == 0) {
        if (alloc <= 0)
            *out = SCORE_MAX;
        else
            *out = score_pct(MU_MIN(used, alloc), alloc) * GPU_FIT_CPU_POD_MAX /
                   SCORE_MAX;
        return MU_OK;
    }
    free_after = alloc - score_used_after(pod, nv, s->res);
    if (alloc <= 0 || free_after < 0) {
        *out = 0;
        return MU_OK;
    }
    *out = SCORE_MAX - score_pct(free_after, alloc);
    return MU_OK;
}

const struct score_plugin score_gpu_fit = {
    .name = "gpu-fit",
    .summary = "best fit on free GPUs; keeps CPU-only pods off idle GPU "
               "nodes (args: resource)",
    .init = gpu_fit_init,
    .fini = gpu_fit_fini,
    .describe = gpu_fit_describe,
    .score = gpu_fit_score,
};
