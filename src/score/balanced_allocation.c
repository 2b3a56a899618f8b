/* balanced_allocation.c - score: prefer nodes whose resources end up
 * equally used once the pod is placed, like kube-scheduler's
 * NodeResourcesBalancedAllocation (>= 1.23: 100 x (1 - stddev)). */
#include "common.h"
#include "score/score.h"
#include "policy/args.h"
#include "util/xmalloc.h"

#include <math.h>

static const char *const balanced_allocation_keys[] = {"resources", NULL};

static int balanced_allocation_init(const cJSON *args, void **state, char *err,
                                    size_t errlen)
{
    struct res_weights *rw = xcalloc(1, sizeof(*rw));
    const cJSON *res;
    int rc;

    rc = args_check_keys(args, balanced_allocation_keys, err, errlen);
    if (rc)
        goto out;
    res = args ? cJSON_GetObjectItemCaseSensitive(args, "resources") : NULL;
    if (res) {
        rc = args_res_list(res, ".resources", rw, err, errlen);
        goto out;
    }
    rw->n = 2; /* default: cpu and memory */
    rw->id[0] = RES_CPU;
    rw->id[1] = RES_MEMORY;
    rw->w[0] = rw->w[1] = 1;
out:
    if (rc)
        FREE_NULL(rw);
    *state = rw;
    return rc;
}

static void balanced_allocation_fini(void *state)
{
    free(state);
}

static int balanced_allocation_describe(const void *state, char *dst,
                                        size_t cap)
{
    return args_describe_res(state, true, dst, cap);
}

/* Population standard deviation, computed the way kube-scheduler does
 * (the two-value shortcut included) so float results agree bit for bit. */
static double stddev(const double *f, uint32_t n, double total)
{
    double mean, sum = 0;

    if (n < 2)
        return 0;
    if (n == 2)
        return fabs((f[0] - f[1]) / 2);
    mean = total / n;
    for (uint32_t i = 0; i < n; i++)
        sum += (f[i] - mean) * (f[i] - mean);
    return sqrt(sum / n);
}

static int balanced_allocation_score(const void *state, const struct pod *pod,
                                     const struct node_view *nv, int64_t *out)
{
    const struct res_weights *rw = state;
    double f[RES_MAX], total = 0;
    uint32_t n = 0;

    MU_ASSERT(nv->node->magic == NODE_MAGIC);
    for (uint32_t i = 0; i < rw->n; i++) {
        int id = rw->id[i];
        int64_t alloc = nv->node->alloc[id];

        /* resources the node lacks, and extended resources the pod does
         * not ask for, do not take part (as in kube-scheduler) */
        if (alloc <= 0)
            continue;
        if (id > RES_EPHEMERAL && pod_request(pod, id) == 0)
            continue;
        f[n] = (double)score_used_after(pod, nv, id) / (double)alloc;
        f[n] = f[n] > 1 ? 1 : f[n] < 0 ? 0 : f[n];
        total += f[n++];
    }
    *out = (int64_t)((1 - stddev(f, n, total)) * SCORE_MAX);
    return MU_OK;
}

const struct score_plugin score_balanced_allocation = {
    .name = "balanced-allocation",
    .summary = "prefer nodes whose resource usage fractions stay equal "
               "(args: resources [names])",
    .init = balanced_allocation_init,
    .fini = balanced_allocation_fini,
    .describe = balanced_allocation_describe,
    .score = balanced_allocation_score,
};
