/* policy.c - loading, validating and printing scheduling policies: which
 * filter and score plugins run, in what order, with what weights and args. */
#include "common.h"
#include "policy/policy.h"
#include "policy/args.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>

#define POLICY_MAX_BYTES    (1024 * 1024) /* a policy is a few hundred bytes */
#define POLICY_DESC_MAX     200
#define POLICY_PATH_MAX     64 /* ".scores[31].args" and the like */
#define POLICY_DESCRIBE_MAX 2048

/* The file being parsed and where errors go. */
struct policy_ctx {
    const char *name;
    char *err;
    size_t errlen;
};

static const char *const policy_top_keys[] = {"description", "filters",
                                              "scores", NULL};
static const char *const policy_filter_keys[] = {"name", "args", NULL};
static const char *const policy_score_keys[] = {"name", "weight", "args", NULL};

/* "NAME: " + the message; returns MU_EINVAL for `return perr(...)`. */
static int perr(const struct policy_ctx *c, const char *fmt, ...)
    MU_PRINTF(2, 3);
static int perr(const struct policy_ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!c->err || c->errlen == 0)
        return MU_EINVAL;
    n = snprintf(c->err, c->errlen, "%s: ", c->name);
    if (n < 0 || (size_t)n >= c->errlen)
        return MU_EINVAL;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return MU_EINVAL;
}

/* args_check_keys with the object's path in front of its message. */
static int check_keys(const struct policy_ctx *c, const cJSON *obj,
                      const char *path, const char *const *known)
{
    char msg[320];

    if (args_check_keys(obj, known, msg, sizeof(msg)) == MU_OK)
        return MU_OK;
    return perr(c, "%s%s", path, msg);
}

