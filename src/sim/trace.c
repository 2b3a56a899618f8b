/* trace.c - the trace CSV reader: line framing with a cap, CSV fields,
 * checked parsing of every column, and the validating pre-pass. */
#include "common.h"
#include "sim/trace.h"
#include "util/quantity.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <stdarg.h>

enum trace_col {
    C_JOB_ID, C_SUBMIT, C_NUM_PODS, C_GPUS, C_DURATION, C_CPU, C_MEMORY,
    C_MIN_MEMBER, C_PRIORITY, C_QUEUE, C_USER, C_NCOLS
};

static const char *const col_names[C_NCOLS] = {
    "job_id", "submit_time", "num_pods", "gpus_per_pod", "duration",
    "cpu_per_pod", "memory_per_pod", "min_member", "priority", "queue",
    "user",
};

#define C_NREQUIRED 5   /* the first five columns */

struct field {
    const char *s;
    size_t n;
};

struct trace_reader {
    FILE *f;
    bool own;
    char *name;
    uint64_t line;
    size_t ncols;                 /* header width */
    int colmap[C_NCOLS];          /* position in the header -> column */
    int64_t last_submit;
    uint64_t last_line;           /* line of the last good job, 0: none */
    char buf[TRACE_LINE_MAX + 1];
    char scratch[TRACE_LINE_MAX + 1];   /* unquoted field text */
};

static void MU_PRINTF(4, 5) terr(const struct trace_reader *r, char *err,
                                 size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, errlen, "%s:%llu: ", r->name,
                     (unsigned long long)r->line);

    if (n < 0 || (size_t)n >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ---- checked numbers ---- */

int trace_parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0)
        return MU_EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';

        if (d > 9)
            return MU_EINVAL;
        if (v > (max - d) / 10)
            return MU_ELIMIT;
        v = v * 10 + d;
    }
    *out = v;
    return MU_OK;
}

int trace_parse_ms(const char *s, size_t n, int64_t max_ms, int64_t *out)
{
    const char *dot = memchr(s, '.', n);
    size_t ni = dot ? (size_t)(dot - s) : n, nf = dot ? n - ni - 1 : 0;
    uint64_t whole = 0, frac = 0;
    int rc;

    if (nf > 3 || (dot && ni == 0 && nf == 0))
        return MU_EINVAL;
    if (ni > 0 && (rc = trace_parse_u64(s, ni, (uint64_t)max_ms / 1000,
                                        &whole)))
        return rc;
    if (nf > 0 && (rc = trace_parse_u64(dot + 1, nf, 999, &frac)))
        return rc;
    if (ni == 0 && nf == 0)
        return MU_EINVAL;
    for (size_t i = nf; i < 3; i++)
        frac *= 10;
    if ((int64_t)(whole * 1000 + frac) > max_ms)
        return MU_ELIMIT;
    *out = (int64_t)(whole * 1000 + frac);
    return MU_OK;
}

/* ---- line framing and CSV fields ---- */

/* Read one line into r->buf without its end of line.
 * RET MU_OK, MU_ENOENT (end of file), MU_ELIMIT (too long: the rest of
 * the line was consumed), MU_EIO. */
static int read_line(struct trace_reader *r, size_t *len)
{
    size_t n = 0;
    bool over = false;
    int c;

    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (n < TRACE_LINE_MAX)
            r->buf[n++] = (char)c;
        else
            over = true;
    }
    if (c == EOF && ferror(r->f))
        return MU_EIO;
    if (c == EOF && n == 0 && !over)
        return MU_ENOENT;
    r->line++;
    if (n > 0 && r->buf[n - 1] == '\r')
        n--;
    r->buf[n] = '\0';
    *len = n;
    return over ? MU_ELIMIT : MU_OK;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* One quoted field starting at line[*i] (the quote), unescaped to dst.
 * RET MU_OK with *i after the closing quote, or MU_EINVAL. */
