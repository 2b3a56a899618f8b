/* test_filter_filter.c - the filter front end: verdict helpers, the
 * toleration matcher and the chain. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

/* Test plugins whose verdict depends on the node's cpu allocatable:
 * "gate-a" fails when it is 1, "gate-b" when it is 2 (unresolvable), and
 * "gate-b" errors out when it is 3. */
static int calls;

static int gate_a(const void *state, const struct pod *pod,
                  const struct node_view *nv, struct filter_status *st)
{
    MU_UNUSED(state);
    MU_UNUSED(pod);
    calls++;
    if (nv->node->alloc[RES_CPU] == 1)
        return filter_fail(st, FILTER_FAIL, "a", "gate a");
    return filter_pass(st);
}

static int gate_b(const void *state, const struct pod *pod,
                  const struct node_view *nv, struct filter_status *st)
{
    MU_UNUSED(state);
    MU_UNUSED(pod);
    calls++;
    if (nv->node->alloc[RES_CPU] == 3)
        return MU_EIO;
    if (nv->node->alloc[RES_CPU] == 2)
        return filter_fail(st, FILTER_FAIL_UNRESOLVABLE, "b", "gate %s", "b");
    return filter_pass(st);
}

static const struct filter_plugin plug_a = {.name = "gate-a", .filter = gate_a};
static const struct filter_plugin plug_b = {.name = "gate-b", .filter = gate_b};

static void two_gates(struct policy *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->nfilters = 2;
    pol->filters[0].plugin = &plug_a;
    pol->filters[1].plugin = &plug_b;
}

static int run(const struct policy *pol, int64_t cpu, struct filter_status *st,
               int *failed)
{
    struct node_info *n = node_new();
    struct pod *p = pod_new();
    struct node_view nv;
    int rc;

    n->alloc[RES_CPU] = cpu;
    nv = fx_view(n);
    calls = 0;
    rc = filter_run(pol, p, &nv, st, failed);
    node_free(n);
    pod_free(p);
    return rc;
}

Test(filter, chain_passes_when_every_plugin_passes)
{
    struct policy pol;
    struct filter_status st;
    int failed = 7;

    two_gates(&pol);
    cr_assert_eq(run(&pol, 0, &st, &failed), MU_OK);
    cr_assert_eq(st.verdict, FILTER_PASS);
    cr_assert_eq(failed, -1);
    cr_assert_eq(calls, 2);
}

Test(filter, chain_stops_at_first_failure)
{
    struct policy pol;
    struct filter_status st;
    int failed;

    two_gates(&pol);
    cr_assert_eq(run(&pol, 1, &st, &failed), MU_OK);
    cr_assert_eq(st.verdict, FILTER_FAIL);
    cr_assert_str_eq(st.reason, "gate a");
    cr_assert_eq(failed, 0);
    cr_assert_eq(calls, 1);
    cr_assert_eq(run(&pol, 2, &st, NULL), MU_OK);
    cr_assert_eq(st.verdict, FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "gate b");
    cr_assert_str_eq(st.code, "b");
}

Test(filter, plugin_error_is_returned_with_its_index)
{
    struct policy pol;
    struct filter_status st;
    int failed;

    two_gates(&pol);
    cr_assert_eq(run(&pol, 3, &st, &failed), MU_EIO);
    cr_assert_eq(failed, 1);
}

Test(filter, empty_chain_passes)
{
    struct policy pol;
    struct filter_status st;
    int failed;

    memset(&pol, 0, sizeof(pol));
    cr_assert_eq(run(&pol, 1, &st, &failed), MU_OK);
    cr_assert_eq(st.verdict, FILTER_PASS);
    cr_assert_eq(failed, -1);
}

Test(filter, fail_strips_percent_and_truncates)
{
    struct filter_status st;
    char big[400];

    cr_assert_eq(filter_fail(&st, FILTER_FAIL, "x", "100%% of %s", "5%d"),
                 MU_OK);
    cr_assert_str_eq(st.reason, "100 of 5d");
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    filter_fail(&st, FILTER_FAIL, "x", "%s", big);
    cr_assert_eq(strlen(st.reason), FILTER_REASON_MAX - 1);
    filter_pass(&st);
    cr_assert_eq(st.verdict, FILTER_PASS);
    cr_assert_str_eq(st.reason, "");
}

Test(filter, tolerates_matches_kube_rules)
{
    struct pod *p = fx_pod("p", "");
    struct taint t = {.key = "k", .value = "v", .effect = EFFECT_NO_SCHEDULE};

    cr_assert_not(filter_tolerates(p, &t));
    fx_pod_tol(p, "k", TOL_EQUAL, "w", EFFECT_ANY);
    cr_assert_not(filter_tolerates(p, &t));
    fx_pod_tol(p, "k", TOL_EXISTS, NULL, EFFECT_NO_EXECUTE);
    cr_assert_not(filter_tolerates(p, &t));
    fx_pod_tol(p, "k", TOL_EQUAL, "v", EFFECT_NO_SCHEDULE);
    cr_assert(filter_tolerates(p, &t));
    pod_free(p);
}
