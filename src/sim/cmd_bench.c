/* cmd_bench.c - `muster bench`: every policy on every trace through the
 * simulator in parallel worker processes, then results.csv, report.md,
 * report.html and the plots (src/report/). */
#include "common.h"
#include "cmd.h"
#include "cache/cluster.h"
#include "cache/snapshot.h"
#include "policy/policy.h"
#include "report/report.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_JOBS    256
#define BENCH_CMDLINE_MAX 65536

struct bench {
    struct sim_opts base; /* cluster, scale, load: shared */
    struct report rep;
    struct report_input traces[REPORT_MAX_TRACES];
    struct report_input policies[REPORT_MAX_POLICIES];
    uint64_t jobs; /* worker processes at once */
    char *cmdline;
};

/* What a worker sends back through its pipe: one write < PIPE_BUF. */
struct bench_msg {
    int rc;
    char err[512];
    struct sim_summary sum;
};

/* One worker in flight. */
struct bench_worker {
    pid_t pid;
    int fd;
    size_t run; /* t * npolicies + p */
    double t0;
};

static volatile sig_atomic_t bench_stop;

static void bench_usage(FILE *out)
{
    fprintf(out,
            "usage: muster bench --cluster FILE --trace FILE [--trace FILE ...]"
            "\n                    --policy FILE [--policy FILE ...] --out DIR"
            "\n                    [--jobs N] [--time-scale F | --load X]\n\n"
            "Run every policy on every trace through the simulator (`muster "
            "simulate`),\nin parallel worker processes, and compare them.\n"
            "  --cluster FILE  nodes as `kubectl get nodes,pods -A -o json`\n"
            "  --trace FILE    a job trace (CSV, as for simulate); repeatable\n"
            "  --policy FILE   a policy (policies/*.json); repeatable\n"
            "  --out DIR       writes results.csv, report.md, report.html, "
            "plots/*.svg\n"
            "                  and runs/TRACE/POLICY/ (jobs.csv, "
            "timeline.csv, summary.json)\n"
            "  --jobs N        runs at once (default: the online CPU count)\n"
            "  --time-scale F, --load X   as for simulate, for every run\n");
}

static int bench_add_input(struct report_input *all, size_t *n, size_t max,
                           const char *flag, const char *path)
{
    if (*n >= max) {
        fprintf(stderr, "muster bench: at most %zu %s flags\n", max, flag);
        return MU_ELIMIT;
    }
    memset(&all[*n], 0, sizeof(all[*n]));
    all[*n].path = path;
    report_input_name(&all[*n], all, *n);
    (*n)++;
    return MU_OK;
}

static int bench_flag(struct bench *b, const char *flag, const char *val)
{
    struct report *r = &b->rep;

    if (!strcmp(flag, "--cluster"))
        b->base.cluster_path = val;
    else if (!strcmp(flag, "--out"))
        r->out_dir = val;
    else if (!strcmp(flag, "--trace"))
        return bench_add_input(b->traces, &r->ntraces, REPORT_MAX_TRACES, flag,
                               val);
    else if (!strcmp(flag, "--policy"))
        return bench_add_input(b->policies, &r->npolicies, REPORT_MAX_POLICIES,
                               flag, val);
    else if (!strcmp(flag, "--jobs"))
        return trace_parse_u64(val, strlen(val), BENCH_MAX_JOBS, &b->jobs) ||
                       b->jobs == 0
                   ? MU_EINVAL
                   : MU_OK;
    else if (!strcmp(flag, "--time-scale"))
        return trace_parse_pos(val, &b->base.time_scale);
    else if (!strcmp(flag, "--load"))
        return trace_parse_pos(val, &b->base.load);
    else
        return MU_ENOENT;
    return MU_OK;
}

