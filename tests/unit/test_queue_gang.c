/* test_queue_gang.c - gang semantics driven as kube-scheduler drives
 * muster (filter, prioritize, pick, bind; held binds; virtual clock). */
#include "common.h"
#include "gang_driver.h"
#include "cache/podgroup.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>
#include <pthread.h>

#define GPU2 "cpu=1000 nvidia.com/gpu=2"
#define NODE8 "cpu=64000 memory=1000000000 pods=110 nvidia.com/gpu=8"
#define NODE4 "cpu=64000 memory=1000000000 pods=110 nvidia.com/gpu=4"

static void add_gang(struct drv *d, const char *gang, int n, const char *min)
{
    char name[64];

    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%s-%d", gang, i);
        drv_add(d, name, GPU2, gang, min);
    }
}

/* Schedule pods gang-0 .. gang-(n-1) in order; RET the calls. */
static void schedule_all(struct drv *d, const char *gang, int n,
                         struct drv_call **calls)
{
    char name[64];

    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%s-%d", gang, i);
        calls[i] = drv_schedule(d, name);
    }
}

Test(gang, quorum_fails_every_node_with_a_count_reason)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE8, "r1", "z1");
    drv_node(d, "n2", NODE8, "r1", "z1");
    add_gang(d, "llama", 5, "8");
    cr_assert_eq(drv_filter(d, "llama-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/llama (minMember 8): 5 of 8 pods exist");
    cr_assert_eq(drv_bind(d, "llama-0", "n1")->state, CALL_ERR);
    cr_assert_eq(d->nposts, 0);
    drv_free(d);
}

Test(gang, four_by_two_gpus_wait_on_six_free_then_bind_only_at_the_fourth)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct drv_call *calls[4];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    drv_add(d, "blocker", GPU2, NULL, NULL);
    cr_assert_not_null(drv_schedule(d, "blocker"));
    add_gang(d, "g", 4, "4");
    for (int i = 0; i < 4; i++) {
        char name[32];

        snprintf(name, sizeof(name), "g-%d", i);
        cr_assert_eq(drv_filter(d, name, best, reason), 0);
        cr_assert_str_eq(reason, "gang ml/g (minMember 4): 3 of 4 pods fit; "
                         "nvidia.com/gpu short by 2 (free 6, need 8)");
    }
    drv_tick(d, 1000);
    cr_assert_eq(drv_posted(d, "g-"), 0, "nothing is bound while waiting");
    drv_delete(d, "blocker");
    schedule_all(d, "g", 4, calls);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(calls[i]->state, CALL_OK, "held binds all answered");
    cr_assert_eq(drv_posted(d, "g-"), 4);
    cr_assert_eq(d->releases, 1);
    cr_assert_eq(d->min_release, 4);
    drv_free(d);
}

Test(gang, bindings_are_posted_only_after_the_last_member_reaches_bind)
{
    struct drv *d = drv_new(NULL);
    char best[4][256], reason[FILTER_REASON_MAX];
    struct drv_call *calls[4];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    add_gang(d, "g", 4, "4");
    for (int i = 0; i < 4; i++) {
        char name[32];

        snprintf(name, sizeof(name), "g-%d", i);
        cr_assert_eq(drv_filter(d, name, best[i], reason), 1,
                     "an admitted member passes only its planned node");
    }
    /* binds arrive out of order */
    calls[2] = drv_bind(d, "g-2", best[2]);
    calls[0] = drv_bind(d, "g-0", best[0]);
    calls[3] = drv_bind(d, "g-3", best[3]);
    for (int i = 0; i < 4; i++) {
        if (i != 1)
            cr_assert_eq(calls[i]->state, CALL_HELD);
    }
    cr_assert_eq(d->nposts, 0);
    calls[1] = drv_bind(d, "g-1", best[1]);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(calls[i]->state, CALL_OK);
    cr_assert_eq(d->nposts, 4);
    for (int i = 0; i < 4; i++) {
        char name[32];

        snprintf(name, sizeof(name), "g-%d", i);
        cr_assert_str_eq(drv_node_of(d, name), best[i]);
    }
    drv_free(d);
}

Test(gang, reserved_gpus_count_as_used_for_other_pods)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    add_gang(d, "g", 4, "4");
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 1);
    drv_add(d, "small", GPU2, NULL, NULL);
    cr_assert_eq(drv_filter(d, "small", best, reason), 0,
                 "all 8 GPUs are reserved for the gang");
    cr_assert_str_eq(reason, "Insufficient nvidia.com/gpu");
    drv_free(d);
}

Test(gang, member_that_never_binds_times_out_and_frees_the_gpus)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct drv_call *calls[4];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    add_gang(d, "g", 4, "4");
    schedule_all(d, "g", 3, calls);   /* g-3 never reaches bind */
    for (int i = 0; i < 3; i++)
        cr_assert_eq(calls[i]->state, CALL_HELD);
    drv_tick(d, 3999);
    cr_assert_eq(calls[0]->state, CALL_HELD);
    drv_tick(d, 1);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(calls[i]->state, CALL_ERR, "hold capped at 4 s");
        cr_assert_str_eq(calls[i]->err, "gang ml/g (minMember 4): 3 of 4 "
                         "pods at bind after 4s; retry");
    }
    /* kube-scheduler retries each one; every retry is held again until
     * the gang's 30 s run out */
    for (int s = 5; s <= 30; s++) {
        for (int i = 0; i < 3; i++) {
            char name[32];

            snprintf(name, sizeof(name), "g-%d", i);
            if (calls[i]->state == CALL_ERR && strstr(calls[i]->err, "retry"))
                calls[i] = drv_schedule(d, name);
            cr_assert_not_null(calls[i]);
        }
        drv_tick(d, 1000);
    }
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(calls[i]->state, CALL_ERR);
        cr_assert_str_eq(calls[i]->err, "gang ml/g (minMember 4): timed out "
                         "after 30s with 3 of 4 pods at bind; backing off "
                         "10s");
    }
    cr_assert_eq(d->nposts, 0, "no binding after a timeout");
    /* the gang backs off: its filters fail fast */
    cr_assert_eq(drv_filter(d, "g-3", best, reason), 0);
    cr_assert(strstr(reason, "backing off 10s"), "%s", reason);
    /* and the GPUs are free for an ordinary pod */
    drv_add(d, "small", "nvidia.com/gpu=4", NULL, NULL);
    cr_assert_not_null(drv_schedule(d, "small"));
    cr_assert_eq(d->nposts, 1);
    drv_free(d);
}

