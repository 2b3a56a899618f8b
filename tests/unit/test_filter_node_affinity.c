/* test_filter_node_affinity.c - nodeSelector and required node affinity. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

#define REASON "node(s) didn't match Pod's node affinity/selector"

static struct filter_status st;

static struct node_info *zone_node(const char *name, const char *zone)
{
    struct node_info *n = fx_node(name, "cpu=1000 pods=10");

    fx_node_label(n, "zone", zone);
    fx_node_label(n, "gpus", "8");
    return n;
}

Test(node_affinity, pod_without_constraints_passes)
{
    struct node_info *n = zone_node("n1", "a");
    struct pod *p = fx_pod("p", "");

    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st), FILTER_PASS);
    node_free(n);
    pod_free(p);
}

Test(node_affinity, node_selector_needs_every_pair)
{
    struct node_info *n = zone_node("n1", "a");
    struct pod *p = fx_pod("p", "");

    fx_pod_selector(p, "zone", "a");
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st), FILTER_PASS);
    fx_pod_selector(p, "disk", "ssd"); /* label missing on the node */
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, REASON);
    cr_assert_str_eq(st.code, "affinity");
    node_free(n);
    pod_free(p);
}

Test(node_affinity, node_selector_value_mismatch_fails)
{
    struct node_info *n = zone_node("n1", "a");
    struct pod *p = fx_pod("p", "");

    fx_pod_selector(p, "zone", "b");
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    node_free(n);
    pod_free(p);
}

Test(node_affinity, required_terms_are_ored)
{
    struct node_info *a = zone_node("na", "a"), *b = zone_node("nb", "b"),
                     *c = zone_node("nc", "c");
    struct pod *p = fx_pod("p", "");

    fx_term_expr(fx_pod_required(p), "zone", SEL_IN, "a");
    fx_term_expr(fx_pod_required(p), "zone", SEL_IN, "b");
    cr_assert_eq(fx_filter("node-affinity", NULL, p, a, &st), FILTER_PASS);
    cr_assert_eq(fx_filter("node-affinity", NULL, p, b, &st), FILTER_PASS);
    cr_assert_eq(fx_filter("node-affinity", NULL, p, c, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, REASON);
    node_free(a);
    node_free(b);
    node_free(c);
    pod_free(p);
}

Test(node_affinity, expressions_in_one_term_are_anded)
{
    struct node_info *n = zone_node("n1", "a");
    struct pod *p = fx_pod("p", "");
    struct sel_term *t = fx_pod_required(p);

    fx_term_expr(t, "zone", SEL_NOT_IN, "b,c");
    fx_term_expr(t, "gpus", SEL_GT, "4");
    fx_term_expr(t, "spot", SEL_DOES_NOT_EXIST, "");
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st), FILTER_PASS);
    fx_term_expr(t, "gpus", SEL_LT, "8"); /* 8 < 8 is false */
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    node_free(n);
    pod_free(p);
}

Test(node_affinity, present_but_empty_required_matches_nothing)
{
    struct node_info *n = zone_node("n1", "a");
    struct pod *p = fx_pod("p", ""), *q = fx_pod("q", "");

    p->has_required = true; /* nodeSelectorTerms: [] */
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    fx_pod_required(q); /* nodeSelectorTerms: [{}] */
    cr_assert_eq(fx_filter("node-affinity", NULL, q, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    node_free(n);
    pod_free(p);
    pod_free(q);
}

Test(node_affinity, match_fields_on_node_name)
{
    struct node_info *n = zone_node("n1", "a"), *m = zone_node("n2", "a");
    struct pod *p = fx_pod("p", "");

    fx_term_field(fx_pod_required(p), "metadata.name", SEL_IN, "n1");
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st), FILTER_PASS);
    cr_assert_eq(fx_filter("node-affinity", NULL, p, m, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    node_free(n);
    node_free(m);
    pod_free(p);
}

Test(node_affinity, selector_and_affinity_must_both_match)
{
    struct node_info *n = zone_node("n1", "a");
    struct pod *p = fx_pod("p", "");

    fx_term_expr(fx_pod_required(p), "zone", SEL_EXISTS, "");
    fx_pod_selector(p, "zone", "b");
    cr_assert_eq(fx_filter("node-affinity", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    node_free(n);
    pod_free(p);
}