static int bench_args(int argc, char **argv, struct bench *b)
{
    for (int i = 1; i < argc; i++) {
        int rc;

        if (i + 1 >= argc) {
            fprintf(stderr, "muster bench: %s needs a value\n", argv[i]);
            return MU_EINVAL;
        }
        rc = bench_flag(b, argv[i], argv[i + 1]);
        if (rc == MU_ENOENT)
            fprintf(stderr, "muster bench: unknown flag %s\n", argv[i]);
        else if (rc == MU_EINVAL)
            fprintf(stderr,
                    "muster bench: %s %s: not a valid value (--jobs:"
                    " 1..%d; --load, --time-scale: > 0)\n",
                    argv[i], argv[i + 1], BENCH_MAX_JOBS);
        if (rc)
            return MU_EINVAL;
        i++;
    }
    if (!b->base.cluster_path || !b->rep.out_dir || b->rep.ntraces == 0 ||
        b->rep.npolicies == 0) {
        fprintf(stderr, "muster bench: --cluster, --trace, --policy and "
                        "--out are required\n");
        return MU_EINVAL;
    }
    if (b->base.time_scale > 0 && b->base.load > 0) {
        fprintf(stderr, "muster bench: give --time-scale or --load, not "
                        "both\n");
        return MU_EINVAL;
    }
    return MU_OK;
}

/* "muster bench ARGS", each argument quoted for a POSIX shell when it
 * holds anything but [A-Za-z0-9_./=:,+@%-]. */
static char *bench_cmdline(int argc, char **argv)
{
    struct buf b;

    buf_init(&b, BENCH_CMDLINE_MAX);
    buf_adds(&b, "muster bench");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != '\0' && a[strspn(a, "abcdefghijklmnopqrstuvwxyz"
                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                               "0123456789_./=:,+@%-")] == '\0';

        buf_addc(&b, ' ');
        if (plain) {
            buf_adds(&b, a);
            continue;
        }
        buf_addc(&b, '\'');
        for (; *a; a++) {
            if (*a == '\'')
                buf_adds(&b, "'\\''");
            else
                buf_addc(&b, *a);
        }
        buf_addc(&b, '\'');
    }
    /* Over the cap the line is cut where it stopped fitting: say so. */
    if (b.len + 1 >= BENCH_CMDLINE_MAX - 16)
        buf_adds(&b, " ...");
    return b.data ? buf_steal(&b, NULL) : xstrdup("muster bench");
}

/* Load every input once before forking, so a bad file is one clear error
 * and exit 2, not N failed runs. RET MU_OK, MU_EINVAL, MU_EIO (missing) */
static int bench_check_inputs(const struct bench *b)
{
    char err[512];
    struct cluster *c = NULL;
    int rc = snapshot_load(b->base.cluster_path, &c, err, sizeof(err));

    cluster_free(c);
    for (size_t p = 0; !rc && p < b->rep.npolicies; p++) {
        struct policy *pol = NULL;

        rc = policy_load(b->policies[p].path, &pol, err, sizeof(err));
        policy_free(pol);
    }
    for (size_t t = 0; !rc && t < b->rep.ntraces; t++) {
        struct trace_reader *tr = NULL;

        rc = trace_open(b->traces[t].path, &tr, err, sizeof(err));
        trace_reader_free(tr);
    }
    if (rc)
        fprintf(stderr, "muster bench: %s\n", err);
    return rc;
}

static int bench_hash(struct report_input *in)
{
    if (sha256_file(in->path, in->sha256) == MU_OK)
        return MU_OK;
    fprintf(stderr, "muster bench: %s: %s\n", in->path, strerror(errno));
    return MU_EIO;
}

