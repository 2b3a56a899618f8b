/* test_bench.c - `muster bench` as a process: a small run (2 policies x 1
 * trace) writes every file, results.csv has the right rows and columns,
 * the SVGs are well-formed with one series per policy, report.md shows
 * the numbers of results.csv; bad input gives clear errors and exit 2/1. */
#include "common.h"
#include "util/buf.h"
#include "util/sha256.h"

#include "../common/xml_check.h"

#include <criterion/criterion.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLUSTER  "tests/data/sim/online_cluster.json"
#define TRACE    "tests/data/sim/online_trace.csv"
#define POLICY_A "policies/kube-default.json"
#define POLICY_B "policies/gang-topology.json"

static const char csv_header[] =
    "trace,policy,jobs,completed,unfinished,skipped_lines,pods_bound,cycles,"
    "events,partial_jobs,jct_mean_s,jct_p50_s,jct_p95_s,jct_p99_s,"
    "wait_mean_s,wait_p50_s,wait_p95_s,wait_p99_s,makespan_s,gpu_util_pct,"
    "gpu_alloc_pct,frag_gpus,frag_share_pct,busy_gpu_seconds,"
    "job_gpu_seconds,time_scale,cluster_gpus,nodes,median_gpus,gang,wall_s,"
    "events_per_s,jobs_per_s";

/* report.md's columns after "policy", and the results.csv column each
 * one shows. */
static const char *const md_cols[][2] = {
    {"done", "completed"},
    {"unfinished", "unfinished"},
    {"partial jobs", "partial_jobs"},
    {"JCT mean (s)", "jct_mean_s"},
    {"JCT p50 (s)", "jct_p50_s"},
    {"JCT p95 (s)", "jct_p95_s"},
    {"JCT p99 (s)", "jct_p99_s"},
    {"wait mean (s)", "wait_mean_s"},
    {"wait p50 (s)", "wait_p50_s"},
    {"wait p99 (s)", "wait_p99_s"},
    {"makespan (s)", "makespan_s"},
    {"GPU util (%)", "gpu_util_pct"},
    {"GPU alloc (%)", "gpu_alloc_pct"},
    {"frag GPUs", "frag_gpus"},
    {"frag (% of free)", "frag_share_pct"},
};

/* Run `muster bench ARGS` (bounded by timeout(1)), stdout and stderr
 * into out. RET the exit status. */
static int bench_run(const char *args, struct buf *out)
{
    const char *bin = getenv("MUSTER_BIN");
    char cmd[4096], chunk[4096];
    FILE *p;
    size_t n;
    int st;

    cr_assert_not_null(bin, "MUSTER_BIN must name the muster binary");
    snprintf(cmd, sizeof(cmd), "timeout 120 %s bench %s 2>&1", bin, args);
    buf_init(out, (size_t)16 << 20);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        cr_assert_eq(buf_add(out, chunk, n), MU_OK);
    st = pclose(p);
    cr_assert(WIFEXITED(st), "%s did not exit", cmd);
    if (!out->data)
        buf_adds(out, "");
    return WEXITSTATUS(st);
}

static char *slurp(const char *dir, const char *name)
{
    char path[1024], chunk[4096];
    struct buf b;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s is missing", path);
    buf_init(&b, (size_t)64 << 20);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        cr_assert_eq(buf_add(&b, chunk, n), MU_OK);
    fclose(f);
    if (!b.data)
        buf_adds(&b, "");
    return buf_steal(&b, NULL);
}

static void rm_tree(const char *dir)
{
    char cmd[1100];

    /* Only the directory this test made with mkdtemp. */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Split line (modified in place) at sep into at most max fields. */
static size_t split(char *line, char sep, char **f, size_t max)
{
    size_t n = 0;

    while (n < max) {
        char *e = strchr(line, sep);

        f[n++] = line;
        if (!e)
            break;
        *e = '\0';
        line = e + 1;
    }
    return n;
}

static size_t csv_col(char **hdr, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(hdr[i], name))
            return i;
    }
    cr_assert_fail("results.csv has no column %s", name);
    return 0;
}

/* Trim spaces and a ** pair around a Markdown table cell. */
static char *cell(char *s)
{
    size_t n;

    while (*s == ' ')
        s++;
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    if (n >= 4 && !strncmp(s, "**", 2) && !strcmp(s + n - 2, "**")) {
        s[n - 2] = '\0';
        s += 2;
    }
    return s;
}

/* results.csv: exactly the header and one row per policy, in order.
 * OUT hdr, rows: fields (pointing into text) */
