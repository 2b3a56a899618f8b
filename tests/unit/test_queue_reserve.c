/* test_queue_reserve.c - the reservation layer. */
#include "common.h"
#include "queue/reserve.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static int gpu(void)
{
    return res_intern("nvidia.com/gpu", 14);
}

Test(reserve, node_without_reservations_is_read_in_place)
{
    struct reserve *r = reserve_new();
    struct node_info *n = fx_node("n1", "cpu=8000 nvidia.com/gpu=8");
    int64_t scratch[RES_MAX];

    fx_node_used(n, "nvidia.com/gpu=2");
    cr_assert_eq(reserve_usage(r, n, NULL, scratch), n->used);
    cr_assert_eq(reserve_node_count(r), 0);
    node_free(n);
    reserve_free(r);
}

Test(reserve, reservations_add_up_and_a_gang_does_not_see_its_own)
{
    struct reserve *r = reserve_new();
    struct node_info *n = fx_node("n1", "cpu=8000 nvidia.com/gpu=8");
    struct pod *p = fx_pod("p", "cpu=1000 nvidia.com/gpu=2");
    int64_t scratch[RES_MAX];
    const int64_t *u;
    uint64_t g0 = reserve_generation(r);

    fx_node_used(n, "nvidia.com/gpu=1");
    cr_assert_eq(reserve_add(r, "ml/a", "n1", p->req, p->nreq), MU_OK);
    cr_assert_eq(reserve_add(r, "ml/a", "n1", p->req, p->nreq), MU_OK);
    cr_assert_eq(reserve_add(r, "ml/b", "n1", p->req, p->nreq), MU_OK);
    cr_assert_gt(reserve_generation(r), g0);
    u = reserve_usage(r, n, NULL, scratch);
    cr_assert_eq(u, scratch);
    cr_assert_eq(u[gpu()], 7);
    cr_assert_eq(u[RES_CPU], 3000);
    cr_assert_eq(u[RES_PODS], 3);
    u = reserve_usage(r, n, "ml/a", scratch);
    cr_assert_eq(u[gpu()], 3, "ml/a's own 4 GPUs do not count for it");
    u = reserve_usage(r, n, "ml/zzz", scratch);
    cr_assert_eq(u[gpu()], 7);
    cr_assert(reserve_has(r, "ml/a"));
    cr_assert_eq(reserve_release(r, "ml/a"), MU_OK);
    cr_assert_not(reserve_has(r, "ml/a"));
    cr_assert_eq(reserve_release(r, "ml/a"), MU_ENOENT);
    cr_assert_eq(reserve_usage(r, n, NULL, scratch)[gpu()], 3);
    cr_assert_eq(reserve_release(r, "ml/b"), MU_OK);
    cr_assert_eq(reserve_usage(r, n, NULL, scratch), n->used,
                 "back to the fast path");
    pod_free(p);
    node_free(n);
    reserve_free(r);
}

Test(reserve, keyed_by_node_name_so_a_new_node_object_keeps_them)
{
    struct reserve *r = reserve_new();
    struct node_info *a = fx_node("n1", "nvidia.com/gpu=8");
    struct node_info *b = fx_node("n1", "nvidia.com/gpu=8");
    struct pod *p = fx_pod("p", "nvidia.com/gpu=2");
    int64_t scratch[RES_MAX], got[RES_MAX] = {0}, tot[RES_MAX];

    reserve_add(r, "ml/a", "n1", p->req, p->nreq);
    reserve_add(r, "ml/a", "n2", p->req, p->nreq);
    cr_assert_eq(reserve_usage(r, b, NULL, scratch)[gpu()], 2);
    reserve_get(r, "ml/a", "n2", got);
    cr_assert_eq(got[gpu()], 2);
    reserve_totals(r, tot);
    cr_assert_eq(tot[gpu()], 4);
    cr_assert_eq(reserve_node_count(r), 2);
    cr_assert_eq(reserve_add(r, "", "n1", p->req, p->nreq), MU_EINVAL);
    cr_assert_eq(reserve_add(r, "ml/a", "", p->req, p->nreq), MU_EINVAL);
    pod_free(p);
    node_free(a);
    node_free(b);
    reserve_free(r);
}

Test(reserve, usage_of_many_nodes_matches_one_node_at_a_time)
{
    struct reserve *r = reserve_new();
    struct node_info *n[3] = {fx_node("n1", "cpu=8000 nvidia.com/gpu=8"),
                              fx_node("n2", "cpu=8000 nvidia.com/gpu=8"),
                              fx_node("n3", "cpu=8000 nvidia.com/gpu=8")};
    struct pod *p = fx_pod("p", "cpu=1000 nvidia.com/gpu=2");
    int64_t many[3 * RES_MAX], one[RES_MAX];
    const int64_t *u[3];
    const char *own[] = {NULL, "", "ml/a", "ml/b", "ml/none"};

    fx_node_used(n[0], "nvidia.com/gpu=1");
    fx_node_used(n[2], "nvidia.com/gpu=3");
    reserve_usage_n(r, (const struct node_info *const *)n, 3, NULL, many, u);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(u[i], n[i]->used, "no reservations: read in place");
    reserve_add(r, "ml/a", "n1", p->req, p->nreq);
    reserve_add(r, "ml/a", "n3", p->req, p->nreq);
    reserve_add(r, "ml/b", "n3", p->req, p->nreq);
    for (size_t o = 0; o < sizeof(own) / sizeof(*own); o++) {
        reserve_usage_n(r, (const struct node_info *const *)n, 3, own[o],
                        many, u);
        for (int i = 0; i < 3; i++) {
            const int64_t *w = reserve_usage(r, n[i], own[o], one);

            cr_assert_eq(u[i] == n[i]->used, w == n[i]->used);
            cr_assert_arr_eq(u[i], w, RES_MAX * sizeof(int64_t),
                             "node %d own %s", i, own[o] ? own[o] : "NULL");
        }
    }
    cr_assert_eq(u[1], n[1]->used, "n2 holds nothing: read in place");
    cr_assert_eq(u[2][gpu()], 7);
    cr_assert_eq(u[2], many + 2 * RES_MAX);
    pod_free(p);
    for (int i = 0; i < 3; i++)
        node_free(n[i]);
    reserve_free(r);
}
