/* fake_apiserver.c - a small real kube-apiserver stand-in for tests: nodes,
 * pods and PodGroups with resourceVersions, paginated LIST, streamed WATCH
 * with bookmarks and the pod field selector, the binding subresource, and
 * scriptable faults, all driven through /_control endpoints:
 *
 *   POST /_control/nodes|pods|podgroups
 *                              [{"op":"put","object":{...}},
 *                               {"op":"delete","name":N[,"namespace":NS]}]
 *   POST /_control/fault       {"fault":F,"resource":"nodes|pods|podgroups",
 *                               "count":N}
 *        F: close_mid (cut the next watch event in half and drop the
 *        connection), error_event (send ERROR 410 and end), stall (go
 *        silent without closing), http410 / http500 (answer the next watch
 *        so), list500 / list410 (answer the next LIST page so), bind_noop
 *        (answer the next bind 201 without binding), bind500 (answer the
 *        next bind 500 without binding), bind_lost (bind, then answer 500:
 *        a reply lost after the commit), http429 (answer the
 *        next watch 429 with Retry-After: 2; stats report the gap to the
 *        watch after it), slow (with "ms":M, 1..60000, default 1000:
 *        answer the next LIST, WATCH or, for pods, bind M ms late).
 *   POST /_control/compact     forget the event history (old RVs get 410)
 *   GET  /_control/state       the canonical state, as cluster_dump_json
 *   GET  /_control/stats       request counters, and the faults armed
 *                              and not yet taken ("armed", per resource)
 * and PATCH of a pod's metadata.annotations (JSON merge patch), as
 * muster's gang wake-ups send it.
 * PodGroups (scheduling.x-k8s.io/v1alpha1) are a CRD: LIST and WATCH of
 * them answer 404 until the first POST /_control/podgroups installs it.
 * That POST also takes a plain array of PodGroup objects (no "op"): they
 * replace all PodGroups (puts, and deletes of the ones not given).
 *   POST /_control/podgroups/uninstall  the CRD deleted: its objects go
 *        (without events) and open PodGroup watches end
 * and coordination.k8s.io/v1 Leases (GET/POST/PUT, resourceVersion
 * conflicts, fault "lease500"), described at lease_route.
 *
 * Usage: fake-apiserver --port-file F [--token-file F]
 *                       [--tls-cert PEM --tls-key PEM]  (HTTPS) */
#include "common.h"
#include "cache/cluster.h"
#include "cache/decode.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

enum { K_NODES = 0, K_PODS = 1, K_PODGROUPS = 2, K_N };
static const char *const kind_name[] = {"nodes", "pods", "podgroups"};
static const char *const kind_obj[] = {"Node", "Pod", "PodGroup"};
static const char *const kind_api[] = {"v1", "v1",
                                       "scheduling.x-k8s.io/v1alpha1"};
static const char *const kind_path[] = {
    "/api/v1/nodes", "/api/v1/pods",
    "/apis/scheduling.x-k8s.io/v1alpha1/podgroups"};

enum fault { F_CLOSE_MID, F_ERROR_EVENT, F_STALL, F_HTTP410, F_HTTP500,
             F_LIST500, F_LIST410, F_BIND_NOOP, F_HTTP429, F_SLOW,
             F_BIND500, F_BIND_LOST, F_N };
static const char *const fault_name[] = {
    "close_mid", "error_event", "stall",   "http410",
    "http500",   "list500",     "list410", "bind_noop", "http429", "slow",
    "bind500",   "bind_lost"};

struct fobj {
    char *key;          /* name, or "ns/name" */
    char *json;         /* the object, resourceVersion included */
    bool matches;       /* pods: passes the field selector */
};

struct fevent {
    int64_t rv;
    int kind;
    const char *type;   /* ADDED, MODIFIED, DELETED */
    char *json;
    bool old_match, new_match;
};

