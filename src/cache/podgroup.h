/* podgroup.h - scheduling.x-k8s.io/v1alpha1 PodGroup objects: the gang
 * settings (minMember, scheduleTimeoutSeconds) that take precedence over
 * pod annotations. Kept in the cluster model (cluster->podgroups, keyed
 * "ns/name") so that snapshots and the API server watch both supply them
 * and a relist replaces them with everything else.
 *
 * Locking: as for the rest of the cluster (cluster.h): put/del under the
 * write lock, get under either lock; returned pointers are borrowed. */
#ifndef MUSTER_CACHE_PODGROUP_H
#define MUSTER_CACHE_PODGROUP_H

#include "common.h"
#include "cache/cluster.h"
#include "util/jscan.h"

#define PODGROUP_MAGIC 0x50475250u   /* "PGRP" */
#define PODGROUP_MAX_MEMBERS 100000

struct podgroup {
    uint32_t magic;
    char *ns;
    char *name;
    char *key;               /* "ns/name" */
    int64_t min_member;      /* spec.minMember, 1..PODGROUP_MAX_MEMBERS
                                (0 or absent is read as 1) */
    int64_t timeout_s;       /* spec.scheduleTimeoutSeconds; 0 when absent */
};

/* Decode the PodGroup object under the cursor (kind/apiVersion are not
 * required, as in informer copies; a wrong kind or apiVersion is an
 * error). OUT *out: new object owned by the caller.
 * RET MU_OK, or MU_EINVAL/MU_ELIMIT with js_error(js) naming the field. */
int podgroup_decode(struct jscan *js, struct podgroup **out);
void podgroup_free(struct podgroup *pg);          /* accepts NULL */

/* Add or replace by key; CONSUMES pg. Bumps the generation. */
void cluster_podgroup_put(struct cluster *c, struct podgroup *pg);
/* RET MU_OK or MU_ENOENT. */
int cluster_podgroup_del(struct cluster *c, const char *ns,
                         const char *name);
/* RET the PodGroup "ns/name" (key of len bytes), or NULL. */
const struct podgroup *cluster_podgroup_get(const struct cluster *c,
                                            const char *key, size_t len);
/* Free every PodGroup (cluster_free, relists). */
void cluster_podgroups_clear(struct cluster *c);
/* A relist of PodGroups (src/kube): the caller holds c's write lock; fresh
 * (private) holds the new PodGroups and afterwards c's old ones, to be
 * freed with cluster_free after unlocking. Bumps c's generation. */
void cluster_swap_podgroups(struct cluster *c, struct cluster *fresh);

#endif
