/* test_sim_trace.c - the trace CSV reader: columns, defaults, quoting,
 * every validation error with its line number, and the pre-pass. */
#include "common.h"
#include "sim/trace.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>
#include <unistd.h>

/* Read the whole text; RET the code of the first failure (or MU_ENOENT
 * at the end) and leave the last error in err. */
static int read_all(const char *text, struct trace_job *jobs, size_t max,
                    size_t *n, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    struct trace_reader *r = NULL;
    int rc;

    cr_assert(f);
    *n = 0;
    rc = trace_reader_new(f, "t.csv", &r, err, errlen);
    while (rc == MU_OK) {
        cr_assert_lt(*n, max);
        rc = trace_next(r, &jobs[*n], err, errlen);
        if (rc == MU_OK)
            (*n)++;
    }
    trace_reader_free(r);
    fclose(f);
    return rc;
}

static void expect_err(const char *text, const char *want)
{
    struct trace_job jobs[8];
    char err[256] = "";
    size_t n;
    int rc = read_all(text, jobs, 8, &n, err, sizeof(err));

    cr_assert_eq(rc, MU_EINVAL, "no error for: %s (rc %d)", text, rc);
    cr_assert(strstr(err, want), "error \"%s\" lacks \"%s\"", err, want);
}

Test(trace, reads_required_columns_with_defaults)
{
    struct trace_job j[4];
    char err[256] = "";
    size_t n;

    cr_assert_eq(read_all("job_id,submit_time,num_pods,gpus_per_pod,"
                          "duration\nj1,0,2,8,100\nj2,1.5,1,0,0.25\n",
                          j, 4, &n, err, sizeof(err)), MU_ENOENT, "%s", err);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(j[0].id, "j1");
    cr_assert_eq(j[0].num_pods, 2);
    cr_assert_eq(j[0].min_member, 2);
    cr_assert_eq(j[0].gpus_per_pod, 8);
    cr_assert_eq(j[0].duration_ms, 100000);
    cr_assert_eq(j[0].cpu_milli, 0);
    cr_assert_str_eq(j[0].queue, "default");
    cr_assert_eq(j[0].line, 2);
    cr_assert_eq(j[1].submit_ms, 1500);
    cr_assert_eq(j[1].duration_ms, 250);
}

Test(trace, reads_optional_columns_in_any_order_and_quoted_fields)
{
    struct trace_job j[4];
    char err[256] = "";
    size_t n;

    cr_assert_eq(read_all("# a comment\n\nuser,queue,priority,min_member,"
                          "memory_per_pod,cpu_per_pod,duration,gpus_per_pod,"
                          "num_pods,submit_time,job_id\r\n"
                          "\"smith, j\",team-a,-5,2,16Gi,500m,60,4,3,7,x.1\r\n"
                          "# trailing comment\n"
                          "\"say \"\"hi\"\"\",,,,,4, 1 ,1,1,8,x.2\n",
                          j, 4, &n, err, sizeof(err)), MU_ENOENT, "%s", err);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(j[0].user, "smith, j");
    cr_assert_str_eq(j[0].queue, "team-a");
    cr_assert_eq(j[0].priority, -5);
    cr_assert_eq(j[0].min_member, 2);
    cr_assert_eq(j[0].memory, 16LL << 30);
    cr_assert_eq(j[0].cpu_milli, 500);
    cr_assert_eq(j[0].line, 4);
    cr_assert_str_eq(j[1].user, "say \"hi\"");
    cr_assert_eq(j[1].cpu_milli, 4000);
    cr_assert_eq(j[1].min_member, 1);
    cr_assert_eq(j[1].line, 6);
}

#define HDR "job_id,submit_time,num_pods,gpus_per_pod,duration\n"

Test(trace, rejects_bad_headers)
{
    expect_err("# only a comment\n\n", "t.csv: empty trace");
    expect_err("job_id,submit_time,num_pods,gpus_per_pod\n",
               "t.csv:1: missing column duration");
    expect_err("job_id,submit_time,num_pods,gpus_per_pod,duration,gpu\n",
               "t.csv:1: unknown column \"gpu\"");
    expect_err("job_id,job_id,submit_time,num_pods,gpus_per_pod,duration\n",
               "t.csv:1: duplicate column \"job_id\"");
}

