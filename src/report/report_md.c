/* report_md.c - report.md: the reproducibility record, then per trace a
 * table with the best value in each column in bold, the winners on JCT,
 * utilisation and queueing delay, and the plots. */
#include "common.h"
#include "report/report_int.h"

/* Text that Markdown must not read as markup (paths, command lines). */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_|<>[]#", *s))
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
}

/* The reproducibility record: version, date, command, every input hash. */
static void md_inputs(const struct report *r, FILE *f)
{
    const struct sim_summary *s = &r->runs[0].sum;

    fprintf(f, "# muster bench report\n\n");
    fprintf(f, "- muster version: %s\n- date: %s\n- command: ", MUSTER_VERSION,
            r->date);
    md_text(f, r->cmdline);
    fprintf(f, "\n- cluster: ");
    md_text(f, r->cluster.path);
    fprintf(f, " (%zu nodes, %lld GPUs), sha256 %s\n\n", s->nodes,
            (long long)s->cluster_gpus, r->cluster.sha256);
    fprintf(f, "| input | name | file | sha256 |\n|---|---|---|---|\n");
    for (size_t p = 0; p < r->npolicies; p++) {
        fprintf(f, "| policy | %s | ", r->policies[p].name);
        md_text(f, r->policies[p].path);
        fprintf(f, " | %s |\n", r->policies[p].sha256);
    }
    for (size_t t = 0; t < r->ntraces; t++) {
        fprintf(f, "| trace | %s | ", r->traces[t].name);
        md_text(f, r->traces[t].path);
        fprintf(f, " | %s |\n", r->traces[t].sha256);
    }
    fprintf(f, "\nBest value per column in **bold** (lower is better for "
               "JCT, wait, makespan, fragmentation, unfinished and partial "
               "jobs; higher for done jobs and GPU utilisation; GPU alloc "
               "counts idle held GPUs too, so it is not ranked). "
               "JCT and wait cover completed jobs. Per-run files: "
               "runs/TRACE/POLICY/ (jobs.csv, timeline.csv, summary.json); "
               "every metric: results.csv.\n");
}

static void md_table(const struct report *r, size_t t, FILE *f)
{
    size_t nm;
    const struct report_metric *m = report_metrics(&nm);

    fprintf(f, "| policy |");
    for (size_t i = 0; i < nm; i++) {
        if (m[i].label)
            fprintf(f, " %s |", m[i].label);
    }
    fprintf(f, "\n|---|");
    for (size_t i = 0; i < nm; i++)
        fputs(m[i].label ? "---:|" : "", f);
    fputc('\n', f);
    for (size_t p = 0; p < r->npolicies; p++) {
        fprintf(f, "| %s |", r->policies[p].name);
        for (size_t i = 0; i < nm; i++) {
            char v[64];
            bool b = report_marked(r, t, p, i);

            if (!m[i].label)
                continue;
            report_fmt(i, &r->runs[t * r->npolicies + p].sum, v, sizeof(v));
            fprintf(f, " %s%s%s |", b ? "**" : "", v, b ? "**" : "");
        }
        fputc('\n', f);
    }
}

void report_winner(const struct report *r, size_t t, FILE *f,
                   const char *column, const char *what, const char *unit,
                   const char *bold_on, const char *bold_off)
{
    size_t i = report_metric_index(column), order[REPORT_MAX_POLICIES];
    size_t ntied = 1;
    char a[64], b[64];

    report_rank(r, t, i, order);
    report_fmt(i, &r->runs[t * r->npolicies + order[0]].sum, a, sizeof(a));
    if (r->npolicies > 1 && !report_marked(r, t, order[0], i)) {
        fprintf(f, "%s: every policy ties at %s%s.", what, a, unit);
        return;
    }
    /* Every policy tied for the best is named, the runner-up after. */
    while (ntied < r->npolicies && report_marked(r, t, order[ntied], i))
        ntied++;
    fprintf(f, "%s: ", what);
    for (size_t k = 0; k < ntied; k++)
        fprintf(f, "%s%s%s%s",
                k == 0          ? ""
                : k + 1 < ntied ? ", "
                                : " and ",
                bold_on, r->policies[order[k]].name, bold_off);
    fprintf(f, "%s (%s%s", ntied > 1 ? " tie" : "", a, unit);
    if (ntied < r->npolicies) {
        report_fmt(i, &r->runs[t * r->npolicies + order[ntied]].sum, b,
                   sizeof(b));
        fprintf(f, "; next: %s, %s%s", r->policies[order[ntied]].name, b, unit);
    }
    fprintf(f, ").");
}

void report_winners(const struct report *r, size_t t, FILE *f,
                    const char *item_on, const char *item_off,
                    const char *bold_on, const char *bold_off)
{
    static const char *const w[3][3] = {
        {"jct_mean_s", "Best on job completion time (mean JCT)", " s"},
        {"gpu_util_pct", "Best on GPU utilisation", " %"},
        {"wait_mean_s", "Best on queueing delay (mean wait)", " s"},
    };

    for (size_t k = 0; k < 3; k++) {
        fputs(item_on, f);
        report_winner(r, t, f, w[k][0], w[k][1], w[k][2], bold_on, bold_off);
        fputs(item_off, f);
    }
    for (size_t p = 0; p < r->npolicies; p++) {
        const struct sim_summary *s = &r->runs[t * r->npolicies + p].sum;

        if (s->unfinished == 0)
            continue;
        fprintf(f,
                "%sNote: %s left %llu of %llu jobs unfinished; its JCT "
                "and wait figures cover only the completed ones.%s",
                item_on, r->policies[p].name, (unsigned long long)s->unfinished,
                (unsigned long long)s->jobs, item_off);
    }
}

static void md_trace(const struct report *r, size_t t, FILE *f)
{
    const struct sim_summary *s0 = &r->runs[t * r->npolicies].sum;

    fprintf(f, "\n## Trace %s\n\n%llu jobs from ", r->traces[t].name,
            (unsigned long long)s0->jobs);
    md_text(f, r->traces[t].path);
    fprintf(f, ".\n\n");
    md_table(r, t, f);
    fprintf(f, "\n");
    report_winners(r, t, f, "- ", "\n", "**", "**");
    fprintf(f, "\n");
    for (int k = 0; k < REPORT_PLOT_KINDS; k++) {
        char path[512];

        report_plot_path(r, t, (enum report_plot_kind)k, path, sizeof(path));
        fprintf(f, "![%s](%s)\n", report_plot_caption((enum report_plot_kind)k),
                path);
    }
}

int report_markdown(const struct report *r, FILE *f)
{
    if (r->ntraces == 0 || r->npolicies == 0)
        return MU_EINVAL;
    md_inputs(r, f);
    for (size_t t = 0; t < r->ntraces; t++)
        md_trace(r, t, f);
    return ferror(f) ? MU_EIO : MU_OK;
}