static const char short_timeout_policy[] =
    "{\"description\": \"t\", \"filters\": [\"resources-fit\", \"gang\"],"
    " \"gang\": {\"defaultTimeoutSeconds\": 10, \"maxHoldSeconds\": 60,"
    "  \"backoffSeconds\": 5, \"topologyKeys\": []}}";

Test(gang, timeout_answers_every_held_bind_and_backs_off_then_retries)
{
    struct drv *d = drv_new(short_timeout_policy);
    struct drv_call *calls[4];
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE8, NULL, NULL);
    add_gang(d, "g", 4, "4");
    schedule_all(d, "g", 2, calls);
    drv_tick(d, 9999);
    cr_assert_eq(calls[0]->state, CALL_HELD);
    drv_tick(d, 1);
    cr_assert_eq(calls[0]->state, CALL_ERR);
    cr_assert_eq(calls[1]->state, CALL_ERR);
    cr_assert_str_eq(calls[0]->err, "gang ml/g (minMember 4): timed out "
                     "after 10s with 2 of 4 pods at bind; backing off 5s");
    cr_assert_eq(drv_bind(d, "g-0", "n1")->state, CALL_ERR,
                 "no bind is held during backoff");
    drv_tick(d, 5000);
    cr_assert_gt(d->nwakes, 0, "members are woken when backoff ends");
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 1);
    schedule_all(d, "g", 4, calls);
    cr_assert_eq(drv_posted(d, "g-"), 4);
    drv_free(d);
}

/* Pods a-i and b-i created and filtered alternately. */
static void interleave(struct drv *d, int n)
{
    char best[256], reason[FILTER_REASON_MAX], name[32];

    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "a-%d", i);
        drv_add(d, name, GPU2, "a", "4");
        drv_filter(d, name, best, reason);
        snprintf(name, sizeof(name), "b-%d", i);
        drv_add(d, name, GPU2, "b", "4");
        drv_filter(d, name, best, reason);
    }
}

Test(gang, two_competing_gangs_one_admitted_whole_other_after_it_finishes)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[4];
    char best[256], reason[FILTER_REASON_MAX], name[32];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    interleave(d, 4);
    /* a reached quorum first and holds all 8 GPUs; b waits whole */
    cr_assert_eq(drv_filter(d, "b-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/b (minMember 4): 0 of 4 pods fit; "
                     "nvidia.com/gpu short by 8 (free 0, need 8)");
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "b-%d", i);
        cr_assert_null(drv_schedule(d, name));
        snprintf(name, sizeof(name), "a-%d", i);
        calls[i] = drv_schedule(d, name);
    }
    cr_assert_eq(drv_posted(d, "a-"), 4);
    cr_assert_eq(drv_posted(d, "b-"), 0);
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "a-%d", i);
        drv_succeed(d, name);
    }
    drv_tick(d, 1000);
    cr_assert_gt(d->nwakes, 0);
    cr_assert(strstr(d->last_wake, "=admitted@"), "%s", d->last_wake);
    schedule_all(d, "b", 4, calls);
    cr_assert_eq(drv_posted(d, "b-"), 4);
    cr_assert_eq(d->min_release, 4);
    drv_free(d);
}

Test(gang, gangs_reaching_quorum_together_never_both_hold_gpus)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    size_t fa, fb;

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    add_gang(d, "a", 4, "4");
    add_gang(d, "b", 4, "4");
    fb = drv_filter(d, "b-0", best, reason);
    fa = drv_filter(d, "a-0", best, reason);
    cr_assert_eq(fb, 1, "the first gang filtered is admitted");
    cr_assert_eq(fa, 0, "the other waits whole");
    drv_tick(d, 1000);
    cr_assert_eq(drv_filter(d, "a-1", best, reason), 0);
    drv_free(d);
}

Test(gang, member_deleted_mid_wait_releases_the_whole_reservation)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[4];
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    add_gang(d, "g", 4, "4");
    schedule_all(d, "g", 2, calls);
    cr_assert_eq(calls[0]->state, CALL_HELD);
    drv_delete(d, "g-3");
    drv_tick(d, 10);
    cr_assert_eq(calls[0]->state, CALL_ERR);
    cr_assert_eq(calls[1]->state, CALL_ERR);
    cr_assert_str_eq(calls[0]->err, "gang ml/g: member ml/g-3 was deleted; "
                     "reservation released");
    drv_add(d, "small", "nvidia.com/gpu=4", NULL, NULL);
    cr_assert_eq(drv_filter(d, "small", best, reason), 2,
                 "both nodes are free again");
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/g (minMember 4): 3 of 4 pods exist");
    cr_assert_eq(d->nposts, 0);
    drv_free(d);
}

