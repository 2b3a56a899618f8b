/* kube.c - kube_start/kube_ready/kube_stop: resolve the connection (the
 * first of --api-server, --kubeconfig/$KUBECONFIG, in-cluster) and run the
 * nodes, pods and PodGroups watchers. */
#include "common.h"
#include "kube/kube_priv.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <time.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_global(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
}

bool kube_in_cluster_env(void)
{
    const char *h = getenv("KUBERNETES_SERVICE_HOST");
    const char *p = getenv("KUBERNETES_SERVICE_PORT");

    return h && *h && p && *p;
}

static int resolve(const struct kube_opts *o, struct kube_conn *conn,
                   const char **how, char *err, size_t errlen)
{
    const char *kc = o->kubeconfig;

    if (o->api_server) {
        *how = "api-server";
        return kube_conn_direct(o->api_server, o->token_file, conn, err,
                                errlen);
    }
    if (!kc && !o->in_cluster)
        kc = getenv("KUBECONFIG");
    if (kc && *kc) {
        /* $KUBECONFIG may list several files; muster reads the first. */
        char *first = xstrndup(kc, strcspn(kc, ":"));
        int rc = kubeconfig_load(first, conn, err, errlen);

        free(first);
        *how = "kubeconfig";
        return rc;
    }
    if (o->in_cluster || kube_in_cluster_env()) {
        *how = "in-cluster";
        return kube_conn_in_cluster(KUBE_SA_DIR, conn, err, errlen);
    }
    snprintf(err, errlen, "no API server: give --api-server, --kubeconfig "
                          "(or $KUBECONFIG), or run in a pod");
    return MU_EINVAL;
}

void kube_deadline(int64_t ms, struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

bool kube_sleep(struct kube *k, int64_t ms)
{
    struct timespec ts;
    bool stop;

    kube_deadline(ms, &ts);
    pthread_mutex_lock(&k->mu);
    while (!(stop = atomic_load(&k->stop))) {
        if (pthread_cond_timedwait(&k->cv, &k->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&k->mu);
    return stop || atomic_load(&k->stop);
}

static struct kube *kube_alloc(const struct kube_opts *o, struct cluster *c)
{
    struct kube *k = xcalloc(1, sizeof(*k));
    pthread_condattr_t ca;

    k->c = c;
    k->assume_ttl_ms = o->assume_ttl_ms > 0 ? o->assume_ttl_ms : 30000;
    k->watch_timeout_s = o->watch_timeout_s;
    k->podgroup_retry_ms = o->podgroup_retry_s > 0
                               ? (int64_t)o->podgroup_retry_s * 1000
                               : KUBE_PODGROUP_ABSENT_MS;
    k->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)k;
    atomic_init(&k->stop, false);
    pthread_mutex_init(&k->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->cv, &ca);
    pthread_condattr_destroy(&ca);
    for (int i = 0; i < KRES_N; i++) {
        k->w[i].k = k;
        k->w[i].res = (enum kres)i;
        atomic_init(&k->w[i].listed, false);
    }
    return k;
}

int kube_start(const struct kube_opts *opts, struct cluster *c,
               struct kube **out, char *err, size_t errlen)
{
    struct kube_conn conn;
    const char *how = "";
    struct kube *k;
    int rc;

    *out = NULL;
    pthread_once(&curl_once, curl_global);
    if ((rc = resolve(opts, &conn, &how, err, errlen)))
        return rc;
    k = kube_alloc(opts, c);
    log_info("connecting to the API server", "server=%s via=%s tls_verify=%s",
             conn.server, how, conn.insecure ? "off" : "on");
    rc = kclient_init(&k->client, &conn, opts->connect_timeout_ms,
                      opts->request_timeout_ms, err, errlen);
    kube_conn_fini(&conn);
    if (rc) {
        k->client.conn.server = NULL;
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->cv);
        free(k);
        return rc;
    }
    /* PodGroups too, though not needed for readiness (kube_ready) */
    for (int i = 0; i < KRES_N; i++) {
        if (pthread_create(&k->w[i].thread, NULL, kwatch_main, &k->w[i])) {
            snprintf(err, errlen, "cannot start watcher thread %d", i);
            kube_stop(k);
            return MU_EIO;
        }
        k->w[i].started = true;
    }
    *out = k;
    return MU_OK;
}

bool kube_ready(const struct kube *k)
{
    return k && atomic_load(&k->w[KRES_NODES].listed) &&
           atomic_load(&k->w[KRES_PODS].listed);
}

void kube_stop(struct kube *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    atomic_store(&k->stop, true);
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    for (int i = 0; i < KRES_N; i++) {
        if (k->w[i].started)
            pthread_join(k->w[i].thread, NULL);
    }
    kclient_fini(&k->client);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k);
}
