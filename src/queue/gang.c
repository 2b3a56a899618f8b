/* gang.c - the gang table: membership, settings, the state machine
 * (waiting, admitted, binding, done, backoff), admission through the
 * planner, held binds, timeouts, starvation holding and the queues of work
 * handed back to the caller (see gang.h for the contract).
 *
 * Design notes (the why behind the code below):
 *
 * Membership is rebuilt from the cluster once per cluster generation, in
 * one pass over all pods for all gangs (gang_scan), so a filter call costs
 * a hash lookup when nothing changed. Pods that only ever appear in calls
 * (snapshot mode, or a watch that lags) are kept as copies; a member that
 * was in the cluster and is gone was deleted, and that is the only way
 * deletion is learnt, which also makes relists safe.
 *
 * Counting: "exist" is every non-terminal member, bound or not; "need" is
 * minMember minus the bound ones. After a restart the bound members come
 * back from the watch, so only the rest is planned and held: a gang is
 * never bound twice and never left half-bound by a restart.
 *
 * A failed plan is remembered with the cluster and reservation generations
 * it was computed at (g->tried): the members of a waiting gang are filtered
 * again and again, and re-planning a cluster that did not change cannot
 * succeed. Membership and settings changes clear it.
 *
 * Held binds count only for members that hold a plan slot; members beyond
 * minMember are held too (so nothing of the gang binds early) and go out
 * with the release. Plan slots move to whichever member kube-scheduler
 * brings first (claim_slot), since its queue order is not ours.
 *
 * gang_next_deadline runs before every step of a simulator, so its answer
 * is cached and forgotten by every entry point that may change a gang
 * (table_lock_dirty); most steps involve no gang at all.
 *
 * All state changes happen under t->mu; answers to held binds and wake-up
 * patches are only queued here and delivered by the caller after
 * gang_drain, outside every lock (they do network I/O). */
#include "common.h"
#include "queue/gang.h"
#include "cache/podgroup.h"
#include "queue/plan.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdarg.h>

#define GANG_TABLE_MAGIC 0x47414e47u   /* "GANG" */
/* A pod known only from filter calls (never seen in the cluster) is
 * forgotten after this long without a call: kube-scheduler retries parked
 * pods at least every 5 minutes. */
#define GANG_SEEN_TTL_MS (10 * 60 * 1000)
#define GANG_MIN_MAX 100000            /* minMember cap (annotations) */
#define GANG_TIMEOUT_MAX 86400         /* seconds */

enum gang_state { GS_WAITING, GS_ADMITTED, GS_BINDING, GS_DONE, GS_BACKOFF };

static const char *const gang_state_name[] = {
    "waiting", "admitted", "binding", "bound", "backoff",
};

const double gang_wait_bounds[GANG_WAIT_BUCKETS] = {0.1, 0.5, 1,  2,  5,
                                                    10,  30,  60, 300};

/* One pod of a gang. */
struct member {
    char *uid, *ns, *name;
    int64_t created;           /* creationTimestamp, Unix seconds */
    int64_t seen_ms;           /* last filter call for it (0: none) */
    struct pod *copy;          /* its spec while it is not in the cluster */
    bool in_cluster, ever_in_cluster, terminal;
    char *cnode;               /* bound node as the cluster says */
    char *bnode;               /* bound by a release of ours */
    char *planned;             /* node of the admitted plan, or NULL */
    void *ticket;              /* held bind, or NULL */
    int64_t held_ms;
    char *hold_node, *hold_uid;     /* the held bind's node and PodUID */
    bool releasing;            /* in a release being posted */
    int64_t ann_min, ann_timeout;   /* from its annotations (0: none) */
    bool pg_named;             /* named by GANG_LABEL (a PodGroup name) */
    const char *ann_src;
    char *bad;                 /* malformed annotation message */
};

struct gang {
    char *key;
    enum gang_state state;
    size_t n, cap;
    struct member *m;
    int64_t min_member, timeout_s;   /* effective settings */
    bool unsized;                    /* waiting for its PodGroup (see
                                        gang_unsized) */
    bool grace_ended;                /* ... in vain: wake the members */
    int64_t admitted_min;
    int64_t first_ms, quorum_ms, admitted_ms, backoff_until;
    bool had_quorum, conflict_logged, starving;
    bool tried;                      /* a plan failed at tried_* gens */
    uint64_t tried_cgen, tried_rgen;
    size_t releasing;                /* bindings not yet reported */
    char reason[FILTER_REASON_MAX];  /* why members fail now */
    bool has_why;
    struct plan_why why;
    char domain[GANG_KEY_MAX];       /* the plan's domain */
};

struct gang_table {
    uint32_t magic;
    pthread_mutex_t mu;
    struct strmap gangs;        /* key -> struct gang */
    struct strmap by_uid;       /* member uid -> struct gang */
    struct reserve *res;
    const struct cluster *scan_c;
    uint64_t scan_gen;
    bool scanned;
    struct gang *starving;      /* the one gang holding partial capacity */
    bool closing;               /* gang_shutdown: hold nothing more */
    size_t nans, cap_ans;
    struct gang_answer *ans;
    size_t nwake, cap_wake;
    struct gang_wake *wake;
    struct gang_stats st;       /* counters and histogram */
    struct plan_nodes pn;       /* the planner's sorted nodes */
    /* gang_next_deadline's answer, valid until the next entry point that
     * can change a gang (they all go through table_lock_dirty). */
    bool dl_valid;
    int64_t dl;
    const struct policy *dl_pol;
    int64_t dl_starve_s, dl_hold_s;
};

/* snprintf for messages, where truncation is acceptable (the text stays
 * the same for the same cause). */
static void msgf(char *dst, size_t cap, const char *fmt, ...) MU_PRINTF(3, 4);
static void msgf(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

/* ---- identity: labels and annotations ---- */

/* A positive decimal integer 1..max, digits only (R8: no strtol). */
static bool parse_pos(const char *s, int64_t max, int64_t *out)
{
    int64_t v = 0;

    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
        if (v > max)
            return false;
    }
    if (v < 1)
        return false;
    *out = v;
    return true;
}

/* Read one count annotation; a malformed one is reported in id->err (the
 * first such wins) and ignored. */
static void ident_ann(const struct pod *pod, const char *ann, int64_t max,
                      int64_t *out, const char **src, struct gang_ident *id)
{
    const char *v = labels_get(&pod->annotations, ann);

    if (!v || *out)
        return;
    if (parse_pos(v, max, out)) {
        if (src)
            *src = ann;
        return;
    }
    if (!id->err[0])
        msgf(id->err, sizeof(id->err), "gang %.100s: annotation %s \"%.20s\""
                 " is not a positive integer (1..%lld)", id->key, ann, v,
                 (long long)max);
}

/* Cheap pre-check: membership needs a label or an annotation. */
static bool pod_may_be_member(const struct pod *pod)
{
    return pod->labels.n > 0 || pod->annotations.n > 0;
}

int gang_ident_get(const struct pod *pod, struct gang_ident *id)
{
    const char *name;

    memset(id, 0, sizeof(*id));
    if (!pod_may_be_member(pod))
        return MU_ENOENT;
    name = labels_get(&pod->labels, GANG_LABEL);
    id->by_label = name && *name;
    if (!name || !*name)
        name = labels_get(&pod->annotations, GANG_VOLCANO_NAME);
    if (!name || !*name)
        name = labels_get(&pod->labels, GANG_KUEUE_NAME);
    if (!name || !*name)
        return MU_ENOENT;
    snprintf(id->key, sizeof(id->key), "%s/%s", pod->ns ? pod->ns : "default",
             name);
    ident_ann(pod, GANG_ANN_MIN, GANG_MIN_MAX, &id->min_member,
              &id->min_source, id);
    ident_ann(pod, GANG_ANN_TIMEOUT, GANG_TIMEOUT_MAX, &id->timeout_s, NULL,
              id);
    /* The other ecosystems' counts, below muster's own annotation. */
    ident_ann(pod, GANG_VOLCANO_MIN, GANG_MIN_MAX, &id->min_member,
              &id->min_source, id);
    ident_ann(pod, GANG_KUEUE_MIN, GANG_MIN_MAX, &id->min_member,
              &id->min_source, id);
    return MU_OK;
}