static int field_quoted(const char *line, size_t len, size_t *i, char *dst,
                        size_t *dn)
{
    size_t j = *i + 1;

    for (;;) {
        if (j >= len)
            return MU_EINVAL;
        if (line[j] == '"' && j + 1 < len && line[j + 1] == '"') {
            dst[(*dn)++] = '"';
            j += 2;
        } else if (line[j] == '"') {
            *i = j + 1;
            return MU_OK;
        } else {
            dst[(*dn)++] = line[j++];
        }
    }
}

/* Split r->buf into at most max fields (text in r->scratch), trimming
 * blanks around unquoted fields. RET MU_OK, or MU_EINVAL with err set. */
static int split_fields(struct trace_reader *r, size_t len, struct field *f,
                        size_t max, size_t *nf, char *err, size_t errlen)
{
    size_t i = 0, k = 0, dn = 0;

    for (;;) {
        size_t start = dn, b, e;

        if (k == max) {
            terr(r, err, errlen, "more than %zu fields", max);
            return MU_EINVAL;
        }
        while (i < len && is_blank(r->buf[i]))
            i++;
        if (i < len && r->buf[i] == '"') {
            if (field_quoted(r->buf, len, &i, r->scratch, &dn)) {
                terr(r, err, errlen, "field %zu: unterminated quote", k + 1);
                return MU_EINVAL;
            }
            while (i < len && is_blank(r->buf[i]))
                i++;
            if (i < len && r->buf[i] != ',') {
                terr(r, err, errlen, "field %zu: text after the closing "
                     "quote", k + 1);
                return MU_EINVAL;
            }
        } else {
            for (b = i; i < len && r->buf[i] != ','; i++)
                ;
            for (e = i; e > b && is_blank(r->buf[e - 1]); e--)
                ;
            memcpy(r->scratch + dn, r->buf + b, e - b);
            dn += e - b;
        }
        f[k].s = r->scratch + start;
        f[k++].n = dn - start;
        r->scratch[dn++] = '\0';
        if (i >= len)
            break;
        i++;   /* the comma */
    }
    *nf = k;
    return MU_OK;
}

/* Read lines up to the next one that is neither blank nor a comment.
 * RET as read_line, with err set for MU_ELIMIT/MU_EIO. */
static int next_data_line(struct trace_reader *r, size_t *len, char *err,
                          size_t errlen)
{
    for (;;) {
        int rc = read_line(r, len);
        size_t i = 0;

        if (rc == MU_ELIMIT) {
            terr(r, err, errlen, "line longer than %d bytes",
                 TRACE_LINE_MAX);
            return MU_EINVAL;
        }
        if (rc == MU_EIO)
            snprintf(err, errlen, "%s: read error: %s", r->name,
                     strerror(errno));
        if (rc)
            return rc;
        if (memchr(r->buf, '\0', *len)) {
            terr(r, err, errlen, "NUL byte in line");
            return MU_EINVAL;
        }
        while (i < *len && is_blank(r->buf[i]))
            i++;
        if (i < *len && r->buf[i] != '#')
            return MU_OK;
    }
}

/* ---- header ---- */

static int header_col(const struct field *f)
{
    for (int c = 0; c < C_NCOLS; c++) {
        if (strlen(col_names[c]) == f->n && !memcmp(col_names[c], f->s, f->n))
            return c;
    }
    return -1;
}

