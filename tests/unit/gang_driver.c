/* gang_driver.c - a kube-scheduler stand-in for the gang tests. */
#include "common.h"
#include "gang_driver.h"
#include "fixtures.h"
#include "filter/filter.h"
#include "score/score.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

static const char drv_default_policy[] =
    "{\"description\": \"gang test\","
    " \"filters\": [\"gang\", \"node-ready\", \"resources-fit\"],"
    " \"scores\": [{\"name\": \"gang-topology\", \"weight\": 4},"
    "  {\"name\": \"most-allocated\", \"weight\": 1,"
    "   \"args\": {\"resources\": {\"nvidia.com/gpu\": 1}}}],"
    " \"gang\": {\"defaultTimeoutSeconds\": 30, \"maxHoldSeconds\": 4,"
    "  \"backoffSeconds\": 10, \"starvationSeconds\": 300,"
    "  \"topologyKeys\": [\"kubernetes.io/hostname\","
    "   \"topology.muster.dev/rack\", \"topology.kubernetes.io/zone\"]}}";

struct drv *drv_new(const char *policy_json)
{
    struct drv *d = xcalloc(1, sizeof(*d));

    d->c = cluster_new();
    d->c->synced = true;
    d->pol = fx_policy(policy_json ? policy_json : drv_default_policy);
    d->t = gang_table_new();
    log_set_level("error");
    d->now = 1000000;
    d->created = 1700000000;
    d->min_release = SIZE_MAX;
    return d;
}

void drv_free(struct drv *d)
{
    gang_table_free(d->t);
    policy_free(d->pol);
    cluster_free(d->c);
    free(d);
}

static void kv_add(struct labels *l, const char *key, const char *val)
{
    l->kv = xrealloc(l->kv, (l->n + 1) * sizeof(*l->kv));
    l->kv[l->n].key = xstrdup(key);
    l->kv[l->n].val = xstrdup(val);
    l->n++;
    cr_assert_eq(labels_sort(l), MU_OK, "duplicate key %s", key);
}

void drv_label(struct pod *p, const char *key, const char *val)
{
    kv_add(&p->labels, key, val);
}

void drv_annotate(struct pod *p, const char *key, const char *val)
{
    kv_add(&p->annotations, key, val);
}

void drv_node(struct drv *d, const char *name, const char *alloc,
              const char *rack, const char *zone)
{
    struct node_info *n = fx_node(name, alloc);

    fx_node_label(n, "kubernetes.io/hostname", name);
    if (rack)
        fx_node_label(n, "topology.muster.dev/rack", rack);
    if (zone)
        fx_node_label(n, "topology.kubernetes.io/zone", zone);
    cluster_wrlock(d->c);
    cluster_node_put(d->c, n);
    cluster_unlock(d->c);
}

struct pod *drv_pod(struct drv *d, const char *name, const char *req,
                    const char *gang, const char *min)
{
    struct pod *p = fx_pod(name, req);

    free(p->ns);
    p->ns = xstrdup("ml");
    p->created = d->created++;
    if (gang)
        drv_label(p, "scheduling.x-k8s.io/pod-group", gang);
    if (min)
        drv_annotate(p, "muster.dev/min-member", min);
    return p;
}

void drv_put(struct drv *d, struct pod *p)
{
    cluster_wrlock(d->c);
    cluster_pod_put(d->c, p);
    cluster_unlock(d->c);
}

void drv_add(struct drv *d, const char *name, const char *req,
             const char *gang, const char *min)
{
    drv_put(d, drv_pod(d, name, req, gang, min));
}

void drv_delete(struct drv *d, const char *name)
{
    struct pod *p;

    cluster_wrlock(d->c);
    p = cluster_pod_find(d->c, "ml", name);
    cr_assert(p, "no pod %s", name);
    cluster_pod_del(d->c, p->uid);
    cluster_unlock(d->c);
}

/* Replace the cluster's pod with a changed copy (as a watch event). */
static void drv_update(struct drv *d, const char *name, const char *node,
                       enum pod_phase phase)
{
    struct pod *p, *np;

    cluster_wrlock(d->c);
    p = cluster_pod_find(d->c, "ml", name);
    cr_assert(p, "no pod %s", name);
    np = pod_dup(p);
    if (node) {
        free(np->node_name);
        np->node_name = xstrdup(node);
    }
    np->phase = phase;
    cluster_pod_put(d->c, np);
    cluster_unlock(d->c);
}

void drv_succeed(struct drv *d, const char *name)
{
    drv_update(d, name, NULL, PHASE_SUCCEEDED);
}

const char *drv_node_of(struct drv *d, const char *pod)
{
    const struct pod *p;
    const char *n;

    cluster_rdlock(d->c);
    p = cluster_pod_find(d->c, "ml", pod);
    n = p && p->node_name ? p->node_name : "";
    cluster_unlock(d->c);
    return n;
}

size_t drv_posted(const struct drv *d, const char *prefix)
{
    size_t n = 0;

    for (size_t i = 0; i < d->nposts; i++)
        n += strncmp(d->posts[i], prefix, strlen(prefix)) == 0;
    return n;
}

/* The apiserver side of a Binding: record it and bind the pod. */
static void drv_post(struct drv *d, const char *pod, const char *node)
{
    cr_assert_lt(d->nposts, DRV_MAX_POSTS);
    snprintf(d->posts[d->nposts++], sizeof(d->posts[0]), "%s=%s", pod,
             node);
    drv_update(d, pod, node, PHASE_PENDING);
}