static void check_csv(char *text, char **hdr, size_t *nh, char *rows[2][64])
{
    char *lines[8];
    size_t nl = split(text, '\n', lines, 8);

    cr_assert_eq(nl, 4, "results.csv: %zu lines, want header + 2 + end", nl);
    cr_assert_str_eq(lines[3], "");
    cr_assert_str_eq(lines[0], csv_header);
    *nh = split(lines[0], ',', hdr, 64);
    for (size_t r = 0; r < 2; r++) {
        size_t n = split(lines[1 + r], ',', rows[r], 64);

        cr_assert_eq(n, *nh, "row %zu: %zu columns, header %zu", r, n, *nh);
        cr_assert_str_eq(rows[r][0], "online_trace");
    }
    cr_assert_str_eq(rows[0][1], "kube-default");
    cr_assert_str_eq(rows[1][1], "gang-topology");
    cr_assert_str_eq(rows[0][csv_col(hdr, *nh, "jobs")], "40");
}

/* report.md's table for the trace shows exactly results.csv's values. */
static void check_md(char *md, char **hdr, size_t nh, char *rows[2][64])
{
    char *t = strstr(md, "## Trace online_trace"), *lines[5], *c[32];
    size_t nc;

    cr_assert_not_null(t);
    t = strstr(t, "\n| policy |");
    cr_assert_not_null(t);
    split(t + 1, '\n', lines, 5);
    nc = split(lines[0], '|', c, 32);
    cr_assert_eq(nc, ARRAY_LEN(md_cols) + 3, "header cells %zu", nc);
    for (size_t i = 0; i < ARRAY_LEN(md_cols); i++)
        cr_assert_str_eq(cell(c[i + 2]), md_cols[i][0]);
    for (size_t r = 0; r < 2; r++) {
        nc = split(lines[2 + r], '|', c, 32);
        cr_assert_eq(nc, ARRAY_LEN(md_cols) + 3);
        cr_assert_str_eq(cell(c[1]), rows[r][1]);
        for (size_t i = 0; i < ARRAY_LEN(md_cols); i++)
            cr_assert_str_eq(cell(c[i + 2]),
                             rows[r][csv_col(hdr, nh, md_cols[i][1])], "%s, %s",
                             rows[r][1], md_cols[i][0]);
    }
}

static void check_svgs(const char *dir)
{
    static const char *const files[] = {
        "plots/online_trace-jct-cdf.svg",
        "plots/online_trace-wait-cdf.svg",
        "plots/online_trace-gpu-util.svg",
        "plots/online_trace-summary-bars.svg",
    };

    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        char *svg = slurp(dir, files[i]);
        struct xml_check x;
        bool bars = i == 3;
        const char *el = bars ? "<rect class=\"bar\" data-series=\""
                              : "<polyline class=\"series\" data-series=\"";
        char want[128];

        cr_assert(xml_check(&x, svg), "%s: %s", files[i], x.err);
        cr_assert(
            !strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39),
            "%s", files[i]);
        for (size_t p = 0; p < 2; p++) {
            snprintf(want, sizeof(want), "%s%s\"", el,
                     p ? "gang-topology" : "kube-default");
            cr_assert_eq(xml_count(svg, want), bars ? 3 : 1, "%s: %s", files[i],
                         want);
        }
        cr_assert_eq(xml_count(svg, el), bars ? 6 : 2, "%s", files[i]);
        free(svg);
    }
}

Test(cmd_bench, small_bench_writes_consistent_report_files)
{
    char dir[64] = "/tmp/muster-bench-XXXXXX", args[1024], sha[65];
    char *hdr[64], *rows[2][64], *csv, *md, *html;
    struct buf out;
    struct stat st;
    size_t nh;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(args, sizeof(args),
             "--cluster " CLUSTER " --trace " TRACE " --policy " POLICY_A
             " --policy " POLICY_B " --out %s/r "
             "--jobs 2",
             dir);
    strcat(dir, "/r");
    cr_assert_eq(bench_run(args, &out), 0, "%s", out.data);
    cr_assert_not_null(strstr(out.data, "start trace=online_trace "
                                        "policy=kube-default"));
    cr_assert_not_null(strstr(out.data, "done  trace=online_trace "
                                        "policy=gang-topology"));
    cr_assert_eq(stat(strcat(strcpy(args, dir), "/runs/online_trace/"
                                                "gang-topology/summary.json"),
                      &st),
                 0);
    csv = slurp(dir, "results.csv");
    md = slurp(dir, "report.md");
    html = slurp(dir, "report.html");
    cr_assert_not_null(strstr(md, "Best on job completion time"));
    cr_assert_not_null(strstr(md, "Best on GPU utilisation"));
    cr_assert_not_null(strstr(md, "Best on queueing delay"));
    check_csv(csv, hdr, &nh, rows);
    check_md(md, hdr, nh, rows);
    check_svgs(dir);
    cr_assert_eq(sha256_file(POLICY_B, sha), MU_OK);
    cr_assert_not_null(strstr(md, sha));
    cr_assert_not_null(strstr(html, sha));
    cr_assert_not_null(strstr(html, "<img src=\"plots/online_trace-jct-cdf"
                                    ".svg\""));
    free(csv);
    free(md);
    free(html);
    buf_fini(&out);
    dir[strlen(dir) - 2] = '\0';
    rm_tree(dir);
}

