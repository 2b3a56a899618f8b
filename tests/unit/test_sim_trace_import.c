/* test_sim_trace_import.c - ITP and openb conversion on small hand-written
 * excerpts (tests/data/sim/), bad lines, and the real public files read in
 * place from ../shared/data when they are there (never copied). */
#include "common.h"
#include "sim/trace_import.h"
#include "sim/trace.h"
#include "util/buf.h"

#include <criterion/criterion.h>
#include <unistd.h>

#define SHARED "../shared/data/"

static int import_file(const char *path, enum import_format fmt,
                       struct buf *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    int rc;

    cr_assert(f, "cannot open %s", path);
    buf_init(out, 64 << 20);
    rc = trace_import(f, path, fmt, out, err, errlen);
    fclose(f);
    return rc;
}

static int import_text(const char *text, enum import_format fmt,
                       struct buf *out, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc;

    buf_init(out, 1 << 20);
    rc = trace_import(f, "in.csv", fmt, out, err, errlen);
    fclose(f);
    return rc;
}

/* The converted text must read back through the simulator's own reader;
 * RET the number of jobs. */
static size_t read_back(const struct buf *b, struct trace_job *jobs,
                        size_t max)
{
    FILE *f = fmemopen(b->data, b->len, "r");
    struct trace_reader *r;
    char err[256];
    size_t n = 0;
    int rc;

    cr_assert_eq(trace_reader_new(f, "out.csv", &r, err, sizeof(err)), MU_OK,
                 "%s", err);
    while ((rc = trace_next(r, &jobs[n < max ? n : max - 1], err,
                            sizeof(err))) == MU_OK)
        n++;
    cr_assert_eq(rc, MU_ENOENT, "%s", err);
    trace_reader_free(r);
    fclose(f);
    return n;
}

Test(trace_import, itp_splits_big_jobs_into_gangs_of_8_gpu_pods)
{
    struct trace_job j[8];
    struct buf b;
    char err[256];

    cr_assert_eq(import_file("tests/data/sim/itp_small.csv", IMPORT_ITP, &b,
                             err, sizeof(err)), MU_OK, "%s", err);
    cr_assert(strstr(b.data, "# 4 jobs; 2 of more than 8 GPUs became gangs"),
              "%s", b.data);
    cr_assert_eq(read_back(&b, j, 8), 4);
    cr_assert_eq(j[0].num_pods, 1);
    cr_assert_eq(j[0].gpus_per_pod, 1);
    cr_assert_eq(j[0].duration_ms, 3600000);
    cr_assert_eq(j[1].gpus_per_pod, 8);
    cr_assert_eq(j[2].num_pods, 4);
    cr_assert_eq(j[2].gpus_per_pod, 8);
    cr_assert_eq(j[2].min_member, 4);
    cr_assert_eq(j[3].num_pods, 2);
    cr_assert_eq(j[3].submit_ms, 900000);
    buf_fini(&b);
}

Test(trace_import, openb_rounds_shared_gpus_up_and_skips_unscheduled_pods)
{
    struct trace_job j[8];
    struct buf b;
    char err[256];

    cr_assert_eq(import_file("tests/data/sim/openb_small.csv", IMPORT_OPENB,
                             &b, err, sizeof(err)), MU_OK, "%s", err);
    cr_assert(strstr(b.data, "1 never scheduled (no run time) skipped"), "%s",
              b.data);
    cr_assert(strstr(b.data, "1 fractional-GPU pods rounded up to 1 whole "
                     "GPU"), "%s", b.data);
    cr_assert_eq(read_back(&b, j, 8), 3);
    cr_assert_str_eq(j[0].id, "sample-pod-0");
    cr_assert_eq(j[0].duration_ms, 4990000);   /* deletion - scheduled */
    cr_assert_eq(j[0].cpu_milli, 8000);
    cr_assert_eq(j[0].memory, 30720LL << 20);
    cr_assert_str_eq(j[0].queue, "ls");
    cr_assert_eq(j[1].gpus_per_pod, 1);        /* 250 milli-GPU -> 1 */
    cr_assert_str_eq(j[1].queue, "be");
    cr_assert_eq(j[2].gpus_per_pod, 0);
    cr_assert_str_eq(j[2].queue, "burstable");
    buf_fini(&b);
}