/* Answers and wake-ups queued by the table. */
static void drv_drain(struct drv *d)
{
    struct gang_out out;

    gang_drain(d->t, &out);
    for (size_t i = 0; i < out.nanswers; i++) {
        struct drv_call *call = out.answers[i].ticket;

        cr_assert_eq(call->state, CALL_HELD, "ticket answered twice");
        call->state = CALL_ERR;
        snprintf(call->err, sizeof(call->err), "%s", out.answers[i].err);
    }
    for (size_t i = 0; i < out.nwakes; i++)
        snprintf(d->last_wake, sizeof(d->last_wake), "%s=%s",
                 out.wakes[i].name, out.wakes[i].value);
    d->nwakes += out.nwakes;
    gang_out_fini(&out);
}

static int nv_name_cmp(const void *a, const void *b)
{
    return strcmp(((const struct node_view *)a)->node->name,
                  ((const struct node_view *)b)->node->name);
}

/* Prioritize the feasible views (with the score-call context) and pick
 * the highest total; ties go to the first name. */
static void drv_pick(struct drv *d, const struct pod *p,
                     struct node_view *fe, size_t k, char *best)
{
    struct sched_ctx sctx;
    int64_t *sc;
    size_t bi = 0;

    if (k == 0)
        return;
    if (k > 1) {
        gang_score_ctx(d->t, d->c, d->pol, p, d->now, &sctx);
        sc = xcalloc(k, sizeof(*sc));
        for (size_t i = 0; i < k; i++)
            fe[i].ctx = &sctx;
        cr_assert_eq(score_run(d->pol, p, fe, k, sc), MU_OK);
        for (size_t i = 1; i < k; i++) {
            if (sc[i] > sc[bi])
                bi = i;
        }
        free(sc);
    }
    strcpy(best, fe[bi].node->name);
}

size_t drv_filter(struct drv *d, const char *name, char *best, char *reason)
{
    size_t nn, it = 0, k = 0;
    struct node_view *nv, *fe;
    int64_t *scratch;
    struct sched_ctx ctx;
    struct filter_status st;
    const struct pod *p;
    struct node_info *n;

    best[0] = reason[0] = '\0';
    cluster_rdlock(d->c);
    p = cluster_pod_find(d->c, "ml", name);
    cr_assert(p, "no pod %s", name);
    nn = cluster_node_count(d->c);
    nv = xcalloc(nn + 1, sizeof(*nv));
    fe = xcalloc(nn + 1, sizeof(*fe));
    scratch = xcalloc((nn + 1) * RES_MAX, sizeof(*scratch));
    for (size_t i = 0; (n = cluster_node_next(d->c, &it)); i++)
        nv[i].node = n;
    qsort(nv, nn, sizeof(*nv), nv_name_cmp);
    cr_assert_eq(gang_filter_ctx(d->t, d->c, d->pol, p, d->now, &ctx), MU_OK);
    for (size_t i = 0; i < nn; i++) {
        nv[i].used = sched_ctx_usage(&ctx, nv[i].node, scratch + i * RES_MAX);
        nv[i].ctx = &ctx;
        cr_assert_eq(filter_run(d->pol, p, &nv[i], &st, NULL), MU_OK);
        if (st.verdict == FILTER_PASS)
            fe[k++] = nv[i];
        else if (!reason[0])
            strcpy(reason, st.reason);
    }
    drv_pick(d, p, fe, k, best);
    cluster_unlock(d->c);
    free(nv);
    free(fe);
    free(scratch);
    drv_drain(d);
    return k;
}

static void drv_release(struct drv *d, struct gang_release *rel)
{
    d->releases++;
    d->min_release = MU_MIN(d->min_release, rel->n);
    for (size_t i = 0; i < rel->n; i++) {
        struct drv_call *call = rel->b[i].ticket;

        drv_post(d, rel->b[i].name, rel->b[i].node);
        cr_assert_eq(call->state, CALL_HELD);
        call->state = CALL_OK;
        gang_bind_result(d->t, rel->gang, rel->b[i].uid, rel->b[i].node,
                         true, d->now);
    }
}

struct drv_call *drv_bind(struct drv *d, const char *pod, const char *node)
{
    struct drv_call *call;
    struct gang_release rel;
    enum gang_bind_verdict v;
    const struct pod *p;
    char uid[128];

    cr_assert_lt(d->ncalls, DRV_MAX_CALLS);
    call = &d->calls[d->ncalls++];
    snprintf(call->pod, sizeof(call->pod), "%s", pod);
    snprintf(call->node, sizeof(call->node), "%s", node);
    call->state = CALL_HELD;
    cluster_rdlock(d->c);
    p = cluster_pod_find(d->c, "ml", pod);
    cr_assert(p, "no pod %s", pod);
    snprintf(uid, sizeof(uid), "%s", p->uid);
    v = gang_bind(d->t, d->c, d->pol, "ml", pod, uid, node, call, d->now,
                  &rel, call->err, sizeof(call->err));
    cluster_unlock(d->c);
    if (v == GANG_BIND_PASS) {
        drv_post(d, pod, node);
        call->state = CALL_OK;
    } else if (v == GANG_BIND_REJECT) {
        call->state = CALL_ERR;
    } else if (v == GANG_BIND_RELEASE) {
        drv_release(d, &rel);
    }
    gang_release_fini(&rel);
    drv_drain(d);
    return call;
}

struct drv_call *drv_schedule(struct drv *d, const char *pod)
{
    char best[256], reason[FILTER_REASON_MAX];

    if (drv_filter(d, pod, best, reason) == 0)
        return NULL;
    return drv_bind(d, pod, best);
}

void drv_tick(struct drv *d, int64_t ms)
{
    d->now += ms;
    cluster_rdlock(d->c);
    gang_tick(d->t, d->c, d->pol, d->now);
    cluster_unlock(d->c);
    drv_drain(d);
}
