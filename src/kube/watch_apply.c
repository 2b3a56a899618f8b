/* watch_apply.c - watch events and LIST pages applied to the cluster:
 * ADDED/MODIFIED/DELETED/BOOKMARK/ERROR, relist swaps that keep the other
 * resources, and the lifetime of assumed (bound but unconfirmed) pods. */
#include "common.h"
#include "cache/decode.h"
#include "cache/podgroup.h"
#include "kube/watch.h"
#include "util/jscan.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <time.h>

/* The metadata muster needs from any object, read without decoding it. */
struct kmeta {
    char name[256];
    char ns[256];
    char uid[128];
    char rv[KUBE_RV_MAX];
    int64_t code;           /* Status objects */
    char message[512];
};

static const char *const res_kind[] = {[KRES_NODES] = "Node",
                                       [KRES_PODS] = "Pod",
                                       [KRES_PODGROUPS] = "PodGroup"};
static const char *const res_plural[] = {[KRES_NODES] = "nodes",
                                         [KRES_PODS] = "pods",
                                         [KRES_PODGROUPS] = "podgroups"};
static const char *const res_list[] = {[KRES_NODES] = "NodeList",
                                       [KRES_PODS] = "PodList",
                                       [KRES_PODGROUPS] = "PodGroupList"};

static int copy_str(struct jscan *js, char *dst, size_t cap)
{
    struct jstr s;
    int rc = js_str(js, &s);

    if (rc)
        return rc;
    if (jstr_copy(&s, dst, cap) < 0)
        return js_fail(js, "longer than %zu bytes", cap - 1);
    return MU_OK;
}

static int scan_metadata(struct jscan *js, struct kmeta *m)
{
    struct jstr key;
    int r = 0, rc = js_obj_begin(js);

    while (rc == MU_OK && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "name"))
            rc = copy_str(js, m->name, sizeof(m->name));
        else if (jstr_eq(&key, "namespace"))
            rc = copy_str(js, m->ns, sizeof(m->ns));
        else if (jstr_eq(&key, "uid"))
            rc = copy_str(js, m->uid, sizeof(m->uid));
        else if (jstr_eq(&key, "resourceVersion"))
            rc = copy_str(js, m->rv, sizeof(m->rv));
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

/* Read metadata (and a Status's code/message) from one object. */
static int scan_object(const char *p, size_t n, struct kmeta *m, char *err,
                       size_t errlen)
{
    struct jscan js;
    struct jstr key;
    int r = 0, rc;

    memset(m, 0, sizeof(*m));
    js_init(&js, p, n);
    js_set_prefix(&js, "object");
    rc = js_obj_begin(&js);
    while (rc == MU_OK && (r = js_obj_next(&js, &key)) > 0) {
        if (jstr_eq(&key, "metadata"))
            rc = scan_metadata(&js, m);
        else if (jstr_eq(&key, "code"))
            rc = js_i64(&js, &m->code);
        else if (jstr_eq(&key, "message"))
            rc = copy_str(&js, m->message, sizeof(m->message));
        else
            rc = js_skip(&js);
    }
    if (rc == MU_OK && r < 0)
        rc = r;
    if (rc)
        snprintf(err, errlen, "%s", js_error(&js));
    return rc;
}

/* Split {"type":...,"object":{...}} into the type and the object's span. */
static int parse_event(const char *line, size_t len, struct kevent *ev,
                       const char **ob, const char **oe, char *err,
                       size_t errlen)
{
    struct jscan js;
    struct jstr key;
    int r = 0, rc;

    *ob = *oe = NULL;
    js_init(&js, line, len);
    js_set_prefix(&js, "watch event");
    rc = js_obj_begin(&js);
    while (rc == MU_OK && (r = js_obj_next(&js, &key)) > 0) {
        if (jstr_eq(&key, "type"))
            rc = copy_str(&js, ev->type, sizeof(ev->type));
        else if (jstr_eq(&key, "object") && js_peek(&js) == JT_OBJ)
            rc = js_skip_span(&js, ob, oe);
        else
            rc = js_skip(&js);
    }
    if (rc == MU_OK && r < 0)
        rc = r;
    if (rc == MU_OK)
        rc = js_end(&js);
    if (rc) {
        snprintf(err, errlen, "%s", js_error(&js));
        return MU_EINVAL;
    }
    if (!ev->type[0] || !*ob) {
        snprintf(err, errlen, "watch event: %s missing",
                 ev->type[0] ? "object" : "type");
        return MU_EINVAL;
    }
    return MU_OK;
}

