/* kube.h - muster's connection to kube-apiserver: authentication, a
 * list+watch of nodes, pods and PodGroups that keeps a struct cluster true,
 * and the Binding POST. The service (src/http) uses only this header.
 *
 * Threads: kube_start spawns one watcher thread per resource; they are the
 * only writers of the cluster while it runs (besides assumed pods, which the
 * service adds through the cluster API after a successful kube_bind). */
#ifndef MUSTER_KUBE_KUBE_H
#define MUSTER_KUBE_KUBE_H

#include "common.h"
#include "cache/cluster.h"

struct kube_opts {
    const char *api_server;     /* --api-server URL, or NULL */
    const char *token_file;     /* --token-file, with api_server */
    const char *kubeconfig;     /* --kubeconfig (or $KUBECONFIG), or NULL */
    bool in_cluster;            /* use the service-account environment */
    long connect_timeout_ms;    /* default 5000 */
    long request_timeout_ms;    /* non-watch requests; default 10000 */
    int64_t assume_ttl_ms;      /* lifetime of an unconfirmed bind; 30000 */
    long watch_timeout_s;       /* timeoutSeconds asked of each watch; 0:
                                   random in [300, 600) as client-go does.
                                   A watch silent for longer than this plus
                                   half of it counts as stalled. */
    long podgroup_retry_s;      /* while the PodGroup CRD is absent (LIST
                                   404), LIST again this often; 0: 60 */
};

struct kube;

/* True when KUBERNETES_SERVICE_HOST and _PORT are both set. */
bool kube_in_cluster_env(void);

/* Resolve the connection (kubeconfig / in-cluster / api-server), then start
 * listing and watching into `c` (borrowed; must outlive the kube).
 * RET MU_OK with *out set, or an error with err naming the file/field/URL. */
int kube_start(const struct kube_opts *opts, struct cluster *c,
               struct kube **out, char *err, size_t errlen);
/* True once the initial node and pod lists are in the cluster (PodGroups
 * never gate readiness: their CRD may not be installed). */
bool kube_ready(const struct kube *k);
/* POST a v1 Binding for the pod to node. RET MU_OK on 201 (or 409 "already
 * assigned" to that same node); otherwise an error with the API server's
 * message in err (409 conflict, 404 not found, transport failures). */
int kube_bind(struct kube *k, const char *ns, const char *name,
              const char *uid, const char *node, char *err, size_t errlen);
/* Set one annotation on a pod (a JSON merge patch of metadata.annotations;
 * RBAC: patch on pods). Gang scheduling uses it to make kube-scheduler
 * re-queue a parked pod at once: a pod update is a cluster event for it.
 * RET MU_OK, MU_ENOENT (404: the pod is gone), or MU_EIO with err set. */
int kube_patch_pod_annotation(struct kube *k, const char *ns,
                              const char *name, const char *key,
                              const char *value, char *err, size_t errlen);
/* PodGroups (scheduling.x-k8s.io/v1alpha1) are listed and watched into
 * the cluster like pods while the CRD exists; while it does not (LIST
 * 404) the LIST is retried every podgroup_retry_s, default
 * KUBE_PODGROUP_ABSENT_MS; see podgroups.c. The watcher skips (and logs)
 * an item that does not decode; kube_podgroups_parse is the strict parse
 * of one LIST page body: OUT the objects (caller frees each and the
 * array), the continue token. RET MU_OK, or MU_EINVAL with err naming the
 * first bad item's field (nothing returned). */
#define KUBE_PODGROUP_ABSENT_MS 60000
/* A pod names a PodGroup muster does not have: while the CRD is absent,
 * look for it now rather than at the next retry (at most one LIST a
 * second). Cheap and safe from any thread; does nothing otherwise. */
void kube_podgroups_look(struct kube *k);
struct podgroup;
int kube_podgroups_parse(const char *body, size_t len, struct podgroup ***out,
                         size_t *n, char *cont, size_t cont_cap, char *err,
                         size_t errlen);
/* Append the watchers' Prometheus counters to out: muster_watch_lists_total
 * and muster_watch_ends_total{resource,cause} (cause: timeout, dropped,
 * stalled, expired (410 or ERROR: relist), refused (other HTTP status)).
 * Accepts NULL (nothing appended). RET MU_OK or MU_ELIMIT. */
struct buf;
int kube_metrics_render(struct kube *k, struct buf *out);
/* Stop the watchers and free everything. Accepts NULL. */
void kube_stop(struct kube *k);

#endif
