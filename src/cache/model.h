/* model.h - the cluster objects muster schedules with: nodes and pods,
 * reduced to the fields the plugins use (never the raw JSON).
 *
 * Ownership: a struct node_info or struct pod owns every string and array
 * it points to; node_free/pod_free release them all. Objects decoded from a
 * request are owned by the request; objects in a struct cluster are owned
 * by the cluster and BORROWED by readers while they hold its read lock. */
#ifndef MUSTER_CACHE_MODEL_H
#define MUSTER_CACHE_MODEL_H

#include "common.h"
#include "cache/resources.h"

#define NODE_MAGIC 0x4e4f4445u   /* "NODE" */
#define POD_MAGIC 0x504f4421u    /* "POD!" */

/* Labels, annotations and nodeSelector: key/value pairs sorted by key
 * (strcmp order), unique keys. */
struct label {
    char *key;
    char *val;
};

struct labels {
    uint32_t n;
    struct label *kv;
};

/* RET the value, or NULL when the key is absent. O(log n). */
const char *labels_get(const struct labels *l, const char *key);
/* Sort and check for duplicates; RET MU_EINVAL on a duplicate key. */
int labels_sort(struct labels *l);
void labels_fini(struct labels *l);

enum taint_effect {
    EFFECT_ANY = 0,            /* tolerations only: empty effect, matches all */
    EFFECT_NO_SCHEDULE,
    EFFECT_PREFER_NO_SCHEDULE,
    EFFECT_NO_EXECUTE,
};

struct taint {
    char *key;
    char *value;               /* "" when absent */
    enum taint_effect effect;  /* never EFFECT_ANY */
};

enum tol_op { TOL_EQUAL = 0, TOL_EXISTS };

struct toleration {
    char *key;                 /* "" with TOL_EXISTS: tolerates every taint */
    char *value;               /* "" when absent */
    enum tol_op op;
    enum taint_effect effect;  /* EFFECT_ANY when empty */
};

enum port_proto { PROTO_TCP = 0, PROTO_UDP, PROTO_SCTP };

/* A container port with a hostPort: what kube-scheduler's NodePorts
 * plugin checks. Two conflict when protocol and port are the same and
 * their host IPs are equal or either is the wildcard ("" or 0.0.0.0). */
#define POD_PORTS_MAX 256
struct host_port {
    uint16_t port;             /* 1..65535 */
    uint8_t proto;             /* enum port_proto */
    char ip[46];               /* hostIP; "" for the wildcard */
};
bool host_ports_conflict(const struct host_port *a,
                         const struct host_port *b);

enum sel_op { SEL_IN, SEL_NOT_IN, SEL_EXISTS, SEL_DOES_NOT_EXIST, SEL_GT,
              SEL_LT };

/* One NodeSelectorRequirement. */
struct sel_req {
    char *key;
    enum sel_op op;
    uint32_t nvalues;
    char **values;
};

/* One NodeSelectorTerm: all matchExpressions (on labels) and all
 * matchFields (only metadata.name is defined) must match. A term with no
 * requirements at all matches no node, as in Kubernetes. */
struct sel_term {
    uint32_t nexprs;
    struct sel_req *exprs;
    uint32_t nfields;
    struct sel_req *fields;
};

struct pref_term {
    int32_t weight;            /* 1..100 */
    struct sel_term term;
};

struct node_info {
    uint32_t magic;
    char *name;
    struct labels labels;
    uint32_t ntaints;
    struct taint *taints;
    bool unschedulable;        /* spec.unschedulable (cordoned) */
    bool ready;                /* condition Ready == "True" */
    bool packed;               /* strings live in this allocation (node_pack) */
    /* status.allocatable, dense by resource id; 0 for resources the node
     * does not have. cpu in millicores, the rest in units. */
    int64_t alloc[RES_MAX];
    /* Requested totals of the non-terminal pods bound to this node (and of
     * reservations, once gangs exist). Maintained by the cluster; a
     * decoded node starts at zero. used[RES_PODS] is the pod count. */
    int64_t used[RES_MAX];
};

