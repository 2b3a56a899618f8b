/* svg.c - line and bar charts as SVG text: layout, nice ticks, log axes,
 * legends, colours and XML escaping for `muster bench` reports. */
#include "common.h"
#include "report/svg.h"

#include <math.h>

#define SVG_LEGEND_W     230 /* the legend column right of the plot */
#define SVG_LEGEND_CHARS 30  /* longer names are cut with an ellipsis */
#define SVG_ROW          20  /* legend row height */
#define SVG_MAX_TICKS    12

/* Okabe-Ito's colour-blind safe set, then tab10 greys and browns. */
static const char *const svg_colours[] = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
    "#56B4E9", "#000000", "#8C564B", "#7F7F7F", "#BCBD22",
};

/* Where a chart's plot area sits and how data maps onto it. */
struct svg_frame {
    double left, right, top, bottom; /* pixels */
    double x0, x1, y0, y1;           /* data range (log10 when log_x) */
    bool log_x;
};

struct svg_ticks {
    double v[SVG_MAX_TICKS];
    size_t n;
};

const char *svg_colour(size_t i)
{
    return svg_colours[i % ARRAY_LEN(svg_colours)];
}

/* Every series has its own dash pattern as well as its colour, so lines
 * that coincide (two policies placing alike) still show both colours. */
static const char *svg_dash(size_t i)
{
    static const char *const dashes[] = {
        "none", "10 5", "3 4", "12 4 3 4", "6 3", "2 2", "16 4", "8 3 2 3 2 3",
    };

    return dashes[i % ARRAY_LEN(dashes)];
}

void svg_fmt_num(double v, char *dst, size_t cap)
{
    double a = fabs(v);

    if (a < 1e-9)
        snprintf(dst, cap, "0");
    else if (a >= 1e6)
        snprintf(dst, cap, "%.3gM", v / 1e6);
    else if (a >= 1e4)
        snprintf(dst, cap, "%.3gk", v / 1e3);
    else
        snprintf(dst, cap, "%.4g", v);
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4  ? 4
               : s[0] >= 0xe0                ? 3
               : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
                                             : 0;

    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    return n;
}

/* Escape at most max bytes of s (whole characters), "..." when cut. */
static int svg_escape_n(struct buf *out, const char *str, size_t max)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t used = 0;
    int rc = MU_OK;

    while (*s && !rc) {
        size_t n = *s < 0x80 ? 1 : utf8_len(s);

        if (used + (n ? n : 1) > max)
            return buf_adds(out, "\xe2\x80\xa6"); /* U+2026 */
        if (*s == '&')
            rc = buf_adds(out, "&amp;");
        else if (*s == '<')
            rc = buf_adds(out, "&lt;");
        else if (*s == '>')
            rc = buf_adds(out, "&gt;");
        else if (*s == '"')
            rc = buf_adds(out, "&quot;");
        else if (*s == '\'')
            rc = buf_adds(out, "&apos;");
        else if (n == 0 || (*s < 0x20 && *s != '\t' && *s != '\n'))
            rc = buf_addc(out, '?');
        else
            rc = buf_add(out, s, n);
        used += n ? n : 1;
        s += n ? n : 1;
    }
    return rc;
}

int svg_escape(struct buf *out, const char *s)
{
    return svg_escape_n(out, s, SIZE_MAX);
}

/* "Nice" ticks (1, 2, 5 x 10^k) covering [lo, hi]; widens the range to
 * the outer ticks. */
static void nice_ticks(double *lo, double *hi, struct svg_ticks *t)
{
    double span, raw, mag, step, first;

    if (!(*hi > *lo)) {
        *hi = *lo + (fabs(*lo) > 0 ? fabs(*lo) : 1);
        *lo = *lo > 0 ? 0 : *lo;
    }
    span = *hi - *lo;
    raw = span / 6;
    mag = pow(10, floor(log10(raw)));
    step = raw / mag <= 1   ? mag
           : raw / mag <= 2 ? 2 * mag
           : raw / mag <= 5 ? 5 * mag
                            : 10 * mag;
    first = floor(*lo / step) * step;
    *lo = first;
    *hi = ceil(*hi / step - 1e-9) * step;
    t->n = 0;
    for (double v = first; v <= *hi + step / 2 && t->n < SVG_MAX_TICKS;
         v += step)
        t->v[t->n++] = fabs(v) < step / 1e6 ? 0 : v;
}