static void put_podgroup(struct drv *d, const char *name, int64_t min,
                         int64_t timeout)
{
    struct podgroup *pg = xcalloc(1, sizeof(*pg));

    pg->magic = PODGROUP_MAGIC;
    pg->ns = xstrdup("ml");
    pg->name = xstrdup(name);
    pg->key = xasprintf("ml/%s", name);
    pg->min_member = min;
    pg->timeout_s = timeout;
    cluster_wrlock(d->c);
    cluster_podgroup_put(d->c, pg);
    cluster_unlock(d->c);
}

Test(gang, podgroup_wins_over_annotations_and_a_min_member_change_replans)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct drv_call *calls[4];

    drv_node(d, "n1", NODE8, "r1", "z1");
    put_podgroup(d, "g", 4, 0);
    add_gang(d, "g", 3, "2");   /* annotations disagree: logged, ignored */
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/g (minMember 4): 3 of 4 pods exist");
    put_podgroup(d, "g", 3, 0);
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 1);
    calls[0] = drv_bind(d, "g-0", best);
    cr_assert_eq(calls[0]->state, CALL_HELD);
    put_podgroup(d, "g", 4, 0);
    cr_assert_eq(drv_filter(d, "g-1", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/g (minMember 4): 3 of 4 pods exist");
    cr_assert_eq(calls[0]->state, CALL_ERR);
    cr_assert_str_eq(calls[0]->err, "gang ml/g: minMember changed from 3 "
                     "to 4; plan released");
    drv_add(d, "g-3", GPU2, "g", NULL);
    schedule_all(d, "g", 4, calls);
    cr_assert_eq(drv_posted(d, "g-"), 4);
    drv_free(d);
}

Test(gang, podgroup_timeout_wins_over_the_policy_default)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[2];

    drv_node(d, "n1", NODE8, "r1", "z1");
    put_podgroup(d, "g", 3, 2);
    add_gang(d, "g", 3, NULL);
    schedule_all(d, "g", 2, calls);
    drv_tick(d, 1999);
    cr_assert_eq(calls[0]->state, CALL_HELD);
    drv_tick(d, 1);
    cr_assert_eq(calls[0]->state, CALL_ERR);
    cr_assert(strstr(calls[0]->err, "timed out after 2s"), "%s",
              calls[0]->err);
    drv_free(d);
}

Test(gang, malformed_annotations_give_a_clear_reason)
{
    static const char *const bad[] = {"abc", "0", "-1", "1.5", "",
                                      "99999999999999999999", "4 "};
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX], name[16], want[200];

    drv_node(d, "n1", NODE8, "r1", "z1");
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        snprintf(name, sizeof(name), "x-%zu", i);
        drv_add(d, name, GPU2, "x", bad[i]);
        cr_assert_eq(drv_filter(d, name, best, reason), 0);
        snprintf(want, sizeof(want), "gang ml/x: annotation "
                 "muster.dev/min-member \"%s\" is not a positive integer "
                 "(1..100000)", bad[i]);
        cr_assert_str_eq(reason, want);
        cr_assert_eq(drv_bind(d, name, "n1")->state, CALL_ERR);
    }
    cr_assert_eq(d->nposts, 0);
    drv_free(d);
}

Test(gang, malformed_timeout_and_volcano_count_are_reported)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct pod *p;

    drv_node(d, "n1", NODE8, "r1", "z1");
    p = drv_pod(d, "t-0", GPU2, "t", "2");
    drv_annotate(p, "muster.dev/schedule-timeout-seconds", "soon");
    drv_put(d, p);
    cr_assert_eq(drv_filter(d, "t-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/t: annotation "
                     "muster.dev/schedule-timeout-seconds \"soon\" is not a "
                     "positive integer (1..86400)");
    p = drv_pod(d, "v-0", GPU2, NULL, NULL);
    drv_annotate(p, "scheduling.k8s.io/group-name", "v");
    drv_annotate(p, "scheduling.volcano.sh/group-min-member", "two");
    drv_put(d, p);
    cr_assert_eq(drv_filter(d, "v-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/v: annotation "
                     "scheduling.volcano.sh/group-min-member \"two\" is not "
                     "a positive integer (1..100000)");
    drv_free(d);
}

Test(gang, volcano_and_kueue_conventions_form_gangs)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct pod *p;

    drv_node(d, "n1", NODE8, "r1", "z1");
    p = drv_pod(d, "v-0", GPU2, NULL, NULL);
    drv_annotate(p, "scheduling.k8s.io/group-name", "vj");
    drv_annotate(p, "scheduling.volcano.sh/group-min-member", "2");
    drv_put(d, p);
    p = drv_pod(d, "k-0", GPU2, NULL, NULL);
    drv_label(p, "kueue.x-k8s.io/pod-group-name", "kj");
    drv_annotate(p, "kueue.x-k8s.io/pod-group-total-count", "3");
    drv_put(d, p);
    cr_assert_eq(drv_filter(d, "v-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/vj (minMember 2): 1 of 2 pods exist");
    cr_assert_eq(drv_filter(d, "k-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/kj (minMember 3): 1 of 3 pods exist");
    /* muster's own annotation beats the ecosystem's count */
    p = drv_pod(d, "k-1", GPU2, NULL, "1");
    drv_label(p, "kueue.x-k8s.io/pod-group-name", "kj");
    drv_put(d, p);
    cr_assert_eq(drv_filter(d, "k-0", best, reason), 0,
                 "the oldest member's annotations count");
    drv_free(d);
}

Test(gang, pods_without_a_group_and_groups_of_one_schedule_normally)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE8, "r1", "z1");
    drv_add(d, "plain", GPU2, NULL, NULL);
    drv_add(d, "solo", GPU2, "solo", "1");
    cr_assert_eq(drv_filter(d, "plain", best, reason), 1);
    cr_assert_eq(drv_filter(d, "solo", best, reason), 1);
    cr_assert_eq(drv_schedule(d, "solo")->state, CALL_OK);
    cr_assert_eq(d->nposts, 1);
    drv_free(d);
}