struct snapshot {
    uint64_t id;
    int kind;
    int64_t rv;
    size_t n;
    char **items;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t rv;
    int64_t oldest_rv;            /* events after this are kept */
    struct strmap objs[K_N];      /* key -> struct fobj */
    struct fevent *ev;
    size_t nev, evcap;
    struct snapshot snaps[4];
    uint64_t next_snap;
    int faults[F_N][K_N];
    int64_t slow_ms[K_N];         /* the delay of the last armed slow */
    long lists[K_N], watches[K_N], binds, patches;
    bool pg_crd;                  /* the PodGroup CRD is installed */
    int64_t at429[K_N];           /* when a watch was last answered 429 */
    int64_t gap429[K_N];          /* ms from that 429 to the next watch */
    const char *token_file;
    char *tls_cert, *tls_key;     /* PEM, kept while the daemon runs */
    volatile bool shutdown;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* ---- helpers ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
                             const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_status(struct MHD_Connection *c, unsigned code,
                                    const char *reason, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    char *s;
    enum MHD_Result ret;

    cJSON_AddStringToObject(o, "kind", "Status");
    cJSON_AddStringToObject(o, "apiVersion", "v1");
    cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(o, "status", code < 300 ? "Success" : "Failure");
    if (msg)
        cJSON_AddStringToObject(o, "message", msg);
    if (reason)
        cJSON_AddStringToObject(o, "reason", reason);
    cJSON_AddNumberToObject(o, "code", code);
    s = cJSON_PrintUnformatted(o);
    ret = reply(c, code, s);
    free(s);
    cJSON_Delete(o);
    return ret;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

static bool pod_matches(const cJSON *o)
{
    const char *ph = str_at(o, "status", "phase");

    return !ph || (strcmp(ph, "Succeeded") && strcmp(ph, "Failed"));
}

/* Take one fault of kind f for resource k, if armed. Caller holds g.mu. */
static bool take_fault(enum fault f, int k)
{
    if (g.faults[f][k] <= 0)
        return false;
    g.faults[f][k]--;
    return true;
}

static void event_add(int kind, const char *type, const char *json,
                      bool old_match, bool new_match)
{
    struct fevent *e;

    g.ev = xgrow(g.ev, &g.evcap, g.nev + 1, sizeof(*g.ev));
    e = &g.ev[g.nev++];
    e->rv = g.rv;
    e->kind = kind;
    e->type = type;
    e->json = xstrdup(json);
    e->old_match = old_match;
    e->new_match = new_match;
    pthread_cond_broadcast(&g.cv);
}

/* ---- object store ---- */

static char *obj_key(int kind, const cJSON *o)
{
    const char *name = str_at(o, "metadata", "name");
    const char *ns = str_at(o, "metadata", "namespace");

    if (!name || !*name)
        return NULL;
    if (kind == K_NODES)
        return xstrdup(name);
    return xasprintf("%s/%s", ns ? ns : "default", name);
}

static int store_del(int kind, const char *key);

static bool pod_uid_changed(const struct fobj *f, const cJSON *o)
{
    cJSON *old = cJSON_Parse(f->json);
    const char *a = str_at(old, "metadata", "uid");
    const char *b = str_at(o, "metadata", "uid");
    bool changed = a && b && strcmp(a, b) != 0;

    cJSON_Delete(old);
    return changed;
}

/* Put an object: stamp a new resourceVersion (and a pod's uid/namespace),
 * store it and log ADDED or MODIFIED. Caller holds g.mu. */
static int store_put(int kind, cJSON *o, char *err, size_t errlen)
{
    char *key = obj_key(kind, o), rvs[32], uid[48];
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
    struct fobj *f;
    bool old_match = false, existed;

    if (!key) {
        snprintf(err, errlen, "object without metadata.name");
        return MU_EINVAL;
    }
    if (kind != K_NODES && !str_at(o, "metadata", "namespace"))
        cJSON_AddStringToObject(meta, "namespace", "default");
    if (kind == K_PODS && !str_at(o, "metadata", "uid")) {
        /* keep the uid of the pod this updates, else make one up */
        f = strmap_get(&g.objs[kind], key, strlen(key));
        cJSON *prev = f ? cJSON_Parse(f->json) : NULL;
        const char *pu = str_at(prev, "metadata", "uid");

        snprintf(uid, sizeof(uid), "%s", pu ? pu : "");
        cJSON_Delete(prev);
        if (!uid[0])
            snprintf(uid, sizeof(uid), "uid-%lld", (long long)g.rv + 1);
        cJSON_AddStringToObject(meta, "uid", uid);
    }
    snprintf(rvs, sizeof(rvs), "%lld", (long long)++g.rv);
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    cJSON_AddStringToObject(meta, "resourceVersion", rvs);
    f = strmap_get(&g.objs[kind], key, strlen(key));
    if (f && kind == K_PODS && pod_uid_changed(f, o)) {
        /* Recreated under the same name: the API server shows the old
         * pod's deletion and the new one's creation, never a MODIFIED. */
        store_del(kind, key);
        f = NULL;
        snprintf(rvs, sizeof(rvs), "%lld", (long long)++g.rv);
        cJSON_ReplaceItemInObjectCaseSensitive(meta, "resourceVersion",
                                               cJSON_CreateString(rvs));
    }
    existed = f != NULL;
    if (f) {
        old_match = f->matches;
        free(f->json);
        free(key);
    } else {
        f = xcalloc(1, sizeof(*f));
        f->key = key;
        strmap_put(&g.objs[kind], f->key, strlen(f->key), f);
    }
    f->json = cJSON_PrintUnformatted(o);
    f->matches = kind != K_PODS || pod_matches(o);
    event_add(kind, existed ? "MODIFIED" : "ADDED",
              f->json, old_match, f->matches);
    return MU_OK;
}

static int store_del(int kind, const char *key)
{
    struct fobj *f = strmap_get(&g.objs[kind], key, strlen(key));
    cJSON *o;
    char rvs[32], *json;

    if (!f)
        return MU_ENOENT;
    strmap_del(&g.objs[kind], key, strlen(key));
    /* DELETED carries the last state, at the deletion's resourceVersion. */
    o = cJSON_Parse(f->json);
    snprintf(rvs, sizeof(rvs), "%lld", (long long)++g.rv);
    cJSON_ReplaceItemInObjectCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(o, "metadata"), "resourceVersion",
        cJSON_CreateString(rvs));
    json = cJSON_PrintUnformatted(o);
    event_add(kind, "DELETED", json, f->matches, f->matches);
    free(json);
    cJSON_Delete(o);
    free(f->key);
    free(f->json);
    free(f);
    return MU_OK;
}

/* ---- control ---- */

static int control_op(int kind, cJSON *op, char *err, size_t errlen)
{
    const char *what = str_at(op, "op", NULL), *name, *ns;
    cJSON *obj;
    char key[600];

    if (what && strcmp(what, "put") == 0) {
        obj = cJSON_DetachItemFromObjectCaseSensitive(op, "object");
        if (!cJSON_IsObject(obj)) {
            cJSON_Delete(obj);
            snprintf(err, errlen, "put without an object");
            return MU_EINVAL;
        }
        int rc = store_put(kind, obj, err, errlen);

        cJSON_Delete(obj);
        return rc;
    }
    if (what && strcmp(what, "delete") == 0) {
        name = str_at(op, "name", NULL);
        ns = str_at(op, "namespace", NULL);
        if (!name) {
            snprintf(err, errlen, "delete without a name");
            return MU_EINVAL;
        }
        if (kind == K_NODES)
            snprintf(key, sizeof(key), "%s", name);
        else
            snprintf(key, sizeof(key), "%s/%s", ns ? ns : "default", name);
        if (store_del(kind, key)) {
            snprintf(err, errlen, "delete: no %s %.200s", kind_name[kind], key);
            return MU_ENOENT;
        }
        return MU_OK;
    }
    snprintf(err, errlen, "op must be put or delete");
    return MU_EINVAL;
}

static enum MHD_Result control_objects(struct MHD_Connection *c, int kind,
                                       const char *body)
{
    cJSON *ops = cJSON_Parse(body), *op;
    char err[256] = "", out[64];
    int rc = MU_OK;

    if (!cJSON_IsArray(ops)) {
        cJSON_Delete(ops);
        return reply_status(c, 400, "BadRequest", "expected a JSON array");
    }
    pthread_mutex_lock(&g.mu);
    cJSON_ArrayForEach(op, ops) {
        if ((rc = control_op(kind, op, err, sizeof(err))))
            break;
    }
    snprintf(out, sizeof(out), "{\"resourceVersion\":\"%lld\"}",
             (long long)g.rv);
    pthread_mutex_unlock(&g.mu);
    cJSON_Delete(ops);
    if (rc)
        return reply_status(c, 400, "BadRequest", err);
    return reply(c, 200, out);
}

/* slow: the delay in ms (1..60000, default 1000). Caller holds g.mu. */
static void slow_arm(const cJSON *o, int k)
{
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(o, "ms");

    g.slow_ms[k] = cJSON_IsNumber(ms) && ms->valuedouble >= 1 &&
                           ms->valuedouble <= 60000
                       ? (int64_t)ms->valuedouble
                       : 1000;
}

/* An armed slow fault delays this answer (called without g.mu). */
static void slow_down(int k)
{
    int64_t ms = 0;

    pthread_mutex_lock(&g.mu);
    if (take_fault(F_SLOW, k))
        ms = g.slow_ms[k];
    pthread_mutex_unlock(&g.mu);
    if (ms > 0)
        usleep((useconds_t)(ms * 1000));
}

static enum MHD_Result control_fault(struct MHD_Connection *c,
                                     const char *body)
{
    cJSON *o = cJSON_Parse(body);
    const char *f = str_at(o, "fault", NULL), *r = str_at(o, "resource", NULL);
    const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(o, "count");
    int fi = -1, k = K_PODS;

    for (int i = 0; r && i < K_N; i++) {
        if (strcmp(r, kind_name[i]) == 0)
            k = i;
    }

    for (int i = 0; f && i < F_N; i++) {
        if (strcmp(f, fault_name[i]) == 0)
            fi = i;
    }
    if (fi < 0) {
        cJSON_Delete(o);
        return reply_status(c, 400, "BadRequest", "unknown fault");
    }
    pthread_mutex_lock(&g.mu);
    if (fi == F_SLOW)
        slow_arm(o, k);
    g.faults[fi][k] += cJSON_IsNumber(cnt) ? cnt->valueint : 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    cJSON_Delete(o);
    return reply(c, 200, "{}");
}

static void compact(void)
{
    pthread_mutex_lock(&g.mu);
    for (size_t i = 0; i < g.nev; i++)
        free(g.ev[i].json);
    g.nev = 0;
    g.oldest_rv = g.rv;
    pthread_mutex_unlock(&g.mu);
}

/* The canonical state through muster's own decoders and dump, so tests
 * compare byte for byte. Pods the field selector hides are left out, as
 * muster (like kube-scheduler) never sees finished pods. */
static enum MHD_Result control_state(struct MHD_Connection *c)
{
    struct cluster *cl = cluster_new();
    struct buf out;
    char err[512];
    size_t iter = 0;
    void *v;
    enum MHD_Result ret;

