/* report_plot.c - the bench plots: per trace, CDFs of JCT and queueing
 * delay, GPUs allocated over time and bars of mean JCT / makespan /
 * utilisation, one series per policy, read back from each run's jobs.csv
 * and timeline.csv and downsampled so the SVG size is bounded. */
#include "common.h"
#include "report/report_int.h"
#include "report/svg.h"
#include "sim/trace.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <math.h>
#include <sys/stat.h>

#define PLOT_LINE_MAX   65536 /* jobs.csv fields we read come first */
#define PLOT_CDF_POINTS 500
#define PLOT_BUCKETS    400
#define PLOT_SVG_MAX    ((size_t)8 << 20)
#define PLOT_MS_MAX     ((int64_t)1 << 52)

static const char *const plot_files[REPORT_PLOT_KINDS] = {
    "jct-cdf.svg",
    "wait-cdf.svg",
    "gpu-util.svg",
    "summary-bars.svg",
};

static const char *const plot_captions[REPORT_PLOT_KINDS] = {
    "CDF of job completion time",
    "CDF of queueing delay",
    "GPU utilisation over time",
    "mean JCT, makespan and GPU utilisation",
};

void report_plot_path(const struct report *r, size_t t, enum report_plot_kind k,
                      char *dst, size_t cap)
{
    snprintf(dst, cap, "plots/%s-%s", r->traces[t].name, plot_files[k]);
}

const char *report_plot_caption(enum report_plot_kind k)
{
    return plot_captions[k];
}

/* A time unit that keeps axis numbers short. */
struct plot_unit {
    const char *name;
    double div; /* seconds per unit */
};

static struct plot_unit plot_unit_for(double max_s)
{
    if (max_s > 7200)
        return (struct plot_unit){"h", 3600};
    if (max_s > 600)
        return (struct plot_unit){"min", 60};
    return (struct plot_unit){"s", 1};
}

/* ---- reading the run files ---- */

struct plot_reader {
    FILE *f;
    char line[PLOT_LINE_MAX];
    uint64_t lineno;
    const char *path;
};

/* The next line, NUL-terminated without its newline; the part of an
 * over-long line past PLOT_LINE_MAX is dropped (only its leading fields
 * are read). RET MU_OK, MU_ENOENT at the end, MU_EIO */
static int plot_line(struct plot_reader *pr)
{
    size_t n;

    if (!fgets(pr->line, sizeof(pr->line), pr->f))
        return ferror(pr->f) ? MU_EIO : MU_ENOENT;
    pr->lineno++;
    n = strlen(pr->line);
    if (n > 0 && pr->line[n - 1] == '\n') {
        pr->line[n - 1] = '\0';
        return MU_OK;
    }
    for (int c = 0; c != '\n' && c != EOF;)
        c = getc(pr->f);
    return MU_OK;
}

/* Field k of a comma-separated line (no quoting in muster's own files). */
static bool plot_field(const char *line, size_t k, const char **s, size_t *n)
{
    for (size_t i = 0; i < k; i++) {
        line = strchr(line, ',');
        if (!line)
            return false;
        line++;
    }
    *s = line;
    *n = strcspn(line, ",");
    return true;
}

static int plot_ms(const char *line, size_t k, int64_t *ms)
{
    const char *s;
    size_t n;

    if (!plot_field(line, k, &s, &n))
        return MU_EINVAL;
    return trace_parse_ms(s, n, PLOT_MS_MAX, ms) ? MU_EINVAL : MU_OK;
}

static int plot_open(struct plot_reader *pr, const char *dir, const char *name,
                     const char *header, char *path, size_t cap, char *err,
                     size_t errlen)
{
    int rc;

    snprintf(path, cap, "%s/%s", dir, name);
    pr->path = path;
    pr->lineno = 0;
    pr->f = fopen(path, "r");
    if (!pr->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return MU_EIO;
    }
    rc = plot_line(pr);
    if (rc == MU_OK && strncmp(pr->line, header, strlen(header)) == 0)
        return MU_OK;
    snprintf(err, errlen, "%s:1: not a muster %s (header must start %s)", path,
             name, header);
    fclose(pr->f);
    pr->f = NULL;
    return rc == MU_EIO ? MU_EIO : MU_EINVAL;
}

/* ---- CDFs ---- */

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