/* The soak's partial gang: pods named their PodGroup before muster had it
 * (its CRD not yet seen); read as minMember 1 they bound one by one. */
Test(gang, a_pod_group_label_waits_for_its_podgroup_during_the_grace)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct drv_call *calls[3];
    struct buf dbg;

    drv_node(d, "n1", NODE8, "r1", "z1");
    add_gang(d, "g", 3, NULL);
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 0);
    cr_assert_str_eq(reason, "gang ml/g: minMember unknown: no PodGroup ml/g "
                     "(yet) and no muster.dev/min-member annotation; "
                     "waiting 5s for it");
    calls[0] = drv_bind(d, "g-1", "n1");
    cr_assert_eq(calls[0]->state, CALL_ERR, "a bind is refused, not passed");
    cr_assert_str_eq(calls[0]->err, reason);
    cr_assert_eq(d->nposts, 0);
    buf_init(&dbg, BUF_UNLIMITED);
    cr_assert_eq(gang_debug_json(d->t, 0, &dbg), 0);
    cr_assert(strstr(dbg.data, "\"minMember\":null"), "%s", dbg.data);
    buf_fini(&dbg);
    drv_tick(d, GANG_PODGROUP_GRACE_MS - 100);
    cr_assert_eq(d->nwakes, 0, "nothing to wake while the size is unknown");
    /* the PodGroup arrives: the parked members are woken and placed */
    put_podgroup(d, "g", 3, 0);
    drv_tick(d, 10);
    cr_assert_eq(d->nwakes, 3);
    schedule_all(d, "g", 3, calls);
    cr_assert_eq(drv_posted(d, "g-"), 3);
    /* a bound gang whose PodGroup goes stays bound; a new member waits */
    cluster_wrlock(d->c);
    cluster_podgroup_del(d->c, "ml", "g");
    cluster_unlock(d->c);
    drv_add(d, "g-3", GPU2, "g", NULL);
    cr_assert_eq(drv_filter(d, "g-3", best, reason), 1,
                 "extras of a bound gang schedule as before");
    drv_free(d);
}

/* No PodGroup comes: after the grace the pods are what the issue says,
 * ordinary pods (minMember 1), woken to be scheduled at once. */
Test(gang, a_pod_group_label_without_a_podgroup_is_ordinary_after_the_grace)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE8, "r1", "z1");
    add_gang(d, "g", 2, NULL);
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 0);
    cr_assert(strstr(reason, "waiting 5s"), "%s", reason);
    cr_assert_eq(gang_next_deadline(d->t, d->pol),
                 d->now + GANG_PODGROUP_GRACE_MS,
                 "the simulator steps to the end of the grace");
    drv_tick(d, GANG_PODGROUP_GRACE_MS);
    cr_assert_eq(d->nwakes, 2);
    cr_assert(strstr(d->last_wake, "=no-podgroup@"), "%s", d->last_wake);
    cr_assert_eq(drv_schedule(d, "g-0")->state, CALL_OK);
    cr_assert_eq(d->nposts, 1, "bound alone, not held");
    drv_tick(d, 100);
    cr_assert_eq(d->nwakes, 2, "woken once");
    drv_free(d);
}

Test(gang, a_podgroup_deleted_under_an_admitted_gang_releases_its_plan)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct drv_call *c0;

    drv_node(d, "n1", NODE8, "r1", "z1");
    put_podgroup(d, "g", 2, 0);
    add_gang(d, "g", 2, NULL);
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 1);
    c0 = drv_bind(d, "g-0", best);
    cr_assert_eq(c0->state, CALL_HELD);
    cluster_wrlock(d->c);
    cluster_podgroup_del(d->c, "ml", "g");
    cluster_unlock(d->c);
    cr_assert_eq(drv_filter(d, "g-1", best, reason), 0);
    cr_assert_eq(c0->state, CALL_ERR);
    cr_assert(strstr(c0->err, "minMember unknown"), "%s", c0->err);
    cr_assert_eq(d->nposts, 0);
    drv_free(d);
}

Test(gang, plan_packs_a_gang_into_one_node_when_it_fits)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[3];

    drv_node(d, "a1", NODE8, "r1", "z1");
    drv_node(d, "b1", NODE8, "r2", "z1");
    drv_node(d, "c1", NODE8, "r3", "z1");
    drv_add(d, "fill", "nvidia.com/gpu=2", NULL, NULL);
    cr_assert_str_eq(drv_node_of(d, "fill"), "");
    drv_bind(d, "fill", "b1");   /* b1 has 6 free: the best fit for 6 */
    add_gang(d, "g", 3, "3");
    schedule_all(d, "g", 3, calls);
    cr_assert_str_eq(drv_node_of(d, "g-0"), "b1");
    cr_assert_str_eq(drv_node_of(d, "g-1"), "b1");
    cr_assert_str_eq(drv_node_of(d, "g-2"), "b1");
    drv_free(d);
}

Test(gang, plan_prefers_one_rack_over_spreading)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[6];
    char name[32];

    /* rack r1: two 4-GPU nodes (8 free); rack r2: three 4-GPU nodes, one
     * half used (10 free). A 6 x 2-GPU gang (12) fits no rack: spread;
     * a 4 x 2-GPU gang (8) fits r1 exactly (best fit) and r2. */
    drv_node(d, "r1-a", NODE4, "r1", "z1");
    drv_node(d, "r1-b", NODE4, "r1", "z1");
    drv_node(d, "r2-a", NODE4, "r2", "z1");
    drv_node(d, "r2-b", NODE4, "r2", "z1");
    drv_node(d, "r2-c", NODE4, "r2", "z1");
    drv_add(d, "fill", "nvidia.com/gpu=2", NULL, NULL);
    drv_bind(d, "fill", "r2-a");
    add_gang(d, "g", 4, "4");
    schedule_all(d, "g", 4, calls);
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "g-%d", i);
        cr_assert(strncmp(drv_node_of(d, name), "r1-", 3) == 0, "%s on %s",
                  name, drv_node_of(d, name));
    }
    drv_free(d);
}

