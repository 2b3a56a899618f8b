/* ext_bind.c - /bind: put the pod on its node. With a cluster connection
 * muster POSTs the Binding to the API server (kube_bind) and keeps an
 * assumed copy until the watch confirms it; in snapshot mode it records the
 * pod as bound in the cache so later calls see the node fuller. The pod's
 * spec comes from the /filter call kube-scheduler always makes first (the
 * memo), or from the cache. Answers are idempotent: binding a pod again to
 * the node it is on succeeds. */
#include "common.h"
#include "http/ext_int.h"
#include "http/gang_svc.h"
#include "kube/kube.h"
#include "queue/gang.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <time.h>

struct bind_args {
    char *name, *ns, *uid, *node;
};

static void bind_args_fini(struct bind_args *a)
{
    FREE_NULL(a->name);
    FREE_NULL(a->ns);
    FREE_NULL(a->uid);
    FREE_NULL(a->node);
}

static int str_field(struct jscan *js, char **dst)
{
    int r = js_maybe_null(js);

    if (r != 0)
        return r < 0 ? r : MU_OK;
    FREE_NULL(*dst);
    return js_str_dup(js, dst);
}

static int bind_decode(const char *body, size_t len, struct bind_args *a,
                       char *err, size_t errlen)
{
    static const char *const need[] = {"PodName", "PodNamespace", "Node"};
    struct jscan js;
    struct jstr key;
    int r, rc;

    js_init(&js, body, len);
    if ((rc = ext_top_object(&js, "ExtenderBindingArgs")))
        goto bad;
    while ((r = js_obj_next(&js, &key)) > 0) {
        if (jstr_ieq(&key, "PodName"))
            rc = str_field(&js, &a->name);
        else if (jstr_ieq(&key, "PodNamespace"))
            rc = str_field(&js, &a->ns);
        else if (jstr_ieq(&key, "PodUID"))
            rc = str_field(&js, &a->uid);
        else if (jstr_ieq(&key, "Node"))
            rc = str_field(&js, &a->node);
        else
            rc = js_skip(&js);
        if (rc)
            goto bad;
    }
    if (r < 0 || (rc = js_end(&js)))
        goto bad;
    for (size_t i = 0; i < ARRAY_LEN(need); i++) {
        const char *v = i == 0 ? a->name : i == 1 ? a->ns : a->node;

        if (!v || !*v) {
            snprintf(err, errlen, "ExtenderBindingArgs has no %s", need[i]);
            return MU_EINVAL;
        }
    }
    if (!a->uid)
        a->uid = xstrdup("");
    return MU_OK;
bad:
    ext_scan_error(&js, "bad ExtenderBindingArgs", err, errlen);
    return rc ? rc : MU_EINVAL;
}

static bool same_pod(const struct pod *p, const struct bind_args *a)
{
    return p->ns && p->name && strcmp(p->ns, a->ns) == 0 &&
           strcmp(p->name, a->name) == 0;
}

/* Under the write lock: decide what to put. *copy is the memo's pod (or
 * NULL); on success it is consumed by the cluster. */
static int bind_locked(struct ext_service *s, const struct bind_args *a,
                       struct pod **copy, int64_t assumed_until, char *err,
                       size_t errlen)
{
    struct cluster *c = s->cluster;
    struct pod *have = *a->uid ? cluster_pod_get(c, a->uid, strlen(a->uid))
                               : cluster_pod_find(c, a->ns, a->name);

    if (have && !same_pod(have, a)) {
        snprintf(err, errlen, "PodUID %s is pod %s/%s, not %s/%s", a->uid,
                 have->ns, have->name, a->ns, a->name);
        return MU_EINVAL;
    }
    if (have && have->node_name) {
        if (strcmp(have->node_name, a->node) == 0)
            return MU_OK;   /* already there: a retried bind */
        snprintf(err, errlen, "pod %s/%s is already assigned to node %s",
                 a->ns, a->name, have->node_name);
        return MU_ESTATE;
    }
    if (!*copy && have)
        *copy = pod_dup(have);
    if (!*copy) {
        snprintf(err, errlen, "pod %s/%s (%s) unknown: muster saw no "
                 "filter call for it and its cache does not hold it",
                 a->ns, a->name, a->uid);
        return MU_ENOENT;
    }
    if (!same_pod(*copy, a)) {
        snprintf(err, errlen, "PodUID %s is pod %s/%s, not %s/%s", a->uid,
                 (*copy)->ns, (*copy)->name, a->ns, a->name);
        return MU_EINVAL;
    }
    if (!s->kube && !cluster_node_get(c, a->node, strlen(a->node))) {
        snprintf(err, errlen, "node %s unknown to muster's cache", a->node);
        return MU_ENOENT;
    }
    free((*copy)->node_name);
    (*copy)->node_name = xstrdup(a->node);
    (*copy)->assumed_until = assumed_until;
    cluster_pod_put(c, *copy);
    *copy = NULL;
    return MU_OK;
}

