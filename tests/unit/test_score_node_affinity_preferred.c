/* test_score_node_affinity_preferred.c - summed weights of matching
 * preferred terms, normalized so the best node gets 100. */
#include "common.h"
#include "fixtures.h"
#include "score/score.h"

#include <criterion/criterion.h>

static struct node_info *labelled(const char *name, const char *zone,
                                  const char *disk)
{
    struct node_info *n = fx_node(name, "cpu=1000 pods=10");

    fx_node_label(n, "zone", zone);
    fx_node_label(n, "disk", disk);
    return n;
}

static struct pod *prefers(void)
{
    struct pod *p = fx_pod("p", "");

    fx_term_expr(fx_pod_preferred(p, 10), "zone", SEL_IN, "a");
    fx_term_expr(fx_pod_preferred(p, 30), "disk", SEL_IN, "ssd");
    return p;
}

Test(node_affinity_preferred, raw_score_sums_matching_weights)
{
    struct node_info *n1 = labelled("n1", "a", "ssd"),
                     *n2 = labelled("n2", "b", "hdd");
    struct pod *p = prefers();

    cr_assert_eq(fx_score("node-affinity-preferred", NULL, p, n1), 40);
    cr_assert_eq(fx_score("node-affinity-preferred", NULL, p, n2), 0);
    node_free(n1);
    node_free(n2);
    pod_free(p);
}

Test(node_affinity_preferred, normalize_maps_max_to_100)
{
    const struct score_plugin *sp =
        score_plugin_find("node-affinity-preferred");
    int64_t s[4] = {40, 10, 30, 0};

    sp->normalize(NULL, NULL, s, 4);
    cr_assert_eq(s[0], 100);
    cr_assert_eq(s[1], 25);
    cr_assert_eq(s[2], 75);
    cr_assert_eq(s[3], 0);
}

Test(node_affinity_preferred, normalize_truncates_like_kube)
{
    const struct score_plugin *sp =
        score_plugin_find("node-affinity-preferred");
    int64_t s[3] = {3, 2, 1};

    sp->normalize(NULL, NULL, s, 3);
    cr_assert_eq(s[0], 100);
    cr_assert_eq(s[1], 66);
    cr_assert_eq(s[2], 33);
}

Test(node_affinity_preferred, all_zero_stays_zero)
{
    const struct score_plugin *sp =
        score_plugin_find("node-affinity-preferred");
    int64_t s[2] = {0, 0};

    sp->normalize(NULL, NULL, s, 2);
    cr_assert_eq(s[0], 0);
    cr_assert_eq(s[1], 0);
    sp->normalize(NULL, NULL, s, 0);
}

Test(node_affinity_preferred, pod_without_preferences_scores_zero)
{
    struct node_info *n = labelled("n1", "a", "ssd");
    struct pod *p = fx_pod("p", "");

    cr_assert_eq(fx_score("node-affinity-preferred", NULL, p, n), 0);
    node_free(n);
    pod_free(p);
}

Test(node_affinity_preferred, empty_preferred_term_matches_nothing)
{
    struct node_info *n = labelled("n1", "a", "ssd");
    struct pod *p = fx_pod("p", "");

    fx_pod_preferred(p, 50);
    cr_assert_eq(fx_score("node-affinity-preferred", NULL, p, n), 0);
    node_free(n);
    pod_free(p);
}

Test(node_affinity_preferred, describe_is_empty_object)
{
    char d[16];

    fx_describe("node-affinity-preferred", NULL, d, sizeof(d));
    cr_assert_str_eq(d, "{}");
}