Test(gang, members_beyond_min_member_schedule_normally_after_binding)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[3];

    drv_node(d, "n1", NODE8, "r1", "z1");
    drv_node(d, "n2", NODE8, "r2", "z1");
    add_gang(d, "g", 4, "3");
    schedule_all(d, "g", 3, calls);
    cr_assert_eq(drv_posted(d, "g-"), 3);
    cr_assert_eq(drv_schedule(d, "g-3")->state, CALL_OK);
    cr_assert_eq(drv_posted(d, "g-"), 4);
    cr_assert_str_eq(drv_node_of(d, "g-3"), drv_node_of(d, "g-0"),
                     "gang-topology keeps it beside its gang");
    drv_free(d);
}

Test(gang, restart_with_members_bound_plans_and_binds_only_the_rest)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[4];
    char best[256], reason[FILTER_REASON_MAX];
    struct pod *p;

    drv_node(d, "n1", NODE8, "r1", "z1");
    for (int i = 0; i < 4; i++) {
        char name[32];

        snprintf(name, sizeof(name), "g-%d", i);
        p = drv_pod(d, name, GPU2, "g", "4");
        if (i < 2)
            p->node_name = xstrdup("n1");   /* bound before the restart */
        drv_put(d, p);
    }
    cr_assert_eq(drv_filter(d, "g-2", best, reason), 1);
    calls[2] = drv_bind(d, "g-2", best);
    cr_assert_eq(calls[2]->state, CALL_HELD);
    cr_assert_eq(d->nposts, 0);
    calls[3] = drv_schedule(d, "g-3");
    cr_assert_eq(calls[2]->state, CALL_OK);
    cr_assert_eq(calls[3]->state, CALL_OK);
    cr_assert_eq(d->nposts, 2);
    cr_assert_eq(d->min_release, 2);
    drv_free(d);
}

Test(gang, restart_with_the_whole_gang_bound_lets_extras_through)
{
    struct drv *d = drv_new(NULL);
    struct pod *p;

    drv_node(d, "n1", NODE8, "r1", "z1");
    for (int i = 0; i < 3; i++) {
        char name[32];

        snprintf(name, sizeof(name), "g-%d", i);
        p = drv_pod(d, name, GPU2, "g", "2");
        if (i < 2)
            p->node_name = xstrdup("n1");
        drv_put(d, p);
    }
    cr_assert_eq(drv_schedule(d, "g-2")->state, CALL_OK);
    cr_assert_eq(d->nposts, 1);
    drv_free(d);
}

Test(gang, starving_gang_holds_capacity_as_it_frees_up)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX], name[32];
    struct drv_call *calls[4];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    for (int i = 0; i < 3; i++) {   /* small jobs hold 6 of 8 GPUs */
        snprintf(name, sizeof(name), "s-%d", i);
        drv_add(d, name, GPU2, NULL, NULL);
        cr_assert_not_null(drv_schedule(d, name));
    }
    add_gang(d, "big", 4, "4");
    cr_assert_eq(drv_filter(d, "big-0", best, reason), 0);
    /* before starvationSeconds, freed GPUs go to whoever asks */
    drv_succeed(d, "s-0");
    drv_add(d, "s-3", GPU2, NULL, NULL);
    cr_assert_not_null(drv_schedule(d, "s-3"));
    drv_tick(d, 300 * 1000);
    /* now the gang holds what frees up */
    drv_succeed(d, "s-1");
    drv_tick(d, 1000);
    cr_assert_eq(drv_filter(d, "big-0", best, reason), 0);
    cr_assert(strstr(reason, "holding capacity"), "%s", reason);
    drv_add(d, "s-4", GPU2, NULL, NULL);
    cr_assert_eq(drv_filter(d, "s-4", best, reason), 0,
                 "a small job cannot take the held GPUs");
    drv_succeed(d, "s-2");
    drv_succeed(d, "s-3");
    drv_tick(d, 1000);
    schedule_all(d, "big", 4, calls);
    cr_assert_eq(drv_posted(d, "big-"), 4);
    cr_assert_eq(drv_filter(d, "s-4", best, reason), 0, "all 8 are used");
    drv_free(d);
}

Test(gang, only_one_gang_starves_at_a_time)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE4, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    add_gang(d, "a", 5, "5");   /* 10 GPUs: never fits */
    add_gang(d, "b", 5, "5");
    drv_tick(d, 1000);
    drv_tick(d, 300 * 1000);
    cr_assert_eq(drv_filter(d, "a-0", best, reason), 0);
    cr_assert(strstr(reason, "holding capacity"), "%s", reason);
    cr_assert_eq(drv_filter(d, "b-0", best, reason), 0);
    cr_assert_null(strstr(reason, "holding capacity"), "%s", reason);
    cr_assert_str_eq(reason, "gang ml/b (minMember 5): 0 of 5 pods fit; "
                     "nvidia.com/gpu short by 10 (free 0, need 10)");
    drv_delete(d, "a-4");
    drv_tick(d, 1000);
    cr_assert_eq(drv_filter(d, "b-0", best, reason), 0);
    cr_assert(strstr(reason, "holding capacity"), "%s", reason);
    drv_free(d);
}

