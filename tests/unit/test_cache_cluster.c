/* test_cache_cluster.c - the cluster model: usage accounting through pod and
 * node events, recreated pods, replace, and the canonical dump. */
#include "common.h"
#include "cache/cluster.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

static struct node_info *mk_node(const char *name, int64_t cpu, int64_t gpu)
{
    struct node_info *n = node_new();
    int g = res_intern("nvidia.com/gpu", 14);

    n->name = xstrdup(name);
    n->alloc[RES_CPU] = cpu;
    n->alloc[RES_PODS] = 110;
    n->alloc[g] = gpu;
    n->ready = true;
    return n;
}

/* A pod asking for cpu millicores and gpus (plus pods = 1). */
static struct pod *mk_pod(const char *uid, const char *name, const char *node,
                          enum pod_phase phase, int64_t cpu, int64_t gpu)
{
    struct pod *p = pod_new();
    int g = res_intern("nvidia.com/gpu", 14);

    p->ns = xstrdup("default");
    p->name = xstrdup(name);
    p->uid = xstrdup(uid);
    p->node_name = node ? xstrdup(node) : NULL;
    p->scheduler_name = xstrdup("default-scheduler");
    p->phase = phase;
    p->req = xcalloc(3, sizeof(*p->req));
    p->req[p->nreq++] = (struct res_amount){RES_CPU, cpu};
    p->req[p->nreq++] = (struct res_amount){RES_PODS, 1};
    if (gpu)
        p->req[p->nreq++] = (struct res_amount){(uint16_t)g, gpu};
    return p;
}

static int64_t used(struct cluster *c, const char *node, int id)
{
    struct node_info *n = cluster_node_get(c, node, strlen(node));

    cr_assert_not_null(n, "node %s", node);
    return n->used[id];
}

Test(cluster, pod_add_move_phase_change_and_delete_keep_usage_exact)
{
    struct cluster *c = cluster_new();
    int g = res_intern("nvidia.com/gpu", 14);
    uint64_t gen;

    cluster_wrlock(c);
    cluster_node_put(c, mk_node("a", 8000, 8));
    cluster_node_put(c, mk_node("b", 8000, 8));
    cluster_pod_put(c, mk_pod("u1", "p1", "a", PHASE_RUNNING, 1500, 2));
    cluster_pod_put(c, mk_pod("u2", "p2", NULL, PHASE_PENDING, 500, 1));
    cr_assert_eq(used(c, "a", RES_CPU), 1500);
    cr_assert_eq(used(c, "a", g), 2);
    cr_assert_eq(used(c, "a", RES_PODS), 1);
    cr_assert_eq(used(c, "b", RES_PODS), 0);
    /* u2 binds to b */
    cluster_pod_put(c, mk_pod("u2", "p2", "b", PHASE_PENDING, 500, 1));
    cr_assert_eq(used(c, "b", RES_CPU), 500);
    cr_assert_eq(used(c, "b", g), 1);
    /* u1 moves to b (not possible in Kubernetes, but must not leak) */
    cluster_pod_put(c, mk_pod("u1", "p1", "b", PHASE_RUNNING, 1500, 2));
    cr_assert_eq(used(c, "a", RES_CPU), 0);
    cr_assert_eq(used(c, "a", RES_PODS), 0);
    cr_assert_eq(used(c, "b", RES_CPU), 2000);
    cr_assert_eq(used(c, "b", g), 3);
    /* u1 succeeds: released, still cached */
    gen = c->generation;
    cluster_pod_put(c, mk_pod("u1", "p1", "b", PHASE_SUCCEEDED, 1500, 2));
    cr_assert_gt(c->generation, gen);
    cr_assert_eq(used(c, "b", RES_CPU), 500);
    cr_assert_eq(used(c, "b", RES_PODS), 1);
    cr_assert_eq(cluster_pod_count(c), 2);
    cr_assert_eq(cluster_pod_del(c, "u2"), MU_OK);
    cr_assert_eq(cluster_pod_del(c, "u2"), MU_ENOENT);
    cr_assert_eq(used(c, "b", RES_CPU), 0);
    cr_assert_eq(used(c, "b", g), 0);
    cr_assert_eq(cluster_pod_count(c), 1);
    cluster_unlock(c);
    cluster_free(c);
}

