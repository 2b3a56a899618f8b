/* test_sim_sim.c - the simulator on hand-computed cases (FIFO on one node,
 * a gang waiting for a release, the baseline's partial-placement deadlock
 * that gangs avoid), invariants on every run (no node over-committed,
 * recomputed from pods.csv; every job that fits completes; GPU-seconds
 * conserved), determinism and malformed inputs. */
#include "common.h"
#include "sim/sim.h"
#include "sim/gen_cluster.h"
#include "util/buf.h"
#include "util/log.h"

#include <criterion/criterion.h>
#include <math.h>
#include <unistd.h>

#define GANG_POLICY "policies/gang-topology.json"
#define BASE_POLICY "policies/kube-default.json"

struct run {
    char dir[64];
    char cluster[96], trace[96];
    struct sim_summary sum;
    int rc;
    char err[512];
    int64_t node_gpus, node_cpu, node_mem;
};

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "w");

    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(text, 1, n, f), n);
    fclose(f);
}

/* A directory with a generated cluster of `nodes` x 8 GPUs (64 cores,
 * 512Gi each; 2 nodes per rack) and the trace text. */
static void run_setup(struct run *r, uint32_t nodes, const char *trace)
{
    struct gen_opts o;
    struct buf b;

    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "/tmp/mu-sim-XXXXXX");
    cr_assert(mkdtemp(r->dir));
    snprintf(r->cluster, sizeof(r->cluster), "%s/cluster.json", r->dir);
    snprintf(r->trace, sizeof(r->trace), "%s/t.csv", r->dir);
    gen_opts_init(&o);
    o.nodes = nodes;
    o.racks = (nodes + 1) / 2;
    buf_init(&b, BUF_UNLIMITED);
    cr_assert_eq(gen_cluster(&o, &b), MU_OK);
    write_file(r->cluster, b.data, b.len);
    buf_fini(&b);
    write_file(r->trace, trace, strlen(trace));
    r->node_gpus = o.gpus_per_node;
    r->node_cpu = o.cpu_milli;
    r->node_mem = o.memory_bytes;
    log_set_level("error");
}

static void run_sim(struct run *r, const char *policy, bool skip_bad)
{
    struct sim_opts o = {
        .cluster_path = r->cluster, .trace_path = r->trace,
        .policy_path = policy, .out_dir = r->dir, .quiet = true,
        .skip_bad = skip_bad,
    };

    r->rc = sim_run(&o, &r->sum, r->err, sizeof(r->err));
}

