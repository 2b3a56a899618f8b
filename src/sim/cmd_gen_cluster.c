/* cmd_gen_cluster.c - `muster gen-cluster`: flags in, a cluster dump out. */
#include "common.h"
#include "cmd.h"
#include "sim/gen_cluster.h"
#include "util/buf.h"
#include "util/quantity.h"

/* The whole document is built in memory before it is written, so a bad
 * combination of flags fails cleanly instead of leaving half a file. */
#define GEN_OUT_MAX ((size_t)2 << 30)

static void gen_usage(FILE *out)
{
    fprintf(out,
            "usage: muster gen-cluster --nodes N [--gpus-per-node G] "
            "[--cpu C] [--memory M]\n"
            "                          [--racks R] [--zones Z] "
            "[--images K] [--seed S]\n\n"
            "Print a synthetic cluster as `kubectl get nodes,pods -A -o json` "
            "would.\n"
            "  --nodes N          nodes node-00000.. (1..%u)\n"
            "  --gpus-per-node G  nvidia.com/gpu per node (0..%u, default 8)\n"
            "  --cpu C            cores per node, a quantity (default 64)\n"
            "  --memory M         memory per node, a quantity (default 512Gi)\n"
            "  --racks R          racks, nodes spread evenly (default 1)\n"
            "  --zones Z          zones, racks spread evenly (default 1)\n"
            "  --images K         fake container images per node in "
            "status.images\n"
            "                     (0..%u, default 0; real nodes carry 20-50)\n"
            "  --seed S           seed for uids, addresses, digests "
            "(default 1)\n",
            GEN_MAX_NODES, GEN_MAX_GPUS, GEN_MAX_IMAGES);
}

/* Decimal digits only, no sign, no spaces, at most `max` (R8). */
static int gen_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return MU_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return MU_EINVAL;
        if (v > (max - (uint64_t)(*s - '0')) / 10)
            return MU_ELIMIT;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return MU_OK;
}

static int gen_parse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    int rc = gen_parse_u64(s, UINT32_MAX, &v);

    if (!rc)
        *out = (uint32_t)v;
    return rc;
}

/* Apply one `--flag value`. RET MU_OK, MU_ENOENT (unknown flag) or the
 * parser's error. */
static int gen_apply_flag(struct gen_opts *o, const char *flag,
                          const char *val)
{
    if (!strcmp(flag, "--nodes"))
        return gen_parse_u32(val, &o->nodes);
    if (!strcmp(flag, "--gpus-per-node"))
        return gen_parse_u32(val, &o->gpus_per_node);
    if (!strcmp(flag, "--racks"))
        return gen_parse_u32(val, &o->racks);
    if (!strcmp(flag, "--zones"))
        return gen_parse_u32(val, &o->zones);
    if (!strcmp(flag, "--images"))
        return gen_parse_u32(val, &o->images);
    if (!strcmp(flag, "--seed"))
        return gen_parse_u64(val, UINT64_MAX, &o->seed);
    if (!strcmp(flag, "--cpu"))
        return quantity_parse(val, strlen(val), 3, &o->cpu_milli);
    if (!strcmp(flag, "--memory"))
        return quantity_parse(val, strlen(val), 0, &o->memory_bytes);
    return MU_ENOENT;
}

/* RET 0 parsed, 1 --help was asked for, 2 bad usage (reported). */
static int gen_parse_args(int argc, char **argv, struct gen_opts *o)
{
    char err[160];
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
        if (i + 1 >= argc) {
            fprintf(stderr, "muster gen-cluster: %s needs a value\n",
                    argv[i]);
            return 2;
        }
        rc = gen_apply_flag(o, argv[i], argv[i + 1]);
        if (rc == MU_ENOENT) {
            fprintf(stderr, "muster gen-cluster: unknown flag '%s'\n",
                    argv[i]);
            return 2;
        }
        if (rc) {
            fprintf(stderr, "muster gen-cluster: %s: bad value '%s'\n",
                    argv[i], argv[i + 1]);
            return 2;
        }
        i++;
    }
    if (gen_opts_check(o, err, sizeof(err))) {
        fprintf(stderr, "muster gen-cluster: %s\n", err);
        return 2;
    }
    return 0;
}

int cmd_gen_cluster(int argc, char **argv)
{
    struct gen_opts o;
    struct buf out;
    int rc, status = 0;

    gen_opts_init(&o);
    rc = gen_parse_args(argc, argv, &o);
    if (rc == 1) {
        gen_usage(stdout);
        return 0;
    }
    if (rc) {
        fprintf(stderr, "run 'muster gen-cluster --help' for the flags\n");
        return 2;
    }
    buf_init(&out, GEN_OUT_MAX);
    rc = gen_cluster(&o, &out);
    if (rc == MU_ELIMIT) {
        fprintf(stderr, "muster gen-cluster: output would exceed %zu MiB; "
                        "use fewer --nodes or --images\n",
                GEN_OUT_MAX >> 20);
        status = 2;
        goto out;
    }
    MU_ASSERT(rc == MU_OK);   /* the options were checked above */
    if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
        perror("muster gen-cluster: writing stdout");
        status = 1;
    }
out:
    buf_fini(&out);
    return status;
}
