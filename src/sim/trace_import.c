/* trace_import.c - ITP and Alibaba openb traces to the canonical trace
 * CSV; the openb node list to gen-cluster node specs. */
#include "common.h"
#include "sim/trace_import.h"
#include "sim/trace.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <stdarg.h>

#define IMP_LINE_MAX 1024
#define IMP_MAX_FIELDS 16
#define IMP_GPUS_PER_NODE 8     /* ITP's nodes: gangs of 8-GPU pods */

struct imp {
    FILE *in;
    const char *name;
    uint64_t line;
    char buf[IMP_LINE_MAX + 1];
    const char *f[IMP_MAX_FIELDS];
    size_t fn[IMP_MAX_FIELDS];
    size_t nf;
    char *err;
    size_t errlen;
};

static int MU_PRINTF(2, 3) imp_err(struct imp *im, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(im->err, im->errlen, "%s:%llu: ", im->name,
                     (unsigned long long)im->line);

    va_start(ap, fmt);
    if (n > 0 && (size_t)n < im->errlen)
        vsnprintf(im->err + n, im->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return MU_EINVAL;
}

/* Next non-empty line split on commas (these formats never quote).
 * RET MU_OK, MU_ENOENT at the end, MU_EINVAL, MU_EIO. */
static int imp_next(struct imp *im)
{
    size_t n;
    int c;

    do {
        n = 0;
        while ((c = getc(im->in)) != EOF && c != '\n') {
            if (n >= IMP_LINE_MAX) {
                im->line++;
                return imp_err(im, "line longer than %d bytes", IMP_LINE_MAX);
            }
            im->buf[n++] = (char)c;
        }
        if (c == EOF && ferror(im->in)) {
            snprintf(im->err, im->errlen, "%s: %s", im->name, strerror(errno));
            return MU_EIO;
        }
        if (c == EOF && n == 0)
            return MU_ENOENT;
        im->line++;
        if (n > 0 && im->buf[n - 1] == '\r')
            n--;
    } while (n == 0);
    im->buf[n] = '\0';
    if (memchr(im->buf, '\0', n) || memchr(im->buf, '"', n))
        return imp_err(im, "NUL byte or quote in line");
    im->nf = 0;
    for (char *p = im->buf;; ) {
        char *comma = strchr(p, ',');

        if (im->nf == IMP_MAX_FIELDS)
            return imp_err(im, "more than %d fields", IMP_MAX_FIELDS);
        im->f[im->nf] = p;
        im->fn[im->nf++] = comma ? (size_t)(comma - p) : strlen(p);
        if (!comma)
            break;
        p = comma + 1;
    }
    return MU_OK;
}

static int imp_header(struct imp *im, const char *want)
{
    int rc = imp_next(im);

    if (rc == MU_ENOENT)
        return imp_err(im, "empty file, expected the header %s", want);
    if (rc)
        return rc;
    if (strcmp(im->buf, want))
        return imp_err(im, "header \"%.80s\" is not \"%s\"", im->buf, want);
    return MU_OK;
}

static int imp_fields(struct imp *im, size_t want)
{
    if (im->nf != want)
        return imp_err(im, "%zu fields, expected %zu", im->nf, want);
    return MU_OK;
}

/* A whole number field, 0..max. */
static int imp_u64(struct imp *im, size_t i, const char *what, uint64_t max,
                   uint64_t *out)
{
    int rc = trace_parse_u64(im->f[i], im->fn[i], max, out);

    if (rc == MU_EINVAL)
        return imp_err(im, "%s: \"%.*s\" is not a whole number", what,
                       (int)MU_MIN(im->fn[i], 40), im->f[i]);
    if (rc)
        return imp_err(im, "%s: %.*s is more than %llu", what,
                       (int)MU_MIN(im->fn[i], 40), im->f[i],
                       (unsigned long long)max);
    return MU_OK;
}

/* job ids become pod names: only [A-Za-z0-9._-], as trace.c demands. */
static int imp_id(struct imp *im, size_t i, const char *what)
{
    if (im->fn[i] == 0 || im->fn[i] > TRACE_ID_MAX)
        return imp_err(im, "%s: must be 1 to %d characters", what,
                       TRACE_ID_MAX);
    for (size_t k = 0; k < im->fn[i]; k++) {
        char c = im->f[i][k];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return imp_err(im, "%s: \"%.*s\" has a character other than "
                           "letters, digits, '.', '_', '-'", what,
                           (int)MU_MIN(im->fn[i], 40), im->f[i]);
    }
    return MU_OK;
}

/* ---- ITP ---- */

struct imp_count {
    uint64_t jobs, gangs, skipped, shared, last_submit;
};

static int itp_line(struct imp *im, struct buf *body, struct imp_count *c)
{
    uint64_t submit, dur, gpus, pods, per;
    int rc;

    if ((rc = imp_fields(im, 4)) || (rc = imp_id(im, 0, "job_id")) ||
        (rc = imp_u64(im, 1, "submission_time", TRACE_MAX_MS / 1000,
                      &submit)) ||
        (rc = imp_u64(im, 2, "duration", TRACE_MAX_MS / 1000, &dur)) ||
        (rc = imp_u64(im, 3, "num_gpu", (uint64_t)TRACE_MAX_GPUS *
                      TRACE_MAX_PODS, &gpus)))
        return rc;
    if (c->jobs && submit < c->last_submit)
        return imp_err(im, "submission_time %llu is earlier than the line "
                       "before (the trace must be sorted)",
                       (unsigned long long)submit);
    c->last_submit = submit;
    /* More than one node's worth: a gang of (at most) 8-GPU pods. */
    pods = gpus > IMP_GPUS_PER_NODE ?
           (gpus + IMP_GPUS_PER_NODE - 1) / IMP_GPUS_PER_NODE : 1;
    per = (gpus + pods - 1) / pods;
    if (pods > TRACE_MAX_PODS)
        return imp_err(im, "num_gpu: %llu GPUs need more than %u pods",
                       (unsigned long long)gpus, TRACE_MAX_PODS);
    c->jobs++;
    c->gangs += pods > 1;
    return buf_printf(body, "%.*s,%llu,%llu,%llu,%llu\n", (int)im->fn[0],
                      im->f[0], (unsigned long long)submit,
                      (unsigned long long)pods, (unsigned long long)per,
                      (unsigned long long)dur);
}

/* ---- Alibaba openb pods ---- */

static int openb_qos(struct imp *im, char *q, size_t cap)
{
    size_t n = im->fn[6];

    if (n == 0 || n >= cap)
        return imp_err(im, "qos: empty or too long");
    for (size_t i = 0; i < n; i++) {
        char ch = im->f[6][i];

        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch < 'a' || ch > 'z')
            return imp_err(im, "qos: \"%.*s\" is not a word",
                           (int)MU_MIN(n, 40), im->f[6]);
        q[i] = ch;
    }
    q[n] = '\0';
    return MU_OK;
}

