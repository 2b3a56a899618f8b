/* report.c - the metric table and the text reports of `muster bench`:
 * results.csv and report.md (tables with the best value marked, the
 * winners per trace, the reproducibility record). Plots: report_plot.c. */
#include "common.h"
#include "report/report.h"
#include "report/report_int.h"

#include <errno.h>
#include <math.h>

enum rk { RK_U64, RK_I64, RK_SIZE, RK_F, RK_BOOL };

/* The columns: name, report.md label, better, where in sim_summary, how
 * printed (digits after the point; x100 for percentages). */
struct rm_def {
    struct report_metric m;
    size_t off;
    enum rk kind;
    int digits;
    double scale;
};

#define RM(col, lab, bet, field, kind, dig, sc)                                \
    {                                                                          \
        {col, lab, bet}, offsetof(struct sim_summary, field), kind, dig, sc    \
    }

static const struct rm_def rm_defs[] = {
    RM("jobs", NULL, REPORT_NONE, jobs, RK_U64, 0, 1),
    RM("completed", "done", REPORT_HIGHER, completed, RK_U64, 0, 1),
    RM("unfinished", "unfinished", REPORT_LOWER, unfinished, RK_U64, 0, 1),
    RM("skipped_lines", NULL, REPORT_NONE, skipped_lines, RK_U64, 0, 1),
    RM("pods_bound", NULL, REPORT_NONE, pods_bound, RK_U64, 0, 1),
    RM("cycles", NULL, REPORT_NONE, cycles, RK_U64, 0, 1),
    RM("events", NULL, REPORT_NONE, events, RK_U64, 0, 1),
    RM("partial_jobs", "partial jobs", REPORT_LOWER, partial_jobs, RK_U64, 0,
       1),
    RM("jct_mean_s", "JCT mean (s)", REPORT_LOWER, jct_mean, RK_F, 3, 1),
    RM("jct_p50_s", "JCT p50 (s)", REPORT_LOWER, jct_p50, RK_F, 3, 1),
    RM("jct_p95_s", "JCT p95 (s)", REPORT_LOWER, jct_p95, RK_F, 3, 1),
    RM("jct_p99_s", "JCT p99 (s)", REPORT_LOWER, jct_p99, RK_F, 3, 1),
    RM("wait_mean_s", "wait mean (s)", REPORT_LOWER, wait_mean, RK_F, 3, 1),
    RM("wait_p50_s", "wait p50 (s)", REPORT_LOWER, wait_p50, RK_F, 3, 1),
    RM("wait_p95_s", NULL, REPORT_LOWER, wait_p95, RK_F, 3, 1),
    RM("wait_p99_s", "wait p99 (s)", REPORT_LOWER, wait_p99, RK_F, 3, 1),
    RM("makespan_s", "makespan (s)", REPORT_LOWER, makespan, RK_F, 3, 1),
    RM("gpu_util_pct", "GPU util (%)", REPORT_HIGHER, gpu_util, RK_F, 2, 100),
    /* Allocated includes GPUs held idle by partly placed jobs: not a
     * goal in itself, so no best is marked. */
    RM("gpu_alloc_pct", "GPU alloc (%)", REPORT_NONE, gpu_alloc, RK_F, 2, 100),
    RM("frag_gpus", "frag GPUs", REPORT_LOWER, frag_gpus, RK_F, 3, 1),
    RM("frag_share_pct", "frag (% of free)", REPORT_LOWER, frag_share, RK_F, 2,
       100),
    RM("busy_gpu_seconds", NULL, REPORT_NONE, busy_gpu_seconds, RK_F, 3, 1),
    RM("job_gpu_seconds", NULL, REPORT_NONE, job_gpu_seconds, RK_F, 3, 1),
    RM("time_scale", NULL, REPORT_NONE, time_scale, RK_F, 6, 1),
    RM("cluster_gpus", NULL, REPORT_NONE, cluster_gpus, RK_I64, 0, 1),
    RM("nodes", NULL, REPORT_NONE, nodes, RK_SIZE, 0, 1),
    RM("median_gpus", NULL, REPORT_NONE, median_gpus, RK_I64, 0, 1),
    RM("gang", NULL, REPORT_NONE, gang, RK_BOOL, 0, 1),
    RM("wall_s", NULL, REPORT_NONE, wall_s, RK_F, 3, 1),
    RM("events_per_s", NULL, REPORT_NONE, events_per_s, RK_F, 0, 1),
    RM("jobs_per_s", NULL, REPORT_NONE, jobs_per_s, RK_F, 0, 1),
};

const struct report_metric *report_metrics(size_t *n)
{
    static struct report_metric ms[ARRAY_LEN(rm_defs)];

    for (size_t i = 0; i < ARRAY_LEN(rm_defs); i++)
        ms[i] = rm_defs[i].m;
    *n = ARRAY_LEN(rm_defs);
    return ms;
}

double report_value(size_t i, const struct sim_summary *s)
{
    const struct rm_def *d = &rm_defs[i];
    const char *p = (const char *)s + d->off;

    MU_ASSERT(i < ARRAY_LEN(rm_defs));
    switch (d->kind) {
    case RK_U64:
        return (double)*(const uint64_t *)p;
    case RK_I64:
        return (double)*(const int64_t *)p;
    case RK_SIZE:
        return (double)*(const size_t *)p;
    case RK_BOOL:
        return *(const bool *)p ? 1 : 0;
    case RK_F:
        break;
    }
    return *(const double *)p * d->scale;
}