Test(trace, rejects_bad_numbers_with_line_numbers)
{
    expect_err(HDR "a,0,1,1,1\nb,x,1,1,1\n", "t.csv:3: submit_time: \"x\"");
    expect_err(HDR "a,-1,1,1,1\n", "t.csv:2: submit_time");
    expect_err(HDR "a,1.2345,1,1,1\n", "at most 3 decimals");
    expect_err(HDR "a,1,0,1,1\n", "num_pods: 0 not in 1..10000");
    expect_err(HDR "a,1,1,1x,1\n", "gpus_per_pod: \"1x\" is not a whole");
    expect_err(HDR "a,1,1,99999999999999999999999,1\n",
               "gpus_per_pod: 99999999999999999999999 not in 0..1024");
    expect_err(HDR "a,1,1,1,99999999999999\n", "duration: 99999999999999 is"
               " more than");
    expect_err(HDR "a,1,1,1,\n", "t.csv:2: duration: empty");
    expect_err(HDR "a,1,1\n", "t.csv:2: 3 fields, the header has 5");
    expect_err(HDR "a b,1,1,1,1\n", "job_id: \"a b\" may hold only");
}

Test(trace, rejects_bad_optional_fields)
{
    expect_err("job_id,submit_time,num_pods,gpus_per_pod,duration,"
               "min_member\na,1,2,1,1,3\n", "min_member: 3 is more than "
               "num_pods 2");
    expect_err("job_id,submit_time,num_pods,gpus_per_pod,duration,"
               "cpu_per_pod\na,1,2,1,1,-1\n", "cpu_per_pod: \"-1\"");
    expect_err("job_id,submit_time,num_pods,gpus_per_pod,duration,"
               "memory_per_pod\na,1,2,1,1,4Gx\n", "memory_per_pod: \"4Gx\"");
    expect_err("job_id,submit_time,num_pods,gpus_per_pod,duration,queue\n"
               "a,1,2,1,1,Team_A\n", "queue: \"Team_A\" is not a DNS label");
    expect_err("job_id,submit_time,num_pods,gpus_per_pod,duration,priority"
               "\na,1,2,1,1,2147483648\n", "priority: \"2147483648\"");
    expect_err(HDR "a,1,1,1,1\n\"b,1,1,1,1\n", "t.csv:3: field 1: "
               "unterminated quote");
}

Test(trace, rejects_unsorted_submit_times)
{
    expect_err(HDR "a,5,1,1,1\nb,4.5,1,1,1\n", "t.csv:3: submit_time 4.500 "
               "is earlier than line 2's");
}

Test(trace, rejects_overlong_lines_and_goes_on)
{
    size_t big = TRACE_LINE_MAX + 100, n;
    char *text = calloc(1, big + 200), err[256] = "";
    struct trace_job j[4];
    FILE *f;
    struct trace_reader *r;

    strcpy(text, HDR "a,1,1,1,1\n");
    memset(text + strlen(text), 'x', big);
    strcat(text, "\nc,2,1,1,1\n");
    f = fmemopen(text, strlen(text), "r");
    cr_assert_eq(trace_reader_new(f, "t.csv", &r, err, sizeof(err)), MU_OK);
    cr_assert_eq(trace_next(r, &j[0], err, sizeof(err)), MU_OK);
    cr_assert_eq(trace_next(r, &j[1], err, sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, "t.csv:3: line longer than 4096"), "%s", err);
    cr_assert_eq(trace_next(r, &j[2], err, sizeof(err)), MU_OK);
    cr_assert_str_eq(j[2].id, "c");
    cr_assert_eq(j[2].line, 4);
    n = 0;
    cr_assert_eq(trace_next(r, &j[3], err, sizeof(err)), MU_ENOENT);
    (void)n;
    trace_reader_free(r);
    fclose(f);
    free(text);
}

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/mu-trace-XXXXXX");
    int fd = mkstemp(path);

    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

Test(trace, scan_finds_duplicates_and_counts_load)
{
    char *path = write_tmp(HDR "a,0,2,4,10\nb,1,1,8,5\nbad,x,1,1,1\n"
                           "a,9,1,2,1\nc,10,1,1,1\n");
    struct trace_stats st;
    char err[256] = "";

    cr_assert_eq(trace_scan(path, false, &st, err, sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, ":4: submit_time: \"x\""), "%s", err);
    trace_stats_fini(&st);
    cr_assert_eq(trace_scan(path, true, &st, err, sizeof(err)), MU_OK, "%s",
                 err);
    cr_assert_eq(st.bad, 2);   /* the bad line and the repeated id */
    cr_assert_eq(st.jobs, 3);
    cr_assert(trace_stats_is_dup(&st, 5));
    cr_assert_not(trace_stats_is_dup(&st, 2));
    cr_assert_eq(st.first_ms, 0);
    cr_assert_eq(st.last_ms, 10000);
    cr_assert_eq(st.median_gpus, 4);   /* pods: 4,4,8,2,1 -> 4 */
    trace_stats_fini(&st);
    unlink(path);
    free(path);
}

