/* test_filter_registry.c - the filter plugin table. */
#include "common.h"
#include "filter/filter.h"

#include <criterion/criterion.h>

Test(filter_registry, every_plugin_is_listed_in_order_and_findable)
{
    static const char *const names[] = {"node-ready", "taint-toleration",
                                        "node-affinity", "resources-fit"};

    cr_assert_eq(filter_plugin_count(), ARRAY_LEN(names));
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        const struct filter_plugin *fp = filter_plugin_at(i);

        cr_assert_str_eq(fp->name, names[i]);
        cr_assert_eq(filter_plugin_find(names[i]), fp);
        cr_assert(fp->summary && fp->filter);
    }
    cr_assert_null(filter_plugin_at(ARRAY_LEN(names)));
    cr_assert_null(filter_plugin_find("node_ready"));
}
