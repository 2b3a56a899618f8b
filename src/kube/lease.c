/* lease.c - leader election on a coordination.k8s.io/v1 Lease: the record
 * codec, the pure state machine (lease_decide and friends) and the thread
 * that campaigns, renews and releases (see lease.h for the semantics). */
#include "common.h"
#include "kube/lease.h"
#include "kube/kube_priv.h"
#include "util/jscan.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define LEASE_MAX_BODY (64u << 10)

/* ---- the state machine ---- */

static bool spec_eq(const struct lease_spec *a, const struct lease_spec *b)
{
    return strcmp(a->holder, b->holder) == 0 &&
           a->duration_s == b->duration_s &&
           strcmp(a->acquire, b->acquire) == 0 &&
           strcmp(a->renew, b->renew) == 0 &&
           a->transitions == b->transitions;
}

void lease_observe(struct lease_obs *o, const struct lease_spec *got,
                   const char *rv, int64_t now_ms)
{
    /* client-go compares the raw record: any change restarts the clock */
    if (!o->exists || !spec_eq(&o->spec, got)) {
        o->spec = *got;
        o->observed_ms = now_ms;
    }
    o->exists = true;
    snprintf(o->rv, sizeof(o->rv), "%s", rv ? rv : "");
}

enum lease_action lease_decide(const struct lease_obs *o, const char *id,
                               int64_t now_ms)
{
    if (!o->exists)
        return LEASE_CREATE;
    if (strcmp(o->spec.holder, id) == 0)
        return LEASE_RENEW;
    if (!o->spec.holder[0])
        return LEASE_ACQUIRE;           /* released */
    if (o->observed_ms + o->spec.duration_s * 1000 > now_ms)
        return LEASE_WAIT;
    return LEASE_ACQUIRE;               /* expired on our clock */
}

void lease_next(const struct lease_obs *o, enum lease_action a,
                const char *id, int64_t duration_s, const char *now_time,
                struct lease_spec *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->holder, sizeof(out->holder), "%s", id);
    out->duration_s = duration_s;
    snprintf(out->renew, sizeof(out->renew), "%s", now_time);
    if (a == LEASE_RENEW) {
        snprintf(out->acquire, sizeof(out->acquire), "%s", o->spec.acquire);
        out->transitions = o->spec.transitions;
        return;
    }
    snprintf(out->acquire, sizeof(out->acquire), "%s", now_time);
    out->transitions = a == LEASE_CREATE ? 0 : o->spec.transitions + 1;
}

bool lease_keeps(const struct lease_obs *o, const char *id,
                 int64_t last_ok_ms, int64_t renew_ms, int64_t now_ms)
{
    if (now_ms - last_ok_ms >= renew_ms)
        return false;
    return !o->exists || strcmp(o->spec.holder, id) == 0;
}

/* ---- the record ---- */

static int copy_str(struct jscan *js, char *dst, size_t cap)
{
    struct jstr s;
    int rc;

    dst[0] = '\0';
    if (js_maybe_null(js) == 1)
        return MU_OK;
    if ((rc = js_str(js, &s)))
        return rc;
    if (jstr_copy(&s, dst, cap) < 0)
        return js_fail(js, "longer than %zu bytes", cap - 1);
    return MU_OK;
}

static int opt_i64(struct jscan *js, int64_t *out)
{
    *out = 0;
    if (js_maybe_null(js) == 1)
        return MU_OK;
    return js_i64(js, out);
}

static int parse_spec(struct jscan *js, struct lease_spec *s)
{
    struct jstr key;
    int r, rc = MU_OK;

    if (js_maybe_null(js) == 1)
        return MU_OK;
    if ((rc = js_obj_begin(js)))
        return rc;
    while (!rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "holderIdentity"))
            rc = copy_str(js, s->holder, sizeof(s->holder));
        else if (jstr_eq(&key, "leaseDurationSeconds"))
            rc = opt_i64(js, &s->duration_s);
        else if (jstr_eq(&key, "acquireTime"))
            rc = copy_str(js, s->acquire, sizeof(s->acquire));
        else if (jstr_eq(&key, "renewTime"))
            rc = copy_str(js, s->renew, sizeof(s->renew));
        else if (jstr_eq(&key, "leaseTransitions"))
            rc = opt_i64(js, &s->transitions);
        else
            rc = js_skip(js);
    }
    if (!rc && (s->duration_s < 0 || s->duration_s > 86400 * 365 ||
                s->transitions < 0))
        rc = js_fail(js, "leaseDurationSeconds or leaseTransitions out of "
                         "range");
    return rc ? rc : (r < 0 ? r : MU_OK);
}

