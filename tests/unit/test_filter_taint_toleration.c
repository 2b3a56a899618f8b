/* test_filter_taint_toleration.c - taints against tolerations: operators,
 * effects and kube-scheduler's edge cases. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static struct filter_status st;

/* Verdict for one pod against a node with one taint key=val:effect. */
static enum filter_verdict one(struct pod *p, const char *key, const char *val,
                               enum taint_effect e)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    enum filter_verdict v;

    fx_node_taint(n, key, val, e);
    v = fx_filter("taint-toleration", NULL, p, n, &st);
    node_free(n);
    return v;
}

Test(taint_toleration, untainted_node_passes)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "");

    cr_assert_eq(fx_filter("taint-toleration", NULL, p, n, &st), FILTER_PASS);
    node_free(n);
    pod_free(p);
}

Test(taint_toleration, untolerated_noschedule_fails_with_kube_text)
{
    struct pod *p = fx_pod("p", "");

    cr_assert_eq(one(p, "gpu", "true", EFFECT_NO_SCHEDULE),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "node(s) had taint {gpu: true}, that the pod "
                                "didn't tolerate");
    cr_assert_str_eq(st.code, "taint");
    cr_assert_eq(one(p, "dedicated", NULL, EFFECT_NO_EXECUTE),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "node(s) had taint {dedicated: }, that the "
                                "pod didn't tolerate");
    pod_free(p);
}

Test(taint_toleration, prefer_no_schedule_is_ignored)
{
    struct pod *p = fx_pod("p", "");

    cr_assert_eq(one(p, "gpu", "true", EFFECT_PREFER_NO_SCHEDULE), FILTER_PASS);
    pod_free(p);
}

Test(taint_toleration, equal_operator_needs_equal_value)
{
    struct pod *p = fx_pod("p", "");

    fx_pod_tol(p, "gpu", TOL_EQUAL, "true", EFFECT_NO_SCHEDULE);
    cr_assert_eq(one(p, "gpu", "true", EFFECT_NO_SCHEDULE), FILTER_PASS);
    cr_assert_eq(one(p, "gpu", "false", EFFECT_NO_SCHEDULE),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_eq(one(p, "other", "true", EFFECT_NO_SCHEDULE),
                 FILTER_FAIL_UNRESOLVABLE);
    pod_free(p);
}

Test(taint_toleration, equal_with_empty_value_matches_taint_without_value)
{
    struct pod *p = fx_pod("p", "");

    fx_pod_tol(p, "dedicated", TOL_EQUAL, NULL, EFFECT_ANY);
    cr_assert_eq(one(p, "dedicated", NULL, EFFECT_NO_SCHEDULE), FILTER_PASS);
    cr_assert_eq(one(p, "dedicated", "x", EFFECT_NO_SCHEDULE),
                 FILTER_FAIL_UNRESOLVABLE);
    pod_free(p);
}

Test(taint_toleration, exists_with_key_tolerates_any_value)
{
    struct pod *p = fx_pod("p", "");

    fx_pod_tol(p, "gpu", TOL_EXISTS, NULL, EFFECT_ANY);
    cr_assert_eq(one(p, "gpu", "a", EFFECT_NO_SCHEDULE), FILTER_PASS);
    cr_assert_eq(one(p, "gpu", NULL, EFFECT_NO_EXECUTE), FILTER_PASS);
    cr_assert_eq(one(p, "gpux", "a", EFFECT_NO_SCHEDULE),
                 FILTER_FAIL_UNRESOLVABLE);
    pod_free(p);
}

Test(taint_toleration, exists_with_empty_key_tolerates_everything)
{
    struct pod *p = fx_pod("p", "");

    fx_pod_tol(p, "", TOL_EXISTS, NULL, EFFECT_ANY);
    cr_assert_eq(one(p, "a", "b", EFFECT_NO_SCHEDULE), FILTER_PASS);
    cr_assert_eq(one(p, "c", NULL, EFFECT_NO_EXECUTE), FILTER_PASS);
    pod_free(p);
}

Test(taint_toleration, empty_key_exists_still_respects_its_effect)
{
    struct pod *p = fx_pod("p", "");

    fx_pod_tol(p, "", TOL_EXISTS, NULL, EFFECT_NO_SCHEDULE);
    cr_assert_eq(one(p, "a", "b", EFFECT_NO_SCHEDULE), FILTER_PASS);
    cr_assert_eq(one(p, "a", "b", EFFECT_NO_EXECUTE), FILTER_FAIL_UNRESOLVABLE);
    pod_free(p);
}

Test(taint_toleration, effect_must_match_unless_empty)
{
    struct pod *p = fx_pod("p", ""), *q = fx_pod("q", "");

    fx_pod_tol(p, "gpu", TOL_EQUAL, "true", EFFECT_NO_EXECUTE);
    cr_assert_eq(one(p, "gpu", "true", EFFECT_NO_SCHEDULE),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_eq(one(p, "gpu", "true", EFFECT_NO_EXECUTE), FILTER_PASS);
    fx_pod_tol(q, "gpu", TOL_EQUAL, "true", EFFECT_ANY);
    cr_assert_eq(one(q, "gpu", "true", EFFECT_NO_SCHEDULE), FILTER_PASS);
    cr_assert_eq(one(q, "gpu", "true", EFFECT_NO_EXECUTE), FILTER_PASS);
    pod_free(p);
    pod_free(q);
}

Test(taint_toleration, every_taint_must_be_tolerated_first_miss_reported)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "");

    fx_node_taint(n, "a", "1", EFFECT_NO_SCHEDULE);
    fx_node_taint(n, "soft", "1", EFFECT_PREFER_NO_SCHEDULE);
    fx_node_taint(n, "b", "2", EFFECT_NO_SCHEDULE);
    fx_node_taint(n, "c", "3", EFFECT_NO_EXECUTE);
    fx_pod_tol(p, "a", TOL_EXISTS, NULL, EFFECT_ANY);
    cr_assert_eq(fx_filter("taint-toleration", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "node(s) had taint {b: 2}, that the pod "
                                "didn't tolerate");
    fx_pod_tol(p, "b", TOL_EQUAL, "2", EFFECT_NO_SCHEDULE);
    fx_pod_tol(p, "c", TOL_EQUAL, "3", EFFECT_NO_EXECUTE);
    cr_assert_eq(fx_filter("taint-toleration", NULL, p, n, &st), FILTER_PASS);
    node_free(n);
    pod_free(p);
}

Test(taint_toleration, percent_in_taint_is_dropped_from_reason)
{
    struct pod *p = fx_pod("p", "");

    cr_assert_eq(one(p, "x", "50%d", EFFECT_NO_SCHEDULE),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "node(s) had taint {x: 50d}, that the pod "
                                "didn't tolerate");
    pod_free(p);
}
