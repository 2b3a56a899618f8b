/* gang_svc.c - the gang tick thread, held-bind answers, wake-up patches
 * and the gang metrics (see gang_svc.h). */
#include "common.h"
#include "http/gang_svc.h"
#include "http/ext_int.h"
#include "kube/kube.h"
#include "cache/resources.h"
#include "queue/gang.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <time.h>

/* Answer one held bind with an Error. */
static void answer_error(struct ext_service *s, void *ticket,
                         const char *msg)
{
    struct buf b;

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "{\"Error\":");
    ext_put_text(&b, msg, strlen(msg));
    buf_addc(&b, '}');
    s->answer_held(ticket, 200, &b);
}

/* A parked member: make kube-scheduler re-queue it (a pod update). */
static void send_wake(struct gang_svc *g, const struct gang_wake *w)
{
    char err[512];
    int rc;

    if (!g->ext->kube) {
        log_debug("gang wake-up", "pod=%s/%s state=%s (snapshot mode: not "
                  "patched)", w->ns, w->name, w->value);
        return;
    }
    rc = kube_patch_pod_annotation(g->ext->kube, w->ns, w->name,
                                   GANG_ANN_STATE, w->value, err,
                                   sizeof(err));
    pthread_mutex_lock(&g->mu);
    g->patches++;
    g->patch_errors += rc != MU_OK && rc != MU_ENOENT;
    pthread_mutex_unlock(&g->mu);
    if (rc && rc != MU_ENOENT)
        log_warn("gang wake-up patch failed", "pod=%s/%s err=\"%s\"", w->ns,
                 w->name, err);
}

size_t gang_svc_flush(struct gang_svc *g)
{
    struct gang_out out;
    size_t n;

    gang_drain(g->ext->gangs, &out);
    for (size_t i = 0; i < out.nanswers; i++)
        answer_error(g->ext, out.answers[i].ticket, out.answers[i].err);
    for (size_t i = 0; i < out.nwakes; i++)
        send_wake(g, &out.wakes[i]);
    n = out.nanswers;
    gang_out_fini(&out);
    return n;
}

/* A follower holds nothing and writes nothing (no wake-up patches): what
 * a lost term left is answered and dropped, and planning waits for the
 * next term. */
static void follower_tick(struct gang_svc *g, const char *msg)
{
    struct gang_out out;

    gang_step_down(g->ext->gangs, msg);
    gang_drain(g->ext->gangs, &out);
    for (size_t i = 0; i < out.nanswers; i++)
        answer_error(g->ext, out.answers[i].ticket, out.answers[i].err);
    gang_out_fini(&out);
}

static void tick_once(struct gang_svc *g)
{
    struct ext_service *s = g->ext;
    char msg[EXT_ERR_MAX];

    if (!ext_service_leader(s, msg, sizeof(msg))) {
        follower_tick(g, msg);
        return;
    }
    cluster_rdlock(s->cluster);
    gang_tick(s->gangs, s->cluster, s->policy, ext_now_ms());
    cluster_unlock(s->cluster);
    gang_svc_flush(g);
}

static void *tick_main(void *arg)
{
    struct gang_svc *g = arg;
    struct timespec ts;

    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        if (!g->kicked) {
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += GANG_SVC_TICK_MS * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&g->cv, &g->mu, &ts);
        }
        g->kicked = false;
        if (g->stop)
            break;
        pthread_mutex_unlock(&g->mu);
        tick_once(g);
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int gang_svc_start(struct gang_svc *g, struct ext_service *ext)
{
    pthread_condattr_t ca;

    memset(g, 0, sizeof(*g));
    g->ext = ext;
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    ext->gangs = gang_table_new();
    ext->gang_svc = g;
    if (pthread_create(&g->thread, NULL, tick_main, g) != 0)
        return MU_EIO;
    g->started = true;
    return MU_OK;
}

void gang_svc_kick(struct gang_svc *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->kicked = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

size_t gang_svc_stop(struct gang_svc *g)
{
    size_t n = 0;

    if (!g->ext)
        return 0;
    if (g->started) {
        pthread_mutex_lock(&g->mu);
        g->stop = true;
        pthread_cond_signal(&g->cv);
        pthread_mutex_unlock(&g->mu);
        pthread_join(g->thread, NULL);
        g->started = false;
    }
    if (g->ext->gangs) {
        gang_shutdown(g->ext->gangs);
        n = gang_svc_flush(g);
    }
    /* mu and cv stay usable: /metrics and kicks may still arrive until the
     * HTTP server stops (they hold no memory to free) */
    return n;
}

/* ---- /metrics ---- */

static int metric_head(struct buf *b, const char *name, const char *type,
                       const char *help)
{
    return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                      type);
}