    buf_init(&out, BUF_UNLIMITED);
    pthread_mutex_lock(&g.mu);
    for (int k = 0; k < K_N; k++) {
        iter = 0;
        while (strmap_next(&g.objs[k], &iter, NULL, NULL, &v)) {
            struct fobj *f = v;
            struct node_info *n;
            struct pod *p;

            if (!f->matches)
                continue;
            if (k == K_NODES && !decode_node_buf(f->json, strlen(f->json),
                                                 "Node", &n, err, sizeof(err)))
                cluster_node_put(cl, n);
            else if (k == K_PODS && !decode_pod_buf(f->json, strlen(f->json),
                                                    "Pod", &p, err,
                                                    sizeof(err)))
                cluster_pod_put(cl, p);
        }
    }
    pthread_mutex_unlock(&g.mu);
    cluster_dump_json(cl, &out);
    cluster_free(cl);
    ret = reply(c, 200, out.data);
    buf_fini(&out);
    return ret;
}

static enum MHD_Result control_stats(struct MHD_Connection *c)
{
    char s[600];
    int armed[K_N] = {0};
    size_t n;

    pthread_mutex_lock(&g.mu);
    /* watch and LIST faults armed and not yet taken, per resource (the
     * bind faults aside: only a bind takes them) */
    for (int f = 0; f < F_N; f++) {
        bool bind = f == F_BIND_NOOP || f == F_BIND500 || f == F_BIND_LOST;

        for (int k = 0; k < K_N && !bind; k++)
            armed[k] += g.faults[f][k];
    }
    n = (size_t)snprintf(s, sizeof(s),
             "{\"lists\":{\"nodes\":%ld,\"pods\":%ld,\"podgroups\":%ld},"
             "\"watches\":{\"nodes\":%ld,\"pods\":%ld,\"podgroups\":%ld},"
             "\"gap429\":{\"nodes\":%lld,\"pods\":%lld},"
             "\"binds\":%ld,\"patches\":%ld,\"podgroupLists\":%ld,"
             "\"resourceVersion\":\"%lld\"}",
             g.lists[0], g.lists[1], g.lists[2], g.watches[0], g.watches[1],
             g.watches[2], (long long)g.gap429[0], (long long)g.gap429[1],
             g.binds, g.patches, g.lists[K_PODGROUPS], (long long)g.rv);
    if (n > 0 && n < sizeof(s))
        snprintf(s + n - 1, sizeof(s) - n + 1, ",\"armed\":{\"nodes\":%d,"
                 "\"pods\":%d,\"podgroups\":%d}}", armed[K_NODES],
                 armed[K_PODS], armed[K_PODGROUPS]);
    pthread_mutex_unlock(&g.mu);
    return reply(c, 200, s);
}

/* ---- LIST ---- */

static int fobj_cmp(const void *a, const void *b)
{
    return strcmp((*(struct fobj *const *)a)->key,
                  (*(struct fobj *const *)b)->key);
}

/* A consistent copy of one resource at the current RV. Caller holds mu. */
static struct snapshot *snapshot_new(int kind, bool filtered)
{
    struct snapshot *s = &g.snaps[g.next_snap % ARRAY_LEN(g.snaps)];
    size_t iter = 0, n = 0;
    struct fobj **objs;
    void *v;