static char *slurp(const char *dir, const char *name)
{
    char path[160], *text;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    cr_assert(f, "no %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = calloc(1, (size_t)n + 1);
    cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

/* The jobs.csv line of job id (without the trailing newline). */
static void job_line(const struct run *r, const char *id, char *dst,
                     size_t cap)
{
    char *text = slurp(r->dir, "jobs.csv"), *p = text, want[64];

    snprintf(want, sizeof(want), "\n%s,", id);
    p = strstr(p, want);
    cr_assert(p, "job %s not in jobs.csv:\n%s", id, text);
    p++;
    snprintf(dst, cap, "%.*s", (int)strcspn(p, "\n"), p);
    free(text);
}

/* "state,submit,start,end,wait,jct" of a job. */
static void expect_job(const struct run *r, const char *id,
                       const char *times)
{
    char line[512], got[256];
    const char *p;

    job_line(r, id, line, sizeof(line));
    p = strchr(strchr(line, ',') + 1, ',') + 1;   /* after id,queue, */
    snprintf(got, sizeof(got), "%s", p);
    for (int i = 0, commas = 0; got[i]; i++) {
        if (got[i] == ',' && ++commas == 6) {
            got[i] = '\0';
            break;
        }
    }
    cr_assert_str_eq(got, times, "job %s", id);
}

/* ---- invariants ---- */

struct prow {
    char job[32], node[32];
    double bind, release;   /* release INFINITY when still running */
    int64_t gpus, cpu, mem;
};

static size_t read_pods(const struct run *r, struct prow *rows, size_t max)
{
    char *text = slurp(r->dir, "pods.csv"), *line, *save = NULL;
    size_t n = 0;

    line = strtok_r(text, "\n", &save);   /* header */
    while ((line = strtok_r(NULL, "\n", &save))) {
        char rel[32] = "";
        long long g, c, m;
        struct prow *p = &rows[n];

        cr_assert_lt(n, max);
        /* job,pod,node,bind,release,gpus,cpu,mem; release may be empty */
        cr_assert(sscanf(line, "%31[^,],%*[^,],%31[^,],%lf,%31[^,],%lld,%lld"
                         ",%lld", p->job, p->node, &p->bind, rel, &g, &c,
                         &m) == 7 ||
                  sscanf(line, "%31[^,],%*[^,],%31[^,],%lf,,%lld,%lld,%lld",
                         p->job, p->node, &p->bind, &g, &c, &m) == 6,
                  "bad pods.csv line %s", line);
        p->release = rel[0] ? strtod(rel, NULL) : INFINITY;
        p->gpus = g;
        p->cpu = c;
        p->mem = m;
        n++;
    }
    free(text);
    return n;
}

/* No node ever holds more than it has: at every bind instant, the pods
 * active on that node fit its allocatable. */
static void check_no_overcommit(const struct run *r, const struct prow *p,
                                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t g = 0, c = 0, m = 0;

        for (size_t k = 0; k < n; k++) {
            if (strcmp(p[k].node, p[i].node) || p[k].bind > p[i].bind ||
                p[k].release <= p[i].bind)
                continue;
            g += p[k].gpus;
            c += p[k].cpu;
            m += p[k].mem;
        }
        cr_assert_leq(g, r->node_gpus, "node %s GPUs over-committed at %.3f",
                      p[i].node, p[i].bind);
        cr_assert_leq(c, r->node_cpu, "node %s cpu over-committed",
                      p[i].node);
        cr_assert_leq(m, r->node_mem, "node %s memory over-committed",
                      p[i].node);
    }
}

/* Busy GPU-seconds from the rows (pods of finished jobs from the job's
 * start: a pod bound before it held its GPU idle) equal the run's. */
static void check_conservation(const struct run *r, const struct prow *p,
                               size_t n)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++) {
        char line[512];
        double start;
        const char *q;

        if (isinf(p[i].release))
            continue;
        job_line(r, p[i].job, line, sizeof(line));
        q = line;
        for (int k = 0; k < 4; k++)   /* id,queue,state,submit, */
            q = strchr(q, ',') + 1;
        start = strtod(q, NULL);
        sum += (double)p[i].gpus * (p[i].release - fmax(start, p[i].bind));
    }
    cr_assert(fabs(sum - r->sum.job_gpu_seconds) < 1e-3, "pods.csv %.3f vs "
              "jobs %.3f", sum, r->sum.job_gpu_seconds);
    cr_assert(fabs(r->sum.busy_gpu_seconds - r->sum.job_gpu_seconds) < 1e-3,
              "timeline %.3f vs jobs %.3f GPU-seconds",
              r->sum.busy_gpu_seconds, r->sum.job_gpu_seconds);
}

static void check_invariants(const struct run *r, bool all_complete)
{
    static struct prow rows[4096];
    size_t n;

    cr_assert_eq(r->rc, MU_OK, "%s", r->err);
    n = read_pods(r, rows, 4096);
    check_no_overcommit(r, rows, n);
    check_conservation(r, rows, n);
    if (all_complete) {
        cr_assert_eq(r->sum.completed, r->sum.jobs);
        cr_assert_eq(r->sum.unfinished, 0);
    }
}

static void run_cleanup(struct run *r)
{
    const char *files[] = {"jobs.csv", "pods.csv", "timeline.csv",
                           "summary.json", "cluster.json", "t.csv"};
    char path[160];

    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", r->dir, files[i]);
        unlink(path);
    }
    rmdir(r->dir);
}

#define HDR "job_id,submit_time,num_pods,gpus_per_pod,duration\n"

/* One 8-GPU node. a holds it 0..100; b (4 GPUs, 10) and c (4, 20) start
 * together when it frees, in submit order; d (2, 30) fits only when c
 * ends at 130. */
Test(sim, fifo_on_one_node_gives_hand_computed_times)
{
    struct run r;

    run_setup(&r, 1, HDR "a,0,1,8,100\nb,10,1,4,50\nc,20,1,4,30\n"
                         "d,30,1,2,10\n");
    run_sim(&r, BASE_POLICY, false);
    check_invariants(&r, true);
    expect_job(&r, "a", "done,0.000,0.000,100.000,0.000,100.000");
    expect_job(&r, "b", "done,10.000,100.000,150.000,90.000,140.000");
    expect_job(&r, "c", "done,20.000,100.000,130.000,80.000,110.000");
    expect_job(&r, "d", "done,30.000,130.000,140.000,100.000,110.000");
    cr_assert(fabs(r.sum.makespan - 150) < 1e-9);
    cr_assert(fabs(r.sum.wait_mean - 67.5) < 1e-9);
    cr_assert(fabs(r.sum.jct_p50 - 110) < 1e-9);
    cr_assert(fabs(r.sum.jct_p99 - 140) < 1e-9);
    cr_assert(r.sum.pct_exact, "4 jobs: the percentiles are exact");
    /* GPU-seconds: 8*100 + 4*50 + 4*30 + 2*10 = 1140 over 8 x 150. */
    cr_assert(fabs(r.sum.busy_gpu_seconds - 1140) < 1e-9);
    cr_assert(fabs(r.sum.gpu_util - 1140.0 / 1200.0) < 1e-9);
    run_cleanup(&r);
}