const int64_t *sched_ctx_usage(const struct sched_ctx *ctx,
                               const struct node_info *node,
                               int64_t *scratch)
{
    if (!ctx || !ctx->res)
        return node->used;
    return reserve_usage(ctx->res, node, ctx->exclude_own ? ctx->gang : NULL,
                         scratch);
}

void sched_ctx_usage_n(const struct sched_ctx *ctx,
                       const struct node_info *const *nodes, size_t n,
                       int64_t *scratch, const int64_t **out)
{
    if (!ctx || !ctx->res) {
        for (size_t i = 0; i < n; i++)
            out[i] = nodes[i]->used;
        return;
    }
    reserve_usage_n(ctx->res, nodes, n, ctx->exclude_own ? ctx->gang : NULL,
                    scratch, out);
}

/* ---- the table, gangs and members ---- */

struct gang_table *gang_table_new(void)
{
    struct gang_table *t = xcalloc(1, sizeof(*t));

    t->magic = GANG_TABLE_MAGIC;
    pthread_mutex_init(&t->mu, NULL);
    strmap_init(&t->gangs);
    strmap_init(&t->by_uid);
    t->res = reserve_new();
    return t;
}

static void member_fini(struct member *m)
{
    free(m->uid);
    free(m->ns);
    free(m->name);
    pod_free(m->copy);
    free(m->cnode);
    free(m->bnode);
    free(m->planned);
    free(m->bad);
    free(m->hold_node);
    free(m->hold_uid);
}

static void gang_free(struct gang *g)
{
    for (size_t i = 0; i < g->n; i++)
        member_fini(&g->m[i]);
    free(g->m);
    free(g->key);
    free(g);
}

void gang_table_free(struct gang_table *t)
{
    size_t it = 0;
    void *v;
    struct gang_out out;

    if (!t)
        return;
    MU_ASSERT(t->magic == GANG_TABLE_MAGIC);
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v))
        gang_free(v);
    strmap_fini(&t->gangs);
    strmap_fini(&t->by_uid);
    reserve_free(t->res);
    plan_nodes_fini(&t->pn);
    gang_drain(t, &out);
    gang_out_fini(&out);
    pthread_mutex_destroy(&t->mu);
    t->magic = 0;
    free(t);
}

const struct reserve *gang_reserve(const struct gang_table *t)
{
    return t->res;
}

/* Take the table's mutex for a call that may change gangs: the cached
 * next deadline is no longer known. */
static void table_lock_dirty(struct gang_table *t)
{
    pthread_mutex_lock(&t->mu);
    t->dl_valid = false;
}

/* Queue an Error answer for a held bind. */
static void answer_err(struct gang_table *t, void *ticket, const char *msg)
{
    struct gang_answer *a;

    t->ans = xgrow(t->ans, &t->cap_ans, t->nans + 1, sizeof(*t->ans));
    a = &t->ans[t->nans++];
    a->ticket = ticket;
    snprintf(a->err, sizeof(a->err), "%s", msg);
}

/* The queued wake-up of member m, added if there is none yet: a pod
 * woken for quorum and then for admission before the caller drained the
 * queue is patched once, with the latest state. */
static struct gang_wake *wake_slot(struct gang_table *t,
                                   const struct member *m)
{
    struct gang_wake *w;

    for (size_t i = 0; i < t->nwake; i++) {
        if (strcmp(t->wake[i].ns, m->ns) == 0 &&
            strcmp(t->wake[i].name, m->name) == 0)
            return &t->wake[i];
    }
    t->wake = xgrow(t->wake, &t->cap_wake, t->nwake + 1, sizeof(*t->wake));
    w = &t->wake[t->nwake++];
    w->ns = xstrdup(m->ns);
    w->name = xstrdup(m->name);
    return w;
}

/* Queue wake-up patches for every pending member but `skip` (a uid). */
static void wake_members(struct gang_table *t, const struct gang *g,
                         const char *what, const char *skip, int64_t now)
{
    for (size_t i = 0; i < g->n; i++) {
        const struct member *m = &g->m[i];
        struct gang_wake *w;

        if (m->terminal || m->cnode || m->bnode || m->releasing ||
            (skip && strcmp(m->uid, skip) == 0))
            continue;
        w = wake_slot(t, m);
        snprintf(w->value, sizeof(w->value), "%s@%lld", what, (long long)now);
    }
}

static struct gang *gang_get(struct gang_table *t, const char *key,
                             int64_t now)
{
    struct gang *g = strmap_get(&t->gangs, key, strlen(key));

    if (g)
        return g;
    g = xcalloc(1, sizeof(*g));
    g->key = xstrdup(key);
    g->state = GS_WAITING;
    g->first_ms = now;
    g->min_member = 1;
    strmap_put(&t->gangs, g->key, strlen(g->key), g);
    return g;
}

static struct member *member_find(struct gang *g, const char *uid)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->m[i].uid, uid) == 0)
            return &g->m[i];
    }
    return NULL;
}

/* Refresh a member's fields from its pod (cluster copy or request). */
static void member_update(struct member *m, const struct pod *pod,
                          const struct gang_ident *id)
{
    if (!m->ns || strcmp(m->ns, pod->ns) != 0) {
        free(m->ns);
        m->ns = xstrdup(pod->ns);
    }
    if (!m->name || strcmp(m->name, pod->name) != 0) {
        free(m->name);
        m->name = xstrdup(pod->name);
    }
    m->created = pod->created;
    m->terminal = pod->phase == PHASE_SUCCEEDED || pod->phase == PHASE_FAILED;
    m->ann_min = id->min_member;
    m->ann_timeout = id->timeout_s;
    m->ann_src = id->min_source;
    m->pg_named = id->by_label;
    FREE_NULL(m->bad);
    if (id->err[0])
        m->bad = xstrdup(id->err);
}

/* Release everything the gang holds: held binds answered with msg, the
 * reservation (plan or starvation hold) dropped; the gang goes to state
 * `to`. A gang whose bindings are being posted is left alone. */
static void gang_abort(struct gang_table *t, struct gang *g, const char *msg,
                       enum gang_state to)
{
    if (g->state == GS_BINDING)
        return;
    for (size_t i = 0; i < g->n; i++) {
        struct member *m = &g->m[i];

        if (m->ticket)
            answer_err(t, m->ticket, msg);
        m->ticket = NULL;
        FREE_NULL(m->planned);
    }
    reserve_release(t->res, g->key);
    if (t->starving == g)
        t->starving = NULL;
    g->starving = false;
    g->tried = false;
    g->domain[0] = '\0';
    g->state = to;
}

/* Remove member i (deleted, or moved to another gang). Deleting a planned
 * member of an admitted gang, or any member of the starving gang, releases
 * the gang's whole reservation. */
static void member_drop(struct gang_table *t, struct gang *g, size_t i,
                        const char *why)
{
    struct member *m = &g->m[i];
    char msg[FILTER_REASON_MAX];

    msgf(msg, sizeof(msg), "gang %s: member %s/%s %s; reservation "
             "released", g->key, m->ns ? m->ns : "", m->name ? m->name : "",
             why);
    if ((g->state == GS_ADMITTED && m->planned) || g->starving) {
        log_info("gang released", "gang=%s reason=\"%s\"", g->key, msg);
        gang_abort(t, g, msg, GS_WAITING);
        snprintf(g->reason, sizeof(g->reason), "%s", msg);
    }
    if (m->ticket && !m->releasing)
        answer_err(t, m->ticket, msg);
    if (strmap_get(&t->by_uid, m->uid, strlen(m->uid)) == g)
        strmap_del(&t->by_uid, m->uid, strlen(m->uid));
    member_fini(m);
    g->m[i] = g->m[--g->n];
    g->tried = false;
}

