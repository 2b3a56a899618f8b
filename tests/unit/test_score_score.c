/* test_score_score.c - the score front end: weights, normalization,
 * clamping, scaling to the extender's 0..10, and the helpers. */
#include "common.h"
#include "fixtures.h"
#include "score/score.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

/* A plugin that scores node i with the value in its alloc[RES_CPU]; lets
 * tests feed any raw value, out-of-range ones included. */
static int echo_score(const void *state, const struct pod *pod,
                      const struct node_view *nv, int64_t *out)
{
    MU_UNUSED(state);
    MU_UNUSED(pod);
    *out = nv->node->alloc[RES_CPU];
    return nv->node->alloc[RES_CPU] == 999 ? MU_EINVAL : MU_OK;
}

static const struct score_plugin echo_plugin = {
    .name = "echo",
    .score = echo_score,
};

static void one_plugin_policy(struct policy *pol, int64_t weight)
{
    memset(pol, 0, sizeof(*pol));
    pol->nscores = 1;
    pol->scores[0].plugin = &echo_plugin;
    pol->scores[0].weight = weight;
    pol->weight_sum = weight;
}

Test(score, weighted_sum_over_plugins)
{
    struct policy *pol =
        fx_policy("{\"description\": \"t\", \"scores\": ["
                  "{\"name\": \"least-allocated\", \"weight\": 1, \"args\": "
                  "{\"resources\": {\"cpu\": 1}}},"
                  "{\"name\": \"most-allocated\", \"weight\": 3, \"args\": "
                  "{\"resources\": {\"cpu\": 1}}}]}");
    struct node_info *n1 = fx_node("n1", "cpu=4000"),
                     *n2 = fx_node("n2", "cpu=4000");
    struct pod *p = fx_pod("p", "cpu=1000");
    struct node_view nv[2];
    int64_t total[2], ext[2];

    fx_node_used(n2, "cpu=2000");
    nv[0] = fx_view(n1);
    nv[1] = fx_view(n2);
    cr_assert_eq(score_run_raw(pol, p, nv, 2, total), MU_OK);
    cr_assert_eq(total[0], 75 + 3 * 25);
    cr_assert_eq(total[1], 25 + 3 * 75);
    cr_assert_eq(pol->weight_sum, 4);
    cr_assert_eq(score_run(pol, p, nv, 2, ext), MU_OK);
    cr_assert_eq(ext[0], 4); /* 150 / 400 x 10 = 3.75 */
    cr_assert_eq(ext[1], 6); /* 250 / 400 x 10 = 6.25 */
    policy_free(pol);
    node_free(n1);
    node_free(n2);
    pod_free(p);
}

Test(score, normalize_runs_before_weighting)
{
    struct policy *pol =
        fx_policy("{\"description\": \"t\", \"scores\": ["
                  "{\"name\": \"node-affinity-preferred\", \"weight\": 2}]}");
    struct node_info *a = fx_node("a", "cpu=1"), *b = fx_node("b", "cpu=1");
    struct pod *p = fx_pod("p", "");
    struct node_view nv[2];
    int64_t total[2];

    fx_node_label(a, "zone", "a");
    fx_node_label(b, "zone", "b");
    fx_term_expr(fx_pod_preferred(p, 40), "zone", SEL_IN, "a");
    fx_term_expr(fx_pod_preferred(p, 10), "zone", SEL_EXISTS, "");
    nv[0] = fx_view(a);
    nv[1] = fx_view(b);
    cr_assert_eq(score_run_raw(pol, p, nv, 2, total), MU_OK);
    cr_assert_eq(total[0], 200); /* raw 50 -> 100, x 2 */
    cr_assert_eq(total[1], 40);  /* raw 10 -> 20, x 2 */
    policy_free(pol);
    node_free(a);
    node_free(b);
    pod_free(p);
}

Test(score, plugin_scores_are_clamped_to_0_100)
{
    struct policy pol;
    struct node_info *hi = fx_node("hi", "cpu=250"),
                     *mid = fx_node("mid", "cpu=42");
    struct pod *p = fx_pod("p", "");
    struct node_view nv[2] = {fx_view(hi), fx_view(mid)};
    int64_t total[2];

    one_plugin_policy(&pol, 2);
    cr_assert_eq(score_run_raw(&pol, p, nv, 2, total), MU_OK);
    cr_assert_eq(total[0], 200);
    cr_assert_eq(total[1], 84);
    node_free(hi);
    node_free(mid);
    pod_free(p);
}

