/* podgroups.c - keep the cluster's PodGroups (gang settings) in step with
 * the API server by polling LIST: PodGroups are few and change rarely, and
 * a CRD that may not be installed is simpler to poll than to watch (404:
 * not installed, look again in a minute). */
#include "common.h"
#include "cache/podgroup.h"
#include "kube/kube_priv.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define PG_PATH "/apis/scheduling.x-k8s.io/v1alpha1/podgroups?limit=500"
#define PG_MAX_BODY (64u << 20)
#define PG_MAX_ITEMS 100000

static int pg_items(struct jscan *js, struct podgroup ***out, size_t *n)
{
    size_t cap = 0;
    int r, rc;

    if (js_maybe_null(js) == 1)
        return MU_OK;
    if ((rc = js_arr_begin(js)))
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        struct podgroup *pg = NULL;

        if (*n >= PG_MAX_ITEMS)
            return js_fail(js, "more than %d PodGroups", PG_MAX_ITEMS);
        if ((rc = podgroup_decode(js, &pg)))
            return rc;
        *out = xgrow(*out, &cap, *n + 1, sizeof(**out));
        (*out)[(*n)++] = pg;
    }
    return r < 0 ? r : MU_OK;
}

static int pg_meta(struct jscan *js, char *cont, size_t cap)
{
    struct jstr key, v;
    int r, rc = MU_OK;

    if ((rc = js_obj_begin(js)))
        return rc;
    while (rc == MU_OK && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "continue")) {
            rc = js_str(js, &v);
            if (!rc && jstr_copy(&v, cont, cap) < 0)
                rc = js_fail(js, "continue token too long");
        } else {
            rc = js_skip(js);
        }
    }
    return rc ? rc : r < 0 ? r : MU_OK;
}

int kube_podgroups_parse(const char *body, size_t len, struct podgroup ***out,
                         size_t *n, char *cont, size_t cont_cap, char *err,
                         size_t errlen)
{
    struct jscan js;
    struct jstr key;
    int r = 0, rc;

    *out = NULL;
    *n = 0;
    cont[0] = '\0';
    js_init(&js, body, len);
    js_set_prefix(&js, "PodGroupList");
    rc = js_obj_begin(&js);
    while (!rc && (r = js_obj_next(&js, &key)) > 0) {
        if (jstr_eq(&key, "items"))
            rc = pg_items(&js, out, n);
        else if (jstr_eq(&key, "metadata"))
            rc = pg_meta(&js, cont, cont_cap);
        else
            rc = js_skip(&js);
    }
    if (!rc && (r < 0 || js_end(&js)))
        rc = MU_EINVAL;
    if (!rc)
        return MU_OK;
    snprintf(err, errlen, "%s", js_error(&js));
    while (*n)
        podgroup_free((*out)[--*n]);
    FREE_NULL(*out);
    return rc;
}

/* The PodGroups to hold, gathered over all pages. */
struct pg_set {
    struct podgroup **v;
    size_t n;
};

static void pg_set_fini(struct pg_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        podgroup_free(s->v[i]);
    FREE_NULL(s->v);
    s->n = 0;
}

/* One page into s. RET MU_OK, MU_ENOENT (404: no CRD) or an error. */
static int pg_page(struct kube *k, const char *cont, struct pg_set *s,
                   char *next, size_t cap, char *err, size_t errlen)
{
    struct kreq rq = {.method = "GET", .max_body = PG_MAX_BODY};
    struct podgroup **got = NULL;
    struct kresp resp;
    struct buf path;
    size_t n = 0;
    CURL *h;
    int rc;

    next[0] = '\0';
    buf_init(&path, 4096);
    buf_adds(&path, PG_PATH);
    if (*cont) {
        buf_adds(&path, "&continue=");
        kube_url_escape(&path, cont);
    }
    rq.path = path.data;
    h = kclient_take(&k->client);
    rc = kclient_do(&k->client, h, &rq, &resp, err, errlen);
    kclient_give(&k->client, h);
    if (!rc && resp.status == 404)
        rc = MU_ENOENT;
    else if (!rc && resp.status != 200) {
        snprintf(err, errlen, "LIST podgroups: API server answered %ld",
                 resp.status);
        rc = MU_EIO;
    } else if (!rc) {
        rc = kube_podgroups_parse(resp.body.data ? resp.body.data : "",
                                  resp.body.len, &got, &n, next, cap, err,
                                  errlen);
    }
    for (size_t i = 0; i < n; i++) {
        s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        s->v[s->n++] = got[i];
    }
    free(got);
    buf_fini(&resp.body);
    buf_fini(&path);
    return rc;
}

/* Does the cluster already hold exactly these settings? */
static bool pg_same(const struct cluster *c, const struct pg_set *s)
{
    if (strmap_len(&c->podgroups) != s->n)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        const struct podgroup *have = cluster_podgroup_get(
            c, s->v[i]->key, strlen(s->v[i]->key));

        if (!have || have->min_member != s->v[i]->min_member ||
            have->timeout_s != s->v[i]->timeout_s)
            return false;
    }
    return true;
}

/* Replace the cluster's PodGroups by s (consumed), when they differ. */
static void pg_apply(struct kube *k, struct pg_set *s)
{
    bool same;

    cluster_rdlock(k->c);
    same = pg_same(k->c, s);
    cluster_unlock(k->c);
    if (same) {
        pg_set_fini(s);
        return;
    }
    cluster_wrlock(k->c);
    cluster_podgroups_clear(k->c);
    for (size_t i = 0; i < s->n; i++)
        cluster_podgroup_put(k->c, s->v[i]);
    k->c->generation++;
    cluster_unlock(k->c);
    log_info("podgroups updated", "count=%zu", s->n);
    FREE_NULL(s->v);
    s->n = 0;
}

/* One full LIST. RET MU_OK, MU_ENOENT (no CRD) or an error (logged). */
static int pg_poll(struct kube *k)
{
    struct pg_set s = {0};
    char cont[1024] = "", next[1024], err[512];
    int rc, pages = 0;

    do {
        rc = pg_page(k, cont, &s, next, sizeof(next), err, sizeof(err));
        memcpy(cont, next, sizeof(cont));
    } while (!rc && cont[0] && ++pages < 1000);
    if (rc) {
        pg_set_fini(&s);
        if (rc != MU_ENOENT)
            log_warn("podgroups not listed", "err=\"%s\"", err);
        return rc;
    }
    pg_apply(k, &s);
    return MU_OK;
}

void *kpodgroups_main(void *arg)
{
    struct kube *k = arg;
    bool absent_logged = false;
    int rc;

    do {
        rc = pg_poll(k);
        if (rc == MU_ENOENT && !absent_logged) {
            log_info("no PodGroup CRD: gang settings come from pod "
                     "annotations", "retry_s=%d",
                     KUBE_PODGROUP_ABSENT_MS / 1000);
            absent_logged = true;
        }
    } while (!kube_sleep(k, rc == MU_ENOENT ? KUBE_PODGROUP_ABSENT_MS
                                            : KUBE_PODGROUP_POLL_MS));
    return NULL;
}