void report_fmt(size_t i, const struct sim_summary *s, char *dst, size_t cap)
{
    const struct rm_def *d = &rm_defs[i];
    double v = report_value(i, s);

    if (d->kind == RK_BOOL)
        snprintf(dst, cap, "%s", v != 0 ? "true" : "false");
    else if (d->kind != RK_F)
        snprintf(dst, cap, "%.0f", v);
    else
        snprintf(dst, cap, "%.*f", d->digits, isfinite(v) ? v : 0.0);
}

/* ---- names ---- */

void report_input_name(struct report_input *in, const struct report_input *all,
                       size_t n)
{
    const char *base = strrchr(in->path, '/');
    char stem[48];
    size_t len;
    unsigned suffix = 1;
    bool taken;

    base = base ? base + 1 : in->path;
    len = strcspn(base, ".") ? strcspn(base, ".") : strlen(base);
    len = MU_MIN(len, sizeof(stem) - 1);
    for (size_t i = 0; i < len; i++) {
        char c = base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';

        stem[i] = ok ? c : '_';
    }
    stem[len] = '\0';
    if (len == 0)
        snprintf(stem, sizeof(stem), "input");
    if (stem[0] == '.') /* no hidden, "." or ".." directories */
        stem[0] = '_';
    do {
        if (suffix == 1)
            snprintf(in->name, sizeof(in->name), "%s", stem);
        else
            snprintf(in->name, sizeof(in->name), "%s-%u", stem, suffix);
        taken = false;
        for (size_t i = 0; i < n && !taken; i++)
            taken = &all[i] != in && !strcmp(all[i].name, in->name);
        suffix++;
    } while (taken);
}

/* ---- results.csv ---- */

int report_results_csv(const struct report *r, FILE *f)
{
    size_t nm;
    const struct report_metric *m = report_metrics(&nm);

    fputs("trace,policy", f);
    for (size_t i = 0; i < nm; i++)
        fprintf(f, ",%s", m[i].column);
    fputc('\n', f);
    for (size_t t = 0; t < r->ntraces; t++) {
        for (size_t p = 0; p < r->npolicies; p++) {
            const struct sim_summary *s = &r->runs[t * r->npolicies + p].sum;

            /* Names are [A-Za-z0-9._-]: no CSV quoting needed. */
            fprintf(f, "%s,%s", r->traces[t].name, r->policies[p].name);
            for (size_t i = 0; i < nm; i++) {
                char v[64];

                report_fmt(i, s, v, sizeof(v));
                fprintf(f, ",%s", v);
            }
            fputc('\n', f);
        }
    }
    return ferror(f) ? MU_EIO : MU_OK;
}

/* ---- ranking ---- */

size_t report_metric_index(const char *column)
{
    for (size_t i = 0; i < ARRAY_LEN(rm_defs); i++) {
        if (!strcmp(rm_defs[i].m.column, column))
            return i;
    }
    MU_ASSERT(!"unknown metric column");
    return 0;
}

/* Compare policies p and q on metric i as the reader sees them: by the
 * printed text. Every metric is >= 0 and printed with a fixed number of
 * decimals, so a longer text is a larger number and equal lengths compare
 * as strings. RET <0, 0, >0 like strcmp */
static int shown_cmp(const struct report *r, size_t t, size_t p, size_t q,
                     size_t i)
{
    char a[64], b[64];
    size_t la, lb;

    report_fmt(i, &r->runs[t * r->npolicies + p].sum, a, sizeof(a));
    report_fmt(i, &r->runs[t * r->npolicies + q].sum, b, sizeof(b));
    la = strlen(a);
    lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a, b);
}

/* Is p strictly better than q on metric i? */
static bool better(const struct report *r, size_t t, size_t p, size_t q,
                   size_t i)
{
    int c = shown_cmp(r, t, p, q, i);

    return rm_defs[i].m.better == REPORT_HIGHER ? c > 0 : c < 0;
}

void report_rank(const struct report *r, size_t t, size_t i, size_t *order)
{
    for (size_t p = 0; p < r->npolicies; p++)
        order[p] = p;
    /* Insertion sort: a handful of policies, and it is stable. */
    for (size_t a = 1; a < r->npolicies; a++) {
        size_t v = order[a], b = a;

        while (b > 0 && better(r, t, v, order[b - 1], i)) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
}

bool report_marked(const struct report *r, size_t t, size_t p, size_t i)
{
    bool worse_exists = false;

    if (rm_defs[i].m.better == REPORT_NONE)
        return false;
    for (size_t q = 0; q < r->npolicies; q++) {
        if (better(r, t, q, p, i))
            return false;
        worse_exists |= better(r, t, p, q, i);
    }
    return worse_exists;
}

/* ---- the files ---- */

static int report_file(const struct report *r, const char *name,
                       int (*fn)(const struct report *, FILE *), char *err,
                       size_t errlen)
{
    char path[4200];
    FILE *f;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", r->out_dir, name);
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return MU_EIO;
    }
    rc = fn(r, f);
    if (fclose(f) && !rc)
        rc = MU_EIO;
    if (rc)
        snprintf(err, errlen, "%s: write error", path);
    return rc;
}

int report_write(const struct report *r, char *err, size_t errlen)
{
    int rc = report_file(r, "results.csv", report_results_csv, err, errlen);

    if (!rc)
        rc = report_plots(r, err, errlen);
    if (!rc)
        rc = report_file(r, "report.md", report_markdown, err, errlen);
    if (!rc)
        rc = report_file(r, "report.html", report_html, err, errlen);
    return rc;
}
