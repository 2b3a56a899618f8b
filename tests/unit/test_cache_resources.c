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