/* Keep an unexpired assumption against an event still showing the pod
 * unbound: the watch has not seen our Binding yet. The caller holds the
 * write lock. */
static void keep_assumption(struct cluster *c, struct pod *p, int64_t now_ms)
{
    struct pod *old = cluster_pod_get(c, p->uid, strlen(p->uid));

    if (!old || !old->assumed_until || p->node_name || !old->node_name)
        return;
    if (old->assumed_until <= now_ms)
        return;
    p->node_name = xstrdup(old->node_name);
    p->assumed_until = old->assumed_until;
}

static int apply_put(struct cluster *c, enum kres res, const char *ob,
                     size_t on, int64_t now_ms, char *err, size_t errlen)
{
    struct node_info *n = NULL;
    struct pod *p = NULL;
    struct podgroup *pg = NULL;
    int rc;

    if (res == KRES_NODES)
        rc = decode_node_buf(ob, on, "Node", &n, err, errlen);
    else if (res == KRES_PODGROUPS)
        rc = kube_podgroup_decode(ob, on, "PodGroup", &pg, err, errlen);
    else
        rc = decode_pod_buf(ob, on, "Pod", &p, err, errlen);
    if (rc)
        return rc;
    cluster_wrlock(c);
    if (n) {
        cluster_node_put(c, n);
    } else if (pg) {
        cluster_podgroup_put(c, pg);
    } else {
        if (p->uid && p->uid[0])
            keep_assumption(c, p, now_ms);
        cluster_pod_put(c, p);
    }
    cluster_unlock(c);
    return MU_OK;
}

/* DELETED: by name (nodes), ns/name (PodGroups) or uid (pods; "ns/name"
 * when it has none, as cluster_pod_put names such pods). Absent objects are
 * fine: a relist may already have dropped them. */
static void apply_delete(struct cluster *c, enum kres res,
                         const struct kmeta *m)
{
    char key[600];

    cluster_wrlock(c);
    if (res == KRES_NODES) {
        cluster_node_del(c, m->name);
    } else if (res == KRES_PODGROUPS) {
        cluster_podgroup_del(c, m->ns[0] ? m->ns : "default", m->name);
    } else if (m->uid[0]) {
        cluster_pod_del(c, m->uid);
    } else {
        snprintf(key, sizeof(key), "%s/%s", m->ns, m->name);
        cluster_pod_del(c, key);
    }
    cluster_unlock(c);
}

/* Say which object an error is about: "Pod ns/p: <err>". */
static void name_object(char *err, size_t errlen, enum kres res,
                        const struct kmeta *m)
{
    char why[512];

    snprintf(why, sizeof(why), "%s", err);
    snprintf(err, errlen, "%s %s%s%s: %s", res_kind[res], m->ns,
             m->ns[0] ? "/" : "", m->name, why);
}

