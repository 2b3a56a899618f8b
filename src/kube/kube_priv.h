/* kube_priv.h - the struct kube shared by kube.c, watch.c, podgroups.c and
 * bind.c. Private to src/kube. */
#ifndef MUSTER_KUBE_KUBE_PRIV_H
#define MUSTER_KUBE_KUBE_PRIV_H

#include "common.h"
#include "kube/client.h"
#include "kube/kube.h"
#include "kube/stream.h"
#include "kube/watch.h"

/* How a watch request ended, for muster_watch_ends_total. */
enum kwatch_end { KWE_TIMEOUT, KWE_DROPPED, KWE_STALLED, KWE_EXPIRED,
                  KWE_REFUSED, KWE_N };

/* One resource's list+watch loop. */
struct kwatch {
    struct kube *k;
    enum kres res;
    pthread_t thread;
    bool started;
    atomic_bool listed;          /* the first LIST is in the cluster */
    char rv[KUBE_RV_MAX];        /* resume point: last event or list RV */
    struct kstream split;
    int abort_rc;                /* why the stream callback stopped */
    int64_t next_expiry_ms;      /* pods: next assumed-pod sweep */
    uint64_t events;             /* applied this watch */
    int64_t retry_after_ms;      /* the server asked to wait this long */
    bool absent;                 /* PodGroups: the CRD is not installed */
    /* For /metrics (kube_metrics_render): LISTs completed, and watches
     * ended, by enum kwatch_end. Written by this thread only. */
    atomic_ullong lists;
    atomic_ullong ends[KWE_N];
};

struct kube {
    struct kclient client;
    struct cluster *c;
    int64_t assume_ttl_ms;
    long watch_timeout_s;        /* 0: random in [300, 600) per watch */
    atomic_bool stop;
    pthread_mutex_t mu;          /* for the sleeps below */
    pthread_cond_t cv;
    uint32_t seed;               /* jitter; under mu */
    struct kwatch w[KRES_N];     /* KRES_NODES, KRES_PODS, KRES_PODGROUPS */
    int64_t podgroup_retry_ms;   /* LIST again while the CRD is absent */
    atomic_bool podgroups_absent;    /* the last LIST answered 404 */
    atomic_bool podgroups_look;      /* kube_podgroups_look asked */
};

/* Stream callback codes: positive, so they never mix with MU_E*. */
enum { KW_STOP = 1, KW_RELIST = 2 };

/* The watcher thread's body (watch.c). */
void *kwatch_main(void *arg);
/* PodGroups (podgroups.c): the LIST answered 404, the CRD is absent; log
 * once, empty the table, wait podgroup_retry_ms. RET true when stopping. */
bool kube_podgroups_absent(struct kwatch *w);
/* A LIST of count PodGroups succeeded (logs the CRD's arrival). */
void kube_podgroups_found(struct kwatch *w, size_t count);
/* The CLOCK_MONOTONIC instant ms from now, for pthread_cond_timedwait on
 * a condition variable set to that clock. */
void kube_deadline(int64_t ms, struct timespec *ts);
/* Sleep up to ms, waking early on stop. RET true when stopping. */
bool kube_sleep(struct kube *k, int64_t ms);

#endif
