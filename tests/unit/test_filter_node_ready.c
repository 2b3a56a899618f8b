/* test_filter_node_ready.c - the node-ready filter: readiness, cordons and
 * the tolerations that let DaemonSet-style pods through. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

#define NOT_READY "node.kubernetes.io/not-ready"
#define UNSCHED   "node.kubernetes.io/unschedulable"

static struct filter_status st;

Test(node_ready, ready_schedulable_node_passes)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "cpu=100");

    cr_assert_eq(fx_filter("node-ready", NULL, p, n, &st), FILTER_PASS);
    cr_assert_str_eq(st.reason, "");
    node_free(n);
    pod_free(p);
}

Test(node_ready, not_ready_node_fails_unresolvable)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "cpu=100");

    n->ready = false;
    cr_assert_eq(fx_filter("node-ready", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "node(s) were not ready");
    cr_assert_str_eq(st.code, "not-ready");
    node_free(n);
    pod_free(p);
}

Test(node_ready, default_noexecute_tolerations_do_not_tolerate_not_ready)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "cpu=100");

    /* what admission adds to every pod (with tolerationSeconds: 300) */
    fx_pod_tol(p, NOT_READY, TOL_EXISTS, NULL, EFFECT_NO_EXECUTE);
    fx_pod_tol(p, "node.kubernetes.io/unreachable", TOL_EXISTS, NULL,
               EFFECT_NO_EXECUTE);
    n->ready = false;
    cr_assert_eq(fx_filter("node-ready", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    node_free(n);
    pod_free(p);
}

Test(node_ready, daemonset_toleration_passes_not_ready_node)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "cpu=100");

    fx_pod_tol(p, NOT_READY, TOL_EXISTS, NULL, EFFECT_NO_SCHEDULE);
    n->ready = false;
    cr_assert_eq(fx_filter("node-ready", NULL, p, n, &st), FILTER_PASS);
    node_free(n);
    pod_free(p);
}

Test(node_ready, toleration_with_empty_effect_or_empty_key_passes)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *a = fx_pod("a", ""), *b = fx_pod("b", "");

    n->ready = false;
    n->unschedulable = true;
    fx_pod_tol(a, NOT_READY, TOL_EXISTS, NULL, EFFECT_ANY);
    fx_pod_tol(a, UNSCHED, TOL_EXISTS, NULL, EFFECT_ANY);
    fx_pod_tol(b, "", TOL_EXISTS, NULL, EFFECT_ANY);
    cr_assert_eq(fx_filter("node-ready", NULL, a, n, &st), FILTER_PASS);
    cr_assert_eq(fx_filter("node-ready", NULL, b, n, &st), FILTER_PASS);
    node_free(n);
    pod_free(a);
    pod_free(b);
}

Test(node_ready, cordoned_node_fails_unresolvable)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "cpu=100");

    n->unschedulable = true;
    cr_assert_eq(fx_filter("node-ready", NULL, p, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "node(s) were unschedulable");
    cr_assert_str_eq(st.code, "unschedulable");
    node_free(n);
    pod_free(p);
}

Test(node_ready, unschedulable_noschedule_toleration_passes_cordon)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "cpu=100"), *q = fx_pod("q", "cpu=100");

    n->unschedulable = true;
    fx_pod_tol(p, UNSCHED, TOL_EXISTS, NULL, EFFECT_NO_SCHEDULE);
    /* the wrong effect does not count */
    fx_pod_tol(q, UNSCHED, TOL_EXISTS, NULL, EFFECT_NO_EXECUTE);
    cr_assert_eq(fx_filter("node-ready", NULL, p, n, &st), FILTER_PASS);
    cr_assert_eq(fx_filter("node-ready", NULL, q, n, &st),
                 FILTER_FAIL_UNRESOLVABLE);
    node_free(n);
    pod_free(p);
    pod_free(q);
}

Test(node_ready, not_ready_is_reported_before_cordon)
{
    struct node_info *n = fx_node("n1", "cpu=1000 pods=10");
    struct pod *p = fx_pod("p", "");

    n->ready = false;
    n->unschedulable = true;
    fx_filter("node-ready", NULL, p, n, &st);
    cr_assert_str_eq(st.reason, "node(s) were not ready");
    /* tolerating not-ready leaves the cordon */
    fx_pod_tol(p, NOT_READY, TOL_EXISTS, NULL, EFFECT_NO_SCHEDULE);
    fx_filter("node-ready", NULL, p, n, &st);
    cr_assert_str_eq(st.reason, "node(s) were unschedulable");
    node_free(n);
    pod_free(p);
}

Test(node_ready, takes_no_args)
{
    char err[256];
    struct policy *pol = NULL;
    const char *j = "{\"description\": \"d\", \"filters\": [{\"name\": "
                    "\"node-ready\", \"args\": {\"x\": 1}}]}";

    cr_assert_eq(policy_parse(j, strlen(j), "t", &pol, err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, "t: .filters[0].args.x: unknown key (this plugin "
                          "takes no args)");
}
