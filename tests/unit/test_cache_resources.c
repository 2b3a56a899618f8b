/* test_cache_resources.c - the process-wide resource name table. */
#include "common.h"
#include "cache/resources.h"

#include <criterion/criterion.h>

Test(resources, names_match_on_their_exact_length)
{
    int id = res_intern("example.com/dev", 15);

    cr_assert_geq(id, 0);
    cr_assert_eq(res_find("example.com/dev", 15), id);
    cr_assert_eq(res_find("cpu", 3), RES_CPU);
    cr_assert_eq(res_find("cp", 2), MU_ENOENT);
    cr_assert_eq(res_find("cpus", 4), MU_ENOENT);
    /* A NUL inside the name is part of it: "cpu\0x" is not "cpu" (and
     * comparing must not read past the 4 bytes of "cpu"). */
    cr_assert_eq(res_find("cpu\0x", 5), MU_ENOENT);
    cr_assert_eq(res_find("example.com/dev\0", 16), MU_ENOENT);
}

Test(resources, pod_names_stop_at_the_quota_and_map_to_unlisted)
{
    char name[32];
    int n, id;

    cr_assert_str_eq(res_name(RES_UNLISTED), RES_UNLISTED_NAME);
    for (int i = 0; res_count() < RES_POD_QUOTA; i++) {
        n = snprintf(name, sizeof(name), "pod.io/r%d", i);
        cr_assert_eq(res_intern_pod(name, (size_t)n), res_count() - 1);
    }
    cr_assert_eq(res_intern_pod("pod.io/late", 11), RES_UNLISTED);
    cr_assert_eq(res_find("pod.io/late", 11), MU_ENOENT);
    cr_assert_eq(res_intern_pod("pod.io/r0", 9), res_find("pod.io/r0", 9));
    cr_assert_eq(res_intern_pod("cpu", 3), RES_CPU);
    /* nodes and policies may still use the rest of the table */
    id = res_intern("node.io/dev", 11);
    cr_assert_eq(id, RES_POD_QUOTA);
    cr_assert_eq(res_intern_pod("node.io/dev", 11), id);
    while ((n = snprintf(name, sizeof(name), "node.io/r%d", res_count())),
           res_count() < RES_MAX)
        cr_assert_geq(res_intern(name, (size_t)n), 0);
    cr_assert_eq(res_intern("node.io/full", 12), MU_ELIMIT);
    cr_assert_eq(res_intern_pod("node.io/full", 12), RES_UNLISTED);
}