/* Find or add the member for pod (uid) in gang g; another gang holding
 * the uid (its group label changed) loses it. */
static struct member *member_get(struct gang_table *t, struct gang *g,
                                 const char *uid)
{
    struct gang *other = strmap_get(&t->by_uid, uid, strlen(uid));
    struct member *m;

    if (other == g && (m = member_find(g, uid)))
        return m;
    for (size_t i = 0; other && other != g && i < other->n; i++) {
        if (strcmp(other->m[i].uid, uid) == 0) {
            member_drop(t, other, i, "left the gang");
            break;
        }
    }
    g->m = xgrow(g->m, &g->cap, g->n + 1, sizeof(*g->m));
    m = &g->m[g->n++];
    memset(m, 0, sizeof(*m));
    m->uid = xstrdup(uid);
    strmap_put(&t->by_uid, m->uid, strlen(m->uid), g);
    g->tried = false;
    return m;
}

/* A pod's identity in the table: its uid, or "ns/name" when it has none
 * (hand-written snapshots). */
static const char *pod_id(const struct pod *p, char *buf, size_t cap)
{
    if (p->uid && p->uid[0])
        return p->uid;
    snprintf(buf, cap, "%s/%s", p->ns ? p->ns : "", p->name ? p->name : "");
    return buf;
}

/* The cluster's copy of a member's pod, or its own copy, or NULL. */
static const struct pod *member_pod(const struct cluster *c,
                                    const struct member *m)
{
    const struct pod *p = cluster_pod_get(c, m->uid, strlen(m->uid));

    if (!p && m->ns && m->name)
        p = cluster_pod_find(c, m->ns, m->name);
    return p ? p : m->copy;
}

/* ---- membership from the cluster ---- */

static void gang_gc(struct gang_table *t);

/* One cluster pod: find its gang (creating it on first sight) and bring
 * the member's fields up to date. The cluster's copy of the spec wins over
 * any copy kept from a call. */
static void scan_pod(struct gang_table *t, const struct pod *pod, int64_t now)
{
    struct gang_ident id;
    struct member *m;
    struct gang *g;
    char buf[GANG_KEY_MAX];

    /* Most pods are not gang members: no label or annotation at all. */
    if (!pod_may_be_member(pod) || gang_ident_get(pod, &id) != MU_OK)
        return;
    g = gang_get(t, id.key, now);
    m = member_get(t, g, pod_id(pod, buf, sizeof(buf)));
    member_update(m, pod, &id);
    m->in_cluster = m->ever_in_cluster = true;
    if (m->copy) {
        pod_free(m->copy);
        m->copy = NULL;
    }
    /* Unchanged on almost every scan: keep the copy we have. */
    if (m->cnode && pod->node_name && strcmp(m->cnode, pod->node_name) == 0)
        return;
    free(m->cnode);
    m->cnode = pod->node_name ? xstrdup(pod->node_name) : NULL;
}

/* Members gone from the cluster are deleted; members only ever seen in
 * calls are forgotten after GANG_SEEN_TTL_MS without one. */
static void scan_prune(struct gang_table *t, struct gang *g, int64_t now)
{
    for (size_t i = g->n; i-- > 0;) {
        const struct member *m = &g->m[i];

        if (m->in_cluster)
            continue;
        if (m->ever_in_cluster)
            member_drop(t, g, i, "was deleted");
        else if (now - m->seen_ms > GANG_SEEN_TTL_MS)
            member_drop(t, g, i, "was not seen for 10 minutes");
    }
}

/* Bring every gang's membership up to date with the cluster, once per
 * cluster generation: one pass over the pods serves every gang. */
static void gang_scan(struct gang_table *t, const struct cluster *c,
                      int64_t now)
{
    size_t it = 0;
    const struct pod *pod;
    void *v;

    if (t->scanned && t->scan_c == c && t->scan_gen == c->generation)
        return;
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v)) {
        struct gang *g = v;

        for (size_t i = 0; i < g->n; i++)
            g->m[i].in_cluster = false;
    }
    it = 0;
    while ((pod = cluster_pod_next(c, &it)))
        scan_pod(t, pod, now);
    it = 0;
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v))
        scan_prune(t, v, now);
    /* Gangs left without members go now, not at the next tick: the
     * simulator ticks only while gangs wait, and finished gangs must not
     * pile up over a long trace. */
    gang_gc(t);
    t->scanned = true;
    t->scan_c = c;
    t->scan_gen = c->generation;
}

/* A pod from a call: make sure it is a member, keeping a copy of its spec
 * while the cluster does not have it. RET the member. */
static struct member *gang_see(struct gang_table *t, const struct cluster *c,
                               struct gang *g, const struct pod *pod,
                               const struct gang_ident *id, int64_t now)
{
    char buf[GANG_KEY_MAX];
    const char *uid = pod_id(pod, buf, sizeof(buf));
    struct member *m = member_get(t, g, uid);

    m->seen_ms = now;
    if (m->in_cluster || cluster_pod_get(c, uid, strlen(uid)))
        return m;
    member_update(m, pod, id);
    if (!m->copy)
        m->copy = pod_dup(pod);
    return m;
}

/* ---- settings ---- */

/* The oldest member (creation time, then name) with annotation settings. */
static const struct member *oldest_annotated(const struct gang *g)
{
    const struct member *best = NULL;

    for (size_t i = 0; i < g->n; i++) {
        const struct member *m = &g->m[i];

        if (!m->ann_min && !m->ann_timeout)
            continue;
        if (!best || m->created < best->created ||
            (m->created == best->created && m->name && best->name &&
             strcmp(m->name, best->name) < 0))
            best = m;
    }
    return best;
}

/* Log, once per gang, settings that disagree. */
static void settings_conflict(struct gang *g, const struct podgroup *pg,
                              const struct member *ref)
{
    for (size_t i = 0; i < g->n && !g->conflict_logged; i++) {
        const struct member *m = &g->m[i];
        int64_t want = pg ? pg->min_member : ref ? ref->ann_min : 0;

        if (!m->ann_min || !want || m->ann_min == want)
            continue;
        log_warn("gang settings conflict",
                 "gang=%s pod=%s/%s annotation=%s value=%lld used=%lld "
                 "from=%s", g->key, m->ns, m->name, m->ann_src,
                 (long long)m->ann_min, (long long)want,
                 pg ? "PodGroup" : "oldest member");
        g->conflict_logged = true;
    }
}

/* minMember and timeout: PodGroup, else annotations, else 1 and the
 * policy's default timeout; but a gang named by GANG_LABEL waits for its
 * PodGroup for GANG_PODGROUP_GRACE_MS first (g->unsized). */
static void gang_settings(struct gang *g, const struct cluster *c,
                          const struct policy *pol, int64_t now)
{
    const struct podgroup *pg = cluster_podgroup_get(c, g->key,
                                                     strlen(g->key));
    const struct member *ref = oldest_annotated(g);
    int64_t before = g->min_member;
    bool was_unsized = g->unsized, pg_named = false;

    g->min_member = pg ? pg->min_member
                    : ref && ref->ann_min ? ref->ann_min
                                          : 1;
    g->timeout_s = pg && pg->timeout_s ? pg->timeout_s
                   : ref && ref->ann_timeout ? ref->ann_timeout
                                             : pol->gang.default_timeout_s;
    for (size_t i = 0; i < g->n && !pg_named; i++)
        pg_named = g->m[i].pg_named;
    g->unsized = !pg && !(ref && ref->ann_min) && pg_named &&
                 now - g->first_ms < GANG_PODGROUP_GRACE_MS;
    settings_conflict(g, pg, ref);
    if (g->min_member != before || g->unsized != was_unsized)
        g->tried = false;
    if (was_unsized && !g->unsized && !pg && !(ref && ref->ann_min))
        g->grace_ended = true;
}