int kube_apply_event(struct cluster *c, enum kres res, const char *line,
                     size_t len, int64_t now_ms, struct kevent *ev, char *err,
                     size_t errlen)
{
    const char *ob, *oe;
    struct kmeta m;
    int rc;

    memset(ev, 0, sizeof(*ev));
    if ((rc = parse_event(line, len, ev, &ob, &oe, err, errlen)))
        return rc;
    if ((rc = scan_object(ob, (size_t)(oe - ob), &m, err, errlen)))
        return MU_EINVAL;
    if (strcmp(ev->type, "ERROR") == 0) {
        /* Any ERROR ends the watch; 410 Expired/Gone is the usual one. */
        ev->relist = true;
        ev->code = m.code;
        snprintf(err, errlen, "watch %ss: ERROR event, code %lld: %s",
                 res_kind[res], (long long)m.code, m.message);
        return MU_OK;
    }
    snprintf(ev->rv, sizeof(ev->rv), "%s", m.rv);
    if (strcmp(ev->type, "BOOKMARK") == 0)
        return MU_OK;
    if (strcmp(ev->type, "DELETED") == 0) {
        if (res == KRES_PODS ? !m.name[0] && !m.uid[0] : !m.name[0]) {
            snprintf(err, errlen, "DELETED %s without metadata.name",
                     res_kind[res]);
            return MU_EINVAL;
        }
        apply_delete(c, res, &m);
        return MU_OK;
    }
    if (strcmp(ev->type, "ADDED") && strcmp(ev->type, "MODIFIED")) {
        snprintf(err, errlen, "watch event: unknown type \"%s\"", ev->type);
        return MU_EINVAL;
    }
    rc = apply_put(c, res, ob, (size_t)(oe - ob), now_ms, err, errlen);
    if (rc && m.name[0])
        name_object(err, errlen, res, &m);
    return rc;
}

static int list_meta(struct jscan *js, char *rv, char *cont, size_t cont_cap)
{
    struct jstr key;
    int r = 0, rc = js_obj_begin(js);

    while (rc == MU_OK && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "resourceVersion"))
            rc = copy_str(js, rv, KUBE_RV_MAX);
        else if (jstr_eq(&key, "continue"))
            rc = copy_str(js, cont, cont_cap);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

/* Decode one item into fresh; a bad item is logged and skipped (the rest
 * of the list is still good). */
static void list_item(struct cluster *fresh, enum kres res, size_t i,
                      const char *b, const char *e)
{
    char prefix[64], err[512];
    struct node_info *n;
    struct pod *p;
    struct podgroup *pg;

    snprintf(prefix, sizeof(prefix), "%s items[%zu]", res_list[res], i);
    if (res == KRES_NODES &&
        decode_node_buf(b, (size_t)(e - b), prefix, &n, err, sizeof(err)) ==
            MU_OK) {
        cluster_node_put(fresh, n);
        return;
    }
    if (res == KRES_PODS &&
        decode_pod_buf(b, (size_t)(e - b), prefix, &p, err, sizeof(err)) ==
            MU_OK) {
        cluster_pod_put(fresh, p);
        return;
    }
    if (res == KRES_PODGROUPS &&
        kube_podgroup_decode(b, (size_t)(e - b), prefix, &pg, err,
                             sizeof(err)) == MU_OK) {
        cluster_podgroup_put(fresh, pg);
        return;
    }
    log_error("list item skipped", "error=\"%s\"", err);
}

static int list_items(struct jscan *js, struct cluster *fresh, enum kres res)
{
    const char *b, *e;
    size_t i = 0;
    int r, rc;

    if (js_maybe_null(js) == 1)
        return MU_OK;
    if ((rc = js_arr_begin(js)))
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        if (js_peek(js) != JT_OBJ)
            return js_fail(js, "expected an object");
        if ((rc = js_skip_span(js, &b, &e)))
            return rc;
        list_item(fresh, res, i++, b, e);
    }
    return r;
}

int kube_apply_list_page(struct cluster *fresh, enum kres res,
                         const char *body, size_t len, char *rv, char *cont,
                         size_t cont_cap, char *err, size_t errlen)
{
    struct jscan js;
    struct jstr key;
    int r = 0, rc;

    rv[0] = '\0';
    cont[0] = '\0';
    js_init(&js, body, len);
    js_set_prefix(&js, res_list[res]);
    rc = js_obj_begin(&js);
    while (rc == MU_OK && (r = js_obj_next(&js, &key)) > 0) {
        if (jstr_eq(&key, "metadata"))
            rc = list_meta(&js, rv, cont, cont_cap);
        else if (jstr_eq(&key, "items"))
            rc = list_items(&js, fresh, res);
        else
            rc = js_skip(&js);
    }
    if (rc == MU_OK && r < 0)
        rc = r;
    if (rc == MU_OK)
        rc = js_end(&js);
    if (rc) {
        snprintf(err, errlen, "%s", js_error(&js));
        return MU_EINVAL;
    }
    return MU_OK;
}

