/* test_filter_gang.c - the gang filter applies the call's decision. */
#include "common.h"
#include "filter/filter.h"
#include "queue/gang.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static enum filter_verdict run(const struct sched_ctx *ctx,
                               const struct node_info *n,
                               struct filter_status *st)
{
    const struct filter_plugin *fp = filter_plugin_find("gang");
    struct node_view nv = {.node = n, .used = n->used, .ctx = ctx};
    struct pod *p = fx_pod("p", "cpu=1");

    cr_assert_not_null(fp);
    cr_assert_eq(fp->filter(NULL, p, &nv, st), MU_OK);
    pod_free(p);
    return st->verdict;
}

Test(gang_filter, no_context_or_no_gang_passes)
{
    struct node_info *n = fx_node("n1", "cpu=1000");
    struct sched_ctx ctx = {.decision = GANG_NONE};
    struct filter_status st;

    cr_assert_eq(run(NULL, n, &st), FILTER_PASS);
    cr_assert_eq(run(&ctx, n, &st), FILTER_PASS);
    ctx.decision = GANG_EXTRA;
    cr_assert_eq(run(&ctx, n, &st), FILTER_PASS);
    node_free(n);
}

Test(gang_filter, reject_fails_unresolvable_with_the_gang_reason)
{
    struct node_info *n = fx_node("n1", "cpu=1000");
    struct sched_ctx ctx = {.decision = GANG_REJECT};
    struct filter_status st;

    strcpy(ctx.reason, "gang ml/g (minMember 8): 5 of 8 pods exist");
    cr_assert_eq(run(&ctx, n, &st), FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "gang ml/g (minMember 8): 5 of 8 pods exist");
    cr_assert_str_eq(st.code, "gang");
    node_free(n);
}

Test(gang_filter, planned_member_passes_only_its_node)
{
    struct node_info *a = fx_node("n1", "cpu=1000");
    struct node_info *b = fx_node("n2", "cpu=1000");
    struct sched_ctx ctx = {.decision = GANG_PLANNED};
    struct filter_status st;

    strcpy(ctx.gang, "ml/g");
    strcpy(ctx.node, "n2");
    cr_assert_eq(run(&ctx, b, &st), FILTER_PASS);
    cr_assert_eq(run(&ctx, a, &st), FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "gang ml/g: pod is planned on node n2");
    node_free(a);
    node_free(b);
}