/* mkdir -p path. RET MU_OK or MU_EIO (message printed) */
static int bench_mkdirs(const char *path)
{
    char *p = xstrdup(path);
    int rc = MU_OK;

    for (char *s = p + 1;; s++) {
        char c = *s;

        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) && errno != EEXIST) {
            fprintf(stderr, "muster bench: cannot create %s: %s\n", p,
                    strerror(errno));
            rc = MU_EIO;
            break;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* The out dir, runs/<trace>/ for each trace (the workers make
 * runs/<trace>/<policy>/), and a probe that the dir takes files. */
static int bench_prepare_out(struct bench *b)
{
    struct report *r = &b->rep;
    char path[4200];
    FILE *probe;
    int rc = bench_mkdirs(r->out_dir);

    /* Find out now, not after every run, that files cannot be written. */
    snprintf(path, sizeof(path), "%s/.muster-bench-probe", r->out_dir);
    if (!rc && !(probe = fopen(path, "w"))) {
        fprintf(stderr,
                "muster bench: --out %s: cannot write files there: "
                "%s\n",
                r->out_dir, strerror(errno));
        return MU_EIO;
    }
    if (!rc) {
        fclose(probe);
        unlink(path);
    }
    for (size_t t = 0; !rc && t < r->ntraces; t++) {
        snprintf(path, sizeof(path), "%s/runs/%s", r->out_dir,
                 r->traces[t].name);
        rc = bench_mkdirs(path);
        for (size_t p = 0; !rc && p < r->npolicies; p++) {
            int n = snprintf(r->runs[t * r->npolicies + p].dir,
                             sizeof(r->runs[0].dir), "%s/%s", path,
                             r->policies[p].name);

            if (n < 0 || (size_t)n >= sizeof(r->runs[0].dir)) {
                fprintf(stderr, "muster bench: --out %s: path too long\n",
                        r->out_dir);
                rc = MU_ELIMIT;
            }
        }
    }
    return rc;
}

/* ---- workers ---- */

static void bench_on_signal(int sig)
{
    bench_stop = sig;
}

static void bench_signals(void (*handler)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler; /* no SA_RESTART: waitpid returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the worker: one simulation, its outcome down the pipe, exit. */
_Noreturn static void bench_child(const struct bench *b, size_t run, int fd)
{
    const struct report *r = &b->rep;
    struct sim_opts o = b->base;
    struct bench_msg m;
    const char *p = (const char *)&m;
    size_t left = sizeof(m);

    bench_signals(SIG_DFL);
    memset(&m, 0, sizeof(m));
    o.trace_path = b->traces[run / r->npolicies].path;
    o.policy_path = b->policies[run % r->npolicies].path;
    o.out_dir = r->runs[run].dir;
    o.quiet = true;
    m.rc = sim_run(&o, &m.sum, m.err, sizeof(m.err));
    while (left > 0) {
        ssize_t n = write(fd, p, left);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(1);
        p += n;
        left -= (size_t)n;
    }
    _exit(m.rc ? 1 : 0);
}

static int bench_start(struct bench *b, struct bench_worker *w, size_t run,
                       size_t started, size_t total)
{
    const struct report *r = &b->rep;
    int fds[2];

    if (pipe(fds)) {
        fprintf(stderr, "muster bench: pipe: %s\n", strerror(errno));
        return MU_EIO;
    }
    fprintf(stderr, "muster bench: run %zu/%zu start trace=%s policy=%s\n",
            started, total, b->traces[run / r->npolicies].name,
            b->policies[run % r->npolicies].name);
    fflush(NULL);
    w->pid = fork();
    if (w->pid < 0) {
        fprintf(stderr, "muster bench: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return MU_EIO;
    }
    if (w->pid == 0) {
        close(fds[0]);
        bench_child(b, run, fds[1]);
    }
    close(fds[1]);
    w->fd = fds[0];
    w->run = run;
    w->t0 = bench_now();
    return MU_OK;
}

/* Read a finished worker's message. RET MU_OK or MU_EIO (no message). */
static int bench_read(int fd, struct bench_msg *m)
{
    char *p = (char *)m;
    size_t got = 0;

    while (got < sizeof(*m)) {
        ssize_t n = read(fd, p + got, sizeof(*m) - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return MU_EIO;
        got += (size_t)n;
    }
    return MU_OK;
}

/* A worker has exited: its summary into the report, or its failure
 * named by trace and policy. RET MU_OK or the run's error code */
static int bench_finish(struct bench *b, struct bench_worker *w, int status,
                        size_t *done, size_t total)
{
    struct report *r = &b->rep;
    const char *tn = b->traces[w->run / r->npolicies].name;
    const char *pn = b->policies[w->run % r->npolicies].name;
    struct bench_msg *m = xcalloc(1, sizeof(*m));
    int rc = bench_read(w->fd, m);

    close(w->fd);
    (*done)++;
    if (rc || !WIFEXITED(status)) {
        fprintf(stderr,
                "muster bench: run trace=%s policy=%s failed: the "
                "worker %s %d without a result\n",
                tn, pn,
                WIFSIGNALED(status) ? "was killed by signal" : "exited with",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        rc = MU_EIO;
    } else if (m->rc) {
        fprintf(stderr, "muster bench: run trace=%s policy=%s failed: %s\n", tn,
                pn, m->err);
        rc = m->rc;
    } else {
        r->runs[w->run].sum = m->sum;
        fprintf(stderr,
                "muster bench: run %zu/%zu done  trace=%s policy=%s"
                " in %.2f s: %llu jobs, %llu completed, mean JCT %.1f s (%zu "
                "of %zu finished)\n",
                w->run + 1, total, tn, pn, bench_now() - w->t0,
                (unsigned long long)m->sum.jobs,
                (unsigned long long)m->sum.completed, m->sum.jct_mean, *done,
                total);
    }
    free(m);
    w->pid = 0;
    return rc;
}

/* Stop the workers still running (only ours, by PID). */
static void bench_kill(const struct bench_worker *ws, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ws[i].pid > 0)
            kill(ws[i].pid, SIGTERM);
    }
}

/* Run every (trace, policy) pair, at most b->jobs at once. After a
 * failure or a signal no new run starts, the others are stopped, and
 * every worker is reaped before returning. RET MU_OK or the first error */
static int bench_runs(struct bench *b)
{
    size_t total = b->rep.ntraces * b->rep.npolicies, next = 0, done = 0;
    size_t nw = MU_MIN((size_t)b->jobs, total), running = 0;
    struct bench_worker *ws = xcalloc(nw, sizeof(*ws));
    int first = MU_OK;

    while (next < total || running > 0) {
        int st;
        pid_t pid;

        for (size_t i = 0; i < nw && next < total && !first && !bench_stop;
             i++) {
            if (ws[i].pid != 0)
                continue;
            first = bench_start(b, &ws[i], next, next + 1, total);
            next++;
            running += !first;
        }
        if (bench_stop && !first) {
            fprintf(stderr, "muster bench: signal %d: stopping the runs\n",
                    (int)bench_stop);
            first = MU_EIO;
            bench_kill(ws, nw);
        }
        if (running == 0)
            break;
        pid = waitpid(-1, &st, 0);
        if (pid < 0 && errno != EINTR)
            break;
        for (size_t i = 0; pid > 0 && i < nw; i++) {
            int rc;

            if (ws[i].pid != pid)
                continue;
            rc = bench_finish(b, &ws[i], st, &done, total);
            running--;
            if (rc && !first) {
                first = rc;
                bench_kill(ws, nw);
            }
        }
    }
    free(ws);
    return first;
}

/* ---- the command ---- */

static void bench_date(char *dst, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Everything before the first fork: inputs valid, hashed, dirs made.
 * RET the exit status, 0 to go on */
static int bench_setup(struct bench *b)
{
    struct report *r = &b->rep;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int rc;

    if (b->jobs == 0)
        b->jobs = cpus > 0 ? (uint64_t)MU_MIN(cpus, BENCH_MAX_JOBS) : 1;
    r->traces = b->traces;
    r->policies = b->policies;
    r->cluster.path = b->base.cluster_path;
    r->cmdline = b->cmdline;
    bench_date(r->date, sizeof(r->date));
    /* A named input that is missing or invalid is bad usage: exit 2. */
    if (bench_check_inputs(b))
        return 2;
    rc = bench_hash(&r->cluster);
    for (size_t t = 0; !rc && t < r->ntraces; t++)
        rc = bench_hash(&b->traces[t]);
    for (size_t p = 0; !rc && p < r->npolicies; p++)
        rc = bench_hash(&b->policies[p]);
    r->runs = xcalloc(r->ntraces * r->npolicies, sizeof(*r->runs));
    if (!rc)
        rc = bench_prepare_out(b);
    return rc ? 1 : 0;
}

int cmd_bench(int argc, char **argv)
{
    struct bench *b;
    char err[512];
    int rc, status;

    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        bench_usage(stdout);
        return 0;
    }
    b = xcalloc(1, sizeof(*b));
    if (bench_args(argc, argv, b)) {
        bench_usage(stderr);
        free(b);
        return 2;
    }
    /* Per-gang info lines from the workers would drown the progress. */
    if (log_threshold < LOG_WARN)
        log_set_level("warn");
    b->cmdline = bench_cmdline(argc, argv);
    status = bench_setup(b);
    if (status == 0) {
        bench_signals(bench_on_signal);
        rc = bench_runs(b);
        bench_signals(SIG_DFL);
        status = rc == MU_EINVAL ? 2 : rc ? 1 : 0;
    }
    if (status == 0 && (rc = report_write(&b->rep, err, sizeof(err)))) {
        fprintf(stderr, "muster bench: %s\n", err);
        status = 1;
    }
    if (status == 0)
        fprintf(stderr,
                "muster bench: wrote %s/report.md, report.html, "
                "results.csv and plots/\n",
                b->rep.out_dir);
    free(b->rep.runs);
    free(b->cmdline);
    free(b);
    return status;
}
