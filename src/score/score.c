/* score.c - the score front end: runs a policy's score plugins over all
 * candidate nodes, adds weight x score and scales to the extender range. */
#include "common.h"
#include "score/score.h"
#include "policy/policy.h"
#include "util/xmalloc.h"

/* Nodes scored with a stack buffer; larger calls allocate once per call. */
#define SCORE_STACK_NODES 1024

int64_t score_used_after(const struct pod *pod, const struct node_view *nv,
                         int id)
{
    int64_t used = nv->used[id], want = pod_request(pod, id), sum;

    if (__builtin_add_overflow(used, want, &sum))
        return INT64_MAX;
    return sum;
}

int64_t score_pct(int64_t num, int64_t den)
{
    MU_ASSERT(num >= 0 && den > 0);
    if (num <= INT64_MAX / SCORE_MAX)
        return num * SCORE_MAX / den;
    /* Only reachable with absurd quantities (beyond 9e16); doubles are
     * close enough there. */
    return (int64_t)((double)num * SCORE_MAX / (double)den);
}

static int64_t clamp_score(int64_t s)
{
    return s < 0 ? 0 : s > SCORE_MAX ? SCORE_MAX : s;
}

/* One plugin over all n nodes, adding weight x score into total. */
static int score_one(const struct policy_score *ps, const struct pod *pod,
                     const struct node_view *nv, size_t n, int64_t *raw,
                     int64_t *total)
{
    int rc;

    for (size_t i = 0; i < n; i++) {
        raw[i] = 0;
        rc = ps->plugin->score(ps->state, pod, &nv[i], &raw[i]);
        if (rc)
            return rc;
    }
    if (ps->plugin->normalize)
        ps->plugin->normalize(ps->state, pod, raw, n);
    for (size_t i = 0; i < n; i++)
        total[i] += ps->weight * clamp_score(raw[i]);
    return MU_OK;
}

int score_run_raw(const struct policy *pol, const struct pod *pod,
                  const struct node_view *nv, size_t n, int64_t *total)
{
    int64_t stack[SCORE_STACK_NODES];
    int64_t *raw = n <= SCORE_STACK_NODES ? stack : xmalloc(n * sizeof(*raw));
    int rc = MU_OK;

    for (size_t i = 0; i < n; i++)
        total[i] = 0;
    for (size_t p = 0; p < pol->nscores; p++) {
        rc = score_one(&pol->scores[p], pod, nv, n, raw, total);
        if (rc)
            goto out;
    }
out:
    if (raw != stack)
        free(raw);
    return rc;
}

int64_t score_scale(const struct policy *pol, int64_t total)
{
    int64_t den = pol->weight_sum * SCORE_MAX;

    if (den <= 0 || total <= 0)
        return 0;
    if (total >= den)
        return EXT_SCORE_MAX;
    /* round half up: (2 x total x 10 + den) / (2 x den) */
    return (2 * total * EXT_SCORE_MAX + den) / (2 * den);
}

int score_run(const struct policy *pol, const struct pod *pod,
              const struct node_view *nv, size_t n, int64_t *out)
{
    int rc = score_run_raw(pol, pod, nv, n, out);

    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        out[i] = score_scale(pol, out[i]);
    return MU_OK;
}
