/* report_int.h - shared between the report files (not an API): ranking
 * policies per metric, the plot file names, the HTML and plot writers. */
#ifndef MUSTER_REPORT_REPORT_INT_H
#define MUSTER_REPORT_REPORT_INT_H

#include "common.h"
#include "report/report.h"

enum report_plot_kind {
    REPORT_PLOT_JCT,  /* CDF of job completion time */
    REPORT_PLOT_WAIT, /* CDF of queueing delay */
    REPORT_PLOT_UTIL, /* GPUs allocated over time */
    REPORT_PLOT_BARS, /* mean JCT, makespan, utilisation */
    REPORT_PLOT_KINDS
};

/* The index of the metric with this column name (it must exist). */
size_t report_metric_index(const char *column);

/* Policies of trace t ordered best first on metric i (stable: ties keep
 * file order). OUT order: npolicies indexes */
void report_rank(const struct report *r, size_t t, size_t i, size_t *order);

/* Is policy p's value of metric i on trace t the best one (ties all
 * count), with at least one other policy doing worse? */
bool report_marked(const struct report *r, size_t t, size_t p, size_t i);

/* "plots/<trace>-jct-cdf.svg", relative to the out dir. */
void report_plot_path(const struct report *r, size_t t, enum report_plot_kind k,
                      char *dst, size_t cap);
const char *report_plot_caption(enum report_plot_kind k);

/* The sentence naming the best policy on one metric and the runner-up,
 * the best name between bold_on and bold_off. */
void report_winner(const struct report *r, size_t t, FILE *f,
                   const char *column, const char *what, const char *unit,
                   const char *bold_on, const char *bold_off);
/* The winners on mean JCT, GPU utilisation and mean wait, and a note per
 * policy that left jobs unfinished, each between item_on and item_off. */
void report_winners(const struct report *r, size_t t, FILE *f,
                    const char *item_on, const char *item_off,
                    const char *bold_on, const char *bold_off);

int report_plots(const struct report *r, char *err, size_t errlen);
int report_html(const struct report *r, FILE *f);

#endif