static int openb_line(struct imp *im, struct buf *body, struct imp_count *c)
{
    uint64_t cpu, mib, gpus, milli, created, deleted, sched;
    char q[32];
    int rc;

    if ((rc = imp_fields(im, 11)) || (rc = imp_id(im, 0, "name")) ||
        (rc = imp_u64(im, 1, "cpu_milli", 1ULL << 40, &cpu)) ||
        (rc = imp_u64(im, 2, "memory_mib", 1ULL << 40, &mib)) ||
        (rc = imp_u64(im, 3, "num_gpu", TRACE_MAX_GPUS, &gpus)) ||
        (rc = imp_u64(im, 4, "gpu_milli", 1000, &milli)) ||
        (rc = openb_qos(im, q, sizeof(q))) ||
        (rc = imp_u64(im, 8, "creation_time", TRACE_MAX_MS / 1000, &created)) ||
        (rc = imp_u64(im, 9, "deletion_time", TRACE_MAX_MS / 1000, &deleted)))
        return rc;
    if (c->jobs + c->skipped && created < c->last_submit)
        return imp_err(im, "creation_time %llu is earlier than the line "
                       "before (the trace must be sorted)",
                       (unsigned long long)created);
    c->last_submit = created;
    if (im->fn[10] == 0) {   /* never scheduled: no run time to replay */
        c->skipped++;
        return MU_OK;
    }
    if ((rc = imp_u64(im, 10, "scheduled_time", TRACE_MAX_MS / 1000, &sched)))
        return rc;
    if (deleted < sched)
        return imp_err(im, "deletion_time %llu is before scheduled_time %llu",
                       (unsigned long long)deleted, (unsigned long long)sched);
    /* A fraction of one GPU is rounded up to the whole GPU. */
    if (gpus == 1 && milli < 1000)
        c->shared++;
    c->jobs++;
    return buf_printf(body, "%.*s,%llu,1,%llu,%llu,%llum,%lluMi,%s\n",
                      (int)im->fn[0], im->f[0], (unsigned long long)created,
                      (unsigned long long)gpus,
                      (unsigned long long)(deleted - sched),
                      (unsigned long long)cpu, (unsigned long long)mib, q);
}

static const char itp_header[] = "job_id,submission_time,duration,num_gpu";
static const char openb_header[] =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
    "creation_time,deletion_time,scheduled_time";