Test(trace, scan_reports_a_duplicate_id_by_line)
{
    char *path = write_tmp(HDR "a,0,1,1,1\nb,1,1,1,1\na,2,1,1,1\n");
    struct trace_stats st;
    char err[256] = "";

    cr_assert_eq(trace_scan(path, false, &st, err, sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, ":4: job_id: repeats line 2's"), "%s", err);
    trace_stats_fini(&st);
    unlink(path);
    free(path);
}

/* A trace longer than the in-memory hashes spills them to a temporary
 * file and checks them by partition: the same duplicates, the same first
 * one in the message, whatever the memory. */
Test(trace, scan_with_few_hashes_in_memory_finds_the_same_duplicates)
{
    char *text = xstrdup(HDR), *path;
    static const size_t mems[] = {1, 3, 16, 1000};
    struct trace_stats st;
    char err[256] = "";

    for (int i = 0; i < 200; i++) {
        /* ids repeat: j5 at lines 7 and 107, j17 at 19, 119, 169. */
        int id = i < 100 ? i : i < 150 ? i - 100 + 1000 : i - 150 + 1000;
        char *next;

        if (i == 105)
            id = 5;
        if (i == 117 || i == 167)
            id = 17;
        next = xasprintf("%sj%d,%d,1,1,1\n", text, id, i);
        free(text);
        text = next;
    }
    path = write_tmp(text);
    for (size_t m = 0; m < ARRAY_LEN(mems); m++) {
        cr_assert_eq(trace_scan_mem(path, false, mems[m], &st, err,
                                    sizeof(err)), MU_EINVAL);
        cr_assert(strstr(err, ":107: job_id: repeats line 7's"), "mem %zu: "
                  "%s", mems[m], err);
        trace_stats_fini(&st);
        cr_assert_eq(trace_scan_mem(path, true, mems[m], &st, err,
                                    sizeof(err)), MU_OK, "%s", err);
        /* j5 once, j17 twice (lines 119, 169: i 117 and 167 are j17, so
         * j1017 is gone and j1005 appears once), j1000..j1049 again at
         * lines 152..201 but for those two: 51. */
        cr_assert_eq(st.ndups, 51, "mem %zu: %zu", mems[m], st.ndups);
        cr_assert_eq(st.jobs, 149);
        cr_assert(trace_stats_is_dup(&st, 107));
        cr_assert(trace_stats_is_dup(&st, 119));
        cr_assert(trace_stats_is_dup(&st, 169));
        cr_assert(trace_stats_is_dup(&st, 152));
        cr_assert_not(trace_stats_is_dup(&st, 7));
        cr_assert_not(trace_stats_is_dup(&st, 102));
        trace_stats_fini(&st);
    }
    unlink(path);
    free(path);
    free(text);
}

Test(trace, parsers_reject_garbage)
{
    uint64_t u;
    int64_t ms;

    cr_assert_eq(trace_parse_u64("", 0, 10, &u), MU_EINVAL);
    cr_assert_eq(trace_parse_u64("+1", 2, 10, &u), MU_EINVAL);
    cr_assert_eq(trace_parse_u64("11", 2, 10, &u), MU_ELIMIT);
    cr_assert_eq(trace_parse_u64("18446744073709551615", 20, UINT64_MAX, &u),
                 MU_OK);
    cr_assert_eq(u, UINT64_MAX);
    cr_assert_eq(trace_parse_u64("18446744073709551616", 20, UINT64_MAX, &u),
                 MU_ELIMIT);
    cr_assert_eq(trace_parse_ms(".", 1, 1000, &ms), MU_EINVAL);
    cr_assert_eq(trace_parse_ms(".5", 2, 1000, &ms), MU_OK);
    cr_assert_eq(ms, 500);
    cr_assert_eq(trace_parse_ms("1.", 2, 1000, &ms), MU_OK);
    cr_assert_eq(ms, 1000);
    cr_assert_eq(trace_parse_ms("1.001", 5, 1000, &ms), MU_ELIMIT);
    cr_assert_eq(trace_parse_ms("1e3", 3, 1000000, &ms), MU_EINVAL);
}
