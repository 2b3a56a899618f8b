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
        char name[16];

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
        char name[16];

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
        char name[16];

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
