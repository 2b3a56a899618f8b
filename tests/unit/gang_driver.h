/* gang_driver.h - drives the gang table exactly as kube-scheduler drives
 * muster: filter each pod over all nodes (usage with reservations, the
 * call context), prioritize the survivors, pick the best (ties: node
 * name), bind; held binds stay open as tickets while other pods go on;
 * a virtual clock. Bindings are "posted" by binding the pod in the
 * cluster, as the service does with assumed pods. */
#ifndef MUSTER_TESTS_GANG_DRIVER_H
#define MUSTER_TESTS_GANG_DRIVER_H

#include "common.h"
#include "cache/cluster.h"
#include "policy/policy.h"
#include "queue/gang.h"

#define DRV_MAX_CALLS 8192
#define DRV_MAX_POSTS 4096

enum drv_call_state { CALL_HELD, CALL_OK, CALL_ERR };

/* One /bind call (its ticket is the pointer to it). */
struct drv_call {
    char pod[128];
    char node[128];
    enum drv_call_state state;
    char err[FILTER_REASON_MAX];
};

struct drv {
    struct cluster *c;
    struct policy *pol;
    struct gang_table *t;
    int64_t now;
    int64_t created;               /* next creationTimestamp */
    size_t ncalls;
    struct drv_call calls[DRV_MAX_CALLS];
    size_t nposts;                 /* bindings posted, in order */
    char posts[DRV_MAX_POSTS][128];   /* "pod=node" */
    size_t nwakes;
    char last_wake[128];           /* "pod=value" */
    size_t releases;               /* releases handed out */
    size_t min_release;            /* smallest release seen */
};

/* A driver on an empty cluster with the policy text (NULL: a default
 * gang policy with keys hostname, rack, zone). */
struct drv *drv_new(const char *policy_json);
void drv_free(struct drv *d);

/* A Ready node with allocatable spec ("cpu=64000 nvidia.com/gpu=8 ..."),
 * labelled with hostname, topology.muster.dev/rack (if rack) and
 * topology.kubernetes.io/zone (if zone). */
void drv_node(struct drv *d, const char *name, const char *alloc,
              const char *rack, const char *zone);
/* A pending pod in namespace "ml" with requests; gang label `gang` (NULL:
 * none) and annotation muster.dev/min-member `min` (NULL: none). */
struct pod *drv_pod(struct drv *d, const char *name, const char *req,
                    const char *gang, const char *min);
/* Add a label / annotation to a pod before it is put. */
void drv_label(struct pod *p, const char *key, const char *val);
void drv_annotate(struct pod *p, const char *key, const char *val);
/* Put a pod built with drv_pod into the cluster (consumes). */
void drv_put(struct drv *d, struct pod *p);
/* drv_pod + drv_put. */
void drv_add(struct drv *d, const char *name, const char *req,
             const char *gang, const char *min);
void drv_delete(struct drv *d, const char *name);
void drv_succeed(struct drv *d, const char *name);

/* Filter + prioritize like kube-scheduler; RET the feasible count, the
 * chosen node in best ("" when none) and the first failure reason. */
size_t drv_filter(struct drv *d, const char *pod, char *best,
                  char *reason);
/* Bind pod to node: RET the call (held, ok or err). */
struct drv_call *drv_bind(struct drv *d, const char *pod, const char *node);
/* filter, then bind to the best node if any; RET the call or NULL. */
struct drv_call *drv_schedule(struct drv *d, const char *pod);
/* Advance the clock by ms and tick. */
void drv_tick(struct drv *d, int64_t ms);

/* Where the cluster has the pod bound ("" when unbound). */
const char *drv_node_of(struct drv *d, const char *pod);
/* Number of bindings posted for pods whose name starts with prefix. */
size_t drv_posted(const struct drv *d, const char *prefix);

#endif