static int parse_meta(struct jscan *js, char *rv, size_t rvcap)
{
    struct jstr key;
    int r, rc = MU_OK;

    if ((rc = js_obj_begin(js)))
        return rc;
    while (!rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "resourceVersion"))
            rc = copy_str(js, rv, rvcap);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

int lease_parse(const char *body, size_t len, struct lease_spec *spec,
                char *rv, size_t rvcap, char *err, size_t errlen)
{
    struct jscan js;
    struct jstr key;
    int r, rc;

    memset(spec, 0, sizeof(*spec));
    rv[0] = '\0';
    js_init(&js, body, len);
    js_set_prefix(&js, "Lease");
    rc = js_obj_begin(&js);
    while (!rc && (r = js_obj_next(&js, &key)) > 0) {
        if (jstr_eq(&key, "spec"))
            rc = parse_spec(&js, spec);
        else if (jstr_eq(&key, "metadata"))
            rc = parse_meta(&js, rv, rvcap);
        else
            rc = js_skip(&js);
    }
    if (!rc && (r < 0 || js_end(&js)))
        rc = MU_EINVAL;
    if (rc)
        snprintf(err, errlen, "%s", js_error(&js));
    return rc ? MU_EINVAL : MU_OK;
}

/* A MicroTime field, or null when empty. */
static int emit_time(struct buf *b, const char *key, const char *t)
{
    int rc = buf_printf(b, ",\"%s\":", key);

    if (rc)
        return rc;
    return *t ? buf_add_jstrz(b, t) : buf_adds(b, "null");
}

int lease_emit(struct buf *b, const char *name, const char *ns,
               const char *rv, const struct lease_spec *s)
{
    int rc = buf_adds(b, "{\"apiVersion\":\"coordination.k8s.io/v1\","
                         "\"kind\":\"Lease\",\"metadata\":{\"name\":");

    rc = rc ? rc : buf_add_jstrz(b, name);
    rc = rc ? rc : buf_adds(b, ",\"namespace\":");
    rc = rc ? rc : buf_add_jstrz(b, ns);
    if (rv) {
        rc = rc ? rc : buf_adds(b, ",\"resourceVersion\":");
        rc = rc ? rc : buf_add_jstrz(b, rv);
    }
    rc = rc ? rc : buf_adds(b, "},\"spec\":{\"holderIdentity\":");
    rc = rc ? rc : buf_add_jstrz(b, s->holder);
    rc = rc ? rc : buf_printf(b, ",\"leaseDurationSeconds\":%lld",
                              (long long)s->duration_s);
    rc = rc ? rc : emit_time(b, "acquireTime", s->acquire);
    rc = rc ? rc : emit_time(b, "renewTime", s->renew);
    rc = rc ? rc : buf_printf(b, ",\"leaseTransitions\":%lld}}",
                              (long long)s->transitions);
    return rc;
}

/* ---- flags ---- */

int lease_duration_parse(const char *s, int64_t *ms)
{
    static const struct { const char *u; int64_t ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    int64_t whole = 0, frac = 0, scale = 1;
    const char *p = s;

    if (!s || *p < '0' || *p > '9')
        return MU_EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > 86400000)
            return MU_EINVAL;
    }
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9')
            return MU_EINVAL;
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale < 1000000) {       /* sub-microsecond digits: dropped */
                frac = frac * 10 + (*p - '0');
                scale *= 10;
            }
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(units); i++) {
        if (strcmp(p, units[i].u) != 0)
            continue;
        *ms = whole * units[i].ms + frac * units[i].ms / scale;
        return *ms <= 86400000 ? MU_OK : MU_EINVAL;
    }
    return MU_EINVAL;
}

