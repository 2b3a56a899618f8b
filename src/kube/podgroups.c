/* podgroups.c - PodGroups (scheduling.x-k8s.io/v1alpha1, the gangs'
 * minMember and timeout) from the API server. They are listed and watched
 * like nodes and pods by watch.c (KRES_PODGROUPS), so a PodGroup created,
 * changed or deleted reaches the gang table within one watch event; this
 * file holds what is PodGroup-specific: decoding one object, the strict
 * parse of a whole LIST page, and the CRD that may not be installed (LIST
 * 404: log once, empty the table, look again every podgroup_retry_ms). */
#include "common.h"
#include "cache/podgroup.h"
#include "kube/kube_priv.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <pthread.h>

#define PG_MAX_ITEMS 100000

int kube_podgroup_decode(const char *obj, size_t len, const char *what,
                         struct podgroup **out, char *err, size_t errlen)
{
    struct jscan js;
    int rc;

    *out = NULL;
    js_init(&js, obj, len);
    js_set_prefix(&js, what);
    rc = podgroup_decode(&js, out);
    if (!rc && js_end(&js)) {
        podgroup_free(*out);
        *out = NULL;
        rc = MU_EINVAL;
    }
    if (rc)
        snprintf(err, errlen, "%s", js_error(&js));
    return rc;
}

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

void kube_podgroups_look(struct kube *k)
{
    if (!k || !atomic_load(&k->podgroups_absent) ||
        atomic_exchange(&k->podgroups_look, true))
        return;
    pthread_mutex_lock(&k->mu);
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

/* Sleep up to ms, or until kube_podgroups_look asks. RET true when
 * stopping. */
static bool sleep_or_look(struct kube *k, int64_t ms)
{
    struct timespec ts;

    kube_deadline(ms, &ts);
    pthread_mutex_lock(&k->mu);
    while (!atomic_load(&k->stop) && !atomic_load(&k->podgroups_look)) {
        if (pthread_cond_timedwait(&k->cv, &k->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&k->mu);
    atomic_store(&k->podgroups_look, false);
    return atomic_load(&k->stop);
}

/* LIST answered 404: the CRD is not installed (or was removed). Log it
 * once per absence, drop any PodGroups still held (their CRD went away,
 * and with it their objects), then wait before looking again: the retry
 * period, or less when a pod names a PodGroup (kube_podgroups_look), but
 * at least a second. RET true when stopping. */
bool kube_podgroups_absent(struct kwatch *w)
{
    struct kube *k = w->k;
    int64_t least = MU_MIN(1000, k->podgroup_retry_ms);
    bool held;

    if (!w->absent) {
        log_info("no PodGroup CRD: gang settings come from pod "
                 "annotations", "retry_s=%lld",
                 (long long)(k->podgroup_retry_ms / 1000));
        w->absent = true;
    }
    cluster_rdlock(k->c);
    held = strmap_len(&k->c->podgroups) > 0;
    cluster_unlock(k->c);
    if (held)
        kube_apply_relist(k->c, KRES_PODGROUPS, cluster_new(),
                          kube_now_ms());
    atomic_store(&k->podgroups_absent, true);
    return kube_sleep(k, least) ||
           sleep_or_look(k, k->podgroup_retry_ms - least);
}

/* A LIST of PodGroups succeeded: say so when the CRD was absent before. */
void kube_podgroups_found(struct kwatch *w, size_t count)
{
    atomic_store(&w->k->podgroups_absent, false);
    if (!w->absent)
        return;
    w->absent = false;
    log_info("PodGroup CRD found: watching PodGroups", "count=%zu", count);
}