void report_cdf(double *v, size_t n, size_t max, double *x, double *y,
                size_t *np)
{
    size_t k = MU_MIN(n, max), m = 0;

    *np = 0;
    if (n == 0 || max == 0)
        return;
    qsort(v, n, sizeof(*v), dbl_cmp);
    x[m] = v[0];
    y[m++] = 0;
    /* k evenly spaced ranks, always the first and the last, drawn as
     * steps: across at the previous share, then up. */
    for (size_t i = 0; i < k; i++) {
        size_t idx = k == 1 ? n - 1 : i * (n - 1) / (k - 1);

        x[m] = v[idx];
        y[m] = y[m - 1];
        m++;
        x[m] = v[idx];
        y[m++] = (double)(idx + 1) / (double)n;
    }
    *np = m;
}

/* Completed jobs' JCT and wait, in seconds, from dir/jobs.csv. */
struct plot_jobs {
    double *jct, *wait;
    size_t n, cap;
};

static int plot_read_jobs(const char *dir, struct plot_jobs *pj, char *err,
                          size_t errlen)
{
    struct plot_reader *pr = xcalloc(1, sizeof(*pr));
    char path[4200];
    int rc = plot_open(pr, dir, "jobs.csv",
                       "job_id,queue,state,submit,"
                       "start,end,wait,jct,",
                       path, sizeof(path), err, errlen);

    while (rc == MU_OK && (rc = plot_line(pr)) == MU_OK) {
        const char *st;
        size_t stn;
        int64_t wait, jct;

        if (!plot_field(pr->line, 2, &st, &stn) || stn != 4 ||
            strncmp(st, "done", 4))
            continue;
        if (plot_ms(pr->line, 6, &wait) || plot_ms(pr->line, 7, &jct)) {
            snprintf(err, errlen,
                     "%s:%llu: wait or jct is not a number of "
                     "seconds",
                     path, (unsigned long long)pr->lineno);
            rc = MU_EINVAL;
            break;
        }
        pj->jct = xgrow(pj->jct, &pj->cap, pj->n + 1, sizeof(double));
        pj->wait = xrealloc(pj->wait, pj->cap * sizeof(double));
        pj->jct[pj->n] = (double)jct / 1000.0;
        pj->wait[pj->n++] = (double)wait / 1000.0;
    }
    if (rc == MU_EIO && pr->f)
        snprintf(err, errlen, "%s: read error", path);
    if (pr->f)
        fclose(pr->f);
    free(pr);
    return rc == MU_ENOENT ? MU_OK : rc;
}

/* Points of every policy's CDF for one chart. */
struct plot_set {
    struct svg_series s[REPORT_MAX_POLICIES];
    double *x[REPORT_MAX_POLICIES], *y[REPORT_MAX_POLICIES];
    size_t n;
};

static void plot_set_free(struct plot_set *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        FREE_NULL(ps->x[i]);
        FREE_NULL(ps->y[i]);
    }
    ps->n = 0;
}

static int plot_write(const struct report *r, size_t t, enum report_plot_kind k,
                      const struct buf *b, char *err, size_t errlen)
{
    char rel[512], path[4700];
    FILE *f;
    int rc = MU_OK;

    report_plot_path(r, t, k, rel, sizeof(rel));
    snprintf(path, sizeof(path), "%s/%s", r->out_dir, rel);
    f = fopen(path, "w");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len)
        rc = MU_EIO;
    if (f && fclose(f))
        rc = MU_EIO;
    if (rc)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return rc;
}

/* Scale each series' x to the unit and decide on a log axis (values over
 * more than two decades). */
static void plot_cdf_axis(struct plot_set *ps, struct svg_chart *c,
                          const char *what, char *xl, size_t cap)
{
    double lo = INFINITY, hi = 0;
    bool zero = false;
    struct plot_unit u;

    for (size_t i = 0; i < ps->n; i++) {
        for (size_t k = 0; k < ps->s[i].n; k++) {
            hi = MU_MAX(hi, ps->x[i][k]);
            if (ps->x[i][k] > 0)
                lo = MU_MIN(lo, ps->x[i][k]);
            zero |= ps->x[i][k] <= 0;
        }
    }
    u = plot_unit_for(hi);
    c->log_x = isfinite(lo) && hi / lo >= 100;
    for (size_t i = 0; i < ps->n; i++) {
        for (size_t k = 0; k < ps->s[i].n; k++)
            ps->x[i][k] /= u.div;
    }
    snprintf(xl, cap, "%s (%s%s%s)", what, u.name,
             c->log_x ? ", log scale" : "",
             c->log_x && zero ? "; 0 at the left edge" : "");
}