static int bind_cache(struct ext_service *s, const struct bind_args *a,
                      int64_t assumed_until, char *err, size_t errlen)
{
    struct pod *copy = *a->uid ? pod_memo_get(&s->memo, a->uid) : NULL;
    int rc;

    cluster_wrlock(s->cluster);
    rc = bind_locked(s, a, &copy, assumed_until, err, errlen);
    cluster_unlock(s->cluster);
    pod_free(copy);
    return rc;
}

/* Kube mode: the API server decides; the cache only learns early. Never
 * fails the bind once the API server has accepted it. */
static int bind_kube(struct ext_service *s, const struct bind_args *a,
                     char *err, size_t errlen)
{
    char msg[EXT_ERR_MAX];
    int rc;

    rc = kube_bind(s->kube, a->ns, a->name, a->uid, a->node, msg,
                   sizeof(msg));
    if (rc) {
        snprintf(err, errlen,
                 "binding pod %.100s/%.100s to node %.100s failed: %.180s",
                 a->ns, a->name, a->node, msg);
        return rc;
    }
    rc = bind_cache(s, a, ext_now_ms() + s->assume_ttl_ms, msg, sizeof(msg));
    if (rc)
        log_debug("bound pod not assumed in cache", "pod=%s/%s why=\"%s\"",
                  a->ns, a->name, msg);
    return MU_OK;
}

/* Post one binding of a released gang; RET its outcome with err set. */
static int bind_post(struct ext_service *s, const struct gang_binding *b,
                     char *err, size_t errlen)
{
    struct bind_args a = {.name = b->name, .ns = b->ns, .uid = b->uid,
                          .node = b->node};

    return s->kube ? bind_kube(s, &a, err, errlen)
                   : bind_cache(s, &a, 0, err, errlen);
}

/* A gang's Bindings are its commit, so one that failed for a reason that
 * may pass (a 5xx or 429 from the API server, a dropped connection: MU_EIO)
 * is tried again, GANG_POST_RETRY_MS, then twice that, ... later, while the
 * release is younger than GANG_POST_BUDGET_MS (well inside kube-scheduler's
 * httpTimeout). A retry of a Binding that did land answers 409 "already
 * assigned to node N", which kube_bind takes as success. */
#define GANG_POST_RETRY_MS 100
#define GANG_POST_BUDGET_MS 2000

static int bind_post_retry(struct ext_service *s,
                           const struct gang_binding *b, int64_t until,
                           char *err, size_t errlen)
{
    int64_t wait = GANG_POST_RETRY_MS;
    int rc = bind_post(s, b, err, errlen);

    while (rc == MU_EIO && s->kube && ext_now_ms() + wait <= until) {
        struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};

        log_warn("gang binding failed, retrying", "pod=%s/%s node=%s "
                 "in_ms=%lld error=\"%s\"", b->ns, b->name, b->node,
                 (long long)wait, err);
        nanosleep(&ts, NULL);
        wait *= 2;
        err[0] = '\0';
        rc = bind_post(s, b, err, errlen);
    }
    return rc;
}

/* A gang's last member reached bind: post every held member's Binding,
 * then answer each call (this one through *rc and err, the others through
 * answer_held). */