Test(gang, pods_seen_only_in_calls_count_toward_quorum)
{
    struct drv *d = drv_new(NULL);
    struct sched_ctx ctx;
    struct pod *p[2];

    drv_node(d, "n1", NODE8, "r1", "z1");
    for (int i = 0; i < 2; i++) {
        char name[32];

        snprintf(name, sizeof(name), "q-%d", i);
        p[i] = drv_pod(d, name, GPU2, "q", "2");
    }
    cluster_rdlock(d->c);
    gang_filter_ctx(d->t, d->c, d->pol, p[0], d->now, &ctx);
    cr_assert_eq(ctx.decision, GANG_REJECT);
    cr_assert_str_eq(ctx.reason, "gang ml/q (minMember 2): 1 of 2 pods exist");
    gang_filter_ctx(d->t, d->c, d->pol, p[1], d->now, &ctx);
    cr_assert_eq(ctx.decision, GANG_PLANNED);
    cr_assert_str_eq(ctx.node, "n1");
    cr_assert(ctx.exclude_own);
    cluster_unlock(d->c);
    pod_free(p[0]);
    pod_free(p[1]);
    drv_free(d);
}

Test(gang, reservations_survive_a_relist_of_the_cluster)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct cluster *fresh = cluster_new();
    struct node_info *n = node_new();

    drv_node(d, "n1", NODE4, "r1", "z1");
    add_gang(d, "g", 2, "2");
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 1);
    /* a relist brings the same node and pods in new objects */
    cluster_rdlock(d->c);
    n->name = xstrdup("n1");
    n->ready = true;
    memcpy(n->alloc, cluster_node_get(d->c, "n1", 2)->alloc, sizeof(n->alloc));
    for (size_t it = 0; ; ) {
        struct pod *p = cluster_pod_next(d->c, &it);

        if (!p)
            break;
        cluster_pod_put(fresh, pod_dup(p));
    }
    cluster_unlock(d->c);
    cluster_node_put(fresh, n);
    fresh->synced = true;
    cluster_wrlock(d->c);
    cluster_replace(d->c, fresh);
    cluster_unlock(d->c);
    drv_add(d, "small", GPU2, NULL, NULL);
    cr_assert_eq(drv_filter(d, "small", best, reason), 0,
                 "the gang's 4 GPUs are still reserved");
    cr_assert_eq(drv_filter(d, "g-1", best, reason), 1);
    drv_free(d);
}

/* One random run: gangs grow, members are scheduled, finish, are
 * deleted; time jumps. After every step no gang may have a partial set of
 * posted bindings. RET the number of releases. */
static size_t random_run(uint64_t rng)
{
    struct drv *d = drv_new(NULL);
    static const char *const gangs[] = {"a", "b", "c", "e"};
    static const int mins[] = {3, 4, 2, 5};
    int created[4] = {0};
    char name[32], best[256], reason[FILTER_REASON_MAX];
    size_t releases;

    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        drv_node(d, name, NODE4, i < 2 ? "r1" : "r2", "z1");
    }
    for (int step = 0; step < 2500; step++) {
        int g, op, k;

        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        g = (int)(rng % 4);
        op = (int)((rng >> 8) % 12);
        k = created[g] ? (int)((rng >> 16) % (uint64_t)created[g]) : 0;
        snprintf(name, sizeof(name), "%s-%d", gangs[g], k);
        if (op < 3 && created[g] < 60) {
            snprintf(name, sizeof(name), "%s-%d", gangs[g], created[g]++);
            snprintf(best, sizeof(best), "%d", mins[g]);
            drv_add(d, name, GPU2, gangs[g], best);
        } else if (!created[g] || !cluster_pod_find(d->c, "ml", name)) {
            drv_tick(d, (int64_t)((rng >> 24) % 3000));
        } else if (op < 7 && !drv_node_of(d, name)[0]) {
            drv_schedule(d, name);
        } else if (op < 9 && drv_node_of(d, name)[0]) {
            drv_delete(d, name);   /* finished and cleaned up */
        } else if (op == 9) {
            drv_delete(d, name);
        } else if (op == 10) {
            drv_filter(d, name, best, reason);
        } else {
            drv_tick(d, (int64_t)((rng >> 24) % 6000));
        }
        for (int i = 0; i < 4; i++) {
            char prefix[16];
            size_t posted;

            snprintf(prefix, sizeof(prefix), "%s-", gangs[i]);
            posted = drv_posted(d, prefix);
            cr_assert(posted == 0 || posted >= (size_t)mins[i],
                      "gang %s has %zu of %d bound at step %d", gangs[i],
                      posted, mins[i], step);
        }
    }
    for (int i = 0; i < 40; i++)
        drv_tick(d, 5000);
    for (size_t i = 0; i < d->ncalls; i++)
        cr_assert_neq(d->calls[i].state, CALL_HELD, "a bind never answered");
    releases = d->releases;
    drv_free(d);
    return releases;
}

Test(gang, no_sequence_produces_a_partial_bind_list)
{
    size_t releases = 0;

    for (uint64_t seed = 1; seed <= 8; seed++)
        releases += random_run(0x9e3779b97f4a7c15ULL * seed);
    cr_assert_gt(releases, 20, "the runs bound many gangs (%zu)", releases);
}

Test(gang, plan_slots_go_to_the_members_kube_scheduler_brings_first)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct drv_call *c3, *c2;

    drv_node(d, "n1", NODE8, "r1", "z1");
    add_gang(d, "g", 4, "2");
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 1);  /* plans g-0, g-1 */
    c3 = drv_schedule(d, "g-3");
    cr_assert_eq(c3->state, CALL_HELD, "g-3 took g-1's slot");
    c2 = drv_schedule(d, "g-2");
    cr_assert_eq(c2->state, CALL_OK, "g-2 took g-0's slot: both planned "
                 "slots are at bind, so the gang is released");
    cr_assert_eq(c3->state, CALL_OK);
    cr_assert_str_eq(drv_node_of(d, "g-0"), "");
    cr_assert_eq(drv_posted(d, "g-"), 2);
    drv_free(d);
}

