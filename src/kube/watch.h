/* watch.h - list+watch of one resource (nodes, pods, PodGroups) into the
 * cluster, and the pure event/list application it is built on (tested
 * without a server). Private to src/kube. */
#ifndef MUSTER_KUBE_WATCH_H
#define MUSTER_KUBE_WATCH_H

#include "common.h"
#include "cache/cluster.h"

#include <pthread.h>
#include <stdatomic.h>

/* PodGroups (scheduling.x-k8s.io/v1alpha1, a CRD that may be absent) go
 * through the same list+watch; they never gate readiness. */
enum kres { KRES_NODES = 0, KRES_PODS = 1, KRES_PODGROUPS = 2, KRES_N };

#define KUBE_RV_MAX 128
#define KUBE_LIST_PAGE 500
/* The cap on one LIST page body. */
#define KUBE_LIST_MAX_BODY (256u << 20)

/* What one watch event did. */
struct kevent {
    char type[16];            /* ADDED, MODIFIED, DELETED, BOOKMARK, ERROR */
    char rv[KUBE_RV_MAX];     /* the object's resourceVersion, "" if none */
    bool relist;              /* ERROR: the cache must be rebuilt */
    int64_t code;             /* ERROR: the Status code */
};

/* Apply one watch event (one JSON line) to c, taking its write lock for
 * the one change. Pods: an unexpired assumption (assumed_until > now_ms)
 * survives an event that still shows the pod unbound. OUT ev. RET MU_OK,
 * or MU_EINVAL with err saying what is wrong with the event, or MU_ELIMIT
 * when the object would pass a process-wide cap (RES_MAX distinct resource
 * names) - in both cases the cache is unchanged and ev->rv is set when it
 * could be read. */
int kube_apply_event(struct cluster *c, enum kres res, const char *line,
                     size_t len, int64_t now_ms, struct kevent *ev, char *err,
                     size_t errlen);

/* Decode one LIST page into fresh (not locked: private to the caller).
 * OUT rv (the list's resourceVersion) and cont (the continue token, ""
 * on the last page), each of KUBE_RV_MAX / cont_cap bytes. Items that do
 * not decode are logged and skipped. RET MU_OK or MU_EINVAL (err). */
int kube_apply_list_page(struct cluster *fresh, enum kres res,
                         const char *body, size_t len, char *rv, char *cont,
                         size_t cont_cap, char *err, size_t errlen);

/* Swap fresh's objects of kind res into c under c's write lock, keeping
 * unexpired assumptions for pods fresh still shows unbound, then free the
 * old objects after unlocking. Consumes fresh. */
void kube_apply_relist(struct cluster *c, enum kres res,
                       struct cluster *fresh, int64_t now_ms);

/* Drop assumptions that lapsed (assumed_until <= now_ms): the pod goes back
 * to unbound, as the API server last showed it. RET how many. */
size_t kube_expire_assumed(struct cluster *c, int64_t now_ms);

/* Decode one PodGroup object (a watch event's or a LIST item), `what`
 * prefixing the field path in errors (podgroups.c). OUT *out, owned by
 * the caller. RET MU_OK or MU_EINVAL/MU_ELIMIT with err set. */
struct podgroup;
int kube_podgroup_decode(const char *obj, size_t len, const char *what,
                         struct podgroup **out, char *err, size_t errlen);

#endif