static double fx(const struct svg_frame *f, double x)
{
    if (f->log_x)
        x = x > 0 ? MU_MAX(log10(x), f->x0) : f->x0;
    return f->left + (x - f->x0) / (f->x1 - f->x0) * (f->right - f->left);
}

static double fy(const struct svg_frame *f, double y)
{
    return f->bottom - (y - f->y0) / (f->y1 - f->y0) * (f->bottom - f->top);
}

static int svg_open(struct buf *out, double w, double h, const char *title)
{
    int rc = buf_printf(out,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                        "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f "
                        "%.0f\" font-family=\"DejaVu Sans, Arial, sans-serif\""
                        " font-size=\"13\">\n<rect width=\"100%%\" "
                        "height=\"100%%\" fill=\"white\"/>\n<text x=\"%.0f\" "
                        "y=\"24\" text-anchor=\"middle\" font-size=\"16\" "
                        "font-weight=\"bold\">",
                        w, h, w, h, w / 2);

    if (!rc)
        rc = svg_escape(out, title);
    return rc ? rc : buf_adds(out, "</text>\n");
}

/* The axis label under the x axis and rotated left of the y axis. */
static int svg_axis_labels(struct buf *out, const struct svg_frame *f,
                           const char *xl, const char *yl)
{
    double xm = (f->left + f->right) / 2, ym = (f->top + f->bottom) / 2;
    int rc = buf_printf(out,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor="
                        "\"middle\">",
                        xm, f->bottom + 44);

    if (!rc)
        rc = svg_escape(out, xl);
    if (!rc)
        rc = buf_printf(out,
                        "</text>\n<text x=\"%.1f\" y=\"%.1f\" "
                        "text-anchor=\"middle\" transform=\"rotate(-90 %.1f "
                        "%.1f)\">",
                        f->left - 58, ym, f->left - 58, ym);
    if (!rc)
        rc = svg_escape(out, yl);
    return rc ? rc : buf_adds(out, "</text>\n");
}

static int svg_y_ticks(struct buf *out, const struct svg_frame *f,
                       const struct svg_ticks *t)
{
    int rc = MU_OK;

    for (size_t i = 0; i < t->n && !rc; i++) {
        char lab[32];
        double y = fy(f, t->v[i]);

        svg_fmt_num(t->v[i], lab, sizeof(lab));
        rc = buf_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n<text x=\"%.1f\" "
                        "y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                        f->left, y, f->right, y, f->left - 6, y + 4, lab);
    }
    return rc;
}

/* Linear x ticks, or one per decade on a log axis (every other one when
 * there are more than 8 decades). */
static int svg_x_ticks(struct buf *out, const struct svg_frame *f,
                       const struct svg_ticks *t)
{
    size_t n = f->log_x ? (size_t)(f->x1 - f->x0) + 1 : t->n;
    size_t every = f->log_x && n > 8 ? 2 : 1;
    int rc = MU_OK;

    for (size_t i = 0; i < n && !rc; i += every) {
        double v = f->log_x ? pow(10, f->x0 + (double)i) : t->v[i];
        double x = fx(f, v);
        char lab[32];

        svg_fmt_num(v, lab, sizeof(lab));
        rc = buf_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n<text x=\"%.1f\" "
                        "y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                        x, f->top, x, f->bottom, x, f->bottom + 18, lab);
    }
    return rc;
}

static int svg_legend(struct buf *out, double x, double y,
                      const char *const *names, size_t n, bool lines)
{
    int rc = MU_OK;

    for (size_t i = 0; i < n && !rc; i++) {
        double ry = y + (double)i * SVG_ROW;

        if (lines)
            rc = buf_printf(out,
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                            "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\" "
                            "stroke-dasharray=\"%s\"/>\n",
                            x, ry - 4, x + 26, ry - 4, svg_colour(i),
                            svg_dash(i));
        else
            rc = buf_printf(out,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" "
                            "height=\"12\" fill=\"%s\"/>\n",
                            x + 4, ry - 11, svg_colour(i));
        if (!rc)
            rc = buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 34, ry);
        if (!rc)
            rc = svg_escape_n(out, names[i], SVG_LEGEND_CHARS);
        if (!rc)
            rc = buf_adds(out, "</text>\n");
    }
    return rc;
}

