/* test_score_gpu_fit.c - best fit on free GPUs, and CPU-only pods kept off
 * idle GPU nodes. */
#include "common.h"
#include "fixtures.h"

#include <criterion/criterion.h>

static int64_t gf(const char *alloc, const char *used, const char *req,
                  const char *args)
{
    struct node_info *n = fx_node("n1", alloc);
    struct pod *p = fx_pod("p", req);
    int64_t s;

    fx_node_used(n, used);
    s = fx_score("gpu-fit", args, p, n);
    node_free(n);
    pod_free(p);
    return s;
}

Test(gpu_fit, exact_fit_scores_100)
{
    cr_assert_eq(
        gf("nvidia.com/gpu=8", "nvidia.com/gpu=6", "nvidia.com/gpu=2", NULL),
        100);
}

Test(gpu_fit, gpu_pod_prefers_tightest_fit)
{
    int64_t exact =
        gf("nvidia.com/gpu=8", "nvidia.com/gpu=6", "nvidia.com/gpu=2", NULL);
    int64_t small = gf("nvidia.com/gpu=4", "", "nvidia.com/gpu=2", NULL);
    int64_t big_partly =
        gf("nvidia.com/gpu=8", "nvidia.com/gpu=2", "nvidia.com/gpu=2", NULL);
    int64_t big_idle = gf("nvidia.com/gpu=8", "", "nvidia.com/gpu=2", NULL);

    cr_assert_eq(small, 50);      /* 2 of 4 left free */
    cr_assert_eq(big_partly, 50); /* 4 of 8 left free */
    cr_assert_eq(big_idle, 25);   /* 6 of 8 left free */
    cr_assert_gt(exact, small);
    cr_assert_gt(small, big_idle);
}

Test(gpu_fit, node_without_enough_gpus_scores_zero)
{
    cr_assert_eq(
        gf("nvidia.com/gpu=8", "nvidia.com/gpu=7", "nvidia.com/gpu=2", NULL),
        0);
    cr_assert_eq(gf("cpu=4000", "", "nvidia.com/gpu=1", NULL), 0);
}

Test(gpu_fit, cpu_pod_prefers_cpu_nodes_then_busy_gpu_nodes)
{
    int64_t cpu_node = gf("cpu=4000", "cpu=3000", "cpu=100", NULL);
    int64_t full_gpu =
        gf("cpu=4000 nvidia.com/gpu=8", "nvidia.com/gpu=8", "cpu=100", NULL);
    int64_t half_gpu =
        gf("cpu=4000 nvidia.com/gpu=8", "nvidia.com/gpu=4", "cpu=100", NULL);
    int64_t idle_gpu = gf("cpu=4000 nvidia.com/gpu=8", "", "cpu=100", NULL);

    cr_assert_eq(cpu_node, 100);
    cr_assert_eq(full_gpu, 50);
    cr_assert_eq(half_gpu, 25);
    cr_assert_eq(idle_gpu, 0);
}

Test(gpu_fit, resource_arg_selects_the_accelerator)
{
    const char *args = "{\"resource\": \"amd.com/gpu\"}";
    char d[128];

    cr_assert_eq(gf("amd.com/gpu=4", "amd.com/gpu=3", "amd.com/gpu=1", args),
                 100);
    /* an nvidia pod is a CPU pod as far as amd.com/gpu is concerned */
    cr_assert_eq(gf("nvidia.com/gpu=4", "", "nvidia.com/gpu=1", args), 100);
    fx_describe("gpu-fit", args, d, sizeof(d));
    cr_assert_str_eq(d, "{\"resource\": \"amd.com/gpu\"}");
    fx_describe("gpu-fit", NULL, d, sizeof(d));
    cr_assert_str_eq(d, "{\"resource\": \"nvidia.com/gpu\"}");
}

Test(gpu_fit, bad_args)
{
    char err[256];

    cr_assert_eq(fx_init_err("gpu-fit", "{\"resource\": 1}", err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, ".resource: expected a resource name string");
    cr_assert_eq(
        fx_init_err("gpu-fit", "{\"resource\": \"\"}", err, sizeof(err)),
        MU_EINVAL);
    cr_assert_str_eq(err, ".resource: \"\" is not a resource name");
    cr_assert_eq(
        fx_init_err("gpu-fit", "{\"resources\": \"x\"}", err, sizeof(err)),
        MU_EINVAL);
    cr_assert_str_eq(err, ".resources: unknown key (known: resource)");
}
