/* resources.h - resource names interned to small integer ids, and dense
 * per-node vectors indexed by them.
 *
 * Every resource Kubernetes can schedule on is just a name: cpu, memory,
 * pods, ephemeral-storage, hugepages-2Mi, nvidia.com/gpu, rdma/hca, ... The
 * first four have fixed ids; any other name gets the next free id the first
 * time it is seen (from a node, a pod or a policy). Ids are process-wide and
 * never reused.
 *
 * Pods may name anything, and anyone who can create pods (or send extender
 * bodies) could fill the table with made-up names, after which a Node that
 * gains a real device-plugin resource could not be decoded. So pod-side
 * names go through res_intern_pod, which adds new names only while fewer
 * than RES_POD_QUOTA ids are in use; past that, a pod naming an unknown
 * resource gets RES_UNLISTED, a reserved id no Node ever has allocatable
 * for (node decoding refuses that literal name), so the pod fits nowhere
 * with "Insufficient muster.dev/unlisted-resource". Caveat: a pod decoded
 * while the quota was full keeps RES_UNLISTED until it is decoded again
 * (its next watch event, the next extender call) even if a node later
 * advertises the name it asked for. cpu is held in millicores; everything else in whole units
 * (bytes, counts), as kube-scheduler's framework.Resource does.
 *
 * Thread-safe: interning takes a mutex; res_name and res_count read
 * published entries without locking. */
#ifndef MUSTER_CACHE_RESOURCES_H
#define MUSTER_CACHE_RESOURCES_H

#include "common.h"

enum { RES_CPU = 0, RES_MEMORY = 1, RES_PODS = 2, RES_EPHEMERAL = 3 };
/* Reserved: what a pod's unknown resource maps to once the pod quota is
 * used up (see above). Never in a Node's allocatable. */
enum { RES_UNLISTED = 4 };
#define RES_UNLISTED_NAME "muster.dev/unlisted-resource"

#define RES_MAX 64        /* distinct resource names per process */
#define RES_POD_QUOTA 40  /* pods add new names only below this many ids */

/* RET the id for name (adding it if new), or MU_ELIMIT when RES_MAX names
 * are already known. */
int res_intern(const char *name, size_t len);
/* For names from pods: the id for name, adding it only while fewer than
 * RES_POD_QUOTA ids are in use; otherwise RES_UNLISTED. Never fails. */
int res_intern_pod(const char *name, size_t len);
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
