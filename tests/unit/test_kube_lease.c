/* test_kube_lease.c - the leader election state machine (observe, decide,
 * next record, keep or lose), the Lease codec, the duration flags and the
 * identity, all without a network. */
#include "common.h"
#include "kube/lease.h"
#include "util/buf.h"

#include <criterion/criterion.h>

static struct lease_spec spec_of(const char *holder, int64_t dur,
                                 const char *renew, int64_t transitions)
{
    struct lease_spec s;

    memset(&s, 0, sizeof(s));
    snprintf(s.holder, sizeof(s.holder), "%s", holder);
    s.duration_s = dur;
    snprintf(s.acquire, sizeof(s.acquire), "%s", "2026-01-01T00:00:00.000000Z");
    snprintf(s.renew, sizeof(s.renew), "%s", renew);
    s.transitions = transitions;
    return s;
}

Test(kube_lease, no_lease_means_create)
{
    struct lease_obs o = {0};

    cr_assert_eq(lease_decide(&o, "me", 1000), LEASE_CREATE);
}

Test(kube_lease, ours_is_renewed_whatever_the_clock)
{
    struct lease_obs o = {0};
    struct lease_spec s = spec_of("me", 15, "t1", 3);

    lease_observe(&o, &s, "7", 1000);
    cr_assert_eq(lease_decide(&o, "me", 1000), LEASE_RENEW);
    cr_assert_eq(lease_decide(&o, "me", 1000000), LEASE_RENEW);
    cr_assert_str_eq(o.rv, "7");
}

Test(kube_lease, another_holder_waits_until_the_lease_passes_on_our_clock)
{
    struct lease_obs o = {0};
    struct lease_spec s = spec_of("other", 15, "t1", 0);

    lease_observe(&o, &s, "1", 10000);
    cr_assert_eq(lease_decide(&o, "me", 10000), LEASE_WAIT);
    cr_assert_eq(lease_decide(&o, "me", 24999), LEASE_WAIT);
    /* expired: observed_ms + leaseDurationSeconds is not after now */
    cr_assert_eq(lease_decide(&o, "me", 25000), LEASE_ACQUIRE);
}

Test(kube_lease, a_changed_record_restarts_the_clock_an_unchanged_one_not)
{
    struct lease_obs o = {0};
    struct lease_spec s = spec_of("other", 15, "t1", 0);

    lease_observe(&o, &s, "1", 10000);
    /* the same record read again later (new rv only): clock unchanged */
    lease_observe(&o, &s, "2", 20000);
    cr_assert_eq(o.observed_ms, 10000);
    cr_assert_eq(lease_decide(&o, "me", 25000), LEASE_ACQUIRE);
    /* renewed by its holder: the remote time is never compared with ours,
     * only the fact that it changed */
    s = spec_of("other", 15, "t2", 0);
    lease_observe(&o, &s, "3", 24000);
    cr_assert_eq(o.observed_ms, 24000);
    cr_assert_eq(lease_decide(&o, "me", 25000), LEASE_WAIT);
    cr_assert_eq(lease_decide(&o, "me", 39000), LEASE_ACQUIRE);
}

Test(kube_lease, the_record_duration_counts_not_ours)
{
    struct lease_obs o = {0};
    struct lease_spec s = spec_of("other", 1, "t1", 4);

    /* a released lease keeps leaseDurationSeconds 1 */
    lease_observe(&o, &s, "1", 5000);
    cr_assert_eq(lease_decide(&o, "me", 5999), LEASE_WAIT);
    cr_assert_eq(lease_decide(&o, "me", 6000), LEASE_ACQUIRE);
}

Test(kube_lease, an_empty_holder_is_free_at_once)
{
    struct lease_obs o = {0};
    struct lease_spec s = spec_of("", 15, "t1", 4);

    lease_observe(&o, &s, "1", 5000);
    cr_assert_eq(lease_decide(&o, "me", 5000), LEASE_ACQUIRE);
}

