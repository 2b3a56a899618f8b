/* test_filter_resources_fit.c - requests against free capacity: texts,
 * order, resolvable vs unresolvable and ignoredResources. */
#include "common.h"
#include "fixtures.h"
#include "cache/decode.h"

#include <criterion/criterion.h>

static struct filter_status st;

static enum filter_verdict fit(const char *alloc, const char *used,
                               const char *req, const char *args)
{
    struct node_info *n = fx_node("n1", alloc);
    struct pod *p = fx_pod("p", req);
    enum filter_verdict v;

    fx_node_used(n, used);
    v = fx_filter("resources-fit", args, p, n, &st);
    node_free(n);
    pod_free(p);
    return v;
}

Test(resources_fit, pod_that_fits_passes)
{
    cr_assert_eq(fit("cpu=4000 memory=1000 pods=10", "cpu=1000 pods=3",
                     "cpu=1000 memory=500", NULL),
                 FILTER_PASS);
}

Test(resources_fit, exact_fit_passes)
{
    cr_assert_eq(fit("cpu=4000 memory=1000 pods=10",
                     "cpu=3000 memory=600 pods=9", "cpu=1000 memory=400", NULL),
                 FILTER_PASS);
}

Test(resources_fit, short_cpu_is_resolvable_insufficient_cpu)
{
    cr_assert_eq(
        fit("cpu=4000 memory=1000 pods=10", "cpu=3500", "cpu=1000", NULL),
        FILTER_FAIL);
    cr_assert_str_eq(st.reason, "Insufficient cpu");
    cr_assert_str_eq(st.code, "insufficient");
}

Test(resources_fit, too_many_pods_listed_first_then_by_resource)
{
    cr_assert_eq(fit("cpu=4000 memory=1000 pods=10 nvidia.com/gpu=4",
                     "cpu=4000 memory=1000 pods=10 nvidia.com/gpu=4",
                     "nvidia.com/gpu=1 memory=1 cpu=1", NULL),
                 FILTER_FAIL);
    cr_assert_str_eq(st.reason, "Too many pods, Insufficient cpu, "
                                "Insufficient memory, Insufficient "
                                "nvidia.com/gpu");
}