static int render_states(struct buf *b, const struct gang_stats *st)
{
    static const char *const names[] = {"waiting", "admitted", "binding",
                                        "bound", "backoff"};
    const uint64_t v[] = {st->waiting, st->admitted, st->binding, st->done,
                          st->backoff};
    int rc = metric_head(b, "muster_gangs", "gauge",
                         "Gangs known to muster, by state.");

    for (size_t i = 0; !rc && i < ARRAY_LEN(names); i++)
        rc = buf_printf(b, "muster_gangs{state=\"%s\"} %llu\n", names[i],
                        (unsigned long long)v[i]);
    rc = rc ? rc : metric_head(b, "muster_gang_held_binds", "gauge",
                               "Bind calls held open until their gang is "
                               "complete.");
    rc = rc ? rc : buf_printf(b, "muster_gang_held_binds %llu\n",
                              (unsigned long long)st->held);
    return rc;
}

static int render_counters(struct buf *b, const struct gang_stats *st,
                           uint64_t patches, uint64_t patch_errors)
{
    static const char *const names[] = {
        "muster_gang_admitted_total", "muster_gang_timed_out_total",
        "muster_gang_completed_total", "muster_gang_wake_patches_total",
        "muster_gang_wake_patch_errors_total"};
    static const char *const help[] = {
        "Gangs admitted (a node reserved for every member).",
        "Admitted gangs that did not complete in time.",
        "Gangs whose members were all bound together.",
        "Wake-up annotation patches sent to parked members.",
        "Wake-up patches the API server refused or that failed."};
    const uint64_t v[] = {st->admitted_total, st->timed_out_total,
                          st->completed_total, patches, patch_errors};
    int rc = MU_OK;

    for (size_t i = 0; !rc && i < ARRAY_LEN(names); i++) {
        rc = metric_head(b, names[i], "counter", help[i]);
        rc = rc ? rc : buf_printf(b, "%s %llu\n", names[i],
                                  (unsigned long long)v[i]);
    }
    return rc;
}

static int render_reserved(struct buf *b, const struct gang_stats *st)
{
    int rc = metric_head(b, "muster_gang_reserved", "gauge",
                         "Resources reserved for admitted or starving "
                         "gangs (cpu in cores, memory in bytes).");

    for (int r = 0; !rc && r < res_count(); r++) {
        if (!st->reserved[r])
            continue;
        rc = buf_adds(b, "muster_gang_reserved{resource=");
        rc = rc ? rc : buf_add_jstrz(b, res_name(r));
        rc = rc ? rc : (r == RES_CPU
                            ? buf_printf(b, "} %.3f\n",
                                         (double)st->reserved[r] / 1000)
                            : buf_printf(b, "} %lld\n",
                                         (long long)st->reserved[r]));
    }
    return rc;
}

static int render_wait(struct buf *b, const struct gang_stats *st)
{
    int rc = metric_head(b, "muster_gang_admission_wait_seconds",
                         "histogram", "Time from a gang's quorum to its "
                         "admission.");

    for (size_t i = 0; !rc && i < GANG_WAIT_BUCKETS; i++)
        rc = buf_printf(b, "muster_gang_admission_wait_seconds_bucket{le=\""
                        "%g\"} %llu\n", gang_wait_bounds[i],
                        (unsigned long long)st->wait_bucket[i]);
    rc = rc ? rc : buf_printf(b, "muster_gang_admission_wait_seconds_bucket"
                              "{le=\"+Inf\"} %llu\n"
                              "muster_gang_admission_wait_seconds_sum %.3f\n"
                              "muster_gang_admission_wait_seconds_count "
                              "%llu\n",
                              (unsigned long long)st->wait_count,
                              st->wait_sum_s,
                              (unsigned long long)st->wait_count);
    return rc;
}

int gang_svc_metrics(struct gang_svc *g, struct buf *out)
{
    struct gang_stats st;
    uint64_t patches, errs;
    int rc;

    gang_stats_get(g->ext->gangs, &st);
    pthread_mutex_lock(&g->mu);
    patches = g->patches;
    errs = g->patch_errors;
    pthread_mutex_unlock(&g->mu);
    rc = render_states(out, &st);
    rc = rc ? rc : render_counters(out, &st, patches, errs);
    rc = rc ? rc : render_reserved(out, &st);
    return rc ? rc : render_wait(out, &st);
}
