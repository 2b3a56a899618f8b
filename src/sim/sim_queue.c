/* sim_queue.c - the simulator's kube-scheduler: the pending-pod queue
 * (groups of pods that fail alike, parked until capacity is released) and
 * the scheduling cycle through filter_run, score_run_raw and the gang
 * table, exactly as the extender callbacks run them. */
#include "common.h"
#include "sim/sim_int.h"
#include "filter/filter.h"
#include "score/score.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* ---- ordering ---- */

/* kube-scheduler's PrioritySort: priority, then age; then the trace's
 * order and the pod index, so that equal pods never tie. */
static bool pod_before(const struct sim_pod *a, const struct sim_pod *b)
{
    const struct sim_job *x = a->job, *y = b->job;

    if (x->t.priority != y->t.priority)
        return x->t.priority > y->t.priority;
    if (x->submit_ms != y->submit_ms)
        return x->submit_ms < y->submit_ms;
    if (x->seq != y->seq)
        return x->seq < y->seq;
    return a->idx < b->idx;
}

static bool group_before(const struct sim_group *a, const struct sim_group *b)
{
    return pod_before(a->heap[0], b->heap[0]);
}

/* ---- the pods of one group: a binary heap ---- */

static void pheap_set(struct sim_group *g, size_t i, struct sim_pod *p)
{
    g->heap[i] = p;
    p->hpos = i;
}

static void pheap_up(struct sim_group *g, size_t i)
{
    struct sim_pod *p = g->heap[i];

    while (i > 0 && pod_before(p, g->heap[(i - 1) / 2])) {
        pheap_set(g, i, g->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    pheap_set(g, i, p);
}

static void pheap_down(struct sim_group *g, size_t i)
{
    struct sim_pod *p = g->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= g->n)
            break;
        if (c + 1 < g->n && pod_before(g->heap[c + 1], g->heap[c]))
            c++;
        if (!pod_before(g->heap[c], p))
            break;
        pheap_set(g, i, g->heap[c]);
        i = c;
    }
    pheap_set(g, i, p);
}

static void pheap_del(struct sim_group *g, size_t i)
{
    struct sim_pod *last = g->heap[--g->n];

    if (i == g->n)
        return;
    pheap_set(g, i, last);
    pheap_up(g, i);
    pheap_down(g, last->hpos);
}

/* ---- the ready groups: a heap by head pod ---- */

static void gheap_set(struct sim *s, size_t i, struct sim_group *g)
{
    s->gheap[i] = g;
    g->gpos = i;
}