static int plot_cdf_chart(const struct report *r, size_t t,
                          enum report_plot_kind k, struct plot_set *ps,
                          char *err, size_t errlen)
{
    bool jct = k == REPORT_PLOT_JCT;
    struct svg_chart c = {
        .title = jct ? "Job completion time: CDF per policy"
                     : "Queueing delay: CDF per policy",
        .y_label = "share of completed jobs",
        .y_min = 0,
        .y_max = 1,
        .series = ps->s,
        .nseries = ps->n,
    };
    char xl[160], title[200];
    struct buf b;
    int rc;

    plot_cdf_axis(ps, &c,
                  jct ? "job completion time, submit to end"
                      : "queueing delay, submit to start",
                  xl, sizeof(xl));
    snprintf(title, sizeof(title), "%s (trace %s)", c.title, r->traces[t].name);
    c.title = title;
    c.x_label = xl;
    buf_init(&b, PLOT_SVG_MAX);
    rc = svg_line_chart(&b, &c);
    if (rc)
        snprintf(err, errlen, "%s: cannot draw the %s plot: %s",
                 r->traces[t].name, plot_captions[k], mu_strerror(rc));
    else
        rc = plot_write(r, t, k, &b, err, errlen);
    buf_fini(&b);
    return rc;
}

static void plot_add_cdf(struct plot_set *ps, const char *name, double *v,
                         size_t n)
{
    size_t i = ps->n++;

    ps->x[i] = xcalloc(2 * PLOT_CDF_POINTS + 1, sizeof(double));
    ps->y[i] = xcalloc(2 * PLOT_CDF_POINTS + 1, sizeof(double));
    report_cdf(v, n, PLOT_CDF_POINTS, ps->x[i], ps->y[i], &ps->s[i].n);
    ps->s[i].name = name;
    ps->s[i].x = ps->x[i];
    ps->s[i].y = ps->y[i];
}

static int plot_cdfs(const struct report *r, size_t t, char *err, size_t errlen)
{
    struct plot_set *jct = xcalloc(1, sizeof(*jct));
    struct plot_set *wait = xcalloc(1, sizeof(*wait));
    int rc = MU_OK;

    for (size_t p = 0; p < r->npolicies && !rc; p++) {
        struct plot_jobs pj = {0};

        rc =
            plot_read_jobs(r->runs[t * r->npolicies + p].dir, &pj, err, errlen);
        if (!rc) {
            plot_add_cdf(jct, r->policies[p].name, pj.jct, pj.n);
            plot_add_cdf(wait, r->policies[p].name, pj.wait, pj.n);
        }
        free(pj.jct);
        free(pj.wait);
    }
    if (!rc)
        rc = plot_cdf_chart(r, t, REPORT_PLOT_JCT, jct, err, errlen);
    if (!rc)
        rc = plot_cdf_chart(r, t, REPORT_PLOT_WAIT, wait, err, errlen);
    plot_set_free(jct);
    plot_set_free(wait);
    free(jct);
    free(wait);
    return rc;
}

/* ---- GPUs allocated over time ---- */

/* The time grid shared by a trace's policies: PLOT_BUCKETS equal
 * buckets from the earliest timeline row to the latest. */
struct plot_grid {
    int64_t t0, t1;
    double width;               /* ms per bucket */
    double sum[PLOT_BUCKETS];   /* GPU-ms allocated in the bucket */
    double cover[PLOT_BUCKETS]; /* ms of the bucket the run covered */
};

/* Add `gpus` held over [s, e) ms to the buckets it overlaps. */
static void grid_add(struct plot_grid *g, int64_t s, int64_t e, double gpus)
{
    size_t b = (size_t)((double)(s - g->t0) / g->width);

    for (; b < PLOT_BUCKETS; b++) {
        double bs = (double)g->t0 + (double)b * g->width, be = bs + g->width;
        double ov = MU_MIN((double)e, be) - MU_MAX((double)s, bs);

        if (bs >= (double)e)
            break;
        if (ov > 0) {
            g->sum[b] += gpus * ov;
            g->cover[b] += ov;
        }
    }
}

