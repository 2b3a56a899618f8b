/* plan.h - the gang planner: place every pod of a gang at once on a
 * what-if copy of the cluster's usage (reservations included), through the
 * policy's own filter and score plugins, packing the gang into as few
 * topology domains as possible.
 *
 * The rule, in order:
 *  1. For each topology key (narrowest first, e.g. hostname, rack, zone):
 *     try every domain of that key (nodes sharing the label value) that
 *     has enough free capacity in total; inside a domain pods are placed
 *     greedily (below). If any domain holds the whole gang, choose among
 *     those by best fit: the least free capacity of the gang's dominant
 *     resource left in the domain afterwards, then the highest total score,
 *     then the domain's label value. Done.
 *  2. Otherwise place greedily over all nodes ("spread").
 *  Greedy: pods in the given order; each goes to the feasible node that is
 *  (a) a node this plan already uses, else in the narrowest domain this
 *  plan already uses, (b) then has the highest policy score, (c) then the
 *  smallest name. Feasibility is filter_run on the node's what-if usage,
 *  re-run for a node whenever a pod is placed on it.
 * Scores are computed once per distinct pod spec against the usage before
 * planning (the topology rule dominates them), so planning costs about one
 * filter and score pass over the nodes per distinct spec, plus a filter
 * call per placement. Deterministic: ties end on node and domain names. */
#ifndef MUSTER_QUEUE_PLAN_H
#define MUSTER_QUEUE_PLAN_H

#include "common.h"
#include "cache/cluster.h"
#include "policy/policy.h"
#include "queue/gang.h"
#include "queue/reserve.h"

/* Why a gang does not fit. */
struct plan_why {
    uint32_t placed, wanted;    /* pods placed by the best attempt */
    int res;                    /* resource most short, -1: none is short
                                   in total (capacity is fragmented or
                                   filtered out) */
    int64_t need, free;         /* the gang's total demand of res and the
                                   free capacity on nodes that could take
                                   it (reservations counted) */
    char domain[GANG_KEY_MAX];  /* closest single domain, "key=value", or
                                   "" when there is no topology key */
    uint32_t domain_placed;     /* pods that domain could take */
};

/* The cluster's nodes sorted by name, kept between plans while the node set
 * stays the same (cluster.h node_generation): sorting 1,000 names costs as
 * much as the rest of a small plan. Owned by the caller (the gang table),
 * used under the same lock as plan_run. */
struct plan_nodes {
    const struct cluster *c;    /* NULL: empty */
    uint64_t gen;               /* c->node_generation it was built at */
    size_t n;
    const struct node_info **node;
    /* The topology domains of those nodes for the keys last planned with
     * (levels: built). Private to plan.c. */
    bool levels;
    size_t nk;
    char *keys[POLICY_MAX_TOPO_KEYS];
    uint32_t *dom;
    uint32_t ndom[POLICY_MAX_TOPO_KEYS];
    uint32_t *start[POLICY_MAX_TOPO_KEYS], *members[POLICY_MAX_TOPO_KEYS];
    const char **value[POLICY_MAX_TOPO_KEYS];
};
void plan_nodes_fini(struct plan_nodes *pn);

struct plan_req {
    const struct policy *pol;
    const struct cluster *c;    /* the caller holds its lock */
    const struct reserve *res;  /* NULL: no reservations */
    const char *gang;           /* its own reservation is not counted */
    const struct pod *const *pods;
    size_t npods;
    char *const *topo_keys;
    size_t nkeys;
    struct plan_nodes *cache;   /* NULL: list and sort the nodes each time */
};

struct plan_out {
    /* [npods], allocated by the caller: the node of each pod, NULL for a
     * pod that could not be placed (then nodes[] is the best partial
     * placement, used for starvation holding). */
    const struct node_info **nodes;
    size_t placed;
    int level;                  /* index of the key whose one domain holds
                                   the whole plan; nkeys: spread */
    char domain[GANG_KEY_MAX];  /* that domain, "key=value", or "" */
    struct plan_why why;        /* when placed < npods */
};

/* RET MU_OK (out->placed == npods: a full plan), or a plugin's error. */
int plan_run(const struct plan_req *rq, struct plan_out *out);

/* Format why as "3 of 4 pods fit; nvidia.com/gpu short by 2 (free 6, need
 * 8)" into dst. */
void plan_why_format(const struct plan_why *w, char *dst, size_t cap);

#endif