int lease_durations_check(int64_t lease_ms, int64_t renew_ms,
                          int64_t retry_ms, char *err, size_t errlen)
{
    if (lease_ms <= 0 || renew_ms <= 0 || retry_ms <= 0) {
        snprintf(err, errlen, "leader election durations must be positive");
        return MU_EINVAL;
    }
    if (lease_ms <= renew_ms) {
        snprintf(err, errlen, "--leader-elect-lease-duration must be greater "
                 "than --leader-elect-renew-deadline");
        return MU_EINVAL;
    }
    if ((double)renew_ms <= LEASE_JITTER * (double)retry_ms) {
        snprintf(err, errlen, "--leader-elect-renew-deadline must be greater "
                 "than --leader-elect-retry-period x %.1f", LEASE_JITTER);
        return MU_EINVAL;
    }
    if (lease_ms % 1000) {
        /* leaseDurationSeconds is whole seconds on the wire */
        snprintf(err, errlen, "--leader-elect-lease-duration must be whole "
                 "seconds");
        return MU_EINVAL;
    }
    return MU_OK;
}

void lease_identity(char *out, size_t cap)
{
    unsigned char r[16] = {0};
    char host[128];
    size_t got = 0;
    ssize_t n;

    if (gethostname(host, sizeof(host)) != 0 || !host[0])
        snprintf(host, sizeof(host), "muster");
    host[sizeof(host) - 1] = '\0';
    while (got < sizeof(r) && (n = getrandom(r + got, sizeof(r) - got, 0)) > 0)
        got += (size_t)n;
    if (got < sizeof(r)) {
        /* no entropy source: time and pid still tell replicas apart */
        uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
                     (uint64_t)kube_now_ms();

        memcpy(r, &x, sizeof(x));
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);   /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    snprintf(out, cap, "%s_%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x", host, r[0], r[1], r[2], r[3], r[4],
             r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
}

/* ---- the election thread ---- */

struct kube_lease {
    struct kube *k;                   /* borrowed */
    char name[LEASE_NAME_MAX], ns[LEASE_NAME_MAX], id[LEASE_ID_MAX];
    int64_t lease_ms, renew_ms, retry_ms;
    void (*on_change)(void *arg, bool leader);
    void *arg;
    char *coll_path, *obj_path;       /* .../leases and .../leases/NAME */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;               /* stop, holder, the sleeps */
    pthread_cond_t cv;
    bool stop;
    char holder[LEASE_ID_MAX];        /* under mu: last holder seen */
    struct lease_obs obs;             /* the election thread's */
    int64_t last_ok_ms;               /* start of the last good write */
    bool failing;                     /* the last attempt failed (logged) */
    bool held_at_stop;                /* for kube_lease_release */
    uint32_t seed;
    atomic_bool leader;
    _Atomic int64_t valid_until_ms;   /* last_ok_ms + renew_ms */
    _Atomic uint64_t transitions;
};

/* Sleep up to ms; RET true when stopping. */
static bool lease_sleep(struct kube_lease *l, int64_t ms)
{
    struct timespec ts;
    bool stop;

    kube_deadline(ms, &ts);
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT)
            break;
    }
    stop = l->stop;
    pthread_mutex_unlock(&l->mu);
    return stop;
}