/* fresh's unbound pods (off-lock: fresh is private). Usually few: only
 * they can take over an assumption. */
static struct pod **unbound_pods(struct cluster *fresh, size_t *n)
{
    size_t iter = 0, cap = 0;
    struct pod **v = NULL, *p;

    *n = 0;
    while ((p = cluster_pod_next(fresh, &iter))) {
        if (p->node_name)
            continue;
        v = xgrow(v, &cap, *n + 1, sizeof(*v));
        v[(*n)++] = p;
    }
    return v;
}

/* Carry c's unexpired assumptions over to the pods fresh shows unbound.
 * The caller holds c's write lock; fresh is private. */
static void carry_assumptions(struct cluster *c, struct cluster *fresh,
                              struct pod **unbound, size_t n, int64_t now_ms)
{
    for (size_t i = 0; i < n; i++) {
        struct pod *p = unbound[i];
        struct pod *old = cluster_pod_get(c, p->uid, strlen(p->uid));

        if (!old || old->assumed_until <= now_ms || !old->node_name)
            continue;
        p = cluster_pod_take(fresh, p->uid);
        p->node_name = xstrdup(old->node_name);
        p->assumed_until = old->assumed_until;
        cluster_pod_put(fresh, p);
    }
}

static int64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void kube_apply_relist(struct cluster *c, enum kres res,
                       struct cluster *fresh, int64_t now_ms)
{
    struct pod **unbound = NULL;
    size_t nunbound = 0;
    int64_t t0, held;

    if (res == KRES_PODS)
        unbound = unbound_pods(fresh, &nunbound);
    cluster_wrlock(c);
    t0 = mono_us();
    if (res == KRES_NODES) {
        cluster_swap_nodes(c, fresh);
    } else if (res == KRES_PODGROUPS) {
        cluster_swap_podgroups(c, fresh);
    } else {
        carry_assumptions(c, fresh, unbound, nunbound, now_ms);
        cluster_swap_pods(c, fresh);
    }
    held = mono_us() - t0;
    cluster_unlock(c);
    /* The old objects are freed without holding the lock. */
    free(unbound);
    cluster_free(fresh);
    log_info("relist swapped in", "resource=%s lock_held_us=%lld",
             res_plural[res], (long long)held);
}

/* Uids of the lapsed assumptions; the caller holds a lock. */
static char **lapsed(struct cluster *c, int64_t now_ms, size_t *n)
{
    size_t iter = 0, cap = 0;
    char **uids = NULL;
    struct pod *p;

    *n = 0;
    while ((p = cluster_pod_next(c, &iter))) {
        if (!p->assumed_until || p->assumed_until > now_ms)
            continue;
        uids = xgrow(uids, &cap, *n + 1, sizeof(*uids));
        uids[(*n)++] = xstrdup(p->uid);
    }
    return uids;
}

size_t kube_expire_assumed(struct cluster *c, int64_t now_ms)
{
    char **uids;
    size_t n;
    struct pod *p;

    /* Look under the read lock first: usually there is nothing to do. */
    cluster_rdlock(c);
    uids = lapsed(c, now_ms, &n);
    cluster_unlock(c);
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        free(uids[i]);
    free(uids);
    cluster_wrlock(c);
    uids = lapsed(c, now_ms, &n);
    for (size_t i = 0; i < n; i++) {
        p = cluster_pod_take(c, uids[i]);
        log_info("assumed pod expired unconfirmed, back to unbound",
                 "pod=%s/%s node=%s", p->ns, p->name, p->node_name);
        FREE_NULL(p->node_name);
        p->assumed_until = 0;
        cluster_pod_put(c, p);
        free(uids[i]);
    }
    cluster_unlock(c);
    free(uids);
    return n;
}