    for (size_t i = 0; i < s->n; i++)
        free(s->items[i]);
    free(s->items);
    objs = xmalloc((strmap_len(&g.objs[kind]) + 1) * sizeof(*objs));
    while (strmap_next(&g.objs[kind], &iter, NULL, NULL, &v)) {
        struct fobj *f = v;

        if (!filtered || f->matches)
            objs[n++] = f;
    }
    qsort(objs, n, sizeof(*objs), fobj_cmp);
    s->items = xmalloc((n + 1) * sizeof(*s->items));
    for (size_t i = 0; i < n; i++)
        s->items[i] = xstrdup(objs[i]->json);
    free(objs);
    s->n = n;
    s->id = ++g.next_snap;
    s->kind = kind;
    s->rv = g.rv;
    return s;
}

static struct snapshot *snapshot_find(uint64_t id)
{
    for (size_t i = 0; i < ARRAY_LEN(g.snaps); i++) {
        if (g.snaps[i].id == id && id)
            return &g.snaps[i];
    }
    return NULL;
}

/* Digits only, bounded: the fake parses its own tokens. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 - 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static void list_page(struct buf *b, struct snapshot *s, size_t off,
                      size_t limit, int kind)
{
    size_t end = limit && off + limit < s->n ? off + limit : s->n;

    buf_printf(b, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":"
               "{\"resourceVersion\":\"%lld\"", kind_obj[kind], kind_api[kind],
               (long long)s->rv);
    if (end < s->n)
        buf_printf(b, ",\"continue\":\"%llu-%zu\"",
                   (unsigned long long)s->id, end);
    buf_adds(b, "},\"items\":[");
    for (size_t i = off; i < end; i++) {
        if (i > off)
            buf_addc(b, ',');
        buf_adds(b, s->items[i]);
    }
    buf_adds(b, "]}");
}

static enum MHD_Result handle_list(struct MHD_Connection *c, int kind,
                                   bool filtered)
{
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                  "limit");
    const char *cont = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                   "continue");
    uint64_t limit = 0, id = 0, off = 0;
    struct snapshot *s = NULL;
    struct buf b;
    char idtxt[32];
    enum MHD_Result ret;

    if (lim && !parse_u64(lim, &limit))
        return reply_status(c, 400, "BadRequest", "bad limit");
    slow_down(kind);
    pthread_mutex_lock(&g.mu);
    g.lists[kind]++;
    if (take_fault(F_LIST500, kind)) {
        pthread_mutex_unlock(&g.mu);
        return reply_status(c, 500, "InternalError", "injected list fault");
    }
    if (cont && *cont) {
        const char *dash = strchr(cont, '-');

        snprintf(idtxt, sizeof(idtxt), "%.*s",
                 dash ? (int)(dash - cont) : 0, cont);
        if (dash && parse_u64(idtxt, &id) && parse_u64(dash + 1, &off))
            s = snapshot_find(id);
        if (!s || s->kind != kind || off > s->n || take_fault(F_LIST410, kind)) {
            pthread_mutex_unlock(&g.mu);
            return reply_status(c, 410, "Expired",
                                "The provided continue parameter is too old");
        }
    } else {
        s = snapshot_new(kind, filtered);
    }
    buf_init(&b, BUF_UNLIMITED);
    list_page(&b, s, off, limit, kind);
    pthread_mutex_unlock(&g.mu);
    ret = reply(c, 200, b.data);
    buf_fini(&b);
    return ret;
}

/* ---- WATCH ---- */

/* 429 Too Many Requests with Retry-After: 2 (API priority and fairness). */
static enum MHD_Result reply_429(struct MHD_Connection *c)
{
    static const char body[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                               "\"status\":\"Failure\",\"message\":\"too "
                               "many requests\",\"reason\":\"TooManyRequests\","
                               "\"code\":429}";
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Retry-After", "2");
    ret = MHD_queue_response(c, 429, r);
    MHD_destroy_response(r);
    return ret;
}

struct wstate {
    int kind;
    bool filtered, bookmarks;
    int64_t sent_rv;          /* every event up to here is sent */
    int64_t deadline_ms;
    int64_t next_bookmark_ms;
    struct buf out;           /* bytes not yet handed to MHD */
    size_t outpos;
    bool end_after;           /* end the stream once out is drained */
    bool die_after;           /* ...by dropping the connection */
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The type this watcher sees, or NULL to skip (field selector). */
static const char *seen_type(const struct wstate *w, const struct fevent *e)
{
    if (!w->filtered)
        return e->type;
    if (strcmp(e->type, "DELETED") == 0)
        return e->old_match ? "DELETED" : NULL;
    if (e->old_match && e->new_match)
        return "MODIFIED";
    if (e->old_match)
        return "DELETED";
    return e->new_match ? "ADDED" : NULL;
}

/* Index of the first event with rv > after (events are in rv order). */
static size_t first_after(int64_t after)
{
    size_t lo = 0, hi = g.nev;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (g.ev[mid].rv <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Queue the next event for w into w->out, applying faults. Caller holds
 * g.mu. RET true when something was queued. */
static bool next_event(struct wstate *w)
{
    for (size_t i = first_after(w->sent_rv); i < g.nev; i++) {
        struct fevent *e = &g.ev[i];
        const char *type = e->kind == w->kind ? seen_type(w, e) : NULL;

        w->sent_rv = e->rv;
        if (!type)
            continue;
        buf_printf(&w->out, "{\"type\":\"%s\",\"object\":%s}\n", type,
                   e->json);
        if (take_fault(F_CLOSE_MID, w->kind)) {
            w->out.len /= 2;
            w->die_after = w->end_after = true;
        }
        return true;
    }
    return false;
}

static void queue_error(struct wstate *w, int64_t rv)
{
    buf_printf(&w->out,
               "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
               "\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
               "\"message\":\"too old resource version: %lld (%lld)\","
               "\"reason\":\"Expired\",\"code\":410}}\n",
               (long long)rv, (long long)g.oldest_rv + 1);
    w->end_after = true;
}

static void wait_until(int64_t until_ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (until_ms - now_ms()) / 1000;
    ts.tv_nsec += ((until_ms - now_ms()) % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&g.cv, &g.mu, &ts);
}

/* Fill w->out with the next bytes; RET false at the end of the stream. */
static bool watch_fill(struct wstate *w)
{
    bool more = true;

    pthread_mutex_lock(&g.mu);
    for (;;) {
        int64_t now = now_ms();

        if (g.shutdown || w->end_after || now >= w->deadline_ms ||
            (w->kind == K_PODGROUPS && !g.pg_crd)) {
            more = false;
            break;
        }
        if (take_fault(F_STALL, w->kind)) {
            /* silent, connection open, until shutdown */
            while (!g.shutdown)
                wait_until(now_ms() + 1000);
            more = false;
            break;
        }
        /* compacted under a watcher that had not caught up: the events
         * it still needed are gone, so it must relist (as etcd would) */
        if (take_fault(F_ERROR_EVENT, w->kind) || w->sent_rv < g.oldest_rv) {
            queue_error(w, w->sent_rv);
            break;
        }
        if (next_event(w))
            break;
        if (w->bookmarks && now >= w->next_bookmark_ms) {
            buf_printf(&w->out, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":"
                       "\"%s\",\"apiVersion\":\"%s\",\"metadata\":{"
                       "\"resourceVersion\":\"%lld\"}}}\n", kind_obj[w->kind],
                       kind_api[w->kind], (long long)g.rv);
            w->sent_rv = g.rv;
            w->next_bookmark_ms = now + 1000;
            break;
        }
        wait_until(MU_MIN(w->deadline_ms, w->bookmarks ? w->next_bookmark_ms
                                                       : w->deadline_ms));
    }
    pthread_mutex_unlock(&g.mu);
    return more;
}

static ssize_t watch_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct wstate *w = cls;
    size_t n;

    MU_UNUSED(pos);
    if (w->outpos == w->out.len) {
        buf_reset(&w->out);
        w->outpos = 0;
        if (w->die_after)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (!watch_fill(w) && w->out.len == 0)
            return w->die_after ? MHD_CONTENT_READER_END_WITH_ERROR
                                : MHD_CONTENT_READER_END_OF_STREAM;
    }
    n = MU_MIN(max, w->out.len - w->outpos);
    memcpy(buf, w->out.data + w->outpos, n);
    w->outpos += n;
    return (ssize_t)n;
}

static void watch_free(void *cls)
{
    struct wstate *w = cls;

    buf_fini(&w->out);
    free(w);
}

static enum MHD_Result handle_watch(struct MHD_Connection *c, int kind,
                                    bool filtered)
{
    const char *rvs = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                  "resourceVersion");
    const char *ts = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                 "timeoutSeconds");
    const char *bm = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                 "allowWatchBookmarks");
    uint64_t rv = 0, t = 1800;
    struct wstate *w;
    struct MHD_Response *r;
    enum MHD_Result ret;
    unsigned code = 0;