/* "line L column C" of byte offset pos, both counted from 1. */
static void json_position(const char *json, size_t pos, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (json[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void known_names(bool filters, char *dst, size_t cap)
{
    size_t n = filters ? filter_plugin_count() : score_plugin_count();
    size_t len = 0;

    dst[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++) {
        const char *name =
            filters ? filter_plugin_at(i)->name : score_plugin_at(i)->name;

        len +=
            (size_t)snprintf(dst + len, cap - len, "%s%s", i ? ", " : "", name);
    }
}

/* Run a plugin's init on its args (may be NULL); a plugin without init
 * takes no args at all. */
static int init_plugin(const struct policy_ctx *c, const char *path,
                       int (*init)(const cJSON *, void **, char *, size_t),
                       const cJSON *args, void **state)
{
    static const char *const none[] = {NULL};
    char msg[320];
    int rc;

    *state = NULL;
    msg[0] = '\0';
    if (args && !cJSON_IsObject(args))
        return perr(c, "%s: expected an object", path);
    if (init)
        rc = init(args, state, msg, sizeof(msg));
    else
        rc = args_check_keys(args, none, msg, sizeof(msg));
    if (rc == MU_OK)
        return MU_OK;
    /* a plugin may fail with MU_ELIMIT (too many resource names): to the
     * caller it is still a policy that does not load */
    return perr(c, "%s%s", path, msg[0] ? msg : ": invalid args");
}

/* One entry of "filters" or "scores" before its plugin is looked up. */
struct policy_entry {
    const char *name;
    char name_path[POLICY_PATH_MAX];
    const cJSON *args;
    const cJSON *weight;
};

static int parse_entry(const struct policy_ctx *c, const cJSON *e,
                       const char *path, bool is_filter,
                       struct policy_entry *out)
{
    const cJSON *name;
    int rc;

    memset(out, 0, sizeof(*out));
    snprintf(out->name_path, sizeof(out->name_path), "%s", path);
    if (is_filter && cJSON_IsString(e)) {
        out->name = e->valuestring;
        return MU_OK;
    }
    if (!cJSON_IsObject(e))
        return perr(c, "%s: expected %s{\"name\": ..., %s\"args\": {...}}",
                    path, is_filter ? "a plugin name or " : "",
                    is_filter ? "" : "\"weight\": ..., ");
    rc = check_keys(c, e, path,
                    is_filter ? policy_filter_keys : policy_score_keys);
    if (rc)
        return rc;
    snprintf(out->name_path, sizeof(out->name_path), "%s.name", path);
    name = cJSON_GetObjectItemCaseSensitive(e, "name");
    if (!name)
        return perr(c, "%s: missing", out->name_path);
    if (!cJSON_IsString(name))
        return perr(c, "%s: expected a plugin name string", out->name_path);
    out->name = name->valuestring;
    out->args = cJSON_GetObjectItemCaseSensitive(e, "args");
    out->weight = cJSON_GetObjectItemCaseSensitive(e, "weight");
    return MU_OK;
}

static int parse_filter(const struct policy_ctx *c, const cJSON *e, size_t i,
                        struct policy *pol)
{
    const struct filter_plugin *fp;
    struct policy_entry ent;
    char path[POLICY_PATH_MAX], apath[POLICY_PATH_MAX + 8], known[256];
    void *state;
    int rc;

    snprintf(path, sizeof(path), ".filters[%zu]", i);
    rc = parse_entry(c, e, path, true, &ent);
    if (rc)
        return rc;
    fp = filter_plugin_find(ent.name);
    if (!fp) {
        known_names(true, known, sizeof(known));
        return perr(c, "%s: unknown filter plugin \"%.64s\" (known: %s)",
                    ent.name_path, ent.name, known);
    }
    for (size_t j = 0; j < pol->nfilters; j++) {
        if (pol->filters[j].plugin == fp)
            return perr(c,
                        "%s: duplicate filter plugin \"%s\" (also "
                        ".filters[%zu])",
                        ent.name_path, fp->name, j);
    }
    snprintf(apath, sizeof(apath), "%s.args", path);
    rc = init_plugin(c, apath, fp->init, ent.args, &state);
    if (rc)
        return rc;
    pol->filters[pol->nfilters].plugin = fp;
    pol->filters[pol->nfilters].state = state;
    pol->nfilters++;
    return MU_OK;
}

/* "weight": an integer 1..100, 1 when absent. */
static int parse_weight(const struct policy_ctx *c, const cJSON *w,
                        const char *path, int64_t *out)
{
    double d;

    *out = 1;
    if (!w)
        return MU_OK;
    if (!cJSON_IsNumber(w))
        return perr(c, "%s.weight: expected an integer 1..100", path);
    d = w->valuedouble;
    if (d >= 1 && d <= 100 && floor(d) == d) {
        *out = (int64_t)d;
        return MU_OK;
    }
    if (floor(d) == d && fabs(d) < 1e15)
        return perr(c, "%s.weight: %.0f not in 1..100", path, d);
    return perr(c, "%s.weight: %g not in 1..100", path, d);
}

static int parse_score(const struct policy_ctx *c, const cJSON *e, size_t i,
                       struct policy *pol)
{
    const struct score_plugin *sp;
    struct policy_entry ent;
    char path[POLICY_PATH_MAX], apath[POLICY_PATH_MAX + 8], known[256];
    int64_t weight;
    void *state;
    int rc;

    snprintf(path, sizeof(path), ".scores[%zu]", i);
    rc = parse_entry(c, e, path, false, &ent);
    if (rc)
        return rc;
    sp = score_plugin_find(ent.name);
    if (!sp) {
        known_names(false, known, sizeof(known));
        return perr(c, "%s: unknown score plugin \"%.64s\" (known: %s)",
                    ent.name_path, ent.name, known);
    }
    for (size_t j = 0; j < pol->nscores; j++) {
        if (pol->scores[j].plugin == sp)
            return perr(c,
                        "%s: duplicate score plugin \"%s\" (also "
                        ".scores[%zu])",
                        ent.name_path, sp->name, j);
    }
    rc = parse_weight(c, ent.weight, path, &weight);
    if (rc)
        return rc;
    snprintf(apath, sizeof(apath), "%s.args", path);
    rc = init_plugin(c, apath, sp->init, ent.args, &state);
    if (rc)
        return rc;
    pol->scores[pol->nscores].plugin = sp;
    pol->scores[pol->nscores].state = state;
    pol->scores[pol->nscores].weight = weight;
    pol->nscores++;
    pol->weight_sum += weight;
    return MU_OK;
}

/* "filters" or "scores": an array, absent meaning empty. */
static int parse_list(const struct policy_ctx *c, const cJSON *root,
                      bool is_filter, struct policy *pol)
{
    const char *key = is_filter ? "filters" : "scores";
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
    size_t i = 0;
    int rc;

    if (!arr)
        return MU_OK;
    if (!cJSON_IsArray(arr))
        return perr(c, ".%s: expected an array", key);
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        if (i >= POLICY_MAX_PLUGINS)
            return perr(c, ".%s[%zu]: more than %d plugins", key, i,
                        POLICY_MAX_PLUGINS);
        rc = is_filter ? parse_filter(c, e, i, pol) : parse_score(c, e, i, pol);
        if (rc)
            return rc;
    }
    return MU_OK;
}

static int parse_description(const struct policy_ctx *c, const cJSON *root,
                             struct policy *pol)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
    size_t n;

    if (!d)
        return perr(c, ".description: missing (a one-line string is "
                       "required)");
    if (!cJSON_IsString(d))
        return perr(c, ".description: expected a string");
    n = strlen(d->valuestring);
    if (n == 0)
        return perr(c, ".description: must not be empty");
    if (strpbrk(d->valuestring, "\r\n"))
        return perr(c, ".description: must be one line");
    if (n > POLICY_DESC_MAX)
        return perr(c, ".description: longer than %d characters",
                    POLICY_DESC_MAX);
    pol->description = xstrdup(d->valuestring);
    return MU_OK;
}

static int parse_root(const struct policy_ctx *c, const cJSON *root,
                      struct policy *pol)
{
    int rc;

    if (!cJSON_IsObject(root))
        return perr(c, "expected a JSON object at the top level");
    rc = check_keys(c, root, "", policy_top_keys);
    if (!rc)
        rc = parse_description(c, root, pol);
    if (!rc)
        rc = parse_list(c, root, true, pol);
    if (!rc)
        rc = parse_list(c, root, false, pol);
    return rc;
}

int policy_parse(const char *json, size_t len, const char *name,
                 struct policy **out, char *err, size_t errlen)
{
    struct policy_ctx c = {.name = name, .err = err, .errlen = errlen};
    struct policy *pol = NULL;
    const char *end = NULL, *nul;
    cJSON *root = NULL;
    char *copy = NULL;
    int rc, line, col;

    *out = NULL;
    if (len > POLICY_MAX_BYTES)
        return perr(&c, "larger than %d bytes", POLICY_MAX_BYTES);
    /* cJSON wants the terminating NUL inside the length to accept the end
     * of input, so parse a terminated copy; an embedded NUL would end the
     * text early, so it is an error of its own. */
    nul = memchr(json, '\0', len);
    copy = xmalloc(len + 1);
    memcpy(copy, json, len);
    copy[len] = '\0';
    root = nul ? NULL : cJSON_ParseWithLengthOpts(copy, len + 1, &end, true);
    if (!root) {
        size_t pos = nul ? (size_t)(nul - json)
                     : end && end >= copy && end <= copy + len
                         ? (size_t)(end - copy)
                         : 0;

        json_position(json, pos, &line, &col);
        rc = perr(&c, "not valid JSON at line %d column %d", line, col);
        goto out;
    }
    pol = xcalloc(1, sizeof(*pol));
    pol->path = xstrdup(name);
    rc = parse_root(&c, root, pol);
    if (rc)
        goto out;
    *out = pol;
    pol = NULL;
out:
    policy_free(pol);
    cJSON_Delete(root);
    free(copy);
    return rc;
}

int policy_load(const char *path, struct policy **out, char *err, size_t errlen)
{
    struct policy_ctx c = {.name = path, .err = err, .errlen = errlen};
    char *data = xmalloc(POLICY_MAX_BYTES + 1);
    size_t n = 0;
    FILE *f;
    int rc;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        perr(&c, "cannot open: %s", strerror(errno));
        rc = MU_EIO;
        goto out;
    }
    /* read one byte past the cap to tell "exactly the cap" from "more" */
    n = fread(data, 1, POLICY_MAX_BYTES + 1, f);
    if (ferror(f)) {
        perr(&c, "cannot read: %s", strerror(errno));
        rc = MU_EIO;
    } else {
        rc = policy_parse(data, n, path, out, err, errlen);
    }
    fclose(f);
out:
    free(data);
    return rc;
}