static int bind_release(struct ext_service *s, struct ext_call *call,
                        struct gang_release *rel, char *err, size_t errlen)
{
    char lost[EXT_ERR_MAX] = "";
    int own = MU_OK;
    /* Leadership is checked once, before the first Binding: a release is
     * the gang's commit, and stopping it half-way would bind it partly
     * (the renew deadline is shorter than the lease, which leaves time to
     * finish it before another replica can lead). */
    bool leader = ext_service_leader(s, lost, sizeof(lost));
    int64_t until = ext_now_ms() + GANG_POST_BUDGET_MS;

    for (size_t i = 0; i < rel->n; i++) {
        const struct gang_binding *b = &rel->b[i];
        char msg[EXT_ERR_MAX] = "";
        int rc = leader ? bind_post_retry(s, b, until, msg, sizeof(msg))
                        : MU_ESTATE;
        struct buf out;

        if (!leader)
            snprintf(msg, sizeof(msg), "%s", lost);

        gang_bind_result(s->gangs, rel->gang, b->uid, b->node, rc == MU_OK,
                         ext_now_ms());
        if (b->ticket == call->ticket) {
            own = rc;
            snprintf(err, errlen, "%s", msg);
            continue;
        }
        buf_init(&out, BUF_UNLIMITED);
        if (rc) {
            buf_adds(&out, "{\"Error\":");
            ext_put_text(&out, msg, strlen(msg));
            buf_addc(&out, '}');
        } else {
            buf_adds(&out, "{\"Error\":\"\"}");
        }
        s->answer_held(b->ticket, 200, &out);
    }
    return own;
}

/* Gang members: hold the call until the gang is complete (gang.h).
 * RET MU_OK with *done false: not held, bind it as usual; otherwise *done
 * and the outcome (call->held set for a held call). */
static int bind_gang(struct ext_service *s, const struct bind_args *a,
                     struct ext_call *call, bool *done, char *err,
                     size_t errlen)
{
    struct gang_release rel;
    enum gang_bind_verdict v;
    int rc = MU_OK;

    *done = true;
    if (!call->ticket || !s->answer_held) {
        *done = false;
        return MU_OK;
    }
    cluster_rdlock(s->cluster);
    v = gang_bind(s->gangs, s->cluster, s->policy, a->ns, a->name, a->uid,
                  a->node, call->ticket, ext_now_ms(), &rel, err, errlen);
    cluster_unlock(s->cluster);
    if (v == GANG_BIND_PASS)
        *done = false;
    else if (v == GANG_BIND_HOLD)
        call->held = true;
    else if (v == GANG_BIND_REJECT)
        rc = MU_ESTATE;
    else
        rc = bind_release(s, call, &rel, err, errlen);
    gang_release_fini(&rel);
    if (v != GANG_BIND_PASS)
        gang_svc_kick(s->gang_svc);
    return rc;
}

static int bind_answer(struct ext_service *s, struct bind_args *a,
                       struct ext_call *call)
{
    char err[EXT_ERR_MAX];
    bool done = false;
    int rc = MU_OK;

    err[0] = '\0';
    if (s->gangs)
        rc = bind_gang(s, a, call, &done, err, sizeof(err));
    if (!done)
        rc = s->kube ? bind_kube(s, a, err, sizeof(err))
                     : bind_cache(s, a, 0, err, sizeof(err));
    if (call->held)
        return MU_OK;
    if (rc)
        return ext_answer_error(call, EXT_BIND, 200, err);
    return buf_adds(call->out, "{\"Error\":\"\"}");
}

int ext_bind(struct ext_service *s, struct ext_call *call)
{
    struct bind_args a = {0};
    char err[EXT_ERR_MAX];
    int rc;

    rc = bind_decode(call->body, call->len, &a, err, sizeof(err));
    if (a.ns && a.name)
        snprintf(call->pod, sizeof(call->pod), "%s/%s", a.ns, a.name);
    call->nnodes = 1;
    if (rc) {
        rc = ext_answer_error(call, EXT_BIND, 200, err);
    } else if (!ext_service_ready(s)) {
        rc = ext_answer_error(call, EXT_BIND, 200, EXT_NOT_SYNCED_MSG);
    } else {
        rc = bind_answer(s, &a, call);
    }
    bind_args_fini(&a);
    return rc;
}
