/* extender.h - kube-scheduler's extender/v1 callbacks (filter, prioritize,
 * preempt, bind) answered from a request body into a response body. No
 * HTTP here: server.c feeds bodies in and sends what comes out, which keeps
 * every verb testable on captured bodies without a socket.
 *
 * Wire format: k8s.io/kube-scheduler/extender/v1, JSON with the Go field
 * names (Pod, Nodes, NodeNames, FailedNodes, ...). Top-level keys match
 * ignoring case, as Go's decoder does; unknown keys are skipped. Answers are
 * printed straight into a struct buf in Go's field order.
 *
 * Failure rules (kube-scheduler fails the whole scheduling attempt on a
 * non-200 status, an undecodable body or a non-empty Error):
 *   - a node is rejected only through FailedNodes (evicting pods may help)
 *     or FailedAndUnresolvableNodes (it cannot), never through Error;
 *   - a filter answer always carries the node field matching the request
 *     (NodeNames for names, Nodes for a NodeList), since neither means
 *     "reject every node";
 *   - a bad request (malformed JSON, wrong type, no Pod) is HTTP 200 with
 *     the verb's result type carrying Error, or 400 when the body is not
 *     JSON at all. HostPriorityList has no Error field: a bad prioritize
 *     request is answered 400 (503 before the cache is synced) with
 *     {"Error":"..."}, which kube-scheduler treats as "no scores from this
 *     extender" - exactly what it does with any prioritize failure.
 * Error and reason texts never contain '%' (kube-scheduler uses Error as a
 * format string). */
#ifndef MUSTER_HTTP_EXTENDER_H
#define MUSTER_HTTP_EXTENDER_H

#include "common.h"
#include "cache/cluster.h"
#include "http/pod_memo.h"
#include "util/buf.h"

struct policy;
struct kube;
struct metrics;
struct gang_table;
struct gang_svc;
struct kube_lease;

enum ext_verb { EXT_FILTER = 0, EXT_PRIORITIZE, EXT_PREEMPT, EXT_BIND,
                EXT_NVERBS };

#define EXT_MAX_NODES 100000     /* nodes or names in one request */
#define EXT_ASSUME_TTL_MS 30000  /* kube mode: life of an unconfirmed bind */

/* What the callbacks work on. Everything is borrowed except the memo. */
struct ext_service {
    uint32_t magic;
    struct cluster *cluster;
    const struct policy *policy;
    struct kube *kube;           /* NULL: snapshot mode */
    struct metrics *metrics;     /* NULL: not counted */
    struct pod_memo memo;        /* pods seen by filter, for bind */
    int64_t assume_ttl_ms;
    /* List unresolvable nodes in FailedNodes as well (--failed-nodes-compat):
     * kube-scheduler v1.20 has no FailedAndUnresolvableNodes field. Off by
     * default: a node then appears in exactly one of the two maps. */
    bool failed_nodes_compat;
    /* Gang scheduling (src/queue/gang.h); NULL: every pod on its own. */
    struct gang_table *gangs;
    struct gang_svc *gang_svc;   /* its tick thread, kicked after calls */
    /* Answer a bind call held earlier (ext_call.held) with this status and
     * JSON body (consumed); set by the HTTP server. Any thread. */
    void (*answer_held)(void *ticket, int status, struct buf *body);
    /* --leader-elect: the election (borrowed); NULL: always the leader.
     * A follower answers every verb with an Error naming the leader. */
    struct kube_lease *lease;
};

#define EXT_SERVICE_MAGIC 0x45585453u

void ext_service_init(struct ext_service *s, struct cluster *c,
                      const struct policy *pol, struct kube *k,
                      struct metrics *m);
void ext_service_fini(struct ext_service *s);
/* True when the cluster holds its initial lists (always for snapshots). */
bool ext_service_ready(struct ext_service *s);

/* True when this replica may serve callbacks (the leader, or no leader
 * election). Otherwise msg (when given) says who leads:
 * "muster: not the leader (leader is X)". */
bool ext_service_leader(struct ext_service *s, char *msg, size_t cap);

/* One callback. IN body/len; OUT the rest. */
struct ext_call {
    const char *body;
    size_t len;
    struct buf *out;             /* the answer (caller's buffer, capped) */
    int status;                  /* HTTP status to send */
    bool failed;                 /* the answer reports an error */
    char pod[160];               /* "ns/name" for the log line, or "" */
    size_t nnodes;               /* nodes in the request */
    /* Gang binds: the server's handle for this call (NULL: cannot be
     * held), and whether the answer is deferred (out is then unused and
     * the call is answered later through answer_held). */
    void *ticket;
    bool held;
};

/* Answer one callback. RET MU_OK (status and out set, even for a bad
 * request), or MU_ELIMIT when the answer does not fit out's cap. */
int ext_handle(struct ext_service *s, enum ext_verb verb,
               struct ext_call *call);
const char *ext_verb_name(enum ext_verb v);
/* Replace the call's answer by the verb's error shape carrying msg ('%'
 * replaced), with this HTTP status. RET MU_OK or MU_ELIMIT. */
int ext_answer_error(struct ext_call *call, enum ext_verb v, int status,
                     const char *msg);

#endif
