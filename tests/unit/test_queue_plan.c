/* test_queue_plan.c - the gang planner on hand-built clusters. */
#include "common.h"
#include "queue/plan.h"
#include "fixtures.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

#define POL "{\"description\": \"p\", \"filters\": [\"node-ready\", " \
            "\"taint-toleration\", \"resources-fit\"], \"scores\": [" \
            "{\"name\": \"most-allocated\", \"args\": {\"resources\": " \
            "{\"nvidia.com/gpu\": 1}}}]}"

static char *keys[] = {"kubernetes.io/hostname", "topology.muster.dev/rack",
                       "topology.kubernetes.io/zone"};

/* A labelled node, not yet in a cluster (cluster_node_put packs it, and a
 * packed node cannot take more taints or labels). */
static struct node_info *node_make(const char *name, int64_t gpus,
                                   const char *rack, const char *zone)
{
    char spec[128];
    struct node_info *n;

    snprintf(spec, sizeof(spec), "cpu=64000 pods=110 nvidia.com/gpu=%lld",
             (long long)gpus);
    n = fx_node(name, spec);
    fx_node_label(n, keys[0], name);
    if (rack)
        fx_node_label(n, keys[1], rack);
    if (zone)
        fx_node_label(n, keys[2], zone);
    return n;
}

static void node(struct cluster *c, const char *name, int64_t gpus,
                 const char *rack, const char *zone)
{
    cluster_node_put(c, node_make(name, gpus, rack, zone));
}

struct fx_plan {
    struct policy *pol;
    struct cluster *c;
    struct reserve *res;
    struct pod *pods[64];
    const struct node_info *nodes[64];
    struct plan_out out;
};

static void plan_setup(struct fx_plan *f)
{
    memset(f, 0, sizeof(*f));
    f->pol = fx_policy(POL);
    f->c = cluster_new();
    f->res = reserve_new();
    f->out.nodes = f->nodes;
}

/* Give pod p one TCP host port (ip "": the wildcard). */
static void give_port(struct pod *p, uint16_t port, const char *ip)
{
    p->ports = xrealloc(p->ports, (p->nports + 1) * sizeof(*p->ports));
    memset(&p->ports[p->nports], 0, sizeof(*p->ports));
    p->ports[p->nports].port = port;
    p->ports[p->nports].proto = PROTO_TCP;
    snprintf(p->ports[p->nports].ip, sizeof(p->ports[0].ip), "%s", ip);
    p->nports++;
}

/* Plan n pods p0..p(n-1) of request req, each with host port `port` (0:
 * none). */
static int plan_ported(struct fx_plan *f, size_t n, const char *req,
                       uint16_t port)
{
    struct plan_req rq = {.pol = f->pol, .c = f->c, .res = f->res,
                          .gang = "ml/g", .npods = n, .topo_keys = keys,
                          .nkeys = 3};

    for (size_t i = 0; i < n; i++) {
        char name[32];

        snprintf(name, sizeof(name), "p%zu", i);
        pod_free(f->pods[i]);
        f->pods[i] = fx_pod(name, req);
        if (port)
            give_port(f->pods[i], port, "");
    }
    rq.pods = (const struct pod *const *)f->pods;
    return plan_run(&rq, &f->out);
}

static int plan(struct fx_plan *f, size_t n, const char *req)
{
    return plan_ported(f, n, req, 0);
}

static void plan_teardown(struct fx_plan *f)
{
    for (size_t i = 0; i < 64; i++)
        pod_free(f->pods[i]);
    reserve_free(f->res);
    cluster_free(f->c);
    policy_free(f->pol);
}

Test(plan, whole_gang_on_the_best_fitting_node)
{
    struct fx_plan f;

    plan_setup(&f);
    node(f.c, "a", 8, "r1", "z1");
    node(f.c, "b", 4, "r1", "z1");
    node(f.c, "c", 6, "r2", "z1");
    cr_assert_eq(plan(&f, 2, "nvidia.com/gpu=2"), MU_OK);
    cr_assert_eq(f.out.placed, 2);
    cr_assert_eq(f.out.level, 0);
    cr_assert_str_eq(f.out.domain, "kubernetes.io/hostname=b",
                     "b fits exactly: best fit");
    cr_assert_str_eq(f.nodes[0]->name, "b");
    cr_assert_str_eq(f.nodes[1]->name, "b");
    plan_teardown(&f);
}

