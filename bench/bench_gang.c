/* bench_gang.c - time the gang planner: a gang of 64 pods planned on a
 * 1,000-node GPU cluster (50 racks of 20 nodes, 4 zones, a third of the
 * GPUs in use), with policies/gang-topology.json. The target is
 * well under 5 ms per plan.
 *
 * Not part of `make test` (timings are never asserted). `make bench` runs
 * it after the service benchmark; alone, from the repository root:
 *
 *   make build/bench/bench_gang && ./build/bench/bench_gang [NODES] [PODS]
 *
 * Reports best and median of ROUNDS for: plan_run alone (1 and 4 GPUs per
 * pod: rack-sized and zone-sized gangs; 1 GPU and one host port each: one
 * pod per node), and the whole admission path
 * (gang_filter_ctx on a fresh table: membership scan, plan, reservation).
 */
#include "common.h"
#include "cache/cluster.h"
#include "policy/policy.h"
#include "queue/gang.h"
#include "queue/plan.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <time.h>

#define ROUNDS 41

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void label(struct labels *l, const char *k, const char *v)
{
    l->kv = xrealloc(l->kv, (l->n + 1) * sizeof(*l->kv));
    l->kv[l->n].key = xstrdup(k);
    l->kv[l->n].val = xstrdup(v);
    l->n++;
    labels_sort(l);
}

static struct cluster *make_cluster(int nodes)
{
    struct cluster *c = cluster_new();
    int gpu = res_intern("nvidia.com/gpu", 14);
    char v[64];

    for (int i = 0; i < nodes; i++) {
        struct node_info *n = node_new();
        char name[32];

        snprintf(name, sizeof(name), "gpu-%05d", i);
        n->name = xstrdup(name);
        n->ready = true;
        n->alloc[RES_CPU] = 64000;
        n->alloc[RES_MEMORY] = 512LL << 30;
        n->alloc[RES_PODS] = 110;
        n->alloc[gpu] = 8;
        label(&n->labels, "kubernetes.io/hostname", n->name);
        snprintf(v, sizeof(v), "rack-%03d", i / 20);
        label(&n->labels, "topology.muster.dev/rack", v);
        snprintf(v, sizeof(v), "zone-%d", i / 250);
        label(&n->labels, "topology.kubernetes.io/zone", v);
        /* put consumes n: look the node up by a name of our own */
        cluster_node_put(c, n);
        /* a third of the GPUs busy, unevenly */
        cluster_node_get(c, name, strlen(name))->used[gpu] = (i * 7) % 6;
    }
    c->synced = true;
    return c;
}

static struct pod *make_pod(int i, int gpus, bool member)
{
    struct pod *p = pod_new();
    char v[16];

    p->ns = xstrdup("ml");
    p->name = xasprintf("worker-%d", i);
    p->uid = xasprintf("uid-%d", i);
    p->scheduler_name = xstrdup("default-scheduler");
    p->created = 1700000000 + i;
    p->req = xcalloc(3, sizeof(*p->req));
    p->req[0] = (struct res_amount){RES_CPU, 8000};
    p->req[1] = (struct res_amount){RES_PODS, 1};
    p->req[2] = (struct res_amount){(uint16_t)res_find("nvidia.com/gpu", 14),
                                    gpus};
    p->nreq = 3;
    if (member) {
        label(&p->labels, GANG_LABEL, "llama");
        snprintf(v, sizeof(v), "%d", 64);
        label(&p->annotations, GANG_ANN_MIN, v);
    }
    return p;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void report(const char *what, double *t)
{
    qsort(t, ROUNDS, sizeof(*t), cmp_d);
    printf("%-44s best %7.3f ms   median %7.3f ms\n", what, t[0],
           t[ROUNDS / 2]);
}

/* hostport: 0, or a host port every pod asks for (hostNetwork workers):
 * then no two may share a node. */
static void bench_plan(const struct policy *pol, struct cluster *c, int npods,
                       int gpus, uint16_t hostport)
{
    struct pod **pods = xcalloc((size_t)npods, sizeof(*pods));
    const struct node_info **nodes = xcalloc((size_t)npods, sizeof(*nodes));
    struct plan_out out = {.nodes = nodes};
    struct plan_req rq = {.pol = pol, .c = c, .gang = "ml/llama",
                          .pods = (const struct pod *const *)pods,
                          .npods = (size_t)npods,
                          .topo_keys = pol->gang.topo_keys,
                          .nkeys = pol->gang.ntopo_keys};
    double t[ROUNDS];
    char what[400];

    for (int i = 0; i < npods; i++) {
        pods[i] = make_pod(i, gpus, false);
        if (hostport) {
            pods[i]->ports = xcalloc(1, sizeof(*pods[i]->ports));
            pods[i]->ports[0].port = hostport;
            pods[i]->nports = 1;
        }
    }
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ms();

        if (plan_run(&rq, &out) != MU_OK)
            exit(1);
        t[r] = now_ms() - t0;
    }
    snprintf(what, sizeof(what), "plan_run %d pods x %d GPU%s (%s)", npods,
             gpus, hostport ? " + hostPort" : "",
             out.placed == (size_t)npods ? out.domain : "no fit");
    report(what, t);
    for (int i = 0; i < npods; i++)
        pod_free(pods[i]);
    free(pods);
    free(nodes);
}

static void bench_admit(const struct policy *pol, struct cluster *c,
                        int npods)
{
    double t[ROUNDS];
    struct sched_ctx ctx;

    for (int i = 0; i < npods; i++)
        cluster_pod_put(c, make_pod(i, 4, true));
    for (int r = 0; r < ROUNDS; r++) {
        struct gang_table *tb = gang_table_new();
        const struct pod *p = cluster_pod_find(c, "ml", "worker-0");
        double t0 = now_ms();

        gang_filter_ctx(tb, c, pol, p, 1000, &ctx);
        t[r] = now_ms() - t0;
        if (ctx.decision != GANG_PLANNED)
            exit(1);
        gang_table_free(tb);
    }
    report("admission (scan + plan + reserve), 4 GPU", t);
}

/* A positive decimal argument up to max, else def. */
static int arg_int(int argc, char **argv, int i, int def, int max)
{
    int v = 0;

    if (argc <= i)
        return def;
    for (const char *s = argv[i]; *s; s++) {
        if (*s < '0' || *s > '9' || v > max / 10)
            return def;
        v = v * 10 + (*s - '0');
    }
    return v > 0 && v <= max ? v : def;
}

int main(int argc, char **argv)
{
    int nodes = arg_int(argc, argv, 1, 1000, 100000);
    int npods = arg_int(argc, argv, 2, 64, 10000);
    struct policy *pol = NULL;
    struct cluster *c;
    char err[512];

    log_set_level("error");
    if (policy_load("policies/gang-topology.json", &pol, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    c = make_cluster(nodes);
    printf("%d nodes, gang of %d pods, policies/gang-topology.json\n", nodes,
           npods);
    bench_plan(pol, c, npods, 1, 0);
    bench_plan(pol, c, npods, 4, 0);
    bench_plan(pol, c, npods, 1, 29500);
    bench_admit(pol, c, npods);
    cluster_free(c);
    policy_free(pol);
    return 0;
}
