/* gang_conf.c - the "gang" section of a policy file: timeouts, hold cap,
 * backoff, starvation threshold and the topology keys the planner packs
 * gangs by. Validated as strictly as the rest of the policy (R9). */
#include "common.h"
#include "policy/policy.h"
#include "util/xmalloc.h"

#include <math.h>
#include <stdarg.h>

#define GANG_LABEL_KEY_MAX 317   /* prefix (253) + "/" + name (63) */

/* One integer setting: its key, bounds, default and place in the struct. */
struct gang_int_opt {
    const char *key;
    int64_t min, max, def;
    size_t off;
};

static const struct gang_int_opt gang_int_opts[] = {
    {"defaultTimeoutSeconds", 1, 3600, 30,
     offsetof(struct policy_gang, default_timeout_s)},
    {"maxHoldSeconds", 1, 60, 4, offsetof(struct policy_gang, max_hold_s)},
    {"backoffSeconds", 0, 3600, 10, offsetof(struct policy_gang, backoff_s)},
    {"starvationSeconds", 1, 86400, 300,
     offsetof(struct policy_gang, starvation_s)},
};

static const char *const gang_default_keys[] = {
    "kubernetes.io/hostname", "topology.kubernetes.io/zone"};

static int gerr(char *err, size_t errlen, const char *fmt, ...)
    MU_PRINTF(3, 4);
static int gerr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return MU_EINVAL;
}

static int64_t *int_slot(struct policy_gang *g, const struct gang_int_opt *o)
{
    return (int64_t *)((char *)g + o->off);
}

void policy_gang_defaults(struct policy_gang *g)
{
    policy_gang_fini(g);
    for (size_t i = 0; i < ARRAY_LEN(gang_int_opts); i++)
        *int_slot(g, &gang_int_opts[i]) = gang_int_opts[i].def;
    for (size_t i = 0; i < ARRAY_LEN(gang_default_keys); i++)
        g->topo_keys[i] = xstrdup(gang_default_keys[i]);
    g->ntopo_keys = ARRAY_LEN(gang_default_keys);
}

void policy_gang_fini(struct policy_gang *g)
{
    for (size_t i = 0; i < g->ntopo_keys; i++)
        FREE_NULL(g->topo_keys[i]);
    g->ntopo_keys = 0;
}

static int parse_int_opt(const cJSON *v, const struct gang_int_opt *o,
                         struct policy_gang *g, char *err, size_t errlen)
{
    double d;

    if (!cJSON_IsNumber(v))
        return gerr(err, errlen, ".gang.%s: expected an integer %lld..%lld",
                    o->key, (long long)o->min, (long long)o->max);
    d = v->valuedouble;
    if (floor(d) != d || fabs(d) > 1e15)
        return gerr(err, errlen, ".gang.%s: %g not in %lld..%lld", o->key, d,
                    (long long)o->min, (long long)o->max);
    if (d < (double)o->min || d > (double)o->max)
        return gerr(err, errlen, ".gang.%s: %.0f not in %lld..%lld", o->key,
                    d, (long long)o->min, (long long)o->max);
    *int_slot(g, o) = (int64_t)d;
    return MU_OK;
}

/* A label key as Kubernetes allows it, roughly: printable, no spaces or
 * quotes, a non-empty name part after an optional "prefix/". */
static bool label_key_ok(const char *s)
{
    size_t n = strlen(s);
    const char *slash = strchr(s, '/');

    if (n == 0 || n > GANG_LABEL_KEY_MAX || s[n - 1] == '/')
        return false;
    if (slash && (slash == s || strchr(slash + 1, '/')))
        return false;
    for (; *s; s++) {
        if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\' || *s == '%')
            return false;
    }
    return true;
}

static int parse_keys(const cJSON *v, struct policy_gang *g, char *err,
                      size_t errlen)
{
    size_t i = 0;

    if (!cJSON_IsArray(v))
        return gerr(err, errlen, ".gang.topologyKeys: expected an array of "
                    "label keys");
    policy_gang_fini(g);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (i >= POLICY_MAX_TOPO_KEYS)
            return gerr(err, errlen, ".gang.topologyKeys: more than %d keys",
                        POLICY_MAX_TOPO_KEYS);
        if (!cJSON_IsString(e) || !label_key_ok(e->valuestring))
            return gerr(err, errlen, ".gang.topologyKeys[%zu]: expected a "
                        "label key such as \"kubernetes.io/hostname\"", i);
        for (size_t j = 0; j < g->ntopo_keys; j++) {
            if (strcmp(g->topo_keys[j], e->valuestring) == 0)
                return gerr(err, errlen, ".gang.topologyKeys[%zu]: "
                            "duplicate key \"%s\"", i, e->valuestring);
        }
        g->topo_keys[g->ntopo_keys++] = xstrdup(e->valuestring);
    }
    return MU_OK;
}

static int parse_member(const cJSON *e, struct policy_gang *g, char *err,
                        size_t errlen)
{
    char known[160];
    size_t len = 0;

    if (strcmp(e->string, "topologyKeys") == 0)
        return parse_keys(e, g, err, errlen);
    for (size_t i = 0; i < ARRAY_LEN(gang_int_opts); i++) {
        if (strcmp(e->string, gang_int_opts[i].key) == 0)
            return parse_int_opt(e, &gang_int_opts[i], g, err, errlen);
        len += (size_t)snprintf(known + len, sizeof(known) - len, "%s, ",
                                gang_int_opts[i].key);
    }
    return gerr(err, errlen, ".gang.%.64s: unknown key (known: %stopologyKeys)",
                e->string, known);
}

int policy_gang_parse(const cJSON *v, struct policy_gang *g, char *err,
                      size_t errlen)
{
    int rc;

    policy_gang_defaults(g);
    if (!cJSON_IsObject(v))
        return gerr(err, errlen, ".gang: expected an object");
    for (const cJSON *e = v->child; e; e = e->next) {
        for (const cJSON *d = v->child; d != e; d = d->next) {
            if (strcmp(d->string, e->string) == 0)
                return gerr(err, errlen, ".gang.%.64s: duplicate key",
                            e->string);
        }
        rc = parse_member(e, g, err, errlen);
        if (rc)
            return rc;
    }
    g->given = true;
    return MU_OK;
}

int policy_gang_describe(const struct policy_gang *g, char *dst, size_t cap)
{
    size_t len = 0;
    int n;

    for (size_t i = 0; i < ARRAY_LEN(gang_int_opts); i++) {
        n = snprintf(dst + len, cap - len, "%s\"%s\": %lld", i ? ", " : "{",
                     gang_int_opts[i].key,
                     (long long)*int_slot((struct policy_gang *)g,
                                          &gang_int_opts[i]));
        if (n < 0 || (size_t)n >= cap - len)
            return MU_ELIMIT;
        len += (size_t)n;
    }
    for (size_t i = 0; i <= g->ntopo_keys; i++) {
        n = i == g->ntopo_keys
                ? snprintf(dst + len, cap - len, "%s]}", i ? "" : ", \"topologyKeys\": [")
                : snprintf(dst + len, cap - len, "%s\"%s\"",
                           i ? ", " : ", \"topologyKeys\": [", g->topo_keys[i]);
        if (n < 0 || (size_t)n >= cap - len)
            return MU_ELIMIT;
        len += (size_t)n;
    }
    return MU_OK;
}
