/* cluster.c - the cluster model: node slots with their usage, pods by uid
 * and by namespace/name, the rwlock, and the canonical JSON dump. */
#include "common.h"
#include "cache/cluster.h"
#include "cache/podgroup.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <stdatomic.h>

/* Source of node_generation values (cluster.h): unique per process. */
static atomic_uint_fast64_t node_gen_seq;

static void node_gen_bump(struct cluster *c)
{
    c->node_generation = (uint64_t)atomic_fetch_add(&node_gen_seq, 1) + 1;
}

/* One node name. The usage lives here rather than only in the node so that
 * pods bound to a node the cluster has not seen yet (or has just deleted)
 * stay accounted: the node object comes and goes, the usage stays. When a
 * node is present, node->used is kept identical to slot->used. The map key
 * points at slot->name, which lives as long as the slot. */
struct node_slot {
    struct node_info *node; /* NULL: name known only through pods */
    int64_t used[RES_MAX];
    char name[];
};

/* pods_by_key keys are "namespace\0name": the namespace string of each pod
 * is reallocated by cluster_pod_put to hold that byte sequence, so the key
 * is borrowed from (and freed with) the pod and p->ns still reads as the
 * namespace. Namespaces and names cannot contain NUL, so keys are unique. */
#define POD_KEY_STACK 384

static size_t pod_key_len(const struct pod *p)
{
    return strlen(p->ns) + 1 + strlen(p->name);
}

struct cluster *cluster_new(void)
{
    struct cluster *c = xcalloc(1, sizeof(*c));
    pthread_rwlockattr_t attr;

    c->magic = CLUSTER_MAGIC;
    pthread_rwlockattr_init(&attr);
    /* Writers must not starve behind a stream of scheduling callbacks. */
    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&c->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    strmap_init(&c->nodes);
    strmap_init(&c->pods);
    strmap_init(&c->pods_by_key);
    strmap_init(&c->podgroups);
    node_gen_bump(c);
    return c;
}

/* Free the objects and maps, leaving the lock alone. */
static void cluster_contents_fini(struct cluster *c)
{
    size_t iter = 0;
    void *v;

    while (strmap_next(&c->nodes, &iter, NULL, NULL, &v)) {
        struct node_slot *s = v;

        node_free(s->node);
        free(s);
    }
    iter = 0;
    while (strmap_next(&c->pods, &iter, NULL, NULL, &v))
        pod_free(v);
    strmap_fini(&c->nodes);
    strmap_fini(&c->pods);
    strmap_fini(&c->pods_by_key);
    cluster_podgroups_clear(c);
    strmap_fini(&c->podgroups);
    c->nnodes = 0;
}

void cluster_free(struct cluster *c)
{
    if (!c)
        return;
    MU_ASSERT(c->magic == CLUSTER_MAGIC);
    cluster_contents_fini(c);
    pthread_rwlock_destroy(&c->lock);
    c->magic = 0;
    free(c);
}

void cluster_rdlock(struct cluster *c)
{
    MU_ASSERT(c->magic == CLUSTER_MAGIC);
    MU_ASSERT(pthread_rwlock_rdlock(&c->lock) == 0);
}

void cluster_wrlock(struct cluster *c)
{
    MU_ASSERT(c->magic == CLUSTER_MAGIC);
    MU_ASSERT(pthread_rwlock_wrlock(&c->lock) == 0);
}

void cluster_unlock(struct cluster *c)
{
    MU_ASSERT(pthread_rwlock_unlock(&c->lock) == 0);
}

static struct node_slot *slot_get(const struct cluster *c, const char *name,
                                  size_t len)
{
    return strmap_get(&c->nodes, name, len);
}

static struct node_slot *slot_get_or_add(struct cluster *c, const char *name)
{
    size_t len = strlen(name);
    struct node_slot *s = slot_get(c, name, len);

    if (s)
        return s;
    s = xcalloc(1, sizeof(*s) + len + 1);
    memcpy(s->name, name, len);
    strmap_put(&c->nodes, s->name, len, s);
    return s;
}

static bool slot_idle(const struct node_slot *s)
{
    if (s->node)
        return false;
    for (int i = 0; i < RES_MAX; i++) {
        if (s->used[i])
            return false;
    }
    return true;
}

/* Drop a slot that holds neither a node nor any usage. */
static void slot_gc(struct cluster *c, struct node_slot *s)
{
    if (!slot_idle(s))
        return;
    strmap_del(&c->nodes, s->name, strlen(s->name));
    free(s);
}