    if ((rvs && *rvs && !parse_u64(rvs, &rv)) || (ts && !parse_u64(ts, &t)))
        return reply_status(c, 400, "BadRequest", "bad resourceVersion or "
                                                  "timeoutSeconds");
    slow_down(kind);
    w = xcalloc(1, sizeof(*w));
    w->kind = kind;
    w->filtered = filtered;
    w->bookmarks = bm && strcmp(bm, "true") == 0;
    w->deadline_ms = now_ms() + (int64_t)t * 1000;
    w->next_bookmark_ms = now_ms() + 1000;
    buf_init(&w->out, BUF_UNLIMITED);
    pthread_mutex_lock(&g.mu);
    g.watches[kind]++;
    if (g.at429[kind]) {
        g.gap429[kind] = now_ms() - g.at429[kind];
        g.at429[kind] = 0;
    }
    if (take_fault(F_HTTP429, kind)) {
        g.at429[kind] = now_ms();
        code = 429;
    } else if (take_fault(F_HTTP410, kind))
        code = 410;
    else if (take_fault(F_HTTP500, kind))
        code = 500;
    w->sent_rv = rvs && *rvs ? (int64_t)rv : g.rv;
    if (w->sent_rv < g.oldest_rv)
        queue_error(w, w->sent_rv);   /* compacted: 200 + ERROR 410 */
    pthread_mutex_unlock(&g.mu);
    if (code == 429)
        return watch_free(w), reply_429(c);
    if (code) {
        watch_free(w);
        return reply_status(c, code, code == 410 ? "Expired" : "InternalError",
                            code == 410 ? "too old resource version"
                                        : "injected watch fault");
    }
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                          watch_read, w, watch_free);
    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- binding ---- */

/* Bind under g.mu; RET the HTTP code with msg set. */
static unsigned do_bind(const char *ns, const char *name, cJSON *b,
                        char *msg, size_t cap)
{
    const char *bname = str_at(b, "metadata", "name");
    const char *buid = str_at(b, "metadata", "uid");
    const char *tkind = str_at(b, "target", "kind");
    const char *node = str_at(b, "target", "name");
    char key[600];
    struct fobj *f;
    cJSON *pod, *spec;
    const char *uid, *cur;
    unsigned code = 201;

    snprintf(key, sizeof(key), "%s/%s", ns, name);
    if (!bname || strcmp(bname, name))
        return snprintf(msg, cap, "name in URL does not match name in "
                                  "Binding object"), 400;
    if (!node || !*node || (tkind && *tkind && strcmp(tkind, "Node")))
        return snprintf(msg, cap, "target must name a Node"), 400;
    f = strmap_get(&g.objs[K_PODS], key, strlen(key));
    if (!f)
        return snprintf(msg, cap, "pods \"%s\" not found", name), 404;
    if (take_fault(F_BIND500, K_PODS))
        return snprintf(msg, cap, "injected bind fault"), 500;
    pod = cJSON_Parse(f->json);
    uid = str_at(pod, "metadata", "uid");
    cur = str_at(pod, "spec", "nodeName");
    if (buid && uid && strcmp(buid, uid)) {
        snprintf(msg, cap, "Precondition failed: UID in precondition: %s, "
                 "UID in object meta: %s", buid, uid);
        code = 409;
    } else if (cur && *cur) {
        snprintf(msg, cap, "Operation cannot be fulfilled on pods/binding "
                 "\"%s\": pod %s is already assigned to node \"%s\"", name,
                 name, cur);
        code = 409;
    } else if (!take_fault(F_BIND_NOOP, K_PODS)) {
        spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
        if (!spec)
            spec = cJSON_AddObjectToObject(pod, "spec");
        cJSON_DeleteItemFromObjectCaseSensitive(spec, "nodeName");
        cJSON_AddStringToObject(spec, "nodeName", node);
        store_put(K_PODS, pod, msg, cap);
        if (take_fault(F_BIND_LOST, K_PODS))
            code = 500, snprintf(msg, cap, "injected lost bind reply");
    }
    cJSON_Delete(pod);
    return code;
}

static enum MHD_Result handle_bind(struct MHD_Connection *c, const char *url,
                                   const char *body)
{
    /* /api/v1/namespaces/{ns}/pods/{name}/binding */
    char ns[256], name[256], msg[1024] = "";
    const char *p = url + strlen("/api/v1/namespaces/"), *q;
    cJSON *b;
    unsigned code;

    q = strchr(p, '/');
    if (!q || (size_t)(q - p) >= sizeof(ns) || strncmp(q, "/pods/", 6))
        return reply_status(c, 404, "NotFound", "no such path");
    snprintf(ns, sizeof(ns), "%.*s", (int)(q - p), p);
    p = q + 6;
    q = strchr(p, '/');
    if (!q || (size_t)(q - p) >= sizeof(name) || strcmp(q, "/binding"))
        return reply_status(c, 404, "NotFound", "no such path");
    snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
    b = cJSON_Parse(body);
    if (!cJSON_IsObject(b)) {
        cJSON_Delete(b);
        return reply_status(c, 400, "BadRequest", "body is not a JSON object");
    }
    slow_down(K_PODS);
    pthread_mutex_lock(&g.mu);
    g.binds++;
    code = do_bind(ns, name, b, msg, sizeof(msg));
    pthread_mutex_unlock(&g.mu);
    cJSON_Delete(b);
    if (code == 201)
        return reply_status(c, 201, NULL, NULL);
    return reply_status(c, code, code == 409   ? "Conflict"
                                 : code == 404 ? "NotFound"
                                 : code == 500 ? "InternalError"
                                               : "BadRequest",
                        msg);
}

/* ---- annotation patch ---- */

/* Merge patch.metadata.annotations into the stored pod; RET the code. */
static unsigned do_patch(const char *key, const cJSON *patch, char *msg,
                         size_t cap)
{
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(patch, "metadata"), "annotations");
    struct fobj *f = strmap_get(&g.objs[K_PODS], key, strlen(key));
    cJSON *pod, *meta, *have;