Test(resources_fit, a_long_reason_list_ends_in_dots_not_in_a_cut_item)
{
    const char *want = "Insufficient cpu, Insufficient memory, Insufficient "
                       "example.com/accelerator-long-name-a, Insufficient "
                       "example.com/accelerator-long-name-b, ...";

    cr_assert_eq(fit("cpu=1 memory=1 pods=10", "",
                     "cpu=2 memory=2 example.com/accelerator-long-name-a=1 "
                     "example.com/accelerator-long-name-b=1 "
                     "example.com/accelerator-long-name-c=1 "
                     "example.com/accelerator-long-name-d=1",
                     NULL),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_lt(strlen(st.reason), FILTER_REASON_MAX);
    cr_assert_str_eq(st.reason, want);
}

Test(resources_fit, node_without_the_resource_is_unresolvable)
{
    cr_assert_eq(
        fit("cpu=4000 memory=1000 pods=10", "", "nvidia.com/gpu=1", NULL),
        FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "Insufficient nvidia.com/gpu");
}

Test(resources_fit, request_above_allocatable_is_unresolvable_overall)
{
    /* cpu could be freed by preemption, but 16 GPUs never fit on 8 */
    cr_assert_eq(fit("cpu=4000 pods=10 nvidia.com/gpu=8", "cpu=4000",
                     "cpu=100 nvidia.com/gpu=16", NULL),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "Insufficient cpu, Insufficient "
                                "nvidia.com/gpu");
}

Test(resources_fit, node_with_zero_pods_allocatable_is_unresolvable)
{
    cr_assert_eq(fit("cpu=4000", "", "cpu=1", NULL), FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "Too many pods");
}

Test(resources_fit, full_pod_slots_are_resolvable)
{
    cr_assert_eq(fit("cpu=4000 pods=2", "pods=2", "", NULL), FILTER_FAIL);
    cr_assert_str_eq(st.reason, "Too many pods");
}

Test(resources_fit, overcommitted_resource_not_requested_is_ignored)
{
    cr_assert_eq(
        fit("cpu=4000 memory=100 pods=10", "memory=200", "cpu=10", NULL),
        FILTER_PASS);
}

Test(resources_fit, ignored_extended_resource_is_not_checked)
{
    cr_assert_eq(fit("cpu=4000 pods=10", "", "cpu=1 example.com/foo=3",
                     "{\"ignoredResources\": [\"example.com/foo\"]}"),
                 FILTER_PASS);
    cr_assert_eq(fit("cpu=4000 pods=10", "", "cpu=1 example.com/foo=3",
                     "{\"ignoredResources\": []}"),
                 FILTER_FAIL_UNRESOLVABLE);
    cr_assert_str_eq(st.reason, "Insufficient example.com/foo");
}

Test(resources_fit, describe_lists_ignored_resources)
{
    char d[256];

    fx_describe("resources-fit", NULL, d, sizeof(d));
    cr_assert_str_eq(d, "{\"ignoredResources\": []}");
    fx_describe("resources-fit",
                "{\"ignoredResources\": [\"a.io/x\", \"b.io/y\"]}", d,
                sizeof(d));
    cr_assert_str_eq(d, "{\"ignoredResources\": [\"a.io/x\", \"b.io/y\"]}");
}

Test(resources_fit, bad_args_are_rejected_with_their_path)
{
    char err[256];

    cr_assert_eq(
        fx_init_err("resources-fit", "{\"ignored\": []}", err, sizeof(err)),
        MU_EINVAL);
    cr_assert_str_eq(err, ".ignored: unknown key (known: ignoredResources)");
    cr_assert_eq(fx_init_err("resources-fit", "{\"ignoredResources\": 1}", err,
                             sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".ignoredResources: expected an array of resource "
                          "names");
    cr_assert_eq(fx_init_err("resources-fit",
                             "{\"ignoredResources\": [\"a.io/x\", \"cpu\"]}",
                             err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".ignoredResources[1]: \"cpu\" cannot be ignored "
                          "(only extended resources can)");
    cr_assert_eq(fx_init_err("resources-fit",
                             "{\"ignoredResources\": [\"a.io/x\", "
                             "\"a.io/x\"]}",
                             err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".ignoredResources[1]: \"a.io/x\" listed twice");
    cr_assert_eq(fx_init_err("resources-fit",
                             "{\"ignoredResources\": [\"bad name\"]}", err,
                             sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".ignoredResources[0]: \"bad name\" is not a "
                          "resource name");
}

/* A pod decoded after the pod-side name quota is used up (this test runs
 * in its own process) keeps its made-up resource as RES_UNLISTED, which no
 * node has: it fails on every node, naming the reserved resource. */
Test(resources_fit, unlisted_resource_fits_on_no_node)
{
    const char *allocs[] = {"cpu=4000 memory=1000 pods=10",
                            "cpu=64000 memory=100000 pods=100 vendor.io/dev=8"};
    const char *json = "{\"metadata\":{\"name\":\"p\"},\"spec\":{"
                       "\"containers\":[{\"resources\":{\"requests\":"
                       "{\"cpu\":\"100m\",\"made.up/thing\":\"1\"}}}]}}";
    struct pod *p = NULL;
    char name[32], err[256];

    for (int i = 0; res_count() < RES_POD_QUOTA; i++) {
        int n = snprintf(name, sizeof(name), "example.com/r%d", i);

        res_intern_pod(name, (size_t)n);
    }
    cr_assert_eq(decode_pod_buf(json, strlen(json), "Pod", &p, err,
                                sizeof(err)),
                 MU_OK, "%s", err);
    for (size_t i = 0; i < ARRAY_LEN(allocs); i++) {
        struct node_info *n = fx_node("n", allocs[i]);

        cr_assert_eq(fx_filter("resources-fit", NULL, p, n, &st),
                     FILTER_FAIL_UNRESOLVABLE, "%s", allocs[i]);
        cr_assert_str_eq(st.reason, "Insufficient " RES_UNLISTED_NAME);
        node_free(n);
    }
    pod_free(p);
}
