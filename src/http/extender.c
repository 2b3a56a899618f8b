/* extender.c - the extender service: /filter and /prioritize, and the
 * dispatch of every verb. Filter decides each node with the policy's
 * filter chain (filter_run), prioritize ranks them with its weighted score
 * plugins (score_run); both read node usage from the cluster under its read
 * lock, for the length of one call. */
#include "common.h"
#include "http/extender.h"
#include "http/ext_int.h"
#include "http/gang_svc.h"
#include "http/metrics.h"
#include "kube/kube.h"
#include "kube/lease.h"
#include "policy/policy.h"
#include "queue/gang.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define UNKNOWN_NODE_MSG "node unknown to muster's cache"

static const int64_t zero_used[RES_MAX];

void ext_service_init(struct ext_service *s, struct cluster *c,
                      const struct policy *pol, struct kube *k,
                      struct metrics *m)
{
    memset(s, 0, sizeof(*s));
    s->magic = EXT_SERVICE_MAGIC;
    s->cluster = c;
    s->policy = pol;
    s->kube = k;
    s->metrics = m;
    s->assume_ttl_ms = EXT_ASSUME_TTL_MS;
    pod_memo_init(&s->memo, POD_MEMO_MAX);
}

void ext_service_fini(struct ext_service *s)
{
    pod_memo_fini(&s->memo);
    s->magic = 0;
}

bool ext_service_ready(struct ext_service *s)
{
    bool synced;

    if (s->kube)
        return kube_ready(s->kube);
    cluster_rdlock(s->cluster);
    synced = s->cluster->synced;
    cluster_unlock(s->cluster);
    return synced;
}

bool ext_service_leader(struct ext_service *s, char *msg, size_t cap)
{
    char holder[LEASE_ID_MAX];

    if (!s->lease || kube_lease_is_leader(s->lease))
        return true;
    if (msg) {
        kube_lease_holder(s->lease, holder, sizeof(holder));
        snprintf(msg, cap, "muster: not the leader (leader is %s)",
                 holder[0] ? holder : "unknown");
    }
    return false;
}

const char *ext_verb_name(enum ext_verb v)
{
    static const char *const names[EXT_NVERBS] = {
        "filter", "prioritize", "preempt", "bind"};

    return v < EXT_NVERBS ? names[v] : "?";
}

/* Rejections of one call, counted locally and added to the metrics once. */
struct tally {
    size_t n;
    struct {
        const char *plugin, *code;
        uint64_t count;
    } e[16];
};

static void tally_add(struct tally *t, const char *plugin, const char *code)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->e[i].plugin == plugin && t->e[i].code == code) {
            t->e[i].count++;
            return;
        }
    }
    if (t->n == ARRAY_LEN(t->e))
        return;
    t->e[t->n].plugin = plugin;
    t->e[t->n].code = code;
    t->e[t->n++].count = 1;
}

static void tally_flush(struct tally *t, struct metrics *m)
{
    for (size_t i = 0; m && i < t->n; i++)
        metrics_reject(m, t->e[i].plugin, t->e[i].code, t->e[i].count);
}

/* The answer of /filter as it is built: passing node objects go straight
 * into the answer (out, after its Nodes prefix: no second copy of a
 * multi-MB list), names and failures to their own buffers. */
struct filter_out {
    struct buf names;            /* passing names: "a","b" */
    struct buf *items;           /* the answer, open at Nodes.items */
    size_t nitems;
    struct buf failed;           /* "node":"reason",... */
    struct buf unres;
    struct tally tally;
};

static int add_map_entry(struct buf *b, const char *name, size_t nlen,
                         const char *reason)
{
    int rc = b->len ? buf_addc(b, ',') : MU_OK;

    if (!rc)
        rc = buf_add_jstr(b, name, nlen);
    if (!rc)
        rc = buf_addc(b, ':');
    if (!rc)
        rc = ext_put_text(b, reason, strlen(reason));
    return rc;
}