enum pod_phase { PHASE_PENDING = 0, PHASE_RUNNING, PHASE_SUCCEEDED,
                 PHASE_FAILED, PHASE_UNKNOWN };

struct pod {
    uint32_t magic;
    char *ns;
    char *name;
    char *uid;
    char *node_name;           /* spec.nodeName; NULL when unbound */
    char *scheduler_name;      /* "default-scheduler" when absent */
    enum pod_phase phase;
    int32_t priority;
    int64_t created;           /* metadata.creationTimestamp, Unix s; 0 if absent */
    struct labels labels;
    /* Only the annotations muster reads (gang membership and settings):
     * annotations like last-applied-configuration can be huge and are
     * dropped at decode time. */
    struct labels annotations;
    struct labels node_selector;
    /* requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
     * has_required distinguishes "absent" from "present but empty". */
    bool has_required;
    uint32_t nrequired;
    struct sel_term *required;
    uint32_t npreferred;
    struct pref_term *preferred;
    uint32_t ntols;
    struct toleration *tols;
    /* Effective request, as kube-scheduler computes it: sum over
     * containers (plus restartPolicy: Always init containers, which run
     * beside them), max with each ordinary init container (plus the
     * sidecars started before it), plus spec.overhead. Sorted by id, no zero
     * entries except pods, which is always present with 1. */
    uint32_t nreq;
    struct res_amount *req;
    /* Host ports of its containers and restartable init containers. */
    uint32_t nports;
    struct host_port *ports;
    /* Bound by muster's /bind but not yet confirmed by the watch: the
     * CLOCK_MONOTONIC millisecond after which the assumption lapses and the
     * pod is dropped from the cache (0: not an assumption). */
    int64_t assumed_until;
};

/* RET the pod's request for resource id (0 if none). O(nreq). */
int64_t pod_request(const struct pod *p, int id);
/* True when the pod's resources count on its node: bound and neither
 * Succeeded nor Failed. */
bool pod_counts(const struct pod *p);

/* A node as a plugin sees it: the object plus the usage to judge it by.
 * `used` is node->used for the live cache, or a what-if copy (gang plans,
 * simulation) — plugins must read usage only through it. */
struct sched_ctx;   /* src/queue/gang.h: per-call context (gang decision) */

struct node_view {
    const struct node_info *node;
    const int64_t *used;       /* RES_MAX entries */
    /* The decision context of the call (the pod's gang plan, the clock);
     * NULL when there is none. Only plugins that need it look. */
    const struct sched_ctx *ctx;
};

/* Start loading the lines a filter pass reads (header, labels, alloc and
 * used): call a few nodes ahead of the one being judged so the misses
 * overlap instead of adding up. */
static inline void node_prefetch(const struct node_info *n)
{
    if (!n)
        return;
    __builtin_prefetch(n);
    __builtin_prefetch(n->labels.kv);
    __builtin_prefetch(&n->alloc[0]);
    __builtin_prefetch(&n->used[0]);
}

static inline int64_t nv_free(const struct node_view *nv, int id)
{
    return nv->node->alloc[id] - nv->used[id];
}

struct node_info *node_new(void);      /* zeroed, magic set */
void node_free(struct node_info *n);   /* accepts NULL */
/* Return a copy of n whose name, labels and taints live in the same
 * allocation, right after the struct, and free n (consumed). A filter pass
 * over thousands of nodes is bound by cache misses: one block per node
 * instead of one per string makes it several times cheaper. */
struct node_info *node_pack(struct node_info *n);
struct pod *pod_new(void);
void pod_free(struct pod *p);          /* accepts NULL */
/* RET a deep copy of p, owned by the caller (src/cache/model_dup.c). */
struct pod *pod_dup(const struct pod *p);

/* Does the label set match a NodeSelectorTerm (labels and, for matchFields,
 * the node name)? Shared by node-affinity (filter) and its preferred-term
 * score. */
bool sel_term_match(const struct sel_term *t, const struct node_info *n);

#endif
