/* report_html.c - report.html: the same record and tables as report.md,
 * best values highlighted, and the SVG plots embedded with <img>. */
#include "common.h"
#include "report/report_int.h"

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>muster bench report</title>\n<style>\n"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;"
    "color:#222;max-width:1340px}\n"
    "table{border-collapse:collapse;margin:8px 0;font-size:13px}\n"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\n"
    "th{background:#f3f3f3}\n"
    "th:first-child,td:first-child{text-align:left}\n"
    "td.best{font-weight:bold;background:#dff0e0}\n"
    "table.inputs td{text-align:left;font-family:monospace;font-size:12px}\n"
    ".plots img{display:block;max-width:100%;margin:16px 0;"
    "border:1px solid #ddd}\n"
    "code{font-size:12px;word-break:break-all}\n"
    "</style>\n</head>\n<body>\n<h1>muster bench report</h1>\n";

/* Text for HTML element content and attribute values. */
static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void html_input_row(FILE *f, const char *kind,
                           const struct report_input *in)
{
    fprintf(f, "<tr><td>%s</td><td>%s</td><td>", kind, in->name);
    html_text(f, in->path);
    fprintf(f, "</td><td>%s</td></tr>\n", in->sha256);
}

static void html_inputs(const struct report *r, FILE *f)
{
    const struct sim_summary *s = &r->runs[0].sum;

    fprintf(f,
            "<ul>\n<li>muster version: %s</li>\n<li>date: %s</li>\n"
            "<li>command: <code>",
            MUSTER_VERSION, r->date);
    html_text(f, r->cmdline);
    fprintf(f, "</code></li>\n<li>cluster: <code>");
    html_text(f, r->cluster.path);
    fprintf(f,
            "</code> (%zu nodes, %lld GPUs), sha256 <code>%s</code></li>"
            "\n</ul>\n<table class=\"inputs\">\n<tr><th>input</th><th>name"
            "</th><th>file</th><th>sha256</th></tr>\n",
            s->nodes, (long long)s->cluster_gpus, r->cluster.sha256);
    for (size_t p = 0; p < r->npolicies; p++)
        html_input_row(f, "policy", &r->policies[p]);
    for (size_t t = 0; t < r->ntraces; t++)
        html_input_row(f, "trace", &r->traces[t]);
    fprintf(f, "</table>\n<p>Best value per column highlighted (lower is "
               "better for JCT, wait, makespan, fragmentation, unfinished and "
               "partial jobs; higher for done jobs and GPU utilisation; GPU "
               "alloc counts idle held GPUs too, so it is not ranked). JCT and "
               "wait cover completed jobs. Every metric: "
               "<a href=\"results.csv\">results.csv</a>; per run: "
               "runs/TRACE/POLICY/.</p>\n");
}

static void html_table(const struct report *r, size_t t, FILE *f)
{
    size_t nm;
    const struct report_metric *m = report_metrics(&nm);

    fprintf(f, "<table>\n<tr><th>policy</th>");
    for (size_t i = 0; i < nm; i++) {
        if (m[i].label)
            fprintf(f, "<th>%s</th>", m[i].label);
    }
    fprintf(f, "</tr>\n");
    for (size_t p = 0; p < r->npolicies; p++) {
        fprintf(f, "<tr><td>%s</td>", r->policies[p].name);
        for (size_t i = 0; i < nm; i++) {
            char v[64];

            if (!m[i].label)
                continue;
            report_fmt(i, &r->runs[t * r->npolicies + p].sum, v, sizeof(v));
            fprintf(f, "<td%s>%s</td>",
                    report_marked(r, t, p, i) ? " class=\"best\"" : "", v);
        }
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n");
}

static void html_trace(const struct report *r, size_t t, FILE *f)
{
    fprintf(f, "<h2>Trace %s</h2>\n<p>%llu jobs from <code>", r->traces[t].name,
            (unsigned long long)r->runs[t * r->npolicies].sum.jobs);
    html_text(f, r->traces[t].path);
    fprintf(f, "</code>.</p>\n");
    html_table(r, t, f);
    fprintf(f, "<ul>\n");
    report_winners(r, t, f, "<li>", "</li>\n", "<strong>", "</strong>");
    fprintf(f, "</ul>\n<div class=\"plots\">\n");
    for (int k = 0; k < REPORT_PLOT_KINDS; k++) {
        char path[512];

        report_plot_path(r, t, (enum report_plot_kind)k, path, sizeof(path));
        fprintf(f, "<img src=\"%s\" alt=\"%s\">\n", path,
                report_plot_caption((enum report_plot_kind)k));
    }
    fprintf(f, "</div>\n");
}

int report_html(const struct report *r, FILE *f)
{
    if (r->ntraces == 0 || r->npolicies == 0)
        return MU_EINVAL;
    fputs(html_head, f);
    html_inputs(r, f);
    for (size_t t = 0; t < r->ntraces; t++)
        html_trace(r, t, f);
    fprintf(f, "</body>\n</html>\n");
    return ferror(f) ? MU_EIO : MU_OK;
}