/* Two nodes; x holds one until 100. Gang g (2 x 8 GPUs at 10) waits for
 * the release and starts whole at 100; placed pod by pod, g-0 holds the
 * free node idle from 10 to 100 instead. */
Test(sim, gang_waits_for_release_and_baseline_holds_gpus_idle)
{
    struct run r;
    char *tl;

    run_setup(&r, 2, HDR "x,0,1,8,100\ng,10,2,8,50\n");
    run_sim(&r, GANG_POLICY, false);
    check_invariants(&r, true);
    cr_assert(r.sum.gang);
    expect_job(&r, "g", "done,10.000,100.000,150.000,90.000,140.000");
    cr_assert_eq(r.sum.partial_jobs, 0);
    tl = slurp(r.dir, "timeline.csv");
    cr_assert(strstr(tl, "10.000,8,0,1,1\n"), "%s", tl);   /* nothing held */
    free(tl);
    run_cleanup(&r);

    run_setup(&r, 2, HDR "x,0,1,8,100\ng,10,2,8,50\n");
    run_sim(&r, BASE_POLICY, false);
    check_invariants(&r, true);
    cr_assert_not(r.sum.gang);
    expect_job(&r, "g", "done,10.000,100.000,150.000,90.000,140.000");
    cr_assert_eq(r.sum.partial_jobs, 1);
    tl = slurp(r.dir, "timeline.csv");
    cr_assert(strstr(tl, "10.000,16,8,1,1\n"), "%s", tl);  /* g-0 idle */
    free(tl);
    /* The idle 8 GPUs x 90 s count as allocated, not as busy. */
    cr_assert(r.sum.gpu_alloc > r.sum.gpu_util + 0.2);
    run_cleanup(&r);
}

/* Two nodes. When x ends at 10, B (priority 10) takes the free node
 * first: pod by pod, A holds one node and B the other and neither can
 * ever run. Gang scheduling runs B whole at 10 and A at 110. */
Test(sim, baseline_deadlocks_where_gangs_do_not)
{
    const char *trace = "job_id,submit_time,num_pods,gpus_per_pod,duration,"
                        "priority\nx,0,1,8,10,0\nA,1,2,8,100,0\n"
                        "B,5,2,8,100,10\n";
    struct run r;

    run_setup(&r, 2, trace);
    run_sim(&r, BASE_POLICY, false);
    check_invariants(&r, false);
    cr_assert_eq(r.sum.completed, 1);
    cr_assert_eq(r.sum.unfinished, 2);
    cr_assert_eq(r.sum.partial_jobs, 2);
    expect_job(&r, "A", "pending,1.000,,,,");
    expect_job(&r, "B", "pending,5.000,,,,");
    run_cleanup(&r);

    run_setup(&r, 2, trace);
    run_sim(&r, GANG_POLICY, false);
    check_invariants(&r, true);
    cr_assert_eq(r.sum.partial_jobs, 0);
    expect_job(&r, "B", "done,5.000,10.000,110.000,5.000,105.000");
    expect_job(&r, "A", "done,1.000,110.000,210.000,109.000,209.000");
    run_cleanup(&r);
}

/* A pseudo-random trace (fixed seed): single pods under the baseline,
 * gangs of up to 4 x 8 GPUs under the gang policy, on 8 nodes. */
static void random_trace(char *dst, size_t cap, bool gangs)
{
    uint64_t x = 42;
    size_t n = (size_t)snprintf(dst, cap, "job_id,submit_time,num_pods,"
                                "gpus_per_pod,duration,cpu_per_pod,"
                                "memory_per_pod,priority\n");

    for (int i = 0; i < 300 && n < cap; i++) {
        uint64_t r;
        int pods = 1, g;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        r = x;
        g = 1 << (r % 4);
        if (gangs && r % 7 == 0) {
            pods = 2 + (int)(r / 7 % 3);
            g = 8;
        }
        n += (size_t)snprintf(dst + n, cap - n, "j%d,%d,%d,%d,%d,%d,%dGi,%d\n",
                              i, i * 13, pods, g, 30 + (int)(r / 11 % 600),
                              g * 7, g * 60, (int)(r / 13 % 3));
    }
}

