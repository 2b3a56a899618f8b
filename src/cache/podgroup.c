/* podgroup.c - PodGroup objects: decoding and the cluster's podgroup map. */
#include "common.h"
#include "cache/podgroup.h"
#include "util/xmalloc.h"

#define PODGROUP_NAME_MAX 253
#define PODGROUP_NS_MAX 63
#define PODGROUP_TIMEOUT_MAX 86400
#define PODGROUP_API "scheduling.x-k8s.io/v1alpha1"

void podgroup_free(struct podgroup *pg)
{
    if (!pg)
        return;
    MU_ASSERT(pg->magic == PODGROUP_MAGIC);
    free(pg->ns);
    free(pg->name);
    free(pg->key);
    pg->magic = 0;
    free(pg);
}

/* A bounded integer field; `what` names the allowed range in the error. */
static int decode_int(struct jscan *js, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t v;

    if (js_i64(js, &v))
        return MU_EINVAL;
    if (v < lo || v > hi)
        return js_fail(js, "%lld not in %lld..%lld", (long long)v,
                       (long long)lo, (long long)hi);
    *out = v;
    return MU_OK;
}

static int decode_name(struct jscan *js, size_t max, char **out)
{
    struct jstr s;

    if (js_str(js, &s))
        return MU_EINVAL;
    if (s.n == 0 || s.n > max || s.esc || memchr(s.p, '/', s.n))
        return js_fail(js, "expected a name of 1..%zu characters", max);
    free(*out);
    *out = jstr_dup(&s);
    return MU_OK;
}

static int decode_meta(struct jscan *js, struct podgroup *pg)
{
    struct jstr key;
    int r = 0, rc = MU_OK;

    if (js_obj_begin(js))
        return MU_EINVAL;
    while (rc == MU_OK && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "name"))
            rc = decode_name(js, PODGROUP_NAME_MAX, &pg->name);
        else if (jstr_eq(&key, "namespace"))
            rc = decode_name(js, PODGROUP_NS_MAX, &pg->ns);
        else
            rc = js_skip(js);
    }
    return rc ? rc : r < 0 ? MU_EINVAL : MU_OK;
}

static int decode_spec(struct jscan *js, struct podgroup *pg)
{
    struct jstr key;
    int r = 0, rc = MU_OK;

    if (js_maybe_null(js) == 1)
        return MU_OK;
    if (js_obj_begin(js))
        return MU_EINVAL;
    while (rc == MU_OK && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "minMember"))
            rc = decode_int(js, 0, PODGROUP_MAX_MEMBERS, &pg->min_member);
        else if (jstr_eq(&key, "scheduleTimeoutSeconds"))
            rc = decode_int(js, 0, PODGROUP_TIMEOUT_MAX, &pg->timeout_s);
        else
            rc = js_skip(js);
    }
    return rc ? rc : r < 0 ? MU_EINVAL : MU_OK;
}

/* kind and apiVersion, when present, must say PodGroup. */
static int decode_type(struct jscan *js, const char *want)
{
    struct jstr s;

    if (js_str(js, &s))
        return MU_EINVAL;
    if (!jstr_eq(&s, want))
        return js_fail(js, "expected \"%s\"", want);
    return MU_OK;
}

static int decode_fields(struct jscan *js, struct podgroup *pg)
{
    struct jstr key;
    int r = 0, rc = MU_OK;

    if (js_obj_begin(js))
        return MU_EINVAL;
    while (rc == MU_OK && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "metadata"))
            rc = decode_meta(js, pg);
        else if (jstr_eq(&key, "spec"))
            rc = decode_spec(js, pg);
        else if (jstr_eq(&key, "kind"))
            rc = decode_type(js, "PodGroup");
        else if (jstr_eq(&key, "apiVersion"))
            rc = decode_type(js, PODGROUP_API);
        else
            rc = js_skip(js);
    }
    return rc ? rc : r < 0 ? MU_EINVAL : MU_OK;
}

int podgroup_decode(struct jscan *js, struct podgroup **out)
{
    struct podgroup *pg = xcalloc(1, sizeof(*pg));
    int rc;

    pg->magic = PODGROUP_MAGIC;
    rc = decode_fields(js, pg);
    if (rc)
        goto out;
    if (!pg->name) {
        rc = js_fail(js, "PodGroup without metadata.name");
        goto out;
    }
    if (!pg->ns)
        pg->ns = xstrdup("default");
    if (pg->min_member == 0)
        pg->min_member = 1;
    pg->key = xasprintf("%s/%s", pg->ns, pg->name);
    *out = pg;
    pg = NULL;
out:
    podgroup_free(pg);
    return rc;
}

void cluster_podgroup_put(struct cluster *c, struct podgroup *pg)
{
    struct podgroup *old;

    MU_ASSERT(pg->magic == PODGROUP_MAGIC);
    old = strmap_put(&c->podgroups, pg->key, strlen(pg->key), pg);
    podgroup_free(old);
    c->generation++;
}

int cluster_podgroup_del(struct cluster *c, const char *ns, const char *name)
{
    char key[PODGROUP_NS_MAX + PODGROUP_NAME_MAX + 2];
    int n = snprintf(key, sizeof(key), "%s/%s", ns, name);
    struct podgroup *old;

    if (n < 0 || (size_t)n >= sizeof(key))
        return MU_ENOENT;
    old = strmap_del(&c->podgroups, key, (size_t)n);
    if (!old)
        return MU_ENOENT;
    podgroup_free(old);
    c->generation++;
    return MU_OK;
}

const struct podgroup *cluster_podgroup_get(const struct cluster *c,
                                            const char *key, size_t len)
{
    return strmap_get(&c->podgroups, key, len);
}

void cluster_podgroups_clear(struct cluster *c)
{
    size_t it = 0, kl;
    const char *k;
    void *v;

    while (strmap_next(&c->podgroups, &it, &k, &kl, &v))
        podgroup_free(v);
    strmap_fini(&c->podgroups);
    strmap_init(&c->podgroups);
}

void cluster_swap_podgroups(struct cluster *c, struct cluster *fresh)
{
    struct strmap tmp;

    MU_ASSERT(c->magic == CLUSTER_MAGIC && fresh->magic == CLUSTER_MAGIC);
    MU_ASSERT(c != fresh);
    tmp = c->podgroups;
    c->podgroups = fresh->podgroups;
    fresh->podgroups = tmp;
    c->generation++;
}
