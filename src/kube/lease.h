/* lease.h - leader election over a coordination.k8s.io/v1 Lease, with
 * client-go's semantics (tools/leaderelection), so that muster replicas
 * and kubectl agree on what the record means:
 *
 *   - the record is spec.{holderIdentity, leaseDurationSeconds,
 *     acquireTime, renewTime, leaseTransitions};
 *   - a candidate trusts only its own clock: a lease held by another is
 *     expired once leaseDurationSeconds have passed since the candidate
 *     last saw the record CHANGE (the remote timestamps are never
 *     compared with the local clock);
 *   - writes are a POST when the Lease does not exist and a PUT carrying
 *     the resourceVersion read, so two candidates cannot both win (409);
 *   - the leader renews every retry period and gives up when no renewal
 *     succeeded for the renew deadline (or it sees another holder);
 *   - on a clean stop the leader writes an empty holder with
 *     leaseDurationSeconds 1 (ReleaseOnCancel), so a follower takes over
 *     at its next retry instead of waiting out the lease.
 *
 * Safety: the leader stops serving renew_deadline after the START of its
 * last successful write, and a follower takes over no earlier than
 * lease_duration after it observed that write, so with lease_duration >
 * renew_deadline (checked) there is no overlap while clocks run at
 * similar rates. kube_lease_is_leader checks that deadline itself, so the
 * answer is right even while the election thread is stuck in a request. */
#ifndef MUSTER_KUBE_LEASE_H
#define MUSTER_KUBE_LEASE_H

#include "common.h"
#include "kube/kube.h"
#include "kube/watch.h"
#include "util/buf.h"

#define LEASE_ID_MAX 256          /* holderIdentity */
#define LEASE_TIME_MAX 40         /* a MicroTime: 2026-11-23T22:53:37.123456Z */
#define LEASE_NAME_MAX 254        /* resource name or namespace */

/* client-go's JitterFactor: followers retry after retry * [1, 2.2). */
#define LEASE_JITTER 1.2

struct lease_opts {
    const char *name;             /* --leader-elect-resource-name */
    const char *ns;               /* --leader-elect-resource-namespace */
    const char *identity;         /* hostname_uuid; see lease_identity */
    int64_t lease_ms;             /* --leader-elect-lease-duration */
    int64_t renew_ms;             /* --leader-elect-renew-deadline */
    int64_t retry_ms;             /* --leader-elect-retry-period */
    /* Called from the election thread after each change of leadership
     * (may be NULL). */
    void (*on_change)(void *arg, bool leader);
    void *arg;
};

/* ---- the record and the pure state machine (unit tested) ---- */

struct lease_spec {
    char holder[LEASE_ID_MAX];
    int64_t duration_s;
    char acquire[LEASE_TIME_MAX];
    char renew[LEASE_TIME_MAX];
    int64_t transitions;
};

/* What one candidate has seen of the Lease. */
struct lease_obs {
    bool exists;                  /* the object exists (GET 200) */
    struct lease_spec spec;
    char rv[KUBE_RV_MAX];         /* metadata.resourceVersion read */
    int64_t observed_ms;          /* local clock when spec last changed */
};

enum lease_action {
    LEASE_CREATE,                 /* no Lease: POST one holding it */
    LEASE_ACQUIRE,                /* free or expired: PUT us as holder */
    LEASE_RENEW,                  /* ours: PUT a new renewTime */
    LEASE_WAIT,                   /* another holder, not expired */
};

/* Take in a record just read (exists, spec, rv) at now_ms: observed_ms
 * moves only when the spec differs from the one seen before. */
void lease_observe(struct lease_obs *o, const struct lease_spec *got,
                   const char *rv, int64_t now_ms);
/* What candidate `id` should do now, given what it observed. */
enum lease_action lease_decide(const struct lease_obs *o, const char *id,
                               int64_t now_ms);
/* The spec to write for action a (CREATE, ACQUIRE or RENEW) by id:
 * acquireTime and leaseTransitions are kept on a renewal, set to now and
 * incremented on a change of holder. now_time is a MicroTime. */
void lease_next(const struct lease_obs *o, enum lease_action a,
                const char *id, int64_t duration_s, const char *now_time,
                struct lease_spec *out);
/* Does the leader keep leading? No when the last successful write started
 * renew_ms or more ago, or when the record now names another holder. */
bool lease_keeps(const struct lease_obs *o, const char *id,
                 int64_t last_ok_ms, int64_t renew_ms, int64_t now_ms);

/* A Lease object's body -> spec and resourceVersion. Missing or null
 * fields are empty/0, as the API server omits them. RET MU_OK or
 * MU_EINVAL with err naming the field. */
int lease_parse(const char *body, size_t len, struct lease_spec *spec,
                char *rv, size_t rvcap, char *err, size_t errlen);
/* The Lease object to POST (rv NULL) or PUT (rv set). RET MU_OK/ELIMIT. */
int lease_emit(struct buf *b, const char *name, const char *ns,
               const char *rv, const struct lease_spec *spec);

/* A Go duration as kube-scheduler's flags take it: a decimal number with
 * a unit (ms, s, m, h), e.g. "15s", "1.5s", "500ms". RET MU_OK with *ms,
 * or MU_EINVAL (no unit, junk, negative, over a day). */
int lease_duration_parse(const char *s, int64_t *ms);
/* Check the three durations as client-go does: each positive, lease >
 * renew > retry * LEASE_JITTER. RET MU_OK or MU_EINVAL with err. */
int lease_durations_check(int64_t lease_ms, int64_t renew_ms,
                          int64_t retry_ms, char *err, size_t errlen);
/* hostname + "_" + a random (v4) UUID, as kube-scheduler builds its id. */
void lease_identity(char *out, size_t cap);

/* ---- the election thread ---- */

struct kube_lease;

/* Start campaigning on k's connection (borrowed; must outlive the lease).
 * RET MU_OK with *out, or an error with err. */
int kube_lease_start(struct kube *k, const struct lease_opts *o,
                     struct kube_lease **out, char *err, size_t errlen);
/* True while this replica leads (any thread, lock-free). NULL: true (no
 * election). */
bool kube_lease_is_leader(struct kube_lease *l);
/* The holder last seen ("" when none or unknown). Always NUL-ends out. */
void kube_lease_holder(struct kube_lease *l, char *out, size_t cap);
/* Stop campaigning: the thread ends and from now on is_leader is false.
 * Accepts NULL. No network. */
void kube_lease_stop(struct kube_lease *l);
/* After kube_lease_stop: if this replica still held the lease, give it up
 * (empty holder, leaseDurationSeconds 1). Accepts NULL. */
void kube_lease_release(struct kube_lease *l);
void kube_lease_free(struct kube_lease *l);   /* accepts NULL */
/* muster_leader and muster_leader_transitions_total (changes of this
 * replica's leadership). NULL: no election, always the leader. */
int kube_lease_metrics(struct kube_lease *l, struct buf *out);

#endif