/* ---- counting ---- */

struct gang_count {
    size_t exist;      /* non-terminal members */
    size_t bound;      /* of which bound */
    size_t planned;    /* members with a planned node, not bound */
    size_t held;       /* of which holding a bind at the planned node */
    size_t tickets;    /* held binds, planned or not */
};

static bool member_bound(const struct member *m)
{
    return m->cnode || m->bnode;
}

static struct gang_count gang_count(const struct gang *g)
{
    struct gang_count n = {0};

    for (size_t i = 0; i < g->n; i++) {
        const struct member *m = &g->m[i];

        if (m->terminal)
            continue;
        n.exist++;
        if (member_bound(m)) {
            n.bound++;
            continue;
        }
        if (m->ticket)
            n.tickets++;
        if (m->planned) {
            n.planned++;
            n.held += m->ticket != NULL;
        }
    }
    return n;
}

static void gang_reason(struct gang *g, const char *fmt, ...) MU_PRINTF(2, 3);
static void gang_reason(struct gang *g, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(g->reason, sizeof(g->reason), "gang %.100s (minMember "
                     "%lld): ", g->key, (long long)g->min_member);

    if (n < 0 || (size_t)n >= sizeof(g->reason))
        return;
    va_start(ap, fmt);
    vsnprintf(g->reason + n, sizeof(g->reason) - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ---- admission ---- */

static int member_order(const void *a, const void *b)
{
    const struct member *x = *(const struct member *const *)a;
    const struct member *y = *(const struct member *const *)b;

    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/* Members to plan for: pending (non-terminal, unbound, well-formed, with
 * a known spec), the calling pod first, then oldest first. RET count. */
static size_t pick_pending(const struct cluster *c, struct gang *g,
                           const char *first, struct member **out)
{
    size_t n = 0, lead = 0;

    for (size_t i = 0; i < g->n; i++) {
        struct member *m = &g->m[i];

        if (m->terminal || member_bound(m) || m->bad || !member_pod(c, m))
            continue;
        out[n++] = m;
    }
    for (size_t i = 0; first && i < n; i++) {
        if (strcmp(out[i]->uid, first) == 0) {
            struct member *tmp = out[0];

            out[0] = out[i];
            out[i] = tmp;
            lead = 1;
            break;
        }
    }
    if (n > lead)
        qsort(out + lead, n - lead, sizeof(*out), member_order);
    return n;
}

static void wait_observe(struct gang_table *t, double s)
{
    t->st.wait_count++;
    t->st.wait_sum_s += s;
    for (size_t b = 0; b < GANG_WAIT_BUCKETS; b++) {
        if (s <= gang_wait_bounds[b])
            t->st.wait_bucket[b]++;
    }
}

/* A full plan: reserve it and admit the gang. */
static void gang_admit(struct gang_table *t, struct gang *g,
                       struct member **sel, const struct pod **pods,
                       const struct plan_out *po, const char *first,
                       int64_t now)
{
    reserve_release(t->res, g->key);   /* a starvation hold, if any */
    if (t->starving == g)
        t->starving = NULL;
    g->starving = false;
    for (size_t i = 0; i < po->placed; i++) {
        reserve_add(t->res, g->key, po->nodes[i]->name, pods[i]->req,
                    pods[i]->nreq);
        free(sel[i]->planned);
        sel[i]->planned = xstrdup(po->nodes[i]->name);
    }
    g->state = GS_ADMITTED;
    g->admitted_ms = now;
    g->admitted_min = g->min_member;
    g->tried = false;
    g->has_why = false;
    snprintf(g->domain, sizeof(g->domain), "%s", po->domain);
    t->st.admitted_total++;
    wait_observe(t, g->quorum_ms ? (double)(now - g->quorum_ms) / 1000 : 0);
    wake_members(t, g, "admitted", first, now);
    log_info("gang admitted", "gang=%s pods=%zu domain=\"%s\"", g->key,
             po->placed, po->domain[0] ? po->domain : "spread");
}

/* Has the gang waited (with quorum) past starvationSeconds, with no other
 * gang holding capacity already? */
static bool starve_due(const struct gang_table *t, const struct policy *pol,
                       const struct gang *g, int64_t now)
{
    return g->quorum_ms && now - g->quorum_ms >= pol->gang.starvation_s * 1000 &&
           (!t->starving || t->starving == g);
}

/* No full plan. A gang starving for longer than the policy allows holds
 * what it could place, so a stream of small pods cannot take it all. */
static void gang_refuse(struct gang_table *t, const struct policy *pol,
                        struct gang *g, const struct pod **pods,
                        const struct plan_out *po, int64_t now)
{
    char why[FILTER_REASON_MAX];
    bool starve = starve_due(t, pol, g, now);

    g->why = po->why;
    g->has_why = true;
    plan_why_format(&po->why, why, sizeof(why));
    gang_reason(g, "%s%s", why, starve ? "; holding capacity" : "");
    if (!starve)
        return;
    if (!g->starving)
        log_info("gang starving", "gang=%s waited_s=%lld placed=%zu",
                 g->key, (long long)((now - g->quorum_ms) / 1000),
                 po->placed);
    reserve_release(t->res, g->key);
    for (size_t i = 0; i < po->why.wanted; i++) {
        if (po->nodes[i])
            reserve_add(t->res, g->key, po->nodes[i]->name, pods[i]->req,
                        pods[i]->nreq);
    }
    t->starving = g;
    g->starving = true;
}

/* Plan the gang's missing pods and admit it if they all fit. The plan is
 * for exactly `need` pods: the calling pod first (it is the one
 * kube-scheduler is placing now), then the oldest; the others become
 * extras, or take over a slot later (claim_slot). Skipped when
 * nothing changed since the last failed attempt (same cluster and
 * reservation generations, same members). RET true when admitted. */
static bool gang_try_admit(struct gang_table *t, const struct cluster *c,
                           const struct policy *pol, struct gang *g,
                           const char *first, int64_t now)
{
    struct gang_count cnt = gang_count(g);
    size_t need = (size_t)(g->min_member - (int64_t)cnt.bound), n;
    struct member **sel = NULL;
    const struct pod **pods = NULL;
    struct plan_out po = {0};
    struct plan_req rq;
    int rc;

    if (g->tried && g->tried_cgen == c->generation &&
        g->tried_rgen == reserve_generation(t->res) &&
        (g->starving || !starve_due(t, pol, g, now)))
        return false;
    sel = xcalloc(g->n + 1, sizeof(*sel));
    n = pick_pending(c, g, first, sel);
    if (n < need) {
        gang_reason(g, "%zu of %zu pending pods can be planned (the others "
                    "have malformed annotations)", n, need);
        goto out;
    }
    pods = xcalloc(need, sizeof(*pods));
    for (size_t i = 0; i < need; i++)
        pods[i] = member_pod(c, sel[i]);
    po.nodes = xcalloc(need, sizeof(*po.nodes));
    rq = (struct plan_req){.pol = pol, .c = c, .res = t->res,
                           .gang = g->key, .pods = pods, .npods = need,
                           .topo_keys = pol->gang.topo_keys,
                           .nkeys = pol->gang.ntopo_keys, .cache = &t->pn};
    rc = plan_run(&rq, &po);
    if (rc)
        gang_reason(g, "planning failed: %s", mu_strerror(rc));
    else if (po.placed == need)
        gang_admit(t, g, sel, pods, &po, first, now);
    else
        gang_refuse(t, pol, g, pods, &po, now);
out:
    if (g->state != GS_ADMITTED) {
        g->tried = true;
        g->tried_cgen = c->generation;
        g->tried_rgen = reserve_generation(t->res);
    }
    free(po.nodes);
    free(pods);
    free(sel);
    return g->state == GS_ADMITTED;
}

/* ---- the state machine ---- */

/* The gang did not complete in time: nothing it holds may be kept, or two
 * half-assembled gangs could block each other for good (semantic 7). Its
 * filters fail fast for the backoff period, so kube-scheduler stops
 * re-trying members that cannot be placed yet; the tick ends the backoff
 * and wakes them. */
static void gang_timeout(struct gang_table *t, const struct policy *pol,
                         struct gang *g, int64_t now)
{
    struct gang_count cnt = gang_count(g);
    char msg[FILTER_REASON_MAX];

    msgf(msg, sizeof(msg), "gang %.100s (minMember %lld): timed out "
             "after %llds with %zu of %zu pods at bind; backing off %llds",
             g->key, (long long)g->min_member, (long long)g->timeout_s,
             cnt.held, cnt.planned, (long long)pol->gang.backoff_s);
    log_warn("gang timed out", "gang=%s held=%zu planned=%zu", g->key,
             cnt.held, cnt.planned);
    gang_abort(t, g, msg, GS_BACKOFF);
    snprintf(g->reason, sizeof(g->reason), "%s", msg);
    g->backoff_until = now + pol->gang.backoff_s * 1000;
    g->had_quorum = false;
    t->st.timed_out_total++;
}

/* A gang named by GANG_LABEL with no PodGroup in the cache and no count
 * annotation places nothing for GANG_PODGROUP_GRACE_MS: the PodGroup is
 * usually created just before its pods, but comes by another watch (or
 * with a CRD muster has not found yet), and reading the gang as minMember
 * 1 meanwhile would bind it pod by pod, partly. After the grace it is
 * what the annotations say (an ordinary pod, if nothing), and its parked
 * pods are woken (g->grace_ended). A gang already bound stays bound. */
static void gang_unsized(struct gang_table *t, struct gang *g,
                         const struct gang_count *cnt)
{
    msgf(g->reason, sizeof(g->reason), "gang %.100s: minMember unknown: no "
         "PodGroup %.100s (yet) and no %s annotation; waiting %ds for it",
         g->key, g->key, GANG_ANN_MIN, GANG_PODGROUP_GRACE_MS / 1000);
    if (g->state == GS_DONE && cnt->bound > 0)
        return;
    if (g->state == GS_ADMITTED || g->starving) {
        log_info("gang released", "gang=%s reason=\"%s\"", g->key,
                 g->reason);
        gang_abort(t, g, g->reason, GS_WAITING);
    }
    g->state = GS_WAITING;
    g->had_quorum = false;
    g->has_why = false;
}

/* Settings that changed under an admitted gang invalidate its plan; a
 * gang that is (now) bound or ordinary holds nothing. RET true when the
 * gang needs no further stepping. */
static bool gang_recheck(struct gang_table *t, struct gang *g,
                         const struct gang_count *cnt)
{
    char msg[FILTER_REASON_MAX];

    if (g->state == GS_BINDING)
        return true;
    if (g->unsized) {
        gang_unsized(t, g, cnt);
        return true;
    }
    if (g->state == GS_ADMITTED && g->admitted_min != g->min_member) {
        msgf(msg, sizeof(msg), "gang %.100s: minMember changed from "
                 "%lld to %lld; plan released", g->key,
                 (long long)g->admitted_min, (long long)g->min_member);
        log_info("gang replanned", "gang=%s reason=\"%s\"", g->key, msg);
        gang_abort(t, g, msg, GS_WAITING);
    }
    if (g->min_member <= 1 || (int64_t)cnt->bound >= g->min_member) {
        msgf(msg, sizeof(msg), "gang %.100s is already bound; retry",
                 g->key);
        gang_abort(t, g, msg, GS_DONE);
        return true;
    }
    if (g->state == GS_DONE) {
        /* Members finished or were recreated: a new round needs quorum. */
        if (cnt->exist <= cnt->bound)
            return true;
        g->state = GS_WAITING;
        g->had_quorum = false;
    }
    return false;
}

/* Advance one gang at time now: timeouts, backoff, quorum and (when
 * `admit`) admission. `first`: the calling pod's member id, or NULL.
 * Filter calls admit (the pod is being placed now); binds never do (a bind
 * for a gang that is not admitted is refused); the tick admits waiting
 * gangs oldest first after stepping every gang, so capacity that frees up
 * goes to the gang that has waited longest, not to whichever member
 * kube-scheduler happens to retry first. */
static void gang_step(struct gang_table *t, const struct cluster *c,
                      const struct policy *pol, struct gang *g,
                      const char *first, int64_t now, bool admit)
{
    struct gang_count cnt = gang_count(g);

    if (g->grace_ended) {
        g->grace_ended = false;
        wake_members(t, g, "no-podgroup", first, now);
    }
    if (gang_recheck(t, g, &cnt))
        return;
    if (g->state == GS_BACKOFF) {
        if (now < g->backoff_until)
            return;
        g->state = GS_WAITING;
    }
    if (g->state == GS_ADMITTED) {
        if (now - g->admitted_ms >= g->timeout_s * 1000)
            gang_timeout(t, pol, g, now);
        return;
    }
    if ((int64_t)cnt.exist < g->min_member) {
        gang_reason(g, "%zu of %lld pods exist", cnt.exist,
                    (long long)g->min_member);
        g->had_quorum = false;
        g->has_why = false;
        if (g->starving)
            gang_abort(t, g, g->reason, GS_WAITING);
        return;
    }
    if (!g->had_quorum) {
        g->had_quorum = true;
        g->quorum_ms = now;
        gang_reason(g, "%zu of %lld pods exist; planning", cnt.exist,
                    (long long)g->min_member);
        if (admit && gang_try_admit(t, c, pol, g, first, now))
            return;
        /* Siblings parked by kube-scheduler retry now (gang.h). */
        wake_members(t, g, "quorum", first, now);
        return;
    }
    if (admit)
        gang_try_admit(t, c, pol, g, first, now);
}

/* Held binds past the policy's cap are answered (the pod retries; its
 * plan stays) so no call outlives kube-scheduler's httpTimeout. */
static void gang_hold_caps(struct gang_table *t, const struct policy *pol,
                           struct gang *g, int64_t now)
{
    struct gang_count cnt = gang_count(g);
    char msg[FILTER_REASON_MAX];

    for (size_t i = 0; i < g->n; i++) {
        struct member *m = &g->m[i];

        if (!m->ticket || m->releasing ||
            now - m->held_ms < pol->gang.max_hold_s * 1000)
            continue;
        msgf(msg, sizeof(msg), "gang %.100s (minMember %lld): %zu of %zu"
                 " pods at bind after %llds; retry", g->key,
                 (long long)g->min_member, cnt.held, cnt.planned,
                 (long long)pol->gang.max_hold_s);
        answer_err(t, m->ticket, msg);
        m->ticket = NULL;
    }
}

/* ---- the per-call context ---- */

static void ctx_init(struct sched_ctx *ctx, struct gang_table *t,
                     const struct policy *pol, int64_t now)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->decision = GANG_NONE;
    ctx->now_ms = now;
    ctx->res = t->res;
    ctx->topo_keys = pol->gang.topo_keys;
    ctx->ntopo_keys = pol->gang.ntopo_keys;
}

/* Nodes the gang's members are bound or planned on (distinct, capped). */
static void ctx_anchors(struct sched_ctx *ctx, const struct cluster *c,
                        const struct gang *g)
{
    for (size_t i = 0; i < g->n && ctx->nanchors < GANG_CTX_ANCHORS; i++) {
        const struct member *m = &g->m[i];
        const char *name = m->cnode ? m->cnode : m->bnode ? m->bnode
                                                          : m->planned;
        const struct node_info *n;
        bool dup = false;

        if (m->terminal || !name)
            continue;
        n = cluster_node_get(c, name, strlen(name));
        for (size_t j = 0; n && j < ctx->nanchors && !dup; j++)
            dup = ctx->anchors[j] == n;
        if (n && !dup)
            ctx->anchors[ctx->nanchors++] = n;
    }
}

static void ctx_decide(struct sched_ctx *ctx, const struct gang *g,
                       const struct member *m)
{
    if (m && m->bad) {
        ctx->decision = GANG_REJECT;
        snprintf(ctx->reason, sizeof(ctx->reason), "%s", m->bad);
        return;
    }
    switch (g->state) {
    case GS_DONE:
        ctx->decision = GANG_NONE;
        return;
    case GS_WAITING:
    case GS_BACKOFF:
        ctx->decision = GANG_REJECT;
        snprintf(ctx->reason, sizeof(ctx->reason), "%s", g->reason);
        return;
    case GS_ADMITTED:
    case GS_BINDING:
        break;
    }
    if (m && m->planned && !member_bound(m)) {
        ctx->decision = GANG_PLANNED;
        ctx->exclude_own = true;
        snprintf(ctx->node, sizeof(ctx->node), "%s", m->planned);
    } else {
        ctx->decision = GANG_EXTRA;
    }
}

static bool same_requests(const struct pod *a, const struct pod *b)
{
    if (!a || !b || a->nreq != b->nreq)
        return false;
    for (uint32_t i = 0; i < a->nreq; i++) {
        if (a->req[i].id != b->req[i].id || a->req[i].v != b->req[i].v)
            return false;
    }
    return true;
}

/* Plan slots go to whoever kube-scheduler brings first: an unplanned
 * member of an admitted gang takes over the planned node of a member with
 * the same requests that has not reached bind yet (the reservation fits
 * either). Without this, a gang whose planned pods sit behind their
 * siblings in kube-scheduler's queue would time out. */
static void claim_slot(const struct cluster *c, struct gang *g,
                       struct member *m)
{
    const struct pod *mine = member_pod(c, m);

    if (g->state != GS_ADMITTED || m->planned || member_bound(m) ||
        m->terminal || m->ticket)
        return;
    for (size_t i = 0; i < g->n; i++) {
        struct member *o = &g->m[i];

        if (!o->planned || o->ticket || o->releasing || member_bound(o) ||
            !same_requests(mine, member_pod(c, o)))
            continue;
        m->planned = o->planned;
        o->planned = NULL;
        return;
    }
}

/* Filter and prioritize share this: identify, update, decide. */
static int gang_ctx(struct gang_table *t, const struct cluster *c,
                    const struct policy *pol, const struct pod *pod,
                    int64_t now, struct sched_ctx *ctx, bool admit)
{
    struct gang_ident id;
    struct member *m;
    struct gang *g;
    char uid[GANG_KEY_MAX];

    ctx_init(ctx, t, pol, now);
    if (gang_ident_get(pod, &id) != MU_OK)
        return MU_OK;
    snprintf(ctx->gang, sizeof(ctx->gang), "%s", id.key);
    table_lock_dirty(t);
    gang_scan(t, c, now);
    g = gang_get(t, id.key, now);
    m = gang_see(t, c, g, pod, &id, now);
    snprintf(uid, sizeof(uid), "%s", m->uid);
    gang_settings(g, c, pol, now);
    if (!m->bad)
        gang_step(t, c, pol, g, uid, now, admit);
    m = member_find(g, uid);
    if (m && admit)
        claim_slot(c, g, m);
    if (g->min_member > 1 || g->unsized || (m && m->bad))
        ctx_decide(ctx, g, m);
    ctx->podgroup_missing = g->unsized;
    ctx_anchors(ctx, c, g);
    pthread_mutex_unlock(&t->mu);
    return MU_OK;
}

int gang_filter_ctx(struct gang_table *t, const struct cluster *c,
                    const struct policy *pol, const struct pod *pod,
                    int64_t now_ms, struct sched_ctx *ctx)
{
    return gang_ctx(t, c, pol, pod, now_ms, ctx, true);
}

void gang_score_ctx(struct gang_table *t, const struct cluster *c,
                    const struct policy *pol, const struct pod *pod,
                    int64_t now_ms, struct sched_ctx *ctx)
{
    gang_ctx(t, c, pol, pod, now_ms, ctx, false);
}

/* ---- binds ---- */

void gang_release_fini(struct gang_release *rel)
{
    for (size_t i = 0; i < rel->n; i++) {
        free(rel->b[i].ns);
        free(rel->b[i].name);
        free(rel->b[i].uid);
        free(rel->b[i].node);
    }
    FREE_NULL(rel->b);
    rel->n = 0;
}

/* Every planned member is at bind: hand all held binds over to be posted
 * (extras held alongside go too, so nothing is bound before the gang). */
static void gang_release(struct gang *g, struct gang_release *rel)
{
    size_t n = 0;

    snprintf(rel->gang, sizeof(rel->gang), "%s", g->key);
    for (size_t i = 0; i < g->n; i++)
        n += g->m[i].ticket != NULL;
    rel->b = xcalloc(n ? n : 1, sizeof(*rel->b));
    for (size_t i = 0; i < g->n; i++) {
        struct member *m = &g->m[i];
        struct gang_binding *b;

        if (!m->ticket)
            continue;
        b = &rel->b[rel->n++];
        b->ticket = m->ticket;
        b->ns = xstrdup(m->ns);
        b->name = xstrdup(m->name);
        b->uid = xstrdup(m->hold_uid);
        b->node = xstrdup(m->hold_node);
        m->ticket = NULL;
        m->releasing = true;
    }
    g->releasing = rel->n;
    g->state = GS_BINDING;
    log_info("gang binding", "gang=%s pods=%zu", g->key, rel->n);
}

/* The member a /bind is for: by uid, else by namespace/name. */
static struct gang *bind_lookup(struct gang_table *t, const char *ns,
                                const char *name, const char *uid,
                                char *id, size_t cap)
{
    struct gang *g = strmap_get(&t->by_uid, uid, strlen(uid));

    snprintf(id, cap, "%s", uid);
    if (g)
        return g;
    snprintf(id, cap, "%s/%s", ns, name);
    return strmap_get(&t->by_uid, id, strlen(id));
}

/* Hold the bind of member m of an admitted gang; release when complete. */
static enum gang_bind_verdict bind_hold(struct gang_table *t, struct gang *g,
                                        struct member *m, const char *uid,
                                        const char *node, void *ticket,
                                        int64_t now, struct gang_release *rel,
                                        char *err, size_t errlen)
{
    struct gang_count cnt;

    if (m->planned && strcmp(node, m->planned) != 0) {
        msgf(err, errlen, "gang %.100s: pod %s/%s is planned on node %s, "
             "not %s", g->key, m->ns, m->name, m->planned, node);
        return GANG_BIND_REJECT;
    }
    if (m->ticket)
        answer_err(t, m->ticket, "superseded by a newer bind of the pod");
    m->ticket = ticket;
    m->held_ms = now;
    free(m->hold_node);
    m->hold_node = xstrdup(node);
    free(m->hold_uid);
    m->hold_uid = xstrdup(uid);
    cnt = gang_count(g);
    if (cnt.held < cnt.planned)
        return GANG_BIND_HOLD;
    gang_release(g, rel);
    return GANG_BIND_RELEASE;
}

static enum gang_bind_verdict bind_decide(struct gang_table *t,
                                          struct gang *g, struct member *m,
                                          const char *uid, const char *node,
                                          void *ticket, int64_t now,
                                          struct gang_release *rel,
                                          char *err, size_t errlen)
{
    if (m->bad) {
        msgf(err, errlen, "%s", m->bad);
        return GANG_BIND_REJECT;
    }
    if (g->min_member <= 1 && !g->unsized)
        return GANG_BIND_PASS;
    if (t->closing && g->state == GS_ADMITTED) {
        msgf(err, errlen, "gang %.100s: muster is shutting down; retry",
             g->key);
        return GANG_BIND_REJECT;
    }
    switch (g->state) {
    case GS_DONE:
        return GANG_BIND_PASS;
    case GS_BINDING:
        if (!m->releasing)
            return GANG_BIND_PASS;
        msgf(err, errlen, "gang %.100s: pod %s/%s is already being bound",
             g->key, m->ns, m->name);
        return GANG_BIND_REJECT;
    case GS_WAITING:
    case GS_BACKOFF:
        msgf(err, errlen, "%s", g->reason);
        return GANG_BIND_REJECT;
    case GS_ADMITTED:
        break;
    }
    return bind_hold(t, g, m, uid, node, ticket, now, rel, err, errlen);
}

enum gang_bind_verdict gang_bind(struct gang_table *t,
                                 const struct cluster *c,
                                 const struct policy *pol, const char *ns,
                                 const char *name, const char *uid,
                                 const char *node, void *ticket,
                                 int64_t now_ms, struct gang_release *rel,
                                 char *err, size_t errlen)
{
    enum gang_bind_verdict v = GANG_BIND_PASS;
    char id[GANG_KEY_MAX];
    struct member *m;
    struct gang *g;

    memset(rel, 0, sizeof(*rel));
    if (errlen)
        err[0] = '\0';
    table_lock_dirty(t);
    gang_scan(t, c, now_ms);
    g = bind_lookup(t, ns, name, uid, id, sizeof(id));
    if (!g)
        goto out;
    gang_settings(g, c, pol, now_ms);
    gang_step(t, c, pol, g, id, now_ms, false);
    m = member_find(g, id);
    if (m)
        v = bind_decide(t, g, m, uid, node, ticket, now_ms, rel, err, errlen);
out:
    pthread_mutex_unlock(&t->mu);
    return v;
}

/* The reservation is kept until every binding is reported: until then
 * the bound pods may not yet count as used in the cluster (the service
 * adds them as assumed pods right after each POST), and releasing early
 * would let another pod be placed on the same capacity.
 *
 * All bindings of a release reported: the reservation goes (the bound
 * pods now count as used in the cluster) and the gang is done, or waits
 * for the pods whose binding failed. */
static void gang_released(struct gang_table *t, struct gang *g)
{
    struct gang_count cnt;

    for (size_t i = 0; i < g->n; i++)
        FREE_NULL(g->m[i].planned);
    reserve_release(t->res, g->key);
    cnt = gang_count(g);
    if ((int64_t)cnt.bound >= g->min_member) {
        g->state = GS_DONE;
        t->st.completed_total++;
        log_info("gang bound", "gang=%s bound=%zu", g->key, cnt.bound);
        return;
    }
    g->state = GS_WAITING;
    g->had_quorum = false;
    g->tried = false;
    log_warn("gang partly bound", "gang=%s bound=%zu minMember=%lld", g->key,
             cnt.bound, (long long)g->min_member);
}

void gang_bind_result(struct gang_table *t, const char *gang,
                      const char *uid, const char *node, bool ok,
                      int64_t now_ms)
{
    struct gang *g;

    MU_UNUSED(now_ms);
    table_lock_dirty(t);
    g = strmap_get(&t->gangs, gang, strlen(gang));
    for (size_t i = 0; g && i < g->n; i++) {
        struct member *m = &g->m[i];

        if (!m->releasing || !m->hold_uid || strcmp(m->hold_uid, uid) != 0)
            continue;
        m->releasing = false;
        if (ok) {
            free(m->bnode);
            m->bnode = xstrdup(node);
        }
        if (g->releasing > 0 && --g->releasing == 0 &&
            g->state == GS_BINDING)
            gang_released(t, g);
        break;
    }
    pthread_mutex_unlock(&t->mu);
}

/* ---- time ---- */

static int gang_age_order(const void *a, const void *b)
{
    const struct gang *x = *(struct gang *const *)a;
    const struct gang *y = *(struct gang *const *)b;

    if (x->quorum_ms != y->quorum_ms)
        return x->quorum_ms < y->quorum_ms ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Gangs with no members left are forgotten. */
static void gang_gc(struct gang_table *t)
{
    size_t it = 0;
    void *v;

    while (strmap_next(&t->gangs, &it, NULL, NULL, &v)) {
        struct gang *g = v;

        if (g->n > 0 || g->state == GS_BINDING)
            continue;
        gang_abort(t, g, "gang deleted", GS_WAITING);
        strmap_del(&t->gangs, g->key, strlen(g->key));
        gang_free(g);
    }
}

void gang_tick(struct gang_table *t, const struct cluster *c,
               const struct policy *pol, int64_t now_ms)
{
    struct gang **ready;
    size_t it = 0, n = 0;
    void *v;

    table_lock_dirty(t);
    gang_scan(t, c, now_ms);
    gang_gc(t);
    ready = xcalloc(strmap_len(&t->gangs) + 1, sizeof(*ready));
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v)) {
        struct gang *g = v;

        gang_settings(g, c, pol, now_ms);
        gang_hold_caps(t, pol, g, now_ms);
        gang_step(t, c, pol, g, NULL, now_ms, false);
        if (g->state == GS_WAITING && g->had_quorum)
            ready[n++] = g;
    }
    /* Capacity that appeared goes to the gang that has waited longest. */
    qsort(ready, n, sizeof(*ready), gang_age_order);
    for (size_t i = 0; i < n; i++)
        gang_try_admit(t, c, pol, ready[i], NULL, now_ms);
    free(ready);
    pthread_mutex_unlock(&t->mu);
}

static int64_t deadline_of(const struct gang_table *t,
                           const struct policy *pol, const struct gang *g)
{
    int64_t d = INT64_MAX;

    if (g->state == GS_ADMITTED)
        d = g->admitted_ms + g->timeout_s * 1000;
    else if (g->state == GS_BACKOFF)
        d = g->backoff_until;
    else if (g->state == GS_WAITING && g->had_quorum && !t->starving)
        d = g->quorum_ms + pol->gang.starvation_s * 1000;
    if (g->unsized)
        d = MU_MIN(d, g->first_ms + GANG_PODGROUP_GRACE_MS);
    for (size_t i = 0; i < g->n; i++) {
        if (g->m[i].ticket && !g->m[i].releasing)
            d = MU_MIN(d, g->m[i].held_ms + pol->gang.max_hold_s * 1000);
    }
    return d;
}

int64_t gang_next_deadline(struct gang_table *t, const struct policy *pol)
{
    int64_t d = INT64_MAX;
    size_t it = 0;
    void *v;

    pthread_mutex_lock(&t->mu);
    if (t->dl_valid && t->dl_pol == pol &&
        t->dl_starve_s == pol->gang.starvation_s &&
        t->dl_hold_s == pol->gang.max_hold_s) {
        d = t->dl;
        goto out;
    }
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v))
        d = MU_MIN(d, deadline_of(t, pol, v));
    t->dl_valid = true;
    t->dl = d;
    t->dl_pol = pol;
    t->dl_starve_s = pol->gang.starvation_s;
    t->dl_hold_s = pol->gang.max_hold_s;