Test(score, plugin_error_is_returned)
{
    struct policy pol;
    struct node_info *bad = fx_node("bad", "cpu=999");
    struct pod *p = fx_pod("p", "");
    struct node_view nv = fx_view(bad);
    int64_t total;

    one_plugin_policy(&pol, 1);
    cr_assert_eq(score_run_raw(&pol, p, &nv, 1, &total), MU_EINVAL);
    cr_assert_eq(score_run(&pol, p, &nv, 1, &total), MU_EINVAL);
    node_free(bad);
    pod_free(p);
}

Test(score, scale_rounds_to_nearest)
{
    struct policy pol;

    one_plugin_policy(&pol, 1);
    cr_assert_eq(score_scale(&pol, 0), 0);
    cr_assert_eq(score_scale(&pol, 4), 0);
    cr_assert_eq(score_scale(&pol, 5), 1); /* 0.5 rounds up */
    cr_assert_eq(score_scale(&pol, 94), 9);
    cr_assert_eq(score_scale(&pol, 95), 10);
    cr_assert_eq(score_scale(&pol, 100), 10);
    one_plugin_policy(&pol, 3); /* out of 300 */
    cr_assert_eq(score_scale(&pol, 150), 5);
    cr_assert_eq(score_scale(&pol, 44), 1); /* 1.47 */
    cr_assert_eq(score_scale(&pol, 45), 2); /* 1.5 */
}

Test(score, policy_without_scores_gives_zero)
{
    struct policy *pol = fx_policy("{\"description\": \"t\"}");
    struct node_info *n = fx_node("n", "cpu=1000");
    struct pod *p = fx_pod("p", "");
    struct node_view nv = fx_view(n);
    int64_t out = -1;

    cr_assert_eq(score_run(pol, p, &nv, 1, &out), MU_OK);
    cr_assert_eq(out, 0);
    cr_assert_eq(score_scale(pol, 50), 0);
    policy_free(pol);
    node_free(n);
    pod_free(p);
}

Test(score, many_nodes_use_the_heap_buffer)
{
    struct policy pol;
    size_t n = 3000;
    struct node_info **nodes = xcalloc(n, sizeof(*nodes));
    struct node_view *nv = xcalloc(n, sizeof(*nv));
    int64_t *out = xcalloc(n, sizeof(*out));
    struct pod *p = fx_pod("p", "");

    one_plugin_policy(&pol, 1);
    for (size_t i = 0; i < n; i++) {
        nodes[i] = node_new();
        nodes[i]->alloc[RES_CPU] = (int64_t)(i % 101);
        nv[i] = fx_view(nodes[i]);
    }
    cr_assert_eq(score_run(&pol, p, nv, n, out), MU_OK);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(out[i], ((int64_t)(i % 101) * 2 + 10) / 20);
    for (size_t i = 0; i < n; i++)
        node_free(nodes[i]);
    free(nodes);
    free(nv);
    free(out);
    pod_free(p);
}

Test(score, used_after_and_pct_do_not_overflow)
{
    struct node_info *n = fx_node("n", "cpu=4000");
    struct pod *p = fx_pod("p", "cpu=1000");
    struct node_view nv = fx_view(n);

    n->used[RES_CPU] = 500;
    cr_assert_eq(score_used_after(p, &nv, RES_CPU), 1500);
    cr_assert_eq(score_used_after(p, &nv, RES_MEMORY), 0);
    n->used[RES_CPU] = INT64_MAX - 10;
    cr_assert_eq(score_used_after(p, &nv, RES_CPU), INT64_MAX);
    cr_assert_eq(score_pct(1, 3), 33);
    cr_assert_eq(score_pct(INT64_MAX, INT64_MAX), 100);
    cr_assert_eq(score_pct(INT64_MAX / 2, INT64_MAX), 50);
    node_free(n);
    pod_free(p);
}