/* The data range of every series; x over positive values on a log axis. */
static int svg_range(const struct svg_chart *c, double *x0, double *x1,
                     double *y0, double *y1)
{
    bool any = false;

    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (size_t s = 0; s < c->nseries; s++) {
        const struct svg_series *se = &c->series[s];

        if (se->n > SVG_MAX_POINTS)
            return MU_EINVAL;
        for (size_t i = 0; i < se->n; i++) {
            if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
                return MU_EINVAL;
            *y0 = MU_MIN(*y0, se->y[i]);
            *y1 = MU_MAX(*y1, se->y[i]);
            if (c->log_x && se->x[i] <= 0)
                continue;
            *x0 = MU_MIN(*x0, se->x[i]);
            *x1 = MU_MAX(*x1, se->x[i]);
            any = true;
        }
    }
    if (!any) /* no points, or nothing positive on a log axis */
        *x0 = *x1 = c->log_x ? 1 : 0;
    if (!isfinite(*y0))
        *y0 = *y1 = 0;
    return MU_OK;
}

static void svg_line_frame(const struct svg_chart *c, struct svg_frame *f,
                           struct svg_ticks *xt, struct svg_ticks *yt,
                           double x0, double x1, double y0, double y1)
{
    f->log_x = c->log_x;
    if (c->y_max > c->y_min) {
        y0 = c->y_min;
        y1 = c->y_max;
    }
    nice_ticks(&y0, &y1, yt);
    if (c->log_x) {
        x0 = floor(log10(x0));
        x1 = MU_MAX(ceil(log10(x1)), x0 + 1);
        xt->n = 0;
    } else {
        x0 = MU_MIN(x0, 0); /* times and delays: from zero */
        nice_ticks(&x0, &x1, xt);
    }
    f->x0 = x0;
    f->x1 = x1;
    f->y0 = y0;
    f->y1 = y1;
}

static int svg_polyline(struct buf *out, const struct svg_frame *f,
                        const struct svg_series *se, size_t i)
{
    int rc = buf_adds(out, "<polyline class=\"series\" data-series=\"");

    if (!rc)
        rc = svg_escape(out, se->name);
    if (!rc)
        rc = buf_printf(out,
                        "\" fill=\"none\" stroke=\"%s\" "
                        "stroke-width=\"2\" stroke-dasharray=\"%s\" "
                        "points=\"",
                        svg_colour(i), svg_dash(i));
    for (size_t k = 0; k < se->n && !rc; k++)
        rc = buf_printf(out, "%s%.1f,%.1f", k ? " " : "", fx(f, se->x[k]),
                        fy(f, se->y[k]));
    return rc ? rc : buf_adds(out, "\"/>\n");
}

int svg_line_chart(struct buf *out, const struct svg_chart *c)
{
    const char *names[SVG_MAX_SERIES];
    struct svg_ticks xt, yt;
    struct svg_frame f = {.left = 90, .top = 48};
    double x0, x1, y0, y1, w = 900;
    double h = MU_MAX(440.0, 48 + SVG_ROW * (double)c->nseries + 80);
    int rc;

    if (c->nseries == 0 || c->nseries > SVG_MAX_SERIES ||
        svg_range(c, &x0, &x1, &y0, &y1))
        return MU_EINVAL;
    f.right = w - SVG_LEGEND_W;
    f.bottom = h - 64;
    svg_line_frame(c, &f, &xt, &yt, x0, x1, y0, y1);
    rc = svg_open(out, w, h, c->title);
    if (!rc)
        rc = svg_y_ticks(out, &f, &yt);
    if (!rc)
        rc = svg_x_ticks(out, &f, &xt);
    if (!rc)
        rc = buf_printf(out,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n",
                        f.left, f.top, f.right - f.left, f.bottom - f.top);
    if (!rc)
        rc = svg_axis_labels(out, &f, c->x_label, c->y_label);
    for (size_t i = 0; i < c->nseries && !rc; i++) {
        names[i] = c->series[i].name;
        rc = svg_polyline(out, &f, &c->series[i], i);
    }
    if (!rc)
        rc = svg_legend(out, f.right + 20, f.top + 14, names, c->nseries, true);
    return rc ? rc : buf_adds(out, "</svg>\n");
}

