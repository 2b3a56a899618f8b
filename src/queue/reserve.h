/* reserve.h - gang reservations: resources promised to admitted (or
 * starving) gangs on named nodes, kept apart from the cluster model.
 *
 * Why a separate layer: a relist replaces the cluster's contents wholesale,
 * and reservations must survive that; and a plugin must see "used +
 * everybody's reservations", except that a gang's own members must not be
 * blocked by what was reserved for them. reserve_usage() builds exactly
 * that view for one node, copying only when the node has reservations.
 *
 * Amounts are keyed by node NAME (not by node pointer), so a node deleted
 * and re-added, or swapped in by a relist, keeps its reservations.
 *
 * Locking: an internal rwlock. Readers (every filter and score call) take
 * it shared for the few microseconds of one copy; writers are only the gang
 * table (src/queue/gang.c), which calls them with its own mutex held. Lock
 * order: cluster lock -> gang table mutex -> reserve lock. */
#ifndef MUSTER_QUEUE_RESERVE_H
#define MUSTER_QUEUE_RESERVE_H

#include "common.h"
#include "cache/model.h"

struct reserve;

struct reserve *reserve_new(void);
void reserve_free(struct reserve *r);          /* accepts NULL */

/* Reserve one pod's request (nreq entries of req) for gang `gang` ("ns/name")
 * on node `node`. Amounts add up per (node, gang).
 * RET MU_OK, or MU_EINVAL for an empty gang key or node name. */
int reserve_add(struct reserve *r, const char *gang, const char *node,
                const struct res_amount *req, uint32_t nreq);
/* Drop everything reserved for gang. RET MU_OK or MU_ENOENT (had none). */
int reserve_release(struct reserve *r, const char *gang);
/* True when gang holds any reservation. */
bool reserve_has(const struct reserve *r, const char *gang);

/* The usage a plugin must see for `node`: node->used plus every
 * reservation on it, minus what is reserved there for gang `own` (NULL or
 * "": subtract nothing). Fast path: when the node has no reservation at
 * all, RET node->used itself (no copy). Otherwise the sum is written into
 * scratch (RES_MAX entries, caller-owned) and scratch is returned. */
const int64_t *reserve_usage(const struct reserve *r,
                             const struct node_info *node, const char *own,
                             int64_t *scratch);
/* reserve_usage for n nodes under one read lock (a filter pass over the
 * whole cluster takes the lock once, not once per node): out[i] is what
 * reserve_usage(r, nodes[i], own, scratch + i * RES_MAX) returns. */
void reserve_usage_n(const struct reserve *r,
                     const struct node_info *const *nodes, size_t n,
                     const char *own, int64_t *scratch, const int64_t **out);

/* What gang has reserved on node, added into out[RES_MAX] (untouched when
 * nothing). */
void reserve_get(const struct reserve *r, const char *gang, const char *node,
                 int64_t *out);
/* Total reserved per resource over all nodes and gangs, into out[RES_MAX]. */
void reserve_totals(const struct reserve *r, int64_t *out);
/* Bumped by every change: planners cache "did not fit" against it. */
uint64_t reserve_generation(const struct reserve *r);
/* Number of nodes with at least one reservation. */
size_t reserve_node_count(const struct reserve *r);

#endif