out:
    pthread_mutex_unlock(&t->mu);
    return d;
}

void gang_shutdown(struct gang_table *t)
{
    size_t it = 0;
    void *v;

    table_lock_dirty(t);
    t->closing = true;
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v)) {
        struct gang *g = v;

        for (size_t i = 0; i < g->n; i++) {
            struct member *m = &g->m[i];

            if (m->ticket && !m->releasing)
                answer_err(t, m->ticket, "muster is shutting down; retry");
            if (!m->releasing)
                m->ticket = NULL;
        }
    }
    pthread_mutex_unlock(&t->mu);
}

void gang_step_down(struct gang_table *t, const char *msg)
{
    size_t it = 0;
    void *v;

    table_lock_dirty(t);
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v)) {
        struct gang *g = v;

        if (g->state == GS_BINDING || g->state == GS_DONE)
            continue;
        if (g->state == GS_ADMITTED) {
            log_info("gang released", "gang=%s reason=\"%s\"", g->key, msg);
            snprintf(g->reason, sizeof(g->reason), "%s", msg);
            g->had_quorum = false;
        }
        gang_abort(t, g, msg, g->state == GS_ADMITTED ? GS_WAITING
                                                       : g->state);
    }
    pthread_mutex_unlock(&t->mu);
}

/* ---- output queues ---- */

