/* gang.h - gang scheduling through the extender callbacks alone: the gang
 * table (which pods form a gang, its settings and state), all-or-nothing
 * admission with a reserved plan, held binds, timeouts, backoff and
 * starvation holding.
 *
 * No HTTP and no clock: every entry point takes `now_ms` (any monotonic
 * millisecond clock: real for the service, virtual for the simulator), so
 * the offline simulator runs this very code (R14).
 *
 * Membership. A pod belongs to gang "ns/NAME" when it has (first match
 * wins): label scheduling.x-k8s.io/pod-group: NAME; annotation
 * scheduling.k8s.io/group-name: NAME (Volcano); label
 * kueue.x-k8s.io/pod-group-name: NAME (Kueue). minMember and the timeout
 * come from, in order: the PodGroup ns/NAME in the cluster; annotations
 * muster.dev/min-member and muster.dev/schedule-timeout-seconds;
 * scheduling.volcano.sh/group-min-member or
 * kueue.x-k8s.io/pod-group-total-count; else minMember 1 (an ordinary pod).
 * Among members the oldest one's annotations count. Conflicts are logged
 * once per gang.
 *
 * States: WAITING (fewer than minMember pods exist, or no plan fits) ->
 * ADMITTED (a node is reserved for each of the minMember pods) -> BINDING
 * (minMember binds arrived; the caller posts the Bindings) -> DONE (bound).
 * ADMITTED -> BACKOFF on timeout (binds answered with errors, reservation
 * released, filters fail fast) -> WAITING when the backoff ends.
 *
 * Threads and locks: one mutex inside the table; every entry point takes
 * it. Entry points that take a `struct cluster *` require the caller to
 * hold the cluster's lock (read or write) for the whole call. Lock order:
 * cluster lock -> gang table mutex -> reservation lock (reserve.h). Nothing
 * here takes the cluster lock, so the order cannot be inverted.
 *
 * Held binds are opaque tickets (void *): the service stores a suspended
 * HTTP connection, a test stores anything. Each ticket is handed back
 * exactly once: in a gang_release (to post and answer), or in the answers
 * of gang_drain (to answer with an error). */
#ifndef MUSTER_QUEUE_GANG_H
#define MUSTER_QUEUE_GANG_H

#include "common.h"
#include "cache/cluster.h"
#include "filter/filter.h"
#include "policy/policy.h"
#include "queue/reserve.h"

struct buf;

#define GANG_KEY_MAX 320        /* "ns/name" with room for the NUL */
#define GANG_NODE_MAX 254       /* a node name: 253 characters */
#define GANG_CTX_ANCHORS 16     /* nodes the topology score looks at */

/* Gang label and annotation names. */
#define GANG_LABEL "scheduling.x-k8s.io/pod-group"
#define GANG_VOLCANO_NAME "scheduling.k8s.io/group-name"
#define GANG_VOLCANO_MIN "scheduling.volcano.sh/group-min-member"
#define GANG_KUEUE_NAME "kueue.x-k8s.io/pod-group-name"
#define GANG_KUEUE_MIN "kueue.x-k8s.io/pod-group-total-count"
#define GANG_ANN_MIN "muster.dev/min-member"
#define GANG_ANN_TIMEOUT "muster.dev/schedule-timeout-seconds"
#define GANG_ANN_STATE "muster.dev/gang-state"   /* the wake-up patch */
/* A pod labelled GANG_LABEL whose PodGroup muster does not have, and whose
 * annotations give no minMember, waits this long from its gang's first
 * sighting before it is scheduled as an ordinary pod (minMember 1): the
 * PodGroup is usually created just before its pods, and comes by another
 * watch, or with a CRD muster has not found yet. */
#define GANG_PODGROUP_GRACE_MS 5000

/* What a callback must do with one pod (struct sched_ctx.decision). */
enum gang_decision {
    GANG_NONE = 0,   /* not in a gang (or its gang is bound): normal */
    GANG_REJECT,     /* fail on every node, unresolvable, with reason */
    GANG_PLANNED,    /* pass only ctx->node (the pod's planned node) */
    GANG_EXTRA,      /* admitted gang, pod beyond the plan: normal */
};