static int read_header(struct trace_reader *r, char *err, size_t errlen)
{
    struct field f[C_NCOLS];
    bool seen[C_NCOLS] = {0};
    size_t len, nf;
    int rc = next_data_line(r, &len, err, errlen);

    if (rc == MU_ENOENT) {
        snprintf(err, errlen, "%s: empty trace: no header line", r->name);
        return MU_EINVAL;
    }
    if (rc || (rc = split_fields(r, len, f, C_NCOLS, &nf, err, errlen)))
        return rc;
    for (size_t i = 0; i < nf; i++) {
        int c = header_col(&f[i]);

        if (c < 0 || seen[c]) {
            terr(r, err, errlen, "%s column \"%.*s\" (columns: job_id, "
                 "submit_time, num_pods, gpus_per_pod, duration, "
                 "cpu_per_pod, memory_per_pod, min_member, priority, queue,"
                 " user)", c < 0 ? "unknown" : "duplicate",
                 (int)MU_MIN(f[i].n, 64), f[i].s);
            return MU_EINVAL;
        }
        seen[c] = true;
        r->colmap[i] = c;
    }
    for (int c = 0; c < C_NREQUIRED; c++) {
        if (!seen[c]) {
            terr(r, err, errlen, "missing column %s", col_names[c]);
            return MU_EINVAL;
        }
    }
    r->ncols = nf;
    return MU_OK;
}

int trace_reader_new(FILE *f, const char *name, struct trace_reader **out,
                     char *err, size_t errlen)
{
    struct trace_reader *r = xcalloc(1, sizeof(*r));
    int rc;

    r->f = f;
    r->name = xstrdup(name);
    rc = read_header(r, err, errlen);
    if (rc) {
        trace_reader_free(r);
        return rc;
    }
    *out = r;
    return MU_OK;
}

int trace_open(const char *path, struct trace_reader **out, char *err,
               size_t errlen)
{
    FILE *f = fopen(path, "r");
    int rc;

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return MU_EIO;
    }
    rc = trace_reader_new(f, path, out, err, errlen);
    if (rc) {
        fclose(f);
        return rc;
    }
    (*out)->own = true;
    return MU_OK;
}

void trace_reader_free(struct trace_reader *r)
{
    if (!r)
        return;
    if (r->own)
        fclose(r->f);
    free(r->name);
    free(r);
}