Test(cmd_bench, unknown_policy_file_exits_2_and_names_it)
{
    struct buf out;

    cr_assert_eq(bench_run("--cluster " CLUSTER " --trace " TRACE
                           " --policy policies/no-such.json --out "
                           "/tmp/muster-bench-never",
                           &out),
                 2, "%s", out.data);
    cr_assert_not_null(strstr(out.data, "policies/no-such.json"), "%s",
                       out.data);
    /* Nothing ran and nothing was written. */
    cr_assert_null(strstr(out.data, "start trace="));
    cr_assert_neq(access("/tmp/muster-bench-never", F_OK), 0);
    buf_fini(&out);
}

Test(cmd_bench, broken_trace_line_fails_naming_trace_policy_and_line)
{
    char dir[] = "/tmp/muster-bench-XXXXXX", path[256], args[1024];
    struct buf out;
    FILE *f;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/broken.csv", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "job_id,submit_time,num_pods,gpus_per_pod,duration\n"
               "j1,0,1,1,10\nj2,1,1,lots,10\n");
    fclose(f);
    snprintf(args, sizeof(args),
             "--cluster " CLUSTER " --trace %s "
             "--policy " POLICY_A " --policy " POLICY_B " --out %s/r "
             "--jobs 2",
             path, dir);
    cr_assert_eq(bench_run(args, &out), 2, "%s", out.data);
    cr_assert_not_null(strstr(out.data, "run trace=broken policy="), "%s",
                       out.data);
    cr_assert_not_null(strstr(out.data, "broken.csv:3"), "%s", out.data);
    /* No report from a failed bench. */
    snprintf(path, sizeof(path), "%s/r/report.md", dir);
    cr_assert_neq(access(path, F_OK), 0);
    buf_fini(&out);
    rm_tree(dir);
}

Test(cmd_bench, bad_trace_header_exits_2_before_any_run)
{
    char dir[] = "/tmp/muster-bench-XXXXXX", path[256], args[1024];
    struct buf out;
    FILE *f;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/nohdr.csv", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "this,is,not,a,trace\n");
    fclose(f);
    snprintf(args, sizeof(args),
             "--cluster " CLUSTER " --trace %s "
             "--policy " POLICY_A " --out %s/r",
             path, dir);
    cr_assert_eq(bench_run(args, &out), 2, "%s", out.data);
    cr_assert_not_null(strstr(out.data, "nohdr.csv"), "%s", out.data);
    cr_assert_null(strstr(out.data, "start trace="));
    buf_fini(&out);
    rm_tree(dir);
}

Test(cmd_bench, unwritable_out_exits_1_with_the_reason)
{
    char dir[] = "/tmp/muster-bench-XXXXXX", path[256], args[1024];
    struct buf out;
    FILE *f;

    cr_assert_not_null(mkdtemp(dir));
    /* A directory under a regular file cannot exist, even for root. */
    snprintf(path, sizeof(path), "%s/file", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    snprintf(args, sizeof(args),
             "--cluster " CLUSTER " --trace " TRACE " --policy " POLICY_A
             " --out %s/sub",
             path);
    cr_assert_eq(bench_run(args, &out), 1, "%s", out.data);
    cr_assert_not_null(strstr(out.data, "cannot create"), "%s", out.data);
    cr_assert_not_null(strstr(out.data, "Not a directory"), "%s", out.data);
    buf_fini(&out);
    rm_tree(dir);
}

Test(cmd_bench, bad_flags_exit_2_and_say_what_is_wrong)
{
    static const char *const cases[][2] = {
        {"--cluster " CLUSTER " --trace " TRACE " --policy " POLICY_A,
         "are required"},
        {"--cluster " CLUSTER " --trace " TRACE " --policy " POLICY_A
         " --out /tmp/x --jobs 0",
         "--jobs 0: not a valid value"},
        {"--cluster " CLUSTER " --trace " TRACE " --policy " POLICY_A
         " --out /tmp/x --jobs many",
         "--jobs many"},
        {"--frobnicate 1", "unknown flag --frobnicate"},
        {"--cluster", "--cluster needs a value"},
        {"--cluster " CLUSTER " --trace " TRACE " --policy " POLICY_A
         " --out /tmp/x --load 0.5 --time-scale 2",
         "not both"},
    };

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct buf out;

        cr_assert_eq(bench_run(cases[i][0], &out), 2, "%s: %s", cases[i][0],
                     out.data);
        cr_assert_not_null(strstr(out.data, cases[i][1]), "%s: %s", cases[i][0],
                           out.data);
        buf_fini(&out);
    }
}