static void expect_bad(const char *text, enum import_format fmt,
                       const char *want)
{
    struct buf b;
    char err[256] = "";

    cr_assert_eq(import_text(text, fmt, &b, err, sizeof(err)), MU_EINVAL,
                 "accepted: %s", text);
    cr_assert(strstr(err, want), "error \"%s\" lacks \"%s\"", err, want);
    buf_fini(&b);
}

Test(trace_import, bad_lines_are_named)
{
    expect_bad("", IMPORT_ITP, "in.csv:0: empty file");
    expect_bad("job_id,duration\n", IMPORT_ITP, "in.csv:1: header");
    expect_bad("job_id,submission_time,duration,num_gpu\nj,1,2\n",
               IMPORT_ITP, "in.csv:2: 3 fields, expected 4");
    expect_bad("job_id,submission_time,duration,num_gpu\nj,1,2,x\n",
               IMPORT_ITP, "in.csv:2: num_gpu: \"x\"");
    expect_bad("job_id,submission_time,duration,num_gpu\nj,5,2,1\nk,4,2,1\n",
               IMPORT_ITP, "in.csv:3: submission_time 4 is earlier");
    expect_bad("job_id,submission_time,duration,num_gpu\nj k,5,2,1\n",
               IMPORT_ITP, "job_id: \"j k\"");
    expect_bad("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,"
               "pod_phase,creation_time,deletion_time,scheduled_time\n"
               "p,1,1,1,1000,,LS,Running,10,5,8\n", IMPORT_OPENB,
               "in.csv:2: deletion_time 5 is before scheduled_time 8");
    expect_bad("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,"
               "pod_phase,creation_time,deletion_time,scheduled_time\n"
               "p,1,1,1,1001,,LS,Running,1,5,1\n", IMPORT_OPENB,
               "gpu_milli: 1001 is more than 1000");
}

Test(trace_import, openb_nodes_become_node_specs)
{
    FILE *f = fopen("tests/data/sim/openb_nodes_small.csv", "r");
    struct gen_node_spec *sp = NULL;
    struct gen_opts o;
    struct buf b;
    uint32_t n = 0;
    char err[256];

    cr_assert(f);
    cr_assert_eq(import_openb_nodes(f, "nodes.csv", &sp, &n, err,
                                    sizeof(err)), MU_OK, "%s", err);
    fclose(f);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(sp[1].name, "sample-node-1");
    cr_assert_eq(sp[1].gpus, 2);
    cr_assert_str_eq(sp[1].product, "T4");
    cr_assert_eq(sp[0].memory_bytes, 786432LL << 20);
    gen_opts_init(&o);
    o.nodes = n;
    o.specs = sp;
    buf_init(&b, BUF_UNLIMITED);
    cr_assert_eq(gen_cluster(&o, &b), MU_OK);
    cr_assert(strstr(b.data, "\"nvidia.com/gpu.product\": \"G2\""));
    cr_assert(strstr(b.data, "\"name\": \"sample-node-2\""));
    cr_assert(strstr(b.data, "\"nvidia.com/gpu\": \"2\""));
    buf_fini(&b);
    free(sp);
}

/* The real public files, read where they are (research-use files are
 * never copied into the repository). */
Test(trace_import, real_public_traces_convert_completely)
{
    struct trace_job j[1];
    struct buf b;
    char err[256];

    if (access(SHARED "msft_itp_cluster06.csv", R_OK) != 0)
        cr_skip_test("../shared/data is not there");
    cr_assert_eq(import_file(SHARED "msft_itp_cluster06.csv", IMPORT_ITP, &b,
                             err, sizeof(err)), MU_OK, "%s", err);
    cr_assert(strstr(b.data, "# 2396 jobs; 87 of more than 8 GPUs"));
    cr_assert_eq(read_back(&b, j, 1), 2396);
    buf_fini(&b);
    cr_assert_eq(import_file(SHARED "alibaba_openb_pod_list_default.csv",
                             IMPORT_OPENB, &b, err, sizeof(err)), MU_OK, "%s",
                 err);
    cr_assert(strstr(b.data, "# 7255 pods as single-pod jobs; 897 never"));
    cr_assert_eq(read_back(&b, j, 1), 7255);
    buf_fini(&b);
}
