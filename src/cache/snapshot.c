/* snapshot.c - a cluster from a List/NodeList/PodList JSON document (file,
 * buffer or the embedded examples/cluster.json). */
#include "common.h"
#include "cache/snapshot.h"
#include "cache/decode.h"
#include "cache/podgroup.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAPSHOT_MAX_BYTES (1024ull * 1024 * 1024)

enum list_kind { LIST_ANY, LIST_NODES, LIST_PODS };

struct snap_parse {
    const char *name; /* the input, as errors name it */
    char *err;
    size_t errlen;
    enum list_kind kind;
    struct cluster *c;
    struct pod **pods; /* decoded pods, put after every node */
    size_t *pod_items; /* their item indexes, for errors */
    size_t npods, cap_pods, cap_items;
    size_t skipped; /* List items of other kinds */
};

static int snap_fail(struct snap_parse *sp, int rc, const char *fmt, ...)
    MU_PRINTF(3, 4);

static int snap_fail(struct snap_parse *sp, int rc, const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    if (sp->err && sp->errlen) {
        n = snprintf(sp->err, sp->errlen, "%s: ", sp->name);
        if (n >= 0 && (size_t)n < sp->errlen) {
            va_start(ap, fmt);
            vsnprintf(sp->err + n, sp->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return rc;
}

/* Top level: the kind and the raw span of items (in any key order). */
static int snap_top(struct snap_parse *sp, const char *buf, size_t len,
                    const char **ib, const char **ie, bool *have_items)
{
    struct jscan js;
    struct jstr key, kind = {0};
    bool have_kind = false;
    int r = 0, rc;

    js_init(&js, buf, len);
    if (js_peek(&js) != JT_OBJ)
        return snap_fail(sp, MU_EINVAL,
                         "not a JSON object (expected a "
                         "List, NodeList or PodList)");
    rc = js_obj_begin(&js);
    while (!rc && (r = js_obj_next(&js, &key)) > 0) {
        if (jstr_eq(&key, "kind")) {
            rc = js_str(&js, &kind);
            have_kind = true;
        } else if (jstr_eq(&key, "items")) {
            /* null items: an empty list, as Go would decode it */
            *have_items = true;
            rc = js_maybe_null(&js);
            rc = rc < 0 ? rc : (rc ? 0 : js_skip_span(&js, ib, ie));
        } else {
            rc = js_skip(&js);
        }
    }
    if (rc || r < 0 || js_end(&js))
        return snap_fail(sp, MU_EINVAL, "%s", js_error(&js));
    if (!have_kind)
        return snap_fail(sp, MU_EINVAL,
                         "no kind (expected List, NodeList "
                         "or PodList)");
    if (jstr_eq(&kind, "List"))
        sp->kind = LIST_ANY;
    else if (jstr_eq(&kind, "NodeList"))
        sp->kind = LIST_NODES;
    else if (jstr_eq(&kind, "PodList"))
        sp->kind = LIST_PODS;
    else
        return snap_fail(sp, MU_EINVAL,
                         "kind \"%.*s\" is not List, NodeList "
                         "or PodList",
                         (int)MU_MIN(kind.n, 64), kind.p);
    return MU_OK;
}

/* Best effort: an item's kind (kcap bytes) and metadata namespace/name
 * (cap bytes each), read without judging the rest (it is only for naming
 * the item). With want_meta false it stops at the kind. */
static void item_peek(const char *b, const char *e, bool want_meta, char *kind,
                      size_t kcap, char *ns, char *name, size_t cap)
{
    struct jscan js;
    struct jstr key, v;

    kind[0] = ns[0] = name[0] = '\0';
    js_init(&js, b, (size_t)(e - b));
    if (js_obj_begin(&js))
        return;
    while (js_obj_next(&js, &key) > 0) {
        if (jstr_eq(&key, "kind") && js_peek(&js) == JT_STR) {
            if (js_str(&js, &v))
                return;
            /* too long to be Node or Pod: some other kind */
            if (jstr_copy(&v, kind, kcap) < 0)
                snprintf(kind, kcap, "%s", "(other)");
            if (!want_meta)
                return;
        } else if (want_meta && jstr_eq(&key, "metadata") &&
                   js_peek(&js) == JT_OBJ) {
            if (js_obj_begin(&js))
                return;
            while (js_obj_next(&js, &key) > 0) {
                char *dst = jstr_eq(&key, "name")        ? name
                            : jstr_eq(&key, "namespace") ? ns
                                                         : NULL;

                if (dst && js_peek(&js) == JT_STR) {
                    if (js_str(&js, &v) || jstr_copy(&v, dst, cap) < 0)
                        dst[0] = '\0';
                } else if (js_skip(&js)) {
                    return;
                }
            }
        } else if (js_skip(&js)) {
            return;
        }
    }
}

/* "items[3] (Pod default/web-1)" into dst. */
static void item_label(const char *b, const char *e, size_t idx, bool pod,
                       char *dst, size_t cap)
{
    char kind[32], ns[256], name[256];

    item_peek(b, e, true, kind, sizeof(kind), ns, name, sizeof(name));
    if (!name[0])
        snprintf(dst, cap, "items[%zu] (%s)", idx, pod ? "Pod" : "Node");
    else if (pod)
        snprintf(dst, cap, "items[%zu] (Pod %s/%s)", idx,
                 ns[0] ? ns : "default", name);
    else
        snprintf(dst, cap, "items[%zu] (Node %s)", idx, name);
}

static int item_error(struct snap_parse *sp, const char *b, const char *e,
                      size_t idx, bool pod, const char *msg, int rc)
{
    char label[600];

    item_label(b, e, idx, pod, label, sizeof(label));
    return snap_fail(sp, rc, "%s: %s", label, msg);
}

static int snap_node(struct snap_parse *sp, const char *b, const char *e,
                     size_t idx)
{
    struct node_info *n = NULL;
    char err[512];
    int rc = decode_node_buf(b, (size_t)(e - b), NULL, &n, err, sizeof(err));

    if (rc)
        return item_error(sp, b, e, idx, false, err, rc);
    if (cluster_node_get(sp->c, n->name, strlen(n->name))) {
        node_free(n);
        return item_error(sp, b, e, idx, false, "duplicate node name",
                          MU_EINVAL);
    }
    cluster_node_put(sp->c, n);
    return MU_OK;
}

static int snap_pod(struct snap_parse *sp, const char *b, const char *e,
                    size_t idx)
{
    struct pod *p = NULL;
    char err[512];
    int rc = decode_pod_buf(b, (size_t)(e - b), NULL, &p, err, sizeof(err));

    if (rc)
        return item_error(sp, b, e, idx, true, err, rc);
    sp->pods = xgrow(sp->pods, &sp->cap_pods, sp->npods + 1, sizeof(*sp->pods));
    sp->pod_items = xgrow(sp->pod_items, &sp->cap_items, sp->npods + 1,
                          sizeof(*sp->pod_items));
    sp->pod_items[sp->npods] = idx;
    sp->pods[sp->npods++] = p;
    return MU_OK;
}

/* A scheduling.x-k8s.io PodGroup (gang settings); a second one with the
 * same namespace/name is an error. */
static int snap_podgroup(struct snap_parse *sp, const char *b, const char *e,
                         size_t idx)
{
    struct podgroup *pg = NULL;
    struct jscan js;
    int rc;

    js_init(&js, b, (size_t)(e - b));
    rc = podgroup_decode(&js, &pg);
    if (!rc && js_end(&js))
        rc = MU_EINVAL;
    if (rc) {
        podgroup_free(pg);
        return snap_fail(sp, rc, "items[%zu] (PodGroup): %s", idx,
                         js_error(&js));
    }
    if (cluster_podgroup_get(sp->c, pg->key, strlen(pg->key))) {
        rc = snap_fail(sp, MU_EINVAL, "items[%zu] (PodGroup %s): duplicate "
                       "PodGroup", idx, pg->key);
        podgroup_free(pg);
        return rc;
    }
    cluster_podgroup_put(sp->c, pg);
    return MU_OK;
}

/* One element of items: route it by kind. */
static int snap_item(struct snap_parse *sp, const char *b, const char *e,
                     size_t idx)
{
    char kind[32], ns[2], name[2];
    bool is_node, is_pod;

    item_peek(b, e, false, kind, sizeof(kind), ns, name, sizeof(name));
    is_node = strcmp(kind, "Node") == 0;
    is_pod = strcmp(kind, "Pod") == 0;
    if (sp->kind == LIST_ANY) {
        if (!kind[0])
            return snap_fail(sp, MU_EINVAL, "items[%zu]: no kind", idx);
        if (strcmp(kind, "PodGroup") == 0)
            return snap_podgroup(sp, b, e, idx);
        if (!is_node && !is_pod) {
            sp->skipped++;
            return MU_OK;
        }
    } else {
        bool want_node = sp->kind == LIST_NODES;

        if (kind[0] && (want_node ? !is_node : !is_pod))
            return snap_fail(sp, MU_EINVAL, "items[%zu]: kind \"%s\" in a %s",
                             idx, kind, want_node ? "NodeList" : "PodList");
        is_node = want_node;
    }
    return is_node ? snap_node(sp, b, e, idx) : snap_pod(sp, b, e, idx);
}

/* Walk the items span (already validated as JSON by snap_top). */
static int snap_items(struct snap_parse *sp, const char *ib, const char *ie)
{
    struct jscan js;
    const char *b, *e;
    size_t idx = 0;
    int r, rc;

    js_init(&js, ib, (size_t)(ie - ib));
    if (js_peek(&js) != JT_ARR)
        return snap_fail(sp, MU_EINVAL, "items: not an array");
    if ((rc = js_arr_begin(&js)))
        return snap_fail(sp, rc, "items: %s", js_error(&js));
    while ((r = js_arr_next(&js)) > 0) {
        if (js_peek(&js) != JT_OBJ)
            return snap_fail(sp, MU_EINVAL, "items[%zu]: not an object", idx);
        if ((rc = js_skip_span(&js, &b, &e)))
            return snap_fail(sp, rc, "items: %s", js_error(&js));
        if ((rc = snap_item(sp, b, e, idx++)))
            return rc;
    }
    if (r < 0)
        return snap_fail(sp, r, "items: %s", js_error(&js));
    return MU_OK;
}

/* Pods go in after every node; a second pod with the same uid or
 * namespace/name is an error, not a silent replacement. */
static int snap_put_pods(struct snap_parse *sp)
{
    for (size_t i = 0; i < sp->npods; i++) {
        struct pod *p = sp->pods[i];

        if ((p->uid[0] && cluster_pod_get(sp->c, p->uid, strlen(p->uid))) ||
            cluster_pod_find(sp->c, p->ns, p->name))
            return snap_fail(sp, MU_EINVAL,
                             "items[%zu] (Pod %s/%s): "
                             "duplicate pod",
                             sp->pod_items[i], p->ns, p->name);
        sp->pods[i] = NULL;
        cluster_pod_put(sp->c, p);
    }
    return MU_OK;
}

int snapshot_parse(const char *buf, size_t len, const char *name,
                   struct cluster **out, char *err, size_t errlen)
{
    struct snap_parse sp = {.name = name, .err = err, .errlen = errlen};
    const char *ib = NULL, *ie = NULL;
    bool have_items = false;
    int rc;

    sp.c = cluster_new();
    rc = snap_top(&sp, buf, len, &ib, &ie, &have_items);
    if (!rc && !have_items)
        rc = snap_fail(&sp, MU_EINVAL, "no items array");
    if (!rc && ib)
        rc = snap_items(&sp, ib, ie);
    rc = rc ? rc : snap_put_pods(&sp);
    for (size_t i = 0; i < sp.npods; i++)
        pod_free(sp.pods[i]);
    free(sp.pods);
    free(sp.pod_items);
    if (rc) {
        cluster_free(sp.c);
        return rc;
    }
    if (sp.skipped)
        log_info("snapshot: skipped items that are neither Node nor Pod",
                 "file=\"%s\" skipped=%zu", name, sp.skipped);
    sp.c->synced = true;
    *out = sp.c;
    return MU_OK;
}

/* Read a whole file (at most SNAPSHOT_MAX_BYTES) into b. */
static int read_file(int fd, struct buf *b)
{
    for (;;) {
        ssize_t n;

        if (buf_reserve(b, 1 << 16))
            return MU_ELIMIT;
        n = read(fd, b->data + b->len, b->cap - b->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return MU_EIO;
        if (n == 0)
            return MU_OK;
        b->len += (size_t)n;
        b->data[b->len] = '\0';
    }
}

int snapshot_load(const char *path, struct cluster **out, char *err,
                  size_t errlen)
{
    struct buf b;
    int fd, rc;

    buf_init(&b, SNAPSHOT_MAX_BYTES);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = MU_EIO;
        goto out;
    }
    rc = read_file(fd, &b);
    if (rc == MU_EIO)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    else if (rc)
        snprintf(err, errlen, "%s: larger than the %llu MiB limit", path,
                 SNAPSHOT_MAX_BYTES >> 20);
    close(fd);
    if (!rc)
        rc =
            snapshot_parse(b.data ? b.data : "", b.len, path, out, err, errlen);
out:
    buf_fini(&b);
    return rc;
}

int snapshot_load_default(struct cluster **out, char *err, size_t errlen)
{
    return snapshot_parse(snapshot_default_json, snapshot_default_len,
                          "examples/cluster.json (embedded)", out, err, errlen);
}
