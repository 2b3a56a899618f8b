/* fuzz_trace.c - libFuzzer target: trace CSV. Byte 0 picks the reader:
 * 0, the canonical trace (trace_reader_new, trace_next to the end, going
 * on past bad lines as `--skip-bad` does); 1, the Microsoft ITP import;
 * 2, the Alibaba openb import (trace_import); 3, the openb node list
 * (import_openb_nodes). Streams come from fmemopen: nothing touches disk.
 *
 * Oracle: what trace_import writes is a canonical trace, so reading it
 * back must give no bad line. */
#include "common.h"
#include "fuzz.h"
#include "sim/trace.h"
#include "sim/trace_import.h"
#include "util/buf.h"

#define FUZZ_MAX_LINES 2000

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* Read a canonical trace to its end. RET how many lines were bad. */
static unsigned read_trace(const char *p, size_t n, const char *name)
{
    FILE *f = n ? fmemopen((void *)p, n, "r") : NULL;
    struct trace_reader *r = NULL;
    struct trace_job job;
    char err[512];
    unsigned bad = 0;
    int rc;

    if (!f)
        return 0;
    rc = trace_reader_new(f, name, &r, err, sizeof(err));
    if (rc) {
        FUZZ_CHECK(r == NULL, "reader returned on failure");
        fuzz_check_err(err, sizeof(err));
        fclose(f);
        return 1;
    }
    for (int i = 0; i < FUZZ_MAX_LINES; i++) {
        rc = trace_next(r, &job, err, sizeof(err));
        if (rc == MU_ENOENT || rc == MU_EIO)
            break;
        if (rc == MU_EINVAL) {
            fuzz_check_err(err, sizeof(err));
            bad++;
            continue;
        }
        FUZZ_CHECK(rc == MU_OK, "trace_next: %d", rc);
        FUZZ_CHECK(job.min_member >= 1 && job.min_member <= job.num_pods,
                   "min_member %u of %u", job.min_member, job.num_pods);
        FUZZ_CHECK(job.gpus_per_pod >= 0 && job.gpus_per_pod <= TRACE_MAX_GPUS,
                   "gpus_per_pod %lld", (long long)job.gpus_per_pod);
    }
    trace_reader_free(r);
    fclose(f);
    return bad;
}

static void import(const char *p, size_t n, enum import_format fmt)
{
    FILE *f = n ? fmemopen((void *)p, n, "r") : NULL;
    struct buf out;
    char err[512];
    unsigned bad;
    int rc;

    if (!f)
        return;
    buf_init(&out, 16u << 20);
    rc = trace_import(f, "fuzz.csv", fmt, &out, err, sizeof(err));
    fclose(f);
    if (rc) {
        fuzz_check_err(err, sizeof(err));
    } else {
        bad = read_trace(out.data ? out.data : "", out.len, "imported.csv");
        FUZZ_CHECK(bad == 0, "import wrote %u bad lines:\n%.*s", bad,
                   (int)MU_MIN(out.len, 4000), out.data ? out.data : "");
    }
    buf_fini(&out);
}

static void nodes(const char *p, size_t n)
{
    FILE *f = n ? fmemopen((void *)p, n, "r") : NULL;
    struct gen_node_spec *specs = NULL;
    uint32_t ns = 0;
    char err[512];

    if (!f)
        return;
    if (import_openb_nodes(f, "nodes.csv", &specs, &ns, err, sizeof(err)))
        fuzz_check_err(err, sizeof(err));
    fclose(f);
    free(specs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data + 1;

    if (size == 0)
        return 0;
    switch (data[0] & 3) {
    case 0:
        read_trace(p, size - 1, "fuzz.csv");
        break;
    case 1:
        import(p, size - 1, IMPORT_ITP);
        break;
    case 2:
        import(p, size - 1, IMPORT_OPENB);
        break;
    default:
        nodes(p, size - 1);
        break;
    }
    return 0;
}