Test(gang, admission_wakes_the_pending_siblings_once)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];

    drv_node(d, "n1", NODE8, "r1", "z1");
    add_gang(d, "g", 3, "4");
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 0);
    cr_assert_eq(d->nwakes, 0);
    drv_add(d, "g-3", GPU2, "g", "4");
    cr_assert_eq(drv_filter(d, "g-3", best, reason), 1);
    cr_assert_eq(d->nwakes, 3, "g-0..g-2 are patched, not g-3 itself");
    cr_assert(strstr(d->last_wake, "=admitted@1000000"), "%s", d->last_wake);
    drv_tick(d, 100);
    cr_assert_eq(d->nwakes, 3);
    drv_free(d);
}

Test(gang, quorum_reached_without_capacity_wakes_the_siblings)
{
    struct drv *d = drv_new(NULL);

    drv_node(d, "n1", NODE4, "r1", "z1");
    add_gang(d, "g", 3, "3");
    drv_tick(d, 10);
    cr_assert_eq(d->nwakes, 3);
    cr_assert(strstr(d->last_wake, "=quorum@"), "%s", d->last_wake);
    drv_free(d);
}

struct bind_arg {
    struct drv *d;
    int i;
    char node[64];
    enum gang_bind_verdict v;
    struct gang_release rel;
};

static void *bind_thread(void *p)
{
    struct bind_arg *a = p;
    char pod[32], uid[32], err[FILTER_REASON_MAX];

    snprintf(pod, sizeof(pod), "g-%d", a->i);
    snprintf(uid, sizeof(uid), "uid-g-%d", a->i);
    cluster_rdlock(a->d->c);
    a->v = gang_bind(a->d->t, a->d->c, a->d->pol, "ml", pod, uid, a->node,
                     a, a->d->now, &a->rel, err, sizeof(err));
    cluster_unlock(a->d->c);
    return NULL;
}

Test(gang, concurrent_binds_release_exactly_once_with_every_member)
{
    struct drv *d = drv_new(NULL);
    struct bind_arg args[8];
    pthread_t th[8];
    char reason[FILTER_REASON_MAX];
    int releases = 0, held = 0;

    drv_node(d, "n1", NODE8, "r1", "z1");
    drv_node(d, "n2", NODE8, "r1", "z1");
    add_gang(d, "g", 8, "8");
    for (int i = 0; i < 8; i++) {
        char pod[32];

        snprintf(pod, sizeof(pod), "g-%d", i);
        args[i] = (struct bind_arg){.d = d, .i = i};
        cr_assert_eq(drv_filter(d, pod, args[i].node, reason), 1);
    }
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, bind_thread, &args[i]);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++) {
        if (args[i].v == GANG_BIND_RELEASE) {
            releases++;
            cr_assert_eq(args[i].rel.n, 8);
        } else {
            cr_assert_eq(args[i].v, GANG_BIND_HOLD);
            held++;
        }
        gang_release_fini(&args[i].rel);
    }
    cr_assert_eq(releases, 1);
    cr_assert_eq(held, 7);
    drv_free(d);
}

Test(gang, stats_and_debug_json_describe_a_waiting_gang)
{
    struct drv *d = drv_new(NULL);
    char best[256], reason[FILTER_REASON_MAX];
    struct gang_stats st;
    struct buf b;

    drv_node(d, "n1", NODE4, "r1", "z1");
    add_gang(d, "g", 3, "3");
    cr_assert_eq(drv_filter(d, "g-0", best, reason), 0);
    add_gang(d, "h", 2, "2");
    cr_assert_eq(drv_filter(d, "h-0", best, reason), 1);
    drv_bind(d, "h-0", best);
    gang_stats_get(d->t, &st);
    cr_assert_eq(st.waiting, 1);
    cr_assert_eq(st.admitted, 1);
    cr_assert_eq(st.held, 1);
    cr_assert_eq(st.admitted_total, 1);
    cr_assert_eq(st.wait_count, 1);
    cr_assert_eq(st.reserved[res_find("nvidia.com/gpu", 14)], 4);
    buf_init(&b, 1 << 20);
    cr_assert_eq(gang_debug_json(d->t, d->now + 1500, &b), MU_OK);
    cr_assert(strstr(b.data, "{\"gangs\":[{\"gang\":\"ml/g\",\"state\":"
                     "\"waiting\",\"minMember\":3,\"timeoutSeconds\":30,"
                     "\"exist\":3,\"bound\":0,\"ageSeconds\":1.500,"
                     "\"starving\":false,\"reason\":\"gang ml/g (minMember 3)"
                     ": 2 of 3 pods fit; nvidia.com/gpu short by 2 (free 4, "
                     "need 6)\",\"why\":{\"placed\":2,\"wanted\":3,"
                     "\"resource\":\"nvidia.com/gpu\",\"need\":6,\"free\":4,"
                     "\"shortBy\":2,\"closestDomain\":"
                     "\"kubernetes.io/hostname=n1\",\"closestDomainPlaced\":"
                     "2}"), "%s", b.data);
    cr_assert(strstr(b.data, "\"gang\":\"ml/h\",\"state\":\"admitted\""),
              "%s", b.data);
    cr_assert(strstr(b.data, "\"planned\":\"n1\",\"heldBind\":true"), "%s",
              b.data);
    buf_fini(&b);
    drv_free(d);
}

