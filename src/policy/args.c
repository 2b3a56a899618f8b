/* args.c - validation of plugin args from policy files. */
#include "common.h"
#include "policy/args.h"
#include "util/buf.h"

#include <math.h>
#include <stdarg.h>

void args_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool key_known(const char *key, const char *const *known)
{
    for (; *known; known++) {
        if (strcmp(key, *known) == 0)
            return true;
    }
    return false;
}

static void list_known(const char *const *known, char *dst, size_t cap)
{
    size_t len = 0;

    dst[0] = '\0';
    for (size_t i = 0; known[i] && len < cap; i++)
        len += (size_t)snprintf(dst + len, cap - len, "%s%s", i ? ", " : "",
                                known[i]);
}

/* cJSON keeps every member of an object, so a repeated key would otherwise
 * be read once and the other copy ignored. */
static const cJSON *dup_key(const cJSON *obj)
{
    for (const cJSON *a = obj->child; a; a = a->next) {
        for (const cJSON *b = a->next; b; b = b->next) {
            if (strcmp(a->string, b->string) == 0)
                return b;
        }
    }
    return NULL;
}

int args_check_keys(const cJSON *args, const char *const *known, char *err,
                    size_t errlen)
{
    char names[256];
    const cJSON *d;

    if (!args)
        return MU_OK;
    if (!cJSON_IsObject(args)) {
        args_err(err, errlen, ": expected an object");
        return MU_EINVAL;
    }
    for (const cJSON *c = args->child; c; c = c->next) {
        if (key_known(c->string, known))
            continue;
        list_known(known, names, sizeof(names));
        if (names[0])
            args_err(err, errlen, ".%s: unknown key (known: %s)", c->string,
                     names);
        else
            args_err(err, errlen,
                     ".%s: unknown key (this plugin takes no "
                     "args)",
                     c->string);
        return MU_EINVAL;
    }
    d = dup_key(args);
    if (d) {
        args_err(err, errlen, ".%s: duplicate key", d->string);
        return MU_EINVAL;
    }
    return MU_OK;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* One segment of a name: alphanumeric at both ends, '.', '-', '_' inside. */
static bool segment_valid(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
            return false;
    }
    return true;
}

/* A Kubernetes resource name: [prefix/]name, e.g. "nvidia.com/gpu". */
static bool res_name_valid(const char *s)
{
    size_t n = strlen(s);
    const char *slash = memchr(s, '/', n);

    if (n > ARGS_RES_NAME_MAX)
        return false;
    if (!slash)
        return segment_valid(s, n);
    return segment_valid(s, (size_t)(slash - s)) &&
           segment_valid(slash + 1, n - (size_t)(slash - s) - 1);
}

static int intern_name(const char *name, const char *path, int *id, char *err,
                       size_t errlen)
{
    int r;

    if (!res_name_valid(name)) {
        args_err(err, errlen, "%s: \"%.64s\" is not a resource name", path,
                 name);
        return MU_EINVAL;
    }
    r = res_intern(name, strlen(name));
    if (r < 0) {
        args_err(err, errlen, "%s: too many distinct resource names (max %d)",
                 path, RES_MAX);
        return r;
    }
    *id = r;
    return MU_OK;
}

int args_res_name(const cJSON *v, const char *path, int *id, char *err,
                  size_t errlen)
{
    if (!cJSON_IsString(v)) {
        args_err(err, errlen, "%s: expected a resource name string", path);
        return MU_EINVAL;
    }
    return intern_name(v->valuestring, path, id, err, errlen);
}

static bool seen(const struct res_weights *rw, int id)
{
    for (uint32_t i = 0; i < rw->n; i++) {
        if (rw->id[i] == id)
            return true;
    }
    return false;
}

/* Append one resource; rejects repeats and more than RES_MAX entries. */
static int add_res(struct res_weights *rw, const char *name, int64_t w,
                   const char *path, char *err, size_t errlen)
{
    int id, rc;

    rc = intern_name(name, path, &id, err, errlen);
    if (rc)
        return rc;
    if (seen(rw, id)) {
        args_err(err, errlen, "%s: \"%s\" listed twice", path, name);
        return MU_EINVAL;
    }
    MU_ASSERT(rw->n < RES_MAX); /* ids are unique and below RES_MAX */
    rw->id[rw->n] = id;
    rw->w[rw->n] = w;
    rw->n++;
    return MU_OK;
}

static bool weight_valid(const cJSON *v)
{
    double d;

    if (!cJSON_IsNumber(v))
        return false;
    d = v->valuedouble;
    return d >= 1 && d <= 100 && floor(d) == d;
}

int args_res_weights(const cJSON *v, const char *path, struct res_weights *rw,
                     char *err, size_t errlen)
{
    char sub[300];
    int rc;

    rw->n = 0;
    if (!cJSON_IsObject(v) || !v->child) {
        args_err(err, errlen,
                 "%s: expected an object of resource weights "
                 "like {\"cpu\": 1, \"memory\": 1}",
                 path);
        return MU_EINVAL;
    }
    for (const cJSON *c = v->child; c; c = c->next) {
        snprintf(sub, sizeof(sub), "%s.%.256s", path, c->string);
        if (!weight_valid(c)) {
            args_err(err, errlen, "%s: expected integer 1..100", sub);
            return MU_EINVAL;
        }
        rc = add_res(rw, c->string, (int64_t)c->valuedouble, sub, err, errlen);
        if (rc)
            return rc;
    }
    return MU_OK;
}

int args_res_list(const cJSON *v, const char *path, struct res_weights *rw,
                  char *err, size_t errlen)
{
    char sub[300];
    int rc, i = 0;

    rw->n = 0;
    if (!cJSON_IsArray(v) || !v->child) {
        args_err(err, errlen,
                 "%s: expected a non-empty array of resource "
                 "names like [\"cpu\", \"memory\"]",
                 path);
        return MU_EINVAL;
    }
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        snprintf(sub, sizeof(sub), "%s[%d]", path, i);
        if (!cJSON_IsString(c)) {
            args_err(err, errlen, "%s: expected a resource name string", sub);
            return MU_EINVAL;
        }
        rc = add_res(rw, c->valuestring, 1, sub, err, errlen);
        if (rc)
            return rc;
    }
    return MU_OK;
}

int args_describe_res(const struct res_weights *rw, bool as_list, char *dst,
                      size_t cap)
{
    struct buf b;
    int rc = MU_OK;

    buf_init(&b, cap ? cap - 1 : 0);
    rc |= buf_adds(&b, as_list ? "{\"resources\": [" : "{\"resources\": {");
    for (uint32_t i = 0; i < rw->n; i++) {
        if (i)
            rc |= buf_adds(&b, ", ");
        rc |= buf_add_jstrz(&b, res_name(rw->id[i]));
        if (!as_list)
            rc |= buf_printf(&b, ": %lld", (long long)rw->w[i]);
    }
    rc |= buf_adds(&b, as_list ? "]}" : "}}");
    if (rc == MU_OK && cap > 0)
        memcpy(dst, b.data, b.len + 1);
    buf_fini(&b);
    return rc ? MU_ELIMIT : MU_OK;
}