Test(kube_lease, next_record_keeps_or_counts_transitions)
{
    struct lease_obs o = {0};
    struct lease_spec s = spec_of("other", 15, "t1", 4), n;

    lease_next(&o, LEASE_CREATE, "me", 15, "now", &n);
    cr_assert_str_eq(n.holder, "me");
    cr_assert_eq(n.transitions, 0);
    cr_assert_str_eq(n.acquire, "now");
    cr_assert_str_eq(n.renew, "now");
    lease_observe(&o, &s, "1", 0);
    lease_next(&o, LEASE_ACQUIRE, "me", 15, "now", &n);
    cr_assert_eq(n.transitions, 5);
    cr_assert_str_eq(n.acquire, "now");
    cr_assert_eq(n.duration_s, 15);
    s = spec_of("me", 15, "t1", 5);
    lease_observe(&o, &s, "2", 0);
    lease_next(&o, LEASE_RENEW, "me", 15, "later", &n);
    cr_assert_eq(n.transitions, 5);
    cr_assert_str_eq(n.acquire, "2026-01-01T00:00:00.000000Z");
    cr_assert_str_eq(n.renew, "later");
}

Test(kube_lease, leader_keeps_until_the_renew_deadline_or_another_holder)
{
    struct lease_obs o = {0};
    struct lease_spec s = spec_of("me", 15, "t1", 0);

    lease_observe(&o, &s, "1", 0);
    cr_assert(lease_keeps(&o, "me", 1000, 10000, 10999));
    cr_assert_not(lease_keeps(&o, "me", 1000, 10000, 11000));
    s = spec_of("thief", 15, "t2", 1);
    lease_observe(&o, &s, "2", 2000);
    cr_assert_not(lease_keeps(&o, "me", 1000, 10000, 2000));
}

Test(kube_lease, parse_reads_spec_and_resource_version)
{
    static const char body[] =
        "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
        "\"metadata\":{\"name\":\"muster\",\"resourceVersion\":\"42\","
        "\"managedFields\":[{}]},\"spec\":{\"holderIdentity\":\"h_1\","
        "\"leaseDurationSeconds\":15,\"acquireTime\":\"a\",\"renewTime\":"
        "\"r\",\"leaseTransitions\":3,\"strategy\":\"x\"}}";
    struct lease_spec s;
    char rv[32], err[256];

    cr_assert_eq(lease_parse(body, strlen(body), &s, rv, sizeof(rv), err,
                             sizeof(err)), MU_OK, "%s", err);
    cr_assert_str_eq(s.holder, "h_1");
    cr_assert_eq(s.duration_s, 15);
    cr_assert_str_eq(s.acquire, "a");
    cr_assert_str_eq(s.renew, "r");
    cr_assert_eq(s.transitions, 3);
    cr_assert_str_eq(rv, "42");
}

Test(kube_lease, parse_takes_missing_and_null_fields_as_empty)
{
    static const char body[] =
        "{\"metadata\":{\"resourceVersion\":\"1\"},\"spec\":{"
        "\"holderIdentity\":null,\"renewTime\":null}}";
    struct lease_spec s;
    char rv[32], err[256];

    cr_assert_eq(lease_parse(body, strlen(body), &s, rv, sizeof(rv), err,
                             sizeof(err)), MU_OK, "%s", err);
    cr_assert_str_eq(s.holder, "");
    cr_assert_eq(s.duration_s, 0);
    cr_assert_eq(s.transitions, 0);
}

Test(kube_lease, parse_rejects_bad_records_naming_the_field)
{
    static const char *const bad[] = {
        "[]", "{\"spec\":{\"leaseDurationSeconds\":\"15\"}}",
        "{\"spec\":{\"leaseDurationSeconds\":-1}}",
        "{\"spec\":{\"holderIdentity\":7}}", "{\"spec\":", "",
        "{\"metadata\":{\"resourceVersion\":\"1\"}} x"};
    static const char ok[] = "{\"spec\":{\"holderIdentity\":\"x\"}}";
    struct lease_spec s;
    char rv[32], err[256];

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = '\0';
        cr_assert_eq(lease_parse(bad[i], strlen(bad[i]), &s, rv, sizeof(rv),
                                 err, sizeof(err)), MU_EINVAL, "%s", bad[i]);
        cr_assert(strstr(err, "Lease"), "%s: %s", bad[i], err);
    }
    cr_assert_eq(lease_parse(ok, strlen(ok), &s, rv, sizeof(rv), err,
                             sizeof(err)), MU_OK, "%s", err);
}

Test(kube_lease, a_holder_longer_than_the_cap_is_an_error)
{
    struct buf b;
    struct lease_spec s;
    char rv[32], err[256];

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "{\"spec\":{\"holderIdentity\":\"");
    for (int i = 0; i < LEASE_ID_MAX + 10; i++)
        buf_addc(&b, 'h');
    buf_adds(&b, "\"}}");
    cr_assert_eq(lease_parse(b.data, b.len, &s, rv, sizeof(rv), err,
                             sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, "spec.holderIdentity"), "%s", err);
    buf_fini(&b);
}

