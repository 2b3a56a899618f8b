/* watch.c - one thread per resource (nodes, pods, PodGroups): paginated
 * LIST into a fresh set that replaces the cached one, then WATCH from its
 * resourceVersion, resuming after drops with capped, jittered backoff and
 * relisting on 410/ERROR. The pods thread also expires assumed pods about
 * once a second; the PodGroups thread waits out an absent CRD (LIST 404,
 * podgroups.c). */
#include "common.h"
#include "kube/kube_priv.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

static const char *const res_path[] = {
    [KRES_NODES] = "/api/v1/nodes", [KRES_PODS] = "/api/v1/pods",
    [KRES_PODGROUPS] = "/apis/scheduling.x-k8s.io/v1alpha1/podgroups"};
static const char *const res_name_pl[] = {[KRES_NODES] = "nodes",
                                          [KRES_PODS] = "pods",
                                          [KRES_PODGROUPS] = "podgroups"};
/* What kube-scheduler's pod informer asks for: finished pods hold nothing
 * and arrive as DELETED when they finish. */
#define POD_SELECTOR                                                           \
    "&fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"

#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 30000
#define KUBE_CONTINUE_MAX 4096

/* Outcomes of one watch request. */
enum wres { W_AGAIN, W_BACKOFF, W_RELIST, W_STOP };

static void maybe_expire(struct kwatch *w)
{
    int64_t now;

    if (w->res != KRES_PODS)
        return;
    now = kube_now_ms();
    if (now < w->next_expiry_ms)
        return;
    w->next_expiry_ms = now + 1000;
    kube_expire_assumed(w->k->c, now);
}

static int on_tick(void *arg)
{
    struct kwatch *w = arg;

    if (atomic_load(&w->k->stop))
        return KW_STOP;
    maybe_expire(w);
    return MU_OK;
}

static int on_event(void *arg, const char *line, size_t len)
{
    struct kwatch *w = arg;
    struct kevent ev;
    char err[1024];
    int rc = kube_apply_event(w->k->c, w->res, line, len, kube_now_ms(), &ev,
                              err, sizeof(err));

    if (rc)
        log_error("watch event not applied", "resource=%s error=\"%s\"",
                  res_name_pl[w->res], err);
    if (ev.relist) {
        log_warn("watch ended by the server, relisting", "resource=%s "
                 "error=\"%s\"", res_name_pl[w->res], err);
        return KW_RELIST;
    }
    if (ev.rv[0])
        memcpy(w->rv, ev.rv, sizeof(w->rv));
    w->events++;
    return on_tick(w);
}

static int on_data(void *arg, const char *p, size_t n)
{
    struct kwatch *w = arg;

    return kstream_feed(&w->split, p, n);
}

/* Mark this resource listed; the cluster is synced once nodes and pods
 * are (PodGroups do not count: their CRD may not exist). */
static void mark_listed(struct kwatch *w)
{
    struct kube *k = w->k;

    atomic_store(&w->listed, true);
    if (!atomic_load(&k->w[KRES_NODES].listed) ||
        !atomic_load(&k->w[KRES_PODS].listed))
        return;
    cluster_wrlock(k->c);
    k->c->synced = true;
    cluster_unlock(k->c);
}

/* GET one page into fresh. RET MU_OK, MU_ESTATE (410: start over),
 * MU_ENOENT (404: for PodGroups, the CRD is not installed), an error with
 * err set, or KW_STOP. */
static int list_page(struct kwatch *w, CURL *h, struct cluster *fresh,
                     char *rv, char *cont, char *err, size_t errlen)
{
    struct kreq rq = {.method = "GET", .max_body = KUBE_LIST_MAX_BODY,
                      .timeout_ms = MU_MAX(w->k->client.request_ms, 60000),
                      .on_tick = on_tick, .arg = w};
    struct kresp resp;
    struct buf path;
    char msg[512];
    int rc;

    buf_init(&path, 8192);
    buf_printf(&path, "%s?limit=%d%s", res_path[w->res], KUBE_LIST_PAGE,
               w->res == KRES_PODS ? POD_SELECTOR : "");
    if (cont[0] && (buf_adds(&path, "&continue=") ||
                    kube_url_escape(&path, cont))) {
        snprintf(err, errlen, "%s: continue token too long", res_path[w->res]);
        rc = MU_ELIMIT;
        goto out;
    }
    rq.path = path.data;
    rc = kclient_do(&w->k->client, h, &rq, &resp, err, errlen);
    if (rc == MU_OK && resp.status != 200) {
        w->retry_after_ms = (int64_t)resp.retry_after_s * 1000;
        kube_status_message(resp.body.data ? resp.body.data : "",
                            resp.body.len, msg, sizeof(msg));
        snprintf(err, errlen, "GET %s%s: HTTP %ld: %s",
                 w->k->client.conn.server, path.data, resp.status, msg);
        rc = resp.status == 410   ? MU_ESTATE
             : resp.status == 404 ? MU_ENOENT
                                  : MU_EIO;
    }
    if (rc == MU_OK)
        rc = kube_apply_list_page(fresh, w->res, resp.body.data,
                                  resp.body.len, rv, cont, KUBE_CONTINUE_MAX,
                                  err, errlen);
    buf_fini(&resp.body);
out:
    buf_fini(&path);
    return rc;
}