Test(cluster, node_deleted_and_readded_keeps_usage)
{
    struct cluster *c = cluster_new();

    cluster_wrlock(c);
    /* pod first: its node is not known yet */
    cluster_pod_put(c, mk_pod("u1", "p1", "late", PHASE_RUNNING, 700, 0));
    cr_assert_null(cluster_node_get(c, "late", 4));
    cr_assert_eq(cluster_node_count(c), 0);
    cluster_node_put(c, mk_node("late", 4000, 0));
    cr_assert_eq(cluster_node_count(c), 1);
    cr_assert_eq(used(c, "late", RES_CPU), 700);
    cr_assert_eq(cluster_node_del(c, "late"), MU_OK);
    cr_assert_eq(cluster_node_del(c, "late"), MU_ENOENT);
    cr_assert_eq(cluster_node_count(c), 0);
    cluster_node_put(c, mk_node("late", 4000, 0));
    cr_assert_eq(used(c, "late", RES_CPU), 700);
    /* replacing the node object keeps the usage too */
    cluster_node_put(c, mk_node("late", 6000, 0));
    cr_assert_eq(used(c, "late", RES_CPU), 700);
    cr_assert_eq(cluster_node_get(c, "late", 4)->alloc[RES_CPU], 6000);
    cr_assert_eq(cluster_node_count(c), 1);
    cluster_unlock(c);
    cluster_free(c);
}

Test(cluster, empty_slots_are_dropped)
{
    struct cluster *c = cluster_new();

    cluster_pod_put(c, mk_pod("u1", "p1", "ghost", PHASE_RUNNING, 700, 0));
    cr_assert_eq(strmap_len(&c->nodes), 1);
    cluster_pod_del(c, "u1");
    cr_assert_eq(strmap_len(&c->nodes), 0);
    cluster_node_put(c, mk_node("n", 1000, 0));
    cluster_node_del(c, "n");
    cr_assert_eq(strmap_len(&c->nodes), 0);
    cluster_free(c);
}

Test(cluster, recreated_pod_replaces_old_uid)
{
    struct cluster *c = cluster_new();
    struct pod *p;

    cluster_node_put(c, mk_node("a", 8000, 8));
    cluster_pod_put(c, mk_pod("old", "web-0", "a", PHASE_RUNNING, 1000, 0));
    cluster_pod_put(c, mk_pod("new", "web-0", NULL, PHASE_PENDING, 2000, 0));
    cr_assert_eq(cluster_pod_count(c), 1);
    cr_assert_null(cluster_pod_get(c, "old", 3));
    p = cluster_pod_find(c, "default", "web-0");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->uid, "new");
    cr_assert_str_eq(p->ns, "default");
    cr_assert_eq(cluster_pod_get(c, "new", 3), p);
    cr_assert_eq(used(c, "a", RES_CPU), 0);
    cr_assert_null(cluster_pod_find(c, "default", "web-1"));
    cr_assert_null(cluster_pod_find(c, "other", "web-0"));
    cluster_free(c);
}

Test(cluster, pod_without_uid_is_keyed_by_namespace_and_name)
{
    struct cluster *c = cluster_new();
    struct pod *p = mk_pod("", "solo", "a", PHASE_RUNNING, 100, 0);

    cluster_pod_put(c, p);
    cr_assert_str_eq(p->uid, "default/solo");
    cr_assert_eq(cluster_pod_get(c, "default/solo", 12), p);
    cluster_free(c);
}

Test(cluster, iteration_visits_nodes_not_empty_slots)
{
    struct cluster *c = cluster_new();
    size_t iter = 0, n = 0;
    struct node_info *ni;
    struct pod *p;

    cluster_node_put(c, mk_node("a", 1, 0));
    cluster_node_put(c, mk_node("b", 1, 0));
    cluster_pod_put(c, mk_pod("u", "p", "nowhere", PHASE_RUNNING, 1, 0));
    while ((ni = cluster_node_next(c, &iter)))
        n++;
    cr_assert_eq(n, 2);
    iter = 0;
    n = 0;
    while ((p = cluster_pod_next(c, &iter)))
        n++;
    cr_assert_eq(n, 1);
    cluster_free(c);
}

Test(cluster, replace_swaps_contents_and_bumps_generation)
{
    struct cluster *c = cluster_new(), *fresh = cluster_new();
    uint64_t gen;

    cluster_node_put(c, mk_node("old", 1000, 0));
    cluster_pod_put(c, mk_pod("u", "p", "old", PHASE_RUNNING, 10, 0));
    gen = c->generation;
    cluster_node_put(fresh, mk_node("new", 2000, 0));
    cluster_pod_put(fresh, mk_pod("v", "q", "new", PHASE_RUNNING, 30, 0));
    fresh->synced = true;
    cluster_wrlock(c);
    cluster_replace(c, fresh);
    cluster_unlock(c);
    cr_assert_gt(c->generation, gen);
    cr_assert(c->synced);
    cr_assert_null(cluster_node_get(c, "old", 3));
    cr_assert_eq(used(c, "new", RES_CPU), 30);
    cr_assert_not_null(cluster_pod_find(c, "default", "q"));
    cr_assert_null(cluster_pod_get(c, "u", 1));
    cr_assert_eq(cluster_node_count(c), 1);
    /* the lock still works after the swap */
    cluster_rdlock(c);
    cluster_unlock(c);
    cluster_free(c);
}