/* Add (sign 1) or remove (sign -1) a counting pod's request on its node. */
static void pod_charge(struct cluster *c, const struct pod *p, int sign)
{
    struct node_slot *s;

    if (!pod_counts(p))
        return;
    s = slot_get_or_add(c, p->node_name);
    for (uint32_t i = 0; i < p->nreq; i++) {
        int id = p->req[i].id;

        MU_ASSERT(id < RES_MAX);
        s->used[id] += sign * p->req[i].v;
        if (s->node)
            s->node->used[id] = s->used[id];
    }
    slot_gc(c, s);
}

void cluster_node_put(struct cluster *c, struct node_info *n)
{
    struct node_slot *s;

    MU_ASSERT(n->magic == NODE_MAGIC && n->name);
    n = node_pack(n);
    s = slot_get_or_add(c, n->name);
    if (s->node)
        node_free(s->node);
    else
        c->nnodes++;
    s->node = n;
    memcpy(n->used, s->used, sizeof(n->used));
    c->generation++;
    node_gen_bump(c);
}

int cluster_node_del(struct cluster *c, const char *name)
{
    struct node_slot *s = slot_get(c, name, strlen(name));

    if (!s || !s->node)
        return MU_ENOENT;
    node_free(s->node);
    s->node = NULL;
    c->nnodes--;
    slot_gc(c, s);
    c->generation++;
    node_gen_bump(c);
    return MU_OK;
}

/* Rewrite p->ns as "namespace\0name" (see POD_KEY_STACK). Also give a pod
 * without a uid (hand-written snapshots) the uid "namespace/name", which
 * cannot collide with a real one (UUIDs hold no '/'). */
static void pod_prepare(struct pod *p)
{
    size_t nl = strlen(p->ns), ml = strlen(p->name);
    char *key = xmalloc(nl + 1 + ml + 1);

    memcpy(key, p->ns, nl + 1);
    memcpy(key + nl + 1, p->name, ml + 1);
    if (!p->uid || !p->uid[0]) {
        free(p->uid);
        p->uid = xasprintf("%s/%s", p->ns, p->name);
    }
    free(p->ns);
    p->ns = key;
}

/* Take a pod out of both maps and release its request; the caller frees. */
static void pod_unlink(struct cluster *c, struct pod *p)
{
    size_t kl = pod_key_len(p);

    if (strmap_get(&c->pods_by_key, p->ns, kl) == p)
        strmap_del(&c->pods_by_key, p->ns, kl);
    if (strmap_get(&c->pods, p->uid, strlen(p->uid)) == p)
        strmap_del(&c->pods, p->uid, strlen(p->uid));
    pod_charge(c, p, -1);
}

void cluster_pod_put(struct cluster *c, struct pod *p)
{
    struct pod *old, *same_name;

    MU_ASSERT(p->magic == POD_MAGIC && p->ns && p->name);
    pod_prepare(p);
    old = strmap_get(&c->pods, p->uid, strlen(p->uid));
    MU_ASSERT(old != p); /* an object in the cache must not be re-put */
    same_name = strmap_get(&c->pods_by_key, p->ns, pod_key_len(p));
    if (same_name && same_name != old) {
        /* recreated: the old incarnation is gone for good */
        pod_unlink(c, same_name);
        pod_free(same_name);
    }
    if (old) {
        pod_unlink(c, old);
        pod_free(old);
    }
    strmap_put(&c->pods, p->uid, strlen(p->uid), p);
    strmap_put(&c->pods_by_key, p->ns, pod_key_len(p), p);
    pod_charge(c, p, 1);
    c->generation++;
}

int cluster_pod_del(struct cluster *c, const char *uid)
{
    struct pod *p = strmap_get(&c->pods, uid, strlen(uid));

    if (!p)
        return MU_ENOENT;
    pod_unlink(c, p);
    pod_free(p);
    c->generation++;
    return MU_OK;
}

void cluster_replace(struct cluster *c, struct cluster *fresh)
{
    struct cluster tmp;

    MU_ASSERT(c->magic == CLUSTER_MAGIC && fresh->magic == CLUSTER_MAGIC);
    MU_ASSERT(c != fresh);
    tmp = *c;
    c->nodes = fresh->nodes;
    c->pods = fresh->pods;
    c->pods_by_key = fresh->pods_by_key;
    c->podgroups = fresh->podgroups;
    c->nnodes = fresh->nnodes;
    c->synced = fresh->synced;
    c->generation = tmp.generation + 1;
    node_gen_bump(c);
    fresh->nodes = tmp.nodes;
    fresh->pods = tmp.pods;
    fresh->pods_by_key = tmp.pods_by_key;
    fresh->podgroups = tmp.podgroups;
    fresh->nnodes = tmp.nnodes;
    cluster_free(fresh);
}