/* Now as a MicroTime: 2026-11-23T22:53:37.123456Z. */
static void micro_time(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    char sec[24];
    unsigned us;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    if (strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        sec[0] = '\0';
    us = (unsigned)(ts.tv_nsec / 1000) % 1000000u;
    snprintf(out, cap, "%.19s.%06uZ", sec, us);
}

/* One request; RET MU_OK with resp (caller frees its body) or MU_EIO. */
static int lease_http(struct kube_lease *l, const char *method,
                      const char *path, const struct buf *body,
                      struct kresp *resp, char *err, size_t errlen)
{
    struct kreq rq = {.method = method, .path = path,
                      .max_body = LEASE_MAX_BODY,
                      .timeout_ms = MU_MIN(l->renew_ms, 10000)};
    CURL *h;
    int rc;

    if (body) {
        rq.body = body->data;
        rq.body_len = body->len;
    }
    h = kclient_take(&l->k->client);
    rc = kclient_do(&l->k->client, h, &rq, resp, err, errlen);
    kclient_give(&l->k->client, h);
    return rc;
}

/* A non-2xx answer as err. */
static int lease_status_err(const char *what, const struct kresp *resp,
                            char *err, size_t errlen)
{
    char msg[300];

    kube_status_message(resp->body.data ? resp->body.data : "",
                        resp->body.len, msg, sizeof(msg));
    snprintf(err, errlen, "%s: API server answered %ld: %s", what,
             resp->status, msg);
    return resp->status == 409 ? MU_ESTATE : MU_EIO;
}

/* GET the Lease into l->obs, observed when the answer came (as client-go
 * does: the later of the two, so a follower never counts from before a
 * renewal the answer may already contain). */
static int lease_read(struct kube_lease *l, char *err, size_t errlen)
{
    struct lease_spec spec;
    char rv[KUBE_RV_MAX];
    struct kresp resp;
    int rc = lease_http(l, "GET", l->obj_path, NULL, &resp, err, errlen);

    if (rc == MU_OK && resp.status == 404) {
        l->obs.exists = false;
        l->obs.rv[0] = '\0';
    } else if (rc == MU_OK && resp.status == 200) {
        rc = lease_parse(resp.body.data, resp.body.len, &spec, rv, sizeof(rv),
                         err, errlen);
        if (rc == MU_OK)
            lease_observe(&l->obs, &spec, rv, kube_now_ms());
    } else if (rc == MU_OK) {
        rc = lease_status_err("GET lease", &resp, err, errlen);
    }
    buf_fini(&resp.body);
    if (rc == MU_OK) {
        pthread_mutex_lock(&l->mu);
        snprintf(l->holder, sizeof(l->holder), "%s",
                 l->obs.exists ? l->obs.spec.holder : "");
        pthread_mutex_unlock(&l->mu);
    }
    return rc;
}

/* POST (create) or PUT (rv set) the spec; on success it is observed. */
static int lease_write(struct kube_lease *l, const struct lease_spec *s,
                       bool create, int64_t now, char *err, size_t errlen)
{
    struct lease_spec got;
    char rv[KUBE_RV_MAX];
    struct kresp resp;
    struct buf body;
    int rc;

    buf_init(&body, LEASE_MAX_BODY);
    rc = lease_emit(&body, l->name, l->ns, create ? NULL : l->obs.rv, s);
    if (rc == MU_OK)
        rc = lease_http(l, create ? "POST" : "PUT",
                        create ? l->coll_path : l->obj_path, &body, &resp,
                        err, errlen);
    else
        snprintf(err, errlen, "lease body too large");
    buf_fini(&body);
    if (rc)
        return rc;
    if (resp.status == 200 || resp.status == 201) {
        rc = lease_parse(resp.body.data, resp.body.len, &got, rv, sizeof(rv),
                         err, errlen);
        if (rc == MU_OK)
            lease_observe(&l->obs, &got, rv, now);
    } else {
        rc = lease_status_err(create ? "create lease" : "update lease", &resp,
                              err, errlen);
    }
    buf_fini(&resp.body);
    return rc;
}

/* client-go's tryAcquireOrRenew. RET MU_OK when we hold the lease now,
 * MU_ESTATE when another does, or an error (err set). */
static int lease_try(struct kube_lease *l, char *err, size_t errlen)
{
    int64_t start = kube_now_ms();
    char now_time[LEASE_TIME_MAX];
    struct lease_spec next;
    enum lease_action a;
    int rc;

    if ((rc = lease_read(l, err, errlen)))
        return rc;
    a = lease_decide(&l->obs, l->id, kube_now_ms());
    if (a == LEASE_WAIT)
        return MU_ESTATE;
    micro_time(now_time, sizeof(now_time));
    lease_next(&l->obs, a, l->id, l->lease_ms / 1000, now_time, &next);
    rc = lease_write(l, &next, a == LEASE_CREATE, kube_now_ms(), err, errlen);
    if (rc)
        return rc;
    l->last_ok_ms = start;
    atomic_store(&l->valid_until_ms, start + l->renew_ms);
    return MU_OK;
}

static void lease_set(struct kube_lease *l, bool leader, const char *why)
{
    atomic_store(&l->leader, leader);
    atomic_fetch_add(&l->transitions, 1);
    if (leader)
        log_info("became the leader", "lease=%s/%s identity=%s", l->ns,
                 l->name, l->id);
    else
        log_warn("lost the leadership: not serving callbacks", "lease=%s/%s "
                 "identity=%s why=\"%s\"", l->ns, l->name, l->id, why);
    if (l->on_change)
        l->on_change(l->arg, leader);
}

/* One round: try, then decide whether we lead. RET the next delay. */
static int64_t lease_round(struct kube_lease *l)
{
    char err[512] = "", why[600];
    bool leader = atomic_load(&l->leader);
    int rc = lease_try(l, err, sizeof(err));
    int64_t now = kube_now_ms();

    if (rc && rc != MU_ESTATE && !l->failing)
        log_warn("leader election: lease request failed", "lease=%s/%s "
                 "err=\"%s\"", l->ns, l->name, err);
    l->failing = rc && rc != MU_ESTATE;
    if (leader && !lease_keeps(&l->obs, l->id, l->last_ok_ms, l->renew_ms,
                               now)) {
        if (l->obs.exists && strcmp(l->obs.spec.holder, l->id) != 0)
            snprintf(why, sizeof(why), "the lease is held by %s",
                     l->obs.spec.holder[0] ? l->obs.spec.holder : "nobody");
        else
            snprintf(why, sizeof(why), "not renewed within the renew "
                     "deadline (%lld ms): %s", (long long)l->renew_ms, err);
        lease_set(l, false, why);
    } else if (!leader && rc == MU_OK) {
        lease_set(l, true, NULL);
    }
    if (atomic_load(&l->leader))
        return l->retry_ms;
    /* followers spread their retries, as client-go's JitterUntil */
    l->seed = l->seed * 1103515245u + 12345u;
    return l->retry_ms +
           (int64_t)((double)l->retry_ms * LEASE_JITTER *
                     (double)((l->seed >> 8) & 0xffff) / 65536.0);
}

static void *lease_main(void *arg)
{
    struct kube_lease *l = arg;

    log_info("leader election: campaigning", "lease=%s/%s identity=%s "
             "lease_ms=%lld renew_ms=%lld retry_ms=%lld", l->ns, l->name,
             l->id, (long long)l->lease_ms, (long long)l->renew_ms,
             (long long)l->retry_ms);
    while (!lease_sleep(l, lease_round(l)))
        ;
    return NULL;
}

/* "/apis/coordination.k8s.io/v1/namespaces/NS/leases[/NAME]" */
static char *lease_path(const char *ns, const char *name)
{
    struct buf b;
    int rc;

    buf_init(&b, 4096);
    rc = buf_adds(&b, "/apis/coordination.k8s.io/v1/namespaces/");
    rc = rc ? rc : kube_url_escape(&b, ns);
    rc = rc ? rc : buf_adds(&b, "/leases");
    if (name) {
        rc = rc ? rc : buf_addc(&b, '/');
        rc = rc ? rc : kube_url_escape(&b, name);
    }
    MU_ASSERT(rc == MU_OK);          /* names are capped at LEASE_NAME_MAX */
    return buf_steal(&b, NULL);
}

static int lease_check_opts(const struct lease_opts *o, char *err,
                            size_t errlen)
{
    if (!o->name || !*o->name || strlen(o->name) >= LEASE_NAME_MAX ||
        !o->ns || !*o->ns || strlen(o->ns) >= LEASE_NAME_MAX) {
        snprintf(err, errlen, "leader election: the lease name and "
                 "namespace must be 1..%d characters", LEASE_NAME_MAX - 1);
        return MU_EINVAL;
    }
    if (!o->identity || !*o->identity ||
        strlen(o->identity) >= LEASE_ID_MAX) {
        snprintf(err, errlen, "leader election: identity must be 1..%d "
                 "characters", LEASE_ID_MAX - 1);
        return MU_EINVAL;
    }
    return lease_durations_check(o->lease_ms, o->renew_ms, o->retry_ms, err,
                                 errlen);
}

int kube_lease_start(struct kube *k, const struct lease_opts *o,
                     struct kube_lease **out, char *err, size_t errlen)
{
    struct kube_lease *l;
    pthread_condattr_t ca;
    int rc;

    *out = NULL;
    if ((rc = lease_check_opts(o, err, errlen)))
        return rc;
    l = xcalloc(1, sizeof(*l));
    l->k = k;
    snprintf(l->name, sizeof(l->name), "%s", o->name);
    snprintf(l->ns, sizeof(l->ns), "%s", o->ns);
    snprintf(l->id, sizeof(l->id), "%s", o->identity);
    l->lease_ms = o->lease_ms;
    l->renew_ms = o->renew_ms;
    l->retry_ms = o->retry_ms;
    l->on_change = o->on_change;
    l->arg = o->arg;
    l->coll_path = lease_path(o->ns, NULL);
    l->obj_path = lease_path(o->ns, o->name);
    l->seed = (uint32_t)kube_now_ms() ^ (uint32_t)getpid();
    atomic_init(&l->leader, false);
    atomic_init(&l->valid_until_ms, 0);
    atomic_init(&l->transitions, 0);
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&l->thread, NULL, lease_main, l) != 0) {
        snprintf(err, errlen, "cannot start the leader election thread");
        kube_lease_free(l);
        return MU_EIO;
    }
    l->started = true;
    *out = l;
    return MU_OK;
}