    if (!f)
        return snprintf(msg, cap, "pods \"%s\" not found", key), 404;
    if (!cJSON_IsObject(ann))
        return snprintf(msg, cap, "only metadata.annotations can be "
                                  "patched here"), 422;
    pod = cJSON_Parse(f->json);
    meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    have = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
    if (!have)
        have = cJSON_AddObjectToObject(meta, "annotations");
    for (const cJSON *a = ann->child; a; a = a->next) {
        cJSON_DeleteItemFromObjectCaseSensitive(have, a->string);
        if (cJSON_IsString(a))
            cJSON_AddStringToObject(have, a->string, a->valuestring);
    }
    store_put(K_PODS, pod, msg, cap);
    cJSON_Delete(pod);
    return 200;
}

static enum MHD_Result handle_patch(struct MHD_Connection *c, const char *url,
                                    const char *body)
{
    /* /api/v1/namespaces/{ns}/pods/{name} */
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "Content-Type");
    const char *p = url + strlen("/api/v1/namespaces/"), *q;
    char key[600], msg[768] = "";
    cJSON *b;
    unsigned code;

    if (!ct || strcmp(ct, "application/merge-patch+json"))
        return reply_status(c, 415, "UnsupportedMediaType",
                            "expected application/merge-patch+json");
    q = strchr(p, '/');
    if (!q || strncmp(q, "/pods/", 6) || strchr(q + 6, '/') ||
        (size_t)(q - p) > 253)
        return reply_status(c, 404, "NotFound", "no such path");
    snprintf(key, sizeof(key), "%.*s/%s", (int)(q - p), p, q + 6);
    b = cJSON_Parse(body);
    pthread_mutex_lock(&g.mu);
    g.patches++;
    code = b ? do_patch(key, b, msg, sizeof(msg)) : 400;
    pthread_mutex_unlock(&g.mu);
    cJSON_Delete(b);
    if (code == 200)
        return reply(c, 200, "{}");
    return reply_status(c, code, code == 404 ? "NotFound" : "Invalid",
                        b ? msg : "body is not JSON");
}

/* ---- PodGroups (a CRD that is either installed or not) ---- */

static bool key_given(const cJSON *a, const char *key)
{
    const cJSON *o;
    bool yes = false;

    cJSON_ArrayForEach(o, a) {
        char *k = obj_key(K_PODGROUPS, o);

        yes = k && strcmp(k, key) == 0;
        free(k);
        if (yes)
            break;
    }
    return yes;
}

/* Make the PodGroups exactly the objects of a: put each (MODIFIED when it
 * exists), delete the others. Caller holds g.mu. */
static int podgroups_replace(const cJSON *a, char *err, size_t errlen)
{
    size_t iter = 0, n = 0;
    const cJSON *o;
    char **gone;
    void *v;
    int rc = MU_OK;

    cJSON_ArrayForEach(o, a) {
        cJSON *dup = cJSON_Duplicate(o, true);

        rc = cJSON_IsObject(dup) ? store_put(K_PODGROUPS, dup, err, errlen)
                                 : (snprintf(err, errlen, "expected objects"),
                                    MU_EINVAL);
        cJSON_Delete(dup);
        if (rc)
            return rc;
    }
    gone = xmalloc((strmap_len(&g.objs[K_PODGROUPS]) + 1) * sizeof(*gone));
    while (strmap_next(&g.objs[K_PODGROUPS], &iter, NULL, NULL, &v)) {
        struct fobj *f = v;

        if (!key_given(a, f->key))
            gone[n++] = xstrdup(f->key);
    }
    for (size_t i = 0; i < n; i++) {
        store_del(K_PODGROUPS, gone[i]);
        free(gone[i]);
    }
    free(gone);
    return MU_OK;
}

/* Installs the CRD; then ops (like nodes and pods) or a whole new set. */
static enum MHD_Result control_podgroups(struct MHD_Connection *c,
                                         const char *body)
{
    cJSON *a = cJSON_Parse(body);
    const cJSON *first = cJSON_GetArrayItem(a, 0);
    char err[256] = "", out[64];
    int rc;

    if (!cJSON_IsArray(a)) {
        cJSON_Delete(a);
        return reply_status(c, 400, "BadRequest", "expected an array");
    }
    pthread_mutex_lock(&g.mu);
    g.pg_crd = true;
    pthread_mutex_unlock(&g.mu);
    if (cJSON_GetObjectItemCaseSensitive(first, "op")) {
        cJSON_Delete(a);
        return control_objects(c, K_PODGROUPS, body);
    }
    pthread_mutex_lock(&g.mu);
    rc = podgroups_replace(a, err, sizeof(err));
    snprintf(out, sizeof(out), "{\"resourceVersion\":\"%lld\"}",
             (long long)g.rv);
    pthread_mutex_unlock(&g.mu);
    cJSON_Delete(a);
    if (rc)
        return reply_status(c, 400, "BadRequest", err);
    return reply(c, 200, out);
}

/* The CRD deleted: its objects vanish (here without events, as if gone
 * while nobody watched) and open watches of them end. */
static enum MHD_Result control_podgroups_uninstall(struct MHD_Connection *c)
{
    size_t iter = 0;
    void *v;

    pthread_mutex_lock(&g.mu);
    g.pg_crd = false;
    while (strmap_next(&g.objs[K_PODGROUPS], &iter, NULL, NULL, &v)) {
        struct fobj *f = v;

        free(f->key);
        free(f->json);
        free(f);
    }
    strmap_fini(&g.objs[K_PODGROUPS]);
    strmap_init(&g.objs[K_PODGROUPS]);
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    return reply(c, 200, "{}");
}

/* Is LIST/WATCH of kind served? PodGroups only once their CRD is in; a
 * request refused with 404 still counts in the stats. */
static bool kind_served(int kind, bool watch)
{
    bool yes;

    pthread_mutex_lock(&g.mu);
    yes = kind != K_PODGROUPS || g.pg_crd;
    if (!yes)
        (watch ? g.watches : g.lists)[kind]++;
    pthread_mutex_unlock(&g.mu);
    return yes;
}

/* ---- dispatch ---- */

static bool authorized(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Authorization");
    char want[1024] = "";
    FILE *f;

    if (!g.token_file)
        return true;
    f = fopen(g.token_file, "r");
    if (f) {
        if (!fgets(want, sizeof(want), f))
            want[0] = '\0';
        fclose(f);
    }
    want[strcspn(want, "\r\n")] = '\0';
    return h && strncmp(h, "Bearer ", 7) == 0 && want[0] &&
           strcmp(h + 7, want) == 0;
}