Test(sim, invariants_hold_on_random_traces_under_both_policies)
{
    static char trace[64 * 1024];
    struct run r;

    random_trace(trace, sizeof(trace), false);
    run_setup(&r, 8, trace);
    run_sim(&r, BASE_POLICY, false);
    check_invariants(&r, true);
    cr_assert_eq(r.sum.partial_jobs, 0);
    run_cleanup(&r);

    random_trace(trace, sizeof(trace), true);
    run_setup(&r, 8, trace);
    run_sim(&r, GANG_POLICY, false);
    check_invariants(&r, true);
    cr_assert_eq(r.sum.partial_jobs, 0, "gangs must never run partly");
    run_cleanup(&r);
}

Test(sim, same_inputs_give_byte_identical_outputs)
{
    static char trace[64 * 1024];
    const char *files[] = {"jobs.csv", "pods.csv", "timeline.csv",
                           "summary.json"};
    char *first[4];
    struct run r;

    random_trace(trace, sizeof(trace), true);
    run_setup(&r, 8, trace);
    run_sim(&r, GANG_POLICY, false);
    cr_assert_eq(r.rc, MU_OK, "%s", r.err);
    for (int i = 0; i < 4; i++)
        first[i] = slurp(r.dir, files[i]);
    run_sim(&r, GANG_POLICY, false);
    cr_assert_eq(r.rc, MU_OK, "%s", r.err);
    for (int i = 0; i < 4; i++) {
        char *again = slurp(r.dir, files[i]);

        cr_assert_str_eq(again, first[i], "%s differs", files[i]);
        free(again);
        free(first[i]);
    }
    run_cleanup(&r);
}

Test(sim, bad_trace_line_stops_the_run_or_is_skipped)
{
    struct run r;

    run_setup(&r, 1, HDR "a,0,1,8,100\nb,5,1,9x,1\nc,6,1,1,1\n");
    run_sim(&r, BASE_POLICY, false);
    cr_assert_eq(r.rc, MU_EINVAL);
    cr_assert(strstr(r.err, "t.csv:3: gpus_per_pod: \"9x\""), "%s", r.err);
    run_sim(&r, BASE_POLICY, true);
    cr_assert_eq(r.rc, MU_OK, "%s", r.err);
    cr_assert_eq(r.sum.skipped_lines, 1);
    cr_assert_eq(r.sum.completed, 2);
    run_cleanup(&r);
}

Test(sim, job_that_can_never_fit_is_reported_unfinished)
{
    struct run r;

    run_setup(&r, 1, HDR "big,0,1,16,10\nok,1,1,8,10\n");
    run_sim(&r, BASE_POLICY, false);
    check_invariants(&r, false);
    cr_assert_eq(r.sum.completed, 1);
    cr_assert_eq(r.sum.unfinished, 1);
    expect_job(&r, "big", "pending,0.000,,,,");
    run_cleanup(&r);
}

Test(sim, malformed_cluster_is_a_clear_error)
{
    struct run r;

    run_setup(&r, 1, HDR "a,0,1,8,100\n");
    write_file(r.cluster, "{\"kind\": \"List\", \"items\": [{\"kind\": "
               "\"Node\", \"metadata\": 7}]}", 58);
    run_sim(&r, BASE_POLICY, false);
    cr_assert_neq(r.rc, MU_OK);
    cr_assert(strstr(r.err, "cluster.json"), "%s", r.err);
    run_cleanup(&r);
}

Test(sim, load_scales_arrivals)
{
    struct run r;
    struct sim_opts o = {0};

    /* 2 jobs x 8 GPU x 100 s = 1600 GPU-s over a 100 s span on 8 GPUs is
     * a load of 2; --load 1 must stretch the gaps by 2. */
    run_setup(&r, 1, HDR "a,0,1,8,100\nb,100,1,8,100\n");
    o = (struct sim_opts){.cluster_path = r.cluster, .trace_path = r.trace,
                          .policy_path = BASE_POLICY, .out_dir = r.dir,
                          .quiet = true, .load = 1.0};
    cr_assert_eq(sim_run(&o, &r.sum, r.err, sizeof(r.err)), MU_OK, "%s",
                 r.err);
    cr_assert(fabs(r.sum.time_scale - 2.0) < 1e-9);
    expect_job(&r, "b", "done,200.000,200.000,300.000,0.000,100.000");
    run_cleanup(&r);
}
