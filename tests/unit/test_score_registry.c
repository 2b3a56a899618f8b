/* test_score_registry.c - the score plugin table. */
#include "common.h"
#include "score/score.h"

#include <criterion/criterion.h>

Test(score_registry, every_plugin_is_listed_in_order_and_findable)
{
    static const char *const names[] = {"least-allocated", "most-allocated",
                                        "balanced-allocation", "gpu-fit",
                                        "node-affinity-preferred"};

    cr_assert_eq(score_plugin_count(), ARRAY_LEN(names));
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        const struct score_plugin *sp = score_plugin_at(i);

        cr_assert_str_eq(sp->name, names[i]);
        cr_assert_eq(score_plugin_find(names[i]), sp);
        cr_assert(sp->summary && sp->score && sp->describe);
    }
    cr_assert_null(score_plugin_at(ARRAY_LEN(names)));
    cr_assert_null(score_plugin_find("gpu_fit"));
    cr_assert_null(score_plugin_find(""));
}
