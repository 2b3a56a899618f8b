/* report.h - what `muster bench` writes once every run is done:
 * results.csv (every summary metric per policy x trace), report.md (a
 * table per trace with the best value per column marked, and which policy
 * wins on JCT, utilisation and queueing delay), report.html with the SVG
 * plots, and the reproducibility record (version, hashes, command line). */
#ifndef MUSTER_REPORT_REPORT_H
#define MUSTER_REPORT_REPORT_H

#include "common.h"
#include "sim/sim.h"
#include "util/sha256.h"

#include <stdio.h>

/* Caps on one bench: every policy is a plot series. */
#define REPORT_MAX_POLICIES 32
#define REPORT_MAX_TRACES   64

/* An input file: where it is, its short name in the report, its hash. */
struct report_input {
    const char *path;
    char name[64]; /* file name without directory and extension,
                      [A-Za-z0-9._-] only, unique per kind */
    char sha256[SHA256_HEX_LEN];
};

/* The outcome of one policy on one trace. */
struct report_run {
    struct sim_summary sum;
    char dir[4096]; /* OUT_DIR/runs/<trace>/<policy> */
};

struct report {
    const char *out_dir;
    const char *cmdline; /* the exact command line, shell-quoted */
    char date[32];       /* UTC, ISO 8601 */
    struct report_input cluster;
    struct report_input *traces, *policies;
    size_t ntraces, npolicies;
    /* ntraces x npolicies, runs[t * npolicies + p] */
    struct report_run *runs;
};

/* Better is lower, higher, or neither (counts that describe the run). */
enum report_better { REPORT_NONE, REPORT_LOWER, REPORT_HIGHER };

/* One column of results.csv; those with a label are in report.md too. */
struct report_metric {
    const char *column; /* results.csv header */
    const char *label;  /* report.md header; NULL: CSV only */
    enum report_better better;
};

/* The metric columns in results.csv order (after trace,policy).
 * OUT n: how many */
const struct report_metric *report_metrics(size_t *n);

/* Format metric i of s exactly as results.csv and report.md print it.
 * OUT dst: e.g. "123.456" */
void report_fmt(size_t i, const struct sim_summary *s, char *dst, size_t cap);

/* The value of metric i as a number (for picking the best). */
double report_value(size_t i, const struct sim_summary *s);

/* Fill in->name from in->path: the base name without its extension, other
 * characters than [A-Za-z0-9._-] as '_', made unique among the first n
 * inputs of `all` with a -2, -3... suffix. */
void report_input_name(struct report_input *in, const struct report_input *all,
                       size_t n);

/* Write results.csv, report.md, report.html and plots/ into r->out_dir,
 * reading each run's jobs.csv and timeline.csv for the plots.
 * OUT err: names the file that failed
 * RET MU_OK, MU_EIO, MU_EINVAL (a run's files are malformed) */
int report_write(const struct report *r, char *err, size_t errlen);

/* Pieces of report_write, exported for the tests. */
int report_results_csv(const struct report *r, FILE *f);
int report_markdown(const struct report *r, FILE *f);

/* The CDF of v[0..n) (sorted in place) as a step line through at most max
 * of its ranks: 2*max+1 points at most, the first (v[0], 0).
 * OUT x, y: room for 2*max+1 each. OUT np: points written */
void report_cdf(double *v, size_t n, size_t max, double *x, double *y,
                size_t *np);

#endif
