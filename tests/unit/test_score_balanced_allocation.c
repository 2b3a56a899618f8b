/* test_score_balanced_allocation.c - 100 x (1 - stddev of the usage
 * fractions), as kube-scheduler computes it. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static int64_t ba(const char *alloc, const char *used, const char *req,
                  const char *args)
{
    struct node_info *n = fx_node("n1", alloc);
    struct pod *p = fx_pod("p", req);
    int64_t s;

    fx_node_used(n, used);
    s = fx_score("balanced-allocation", args, p, n);
    node_free(n);
    pod_free(p);
    return s;
}

Test(balanced_allocation, equal_fractions_score_100)
{
    cr_assert_eq(ba("cpu=4000 memory=8000", "cpu=1000 memory=2000",
                    "cpu=1000 memory=2000", NULL),
                 100);
}

Test(balanced_allocation, two_resources_use_half_the_difference)
{
    /* cpu 0.75, memory 0.25 -> std 0.25 */
    cr_assert_eq(ba("cpu=4000 memory=8000", "cpu=2000",
                    "cpu=1000 "
                    "memory=2000",
                    NULL),
                 75);
    /* cpu 0.3, memory 0.1 -> std 0.1 -> 90 */
    cr_assert_eq(ba("cpu=1000 memory=1000", "", "cpu=300 memory=100", NULL),
                 90);
}

Test(balanced_allocation, three_resources_population_stddev)
{
    /* 0.2, 0.5, 0.8: std = sqrt(0.06) = 0.2449 -> 75 (truncated) */
    cr_assert_eq(ba("cpu=1000 memory=1000 ephemeral-storage=1000", "",
                    "cpu=200 memory=500 ephemeral-storage=800",
                    "{\"resources\": [\"cpu\", \"memory\", "
                    "\"ephemeral-storage\"]}"),
                 75);
}

Test(balanced_allocation, fractions_are_capped_at_one)
{
    /* cpu 6000/4000 -> 1, memory 0.5 -> std 0.25 */
    cr_assert_eq(ba("cpu=4000 memory=8000", "cpu=5000 memory=3000",
                    "cpu=1000 memory=1000", NULL),
                 75);
}

Test(balanced_allocation, single_resource_is_always_balanced)
{
    cr_assert_eq(ba("cpu=4000", "cpu=3000", "cpu=100", NULL), 100);
}

Test(balanced_allocation, more_balanced_node_wins)
{
    int64_t lopsided = ba("cpu=4000 memory=8000", "cpu=3000",
                          "cpu=500 "
                          "memory=500",
                          NULL);
    int64_t even = ba("cpu=4000 memory=8000", "cpu=1500 memory=3000",
                      "cpu=500 memory=500", NULL);

    cr_assert_gt(even, lopsided);
}

Test(balanced_allocation, describe_and_bad_args)
{
    char d[256], err[256];

    fx_describe("balanced-allocation", NULL, d, sizeof(d));
    cr_assert_str_eq(d, "{\"resources\": [\"cpu\", \"memory\"]}");
    cr_assert_eq(fx_init_err("balanced-allocation",
                             "{\"resources\": {\"cpu\": 1}}", err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".resources: expected a non-empty array of "
                          "resource names like [\"cpu\", \"memory\"]");
    cr_assert_eq(fx_init_err("balanced-allocation",
                             "{\"resources\": [\"cpu\", 2]}", err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".resources[1]: expected a resource name string");
    cr_assert_eq(fx_init_err("balanced-allocation",
                             "{\"resources\": [\"cpu\", \"cpu\"]}", err,
                             sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".resources[1]: \"cpu\" listed twice");
}
