/* test_score_most_allocated.c - bin-packing score: exact values, weights,
 * skipped resources and args validation. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static int64_t ma(const char *alloc, const char *used, const char *req,
                  const char *args)
{
    struct node_info *n = fx_node("n1", alloc);
    struct pod *p = fx_pod("p", req);
    int64_t s;

    fx_node_used(n, used);
    s = fx_score("most-allocated", args, p, n);
    node_free(n);
    pod_free(p);
    return s;
}

Test(most_allocated, fuller_node_scores_higher)
{
    int64_t empty = ma("cpu=4000 memory=8000", "", "cpu=1000", NULL);
    int64_t half =
        ma("cpu=4000 memory=8000", "cpu=2000 memory=4000", "cpu=1000", NULL);

    cr_assert_eq(empty, 12); /* (25 + 0) / 2 */
    cr_assert_eq(half, 62);  /* (75 + 50) / 2 */
    cr_assert_gt(half, empty);
}

Test(most_allocated, exact_fill_scores_100)
{
    cr_assert_eq(ma("cpu=4000 memory=8000", "cpu=3000 memory=6000",
                    "cpu=1000 memory=2000", NULL),
                 100);
}

Test(most_allocated, overcommitted_resource_scores_zero)
{
    cr_assert_eq(
        ma("cpu=4000 memory=8000", "cpu=3500 memory=8000", "cpu=1000", NULL),
        50); /* (0 + 100) / 2 */
}

Test(most_allocated, gpu_only_args_skip_pods_without_gpus)
{
    const char *args = "{\"resources\": {\"nvidia.com/gpu\": 1}}";

    cr_assert_eq(ma("cpu=4000 nvidia.com/gpu=8", "nvidia.com/gpu=4",
                    "nvidia.com/gpu=2", args),
                 75);
    cr_assert_eq(
        ma("cpu=4000 nvidia.com/gpu=8", "nvidia.com/gpu=4", "cpu=1000", args),
        0);
}

Test(most_allocated, weights)
{
    /* cpu 25 x 1, gpu 100 x 3 -> 325 / 4 = 81 */
    cr_assert_eq(ma("cpu=4000 nvidia.com/gpu=2", "",
                    "cpu=1000 "
                    "nvidia.com/gpu=2",
                    "{\"resources\": {\"cpu\": 1, \"nvidia.com/gpu\": 3}}"),
                 81);
}

Test(most_allocated, describe_and_bad_args)
{
    char d[256], err[256];

    fx_describe("most-allocated", NULL, d, sizeof(d));
    cr_assert_str_eq(d, "{\"resources\": {\"cpu\": 1, \"memory\": 1}}");
    cr_assert_eq(fx_init_err("most-allocated",
                             "{\"resources\": {\"memory\": -3}}", err,
                             sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".resources.memory: expected integer 1..100");
    cr_assert_eq(fx_init_err("most-allocated", "[1]", err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ": expected an object");
}