Test(plan, rack_then_zone_then_spread)
{
    struct fx_plan f;

    plan_setup(&f);
    node(f.c, "a1", 4, "r1", "z1");
    node(f.c, "a2", 4, "r1", "z1");
    node(f.c, "b1", 4, "r2", "z1");
    node(f.c, "c1", 4, "r3", "z2");
    node(f.c, "d1", 4, NULL, NULL);
    cr_assert_eq(plan(&f, 4, "nvidia.com/gpu=2"), MU_OK);
    cr_assert_eq(f.out.level, 1);
    cr_assert_str_eq(f.out.domain, "topology.muster.dev/rack=r1");
    cr_assert_eq(plan(&f, 6, "nvidia.com/gpu=2"), MU_OK);
    cr_assert_eq(f.out.level, 2);
    cr_assert_str_eq(f.out.domain, "topology.kubernetes.io/zone=z1");
    for (size_t i = 0; i < 6; i++)
        cr_assert(f.nodes[i]->name[0] == 'a' || f.nodes[i]->name[0] == 'b');
    cr_assert_eq(plan(&f, 10, "nvidia.com/gpu=2"), MU_OK);
    cr_assert_eq(f.out.placed, 10);
    cr_assert_eq(f.out.level, 3, "no domain holds 20 GPUs: spread");
    cr_assert_str_eq(f.out.domain, "");
    cr_assert_eq(plan(&f, 11, "nvidia.com/gpu=2"), MU_OK);
    cr_assert_eq(f.out.placed, 10);
    cr_assert_null(f.nodes[10]);
    cr_assert_eq(f.out.why.placed, 10);
    cr_assert_eq(f.out.why.wanted, 11);
    cr_assert_eq(f.out.why.need, 22);
    cr_assert_eq(f.out.why.free, 20);
    cr_assert_str_eq(f.out.why.domain, "topology.kubernetes.io/zone=z1");
    plan_teardown(&f);
}

Test(plan, filters_and_reservations_are_respected)
{
    struct fx_plan f;
    struct node_info *n;

    plan_setup(&f);
    node(f.c, "a", 8, "r1", "z1");
    /* tainted before it goes in: the taint array of a node added to a
     * cluster afterwards was never freed (valgrind) */
    n = node_make("b", 8, "r1", "z1");
    fx_node_taint(n, "k", "v", EFFECT_NO_SCHEDULE);
    cluster_node_put(f.c, n);
    node(f.c, "c", 8, "r1", "z1");
    n = cluster_node_get(f.c, "a", 1);
    n->ready = false;
    cr_assert_eq(plan(&f, 2, "nvidia.com/gpu=4"), MU_OK);
    cr_assert_eq(f.out.placed, 2);
    cr_assert_str_eq(f.nodes[0]->name, "c");
    reserve_add(f.res, "ml/other", "c", f.pods[0]->req, f.pods[0]->nreq);
    cr_assert_eq(plan(&f, 2, "nvidia.com/gpu=4"), MU_OK);
    cr_assert_eq(f.out.placed, 1, "another gang holds 4 of c's GPUs");
    cr_assert_eq(f.out.why.res, res_find("nvidia.com/gpu", 14));
    cr_assert_eq(f.out.why.free, 4, "not-ready and tainted nodes excluded");
    reserve_add(f.res, "ml/g", "c", f.pods[0]->req, f.pods[0]->nreq);
    cr_assert_eq(plan(&f, 2, "nvidia.com/gpu=4"), MU_OK);
    cr_assert_eq(f.out.placed, 1, "its own holding is not counted");
    reserve_release(f.res, "ml/other");
    cr_assert_eq(plan(&f, 2, "nvidia.com/gpu=4"), MU_OK);
    cr_assert_eq(f.out.placed, 2);
    plan_teardown(&f);
}