/* ---- Leases (coordination.k8s.io/v1), for the leader election tests ----
 *
 *   GET  /apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME
 *   POST /apis/coordination.k8s.io/v1/namespaces/NS/leases  (409
 *        AlreadyExists when it exists)
 *   PUT  .../leases/NAME  (404 when missing; 409 Conflict when
 *        metadata.resourceVersion is not the stored one)
 *   POST /_control/fault {"fault":"lease500","count":N}: the next N lease
 *        requests are answered 500 (a leader then cannot renew). */

struct flease {
    char *key;          /* "ns/name" */
    char *json;         /* the object, resourceVersion included */
};

static struct {
    struct strmap objs;  /* key -> struct flease; under g.mu */
    int fail500;
    long gets, writes, conflicts;
} gl;

/* Stamp a new resourceVersion and the path's name and namespace, then
 * store o under key. Caller holds g.mu. RET the stored JSON (borrowed). */
static const char *lease_store(const char *key, const char *ns,
                               const char *name, cJSON *o)
{
    struct flease *f = strmap_get(&gl.objs, key, strlen(key));
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
    char rvs[32], nm[256];

    /* name may point into o's metadata, replaced below: copy it first */
    snprintf(nm, sizeof(nm), "%s", name);
    name = nm;
    if (!cJSON_IsObject(meta)) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "metadata");
        meta = cJSON_AddObjectToObject(o, "metadata");
    }
    snprintf(rvs, sizeof(rvs), "%lld", (long long)++g.rv);
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    cJSON_AddStringToObject(meta, "resourceVersion", rvs);
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "name");
    cJSON_AddStringToObject(meta, "name", name);
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "namespace");
    cJSON_AddStringToObject(meta, "namespace", ns);
    if (!f) {
        f = xcalloc(1, sizeof(*f));
        f->key = xstrdup(key);
        strmap_put(&gl.objs, f->key, strlen(f->key), f);
    }
    free(f->json);
    f->json = cJSON_PrintUnformatted(o);
    gl.writes++;
    return f->json;
}

/* A write (POST create / PUT update) under g.mu; RET the code, with the
 * stored object or the message in out. */
static unsigned lease_write_locked(bool create, const char *ns,
                                   const char *name, cJSON *o, char *out,
                                   size_t cap)
{
    char key[600];
    struct flease *f;
    const char *want = str_at(o, "metadata", "resourceVersion");
    cJSON *have;
    const char *rv;
    bool stale;

    snprintf(key, sizeof(key), "%s/%s", ns, name);
    f = strmap_get(&gl.objs, key, strlen(key));
    if (create && f)
        return snprintf(out, cap, "leases.coordination.k8s.io \"%s\" "
                        "already exists", name), 409;
    if (!create && !f)
        return snprintf(out, cap, "leases.coordination.k8s.io \"%s\" not "
                        "found", name), 404;
    if (!create && want && *want) {
        have = cJSON_Parse(f->json);
        rv = str_at(have, "metadata", "resourceVersion");
        stale = !rv || strcmp(rv, want) != 0;
        cJSON_Delete(have);
        if (stale) {
            gl.conflicts++;
            return snprintf(out, cap, "Operation cannot be fulfilled on "
                            "leases.coordination.k8s.io \"%s\": the object "
                            "has been modified; please apply your changes "
                            "to the latest version and try again", name),
                   409;
        }
    }
    snprintf(out, cap, "%s", lease_store(key, ns, name, o));
    return create ? 201 : 200;
}

/* Split ".../namespaces/NS/leases[/NAME]"; RET false when it is not one. */
static bool lease_path_split(const char *url, char *ns, size_t nscap,
                             char *name, size_t namecap)
{
    static const char pre[] = "/apis/coordination.k8s.io/v1/namespaces/";
    const char *p = url + sizeof(pre) - 1, *q;

    if (strncmp(url, pre, sizeof(pre) - 1))
        return false;
    q = strchr(p, '/');
    if (!q || q == p || (size_t)(q - p) >= nscap ||
        strncmp(q, "/leases", 7) || (q[7] && q[7] != '/'))
        return false;
    snprintf(ns, nscap, "%.*s", (int)(q - p), p);
    name[0] = '\0';
    if (q[7] == '/') {
        if (!q[8] || strchr(q + 8, '/') || strlen(q + 8) >= namecap)
            return false;
        snprintf(name, namecap, "%s", q + 8);
    }
    return true;
}

static enum MHD_Result lease_answer(struct MHD_Connection *c, unsigned code,
                                    const char *out)
{
    if (code < 300)
        return reply(c, code, out);
    return reply_status(c, code, code == 404 ? "NotFound"
                                 : code == 409 ? (strstr(out, "already")
                                                      ? "AlreadyExists"
                                                      : "Conflict")
                                 : code == 500 ? "InternalError"
                                               : "BadRequest", out);
}

static enum MHD_Result lease_handle(struct MHD_Connection *c,
                                    const char *method, const char *ns,
                                    const char *name, const char *body)
{
    bool get = strcmp(method, "GET") == 0, post = !strcmp(method, "POST");
    char key[600], out[8192];
    const char *bname;
    struct flease *f;
    unsigned code;
    cJSON *o = get ? NULL : cJSON_Parse(body);

    bname = str_at(o, "metadata", "name");
    pthread_mutex_lock(&g.mu);
    if (gl.fail500 > 0) {
        gl.fail500--;
        code = 500;
        snprintf(out, sizeof(out), "injected lease fault");
    } else if (get && *name) {
        gl.gets++;
        snprintf(key, sizeof(key), "%s/%s", ns, name);
        f = strmap_get(&gl.objs, key, strlen(key));
        code = f ? 200 : 404;
        snprintf(out, sizeof(out), "%s", f ? f->json : "");
        if (!f)
            snprintf(out, sizeof(out), "leases.coordination.k8s.io \"%s\" "
                     "not found", name);
    } else if (!get && !cJSON_IsObject(o)) {
        code = 400;
        snprintf(out, sizeof(out), "body is not a JSON object");
    } else if (post && !*name && bname && *bname) {
        code = lease_write_locked(true, ns, bname, o, out, sizeof(out));
    } else if (!strcmp(method, "PUT") && *name &&
               (!bname || !strcmp(bname, name))) {
        code = lease_write_locked(false, ns, name, o, out, sizeof(out));
    } else {
        code = 400;
        snprintf(out, sizeof(out), "unsupported lease request");
    }
    pthread_mutex_unlock(&g.mu);
    cJSON_Delete(o);
    return lease_answer(c, code, out);
}