void policy_free(struct policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nfilters; i++) {
        if (p->filters[i].plugin->fini)
            p->filters[i].plugin->fini(p->filters[i].state);
    }
    for (size_t i = 0; i < p->nscores; i++) {
        if (p->scores[i].plugin->fini)
            p->scores[i].plugin->fini(p->scores[i].state);
    }
    free(p->path);
    free(p->description);
    free(p);
}

/* One JSON string, escaped, to f. */
static void print_jstr(FILE *f, const char *s)
{
    struct buf b;

    buf_init(&b, BUF_UNLIMITED);
    buf_add_jstrz(&b, s);
    fputs(b.data, f);
    buf_fini(&b);
}

static int print_filter(const struct policy_filter *pf, FILE *f)
{
    char args[POLICY_DESCRIBE_MAX];
    int rc;

    if (!pf->plugin->describe) {
        print_jstr(f, pf->plugin->name);
        return MU_OK;
    }
    rc = pf->plugin->describe(pf->state, args, sizeof(args));
    if (rc)
        return rc;
    fprintf(f, "{\"name\": ");
    print_jstr(f, pf->plugin->name);
    fprintf(f, ", \"args\": %s}", args);
    return MU_OK;
}

static int print_score(const struct policy_score *ps, FILE *f)
{
    char args[POLICY_DESCRIBE_MAX] = "{}";
    int rc;

    if (ps->plugin->describe) {
        rc = ps->plugin->describe(ps->state, args, sizeof(args));
        if (rc)
            return rc;
    }
    fprintf(f, "{\"name\": ");
    print_jstr(f, ps->plugin->name);
    fprintf(f, ", \"weight\": %lld, \"args\": %s}", (long long)ps->weight,
            args);
    return MU_OK;
}

int policy_print(const struct policy *p, FILE *out)
{
    int rc = MU_OK;

    fprintf(out, "{\n  \"description\": ");
    print_jstr(out, p->description);
    fprintf(out, ",\n  \"filters\": [");
    for (size_t i = 0; i < p->nfilters && !rc; i++) {
        fprintf(out, "%s\n    ", i ? "," : "");
        rc = print_filter(&p->filters[i], out);
    }
    fprintf(out, "%s],\n  \"scores\": [", p->nfilters ? "\n  " : "");
    for (size_t i = 0; i < p->nscores && !rc; i++) {
        fprintf(out, "%s\n    ", i ? "," : "");
        rc = print_score(&p->scores[i], out);
    }
    fprintf(out, "%s]\n}\n", p->nscores ? "\n  " : "");
    if (rc)
        return rc;
    return ferror(out) ? MU_EIO : MU_OK;
}
