/* test_score_least_allocated.c - spreading score: exact values, weights,
 * skipped resources and args validation. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static int64_t la(const char *alloc, const char *used, const char *req,
                  const char *args)
{
    struct node_info *n = fx_node("n1", alloc);
    struct pod *p = fx_pod("p", req);
    int64_t s;

    fx_node_used(n, used);
    s = fx_score("least-allocated", args, p, n);
    node_free(n);
    pod_free(p);
    return s;
}

Test(least_allocated, counts_the_pod_itself)
{
    /* after placing: cpu 2000/4000, memory 4000/8000 -> 50 each */
    cr_assert_eq(la("cpu=4000 memory=8000 pods=10", "cpu=1000 memory=2000",
                    "cpu=1000 memory=2000", NULL),
                 50);
    cr_assert_eq(la("cpu=4000 memory=8000 pods=10", "", "", NULL), 100);
}

Test(least_allocated, emptier_node_scores_higher)
{
    int64_t empty = la("cpu=4000 memory=8000", "", "cpu=1000", NULL);
    int64_t half =
        la("cpu=4000 memory=8000", "cpu=2000 memory=4000", "cpu=1000", NULL);

    cr_assert_eq(empty, 87); /* (75 + 100) / 2 */
    cr_assert_eq(half, 37);  /* (25 + 50) / 2 */
    cr_assert_gt(empty, half);
}

Test(least_allocated, weights_and_truncation)
{
    /* cpu 50 x 3, memory 100 x 1 -> 250 / 4 = 62 */
    cr_assert_eq(la("cpu=4000 memory=8000", "cpu=1000", "cpu=1000",
                    "{\"resources\": {\"cpu\": 3, \"memory\": 1}}"),
                 62);
}

Test(least_allocated, overcommitted_resource_scores_zero)
{
    cr_assert_eq(la("cpu=4000 memory=8000", "cpu=3500", "cpu=1000", NULL),
                 50); /* (0 + 100) / 2 */
}

Test(least_allocated, resources_the_node_lacks_are_left_out)
{
    cr_assert_eq(la("cpu=4000", "cpu=1000", "cpu=1000", NULL), 50);
    cr_assert_eq(la("pods=10", "", "", NULL), 0);
}

Test(least_allocated, extended_resource_not_requested_is_left_out)
{
    const char *args = "{\"resources\": {\"cpu\": 1, \"nvidia.com/gpu\": 1}}";

    /* no GPU asked: only cpu counts (3000 free of 4000 -> 75) */
    cr_assert_eq(
        la("cpu=4000 nvidia.com/gpu=8", "nvidia.com/gpu=8", "cpu=1000", args),
        75);
    /* GPU asked: (75 + 75) / 2 */
    cr_assert_eq(la("cpu=4000 nvidia.com/gpu=8", "nvidia.com/gpu=1",
                    "cpu=1000 nvidia.com/gpu=1", args),
                 75);
}

Test(least_allocated, describe_shows_defaults_and_args)
{
    char d[256];

    fx_describe("least-allocated", NULL, d, sizeof(d));
    cr_assert_str_eq(d, "{\"resources\": {\"cpu\": 1, \"memory\": 1}}");
    fx_describe("least-allocated",
                "{\"resources\": {\"nvidia.com/gpu\": 5, \"cpu\": 2}}", d,
                sizeof(d));
    cr_assert_str_eq(d, "{\"resources\": {\"nvidia.com/gpu\": 5, \"cpu\": 2}}");
}

Test(least_allocated, bad_args_name_the_path)
{
    static const struct {
        const char *args, *err;
    } cases[] = {
        {"{\"resources\": {\"cpu\": 0}}",
         ".resources.cpu: expected integer 1..100"},
        {"{\"resources\": {\"cpu\": 101}}",
         ".resources.cpu: expected integer 1..100"},
        {"{\"resources\": {\"cpu\": 1.5}}",
         ".resources.cpu: expected integer 1..100"},
        {"{\"resources\": {\"cpu\": \"1\"}}",
         ".resources.cpu: expected integer 1..100"},
        {"{\"resources\": {}}",
         ".resources: expected an object of resource weights like "
         "{\"cpu\": 1, \"memory\": 1}"},
        {"{\"resources\": [\"cpu\"]}",
         ".resources: expected an object of resource weights like "
         "{\"cpu\": 1, \"memory\": 1}"},
        {"{\"resources\": {\"cpu\": 1, \"cpu\": 2}}",
         ".resources.cpu: \"cpu\" listed twice"},
        {"{\"resources\": {\"/gpu\": 1}}",
         ".resources./gpu: \"/gpu\" is not a resource name"},
        {"{\"resource\": {}}", ".resource: unknown key (known: resources)"},
    };
    char err[256];

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        cr_assert_eq(
            fx_init_err("least-allocated", cases[i].args, err, sizeof(err)),
            MU_EINVAL, "%s", cases[i].args);
        cr_assert_str_eq(err, cases[i].err, "%s", cases[i].args);
    }
}
