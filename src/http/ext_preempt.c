/* ext_preempt.c - /preempt: of the candidate nodes kube-scheduler proposes,
 * with the victims it would evict on each, keep those where the pod fits
 * under the policy's filters once the victims are gone. Victims come as
 * full Pod objects (NodeNameToVictims, nodeCacheCapable: false) or as UIDs
 * (NodeNameToMetaVictims); the answer is always MetaVictims. A node is never
 * added, a victim list never changed, and a node muster cannot judge (not in
 * its cache) is kept: only a proven misfit is dropped. */
#include "common.h"
#include "http/ext_int.h"
#include "cache/decode.h"
#include "policy/policy.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

struct victim {
    char *uid;                   /* "" when the object had none */
    struct pod *pod;             /* NodeNameToVictims: the decoded pod */
};

struct candidate {
    char *node;
    size_t n, cap;
    struct victim *v;
    int64_t npdb;                /* NumPDBViolations, passed through */
    bool keep;
};

struct preempt_args {
    struct pod *pod;
    size_t n, cap;
    struct candidate *c;
    struct strmap by_node;       /* node -> index + 1 */
};

static void candidate_fini(struct candidate *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].uid);
        pod_free(c->v[i].pod);
    }
    FREE_NULL(c->v);
    FREE_NULL(c->node);
    c->n = c->cap = 0;
}

static void preempt_args_fini(struct preempt_args *a)
{
    for (size_t i = 0; i < a->n; i++)
        candidate_fini(&a->c[i]);
    free(a->c);
    strmap_fini(&a->by_node);
    pod_free(a->pod);
}

/* A node named twice (in both maps) keeps its last entry, as a Go map. */
static struct candidate *candidate_add(struct preempt_args *a,
                                       const struct jstr *key)
{
    char *name = jstr_dup(key);
    uintptr_t at;
    struct candidate *c;

    if (!name)
        return NULL;
    at = (uintptr_t)strmap_get(&a->by_node, name, strlen(name));
    if (at) {
        /* The map's key is c->node: keep that string (freeing it would
         * leave the map comparing against freed memory), drop the copy. */
        c = &a->c[at - 1];
        free(name);
        name = c->node;
        c->node = NULL;
        candidate_fini(c);
    } else {
        if (a->n == a->cap)
            a->c = xgrow(a->c, &a->cap, a->n + 1, sizeof(*a->c));
        c = &a->c[a->n++];
    }
    memset(c, 0, sizeof(*c));
    c->node = name;
    strmap_put(&a->by_node, c->node, strlen(c->node),
               (void *)(uintptr_t)(c - a->c + 1));
    return c;
}

static struct victim *victim_add(struct candidate *c)
{
    if (c->n == c->cap)
        c->v = xgrow(c->v, &c->cap, c->n + 1, sizeof(*c->v));
    memset(&c->v[c->n], 0, sizeof(c->v[0]));
    return &c->v[c->n++];
}

/* One element of Pods: a v1.Pod, or a MetaPod {"UID":"..."}. */
static int decode_victim(struct jscan *js, struct candidate *c, bool meta)
{
    struct victim *v = victim_add(c);
    struct jstr key;
    int r, rc;

    if (!meta) {
        if ((rc = decode_pod(js, &v->pod)))
            return rc;
        v->uid = xstrdup(v->pod->uid ? v->pod->uid : "");
        return MU_OK;
    }
    if ((rc = js_obj_begin(js)))
        return rc;
    while ((r = js_obj_next(js, &key)) > 0) {
        if (jstr_ieq(&key, "UID")) {
            free(v->uid);
            v->uid = NULL;
            rc = js_str_dup(js, &v->uid);
        } else {
            rc = js_skip(js);
        }
        if (rc)
            return rc;
    }
    if (!v->uid)
        v->uid = xstrdup("");
    return r;
}

static int decode_victims(struct jscan *js, struct candidate *c, bool meta)
{
    struct jstr key;
    int r = js_maybe_null(js), rc;

    if (r != 0)
        return r < 0 ? r : MU_OK;
    if ((rc = js_obj_begin(js)))
        return rc;
    while ((r = js_obj_next(js, &key)) > 0) {
        if (jstr_ieq(&key, "NumPDBViolations")) {
            rc = js_i64(js, &c->npdb);
        } else if (jstr_ieq(&key, "Pods")) {
            if ((r = js_maybe_null(js)) != 0) {
                if (r < 0)
                    return r;
                continue;
            }
            if ((rc = js_arr_begin(js)))
                return rc;
            while ((r = js_arr_next(js)) > 0 &&
                   !(rc = decode_victim(js, c, meta)))
                ;
            rc = rc ? rc : r;
        } else {
            rc = js_skip(js);
        }
        if (rc)
            return rc;
    }
    return r;
}

static int decode_map(struct jscan *js, struct preempt_args *a, bool meta)
{
    struct jstr key;
    struct candidate *c;
    int r = js_maybe_null(js), rc;

    if (r != 0)
        return r < 0 ? r : MU_OK;
    if ((rc = js_obj_begin(js)))
        return rc;
    while ((r = js_obj_next(js, &key)) > 0) {
        if (a->n >= EXT_MAX_NODES)
            return js_fail(js, "more than %d candidate nodes", EXT_MAX_NODES);
        if (!(c = candidate_add(a, &key)))
            return js_fail(js, "bad escape in node name");
        if ((rc = decode_victims(js, c, meta)))
            return rc;
    }
    return r;
}

