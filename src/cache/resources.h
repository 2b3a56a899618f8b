/* resources.h - resource names interned to small integer ids, and dense
 * per-node vectors indexed by them.
 *
 * Every resource Kubernetes can schedule on is just a name: cpu, memory,
 * pods, ephemeral-storage, hugepages-2Mi, nvidia.com/gpu, rdma/hca, ... The
 * first four have fixed ids; any other name gets the next free id the first
 * time it is seen (from a node, a pod or a policy). Ids are process-wide and
 * never reused. cpu is held in millicores; everything else in whole units
 * (bytes, counts), as kube-scheduler's framework.Resource does.
 *
 * Thread-safe: interning takes a mutex; res_name and res_count read
 * published entries without locking. */
#ifndef MUSTER_CACHE_RESOURCES_H
#define MUSTER_CACHE_RESOURCES_H

#include "common.h"

enum { RES_CPU = 0, RES_MEMORY = 1, RES_PODS = 2, RES_EPHEMERAL = 3 };

#define RES_MAX 64   /* distinct resource names per process */

/* RET the id for name (adding it if new), or MU_ELIMIT when RES_MAX names
 * are already known. */
int res_intern(const char *name, size_t len);
/* RET the id, or MU_ENOENT if the name was never interned. */
int res_find(const char *name, size_t len);
const char *res_name(int id);
/* Number of ids in use: vectors need only this many entries filled. */
int res_count(void);
/* 3 for cpu (millicores), 0 for everything else. */
static inline int res_scale(int id) { return id == RES_CPU ? 3 : 0; }

/* Parse a quantity for resource `id` into its unit (see quantity.h). */
int res_parse(int id, const char *s, size_t n, int64_t *out);

/* A sparse request: what a pod asks for. */
struct res_amount {
    uint16_t id;
    int64_t v;
};

#endif