/* Read dir/timeline.csv: with g NULL only its first and last times,
 * otherwise the allocation integrated into g's buckets. */
static int plot_timeline(const char *dir, struct plot_grid *g, int64_t *first,
                         int64_t *last, char *err, size_t errlen)
{
    struct plot_reader *pr = xcalloc(1, sizeof(*pr));
    char path[4200];
    int64_t pt = -1, t;
    uint64_t pa = 0, a;
    int rc = plot_open(pr, dir, "timeline.csv", "time,gpus_allocated,", path,
                       sizeof(path), err, errlen);

    while (rc == MU_OK && (rc = plot_line(pr)) == MU_OK) {
        const char *s;
        size_t n;

        if (plot_ms(pr->line, 0, &t) || !plot_field(pr->line, 1, &s, &n) ||
            trace_parse_u64(s, n, UINT32_MAX, &a) || t < pt) {
            snprintf(err, errlen,
                     "%s:%llu: expected time,gpus_allocated,..."
                     " with times in order",
                     path, (unsigned long long)pr->lineno);
            rc = MU_EINVAL;
            break;
        }
        if (pt < 0)
            *first = t;
        else if (g && t > pt)
            grid_add(g, pt, t, (double)pa);
        *last = pt = t;
        pa = a;
    }
    if (rc == MU_EIO && pr->f)
        snprintf(err, errlen, "%s: read error", path);
    if (pr->f)
        fclose(pr->f);
    free(pr);
    return rc == MU_ENOENT ? MU_OK : rc;
}

/* One policy's bucket means as points: x from the grid start in the
 * unit, y as a percentage of the cluster's GPUs. */
static void plot_add_util(struct plot_set *ps, const char *name,
                          const struct plot_grid *g, struct plot_unit u,
                          int64_t gpus)
{
    size_t i = ps->n++, k = 0;

    ps->x[i] = xcalloc(PLOT_BUCKETS, sizeof(double));
    ps->y[i] = xcalloc(PLOT_BUCKETS, sizeof(double));
    for (size_t b = 0; b < PLOT_BUCKETS; b++) {
        if (g->cover[b] <= 0)
            continue;
        ps->x[i][k] = ((double)b + 0.5) * g->width / 1000.0 / u.div;
        ps->y[i][k++] =
            g->sum[b] / g->cover[b] / (double)MU_MAX(gpus, 1) * 100.0;
    }
    ps->s[i] = (struct svg_series){name, ps->x[i], ps->y[i], k};
}

static int plot_util_chart(const struct report *r, size_t t,
                           struct plot_set *ps, struct plot_unit u, char *err,
                           size_t errlen)
{
    char title[200], xl[120], yl[120];
    struct svg_chart c = {.title = title,
                          .x_label = xl,
                          .y_label = yl,
                          .y_min = 0,
                          .y_max = 100,
                          .series = ps->s,
                          .nseries = ps->n};
    struct buf b;
    int rc;

    snprintf(title, sizeof(title), "GPU utilisation over time (trace %s)",
             r->traces[t].name);
    snprintf(xl, sizeof(xl), "simulated time since the first arrival (%s)",
             u.name);
    snprintf(yl, sizeof(yl), "GPUs allocated (%% of %lld)",
             (long long)r->runs[t * r->npolicies].sum.cluster_gpus);
    buf_init(&b, PLOT_SVG_MAX);
    rc = svg_line_chart(&b, &c);
    if (rc)
        snprintf(err, errlen, "%s: cannot draw the utilisation plot: %s",
                 r->traces[t].name, mu_strerror(rc));
    else
        rc = plot_write(r, t, REPORT_PLOT_UTIL, &b, err, errlen);
    buf_fini(&b);
    return rc;
}