/* A whole paginated LIST, swapped into the cluster. */
static int kwatch_list(struct kwatch *w, CURL *h, char *err, size_t errlen)
{
    struct cluster *fresh = cluster_new();
    char rv[KUBE_RV_MAX] = "", *cont = xcalloc(1, KUBE_CONTINUE_MAX);
    size_t count;
    int rc, pages = 0;

    do {
        rc = list_page(w, h, fresh, rv, cont, err, errlen);
        pages++;
    } while (rc == MU_OK && cont[0]);
    free(cont);
    if (rc) {
        cluster_free(fresh);
        return rc;
    }
    count = w->res == KRES_NODES  ? cluster_node_count(fresh)
            : w->res == KRES_PODS ? cluster_pod_count(fresh)
                                  : strmap_len(&fresh->podgroups);
    kube_apply_relist(w->k->c, w->res, fresh, kube_now_ms());
    memcpy(w->rv, rv, sizeof(w->rv));
    log_info("listed", "resource=%s count=%zu pages=%d resourceVersion=%s",
             res_name_pl[w->res], count, pages, rv);
    mark_listed(w);
    if (w->res == KRES_PODGROUPS)
        kube_podgroups_found(w, count);
    atomic_fetch_add(&w->lists, 1);
    return MU_OK;
}

static long watch_timeout(struct kube *k)
{
    uint32_t r;

    if (k->watch_timeout_s > 0)
        return k->watch_timeout_s;
    pthread_mutex_lock(&k->mu);
    r = (uint32_t)rand_r(&k->seed);
    pthread_mutex_unlock(&k->mu);
    return 300 + (long)(r % 300);
}

/* Judge a finished watch request. */
static enum wres judge_outcome(struct kwatch *w, int rc,
                               const struct kresp *resp, int64_t took_ms,
                               const char *err)
{
    char msg[512];

    if (rc == KW_STOP)
        return W_STOP;
    if (rc == KW_RELIST)
        return W_RELIST;
    if (rc != MU_OK) {
        log_warn(resp->timed_out ? "watch stalled, resuming"
                                 : "watch dropped, resuming",
                 "resource=%s resourceVersion=%s pending_bytes=%zu "
                 "error=\"%s\"", res_name_pl[w->res], w->rv,
                 kstream_pending(&w->split), err);
        return W_BACKOFF;
    }
    if (resp->status == 200) {
        /* The server's timeoutSeconds: resume at once, unless it keeps
         * ending watches as soon as they start. */
        return w->events || took_ms >= 1000 ? W_AGAIN : W_BACKOFF;
    }
    kube_status_message(resp->body.data ? resp->body.data : "",
                        resp->body.len, msg, sizeof(msg));
    log_warn("watch refused", "resource=%s status=%ld retry_after_s=%ld "
             "message=\"%s\"", res_name_pl[w->res], resp->status,
             resp->retry_after_s, msg);
    w->retry_after_ms = (int64_t)resp->retry_after_s * 1000;
    /* 410: our resourceVersion is too old; 504: too new (a restored etcd);
     * PodGroups 404: the CRD was removed (the LIST will say so). */
    if (resp->status == 410 || resp->status == 504 ||
        (resp->status == 404 && w->res == KRES_PODGROUPS))
        return W_RELIST;
    return W_BACKOFF;
}

/* Judge it and count how it ended (KW_STOP: muster is stopping). */
static enum wres watch_outcome(struct kwatch *w, int rc,
                               const struct kresp *resp, int64_t took_ms,
                               const char *err)
{
    enum wres r = judge_outcome(w, rc, resp, took_ms, err);
    enum kwatch_end e = KWE_REFUSED;

    if (r == W_STOP)
        return r;
    if (rc == KW_RELIST || (rc == MU_OK && r == W_RELIST))
        e = KWE_EXPIRED;
    else if (rc != MU_OK)
        e = resp->timed_out ? KWE_STALLED : KWE_DROPPED;
    else if (resp->status == 200)
        e = KWE_TIMEOUT;
    atomic_fetch_add(&w->ends[e], 1);
    return r;
}

static enum wres kwatch_watch(struct kwatch *w, CURL *h)
{
    long t = watch_timeout(w->k);
    struct kreq rq = {.method = "GET", .max_body = 1u << 20,
                      .timeout_ms = (t + t / 2 + 5) * 1000,
                      .on_data = on_data, .on_tick = on_tick, .arg = w};
    struct kresp resp;
    struct buf path;
    char err[1024] = "";
    int64_t t0 = kube_now_ms();
    enum wres out;
    int rc;