Test(plan, mixed_pod_specs_and_empty_inputs)
{
    struct fx_plan f;
    struct plan_req rq;
    const struct pod *pods[3];
    char why[FILTER_REASON_MAX];

    plan_setup(&f);
    cr_assert_eq(plan(&f, 2, "nvidia.com/gpu=1"), MU_OK);
    cr_assert_eq(f.out.placed, 0, "no nodes at all");
    plan_why_format(&f.out.why, why, sizeof(why));
    cr_assert_str_eq(why, "0 of 2 pods fit; nvidia.com/gpu short by 2 (free "
                     "0, need 2)");
    node(f.c, "a", 8, "r1", "z1");
    node(f.c, "b", 2, "r1", "z1");
    f.pods[10] = fx_pod("launcher", "cpu=1000");
    f.pods[11] = fx_pod("w0", "nvidia.com/gpu=8");
    f.pods[12] = fx_pod("w1", "nvidia.com/gpu=2");
    pods[0] = f.pods[10];
    pods[1] = f.pods[11];
    pods[2] = f.pods[12];
    rq = (struct plan_req){.pol = f.pol, .c = f.c, .res = f.res,
                           .gang = "ml/g", .pods = pods, .npods = 3,
                           .topo_keys = keys, .nkeys = 3};
    cr_assert_eq(plan_run(&rq, &f.out), MU_OK);
    cr_assert_eq(f.out.placed, 3);
    cr_assert_str_eq(f.nodes[1]->name, "a");
    cr_assert_str_eq(f.nodes[2]->name, "b");
    rq.npods = 0;
    cr_assert_eq(plan_run(&rq, &f.out), MU_OK);
    cr_assert_eq(f.out.placed, 0);
    f.out.why = (struct plan_why){.placed = 1, .wanted = 3, .res = -1};
    plan_why_format(&f.out.why, why, sizeof(why));
    cr_assert_str_eq(why, "1 of 3 pods fit; free capacity is fragmented or "
                     "filtered out");
    plan_teardown(&f);
}

Test(plan, spread_ranks_used_domains_then_scores_over_every_node)
{
    struct fx_plan f;

    plan_setup(&f);
    node(f.c, "a1", 4, "r1", NULL);
    node(f.c, "a2", 2, "r2", NULL);
    node(f.c, "b1", 2, "r1", NULL);
    cr_assert_eq(plan(&f, 4, "nvidia.com/gpu=2"), MU_OK);
    cr_assert_eq(f.out.placed, 4);
    cr_assert_eq(f.out.level, 3);
    /* most-allocated: a2 and b1 would be full (100), a1 half (50) */
    cr_assert_str_eq(f.nodes[0]->name, "a2");
    cr_assert_str_eq(f.nodes[1]->name, "b1", "best score, not first name");
    cr_assert_str_eq(f.nodes[2]->name, "a1", "rack r1 is already used");
    cr_assert_str_eq(f.nodes[3]->name, "a1", "a used node first");
    plan_teardown(&f);
}

Test(plan, sorted_node_cache_is_reused_and_refreshed_when_nodes_change)
{
    struct fx_plan f;
    struct plan_nodes pn = {0};
    struct plan_req rq;
    const struct node_info **first;
    uint64_t gen;

    plan_setup(&f);
    node(f.c, "c", 8, "r1", "z1");
    node(f.c, "a", 4, "r1", "z1");
    node(f.c, "b", 8, "r2", "z1");
    f.pods[0] = fx_pod("p0", "nvidia.com/gpu=8");
    rq = (struct plan_req){.pol = f.pol, .c = f.c, .res = f.res,
                           .gang = "ml/g", .npods = 1, .topo_keys = keys,
                           .nkeys = 3, .cache = &pn};
    rq.pods = (const struct pod *const *)f.pods;
    cr_assert_eq(plan_run(&rq, &f.out), MU_OK);
    cr_assert_str_eq(f.nodes[0]->name, "b", "smallest name of the fits");
    cr_assert_eq(pn.c, f.c);
    cr_assert_eq(pn.n, 3);
    cr_assert_str_eq(pn.node[0]->name, "a");
    cr_assert_str_eq(pn.node[2]->name, "c");
    gen = pn.gen;
    first = pn.node;
    cr_assert_eq(plan_run(&rq, &f.out), MU_OK);
    cr_assert_eq(pn.node, first, "same node set: the cache is reused");
    cr_assert_eq(pn.gen, gen);
    node(f.c, "a", 8, "r1", "z1");   /* a new node object under "a" */
    cr_assert_neq(f.c->node_generation, gen);
    cr_assert_eq(plan_run(&rq, &f.out), MU_OK);
    cr_assert_str_eq(f.nodes[0]->name, "a", "the new, bigger a is seen");
    cr_assert_eq(pn.node[0], cluster_node_get(f.c, "a", 1));
    cr_assert_eq(cluster_node_del(f.c, "b"), MU_OK);
    cr_assert_eq(plan_run(&rq, &f.out), MU_OK);
    cr_assert_eq(pn.n, 2, "a deleted node leaves the cache");
    plan_nodes_fini(&pn);
    plan_nodes_fini(&pn);
    plan_teardown(&f);
}