/* An unresolvable node goes in FailedAndUnresolvableNodes only; with
 * failed_nodes_compat also in FailedNodes. kube-scheduler v1.20 has no
 * FailedAndUnresolvableNodes field and reads only FailedNodes: without the
 * copy the reason vanishes from the pod's event ("0/3 nodes are available:
 * ."), seen end to end (tests/e2e). Later versions give the unresolvable
 * map precedence for a node listed in both, so they lose nothing. */
static int add_unresolvable(const struct ext_service *s, struct filter_out *fo,
                            const struct ext_node *n, const char *reason)
{
    int rc = add_map_entry(&fo->unres, n->name, n->nlen, reason);

    if (rc || !s->failed_nodes_compat)
        return rc;
    return add_map_entry(&fo->failed, n->name, n->nlen, reason);
}

static int add_pass(struct filter_out *fo, const struct ext_node *n)
{
    int rc = fo->names.len ? buf_addc(&fo->names, ',') : MU_OK;

    if (!rc)
        rc = buf_add_jstr(&fo->names, n->name, n->nlen);
    if (!rc && n->raw) {
        if (fo->nitems++)
            rc = buf_addc(fo->items, ',');
        if (!rc)
            rc = buf_add(fo->items, n->raw, n->rawlen);
    }
    return rc;
}

/* Judge one node. node == NULL: unknown (names) or undecodable (Nodes). */
static int filter_one(struct ext_service *s, const struct pod *pod,
                      const struct ext_node *n, const struct node_info *node,
                      const int64_t *used, const struct sched_ctx *ctx,
                      struct filter_out *fo)
{
    struct filter_status st = {.verdict = FILTER_PASS};
    struct node_view nv = {.node = node, .used = used, .ctx = ctx};
    const char *plugin = "muster";
    int failed = -1, rc;

    if (!node) {
        tally_add(&fo->tally, plugin, n->bad ? "undecodable" : "unknown-node");
        return add_unresolvable(s, fo, n, n->bad ? n->bad : UNKNOWN_NODE_MSG);
    }
    rc = filter_run(s->policy, pod, &nv, &st, &failed);
    if (failed >= 0)
        plugin = s->policy->filters[failed].plugin->name;
    if (rc) {
        /* a plugin that cannot run rejects this node only, retryably */
        log_error("filter plugin failed", "plugin=%s node=%.*s err=\"%s\"",
                  plugin, (int)n->nlen, n->name, mu_strerror(rc));
        st.verdict = FILTER_FAIL;
        st.code = "plugin-error";
        snprintf(st.reason, sizeof(st.reason),
                 "muster filter plugin %s could not run: %s", plugin,
                 mu_strerror(rc));
    }
    if (st.verdict == FILTER_PASS)
        return add_pass(fo, n);
    tally_add(&fo->tally, plugin, st.code ? st.code : "unspecified");
    if (st.verdict == FILTER_FAIL)
        return add_map_entry(&fo->failed, n->name, n->nlen, st.reason);
    return add_unresolvable(s, fo, n, st.reason);
}

/* ctx: the pod's gang decision and the reservations to count, or NULL. */
static int filter_nodes(struct ext_service *s, const struct ext_args *a,
                        const struct sched_ctx *ctx, struct filter_out *fo)
{
    const struct ext_nodes *ns = a->has_nodes ? &a->nodes : &a->names;
    const struct node_info **cached = xmalloc((ns->n + 1) * sizeof(*cached));
    int64_t scratch[RES_MAX];
    int rc = MU_OK;

    /* Resolve every name first, then judge each node while the ones a few
     * places ahead are fetched: a large call is bound by cache misses. */
    for (size_t i = 0; i < ns->n; i++)
        cached[i] = cluster_node_get(s->cluster, ns->v[i].name, ns->v[i].nlen);
    for (size_t i = 0; !rc && i < ns->n; i++) {
        const struct ext_node *n = &ns->v[i];
        const struct node_info *node = a->has_nodes ? n->node : cached[i];
        /* request objects carry no usage: the cache's node has it, plus
         * what gangs have reserved there */
        const int64_t *used =
            cached[i] ? sched_ctx_usage(ctx, cached[i], scratch) : zero_used;

        if (i + 4 < ns->n)
            node_prefetch(a->has_nodes ? ns->v[i + 4].node : cached[i + 4]);
        rc = filter_one(s, a->pod, n, node, used, ctx, fo);
    }
    free(cached);
    return rc;
}