struct node_info *cluster_node_get(const struct cluster *c, const char *name,
                                   size_t len)
{
    struct node_slot *s = slot_get(c, name, len);

    return s ? s->node : NULL;
}

struct pod *cluster_pod_get(const struct cluster *c, const char *uid,
                            size_t len)
{
    return strmap_get(&c->pods, uid, len);
}

struct pod *cluster_pod_find(const struct cluster *c, const char *ns,
                             const char *name)
{
    size_t nl = strlen(ns), ml = strlen(name), kl = nl + 1 + ml;
    char stack[POD_KEY_STACK], *key = stack;
    struct pod *p;

    if (kl > sizeof(stack))
        key = xmalloc(kl);
    memcpy(key, ns, nl + 1);
    memcpy(key + nl + 1, name, ml);
    p = strmap_get(&c->pods_by_key, key, kl);
    if (key != stack)
        free(key);
    return p;
}

struct node_info *cluster_node_next(const struct cluster *c, size_t *iter)
{
    void *v;

    while (strmap_next(&c->nodes, iter, NULL, NULL, &v)) {
        struct node_slot *s = v;

        if (s->node)
            return s->node;
    }
    return NULL;
}

struct pod *cluster_pod_next(const struct cluster *c, size_t *iter)
{
    void *v;

    return strmap_next(&c->pods, iter, NULL, NULL, &v) ? v : NULL;
}

size_t cluster_node_count(const struct cluster *c)
{
    return c->nnodes;
}

size_t cluster_pod_count(const struct cluster *c)
{
    return strmap_len(&c->pods);
}

/* ---- canonical JSON dump ---- */

static const char *const phase_names[] = {
    [PHASE_PENDING] = "Pending",     [PHASE_RUNNING] = "Running",
    [PHASE_SUCCEEDED] = "Succeeded", [PHASE_FAILED] = "Failed",
    [PHASE_UNKNOWN] = "Unknown",
};

static const char *const effect_names[] = {
    [EFFECT_ANY] = "",
    [EFFECT_NO_SCHEDULE] = "NoSchedule",
    [EFFECT_PREFER_NO_SCHEDULE] = "PreferNoSchedule",
    [EFFECT_NO_EXECUTE] = "NoExecute",
};

/* Resource ids in name order, for the "by resource name" maps. */
struct dump_ctx {
    struct buf *out;
    int nres;
    int order[RES_MAX];
};

static int id_by_name(const void *a, const void *b)
{
    return strcmp(res_name(*(const int *)a), res_name(*(const int *)b));
}

static int node_by_name(const void *a, const void *b)
{
    return strcmp((*(struct node_info *const *)a)->name,
                  (*(struct node_info *const *)b)->name);
}

static int pod_by_uid(const void *a, const void *b)
{
    return strcmp((*(struct pod *const *)a)->uid,
                  (*(struct pod *const *)b)->uid);
}

static int dump_key(struct buf *b, const char *key)
{
    int rc = buf_add_jstrz(b, key);

    return rc ? rc : buf_addc(b, ':');
}

static int dump_labels(struct buf *b, const char *key, const struct labels *l)
{
    int rc = dump_key(b, key);

    rc = rc ? rc : buf_addc(b, '{');
    for (uint32_t i = 0; i < l->n && !rc; i++) {
        if (i)
            rc = buf_addc(b, ',');
        rc = rc ? rc : dump_key(b, l->kv[i].key);
        rc = rc ? rc : buf_add_jstrz(b, l->kv[i].val);
    }
    return rc ? rc : buf_addc(b, '}');
}

/* A dense vector's non-zero entries as {"name":value,...}. */
static int dump_vec(struct dump_ctx *d, const char *key, const int64_t *v)
{
    struct buf *b = d->out;
    int rc = dump_key(b, key);
    bool first = true;

    rc = rc ? rc : buf_addc(b, '{');
    for (int i = 0; i < d->nres && !rc; i++) {
        int id = d->order[i];

        if (!v[id])
            continue;
        if (!first)
            rc = buf_addc(b, ',');
        first = false;
        rc = rc ? rc : dump_key(b, res_name(id));
        rc = rc ? rc : buf_add_i64(b, v[id]);
    }
    return rc ? rc : buf_addc(b, '}');
}