static int plot_util(const struct report *r, size_t t, char *err, size_t errlen)
{
    struct plot_grid *g = xcalloc(1, sizeof(*g));
    struct plot_set *ps = xcalloc(1, sizeof(*ps));
    int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    struct plot_unit u;
    int rc = MU_OK;

    for (size_t p = 0; p < r->npolicies && !rc; p++) {
        int64_t f = INT64_MAX, l = INT64_MIN;

        rc = plot_timeline(r->runs[t * r->npolicies + p].dir, NULL, &f, &l, err,
                           errlen);
        t0 = MU_MIN(t0, f);
        t1 = MU_MAX(t1, l);
    }
    if (t0 > t1)
        t0 = t1 = 0;
    g->t0 = t0;
    g->t1 = t1;
    g->width = MU_MAX((double)(t1 - t0) / PLOT_BUCKETS, 1.0);
    u = plot_unit_for((double)(t1 - t0) / 1000.0);
    for (size_t p = 0; p < r->npolicies && !rc; p++) {
        const struct report_run *run = &r->runs[t * r->npolicies + p];
        int64_t f, l;

        memset(g->sum, 0, sizeof(g->sum));
        memset(g->cover, 0, sizeof(g->cover));
        rc = plot_timeline(run->dir, g, &f, &l, err, errlen);
        if (!rc)
            plot_add_util(ps, r->policies[p].name, g, u, run->sum.cluster_gpus);
    }
    if (!rc)
        rc = plot_util_chart(r, t, ps, u, err, errlen);
    plot_set_free(ps);
    free(ps);
    free(g);
    return rc;
}

/* ---- bars ---- */

/* Panel values of one summary field over the policies, in a time unit
 * chosen from the largest (div 0: a ratio shown as a percentage). */
static void plot_bar_vals(const struct report *r, size_t t, size_t off,
                          bool time, double *v, struct plot_unit *u)
{
    double hi = 0;

    for (size_t p = 0; p < r->npolicies; p++) {
        const char *s = (const char *)&r->runs[t * r->npolicies + p].sum;

        v[p] = MU_MAX(*(const double *)(s + off), 0.0);
        hi = MU_MAX(hi, v[p]);
    }
    *u = time ? plot_unit_for(hi) : (struct plot_unit){"%", 0.01};
    for (size_t p = 0; p < r->npolicies; p++)
        v[p] /= u->div;
}

static int plot_bars(const struct report *r, size_t t, char *err, size_t errlen)
{
    static const struct {
        const char *title, *what;
        size_t off;
        bool time;
    } defs[3] = {
        {"mean JCT", "job completion time",
         offsetof(struct sim_summary, jct_mean), true},
        {"makespan", "first arrival to last end",
         offsetof(struct sim_summary, makespan), true},
        {"GPU utilisation", "busy GPU time / capacity",
         offsetof(struct sim_summary, gpu_util), false},
    };
    double v[3][REPORT_MAX_POLICIES];
    char units[3][80], title[200];
    struct svg_bar_panel panels[3];
    const char *names[REPORT_MAX_POLICIES];
    struct buf b;
    int rc;

    for (size_t i = 0; i < 3; i++) {
        struct plot_unit u;

        plot_bar_vals(r, t, defs[i].off, defs[i].time, v[i], &u);
        snprintf(units[i], sizeof(units[i]), "%s (%s)", defs[i].what, u.name);
        panels[i] = (struct svg_bar_panel){defs[i].title, units[i], v[i]};
    }
    for (size_t p = 0; p < r->npolicies; p++)
        names[p] = r->policies[p].name;
    snprintf(title, sizeof(title), "Summary per policy (trace %s)",
             r->traces[t].name);
    buf_init(&b, PLOT_SVG_MAX);
    rc = svg_bar_chart(&b, title, names, r->npolicies, panels, 3);
    if (rc)
        snprintf(err, errlen, "%s: cannot draw the summary bars: %s",
                 r->traces[t].name, mu_strerror(rc));
    else
        rc = plot_write(r, t, REPORT_PLOT_BARS, &b, err, errlen);
    buf_fini(&b);
    return rc;
}

int report_plots(const struct report *r, char *err, size_t errlen)
{
    char dir[4200];
    int rc = MU_OK;

    snprintf(dir, sizeof(dir), "%s/plots", r->out_dir);
    if (mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return MU_EIO;
    }
    for (size_t t = 0; t < r->ntraces && !rc; t++) {
        rc = plot_cdfs(r, t, err, errlen);
        if (!rc)
            rc = plot_util(r, t, err, errlen);
        if (!rc)
            rc = plot_bars(r, t, err, errlen);
    }
    return rc;
}
