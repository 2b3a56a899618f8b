/* sim.c - the discrete-event engine of `muster simulate`: set-up from the
 * cluster snapshot, policy and trace; arrivals, binds, job starts and
 * completions in virtual time; the main loop. */
#include "common.h"
#include "sim/sim.h"
#include "sim/sim_int.h"
#include "cache/snapshot.h"
#include "filter/filter.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <math.h>

#define SIM_IDLE_ROUNDS 50   /* gang-timer instants without a bind, with
                                nothing else left, before the run ends */

/* ---- the completion heap (time, then insertion order) ---- */

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void ev_push(struct sim *s, int64_t t, struct sim_job *j)
{
    size_t i = s->nev++;

    s->ev = xgrow(s->ev, &s->evcap, s->nev, sizeof(*s->ev));
    s->ev[i] = (struct sim_event){.t = t, .seq = s->evseq++, .job = j};
    while (i > 0 && ev_before(&s->ev[i], &s->ev[(i - 1) / 2])) {
        struct sim_event tmp = s->ev[i];

        s->ev[i] = s->ev[(i - 1) / 2];
        s->ev[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}

static struct sim_job *ev_pop(struct sim *s)
{
    struct sim_job *j = s->ev[0].job;
    size_t i = 0;

    s->ev[0] = s->ev[--s->nev];
    for (;;) {
        size_t c = 2 * i + 1;
        struct sim_event tmp;

        if (c >= s->nev)
            break;
        if (c + 1 < s->nev && ev_before(&s->ev[c + 1], &s->ev[c]))
            c++;
        if (!ev_before(&s->ev[c], &s->ev[i]))
            break;
        tmp = s->ev[i];
        s->ev[i] = s->ev[c];
        s->ev[c] = tmp;
        i = c;
    }
    return j;
}

/* ---- pods and binds ---- */

struct sim_pod *sim_pod_lookup(struct sim *s, const char *ns,
                               const char *name)
{
    char key[SIM_KEY_MAX + 8];
    int n = snprintf(key, sizeof(key), "%s/%s", ns, name);

    if (n < 0 || (size_t)n >= sizeof(key))
        return NULL;
    return strmap_get(&s->pods, key, (size_t)n);
}

static void job_touch(struct sim *s, struct sim_job *j)
{
    if (j->touched)
        return;
    j->touched = true;
    j->next_touched = s->touched;
    s->touched = j;
}

static void job_start(struct sim *s, struct sim_job *j)
{
    j->running = true;
    j->start_ms = s->now;
    s->gpu_busy += (int64_t)j->bound * j->t.gpus_per_pod;
    s->pending_jobs--;
    s->running_jobs++;
    s->gangs_waiting -= j->gang;
    ev_push(s, s->now + j->t.duration_ms, j);
}

/* The Binding is posted: the pod is bound in the simulator's cluster
 * (usage moves to the node) and starts at once. */
void sim_bind(struct sim *s, struct sim_pod *p, int32_t ni)
{
    struct sim_job *j = p->job;
    struct node_info *n = s->nodes[ni];
    struct pod *cp = cluster_pod_take(s->c, p->uid);
    int64_t before = n->used[s->gpu];

    MU_ASSERT(cp != NULL && p->node < 0);
    free(cp->node_name);
    cp->node_name = xstrdup(n->name);
    cp->phase = PHASE_RUNNING;
    cluster_pod_put(s->c, cp);
    simr_node_gpus(s, n, before);
    p->state = SP_BOUND;
    p->node = ni;
    p->bind_ms = s->now;
    j->bound++;
    s->sum.pods_bound++;
    s->gpu_alloc += j->t.gpus_per_pod;
    job_touch(s, j);
    if (j->running)
        s->gpu_busy += j->t.gpus_per_pod;
    else if (j->bound >= j->t.min_member)
        job_start(s, j);
}

/* ---- arrivals ---- */

static void kv_one(struct labels *l, const char *key, const char *val)
{
    l->kv = xcalloc(1, sizeof(*l->kv));
    l->kv[0].key = xstrdup(key);
    l->kv[0].val = xstrdup(val);
    l->n = 1;
}

/* The Pod object a trace job's pod would be: requests, priority and, for
 * gangs, the pod-group label and min-member annotation. */
static struct pod *pod_build(const struct sim *s, const struct sim_job *j,
                             const struct sim_pod *p)
{
    struct pod *pod = pod_new();
    char min[24];
    uint32_t n = 0;

    pod->ns = xstrdup(j->t.queue);
    pod->name = xasprintf("%s-%u", j->t.id, p->idx);
    pod->uid = xstrdup(p->uid);
    pod->scheduler_name = xstrdup("default-scheduler");
    pod->priority = j->t.priority;
    pod->created = j->submit_ms / 1000;
    pod->req = xcalloc(4, sizeof(*pod->req));
    if (j->t.cpu_milli > 0)
        pod->req[n++] = (struct res_amount){RES_CPU, j->t.cpu_milli};
    if (j->t.memory > 0)
        pod->req[n++] = (struct res_amount){RES_MEMORY, j->t.memory};
    pod->req[n++] = (struct res_amount){RES_PODS, 1};
    if (j->t.gpus_per_pod > 0)
        pod->req[n++] = (struct res_amount){(uint16_t)s->gpu,
                                            j->t.gpus_per_pod};
    pod->nreq = n;
    if (j->gang) {
        kv_one(&pod->labels, GANG_LABEL, j->t.id);
        snprintf(min, sizeof(min), "%u", j->t.min_member);
        kv_one(&pod->annotations, GANG_ANN_MIN, min);
    }
    return pod;
}

static struct sim_job *job_new(struct sim *s, const struct trace_job *t)
{
    struct sim_job *j = xcalloc(1, sizeof(*j));

    j->magic = SIM_JOB_MAGIC;
    j->t = *t;
    j->seq = s->seq++;
    j->submit_ms = s->ts.first_ms +
                   llround((double)(t->submit_ms - s->ts.first_ms) * s->scale);
    j->start_ms = j->end_ms = -1;
    j->gang = t->min_member > 1;
    j->pods = xcalloc(t->num_pods, sizeof(*j->pods));
    for (uint32_t i = 0; i < t->num_pods; i++) {
        struct sim_pod *p = &j->pods[i];

        p->job = j;
        p->idx = i;
        p->node = -1;
        snprintf(p->uid, sizeof(p->uid), "sim-%llu-%u",
                 (unsigned long long)j->seq, i);
        snprintf(p->key, sizeof(p->key), "%s/%s-%u", t->queue, t->id, i);
    }
    return j;
}

static int job_arrive(struct sim *s, struct sim_job *j)
{
    for (uint32_t i = 0; i < j->t.num_pods; i++) {
        struct sim_pod *p = &j->pods[i];
        struct pod *pod = pod_build(s, j, p);

        if (cluster_pod_find(s->c, pod->ns, pod->name)) {
            snprintf(s->err, s->errlen, "%s:%llu: pod %s/%s already exists "
                     "(a job_id used twice at once, or a snapshot pod)",
                     s->o->trace_path, (unsigned long long)j->t.line,
                     pod->ns, pod->name);
            pod_free(pod);
            return MU_EINVAL;
        }
        cluster_pod_put(s->c, pod);
        strmap_put(&s->pods, p->key, strlen(p->key), p);
        simq_push(s, p);
    }
    s->live_jobs++;
    s->pending_jobs++;
    s->gangs_waiting += j->gang;
    s->sum.jobs++;
    return MU_OK;
}

/* Read ahead to the next good job (skipping bad lines when asked). */
static int read_next(struct sim *s)
{
    char lerr[256];
    int rc;

    for (;;) {
        rc = trace_next(s->tr, &s->next, lerr, sizeof(lerr));
        if (rc == MU_OK && trace_stats_is_dup(&s->ts, s->next.line))
            continue;
        if (rc == MU_EINVAL && s->o->skip_bad)
            continue;
        break;
    }
    s->have_next = rc == MU_OK;
    if (rc == MU_ENOENT)
        return MU_OK;
    if (rc)
        snprintf(s->err, s->errlen, "%s", lerr);
    return rc;
}

static int64_t next_arrival(const struct sim *s)
{
    if (!s->have_next)
        return INT64_MAX;
    return s->ts.first_ms + llround((double)(s->next.submit_ms -
                                             s->ts.first_ms) * s->scale);
}

static void live_add(struct sim *s, struct sim_job *j)
{
    s->live = xgrow(s->live, &s->livecap, s->nlive + 1, sizeof(*s->live));
    j->lpos = s->nlive;
    s->live[s->nlive++] = j;
}

static void live_del(struct sim *s, struct sim_job *j)
{
    struct sim_job *last = s->live[--s->nlive];

    s->live[j->lpos] = last;
    last->lpos = j->lpos;
}

static int arrivals(struct sim *s)
{
    int rc = MU_OK;

    while (rc == MU_OK && next_arrival(s) == s->now) {
        struct sim_job *j = job_new(s, &s->next);

        live_add(s, j);   /* owned by the live list from here on */
        rc = job_arrive(s, j);
        if (rc == MU_OK)
            rc = read_next(s);
        s->sum.events++;
    }
    return rc;
}

/* ---- completions ---- */

static void job_free(struct sim *s, struct sim_job *j)
{
    for (uint32_t i = 0; i < j->t.num_pods; i++)
        strmap_del(&s->pods, j->pods[i].key, strlen(j->pods[i].key));
    simq_group_drop(s, j);
    free(j->pods);
    j->magic = 0;
    free(j);
}

/* The job's pods go away (deleted, as a finished Job's pods would be):
 * their resources are released and the parked pods may try again. */
static void job_complete(struct sim *s, struct sim_job *j)
{
    MU_ASSERT(j->magic == SIM_JOB_MAGIC && j->held == 0);
    j->end_ms = s->now;
    j->done = true;
    for (uint32_t i = 0; i < j->t.num_pods; i++) {
        struct sim_pod *p = &j->pods[i];
        struct node_info *n = p->node >= 0 ? s->nodes[p->node] : NULL;
        int64_t before = n ? n->used[s->gpu] : 0;

        if (p->state == SP_QUEUED)
            simq_remove(s, p);
        cluster_pod_del(s->c, p->uid);
        if (n)
            simr_node_gpus(s, n, before);
    }
    s->gpu_alloc -= (int64_t)j->bound * j->t.gpus_per_pod;
    s->gpu_busy -= (int64_t)j->bound * j->t.gpus_per_pod;
    s->running_jobs--;
    s->live_jobs--;
    s->sum.completed++;
    s->released = true;
    simr_job(s, j);
    live_del(s, j);
    job_free(s, j);
}

static void completions(struct sim *s)
{
    while (s->nev > 0 && s->ev[0].t == s->now) {
        job_complete(s, ev_pop(s));
        s->sum.events++;
    }
}

/* ---- the gang table's timers ---- */

/* Tick at now: timeouts, starvation, admissions of waiting gangs; the
 * pods it wakes get their cycles, and so on while that places pods. */
static int tick_phase(struct sim *s)
{
    for (int round = 0; round < 8; round++) {
        uint64_t placed = s->placed_now;
        uint64_t rgen = reserve_generation(gang_reserve(s->gt));
        int rc;

        gang_tick(s->gt, s->c, s->pol, s->now);
        simq_drain(s);
        if (reserve_generation(gang_reserve(s->gt)) != rgen)
            simq_unpark_all(s);   /* a reservation may have been dropped */
        if (s->ng == 0)
            break;
        rc = simq_run(s);
        if (rc)
            return rc;
        if (s->placed_now == placed)
            break;
    }
    return MU_OK;
}

/* The next instant anything can happen, INT64_MAX when nothing can. */
static int64_t next_instant(struct sim *s)
{
    int64_t t = MU_MIN(next_arrival(s), s->nev ? s->ev[0].t : INT64_MAX);
    int64_t d;

    if (!s->gt)
        return t;
    d = s->gdeadline = gang_next_deadline(s->gt, s->pol);
    if (d == INT64_MAX)
        return t;
    if (d <= s->now)
        d = s->now + 1000;   /* a deadline already handled: look later */
    if (d < t) {
        /* Only gang timers left and they keep placing nothing: stop. */
        if (t == INT64_MAX && s->idle_rounds >= SIM_IDLE_ROUNDS)
            return INT64_MAX;
        return d;
    }
    return t;
}

/* Jobs whose pods were bound this instant: partly placed ones count. */
static void check_partial(struct sim *s)
{
    while (s->touched) {
        struct sim_job *j = s->touched;

        s->touched = j->next_touched;
        j->touched = false;
        if (!j->running && j->bound > 0 && !j->partial) {
            j->partial = true;
            s->sum.partial_jobs++;
        }
    }
}

static int instant(struct sim *s)
{
    int rc;

    s->placed_now = 0;
    completions(s);
    rc = arrivals(s);
    if (rc)
        return rc;
    if (s->released)
        simq_unpark_all(s);
    s->released = false;
    rc = simq_run(s);
    /* The tick only matters to gangs not yet running, and to deadlines;
     * skipping it otherwise spares a pass over every pod (gang.c scans
     * the cluster once per generation). */
    if (rc == MU_OK && s->gt && (s->gangs_waiting || s->now >= s->gdeadline))
        rc = tick_phase(s);
    check_partial(s);
    s->idle_rounds = s->placed_now ? 0 : s->idle_rounds + 1;
    simr_timeline(s);
    return rc;
}

static int sim_loop(struct sim *s)
{
    int64_t t;
    int rc = MU_OK;

    while (rc == MU_OK && (t = next_instant(s)) != INT64_MAX) {
        simr_advance(s, t);
        s->now = t;
        rc = instant(s);
        simr_progress(s, false);
    }
    return rc;
}

/* ---- set-up ---- */

static int node_cmp(const void *a, const void *b)
{
    return strcmp((*(struct node_info *const *)a)->name,
                  (*(struct node_info *const *)b)->name);
}

/* Pods of the snapshot that are bound keep their usage for the whole run
 * (background load); pending ones are not part of the trace: dropped. */
static void drop_pending(struct sim *s)
{
    size_t it = 0, n = 0, cap = 0;
    char **uids = NULL;
    struct pod *p;

    while ((p = cluster_pod_next(s->c, &it))) {
        if (pod_counts(p))
            continue;
        uids = xgrow(uids, &cap, n + 1, sizeof(*uids));
        uids[n++] = xstrdup(p->uid);
    }
    for (size_t i = 0; i < n; i++) {
        cluster_pod_del(s->c, uids[i]);
        free(uids[i]);
    }
    free(uids);
}

static void nodes_init(struct sim *s)
{
    size_t it = 0, n = 0;
    struct node_info *nd;

    s->nnodes = cluster_node_count(s->c);
    s->nodes = xcalloc(s->nnodes + 1, sizeof(*s->nodes));
    while ((nd = cluster_node_next(s->c, &it)) && n < s->nnodes)
        s->nodes[n++] = nd;
    s->nnodes = n;
    qsort(s->nodes, n, sizeof(*s->nodes), node_cmp);
    s->views = xcalloc(n + 1, sizeof(*s->views));
    s->fe = xcalloc(n + 1, sizeof(*s->fe));
    s->scores = xcalloc(n + 1, sizeof(*s->scores));
    s->scratch = xcalloc((n + 1) * RES_MAX, sizeof(*s->scratch));
    s->usage = xcalloc(n + 1, sizeof(*s->usage));
    for (size_t i = 0; i < n; i++) {
        simr_node_gpus(s, s->nodes[i], INT64_MIN);
    }
}

static bool policy_gangs(const struct policy *pol)
{
    for (size_t i = 0; i < pol->nfilters; i++) {
        if (strcmp(pol->filters[i].plugin->name, "gang") == 0)
            return true;
    }
    return false;
}

/* The scale applied to inter-arrival gaps: --time-scale, or the one that
 * makes the offered GPU load (GPU-seconds asked / GPU-seconds available
 * over the arrival span) equal --load. */
static int scale_init(struct sim *s)
{
    double span = (double)(s->ts.last_ms - s->ts.first_ms) / 1000.0;

    s->scale = s->o->time_scale > 0 ? s->o->time_scale : 1.0;
    if (s->o->load <= 0)
        return MU_OK;
    if (span <= 0 || s->gpu_total <= 0 || s->ts.gpu_seconds <= 0) {
        snprintf(s->err, s->errlen, "--load: cannot target a load: %s",
                 span <= 0 ? "every job arrives at the same time" :
                 s->gpu_total <= 0 ? "the cluster has no GPUs" :
                                     "the trace asks for no GPU time");
        return MU_EINVAL;
    }
    s->scale = s->ts.gpu_seconds / ((double)s->gpu_total * span *
                                    s->o->load);
    return MU_OK;
}

static int inputs_load(struct sim *s)
{
    const struct sim_opts *o = s->o;
    int rc;

    rc = policy_load(o->policy_path, &s->pol, s->err, s->errlen);
    if (rc == MU_OK)
        rc = snapshot_load(o->cluster_path, &s->c, s->err, s->errlen);
    if (rc == MU_OK) {
        /* One process, one thread: the simulator is its own cluster's
         * only writer and reader and holds the lock for the whole run. */
        cluster_wrlock(s->c);
        s->locked = true;
    }
    if (rc == MU_OK && cluster_node_count(s->c) == 0) {
        snprintf(s->err, s->errlen, "%s: the cluster has no nodes",
                 o->cluster_path);
        rc = MU_EINVAL;
    }
    if (rc == MU_OK)
        rc = trace_scan(o->trace_path, o->skip_bad, &s->ts, s->err,
                        s->errlen);
    if (rc == MU_OK && s->ts.bad && !o->quiet)
        fprintf(stderr, "muster simulate: skipping %llu bad lines; the "
                "first: %s\n", (unsigned long long)s->ts.bad, s->err);
    return rc;
}

static int sim_setup(struct sim *s)
{
    int rc = inputs_load(s);

    if (rc)
        return rc;
    s->err[0] = '\0';
    s->gpu = res_intern("nvidia.com/gpu", strlen("nvidia.com/gpu"));
    MU_ASSERT(s->gpu >= 0);
    drop_pending(s);
    nodes_init(s);
    if (policy_gangs(s->pol))
        s->gt = gang_table_new();
    strmap_init(&s->pods);
    simq_init(s);
    rc = scale_init(s);
    if (rc == MU_OK)
        rc = trace_open(s->o->trace_path, &s->tr, s->err, s->errlen);
    if (rc == MU_OK)
        rc = read_next(s);
    s->first_t = s->last_t = next_arrival(s) == INT64_MAX ? 0
                                                          : next_arrival(s);
    s->now = s->first_t;
    s->gdeadline = INT64_MAX;
    if (rc == MU_OK)
        rc = simr_open(s);
    return rc;
}

static void sim_teardown(struct sim *s)
{
    for (size_t i = 0; i < s->nlive; i++) {
        free(s->live[i]->pods);
        free(s->live[i]);
    }
    free(s->live);
    simq_fini(s);
    strmap_fini(&s->pods);
    gang_table_free(s->gt);
    trace_reader_free(s->tr);
    trace_stats_fini(&s->ts);
    free(s->ev);
    free(s->nodes);
    free(s->views);
    free(s->fe);
    free(s->scores);
    free(s->scratch);
    free(s->usage);
    quantile_fini(&s->jct_q);
    quantile_fini(&s->wait_q);
    if (s->locked)
        cluster_unlock(s->c);
    cluster_free(s->c);
    policy_free(s->pol);
}

static int job_seq_cmp(const void *a, const void *b)
{
    const struct sim_job *x = *(struct sim_job *const *)a;
    const struct sim_job *y = *(struct sim_job *const *)b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Jobs still pending or running at the end, in trace order. */
static void report_unfinished(struct sim *s)
{
    if (s->nlive > 1)
        qsort(s->live, s->nlive, sizeof(*s->live), job_seq_cmp);
    for (size_t i = 0; i < s->nlive; i++)
        simr_job(s, s->live[i]);
    s->sum.unfinished = s->nlive;
}

int sim_run(const struct sim_opts *o, struct sim_summary *sum, char *err,
            size_t errlen)
{
    struct sim s = {0};
    int rc;

    s.o = o;
    s.err = err;
    s.errlen = errlen;
    err[0] = '\0';
    quantile_init(&s.jct_q);
    quantile_init(&s.wait_q);
    s.wall0 = simr_wall();
    rc = sim_setup(&s);
    if (rc == MU_OK) {
        /* Nobody reads per-node failure texts here. */
        bool was = filter_set_quiet(true);

        rc = sim_loop(&s);
        filter_set_quiet(was);
    }
    if (rc == MU_OK) {
        report_unfinished(&s);
        simr_finish(&s);
        simr_progress(&s, true);
        rc = simr_summary_json(&s);
        *sum = s.sum;
    }
    simr_close(&s);
    sim_teardown(&s);
    return rc;
}