static int dump_taints(struct buf *b, const struct node_info *n)
{
    int rc = buf_adds(b, ",\"taints\":[");

    for (uint32_t i = 0; i < n->ntaints && !rc; i++) {
        const struct taint *t = &n->taints[i];

        rc = buf_adds(b, i ? ",{\"key\":" : "{\"key\":");
        rc = rc ? rc : buf_add_jstrz(b, t->key);
        rc = rc ? rc : buf_adds(b, ",\"value\":");
        rc = rc ? rc : buf_add_jstrz(b, t->value ? t->value : "");
        rc = rc ? rc : buf_adds(b, ",\"effect\":");
        rc = rc ? rc : buf_add_jstrz(b, effect_names[t->effect]);
        rc = rc ? rc : buf_addc(b, '}');
    }
    return rc ? rc : buf_addc(b, ']');
}

static int dump_node(struct dump_ctx *d, const struct node_info *n)
{
    struct buf *b = d->out;
    int rc = buf_adds(b, "{\"name\":");

    rc = rc ? rc : buf_add_jstrz(b, n->name);
    rc = rc ? rc : buf_addc(b, ',');
    rc = rc ? rc : dump_labels(b, "labels", &n->labels);
    rc = rc ? rc : dump_taints(b, n);
    rc = rc ? rc
            : buf_adds(b, n->unschedulable ? ",\"unschedulable\":true"
                                           : ",\"unschedulable\":false");
    rc = rc ? rc
            : buf_adds(b, n->ready ? ",\"ready\":true," : ",\"ready\":false,");
    rc = rc ? rc : dump_vec(d, "allocatable", n->alloc);
    rc = rc ? rc : buf_addc(b, ',');
    rc = rc ? rc : dump_vec(d, "used", n->used);
    return rc ? rc : buf_addc(b, '}');
}

static int dump_pod(struct dump_ctx *d, const struct pod *p)
{
    struct buf *b = d->out;
    int64_t req[RES_MAX] = {0};
    int rc = buf_adds(b, "{\"namespace\":");

    for (uint32_t i = 0; i < p->nreq; i++)
        req[p->req[i].id] = p->req[i].v;
    rc = rc ? rc : buf_add_jstrz(b, p->ns);
    rc = rc ? rc : buf_adds(b, ",\"name\":");
    rc = rc ? rc : buf_add_jstrz(b, p->name);
    rc = rc ? rc : buf_adds(b, ",\"uid\":");
    rc = rc ? rc : buf_add_jstrz(b, p->uid);
    rc = rc ? rc : buf_adds(b, ",\"nodeName\":");
    if (p->node_name)
        rc = rc ? rc : buf_add_jstrz(b, p->node_name);
    else
        rc = rc ? rc : buf_adds(b, "null");
    rc = rc ? rc : buf_adds(b, ",\"phase\":");
    rc = rc ? rc : buf_add_jstrz(b, phase_names[p->phase]);
    rc = rc ? rc : buf_adds(b, ",\"priority\":");
    rc = rc ? rc : buf_add_i64(b, p->priority);
    /* only while it lasts, so confirmed state compares with the API's */
    if (p->assumed_until)
        rc = rc ? rc : buf_adds(b, ",\"assumed\":true");
    rc = rc ? rc : buf_addc(b, ',');
    rc = rc ? rc : dump_vec(d, "requests", req);
    return rc ? rc : buf_addc(b, '}');
}

/* Collect the map's values (nodes: slots holding a node) and sort them. */
static void **dump_sorted(const struct cluster *c, bool nodes, size_t *n)
{
    size_t cap = nodes ? c->nnodes : strmap_len(&c->pods), k = 0, iter = 0;
    void **v = xmalloc((cap ? cap : 1) * sizeof(*v));

    if (nodes) {
        struct node_info *ni;

        while ((ni = cluster_node_next(c, &iter)))
            v[k++] = ni;
    } else {
        struct pod *p;

        while ((p = cluster_pod_next(c, &iter)))
            v[k++] = p;
    }
    MU_ASSERT(k == cap);
    if (k > 1)
        qsort(v, k, sizeof(*v), nodes ? node_by_name : pod_by_uid);
    *n = k;
    return v;
}

