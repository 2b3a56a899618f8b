/* cluster.h - the cluster model: nodes by name, pods by uid and by
 * namespace/name, with each node's requested totals kept up to date as pods
 * come, go, bind and finish. Lookups are O(1).
 *
 * Locking: a writer-preferring rwlock. Readers (callbacks, planners) hold
 * cluster_rdlock() for the length of one decision and may borrow node and
 * pod pointers until they unlock. Writers (the watch thread, /bind in
 * snapshot mode) hold cluster_wrlock() for one event at a time; a relist
 * builds a fresh struct cluster off-lock and swaps contents in with
 * cluster_replace(), so callbacks never wait for a whole list.
 *
 * Pods may name a node the cluster does not (yet) have: their requests are
 * still accounted to that name, so a node that appears later starts with
 * the right usage and a node deleted and re-added keeps it. */
#ifndef MUSTER_CACHE_CLUSTER_H
#define MUSTER_CACHE_CLUSTER_H

#include "common.h"
#include "cache/model.h"
#include "util/strmap.h"

#include <pthread.h>

#define CLUSTER_MAGIC 0x434c5553u

struct node_slot;   /* private: a node name's usage, with or without a node */

struct cluster {
    uint32_t magic;
    pthread_rwlock_t lock;
    struct strmap nodes;       /* name -> struct node_slot (private) */
    struct strmap pods;        /* uid -> struct pod */
    struct strmap pods_by_key; /* "ns/name" -> struct pod */
    struct strmap podgroups;   /* "ns/name" -> struct podgroup
                                  (src/cache/podgroup.h) */
    size_t nnodes;             /* slots that hold a node */
    uint64_t generation;       /* bumped by every change */
    /* Changes when a node object is put, deleted or replaced (not when
     * pods change usage in place); unique across all clusters of the
     * process, so (cluster, node_generation) never names two node sets. */
    uint64_t node_generation;
    bool synced;               /* initial lists applied (always true for
                                  snapshots) */
};

struct cluster *cluster_new(void);
void cluster_free(struct cluster *c);     /* accepts NULL; frees everything */

void cluster_rdlock(struct cluster *c);
void cluster_wrlock(struct cluster *c);
void cluster_unlock(struct cluster *c);

/* Writers (caller holds the write lock). Each CONSUMES its object argument,
 * success or not. */
/* Add or replace a node by name; its usage is preserved. */
void cluster_node_put(struct cluster *c, struct node_info *n);
/* RET MU_OK or MU_ENOENT. Pods bound to it stay accounted to the name. */
int cluster_node_del(struct cluster *c, const char *name);
/* Add or replace a pod by uid; moves its request between nodes as its
 * nodeName/phase change. A pod replacing another with the same ns/name but
 * a different uid replaces that one too (a recreated pod). */
void cluster_pod_put(struct cluster *c, struct pod *p);
/* RET MU_OK or MU_ENOENT. Releases its request. */
int cluster_pod_del(struct cluster *c, const char *uid);
/* Swap in the whole contents of `fresh` (consumed), keeping c's lock. */
void cluster_replace(struct cluster *c, struct cluster *fresh);

/* For relists of one resource (src/kube/watch.c), so a relist of pods keeps
 * the nodes and vice versa. The caller holds c's write lock; `fresh` holds
 * only the new objects of that kind, built off-lock (with cluster_*_put,
 * which also totals the new pods' usage by node name). On return fresh
 * holds c's old objects of that kind and is fit only for cluster_free: call
 * it after unlocking, so the lock is not held while 150,000 pods are freed.
 * Node usage afterwards is that of the pods c ends up with; the pod swap
 * costs O(node names) under the lock, not O(pods). */
void cluster_swap_nodes(struct cluster *c, struct cluster *fresh);
void cluster_swap_pods(struct cluster *c, struct cluster *fresh);
/* Unlink a pod from the cluster without freeing it and RET it (the caller
 * now owns it, e.g. to put it back changed), or NULL when absent. */
struct pod *cluster_pod_take(struct cluster *c, const char *uid);

/* Readers (caller holds a lock). Returned pointers are borrowed. */
struct node_info *cluster_node_get(const struct cluster *c, const char *name,
                                   size_t len);
struct pod *cluster_pod_get(const struct cluster *c, const char *uid,
                            size_t len);
struct pod *cluster_pod_find(const struct cluster *c, const char *ns,
                             const char *name);
/* Iterate nodes: *iter = 0 to start; RET NULL at the end. */
struct node_info *cluster_node_next(const struct cluster *c, size_t *iter);
struct pod *cluster_pod_next(const struct cluster *c, size_t *iter);
size_t cluster_node_count(const struct cluster *c);
size_t cluster_pod_count(const struct cluster *c);

/* Canonical JSON of the whole model, for GET /debug/cache and for tests
 * that compare muster's view with the API server's: {"nodes":[...sorted by
 * name, each with name, labels, taints, unschedulable, ready, allocatable
 * and used by resource name...],"pods":[...sorted by uid, each with
 * namespace, name, uid, nodeName, phase, priority, requests...]}. Quantities
 * are printed as integers in muster's units (cpu millicores, bytes). The
 * caller holds a lock. RET MU_OK or MU_ELIMIT (out's cap). */
struct buf;
int cluster_dump_json(const struct cluster *c, struct buf *out);

#endif
