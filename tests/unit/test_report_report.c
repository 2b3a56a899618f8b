/* test_report_report.c - bench report tables: names, number formats, the
 * best value per column in the right direction, results.csv shape,
 * report.md winners and notes, CDF downsampling. */
#include "common.h"
#include "report/report.h"
#include "report/report_int.h"

#include <criterion/criterion.h>

static struct report_input traces[1], policies[3];
static struct report_run runs[3];
static struct report rep;

/* One trace, three policies: b is best on JCT and wait, c on util. */
static void setup(void)
{
    static const char *const pn[3] = {"a", "b", "c"};

    memset(runs, 0, sizeof(runs));
    memset(&rep, 0, sizeof(rep));
    snprintf(traces[0].name, sizeof(traces[0].name), "tr");
    traces[0].path = "data/tr.csv";
    for (size_t p = 0; p < 3; p++) {
        snprintf(policies[p].name, sizeof(policies[p].name), "%s", pn[p]);
        policies[p].path = pn[p];
        runs[p].sum.jobs = 10;
        runs[p].sum.completed = 10;
        runs[p].sum.nodes = 4;
        runs[p].sum.cluster_gpus = 32;
    }
    runs[0].sum.jct_mean = 100.0;
    runs[1].sum.jct_mean = 50.25;
    runs[2].sum.jct_mean = 75.0;
    runs[0].sum.wait_mean = 9;
    runs[1].sum.wait_mean = 1;
    runs[2].sum.wait_mean = 5;
    runs[0].sum.gpu_util = 0.40;
    runs[1].sum.gpu_util = 0.50;
    runs[2].sum.gpu_util = 0.6012;
    runs[2].sum.completed = 9;
    runs[2].sum.unfinished = 1;
    rep.out_dir = "/nonexistent";
    rep.cmdline = "muster bench --x '|y'";
    snprintf(rep.date, sizeof(rep.date), "2026-01-01T00:00:00Z");
    rep.cluster.path = "c.json";
    rep.traces = traces;
    rep.policies = policies;
    rep.ntraces = 1;
    rep.npolicies = 3;
    rep.runs = runs;
}

TestSuite(report, .init = setup);

Test(report, input_names_are_safe_stems_and_unique)
{
    struct report_input in[4] = {{.path = "dir/my trace.v2.csv"},
                                 {.path = "other/my trace.csv"},
                                 {.path = "x/../$(rm).json"},
                                 {.path = ".hidden"}};

    for (size_t i = 0; i < 4; i++)
        report_input_name(&in[i], in, i);
    cr_assert_str_eq(in[0].name, "my_trace");
    cr_assert_str_eq(in[1].name, "my_trace-2");
    cr_assert_str_eq(in[2].name, "__rm_");
    cr_assert_str_eq(in[3].name, "_hidden");
}

Test(report, values_are_formatted_with_their_unit_scale)
{
    char v[64];
    size_t jct = report_metric_index("jct_mean_s");
    size_t util = report_metric_index("gpu_util_pct");
    size_t gang = report_metric_index("gang");

    report_fmt(jct, &runs[1].sum, v, sizeof(v));
    cr_assert_str_eq(v, "50.250");
    report_fmt(util, &runs[2].sum, v, sizeof(v));
    cr_assert_str_eq(v, "60.12");
    report_fmt(gang, &runs[0].sum, v, sizeof(v));
    cr_assert_str_eq(v, "false");
}

Test(report, best_is_lowest_for_jct_and_highest_for_utilisation)
{
    size_t jct = report_metric_index("jct_mean_s");
    size_t util = report_metric_index("gpu_util_pct");
    size_t order[3];

    cr_assert(report_marked(&rep, 0, 1, jct));
    cr_assert_not(report_marked(&rep, 0, 0, jct));
    cr_assert(report_marked(&rep, 0, 2, util));
    cr_assert_not(report_marked(&rep, 0, 1, util));
    report_rank(&rep, 0, jct, order);
    cr_assert_eq(order[0], 1);
    cr_assert_eq(order[1], 2);
    cr_assert_eq(order[2], 0);
}

Test(report, ties_mark_all_tied_and_all_equal_marks_none)
{
    size_t jct = report_metric_index("jct_mean_s");
    size_t jobs = report_metric_index("jobs");
    size_t p50 = report_metric_index("jct_p50_s");

    runs[0].sum.jct_mean = 50.2504; /* prints as 50.250, as b's */
    cr_assert(report_marked(&rep, 0, 0, jct));
    cr_assert(report_marked(&rep, 0, 1, jct));
    cr_assert_not(report_marked(&rep, 0, 2, jct));
    /* jobs has no better direction; p50 is 0 everywhere. */
    cr_assert_not(report_marked(&rep, 0, 0, jobs));
    cr_assert_not(report_marked(&rep, 0, 0, p50));
}