void gang_drain(struct gang_table *t, struct gang_out *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&t->mu);
    out->answers = t->ans;
    out->nanswers = t->nans;
    out->wakes = t->wake;
    out->nwakes = t->nwake;
    t->ans = NULL;
    t->nans = t->cap_ans = 0;
    t->wake = NULL;
    t->nwake = t->cap_wake = 0;
    pthread_mutex_unlock(&t->mu);
}

void gang_out_fini(struct gang_out *out)
{
    for (size_t i = 0; i < out->nwakes; i++) {
        free(out->wakes[i].ns);
        free(out->wakes[i].name);
    }
    FREE_NULL(out->wakes);
    FREE_NULL(out->answers);
    out->nwakes = out->nanswers = 0;
}

/* ---- observability ---- */

void gang_stats_get(struct gang_table *t, struct gang_stats *out)
{
    size_t it = 0;
    void *v;

    pthread_mutex_lock(&t->mu);
    *out = t->st;
    out->waiting = out->admitted = out->binding = out->done = 0;
    out->backoff = out->held = 0;
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v)) {
        const struct gang *g = v;
        uint64_t *gauge[] = {&out->waiting, &out->admitted, &out->binding,
                             &out->done, &out->backoff};

        if (g->min_member <= 1 && !g->unsized)
            continue;
        (*gauge[g->state])++;
        for (size_t i = 0; i < g->n; i++)
            out->held += g->m[i].ticket != NULL;
    }
    reserve_totals(t->res, out->reserved);
    pthread_mutex_unlock(&t->mu);
}