Test(cluster, dump_json_is_canonical)
{
    struct cluster *c = cluster_new();
    struct node_info *n = mk_node("b", 4000, 0);
    struct pod *p = mk_pod("u2", "x", NULL, PHASE_PENDING, 250, 0);
    struct buf b;

    n->labels.kv = xcalloc(2, sizeof(*n->labels.kv));
    n->labels.kv[n->labels.n++] = (struct label){xstrdup("k"), xstrdup("v")};
    n->taints = xcalloc(1, sizeof(*n->taints));
    n->ntaints = 1;
    n->taints[0] =
        (struct taint){xstrdup("t"), xstrdup(""), EFFECT_NO_SCHEDULE};
    n->unschedulable = true;
    cluster_node_put(c, n);
    cluster_node_put(c, mk_node("a", 1000, 2));
    cluster_pod_put(c, mk_pod("u1", "w", "a", PHASE_RUNNING, 100, 1));
    p->assumed_until = 5;
    cluster_pod_put(c, p);
    buf_init(&b, 1 << 16);
    cr_assert_eq(cluster_dump_json(c, &b), MU_OK);
    cr_assert_str_eq(
        b.data,
        "{\"nodes\":["
        "{\"name\":\"a\",\"labels\":{},\"taints\":[],\"unschedulable\":false,"
        "\"ready\":true,\"allocatable\":{\"cpu\":1000,\"nvidia.com/gpu\":2,"
        "\"pods\":110},\"used\":{\"cpu\":100,\"nvidia.com/gpu\":1,\"pods\":1}},"
        "{\"name\":\"b\",\"labels\":{\"k\":\"v\"},\"taints\":[{\"key\":\"t\","
        "\"value\":\"\",\"effect\":\"NoSchedule\"}],\"unschedulable\":true,"
        "\"ready\":true,\"allocatable\":{\"cpu\":4000,\"pods\":110},"
        "\"used\":{}}],"
        "\"pods\":["
        "{\"namespace\":\"default\",\"name\":\"w\",\"uid\":\"u1\","
        "\"nodeName\":\"a\",\"phase\":\"Running\",\"priority\":0,"
        "\"requests\":{\"cpu\":100,\"nvidia.com/gpu\":1,\"pods\":1}},"
        "{\"namespace\":\"default\",\"name\":\"x\",\"uid\":\"u2\","
        "\"nodeName\":null,\"phase\":\"Pending\",\"priority\":0,"
        "\"assumed\":true,\"requests\":{\"cpu\":250,\"pods\":1}}]}");
    buf_fini(&b);
    /* over the cap: an error, never a truncated document passed as good */
    buf_init(&b, 64);
    cr_assert_eq(cluster_dump_json(c, &b), MU_ELIMIT);
    buf_fini(&b);
    cluster_free(c);
}

/* Readers under the read lock never see a half-applied move: the cpu used
 * on a and b always adds up to the one pod's request. */
struct race {
    struct cluster *c;
    int bad;
    bool stop;
};

static void *race_reader(void *arg)
{
    struct race *r = arg;
    bool stop = false;

    while (!stop) {
        struct node_info *a, *b;

        cluster_rdlock(r->c);
        a = cluster_node_get(r->c, "a", 1);
        b = cluster_node_get(r->c, "b", 1);
        if (a->used[RES_CPU] + b->used[RES_CPU] != 300)
            r->bad++;
        stop = r->stop;
        cluster_unlock(r->c);
    }
    return NULL;
}

Test(cluster, readers_see_whole_updates_under_the_lock, .timeout = 60)
{
    struct race r = {.c = cluster_new()};
    pthread_t th[2];

    cluster_node_put(r.c, mk_node("a", 1000, 0));
    cluster_node_put(r.c, mk_node("b", 1000, 0));
    cluster_pod_put(r.c, mk_pod("u", "p", "a", PHASE_RUNNING, 300, 0));
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, race_reader, &r), 0);
    for (int i = 0; i < 3000; i++) {
        cluster_wrlock(r.c);
        cluster_pod_put(
            r.c, mk_pod("u", "p", i % 2 ? "a" : "b", PHASE_RUNNING, 300, 0));
        cluster_unlock(r.c);
    }
    cluster_wrlock(r.c);
    r.stop = true;
    cluster_unlock(r.c);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(r.bad, 0);
    cluster_free(r.c);
}