/* The per-call context plugins see through node_view.ctx (model.h). Built
 * by gang_filter_ctx / gang_score_ctx; self-contained except `res`,
 * `topo_keys` and `anchors`, which are borrowed (the table, the policy,
 * and the cluster under the caller's lock). */
struct sched_ctx {
    enum gang_decision decision;
    int64_t now_ms;
    char gang[GANG_KEY_MAX];            /* "" when not a member */
    char reason[FILTER_REASON_MAX];     /* GANG_REJECT: the failure text */
    char node[GANG_NODE_MAX];           /* GANG_PLANNED: the planned node */
    /* The pod names a PodGroup muster does not have (and no annotation
     * gives minMember): it waits GANG_PODGROUP_GRACE_MS for it, and the
     * caller may look for the PodGroup CRD now (kube_podgroups_look). */
    bool podgroup_missing;
    /* Usage: reservations count as used; a planned member does not count
     * its own gang's (exclude_own), anyone else counts all of them. */
    const struct reserve *res;
    bool exclude_own;
    /* Topology score: the policy's keys (narrowest first) and the nodes
     * the pod's gang already has members bound or planned on. */
    char *const *topo_keys;
    size_t ntopo_keys;
    size_t nanchors;
    const struct node_info *anchors[GANG_CTX_ANCHORS];
};

/* The usage a plugin must judge `node` by under ctx (reservations counted,
 * see reserve_usage); node->used when ctx is NULL or has no reservations.
 * scratch: RES_MAX entries owned by the caller. */
const int64_t *sched_ctx_usage(const struct sched_ctx *ctx,
                               const struct node_info *node,
                               int64_t *scratch);
/* sched_ctx_usage for n nodes at once (one reservation lock): out[i] is
 * what sched_ctx_usage(ctx, nodes[i], scratch + i * RES_MAX) returns. */
void sched_ctx_usage_n(const struct sched_ctx *ctx,
                       const struct node_info *const *nodes, size_t n,
                       int64_t *scratch, const int64_t **out);

/* A pod's gang identity, from its labels and annotations alone. */
struct gang_ident {
    char key[GANG_KEY_MAX];      /* "ns/name" */
    bool by_label;               /* named by GANG_LABEL: a PodGroup's name */
    int64_t min_member;          /* 0: no annotation gave one */
    int64_t timeout_s;           /* 0: no annotation gave one */
    const char *min_source;      /* annotation name min_member came from */
    char err[FILTER_REASON_MAX]; /* a malformed annotation, or "" */
};

/* RET MU_OK (a member; err set when an annotation is malformed, in which
 * case its value is ignored), MU_ENOENT (no gang label/annotation). */
int gang_ident_get(const struct pod *pod, struct gang_ident *out);

struct gang_table;

struct gang_table *gang_table_new(void);
void gang_table_free(struct gang_table *t);   /* accepts NULL */
/* The reservations every filter and score call must count. */
const struct reserve *gang_reserve(const struct gang_table *t);

/* /filter: decide what the pod may do now. May admit its gang (plan and
 * reserve) and queue wake-ups. Fills ctx for the filter loop (which runs
 * filter_run with node_view.ctx = ctx and usage from sched_ctx_usage).
 * The caller holds c's lock. RET MU_OK, or a plugin error from planning
 * (ctx then says GANG_REJECT with the error text). */
int gang_filter_ctx(struct gang_table *t, const struct cluster *c,
                    const struct policy *pol, const struct pod *pod,
                    int64_t now_ms, struct sched_ctx *ctx);
/* /prioritize: the same context without side effects (no admission). */
void gang_score_ctx(struct gang_table *t, const struct cluster *c,
                    const struct policy *pol, const struct pod *pod,
                    int64_t now_ms, struct sched_ctx *ctx);

/* One Binding the caller must POST. Strings are owned by the release. */
struct gang_binding {
    void *ticket;                /* the held bind to answer */
    char *ns, *name, *uid, *node;
};

/* minMember binds have arrived: post all, then answer each ticket, then
 * report each outcome with gang_bind_result. */
struct gang_release {
    char gang[GANG_KEY_MAX];
    size_t n;
    struct gang_binding *b;
};
void gang_release_fini(struct gang_release *rel);