Test(report, results_csv_has_a_header_and_a_row_per_run)
{
    char *text = NULL;
    size_t len = 0, nm, lines = 0, commas_header = 0;
    FILE *f = open_memstream(&text, &len);

    report_metrics(&nm);
    cr_assert_eq(report_results_csv(&rep, f), MU_OK);
    fclose(f);
    cr_assert(!strncmp(text, "trace,policy,jobs,completed,", 28));
    for (char *l = text; *l; lines++) {
        char *e = strchr(l, '\n');
        size_t commas = 0;

        cr_assert_not_null(e);
        for (char *c = l; c < e; c++)
            commas += *c == ',';
        if (lines == 0)
            commas_header = commas;
        cr_assert_eq(commas, commas_header, "line %zu", lines + 1);
        l = e + 1;
    }
    cr_assert_eq(lines, 4);
    cr_assert_eq(commas_header, nm + 1);
    cr_assert_not_null(strstr(text, "\ntr,b,10,10,0,"));
    free(text);
}

Test(report, markdown_bolds_the_best_and_names_the_winners)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    cr_assert_eq(report_markdown(&rep, f), MU_OK);
    fclose(f);
    cr_assert_not_null(strstr(text, "| b | **10** | **0** | 0 |"));
    cr_assert_not_null(strstr(text, "**50.250**"));
    cr_assert_not_null(strstr(text, "**60.12**"));
    cr_assert_not_null(strstr(text, "Best on job completion time (mean "
                                    "JCT): **b** (50.250 s; next: c, "
                                    "75.000 s)."));
    cr_assert_not_null(strstr(text, "Best on GPU utilisation: **c**"));
    cr_assert_not_null(strstr(text, "Best on queueing delay (mean wait): "
                                    "**b**"));
    cr_assert_not_null(strstr(text, "Note: c left 1 of 10 jobs "
                                    "unfinished"));
    /* The command line's '|' cannot break the Markdown. */
    cr_assert_not_null(strstr(text, "'\\|y'"));
    cr_assert_not_null(strstr(text, "muster version: " MUSTER_VERSION));
    cr_assert_not_null(strstr(text, "(4 nodes, 32 GPUs)"));
    free(text);
}

Test(report, cdf_is_bounded_monotone_and_ends_at_one)
{
    static double v[10000], x[1001], y[1001];
    size_t np;

    for (size_t i = 0; i < 10000; i++)
        v[i] = (double)((i * 7919) % 10000);
    report_cdf(v, 10000, 500, x, y, &np);
    cr_assert_eq(np, 1001);
    cr_assert_float_eq(x[0], 0, 1e-9);
    cr_assert_float_eq(y[0], 0, 1e-9);
    cr_assert_float_eq(x[np - 1], 9999, 1e-9);
    cr_assert_float_eq(y[np - 1], 1, 1e-9);
    for (size_t i = 1; i < np; i++) {
        cr_assert_geq(x[i], x[i - 1]);
        cr_assert_geq(y[i], y[i - 1]);
    }
}

Test(report, cdf_of_few_values_keeps_every_one)
{
    double v[3] = {3, 1, 2}, x[7], y[7];
    size_t np;

    report_cdf(v, 3, 500, x, y, &np);
    cr_assert_eq(np, 7);
    cr_assert_float_eq(x[2], 1, 1e-9);
    cr_assert_float_eq(y[2], 1.0 / 3, 1e-9);
    cr_assert_float_eq(y[6], 1, 1e-9);
    report_cdf(v, 0, 500, x, y, &np);
    cr_assert_eq(np, 0);
}

Test(report, html_highlights_the_best_and_embeds_every_plot)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    policies[1].path = "dir/<b>&.json";
    cr_assert_eq(report_html(&rep, f), MU_OK);
    fclose(f);
    cr_assert_not_null(strstr(text, "<td class=\"best\">50.250</td>"));
    cr_assert_not_null(strstr(text, "<img src=\"plots/tr-jct-cdf.svg\""));
    cr_assert_not_null(strstr(text, "<img src=\"plots/tr-wait-cdf.svg\""));
    cr_assert_not_null(strstr(text, "<img src=\"plots/tr-gpu-util.svg\""));
    cr_assert_not_null(strstr(text, "<img src=\"plots/tr-summary-bars.svg\""));
    /* A path from the command line is text, never markup. */
    cr_assert_not_null(strstr(text, "dir/&lt;b&gt;&amp;.json"));
    cr_assert_null(strstr(text, "<b>&"));
    cr_assert_not_null(strstr(text, "<strong>b</strong>"));
    free(text);
}