static int preempt_decode(const char *body, size_t len,
                          struct preempt_args *a, char *err, size_t errlen)
{
    struct jscan js;
    struct jstr key;
    int r, rc;

    js_init(&js, body, len);
    if ((rc = ext_top_object(&js, "ExtenderPreemptionArgs")))
        goto bad;
    while ((r = js_obj_next(&js, &key)) > 0) {
        if (jstr_ieq(&key, "Pod"))
            rc = ext_decode_pod_field(&js, &a->pod);
        else if (jstr_ieq(&key, "NodeNameToVictims"))
            rc = decode_map(&js, a, false);
        else if (jstr_ieq(&key, "NodeNameToMetaVictims"))
            rc = decode_map(&js, a, true);
        else
            rc = js_skip(&js);
        if (rc)
            goto bad;
    }
    if (r < 0 || (rc = js_end(&js)))
        goto bad;
    if (!a->pod) {
        snprintf(err, errlen, "ExtenderPreemptionArgs has no Pod");
        return MU_EINVAL;
    }
    return MU_OK;
bad:
    ext_scan_error(&js, "bad ExtenderPreemptionArgs", err, errlen);
    return rc ? rc : MU_EINVAL;
}

static void usage_sub(int64_t *used, const struct pod *p)
{
    for (uint32_t i = 0; i < p->nreq; i++) {
        int id = p->req[i].id;

        used[id] = used[id] > p->req[i].v ? used[id] - p->req[i].v : 0;
    }
}

/* The cache's view of a victim wins: its request is what the node's usage
 * holds. A victim the cache does not know is subtracted from its object. */
static bool candidate_fits(struct ext_service *s, const struct pod *pod,
                           const struct candidate *c)
{
    const struct node_info *node =
        cluster_node_get(s->cluster, c->node, strlen(c->node));
    struct filter_status st = {.verdict = FILTER_PASS};
    int64_t used[RES_MAX];
    struct node_view nv = {.node = node, .used = used};

    if (!node)
        return true;
    memcpy(used, node->used, sizeof(used));
    for (size_t i = 0; i < c->n; i++) {
        const struct victim *v = &c->v[i];
        const struct pod *cp =
            *v->uid ? cluster_pod_get(s->cluster, v->uid, strlen(v->uid))
                    : NULL;

        if (cp && pod_counts(cp) && strcmp(cp->node_name, c->node) == 0)
            usage_sub(used, cp);
        else if (!cp && v->pod)
            usage_sub(used, v->pod);
    }
    if (filter_run(s->policy, pod, &nv, &st, NULL) != MU_OK)
        return true;   /* cannot judge: kube-scheduler's choice stands */
    if (st.verdict != FILTER_PASS)
        log_debug("preempt drops node", "node=%s reason=\"%s\"", c->node,
                  st.reason);
    return st.verdict == FILTER_PASS;
}

static int cand_cmp(const void *x, const void *y)
{
    return strcmp((*(const struct candidate *const *)x)->node,
                  (*(const struct candidate *const *)y)->node);
}

static int print_candidate(struct buf *out, const struct candidate *c)
{
    int rc = buf_add_jstrz(out, c->node);

    if (!rc)
        rc = buf_adds(out, ":{\"Pods\":[");
    for (size_t i = 0; !rc && i < c->n; i++) {
        rc = buf_adds(out, i ? ",{\"UID\":" : "{\"UID\":");
        if (!rc)
            rc = buf_add_jstrz(out, c->v[i].uid);
        if (!rc)
            rc = buf_addc(out, '}');
    }
    if (!rc)
        rc = buf_adds(out, "],\"NumPDBViolations\":");
    if (!rc)
        rc = buf_add_i64(out, c->npdb);
    return rc ? rc : buf_addc(out, '}');
}

/* Kept nodes in name order, as Go prints a map. */
static int preempt_print(struct preempt_args *a, struct buf *out)
{
    struct candidate **kept = xcalloc(a->n + 1, sizeof(*kept));
    size_t k = 0;
    int rc;

    for (size_t i = 0; i < a->n; i++) {
        if (a->c[i].keep)
            kept[k++] = &a->c[i];
    }
    qsort(kept, k, sizeof(*kept), cand_cmp);
    rc = buf_adds(out, "{\"NodeNameToMetaVictims\":{");
    for (size_t i = 0; !rc && i < k; i++) {
        if (i)
            rc = buf_addc(out, ',');
        if (!rc)
            rc = print_candidate(out, kept[i]);
    }
    free(kept);
    return rc ? rc : buf_adds(out, "}}");
}

int ext_preempt(struct ext_service *s, struct ext_call *call)
{
    struct preempt_args a;
    char err[EXT_ERR_MAX];
    int rc;

    memset(&a, 0, sizeof(a));
    strmap_init(&a.by_node);
    rc = preempt_decode(call->body, call->len, &a, err, sizeof(err));
    ext_pod_label(a.pod, call->pod, sizeof(call->pod));
    call->nnodes = a.n;
    if (rc) {
        rc = ext_answer_error(call, EXT_PREEMPT, 200, err);
        goto out;
    }
    if (!ext_service_ready(s)) {
        rc = ext_answer_error(call, EXT_PREEMPT, 200,
                              EXT_NOT_SYNCED_MSG);
        goto out;
    }
    cluster_rdlock(s->cluster);
    for (size_t i = 0; i < a.n; i++)
        a.c[i].keep = candidate_fits(s, a.pod, &a.c[i]);
    cluster_unlock(s->cluster);
    rc = preempt_print(&a, call->out);
out:
    preempt_args_fini(&a);
    return rc;
}