/* ---- one job line ---- */

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static bool dns_label(const struct field *f)
{
    if (f->n == 0 || f->n > TRACE_QUEUE_MAX || f->s[0] == '-' ||
        f->s[f->n - 1] == '-')
        return false;
    for (size_t i = 0; i < f->n; i++) {
        char c = f->s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static int parse_id(const struct field *f, struct trace_job *j, char *msg,
                    size_t cap)
{
    if (f->n == 0 || f->n > TRACE_ID_MAX) {
        snprintf(msg, cap, "must be 1 to %d characters", TRACE_ID_MAX);
        return MU_EINVAL;
    }
    for (size_t i = 0; i < f->n; i++) {
        if (!id_char(f->s[i])) {
            snprintf(msg, cap, "\"%.*s\" may hold only letters, digits, "
                     "'.', '_' and '-'", (int)MU_MIN(f->n, 64), f->s);
            return MU_EINVAL;
        }
    }
    memcpy(j->id, f->s, f->n);
    j->id[f->n] = '\0';
    return MU_OK;
}

static int parse_count(const struct field *f, uint64_t lo, uint64_t hi,
                       uint64_t *out, char *msg, size_t cap)
{
    int rc = trace_parse_u64(f->s, f->n, hi, out);

    if (rc == MU_OK && *out >= lo)
        return MU_OK;
    if (rc == MU_EINVAL)
        snprintf(msg, cap, "\"%.*s\" is not a whole number",
                 (int)MU_MIN(f->n, 64), f->s);
    else
        snprintf(msg, cap, "%.*s not in %llu..%llu", (int)MU_MIN(f->n, 64),
                 f->s, (unsigned long long)lo, (unsigned long long)hi);
    return MU_EINVAL;
}

static int parse_secs(const struct field *f, int64_t *out, char *msg,
                      size_t cap)
{
    int rc = trace_parse_ms(f->s, f->n, TRACE_MAX_MS, out);

    if (rc == MU_EINVAL)
        snprintf(msg, cap, "\"%.*s\" is not a number of seconds (digits, "
                 "at most 3 decimals)", (int)MU_MIN(f->n, 64), f->s);
    else if (rc)
        snprintf(msg, cap, "%.*s is more than %lld seconds",
                 (int)MU_MIN(f->n, 64), f->s,
                 (long long)(TRACE_MAX_MS / 1000));
    return rc ? MU_EINVAL : MU_OK;
}

static int parse_priority(const struct field *f, int32_t *out, char *msg,
                          size_t cap)
{
    bool neg = f->n > 0 && f->s[0] == '-';
    uint64_t v;
    int rc = trace_parse_u64(f->s + neg, f->n - neg,
                             neg ? 2147483648ULL : 2147483647ULL, &v);

    if (rc) {
        snprintf(msg, cap, "\"%.*s\" is not an integer in -2147483648.."
                 "2147483647", (int)MU_MIN(f->n, 64), f->s);
        return MU_EINVAL;
    }
    *out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
    return MU_OK;
}

static int parse_qty(const struct field *f, int scale, int64_t *out,
                     char *msg, size_t cap)
{
    if (quantity_parse(f->s, f->n, scale, out) == MU_OK && *out >= 0)
        return MU_OK;
    snprintf(msg, cap, "\"%.*s\" is not a non-negative quantity (e.g. %s)",
             (int)MU_MIN(f->n, 64), f->s, scale ? "\"4\", \"500m\"" :
             "\"16Gi\", \"512Mi\"");
    return MU_EINVAL;
}

static int parse_user(const struct field *f, struct trace_job *j, char *msg,
                      size_t cap)
{
    if (f->n > TRACE_USER_MAX) {
        snprintf(msg, cap, "longer than %d characters", TRACE_USER_MAX);
        return MU_EINVAL;
    }
    for (size_t i = 0; i < f->n; i++) {
        if ((unsigned char)f->s[i] < 0x20 || f->s[i] == 0x7f) {
            snprintf(msg, cap, "control character");
            return MU_EINVAL;
        }
    }
    memcpy(j->user, f->s, f->n);
    j->user[f->n] = '\0';
    return MU_OK;
}

/* Parse one field into its column of j. RET MU_OK or MU_EINVAL (msg). */
static int parse_col(int c, const struct field *f, struct trace_job *j,
                     char *msg, size_t cap)
{
    uint64_t v = 0;
    int rc = MU_OK;

    switch (c) {
    case C_JOB_ID:
        return parse_id(f, j, msg, cap);
    case C_SUBMIT:
        return parse_secs(f, &j->submit_ms, msg, cap);
    case C_DURATION:
        return parse_secs(f, &j->duration_ms, msg, cap);
    case C_NUM_PODS:
        rc = parse_count(f, 1, TRACE_MAX_PODS, &v, msg, cap);
        j->num_pods = (uint32_t)v;
        return rc;
    case C_MIN_MEMBER:
        rc = parse_count(f, 1, TRACE_MAX_PODS, &v, msg, cap);
        j->min_member = (uint32_t)v;
        return rc;
    case C_GPUS:
        rc = parse_count(f, 0, TRACE_MAX_GPUS, &v, msg, cap);
        j->gpus_per_pod = (int64_t)v;
        return rc;
    case C_CPU:
        return parse_qty(f, 3, &j->cpu_milli, msg, cap);
    case C_MEMORY:
        return parse_qty(f, 0, &j->memory, msg, cap);
    case C_PRIORITY:
        return parse_priority(f, &j->priority, msg, cap);
    case C_QUEUE:
        if (dns_label(f)) {
            memcpy(j->queue, f->s, f->n);
            j->queue[f->n] = '\0';
            return MU_OK;
        }
        snprintf(msg, cap, "\"%.*s\" is not a DNS label (lower-case letters,"
                 " digits and '-', at most %d)", (int)MU_MIN(f->n, 64), f->s,
                 TRACE_QUEUE_MAX);
        return MU_EINVAL;
    case C_USER:
        return parse_user(f, j, msg, cap);
    }
    return MU_EINVAL;
}

/* Fields -> job, with defaults for empty optional fields. */
static int parse_job(struct trace_reader *r, const struct field *f,
                     size_t nf, struct trace_job *j, char *err,
                     size_t errlen)
{
    char msg[200];

    memset(j, 0, sizeof(*j));
    snprintf(j->queue, sizeof(j->queue), "default");
    if (nf != r->ncols) {
        terr(r, err, errlen, "%zu fields, the header has %zu", nf, r->ncols);
        return MU_EINVAL;
    }
    for (size_t i = 0; i < nf; i++) {
        int c = r->colmap[i];

        if (f[i].n == 0 && c >= C_NREQUIRED)
            continue;   /* an empty optional field takes its default */
        if (f[i].n == 0) {
            terr(r, err, errlen, "%s: empty", col_names[c]);
            return MU_EINVAL;
        }
        if (parse_col(c, &f[i], j, msg, sizeof(msg))) {
            terr(r, err, errlen, "%s: %s", col_names[c], msg);
            return MU_EINVAL;
        }
    }
    if (j->min_member == 0)
        j->min_member = j->num_pods;
    if (j->min_member > j->num_pods) {
        terr(r, err, errlen, "min_member: %u is more than num_pods %u",
             j->min_member, j->num_pods);
        return MU_EINVAL;
    }
    j->line = r->line;
    return MU_OK;
}

int trace_next(struct trace_reader *r, struct trace_job *job, char *err,
               size_t errlen)
{
    struct field f[C_NCOLS + 1];
    size_t len, nf;
    int rc = next_data_line(r, &len, err, errlen);

    if (rc)
        return rc;
    rc = split_fields(r, len, f, C_NCOLS + 1, &nf, err, errlen);
    if (rc == MU_OK)
        rc = parse_job(r, f, nf, job, err, errlen);
    if (rc)
        return rc;
    if (r->last_line && job->submit_ms < r->last_submit) {
        terr(r, err, errlen, "submit_time %lld.%03lld is earlier than line "
             "%llu's (the trace must be sorted by submit_time)",
             (long long)(job->submit_ms / 1000),
             (long long)(job->submit_ms % 1000),
             (unsigned long long)r->last_line);
        return MU_EINVAL;
    }
    r->last_submit = job->submit_ms;
    r->last_line = r->line;
    return MU_OK;
}

/* ---- the validating pre-pass ---- */

struct id_hash {
    uint64_t h;
    uint64_t line;
};

static int id_hash_cmp(const void *a, const void *b)
{
    const struct id_hash *x = a, *y = b;

    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Duplicate job_ids in fixed memory: up to `mem` hashes in an array; past
 * that, full arrays are spilled to a temporary file and the check runs
 * once per hash partition (h % parts), each small enough for the array. */
struct id_set {
    struct id_hash *a;
    size_t n, cap, mem;
    FILE *spill;
    uint64_t total;
    uint64_t first_dup, first_prev;   /* the lowest duplicate line */
};

#define ID_BLOCK 4096   /* hashes per read of the spill file */

/* Sort the hashes; every entry equal to its predecessor is a duplicate. */
static void find_dups(struct id_set *ids, struct trace_stats *st)
{
    struct id_hash *v = ids->a;

    if (ids->n < 2)
        return;   /* qsort must not see a NULL array */
    qsort(v, ids->n, sizeof(*v), id_hash_cmp);
    for (size_t i = 1; i < ids->n; i++) {
        if (v[i].h != v[i - 1].h)
            continue;
        st->dup_lines = xrealloc(st->dup_lines,
                                 (st->ndups + 1) * sizeof(uint64_t));
        st->dup_lines[st->ndups++] = v[i].line;
        if (ids->first_dup == 0 || v[i].line < ids->first_dup) {
            ids->first_dup = v[i].line;
            ids->first_prev = v[i - 1].line;
        }
    }
}

static int ids_spill(struct id_set *ids, const char *path, char *err,
                     size_t errlen)
{
    if (!ids->spill && !(ids->spill = tmpfile())) {
        snprintf(err, errlen, "%s: a temporary file for the job_id check: "
                 "%s", path, strerror(errno));
        return MU_EIO;
    }
    if (ids->n && fwrite(ids->a, sizeof(*ids->a), ids->n, ids->spill) !=
                      ids->n) {
        snprintf(err, errlen, "%s: writing the job_id check's temporary "
                 "file: %s", path, strerror(errno));
        return MU_EIO;
    }
    ids->n = 0;
    return MU_OK;
}

static int ids_add(struct id_set *ids, const struct trace_job *j,
                   const char *path, char *err, size_t errlen)
{
    int rc = MU_OK;

    if (ids->n == ids->mem)
        rc = ids_spill(ids, path, err, errlen);
    if (rc)
        return rc;
    ids->a = xgrow(ids->a, &ids->cap, ids->n + 1, sizeof(*ids->a));
    ids->a[ids->n].h = strmap_hash(j->id, strlen(j->id));
    ids->a[ids->n++].line = j->line;
    ids->total++;
    return MU_OK;
}

/* One partition of the spilled hashes into the array, then its dups. */
static int ids_partition(struct id_set *ids, uint64_t part, uint64_t parts,
                         struct id_hash *blk, struct trace_stats *st)
{
    size_t got;

    rewind(ids->spill);
    ids->n = 0;
    while ((got = fread(blk, sizeof(*blk), ID_BLOCK, ids->spill)) > 0) {
        for (size_t i = 0; i < got; i++) {
            if (blk[i].h % parts != part)
                continue;
            /* Hashes spread evenly: a partition holds about mem / 2. */
            ids->a = xgrow(ids->a, &ids->cap, ids->n + 1, sizeof(*ids->a));
            ids->a[ids->n++] = blk[i];
        }
    }
    if (ferror(ids->spill))
        return MU_EIO;
    find_dups(ids, st);
    return MU_OK;
}

static int ids_finish(struct id_set *ids, struct trace_stats *st,
                      const char *path, char *err, size_t errlen)
{
    struct id_hash *blk;
    uint64_t parts;
    int rc = MU_OK;

    if (!ids->spill) {
        find_dups(ids, st);
        goto out;
    }
    rc = ids_spill(ids, path, err, errlen);
    if (rc)
        return rc;
    if (fflush(ids->spill)) {
        snprintf(err, errlen, "%s: the job_id check's temporary file: %s",
                 path, strerror(errno));
        return MU_EIO;
    }
    parts = ids->total / MU_MAX(ids->mem / 2, 1) + 1;
    blk = xcalloc(ID_BLOCK, sizeof(*blk));
    for (uint64_t k = 0; k < parts && rc == MU_OK; k++)
        rc = ids_partition(ids, k, parts, blk, st);
    free(blk);
    if (rc)
        snprintf(err, errlen, "%s: reading the job_id check's temporary "
                 "file", path);
out:
    if (st->ndups > 1)
        qsort(st->dup_lines, st->ndups, sizeof(uint64_t), u64_cmp);
    return rc;
}

static void ids_fini(struct id_set *ids)
{
    if (ids->spill)
        fclose(ids->spill);
    FREE_NULL(ids->a);
}

bool trace_stats_is_dup(const struct trace_stats *st, uint64_t line)
{
    return st->ndups && bsearch(&line, st->dup_lines, st->ndups,
                                sizeof(uint64_t), u64_cmp);
}

/* Pods per gpus_per_pod value, for the median. */
static int64_t median_gpus(const uint64_t *hist, uint64_t pods)
{
    uint64_t acc = 0;

    for (int64_t g = 0; g <= TRACE_MAX_GPUS; g++) {
        acc += hist[g];
        if (pods > 0 && acc * 2 >= pods)
            return g;
    }
    return 0;
}

static void scan_add(struct trace_stats *st, const struct trace_job *j,
                     uint64_t *hist)
{
    if (st->jobs == 0)
        st->first_ms = j->submit_ms;
    st->last_ms = j->submit_ms;
    st->jobs++;
    st->pods += j->num_pods;
    st->gpu_seconds += (double)j->num_pods * (double)j->gpus_per_pod *
                       (double)j->duration_ms / 1000.0;
    hist[j->gpus_per_pod] += j->num_pods;
}

int trace_scan(const char *path, bool skip_bad, struct trace_stats *st,
               char *err, size_t errlen)
{
    return trace_scan_mem(path, skip_bad, TRACE_IDS_MEM, st, err, errlen);
}

/* The lines after the pass: duplicates, the totals, the median. */
static int scan_end(struct id_set *ids, const char *path, bool skip_bad,
                    struct trace_stats *st, const uint64_t *hist, char *err,
                    size_t errlen)
{
    int rc = ids_finish(ids, st, path, err, errlen);

    if (rc)
        return rc;
    if (st->ndups && (!skip_bad || st->bad == 0))
        snprintf(err, errlen, "%s:%llu: job_id: repeats line %llu's", path,
                 (unsigned long long)ids->first_dup,
                 (unsigned long long)ids->first_prev);
    if (st->ndups && !skip_bad)
        rc = MU_EINVAL;
    st->bad += skip_bad ? st->ndups : 0;
    st->jobs -= skip_bad ? st->ndups : 0;
    st->median_gpus = median_gpus(hist, st->pods);
    return rc;
}

int trace_scan_mem(const char *path, bool skip_bad, size_t ids_mem,
                   struct trace_stats *st, char *err, size_t errlen)
{
    struct trace_reader *r = NULL;
    struct id_set ids = {.mem = MU_MAX(ids_mem, 1)};
    uint64_t *hist = xcalloc(TRACE_MAX_GPUS + 1, sizeof(*hist));
    struct trace_job j;
    char lerr[256];
    int rc;

    memset(st, 0, sizeof(*st));
    rc = trace_open(path, &r, err, errlen);
    while (rc == MU_OK) {
        rc = trace_next(r, &j, lerr, sizeof(lerr));
        if (rc == MU_EINVAL && skip_bad) {
            if (st->bad++ == 0)
                snprintf(err, errlen, "%s", lerr);
            rc = MU_OK;
            continue;
        }
        if (rc == MU_OK) {
            scan_add(st, &j, hist);
            rc = ids_add(&ids, &j, path, err, errlen);
        } else if (rc != MU_ENOENT) {
            snprintf(err, errlen, "%s", lerr);
        }
    }
    if (rc == MU_ENOENT)
        rc = scan_end(&ids, path, skip_bad, st, hist, err, errlen);
    trace_reader_free(r);
    ids_fini(&ids);
    free(hist);
    return rc;
}
void trace_stats_fini(struct trace_stats *st)
{
    FREE_NULL(st->dup_lines);
    st->ndups = 0;
}

/* A positive decimal "12", "0.25" (at most 9 decimals) up to 1e6 (R8). */
int trace_parse_pos(const char *s, double *out)
{
    const char *dot = strchr(s, '.');
    size_t ni = dot ? (size_t)(dot - s) : strlen(s);
    size_t nf = dot ? strlen(dot + 1) : 0;
    uint64_t w = 0, f = 0;
    double scale = 1;

    if ((ni == 0 && nf == 0) || nf > 9 ||
        (ni && trace_parse_u64(s, ni, 1000000, &w)) ||
        (nf && trace_parse_u64(dot + 1, nf, 999999999, &f)))
        return MU_EINVAL;
    for (size_t i = 0; i < nf; i++)
        scale *= 10;
    *out = (double)w + (double)f / scale;
    return *out > 0 ? MU_OK : MU_EINVAL;
}