/* The same plan with and without the cache, for nk topology keys. */
static void plan_both(struct fx_plan *f, struct plan_nodes *pn, size_t nk,
                      size_t npods)
{
    const struct node_info *cached[64];
    struct plan_req rq = {.pol = f->pol, .c = f->c, .res = f->res,
                          .gang = "ml/g", .npods = npods, .topo_keys = keys,
                          .nkeys = nk, .cache = pn};
    struct plan_out out = {.nodes = cached};

    rq.pods = (const struct pod *const *)f->pods;
    cr_assert_eq(plan_run(&rq, &out), MU_OK);
    rq.cache = NULL;
    cr_assert_eq(plan_run(&rq, &f->out), MU_OK);
    cr_assert_eq(out.placed, f->out.placed);
    cr_assert_str_eq(out.domain, f->out.domain);
    for (size_t i = 0; i < npods; i++)
        cr_assert_eq(cached[i], f->nodes[i], "pod %zu, %zu keys", i, nk);
    cr_assert(pn->levels);
    cr_assert_eq(pn->nk, nk);
}

Test(plan, cached_domains_follow_the_keys_and_give_the_same_plans)
{
    struct fx_plan f;
    struct plan_nodes pn = {0};
    char name[16];

    plan_setup(&f);
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof(name), "n%02d", i);
        node(f.c, name, i % 3 ? 8 : 4, i < 6 ? "r1" : "r2",
             i < 9 ? "z1" : NULL);
    }
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "p%d", i);
        f.pods[i] = fx_pod(name, "nvidia.com/gpu=6");
    }
    plan_both(&f, &pn, 3, 5);
    cr_assert_eq(f.out.placed, 5);
    plan_both(&f, &pn, 3, 5);
    plan_both(&f, &pn, 1, 3);
    plan_both(&f, &pn, 2, 5);
    cr_assert_str_eq(pn.keys[1], keys[1]);
    plan_nodes_fini(&pn);
    plan_teardown(&f);
}

/* kube-scheduler's NodePorts refuses a second pod with the same host port
 * on a node: a gang planned that way could never complete. */
Test(plan, members_sharing_a_host_port_go_to_different_nodes)
{
    struct fx_plan f;
    struct pod *holder;

    plan_setup(&f);
    node(f.c, "a", 8, "r1", "z1");
    node(f.c, "b", 8, "r1", "z1");
    node(f.c, "c", 8, "r2", "z1");
    cr_assert_eq(plan_ported(&f, 2, "nvidia.com/gpu=2", 0), MU_OK);
    cr_assert_str_eq(f.nodes[0]->name, f.nodes[1]->name,
                     "without ports they pack onto one node");
    cr_assert_eq(plan_ported(&f, 2, "nvidia.com/gpu=2", 29500), MU_OK);
    cr_assert_eq(f.out.placed, 2);
    cr_assert_str_neq(f.nodes[0]->name, f.nodes[1]->name);
    cr_assert_str_eq(f.out.domain, "topology.muster.dev/rack=r1",
                     "one rack, two nodes");
    /* a pod bound to a holds the port there: the plan avoids a */
    holder = fx_pod("holder", "cpu=1");
    give_port(holder, 29500, "10.0.0.1");
    free(holder->node_name);
    holder->node_name = xstrdup("a");
    cluster_pod_put(f.c, holder);
    cr_assert_eq(plan_ported(&f, 2, "nvidia.com/gpu=2", 29500), MU_OK);
    cr_assert_eq(f.out.placed, 2);
    for (size_t i = 0; i < 2; i++)
        cr_assert_str_neq(f.nodes[i]->name, "a", "pod %zu", i);
    cr_assert_eq(plan_ported(&f, 3, "nvidia.com/gpu=2", 29500), MU_OK);
    cr_assert_eq(f.out.placed, 2, "three nodes, one port taken");
    cr_assert_null(f.nodes[2]);
    /* another port, or the same one on another IP, does not conflict */
    cr_assert_eq(plan_ported(&f, 3, "nvidia.com/gpu=2", 29501), MU_OK);
    cr_assert_eq(f.out.placed, 3);
    plan_teardown(&f);
}
