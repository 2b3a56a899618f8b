/* cmd_trace.c - `muster trace import`: public DL traces to the canonical
 * trace CSV on stdout. */
#include "common.h"
#include "cmd.h"
#include "sim/trace_import.h"
#include "util/buf.h"

#include <errno.h>

#define IMPORT_OUT_MAX ((size_t)1 << 30)

static void trace_usage(FILE *out)
{
    fprintf(out, "usage: muster trace import --format itp|alibaba-openb IN "
            "> OUT.csv\n\n"
            "Convert a public DL trace to muster's trace CSV (see "
            "`muster simulate --help`).\n"
            "  itp            Microsoft ITP: job_id,submission_time,duration,"
            "num_gpu;\n"
            "                 jobs of more than 8 GPUs become gangs of 8-GPU "
            "pods\n"
            "  alibaba-openb  Alibaba openb pod list; fractional GPUs are "
            "rounded up to\n"
            "                 whole GPUs and pods never scheduled are skipped "
            "(both stated\n"
            "                 in the output's comment lines)\n");
}

static int trace_run(enum import_format fmt, const char *path)
{
    char err[512];
    struct buf out;
    FILE *f = fopen(path, "r");
    int rc, status = 0;

    if (!f) {
        fprintf(stderr, "muster trace import: %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    buf_init(&out, IMPORT_OUT_MAX);
    rc = trace_import(f, path, fmt, &out, err, sizeof(err));
    fclose(f);
    if (rc) {
        fprintf(stderr, "muster trace import: %s\n", err);
        status = rc == MU_EIO ? 1 : 2;
    } else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
               fflush(stdout)) {
        perror("muster trace import: writing stdout");
        status = 1;
    }
    buf_fini(&out);
    return status;
}

int cmd_trace(int argc, char **argv)
{
    const char *fmt = NULL, *in = NULL;

    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        trace_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "import")) {
        trace_usage(stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            fmt = argv[++i];
        else if (!in && argv[i][0] != '-')
            in = argv[i];
        else {
            fprintf(stderr, "muster trace import: unexpected '%s'\n",
                    argv[i]);
            return 2;
        }
    }
    if (!fmt || !in || (strcmp(fmt, "itp") && strcmp(fmt, "alibaba-openb"))) {
        fprintf(stderr, "muster trace import: need --format itp|"
                "alibaba-openb and an input file\n");
        return 2;
    }
    return trace_run(strcmp(fmt, "itp") ? IMPORT_OPENB : IMPORT_ITP, in);
}