static int gang_key_order(const void *a, const void *b)
{
    return strcmp((*(struct gang *const *)a)->key,
                  (*(struct gang *const *)b)->key);
}

static int json_member(struct buf *b, const struct member *m, bool comma)
{
    const char *node = m->cnode ? m->cnode : m->bnode;
    int rc = buf_printf(b, "%s{\"name\":", comma ? "," : "");

    rc = rc ? rc : buf_add_jstrz(b, m->name ? m->name : "");
    rc = rc ? rc : buf_adds(b, ",\"uid\":");
    rc = rc ? rc : buf_add_jstrz(b, m->uid);
    rc = rc ? rc : buf_printf(b, ",\"phase\":\"%s\"",
                              m->terminal ? "terminal"
                              : node      ? "bound"
                                          : "pending");
    if (!rc && node) {
        rc = buf_adds(b, ",\"node\":");
        rc = rc ? rc : buf_add_jstrz(b, node);
    }
    if (!rc && m->planned) {
        rc = buf_adds(b, ",\"planned\":");
        rc = rc ? rc : buf_add_jstrz(b, m->planned);
    }
    if (!rc && m->bad) {
        rc = buf_adds(b, ",\"error\":");
        rc = rc ? rc : buf_add_jstrz(b, m->bad);
    }
    return rc ? rc
              : buf_printf(b, ",\"heldBind\":%s}",
                           m->ticket || m->releasing ? "true" : "false");
}

