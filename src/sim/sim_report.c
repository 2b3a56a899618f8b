/* sim_report.c - what a simulation reports: the time integrals (GPU use,
 * idle reservations, fragmentation), jobs.csv, pods.csv, timeline.csv,
 * summary.json, the summary table and the progress bar. */
#include "common.h"
#include "sim/sim_int.h"
#include "queue/reserve.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RACK_LABEL "topology.muster.dev/rack"
#define ZONE_LABEL "topology.kubernetes.io/zone"

double simr_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds with milliseconds, exactly: "12.345". */
static void put_ms(FILE *f, int64_t ms)
{
    fprintf(f, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
}

/* ---- files ---- */

static FILE *out_open(struct sim *s, const char *name, const char *header)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", s->o->out_dir, name);
    f = fopen(path, "w");
    if (!f) {
        snprintf(s->err, s->errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    fputs(header, f);
    return f;
}

int simr_open(struct sim *s)
{
    s->progress = !s->o->quiet && isatty(STDERR_FILENO);
    s->row[0] = -1;
    if (!s->o->out_dir)
        return MU_OK;
    if (mkdir(s->o->out_dir, 0777) && errno != EEXIST) {
        snprintf(s->err, s->errlen, "--out %s: %s", s->o->out_dir,
                 strerror(errno));
        return MU_EIO;
    }
    s->jobs_csv = out_open(s, "jobs.csv", "job_id,queue,state,submit,start,"
                           "end,wait,jct,num_pods,min_member,gpus_per_pod,"
                           "pods_bound,partial,nodes,racks,zones,node_list\n");
    if (s->jobs_csv)
        s->pods_csv = out_open(s, "pods.csv", "job_id,pod,node,bind,"
                               "release,gpus,cpu_milli,memory\n");
    if (s->pods_csv)
        s->timeline_csv = out_open(s, "timeline.csv", "time,gpus_allocated,"
                                   "gpus_idle_reserved,pending_jobs,"
                                   "running_jobs\n");
    return s->timeline_csv ? MU_OK : MU_EIO;
}

void simr_close(struct sim *s)
{
    if (s->jobs_csv)
        fclose(s->jobs_csv);
    if (s->pods_csv)
        fclose(s->pods_csv);
    if (s->timeline_csv)
        fclose(s->timeline_csv);
    s->jobs_csv = s->pods_csv = s->timeline_csv = NULL;
}

/* ---- integrals ---- */

/* Nodes whose free GPUs a pod could use: Ready, not cordoned, without a
 * NoSchedule or NoExecute taint. */
static bool node_usable(const struct node_info *n)
{
    if (!n->ready || n->unschedulable)
        return false;
    for (uint32_t i = 0; i < n->ntaints; i++) {
        if (n->taints[i].effect != EFFECT_PREFER_NO_SCHEDULE)
            return false;
    }
    return true;
}

static int64_t frag_of(const struct sim *s, int64_t free_gpus)
{
    return free_gpus > 0 && free_gpus < s->ts.median_gpus ? free_gpus : 0;
}

void simr_node_gpus(struct sim *s, const struct node_info *n, int64_t before)
{
    int64_t fa = n->alloc[s->gpu] - n->used[s->gpu], fb;

    if (!node_usable(n) || n->alloc[s->gpu] <= 0)
        return;
    fa = MU_MAX(fa, 0);
    if (before == INT64_MIN) {   /* the node's first appearance */
        s->gpu_total += n->alloc[s->gpu];
        s->free_gpus += fa;
        s->frag += frag_of(s, fa);
        return;
    }
    fb = MU_MAX(n->alloc[s->gpu] - before, 0);
    s->free_gpus += fa - fb;
    s->frag += frag_of(s, fa) - frag_of(s, fb);
}

void simr_advance(struct sim *s, int64_t t)
{
    int64_t dt = t - s->last_t;

    if (dt <= 0)
        return;
    s->i_busy += (double)s->gpu_busy * (double)dt;
    s->i_alloc += (double)s->gpu_alloc * (double)dt;
    s->i_frag += (double)s->frag * (double)dt;
    s->i_free += (double)s->free_gpus * (double)dt;
    s->last_t = t;
}

static int64_t reserved_gpus(const struct sim *s)
{
    int64_t tot[RES_MAX] = {0};

    if (!s->gt)
        return 0;
    reserve_totals(gang_reserve(s->gt), tot);
    return tot[s->gpu];
}

void simr_timeline(struct sim *s)
{
    int64_t row[4] = {
        s->gpu_alloc, s->gpu_alloc - s->gpu_busy + reserved_gpus(s),
        (int64_t)s->pending_jobs, (int64_t)s->running_jobs,
    };

    if (!s->timeline_csv || memcmp(row, s->row, sizeof(row)) == 0)
        return;
    memcpy(s->row, row, sizeof(row));
    put_ms(s->timeline_csv, s->now);
    fprintf(s->timeline_csv, ",%lld,%lld,%lld,%lld\n", (long long)row[0],
            (long long)row[1], (long long)row[2], (long long)row[3]);
}

/* ---- jobs ---- */

static int i32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

    return x < y ? -1 : x > y;
}

/* Distinct values of label key over the nodes (a missing label counts
 * as one value of its own). */
static size_t distinct_label(const struct sim *s, const int32_t *ni,
                             size_t n, const char *key)
{
    size_t d = 0;

    for (size_t i = 0; i < n; i++) {
        const char *v = labels_get(&s->nodes[ni[i]]->labels, key);
        bool seen = false;

        for (size_t k = 0; k < i && !seen; k++) {
            const char *w = labels_get(&s->nodes[ni[k]]->labels, key);

            seen = (v == NULL && w == NULL) || (v && w && !strcmp(v, w));
        }
        d += !seen;
    }
    return d;
}

/* The distinct nodes of the job's bound pods, in name order. */
static size_t job_nodes(const struct sim_job *j, int32_t *ni)
{
    size_t n = 0, d = 0;

    for (uint32_t i = 0; i < j->t.num_pods; i++) {
        if (j->pods[i].node >= 0)
            ni[n++] = j->pods[i].node;
    }
    qsort(ni, n, sizeof(*ni), i32_cmp);
    for (size_t i = 0; i < n; i++) {
        if (d == 0 || ni[d - 1] != ni[i])
            ni[d++] = ni[i];
    }
    return d;
}

static void job_row(struct sim *s, const struct sim_job *j, const int32_t *ni,
                    size_t nn)
{
    FILE *f = s->jobs_csv;
    const char *state = j->done ? "done" : j->running ? "running" : "pending";

    fprintf(f, "%s,%s,%s,", j->t.id, j->t.queue, state);
    put_ms(f, j->submit_ms);
    fputc(',', f);
    if (j->start_ms >= 0)
        put_ms(f, j->start_ms);
    fputc(',', f);
    if (j->done)
        put_ms(f, j->end_ms);
    fputc(',', f);
    if (j->start_ms >= 0)
        put_ms(f, j->start_ms - j->submit_ms);
    fputc(',', f);
    if (j->done)
        put_ms(f, j->end_ms - j->submit_ms);
    fprintf(f, ",%u,%u,%lld,%u,%d,%zu,%zu,%zu,", j->t.num_pods,
            j->t.min_member, (long long)j->t.gpus_per_pod, j->bound,
            j->partial, nn, distinct_label(s, ni, nn, RACK_LABEL),
            distinct_label(s, ni, nn, ZONE_LABEL));
    for (size_t i = 0; i < nn; i++)
        fprintf(f, "%s%s", i ? ";" : "", s->nodes[ni[i]]->name);
    fputc('\n', f);
}

static void pod_rows(struct sim *s, const struct sim_job *j)
{
    for (uint32_t i = 0; i < j->t.num_pods; i++) {
        const struct sim_pod *p = &j->pods[i];

        if (p->node < 0)
            continue;
        fprintf(s->pods_csv, "%s,%s-%u,%s,", j->t.id, j->t.id, p->idx,
                s->nodes[p->node]->name);
        put_ms(s->pods_csv, p->bind_ms);
        fputc(',', s->pods_csv);
        if (j->done)
            put_ms(s->pods_csv, j->end_ms);
        fprintf(s->pods_csv, ",%lld,%lld,%lld\n",
                (long long)j->t.gpus_per_pod, (long long)j->t.cpu_milli,
                (long long)j->t.memory);
    }
}

/* GPU time the job's pods spent running (from the later of the job's
 * start and the pod's bind): the timeline's busy integral must add up to
 * the sum of these. */
static double job_gpu_ms(const struct sim_job *j)
{
    double ms = 0;

    for (uint32_t i = 0; i < j->t.num_pods; i++) {
        const struct sim_pod *p = &j->pods[i];

        if (p->node >= 0)
            ms += (double)j->t.gpus_per_pod *
                  (double)(j->end_ms - MU_MAX(j->start_ms, p->bind_ms));
    }
    return ms;
}

void simr_job(struct sim *s, const struct sim_job *j)
{
    int32_t *ni;
    size_t nn;

    if (j->done) {
        quantile_add(&s->jct_q, j->end_ms - j->submit_ms);
        quantile_add(&s->wait_q, j->start_ms - j->submit_ms);
        s->sum.job_gpu_seconds += job_gpu_ms(j) / 1000.0;
    }
    if (!s->jobs_csv)
        return;
    ni = xcalloc(j->t.num_pods + 1, sizeof(*ni));
    nn = job_nodes(j, ni);
    job_row(s, j, ni, nn);
    pod_rows(s, j);
    free(ni);
}

/* ---- summary ---- */

/* Mean and nearest-rank percentiles, in seconds. */
static void dist(struct quantile *q, double *mean, double *p50,
                 double *p95, double *p99)
{
    *mean = quantile_mean(q) / 1000.0;
    *p50 = (double)quantile_get(q, 0.50) / 1000.0;
    *p95 = (double)quantile_get(q, 0.95) / 1000.0;
    *p99 = (double)quantile_get(q, 0.99) / 1000.0;
}

void simr_finish(struct sim *s)
{
    struct sim_summary *m = &s->sum;
    double span = (double)(s->last_t - s->first_t);

    dist(&s->jct_q, &m->jct_mean, &m->jct_p50, &m->jct_p95, &m->jct_p99);
    dist(&s->wait_q, &m->wait_mean, &m->wait_p50, &m->wait_p95,
         &m->wait_p99);
    m->pct_exact = quantile_exact(&s->jct_q) && quantile_exact(&s->wait_q);
    m->makespan = span / 1000.0;
    m->busy_gpu_seconds = s->i_busy / 1000.0;
    if (span > 0 && s->gpu_total > 0) {
        m->gpu_util = s->i_busy / ((double)s->gpu_total * span);
        m->gpu_alloc = s->i_alloc / ((double)s->gpu_total * span);
    }
    if (span > 0) {
        m->frag_gpus = s->i_frag / span;
        m->frag_share = s->i_free > 0 ? s->i_frag / s->i_free : 0;
    }
    m->skipped_lines = s->ts.bad;
    m->time_scale = s->scale;
    m->cluster_gpus = s->gpu_total;
    m->nodes = s->nnodes;
    m->median_gpus = s->ts.median_gpus;
    m->gang = s->gt != NULL;
    snprintf(m->policy, sizeof(m->policy), "%s", s->o->policy_path);
    m->wall_s = simr_wall() - s->wall0;
    m->events_per_s = m->wall_s > 0 ? (double)m->events / m->wall_s : 0;
    m->jobs_per_s = m->wall_s > 0 ? (double)m->jobs / m->wall_s : 0;
}

int simr_summary_json(const struct sim *s)
{
    const struct sim_summary *m = &s->sum;
    FILE *f;

    if (!s->o->out_dir)
        return MU_OK;
    if (ferror(s->jobs_csv) || ferror(s->pods_csv) ||
        ferror(s->timeline_csv) || !(f = out_open((struct sim *)s,
                                                  "summary.json", ""))) {
        snprintf(s->err, s->errlen, "--out %s: write error",
                 s->o->out_dir);
        return MU_EIO;
    }
    fprintf(f, "{\n  \"policy\": \"%s\",\n  \"gang\": %s,\n", m->policy,
            m->gang ? "true" : "false");
    fprintf(f, "  \"nodes\": %zu,\n  \"gpus\": %lld,\n  \"time_scale\": "
            "%.6g,\n", m->nodes, (long long)m->cluster_gpus, m->time_scale);
    fprintf(f, "  \"jobs\": %llu,\n  \"completed\": %llu,\n  \"unfinished\":"
            " %llu,\n  \"skipped_lines\": %llu,\n",
            (unsigned long long)m->jobs, (unsigned long long)m->completed,
            (unsigned long long)m->unfinished,
            (unsigned long long)m->skipped_lines);
    fprintf(f, "  \"percentiles_exact\": %s,\n", m->pct_exact ? "true" :
            "false");
    fprintf(f, "  \"jct_s\": {\"mean\": %.3f, \"p50\": %.3f, \"p95\": %.3f,"
            " \"p99\": %.3f},\n", m->jct_mean, m->jct_p50, m->jct_p95,
            m->jct_p99);
    fprintf(f, "  \"wait_s\": {\"mean\": %.3f, \"p50\": %.3f, \"p95\": "
            "%.3f, \"p99\": %.3f},\n", m->wait_mean, m->wait_p50,
            m->wait_p95, m->wait_p99);
    fprintf(f, "  \"makespan_s\": %.3f,\n  \"gpu_utilisation\": %.6f,\n"
            "  \"gpu_allocated\": %.6f,\n  \"fragmented_gpus\": %.3f,\n"
            "  \"fragmented_share_of_free\": %.6f,\n  \"median_gpus_per_pod\""
            ": %lld,\n", m->makespan, m->gpu_util, m->gpu_alloc, m->frag_gpus,
            m->frag_share, (long long)m->median_gpus);
    fprintf(f, "  \"partial_placements\": %llu,\n  \"busy_gpu_seconds\": "
            "%.3f,\n  \"job_gpu_seconds\": %.3f,\n  \"pods_bound\": %llu,\n"
            "  \"cycles\": %llu,\n  \"events\": %llu\n}\n",
            (unsigned long long)m->partial_jobs, m->busy_gpu_seconds,
            m->job_gpu_seconds, (unsigned long long)m->pods_bound,
            (unsigned long long)m->cycles, (unsigned long long)m->events);
    if (fclose(f)) {
        snprintf(s->err, s->errlen, "%s/summary.json: %s", s->o->out_dir,
                 strerror(errno));
        return MU_EIO;
    }
    return MU_OK;
}

/* "3d04h05m06s" for a duration in seconds. */
static void fmt_dur(double secs, char *dst, size_t cap)
{
    long long t = (long long)secs;

    if (t >= 86400)
        snprintf(dst, cap, "%lldd%02lldh%02lldm", t / 86400, t % 86400 / 3600,
                 t % 3600 / 60);
    else if (t >= 3600)
        snprintf(dst, cap, "%lldh%02lldm%02llds", t / 3600, t % 3600 / 60,
                 t % 60);
    else
        snprintf(dst, cap, "%.1fs", secs);
}

void sim_summary_print(const struct sim_summary *m, FILE *out)
{
    char mk[32];

    fmt_dur(m->makespan, mk, sizeof(mk));
    fprintf(out, "policy           %s (%s)\n", m->policy,
            m->gang ? "gang scheduling" : "pods one by one");
    fprintf(out, "cluster          %zu nodes, %lld schedulable GPUs\n",
            m->nodes, (long long)m->cluster_gpus);
    fprintf(out, "jobs completed   %llu of %llu (%llu unfinished, %llu "
            "lines skipped)\n", (unsigned long long)m->completed,
            (unsigned long long)m->jobs, (unsigned long long)m->unfinished,
            (unsigned long long)m->skipped_lines);
    fprintf(out, "                 %10s %10s %10s %10s\n", "mean", "p50",
            "p95", "p99");
    fprintf(out, "JCT (s)          %10.1f %10.1f %10.1f %10.1f\n",
            m->jct_mean, m->jct_p50, m->jct_p95, m->jct_p99);
    fprintf(out, "queueing (s)     %10.1f %10.1f %10.1f %10.1f\n",
            m->wait_mean, m->wait_p50, m->wait_p95, m->wait_p99);
    if (!m->pct_exact)
        fprintf(out, "                 (percentiles within 0.1%%: over %u "
                "jobs finished)\n", QUANT_EXACT_MAX);
    fprintf(out, "makespan         %s (%.1f s; arrivals x %.4g)\n", mk,
            m->makespan, m->time_scale);
    fprintf(out, "GPU utilisation  %.1f%% busy, %.1f%% allocated "
            "(time-weighted)\n", 100 * m->gpu_util, 100 * m->gpu_alloc);
    fprintf(out, "fragmentation    %.1f GPUs (%.1f%% of free) on nodes that "
            "cannot fit a median pod (%lld GPUs)\n", m->frag_gpus,
            100 * m->frag_share, (long long)m->median_gpus);
    fprintf(out, "partial gangs    %llu jobs ran partly placed, holding "
            "GPUs idle\n", (unsigned long long)m->partial_jobs);
    fprintf(out, "wall time        %.2f s, %.0f events/s, %.0f jobs/s "
            "(%llu scheduling cycles)\n", m->wall_s, m->events_per_s,
            m->jobs_per_s, (unsigned long long)m->cycles);
}

/* ---- progress ---- */

void simr_progress(struct sim *s, bool final)
{
    double now, el, frac, eta;
    char vt[32];

    if (!s->progress)
        return;
    now = simr_wall();
    el = now - s->wall0;
    if (final) {
        if (s->last_draw > 0)
            fputc('\n', stderr);
        return;
    }
    if (el < 1.0 || now - s->last_draw < 0.2)
        return;
    s->last_draw = now;
    frac = s->ts.jobs ? (double)s->sum.completed / (double)s->ts.jobs : 0;
    eta = frac > 0 ? el * (1 - frac) / frac : 0;
    fmt_dur((double)(s->now - s->first_t) / 1000.0, vt, sizeof(vt));
    fprintf(stderr, "\r[%-30.*s] %3.0f%%  virtual %s  jobs %llu/%llu  "
            "ETA %.0fs ", (int)(frac * 30), "==============================",
            100 * frac, vt, (unsigned long long)s->sum.completed,
            (unsigned long long)s->ts.jobs, eta);
    fflush(stderr);
}