Test(gang, next_deadline_is_the_earliest_timed_event)
{
    struct drv *d = drv_new(NULL);
    struct drv_call *c;

    drv_node(d, "n1", NODE8, "r1", "z1");
    cr_assert_eq(gang_next_deadline(d->t, d->pol), INT64_MAX);
    add_gang(d, "g", 2, "2");
    c = drv_schedule(d, "g-0");
    cr_assert_eq(c->state, CALL_HELD);
    cr_assert_eq(gang_next_deadline(d->t, d->pol), d->now + 4000,
                 "the hold cap comes before the 30 s timeout");
    drv_free(d);
}

/* The usage every node shows pod `name` under its filter context, one
 * node at a time and all at once, must agree. RET nodes compared. */
static size_t usage_n_agrees(struct drv *d, const char *name)
{
    size_t it = 0, nn, k = 0;
    const struct node_info **nodes;
    const int64_t **many;
    int64_t *s1, *s2;
    struct node_info *n;
    struct sched_ctx ctx;
    const struct pod *p;

    cluster_rdlock(d->c);
    p = cluster_pod_find(d->c, "ml", name);
    cr_assert(p, "no pod %s", name);
    nn = cluster_node_count(d->c);
    nodes = xcalloc(nn + 1, sizeof(*nodes));
    many = xcalloc(nn + 1, sizeof(*many));
    s1 = xcalloc((nn + 1) * RES_MAX, sizeof(*s1));
    s2 = xcalloc((nn + 1) * RES_MAX, sizeof(*s2));
    while ((n = cluster_node_next(d->c, &it)) && k < nn)
        nodes[k++] = n;
    gang_score_ctx(d->t, d->c, d->pol, p, d->now, &ctx);
    sched_ctx_usage_n(&ctx, nodes, k, s1, many);
    for (size_t i = 0; i < k; i++) {
        const int64_t *one = sched_ctx_usage(&ctx, nodes[i], s2);

        cr_assert_arr_eq(many[i], one, RES_MAX * sizeof(int64_t),
                         "%s on %s", name, nodes[i]->name);
    }
    sched_ctx_usage_n(NULL, nodes, k, s1, many);
    for (size_t i = 0; i < k; i++)
        cr_assert_eq(many[i], nodes[i]->used, "no context: read in place");
    cluster_unlock(d->c);
    free(nodes);
    free(many);
    free(s1);
    free(s2);
    return k;
}

Test(gang, usage_of_all_nodes_at_once_matches_node_by_node)
{
    struct drv *d = drv_new(NULL);

    drv_node(d, "n1", NODE8, "r1", "z1");
    drv_node(d, "n2", NODE4, "r1", "z1");
    drv_node(d, "n3", NODE8, "r2", "z1");
    add_gang(d, "g", 3, "3");
    drv_add(d, "solo", GPU2, NULL, NULL);
    cr_assert_eq(usage_n_agrees(d, "solo"), 3, "no reservation yet");
    cr_assert_eq(drv_schedule(d, "g-0")->state, CALL_HELD);
    cr_assert_eq(usage_n_agrees(d, "g-1"), 3, "a planned member");
    cr_assert_eq(usage_n_agrees(d, "solo"), 3, "another pod");
    drv_free(d);
}

Test(gang, next_deadline_follows_changes_after_being_asked)
{
    struct drv *d = drv_new(NULL);
    struct policy *other;
    struct drv_call *c;
    int64_t t0;

    drv_node(d, "n1", NODE8, "r1", "z1");
    add_gang(d, "g", 2, "2");
    cr_assert_eq(gang_next_deadline(d->t, d->pol), INT64_MAX);
    cr_assert_eq(gang_next_deadline(d->t, d->pol), INT64_MAX, "asked twice");
    t0 = d->now;
    c = drv_schedule(d, "g-0");
    cr_assert_eq(c->state, CALL_HELD);
    cr_assert_eq(gang_next_deadline(d->t, d->pol), t0 + 4000);
    other = xcalloc(1, sizeof(*other));
    memcpy(other, d->pol, sizeof(*other));
    other->gang.max_hold_s = 2;
    cr_assert_eq(gang_next_deadline(d->t, other), t0 + 2000,
                 "another policy is not answered from the cache");
    free(other);
    cr_assert_eq(gang_next_deadline(d->t, d->pol), t0 + 4000);
    drv_tick(d, 4000);
    cr_assert_eq(c->state, CALL_ERR, "the hold cap answered the bind");
    cr_assert_eq(gang_next_deadline(d->t, d->pol), t0 + 30000,
                 "then the 30 s admission timeout");
    drv_free(d);
}

Test(gang, stepping_down_answers_held_binds_and_drops_the_reservation)
{
    static const char msg[] = "muster: not the leader (leader is b)";
    struct drv *d = drv_new(NULL);
    struct drv_call *calls[4];

    drv_node(d, "n1", NODE8, "r1", "z1");
    add_gang(d, "g", 4, "4");
    schedule_all(d, "g", 3, calls);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(calls[i]->state, CALL_HELD);
    cr_assert_gt(reserve_node_count(gang_reserve(d->t)), 0);
    gang_step_down(d->t, msg);
    /* dropped at once, before any tick */
    cr_assert_eq(reserve_node_count(gang_reserve(d->t)), 0);
    drv_tick(d, 0);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(calls[i]->state, CALL_ERR);
        cr_assert_str_eq(calls[i]->err, msg);
    }
    cr_assert_eq(d->nposts, 0, "nothing bound by a term that ended");
    /* the next term plans again and binds the whole gang */
    schedule_all(d, "g", 4, calls);
    cr_assert_eq(drv_posted(d, "g-"), 4);
    drv_free(d);
}