/* The lease routes and the lease500 fault; RET true when it answered. */
static bool lease_route(struct MHD_Connection *c, const char *url,
                        const char *method, const char *body,
                        enum MHD_Result *ret)
{
    char ns[256], name[256];
    cJSON *o;

    if (strcmp(url, "/_control/fault") == 0 && strcmp(method, "POST") == 0) {
        o = cJSON_Parse(body);
        if (!str_at(o, "fault", NULL) ||
            strcmp(str_at(o, "fault", NULL), "lease500")) {
            cJSON_Delete(o);
            return false;
        }
        pthread_mutex_lock(&g.mu);
        gl.fail500 += cJSON_IsNumber(cJSON_GetObjectItem(o, "count"))
                          ? cJSON_GetObjectItem(o, "count")->valueint : 1;
        pthread_mutex_unlock(&g.mu);
        cJSON_Delete(o);
        *ret = reply(c, 200, "{}");
        return true;
    }
    if (!lease_path_split(url, ns, sizeof(ns), name, sizeof(name)))
        return false;
    if (!authorized(c))
        *ret = reply_status(c, 401, "Unauthorized", "Unauthorized");
    else
        *ret = lease_handle(c, method, ns, name, body);
    return true;
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url,
                             const char *method, const char *body)
{
    bool get = strcmp(method, "GET") == 0;
    const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                "watch");
    const char *fs = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                 "fieldSelector");
    enum MHD_Result lret;

    if (lease_route(c, url, method, body, &lret))   /* leases (HA tests) */
        return lret;
    if (strncmp(url, "/_control/", 10) == 0) {
        if (!get && strcmp(url, "/_control/nodes") == 0)
            return control_objects(c, K_NODES, body);
        if (!get && strcmp(url, "/_control/pods") == 0)
            return control_objects(c, K_PODS, body);
        if (!get && strcmp(url, "/_control/podgroups") == 0)
            return control_podgroups(c, body);
        if (!get && strcmp(url, "/_control/podgroups/uninstall") == 0)
            return control_podgroups_uninstall(c);
        if (!get && strcmp(url, "/_control/fault") == 0)
            return control_fault(c, body);
        if (!get && strcmp(url, "/_control/compact") == 0)
            return compact(), reply(c, 200, "{}");
        if (get && strcmp(url, "/_control/state") == 0)
            return control_state(c);
        if (get && strcmp(url, "/_control/stats") == 0)
            return control_stats(c);
        return reply_status(c, 404, "NotFound", "no such control");
    }
    if (!authorized(c))
        return reply_status(c, 401, "Unauthorized", "Unauthorized");
    for (int k = 0; get && k < K_N; k++) {
        bool filtered = k == K_PODS && fs && strstr(fs, "status.phase!=");

        if (strcmp(url, kind_path[k]))
            continue;
        if (!kind_served(k, w && strcmp(w, "true") == 0))
            break;
        if (w && strcmp(w, "true") == 0)
            return handle_watch(c, k, filtered);
        return handle_list(c, k, filtered);
    }
    if (strcmp(method, "PATCH") == 0 &&
        strncmp(url, "/api/v1/namespaces/", 19) == 0)
        return handle_patch(c, url, body);
    if (!get && strncmp(url, "/api/v1/namespaces/", 19) == 0)
        return handle_bind(c, url, body);
    return reply_status(c, 404, "NotFound", "the server could not find the "
                                            "requested resource");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *size, void **ctx)
{
    struct buf *body = *ctx;
    enum MHD_Result ret;

    MU_UNUSED(cls);
    MU_UNUSED(version);
    if (!body) {
        body = xmalloc(sizeof(*body));
        buf_init(body, 256u << 20);
        buf_adds(body, "");
        *ctx = body;
        return MHD_YES;
    }
    if (*size) {
        if (buf_add(body, data, *size))
            return MHD_NO;
        *size = 0;
        return MHD_YES;
    }
    ret = route(c, url, method, body->data);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **ctx,
                    enum MHD_RequestTerminationCode tc)
{
    struct buf *body = *ctx;

    MU_UNUSED(cls);
    MU_UNUSED(c);
    MU_UNUSED(tc);
    if (body) {
        buf_fini(body);
        free(body);
        *ctx = NULL;
    }
}

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
    MU_UNUSED(sig);
    stop_sig = 1;
}

static int write_port(const char *path, unsigned port)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return MU_EIO;
    fprintf(f, "%u\n", port);
    fclose(f);
    return rename(tmp, path) ? MU_EIO : MU_OK;
}

static char *slurp(const char *path)
{
    struct buf b;
    char chunk[4096];
    size_t n;
    FILE *f = fopen(path, "r");

    if (!f)
        return NULL;
    buf_init(&b, 1 << 20);
    buf_adds(&b, "");
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return buf_steal(&b, &n);
}

/* Plain HTTP, or HTTPS when cert and key (PEM files) are given. */
static struct MHD_Daemon *start(const char *cert_file, const char *key_file)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION;
    char *cert, *key;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!cert_file)
        return MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
                                MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                MHD_OPTION_END);
    cert = g.tls_cert = slurp(cert_file);
    key = g.tls_key = key_file ? slurp(key_file) : NULL;
    if (!cert || !key)
        return NULL;
    return MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request,
                            NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_HTTPS_MEM_CERT, cert,
                            MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
}

int main(int argc, char **argv)
{
    const char *port_file = NULL, *cert = NULL, *key = NULL;
    const union MHD_DaemonInfo *info;
    struct MHD_Daemon *d;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port-file") == 0)
            port_file = argv[i + 1];
        else if (strcmp(argv[i], "--token-file") == 0)
            g.token_file = argv[i + 1];
        else if (strcmp(argv[i], "--tls-cert") == 0)
            cert = argv[i + 1];
        else if (strcmp(argv[i], "--tls-key") == 0)
            key = argv[i + 1];
    }
    if (!port_file) {
        fprintf(stderr, "usage: fake-apiserver --port-file F "
                        "[--token-file F] [--tls-cert PEM --tls-key PEM]\n");
        return 2;
    }
    for (int k = 0; k < K_N; k++)
        strmap_init(&g.objs[k]);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    d = start(cert, key);
    info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info || write_port(port_file, info->port)) {
        fprintf(stderr, "fake-apiserver: cannot listen or write %s\n",
                port_file);
        return 1;
    }
    while (!stop_sig)
        usleep(50 * 1000);
    pthread_mutex_lock(&g.mu);
    g.shutdown = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    MHD_stop_daemon(d);
    free(g.tls_cert);
    free(g.tls_key);
    return 0;
}