/* The rest of the answer after the passing node objects (if any). */
static int filter_print(const struct ext_args *a, struct filter_out *fo,
                        struct buf *out)
{
    int rc = buf_adds(out, a->has_nodes ? "]},\"NodeNames\":"
                                        : "{\"Nodes\":null,\"NodeNames\":");

    if (!rc && a->has_names)
        rc = buf_addc(out, '[');
    if (!rc && a->has_names && fo->names.len)
        rc = buf_add(out, fo->names.data, fo->names.len);
    if (!rc)
        rc = buf_adds(out, a->has_names ? "],\"FailedNodes\":{"
                                        : "null,\"FailedNodes\":{");
    if (!rc && fo->failed.len)
        rc = buf_add(out, fo->failed.data, fo->failed.len);
    if (!rc)
        rc = buf_adds(out, "},\"FailedAndUnresolvableNodes\":{");
    if (!rc && fo->unres.len)
        rc = buf_add(out, fo->unres.data, fo->unres.len);
    if (!rc)
        rc = buf_adds(out, "},\"Error\":\"\"}");
    return rc;
}

static int ext_filter(struct ext_service *s, struct ext_args *a,
                      struct ext_call *call)
{
    struct sched_ctx ctx;
    struct filter_out fo;
    int rc = MU_OK;

    if (a->has_nodes) {
        /* passing objects are at most the body: grow the answer once */
        rc = buf_reserve(call->out, call->len + 4096);
        if (!rc)
            rc = buf_adds(call->out, "{\"Nodes\":{\"metadata\":{},"
                                     "\"items\":[");
        if (rc)
            return rc;   /* nothing allocated yet */
    }
    memset(&fo, 0, sizeof(fo));
    fo.items = call->out;
    buf_init(&fo.names, call->out->max);
    buf_init(&fo.failed, call->out->max);
    buf_init(&fo.unres, call->out->max);
    cluster_rdlock(s->cluster);
    if (s->gangs)
        gang_filter_ctx(s->gangs, s->cluster, s->policy, a->pod,
                        ext_now_ms(), &ctx);
    rc = filter_nodes(s, a, s->gangs ? &ctx : NULL, &fo);
    cluster_unlock(s->cluster);
    /* admissions queue wake-ups: send them now, not at the next tick */
    if (s->gangs && ctx.gang[0])
        gang_svc_kick(s->gang_svc);
    if (s->gangs && ctx.podgroup_missing)
        kube_podgroups_look(s->kube);
    if (!rc)
        rc = filter_print(a, &fo, call->out);
    tally_flush(&fo.tally, s->metrics);
    buf_fini(&fo.names);
    buf_fini(&fo.failed);
    buf_fini(&fo.unres);
    /* remember the pod: /bind names it only by uid */
    pod_memo_put(&s->memo, a->pod);
    a->pod = NULL;
    return rc;
}

static int prio_print(const struct ext_nodes *ns, const int64_t *score,
                      struct buf *out)
{
    int rc = buf_addc(out, '[');

    for (size_t i = 0; !rc && i < ns->n; i++) {
        rc = buf_adds(out, i ? ",{\"Host\":" : "{\"Host\":");
        if (!rc)
            rc = buf_add_jstr(out, ns->v[i].name, ns->v[i].nlen);
        if (!rc)
            rc = buf_adds(out, ",\"Score\":");
        if (!rc)
            rc = buf_add_i64(out, MU_MAX(0, MU_MIN(EXT_SCORE_MAX, score[i])));
        if (!rc)
            rc = buf_addc(out, '}');
    }
    return rc ? rc : buf_addc(out, ']');
}