static int json_why(struct buf *b, const struct plan_why *w)
{
    int rc = buf_printf(b, ",\"why\":{\"placed\":%u,\"wanted\":%u,"
                        "\"resource\":", w->placed, w->wanted);

    rc = rc ? rc : w->res < 0 ? buf_adds(b, "null")
                              : buf_add_jstrz(b, res_name(w->res));
    rc = rc ? rc : buf_printf(b, ",\"need\":%lld,\"free\":%lld,"
                              "\"shortBy\":%lld,\"closestDomain\":",
                              (long long)w->need, (long long)w->free,
                              (long long)MU_MAX(0, w->need - w->free));
    rc = rc ? rc : buf_add_jstrz(b, w->domain);
    return rc ? rc : buf_printf(b, ",\"closestDomainPlaced\":%u}",
                                w->domain_placed);
}

static int json_gang(struct buf *b, const struct gang *g, int64_t now,
                     bool comma)
{
    struct gang_count cnt = gang_count(g);
    int rc = buf_printf(b, "%s{\"gang\":", comma ? "," : "");

    rc = rc ? rc : buf_add_jstrz(b, g->key);
    rc = rc ? rc : buf_printf(b, ",\"state\":\"%s\",\"minMember\":",
                              gang_state_name[g->state]);
    /* null: unknown, see gang_unsized */
    rc = rc ? rc : g->unsized ? buf_adds(b, "null")
                              : buf_printf(b, "%lld", (long long)g->min_member);
    rc = rc ? rc : buf_printf(b, ",\"timeoutSeconds\":%lld,\"exist\":%zu,"
                              "\"bound\":%zu,\"ageSeconds\":%.3f,"
                              "\"starving\":%s,\"reason\":",
                              (long long)g->timeout_s, cnt.exist, cnt.bound,
                              (double)(now - g->first_ms) / 1000,
                              g->starving ? "true" : "false");
    rc = rc ? rc : buf_add_jstrz(b, g->state == GS_WAITING ||
                                            g->state == GS_BACKOFF
                                        ? g->reason
                                        : "");
    if (!rc && (g->state == GS_ADMITTED || g->state == GS_BINDING)) {
        rc = buf_printf(b, ",\"plan\":{\"admittedSeconds\":%.3f,\"domain\":",
                        (double)(now - g->admitted_ms) / 1000);
        rc = rc ? rc : buf_add_jstrz(b, g->domain);
        rc = rc ? rc : buf_addc(b, '}');
    }
    if (!rc && g->has_why && g->state == GS_WAITING)
        rc = json_why(b, &g->why);
    rc = rc ? rc : buf_adds(b, ",\"members\":[");
    for (size_t i = 0; !rc && i < g->n; i++)
        rc = json_member(b, &g->m[i], i > 0);
    return rc ? rc : buf_adds(b, "]}");
}

int gang_debug_json(struct gang_table *t, int64_t now_ms, struct buf *out)
{
    struct gang **all;
    size_t it = 0, n = 0;
    void *v;
    int rc;

    pthread_mutex_lock(&t->mu);
    all = xcalloc(strmap_len(&t->gangs) + 1, sizeof(*all));
    while (strmap_next(&t->gangs, &it, NULL, NULL, &v))
        all[n++] = v;
    qsort(all, n, sizeof(*all), gang_key_order);
    rc = buf_adds(out, "{\"gangs\":[");
    for (size_t i = 0; !rc && i < n; i++)
        rc = json_gang(out, all[i], now_ms, i > 0);
    rc = rc ? rc : buf_adds(out, "]}");
    free(all);
    pthread_mutex_unlock(&t->mu);
    return rc;
}