Test(kube_lease, emit_then_parse_round_trips)
{
    struct lease_spec s = spec_of("me_\"q\"", 15, "r", 2), got;
    struct buf b;
    char rv[32], err[256];

    buf_init(&b, BUF_UNLIMITED);
    cr_assert_eq(lease_emit(&b, "muster", "kube-system", "9", &s), MU_OK);
    cr_assert(strstr(b.data, "\"resourceVersion\":\"9\""), "%s", b.data);
    cr_assert(strstr(b.data, "\"namespace\":\"kube-system\""));
    cr_assert_eq(lease_parse(b.data, b.len, &got, rv, sizeof(rv), err,
                             sizeof(err)), MU_OK, "%s", err);
    cr_assert_str_eq(got.holder, s.holder);
    cr_assert_eq(got.duration_s, 15);
    cr_assert_eq(got.transitions, 2);
    cr_assert_str_eq(rv, "9");
    /* a create carries no resourceVersion; an empty time is null */
    buf_reset(&b);
    s.renew[0] = '\0';
    cr_assert_eq(lease_emit(&b, "m", "ns", NULL, &s), MU_OK);
    cr_assert_null(strstr(b.data, "resourceVersion"));
    cr_assert(strstr(b.data, "\"renewTime\":null"), "%s", b.data);
    buf_fini(&b);
}

Test(kube_lease, durations_take_go_units)
{
    static const struct { const char *s; int64_t ms; } good[] = {
        {"15s", 15000}, {"1.5s", 1500}, {"300ms", 300}, {"2m", 120000},
        {"1h", 3600000}, {"0.25s", 250}, {"0s", 0}};
    static const char *const bad[] = {"15", "", "s", "-1s", "1.s", "1.5",
                                      "1sec", "2d", "25h", "1e3s", " 1s"};
    int64_t ms;

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        cr_assert_eq(lease_duration_parse(good[i].s, &ms), MU_OK, "%s",
                     good[i].s);
        cr_assert_eq(ms, good[i].ms, "%s", good[i].s);
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        cr_assert_eq(lease_duration_parse(bad[i], &ms), MU_EINVAL, "%s",
                     bad[i]);
}

Test(kube_lease, durations_are_checked_as_client_go_does)
{
    char err[256];

    cr_assert_eq(lease_durations_check(15000, 10000, 2000, err, sizeof(err)),
                 MU_OK);
    cr_assert_eq(lease_durations_check(2000, 1500, 300, err, sizeof(err)),
                 MU_OK);
    cr_assert_eq(lease_durations_check(10000, 10000, 2000, err, sizeof(err)),
                 MU_EINVAL);
    cr_assert(strstr(err, "lease-duration"), "%s", err);
    cr_assert_eq(lease_durations_check(15000, 2400, 2000, err, sizeof(err)),
                 MU_EINVAL);
    cr_assert(strstr(err, "retry-period"), "%s", err);
    cr_assert_eq(lease_durations_check(15000, 10000, 0, err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_eq(lease_durations_check(15500, 10000, 2000, err, sizeof(err)),
                 MU_EINVAL);
    cr_assert(strstr(err, "whole seconds"), "%s", err);
}

Test(kube_lease, identity_is_host_underscore_uuid_and_unique)
{
    char a[LEASE_ID_MAX], b[LEASE_ID_MAX];
    const char *u;

    lease_identity(a, sizeof(a));
    lease_identity(b, sizeof(b));
    cr_assert_str_neq(a, b);
    u = strrchr(a, '_');
    cr_assert_not_null(u);
    cr_assert_eq(strlen(u + 1), 36, "%s", a);
    cr_assert_eq(u[1 + 8], '-');
    cr_assert_eq(u[1 + 14], '4', "version 4: %s", a);
}

Test(kube_lease, no_election_means_always_the_leader)
{
    struct buf b;
    char holder[8] = "x";

    cr_assert(kube_lease_is_leader(NULL));
    kube_lease_holder(NULL, holder, sizeof(holder));
    cr_assert_str_eq(holder, "");
    buf_init(&b, BUF_UNLIMITED);
    cr_assert_eq(kube_lease_metrics(NULL, &b), MU_OK);
    cr_assert(strstr(b.data, "muster_leader 1\n"), "%s", b.data);
    cr_assert(strstr(b.data, "muster_leader_transitions_total 0\n"));
    buf_fini(&b);
    kube_lease_stop(NULL);
    kube_lease_release(NULL);
    kube_lease_free(NULL);
}