enum gang_bind_verdict {
    GANG_BIND_PASS = 0,   /* not held: bind this pod now, as usual */
    GANG_BIND_HOLD,       /* ticket kept: suspend the call */
    GANG_BIND_RELEASE,    /* rel holds every binding (this one included) */
    GANG_BIND_REJECT,     /* answer the call with err */
};

/* /bind of pod (ns, name, uid) to node; `ticket` identifies the call.
 * The caller holds c's lock. OUT rel: filled for GANG_BIND_RELEASE
 * (gang_release_fini it after use). OUT err: for GANG_BIND_REJECT. */
enum gang_bind_verdict gang_bind(struct gang_table *t,
                                 const struct cluster *c,
                                 const struct policy *pol, const char *ns,
                                 const char *name, const char *uid,
                                 const char *node, void *ticket,
                                 int64_t now_ms, struct gang_release *rel,
                                 char *err, size_t errlen);
/* The outcome of one Binding of a release. When every binding of the
 * release is reported the gang is DONE (or, if some failed, WAITING for
 * the rest) and its reservation is released. Before reporting success the
 * caller should put the bound pod into the cluster (an assumed pod). */
void gang_bind_result(struct gang_table *t, const char *gang,
                      const char *uid, const char *node, bool ok,
                      int64_t now_ms);

/* Time passes: gang timeouts (all held binds answered with errors,
 * reservation released, backoff), per-bind hold caps, backoff ends,
 * member deletions, admission of waiting gangs whose capacity appeared and
 * starvation holding. The caller holds c's lock. */
void gang_tick(struct gang_table *t, const struct cluster *c,
               const struct policy *pol, int64_t now_ms);
/* Earliest now_ms at which gang_tick has timed work to do (INT64_MAX:
 * none), so a driver can sleep or a simulator jump exactly there. */
int64_t gang_next_deadline(struct gang_table *t, const struct policy *pol);

/* Shutting down: every held bind is queued for an Error answer, and from
 * now on gang_bind rejects instead of holding, so that no call is left
 * suspended when the HTTP server stops. */
void gang_shutdown(struct gang_table *t);

/* Leadership lost (serve --leader-elect): every held bind is queued for
 * an Error answer carrying msg and every reservation (plan or starvation
 * hold) is dropped; admitted gangs wait again. A gang whose bindings are
 * being posted is left to finish: stopping half-way would bind it partly.
 * Unlike gang_shutdown the table stays usable for a later term. */
void gang_step_down(struct gang_table *t, const char *msg);

/* Work for the caller, queued by any entry point. */
struct gang_answer {
    void *ticket;
    char err[FILTER_REASON_MAX];   /* answer the held bind with this Error */
};
struct gang_wake {
    char *ns, *name;               /* patch GANG_ANN_STATE on this pod */
    char value[64];                /* e.g. "admitted@123456" */
};
struct gang_out {
    size_t nanswers;
    struct gang_answer *answers;
    size_t nwakes;
    struct gang_wake *wakes;
};
/* Move all queued answers and wake-ups into out (which it initialises). */
void gang_drain(struct gang_table *t, struct gang_out *out);
void gang_out_fini(struct gang_out *out);

/* Observability. Admission wait: time from quorum to admission. */
#define GANG_WAIT_BUCKETS 9
extern const double gang_wait_bounds[GANG_WAIT_BUCKETS];   /* seconds */
struct gang_stats {
    uint64_t waiting, admitted, binding, done, backoff;  /* gauges */
    uint64_t held;                                         /* gauge */
    uint64_t admitted_total, timed_out_total, completed_total;
    uint64_t wait_count;
    uint64_t wait_bucket[GANG_WAIT_BUCKETS];   /* cumulative: <= bound */
    double wait_sum_s;
    int64_t reserved[RES_MAX];                 /* by resource id */
};
void gang_stats_get(struct gang_table *t, struct gang_stats *out);
/* GET /debug/gangs: {"gangs":[{"gang","state","minMember","exist",
 * "bound","ageSeconds","reason","members":[...],"plan":{...},
 * "why":{...}}]}. RET MU_OK or MU_ELIMIT (out's cap). */
int gang_debug_json(struct gang_table *t, int64_t now_ms, struct buf *out);

#endif