/* ---- bar charts ---- */

#define SVG_PANEL_W 290
#define SVG_PANEL_H 400

static int svg_bar(struct buf *out, const struct svg_frame *f, const char *name,
                   size_t i, size_t n, double v)
{
    double slot = (f->right - f->left) / (double)n;
    double bw = slot * 0.7, x = f->left + slot * (double)i + slot * 0.15;
    double y = fy(f, v), cx = x + bw / 2;
    char lab[32];
    int rc = buf_adds(out, "<rect class=\"bar\" data-series=\"");

    svg_fmt_num(v, lab, sizeof(lab));
    if (!rc)
        rc = svg_escape(out, name);
    if (!rc)
        rc = buf_printf(out,
                        "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"%s\"/>\n",
                        x, y, bw, f->bottom - y, svg_colour(i));
    if (rc)
        return rc;
    /* Narrow bars get their value written upwards so labels never touch. */
    if (bw < 36)
        return buf_printf(out,
                          "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\""
                          " transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
                          cx + 4, y - 4, cx + 4, y - 4, lab);
    return buf_printf(out,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                      "text-anchor=\"middle\">%s</text>\n",
                      cx, y - 4, lab);
}

static int svg_panel(struct buf *out, double left, const char *const *names,
                     size_t n, const struct svg_bar_panel *p)
{
    struct svg_frame f = {.left = left + 70,
                          .right = left + SVG_PANEL_W - 10,
                          .top = 80,
                          .bottom = SVG_PANEL_H - 40};
    struct svg_ticks yt;
    double hi = 0;
    int rc;

    for (size_t i = 0; i < n; i++)
        hi = MU_MAX(hi, p->values[i]);
    /* Headroom above the tallest bar for its value label. */
    f.y0 = 0;
    f.y1 = hi > 0 ? hi * 1.12 : 1;
    nice_ticks(&f.y0, &f.y1, &yt);
    f.x0 = 0;
    f.x1 = 1;
    rc = svg_y_ticks(out, &f, &yt);
    if (!rc)
        rc = buf_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#444\"/>\n<text x=\"%.1f\" "
                        "y=\"62\" text-anchor=\"middle\" font-weight=\"bold\">",
                        f.left, f.bottom, f.right, f.bottom,
                        (f.left + f.right) / 2);
    if (!rc)
        rc = svg_escape(out, p->title);
    if (!rc)
        rc = buf_adds(out, "</text>\n");
    if (!rc)
        rc = svg_axis_labels(out, &f, "", p->unit);
    for (size_t i = 0; i < n && !rc; i++)
        rc = svg_bar(out, &f, names[i], i, n, p->values[i]);
    return rc;
}

int svg_bar_chart(struct buf *out, const char *title, const char *const *names,
                  size_t nnames, const struct svg_bar_panel *panels,
                  size_t npanels)
{
    double w = (double)npanels * SVG_PANEL_W + SVG_LEGEND_W;
    double h = MU_MAX((double)SVG_PANEL_H, 80 + SVG_ROW * (double)nnames + 20);
    int rc;

    if (nnames == 0 || nnames > SVG_MAX_SERIES || npanels == 0)
        return MU_EINVAL;
    for (size_t p = 0; p < npanels; p++) {
        for (size_t i = 0; i < nnames; i++) {
            if (!(panels[p].values[i] >= 0) || !isfinite(panels[p].values[i]))
                return MU_EINVAL;
        }
    }
    rc = svg_open(out, w, h, title);
    for (size_t p = 0; p < npanels && !rc; p++)
        rc = svg_panel(out, (double)p * SVG_PANEL_W, names, nnames, &panels[p]);
    if (!rc)
        rc = svg_legend(out, (double)npanels * SVG_PANEL_W + 10, 94, names,
                        nnames, false);
    return rc ? rc : buf_adds(out, "</svg>\n");
}
