/* test_score_topology.c - gang-topology prefers nodes near the gang. */
#include "common.h"
#include "score/score.h"
#include "queue/gang.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static char *keys[] = {"kubernetes.io/hostname", "topology.muster.dev/rack",
                       "topology.kubernetes.io/zone"};

static struct node_info *node(const char *name, const char *rack,
                              const char *zone)
{
    struct node_info *n = fx_node(name, "cpu=1000");

    fx_node_label(n, keys[0], name);
    fx_node_label(n, keys[1], rack);
    fx_node_label(n, keys[2], zone);
    return n;
}

static int64_t score(const struct sched_ctx *ctx, const struct node_info *n)
{
    const struct score_plugin *sp = score_plugin_find("gang-topology");
    struct node_view nv = {.node = n, .used = n->used, .ctx = ctx};
    struct pod *p = fx_pod("p", "cpu=1");
    int64_t out = -1;

    cr_assert_eq(sp->score(NULL, p, &nv, &out), MU_OK);
    pod_free(p);
    return out;
}

Test(gang_topology, scores_by_the_narrowest_shared_domain)
{
    struct node_info *a = node("a", "r1", "z1"), *b = node("b", "r1", "z1");
    struct node_info *c = node("c", "r2", "z1"), *d = node("d", "r3", "z2");
    struct sched_ctx ctx = {.topo_keys = keys, .ntopo_keys = 3,
                            .nanchors = 1};

    cr_assert_eq(score(NULL, a), 0);
    ctx.anchors[0] = a;
    cr_assert_eq(score(&ctx, a), SCORE_MAX);
    cr_assert_eq(score(&ctx, b), 50, "same rack: 100 * 2 / 4");
    cr_assert_eq(score(&ctx, c), 25, "same zone: 100 * 1 / 4");
    cr_assert_eq(score(&ctx, d), 0);
    ctx.nanchors = 0;
    cr_assert_eq(score(&ctx, a), 0, "no member placed yet: neutral");
    node_free(a);
    node_free(b);
    node_free(c);
    node_free(d);
}