static void gheap_up(struct sim *s, size_t i)
{
    struct sim_group *g = s->gheap[i];

    while (i > 0 && group_before(g, s->gheap[(i - 1) / 2])) {
        gheap_set(s, i, s->gheap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    gheap_set(s, i, g);
}

static void gheap_down(struct sim *s, size_t i)
{
    struct sim_group *g = s->gheap[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= s->ng)
            break;
        if (c + 1 < s->ng && group_before(s->gheap[c + 1], s->gheap[c]))
            c++;
        if (!group_before(s->gheap[c], g))
            break;
        gheap_set(s, i, s->gheap[c]);
        i = c;
    }
    gheap_set(s, i, g);
}

static void gheap_del(struct sim *s, struct sim_group *g)
{
    size_t i = g->gpos;
    struct sim_group *last;

    if (i == SIZE_MAX)
        return;
    g->gpos = SIZE_MAX;
    last = s->gheap[--s->ng];
    if (last == g)
        return;
    gheap_set(s, i, last);
    gheap_up(s, i);
    gheap_down(s, last->gpos);
}

/* Put g where it belongs among the ready groups (its head changed). */
static void gheap_fix(struct sim *s, struct sim_group *g)
{
    if (g->parked || g->n == 0) {
        gheap_del(s, g);
        return;
    }
    if (g->gpos == SIZE_MAX) {
        s->gheap = xgrow(s->gheap, &s->gcap, s->ng + 1, sizeof(*s->gheap));
        gheap_set(s, s->ng++, g);
        gheap_up(s, g->gpos);
        return;
    }
    gheap_up(s, g->gpos);
    gheap_down(s, g->gpos);
}

/* ---- groups ---- */

void simq_init(struct sim *s)
{
    strmap_init(&s->groups);
}

void simq_group_free(struct sim *s, struct sim_group *g)
{
    if (!g)
        return;
    strmap_del(&s->groups, g->key, strlen(g->key));
    gheap_del(s, g);
    free(g->heap);
    free(g);
}

void simq_group_drop(struct sim *s, struct sim_job *j)
{
    struct sim_group *g = j->group;

    j->group = NULL;
    /* No live job queues in g any more, so no pod is in it: parked or
     * not, nothing is lost (a later job of the shape makes a new one, and
     * a group emptied by a completion is unparked at this instant
     * anyway). */
    if (g && --g->refs == 0) {
        MU_ASSERT(g->n == 0);
        simq_group_free(s, g);
    }
}

void simq_fini(struct sim *s)
{
    size_t it = 0;
    void *v;

    /* The groups of the jobs still live at the end remain. */
    while (strmap_next(&s->groups, &it, NULL, NULL, &v)) {
        gheap_del(s, v);
        free(((struct sim_group *)v)->heap);
        free(v);
    }
    strmap_fini(&s->groups);
    FREE_NULL(s->gheap);
    s->ng = s->gcap = 0;
}

static struct sim_group *group_new(const char *key, bool is_job)
{
    struct sim_group *g = xcalloc(1, sizeof(*g));

    snprintf(g->key, sizeof(g->key), "%s", key);
    g->is_job = is_job;
    g->gpos = SIZE_MAX;
    return g;
}

struct sim_group *simq_group_for(struct sim *s, struct sim_job *j)
{
    struct sim_group *g;
    char key[64];

    if (j->group)
        return j->group;
    if (j->gang && s->gt) {
        snprintf(key, sizeof(key), "job#%llu", (unsigned long long)j->seq);
        g = group_new(key, true);
        strmap_put(&s->groups, g->key, strlen(g->key), g);
        g->refs = 1;
        return j->group = g;
    }
    snprintf(key, sizeof(key), "c%lld/m%lld/g%lld",
             (long long)j->t.cpu_milli, (long long)j->t.memory,
             (long long)j->t.gpus_per_pod);
    g = strmap_get(&s->groups, key, strlen(key));
    if (!g) {
        g = group_new(key, false);
        strmap_put(&s->groups, g->key, strlen(g->key), g);
    }
    g->refs++;
    return j->group = g;
}

void simq_push(struct sim *s, struct sim_pod *p)
{
    struct sim_group *g = simq_group_for(s, p->job);

    p->state = SP_QUEUED;
    g->heap = xgrow(g->heap, &g->cap, g->n + 1, sizeof(*g->heap));
    pheap_set(g, g->n++, p);
    pheap_up(g, p->hpos);
    gheap_fix(s, g);
}

void simq_remove(struct sim *s, struct sim_pod *p)
{
    struct sim_group *g = p->job->group;

    MU_ASSERT(p->state == SP_QUEUED && g && g->heap[p->hpos] == p);
    pheap_del(g, p->hpos);
    gheap_fix(s, g);
}

void simq_unpark(struct sim *s, struct sim_group *g)
{
    if (!g->parked)
        return;
    g->parked = false;
    gheap_fix(s, g);
}

void simq_unpark_all(struct sim *s)
{
    size_t it = 0;
    void *v;

    /* Shape groups and gang job groups: O(groups), not O(pods). */
    while (strmap_next(&s->groups, &it, NULL, NULL, &v))
        simq_unpark(s, v);
}

/* ---- the scheduling cycle ---- */

enum cycle_result { CY_BOUND, CY_HELD, CY_FAILED };

static int32_t node_index(const struct sim *s, const char *name)
{
    size_t lo = 0, hi = s->nnodes;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->nodes[mid]->name, name);

        if (c == 0)
            return (int32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Filter every node, as kube-scheduler's Filter phase with the extender's
 * /filter: the policy chain on the usage the call context says (gang
 * reservations counted). RET the number of feasible views in s->fe. */
static int filter_all(struct sim *s, const struct pod *pod,
                      const struct sched_ctx *cx, size_t *k)
{
    struct filter_status st;
    int rc;

    *k = 0;
    /* One reservation lock for the whole pass, not one per node. */
    sched_ctx_usage_n(cx, (const struct node_info *const *)s->nodes,
                      s->nnodes, s->scratch, s->usage);
    for (size_t i = 0; i < s->nnodes; i++) {
        struct node_view *nv = &s->views[i];

        nv->node = s->nodes[i];
        nv->used = s->usage[i];
        nv->ctx = cx;
        rc = filter_run(s->pol, pod, nv, &st, NULL);
        if (rc)
            return rc;
        if (st.verdict == FILTER_PASS)
            s->fe[(*k)++] = *nv;
    }
    return MU_OK;
}

/* Score the feasible nodes and RET the index (in s->fe) of the best:
 * highest total, ties to the first, i.e. the smallest name. */
static int pick_node(struct sim *s, const struct pod *pod, size_t k,
                     size_t *best)
{
    struct sched_ctx sctx;
    int rc;

    *best = 0;
    if (k == 1)
        return MU_OK;
    if (s->gt) {
        gang_score_ctx(s->gt, s->c, s->pol, pod, s->now, &sctx);
        for (size_t i = 0; i < k; i++)
            s->fe[i].ctx = &sctx;
    }
    rc = score_run_raw(s->pol, pod, s->fe, k, s->scores);
    for (size_t i = 0; rc == MU_OK && s->o->pick_extender && i < k; i++)
        s->scores[i] = score_scale(s->pol, s->scores[i]);
    for (size_t i = 1; rc == MU_OK && i < k; i++) {
        if (s->scores[i] > s->scores[*best])
            *best = i;
    }
    return rc;
}

/* Post every binding of a gang release, as the service does. */
static void release_all(struct sim *s, struct gang_release *rel)
{
    for (size_t i = 0; i < rel->n; i++) {
        struct sim_pod *q = rel->b[i].ticket;
        int32_t ni = node_index(s, rel->b[i].node);

        MU_ASSERT(q && q->state == SP_HELD && ni >= 0);
        q->job->held--;
        sim_bind(s, q, ni);
        gang_bind_result(s->gt, rel->gang, rel->b[i].uid, rel->b[i].node,
                         true, s->now);
    }
}

/* /bind: straight through without the gang table, else as it decides. */
static enum cycle_result bind_pod(struct sim *s, struct sim_pod *p,
                                  const struct pod *pod, int32_t ni)
{
    struct gang_release rel = {0};
    enum gang_bind_verdict v;
    char err[FILTER_REASON_MAX], ns[TRACE_QUEUE_MAX + 1], name[160];

    /* A pod without a gang label is never a member: gang_bind would
     * answer PASS after refreshing membership (a pass over every pod in
     * the cluster), so go straight to the bind. */
    if (!s->gt || !p->job->gang) {
        sim_bind(s, p, ni);
        return CY_BOUND;
    }
    snprintf(ns, sizeof(ns), "%s", pod->ns);
    snprintf(name, sizeof(name), "%s", pod->name);
    v = gang_bind(s->gt, s->c, s->pol, ns, name, p->uid, s->nodes[ni]->name,
                  p, s->now, &rel, err, sizeof(err));
    switch (v) {
    case GANG_BIND_PASS:
        sim_bind(s, p, ni);
        return CY_BOUND;
    case GANG_BIND_HOLD:
        p->state = SP_HELD;
        p->job->held++;
        return CY_HELD;
    case GANG_BIND_RELEASE:
        p->state = SP_HELD;
        p->job->held++;
        release_all(s, &rel);
        gang_release_fini(&rel);
        return CY_BOUND;
    case GANG_BIND_REJECT:
        break;
    }
    log_debug("sim: bind rejected", "pod=%s reason=\"%s\"", p->key, err);
    return CY_FAILED;
}

/* Answers to held binds (the pod queues again) and wake-ups (its gang's
 * pods become ready). */
void simq_drain(struct sim *s)
{
    struct gang_out out;

    gang_drain(s->gt, &out);
    for (size_t i = 0; i < out.nanswers; i++) {
        struct sim_pod *q = out.answers[i].ticket;

        MU_ASSERT(q->state == SP_HELD);
        q->job->held--;
        simq_push(s, q);
        simq_unpark(s, q->job->group);
    }
    for (size_t i = 0; i < out.nwakes; i++) {
        struct sim_pod *q = sim_pod_lookup(s, out.wakes[i].ns,
                                           out.wakes[i].name);

        if (q && q->state == SP_QUEUED)
            simq_unpark(s, q->job->group);
    }
    gang_out_fini(&out);
}

/* One cycle for pod p. */
static int cycle(struct sim *s, struct sim_pod *p, enum cycle_result *res)
{
    const struct pod *pod = cluster_pod_get(s->c, p->uid, strlen(p->uid));
    struct sched_ctx ctx, *cx = NULL;
    size_t k = 0, best;
    int rc;

    MU_ASSERT(pod != NULL);
    *res = CY_FAILED;
    if (s->gt) {
        rc = gang_filter_ctx(s->gt, s->c, s->pol, pod, s->now, &ctx);
        if (rc)
            return rc;
        cx = &ctx;
    }
    rc = filter_all(s, pod, cx, &k);
    if (rc == MU_OK && k > 0)
        rc = pick_node(s, pod, k, &best);
    if (rc == MU_OK && k > 0)
        *res = bind_pod(s, p, pod, node_index(s, s->fe[best].node->name));
    if (s->gt)
        simq_drain(s);
    return rc;
}

int simq_run(struct sim *s)
{
    while (s->ng > 0) {
        struct sim_group *g = s->gheap[0];
        struct sim_pod *p = g->heap[0];
        enum cycle_result res;
        int rc;

        pheap_del(g, 0);
        gheap_fix(s, g);
        s->sum.cycles++;
        rc = cycle(s, p, &res);
        if (rc) {
            snprintf(s->err, s->errlen, "scheduling %s: a plugin failed: %s",
                     p->key, mu_strerror(rc));
            return rc;
        }
        if (res != CY_FAILED) {
            s->placed_now++;
            continue;
        }
        /* Unschedulable: the pod waits with its group until capacity is
         * released; its group-mates would fail on the same nodes. */
        simq_push(s, p);
        p->job->group->parked = true;
        gheap_fix(s, p->job->group);
    }
    return MU_OK;
}