int cluster_dump_json(const struct cluster *c, struct buf *out)
{
    struct dump_ctx d = {.out = out, .nres = res_count()};
    size_t nn, np;
    void **nodes = dump_sorted(c, true, &nn),
         **pods = dump_sorted(c, false, &np);
    int rc;

    for (int i = 0; i < d.nres; i++)
        d.order[i] = i;
    qsort(d.order, d.nres, sizeof(d.order[0]), id_by_name);
    rc = buf_adds(out, "{\"nodes\":[");
    for (size_t i = 0; i < nn && !rc; i++) {
        if (i)
            rc = buf_addc(out, ',');
        rc = rc ? rc : dump_node(&d, nodes[i]);
    }
    rc = rc ? rc : buf_adds(out, "],\"pods\":[");
    for (size_t i = 0; i < np && !rc; i++) {
        if (i)
            rc = buf_addc(out, ',');
        rc = rc ? rc : dump_pod(&d, pods[i]);
    }
    rc = rc ? rc : buf_adds(out, "]}");
    free(nodes);
    free(pods);
    return rc;
}

/* ---- relist support (added by h-kube for src/kube/watch.c) ---- */

struct pod *cluster_pod_take(struct cluster *c, const char *uid)
{
    struct pod *p = strmap_get(&c->pods, uid, strlen(uid));

    if (!p)
        return NULL;
    pod_unlink(c, p);
    c->generation++;
    return p;
}

/* Give c the per-name usage fresh computed for its own pods: O(names),
 * not O(pods), so the write lock is not held to re-add 150,000 requests.
 * The caller holds c's write lock. */
static void usage_take(struct cluster *c, const struct cluster *fresh)
{
    static const int64_t zero[RES_MAX];
    size_t iter = 0;
    void *v;

    while (strmap_next(&c->nodes, &iter, NULL, NULL, &v)) {
        struct node_slot *s = v;
        const struct node_slot *fs = slot_get(fresh, s->name,
                                              strlen(s->name));

        memcpy(s->used, fs ? fs->used : zero, sizeof(s->used));
        if (s->node)
            memcpy(s->node->used, s->used, sizeof(s->used));
    }
    iter = 0;
    while (strmap_next(&fresh->nodes, &iter, NULL, NULL, &v)) {
        const struct node_slot *fs = v;
        struct node_slot *s;

        if (slot_get(c, fs->name, strlen(fs->name)))
            continue;
        s = slot_get_or_add(c, fs->name);
        memcpy(s->used, fs->used, sizeof(s->used));
    }
    iter = 0;
    while (strmap_next(&c->nodes, &iter, NULL, NULL, &v))
        slot_gc(c, v);    /* deleting the current key is allowed */
}

void cluster_swap_pods(struct cluster *c, struct cluster *fresh)
{
    struct strmap tmp;

    MU_ASSERT(c->magic == CLUSTER_MAGIC && fresh->magic == CLUSTER_MAGIC);
    MU_ASSERT(c != fresh && cluster_node_count(fresh) == 0);
    usage_take(c, fresh);
    tmp = c->pods;
    c->pods = fresh->pods;
    fresh->pods = tmp;
    tmp = c->pods_by_key;
    c->pods_by_key = fresh->pods_by_key;
    fresh->pods_by_key = tmp;
    c->generation++;
}

void cluster_swap_nodes(struct cluster *c, struct cluster *fresh)
{
    size_t iter = 0, k = 0, nnew = fresh->nnodes;
    struct node_info **incoming = xmalloc((nnew ? nnew : 1) * sizeof(*incoming));
    void *v;

    MU_ASSERT(c->magic == CLUSTER_MAGIC && fresh->magic == CLUSTER_MAGIC);
    MU_ASSERT(c != fresh && cluster_pod_count(fresh) == 0);
    /* Detach the new nodes from fresh. */
    while (strmap_next(&fresh->nodes, &iter, NULL, NULL, &v)) {
        struct node_slot *s = v;

        if (s->node)
            incoming[k++] = s->node;
        s->node = NULL;
    }
    MU_ASSERT(k == nnew);
    fresh->nnodes = 0;
    /* Move c's old nodes into fresh; c keeps its slots' usage. */
    iter = 0;
    while (strmap_next(&c->nodes, &iter, NULL, NULL, &v)) {
        struct node_slot *s = v;
        struct node_info *old = s->node;

        if (!old)
            continue;
        s->node = NULL;
        c->nnodes--;
        slot_gc(c, s);    /* deleting the current key is allowed */
        cluster_node_put(fresh, old);
    }
    for (size_t i = 0; i < k; i++)
        cluster_node_put(c, incoming[i]);
    free(incoming);
    c->generation++;
    node_gen_bump(c);
}
