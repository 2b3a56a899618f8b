/* svg.h - the charts `muster bench` draws, written as SVG text by muster
 * itself: line charts (CDFs, time series) and grouped bar panels. Axes are
 * labelled, ticks are "nice" numbers, every series is a colour and a
 * legend entry, and every string from outside (policy names) is escaped. */
#ifndef MUSTER_REPORT_SVG_H
#define MUSTER_REPORT_SVG_H

#include "common.h"
#include "util/buf.h"

/* The most points one series may carry: callers downsample first, so a
 * chart's size is bounded whatever the trace size. */
#define SVG_MAX_POINTS 2000
#define SVG_MAX_SERIES 64

struct svg_series {
    const char *name; /* legend text and the data-series attribute */
    const double *x, *y;
    size_t n; /* <= SVG_MAX_POINTS */
};

struct svg_chart {
    const char *title;
    const char *x_label; /* with the unit: "job completion time (s)" */
    const char *y_label;
    bool log_x;          /* x values <= 0 are drawn at the left edge */
    double y_min, y_max; /* a fixed y range when y_max > y_min */
    const struct svg_series *series;
    size_t nseries; /* 1..SVG_MAX_SERIES */
};

/* A line chart of every series, one <polyline class="series"
 * data-series="NAME"> each, with a legend.
 * RET MU_OK, MU_EINVAL (no series, too many points), MU_ELIMIT (out full) */
int svg_line_chart(struct buf *out, const struct svg_chart *c);

/* One panel of a bar chart: one bar per name, values >= 0. */
struct svg_bar_panel {
    const char *title;    /* "mean JCT" */
    const char *unit;     /* the y axis label: "seconds" */
    const double *values; /* nnames of them */
};

/* Panels side by side, one <rect class="bar" data-series="NAME"> per name
 * per panel, each bar labelled with its value, one shared legend.
 * RET MU_OK, MU_EINVAL (no names or panels, a negative value), MU_ELIMIT */
int svg_bar_chart(struct buf *out, const char *title, const char *const *names,
                  size_t nnames, const struct svg_bar_panel *panels,
                  size_t npanels);

/* Append s escaped for XML text and attribute values (& < > " ').
 * Control characters other than tab and newline become '?' since XML 1.0
 * cannot carry them. RET MU_OK, MU_ELIMIT */
int svg_escape(struct buf *out, const char *s);

/* Format v for a tick or bar label in at most 15 characters: "0", "2.5",
 * "1200", "35k", "1.2M". OUT dst */
void svg_fmt_num(double v, char *dst, size_t cap);

/* The colour of series i (distinct for the first 10; every series also
 * gets its own dash pattern, so coinciding lines stay visible). */
const char *svg_colour(size_t i);

#endif