bool kube_lease_is_leader(struct kube_lease *l)
{
    if (!l)
        return true;
    return atomic_load(&l->leader) &&
           kube_now_ms() < atomic_load(&l->valid_until_ms);
}

void kube_lease_holder(struct kube_lease *l, char *out, size_t cap)
{
    if (!l) {
        snprintf(out, cap, "%s", "");
        return;
    }
    pthread_mutex_lock(&l->mu);
    snprintf(out, cap, "%s", l->holder);
    pthread_mutex_unlock(&l->mu);
}

void kube_lease_stop(struct kube_lease *l)
{
    if (!l || !l->started)
        return;
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    l->started = false;
    l->held_at_stop = kube_lease_is_leader(l);
    if (atomic_load(&l->leader)) {
        atomic_store(&l->leader, false);
        atomic_fetch_add(&l->transitions, 1);
        log_info("stopped leading (shutting down)", "lease=%s/%s", l->ns,
                 l->name);
    }
}

void kube_lease_release(struct kube_lease *l)
{
    char err[512], now_time[LEASE_TIME_MAX];
    struct lease_spec s;
    int rc;

    if (!l || !l->held_at_stop)
        return;
    l->held_at_stop = false;
    /* client-go's release: no holder, a 1 s lease, transitions kept */
    micro_time(now_time, sizeof(now_time));
    memset(&s, 0, sizeof(s));
    s.duration_s = 1;
    snprintf(s.acquire, sizeof(s.acquire), "%s", now_time);
    snprintf(s.renew, sizeof(s.renew), "%s", now_time);
    s.transitions = l->obs.spec.transitions;
    rc = lease_write(l, &s, false, kube_now_ms(), err, sizeof(err));
    if (rc)
        log_warn("could not release the lease", "lease=%s/%s err=\"%s\"",
                 l->ns, l->name, err);
    else
        log_info("released the lease", "lease=%s/%s", l->ns, l->name);
}

void kube_lease_free(struct kube_lease *l)
{
    if (!l)
        return;
    kube_lease_stop(l);
    free(l->coll_path);
    free(l->obj_path);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
}

int kube_lease_metrics(struct kube_lease *l, struct buf *out)
{
    return buf_printf(out,
                      "# HELP muster_leader 1 while this replica is the "
                      "leader and serves callbacks (always 1 without "
                      "--leader-elect).\n# TYPE muster_leader gauge\n"
                      "muster_leader %d\n"
                      "# HELP muster_leader_transitions_total Times this "
                      "replica became or stopped being the leader.\n"
                      "# TYPE muster_leader_transitions_total counter\n"
                      "muster_leader_transitions_total %llu\n",
                      kube_lease_is_leader(l) ? 1 : 0,
                      l ? (unsigned long long)atomic_load(&l->transitions)
                        : 0ull);
}