/* The comment block that states what the conversion did. */
static int import_notes(struct buf *out, enum import_format fmt,
                        const char *name, const struct imp_count *c)
{
    if (fmt == IMPORT_ITP)
        return buf_printf(out, "# muster trace import --format itp %s\n"
                          "# %llu jobs; %llu of more than %d GPUs became "
                          "gangs of %d-GPU pods\n"
                          "job_id,submit_time,num_pods,gpus_per_pod,duration\n",
                          name, (unsigned long long)c->jobs,
                          (unsigned long long)c->gangs, IMP_GPUS_PER_NODE,
                          IMP_GPUS_PER_NODE);
    return buf_printf(out, "# muster trace import --format alibaba-openb %s\n"
                      "# %llu pods as single-pod jobs; %llu never scheduled "
                      "(no run time) skipped\n"
                      "# GPU sharing is not modelled: %llu fractional-GPU "
                      "pods rounded up to 1 whole GPU\n"
                      "job_id,submit_time,num_pods,gpus_per_pod,duration,"
                      "cpu_per_pod,memory_per_pod,queue\n", name,
                      (unsigned long long)c->jobs,
                      (unsigned long long)c->skipped,
                      (unsigned long long)c->shared);
}

int trace_import(FILE *in, const char *name, enum import_format fmt,
                 struct buf *out, char *err, size_t errlen)
{
    struct imp im = {.in = in, .name = name, .err = err, .errlen = errlen};
    struct imp_count c = {0};
    struct buf body;
    int rc;

    buf_init(&body, out->max);
    rc = imp_header(&im, fmt == IMPORT_ITP ? itp_header : openb_header);
    while (rc == MU_OK && (rc = imp_next(&im)) == MU_OK)
        rc = fmt == IMPORT_ITP ? itp_line(&im, &body, &c)
                               : openb_line(&im, &body, &c);
    if (rc == MU_ENOENT)
        rc = import_notes(out, fmt, name, &c);
    if (rc == MU_OK && body.len)
        rc = buf_add(out, body.data, body.len);
    if (rc == MU_ELIMIT)
        snprintf(err, errlen, "%s: the converted trace is larger than %zu "
                 "bytes", name, out->max);
    buf_fini(&body);
    return rc;
}

/* ---- Alibaba openb nodes ---- */

static int node_spec(struct imp *im, struct gen_node_spec *sp)
{
    uint64_t cpu, mib, gpus;
    int rc;

    if ((rc = imp_fields(im, 5)) || (rc = imp_id(im, 0, "sn")) ||
        (rc = imp_u64(im, 1, "cpu_milli", (uint64_t)GEN_MAX_CPU_MILLI,
                      &cpu)) ||
        (rc = imp_u64(im, 2, "memory_mib", (uint64_t)GEN_MAX_MEMORY >> 20,
                      &mib)) ||
        (rc = imp_u64(im, 3, "gpu", GEN_MAX_GPUS, &gpus)))
        return rc;
    if (im->fn[0] > GEN_NAME_MAX || im->fn[4] > GEN_NAME_MAX)
        return imp_err(im, "sn or model longer than %d", GEN_NAME_MAX);
    if (cpu < 1000 || mib < 1024)
        return imp_err(im, "a node needs at least 1 core and 1Gi");
    if (imp_id(im, 4, "model") && im->fn[4] > 0)
        return MU_EINVAL;
    snprintf(sp->name, sizeof(sp->name), "%.*s", (int)im->fn[0], im->f[0]);
    snprintf(sp->product, sizeof(sp->product), "%.*s", (int)im->fn[4],
             im->f[4]);
    sp->cpu_milli = (int64_t)cpu;
    sp->memory_bytes = (int64_t)mib << 20;
    sp->gpus = (uint32_t)gpus;
    return MU_OK;
}

int import_openb_nodes(FILE *in, const char *name,
                       struct gen_node_spec **specs, uint32_t *n, char *err,
                       size_t errlen)
{
    struct imp im = {.in = in, .name = name, .err = err, .errlen = errlen};
    struct gen_node_spec *sp = NULL;
    size_t cap = 0, k = 0;
    int rc = imp_header(&im, "sn,cpu_milli,memory_mib,gpu,model");

    while (rc == MU_OK && (rc = imp_next(&im)) == MU_OK) {
        if (k >= GEN_MAX_NODES) {
            rc = imp_err(&im, "more than %u nodes", GEN_MAX_NODES);
            break;
        }
        sp = xgrow(sp, &cap, k + 1, sizeof(*sp));
        memset(&sp[k], 0, sizeof(*sp));
        rc = node_spec(&im, &sp[k]);
        k += rc == MU_OK;
    }
    if (rc == MU_ENOENT && k == 0)
        rc = imp_err(&im, "no nodes");
    if (rc == MU_ENOENT) {
        *specs = sp;
        *n = (uint32_t)k;
        return MU_OK;
    }
    free(sp);
    return rc;
}