    buf_init(&path, 1024);
    buf_printf(&path, "%s?watch=true&allowWatchBookmarks=true"
               "&timeoutSeconds=%ld%s&resourceVersion=", res_path[w->res], t,
               w->res == KRES_PODS ? POD_SELECTOR : "");
    kube_url_escape(&path, w->rv);
    rq.path = path.data;
    kstream_reset(&w->split);
    w->events = 0;
    rc = kclient_do(&w->k->client, h, &rq, &resp, err, sizeof(err));
    out = watch_outcome(w, rc, &resp, kube_now_ms() - t0, err);
    log_debug("watch ended", "resource=%s events=%llu resourceVersion=%s",
              res_name_pl[w->res], (unsigned long long)w->events, w->rv);
    buf_fini(&resp.body);
    buf_fini(&path);
    return out;
}

/* Capped exponential backoff with jitter in [d/2, d]; the pods thread
 * keeps expiring assumptions while it waits. RET true when stopping. */
static bool backoff(struct kwatch *w, int attempt)
{
    struct kube *k = w->k;
    int64_t d = BACKOFF_BASE_MS << MU_MIN(attempt, 10), left;
    uint32_t r;

    d = MU_MIN(d, BACKOFF_CAP_MS);
    pthread_mutex_lock(&k->mu);
    r = (uint32_t)rand_r(&k->seed);
    pthread_mutex_unlock(&k->mu);
    left = d / 2 + (int64_t)(r % (uint32_t)(d / 2 + 1));
    /* 429/503 with Retry-After: wait at least as long as asked */
    left = MU_MAX(left, w->retry_after_ms);
    w->retry_after_ms = 0;
    while (left > 0) {
        int64_t slice = MU_MIN(left, 1000);

        if (kube_sleep(k, slice))
            return true;
        left -= slice;
        maybe_expire(w);
    }
    return false;
}

void *kwatch_main(void *arg)
{
    struct kwatch *w = arg;
    CURL *h = kclient_take(&w->k->client);
    bool need_list = true;
    int attempt = 0, rc;
    char err[1024];
    enum wres r;

    kstream_init(&w->split, KSTREAM_MAX_EVENT, on_event, w);
    while (!atomic_load(&w->k->stop)) {
        if (need_list) {
            rc = kwatch_list(w, h, err, sizeof(err));
            if (rc == KW_STOP)
                break;
            if (rc == MU_ENOENT && w->res == KRES_PODGROUPS) {
                if (kube_podgroups_absent(w))
                    break;
                attempt = 0;
                continue;
            }
            if (rc) {
                log_warn("list failed, retrying", "resource=%s error=\"%s\"",
                         res_name_pl[w->res], err);
                if (backoff(w, attempt++))
                    break;
                continue;
            }
            need_list = false;
            attempt = 0;
        }
        r = kwatch_watch(w, h);
        if (r == W_STOP)
            break;
        /* A watch that delivered events was healthy: start afresh. */
        if (w->events || r == W_AGAIN)
            attempt = 0;
        need_list = r == W_RELIST;
        if (r == W_AGAIN || (r == W_RELIST && w->events))
            continue;
        if (backoff(w, attempt++))
            break;
    }
    kstream_fini(&w->split);
    kclient_give(&w->k->client, h);
    return NULL;
}

int kube_metrics_render(struct kube *k, struct buf *out)
{
    static const char *const cause[KWE_N] = {
        [KWE_TIMEOUT] = "timeout", [KWE_DROPPED] = "dropped",
        [KWE_STALLED] = "stalled", [KWE_EXPIRED] = "expired",
        [KWE_REFUSED] = "refused"};
    int rc;

    if (!k)
        return MU_OK;
    rc = buf_adds(out, "# HELP muster_watch_lists_total Complete LISTs "
                       "(initial and relists), by resource.\n"
                       "# TYPE muster_watch_lists_total counter\n");
    for (int r = 0; r < KRES_N && !rc; r++)
        rc = buf_printf(out, "muster_watch_lists_total{resource=\"%s\"} "
                        "%llu\n", res_name_pl[r],
                        (unsigned long long)atomic_load(&k->w[r].lists));
    rc = rc ? rc : buf_adds(out, "# HELP muster_watch_ends_total Watch "
                            "requests ended, by resource and cause.\n"
                            "# TYPE muster_watch_ends_total counter\n");
    for (int r = 0; r < KRES_N && !rc; r++) {
        for (int e = 0; e < KWE_N && !rc; e++)
            rc = buf_printf(out, "muster_watch_ends_total{resource=\"%s\","
                            "cause=\"%s\"} %llu\n", res_name_pl[r],
                            cause[e],
                            (unsigned long long)atomic_load(
                                &k->w[r].ends[e]));
    }
    return rc;
}