/* Score the nodes muster knows; unknown or undecodable ones score 0. */
static int ext_prioritize(struct ext_service *s, struct ext_args *a,
                          struct ext_call *call)
{
    const struct ext_nodes *ns = a->has_nodes ? &a->nodes : &a->names;
    struct node_view *nv = xcalloc(ns->n + 1, sizeof(*nv));
    int64_t *raw = xcalloc(ns->n + 1, sizeof(*raw));
    int64_t *score = xcalloc(ns->n + 1, sizeof(*score));
    size_t *idx = xcalloc(ns->n + 1, sizeof(*idx)), k = 0;
    int64_t *scratch = NULL;
    struct sched_ctx ctx;
    int rc;

    cluster_rdlock(s->cluster);
    if (s->gangs) {
        gang_score_ctx(s->gangs, s->cluster, s->policy, a->pod, ext_now_ms(),
                       &ctx);
        /* scratch only when some node has reservations to add */
        if (reserve_node_count(gang_reserve(s->gangs)))
            scratch = xmalloc((ns->n + 1) * RES_MAX * sizeof(*scratch));
    }
    for (size_t i = 0; i < ns->n; i++) {
        const struct ext_node *n = &ns->v[i];
        const struct node_info *cached =
            cluster_node_get(s->cluster, n->name, n->nlen);
        const struct node_info *node = a->has_nodes ? n->node : cached;

        if (!node)
            continue;
        nv[k].node = node;
        nv[k].used = !cached  ? zero_used
                     : scratch ? sched_ctx_usage(&ctx, cached,
                                                 scratch + k * RES_MAX)
                               : cached->used;
        nv[k].ctx = s->gangs ? &ctx : NULL;
        idx[k++] = i;
    }
    rc = k ? score_run(s->policy, a->pod, nv, k, raw) : MU_OK;
    cluster_unlock(s->cluster);
    free(scratch);
    for (size_t j = 0; !rc && j < k; j++)
        score[idx[j]] = raw[j];
    if (rc)
        rc = ext_answer_error(call, EXT_PRIORITIZE, 500,
                              "muster score plugins failed");
    else
        rc = prio_print(ns, score, call->out);
    free(nv);
    free(raw);
    free(score);
    free(idx);
    return rc;
}

static int handle_args_verb(struct ext_service *s, enum ext_verb verb,
                            struct ext_call *call)
{
    struct ext_args a;
    char err[EXT_ERR_MAX];
    int rc;

    rc = ext_args_decode(call->body, call->len, &a, err, sizeof(err));
    ext_pod_label(a.pod, call->pod, sizeof(call->pod));
    call->nnodes = a.has_nodes ? a.nodes.n : a.names.n;
    if (rc) {
        rc = ext_answer_error(call, verb,
                              verb == EXT_PRIORITIZE ? 400 : 200, err);
    } else if (!ext_service_ready(s)) {
        rc = ext_answer_error(call, verb, verb == EXT_PRIORITIZE ? 503 : 200,
                              EXT_NOT_SYNCED_MSG);
    } else {
        rc = verb == EXT_FILTER ? ext_filter(s, &a, call)
                                : ext_prioritize(s, &a, call);
    }
    ext_args_fini(&a);
    return rc;
}

int ext_handle(struct ext_service *s, enum ext_verb verb,
               struct ext_call *call)
{
    char err[EXT_ERR_MAX];

    MU_ASSERT(s->magic == EXT_SERVICE_MAGIC);
    call->status = 200;
    call->failed = false;
    call->held = false;
    call->pod[0] = '\0';
    call->nnodes = 0;
    buf_reset(call->out);
    /* a follower serves nothing; prioritize has no Error field and answers
     * 503 as before the cache is synced (extender.h) */
    if (!ext_service_leader(s, err, sizeof(err)))
        return ext_answer_error(call, verb, verb == EXT_PRIORITIZE ? 503 : 200,
                                err);
    if (!ext_body_is_json(call->body, call->len, err, sizeof(err)))
        return ext_answer_error(call, verb, 400, err);
    switch (verb) {
    case EXT_FILTER:
    case EXT_PRIORITIZE:
        return handle_args_verb(s, verb, call);
    case EXT_PREEMPT:
        return ext_preempt(s, call);
    case EXT_BIND:
        return ext_bind(s, call);
    default:
        return ext_answer_error(call, verb, 404, "unknown verb");
    }
}
