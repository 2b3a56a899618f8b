/* registry.c - the table of every filter plugin, built from plugins.def. */
#include "common.h"
#include "filter/filter.h"

#define FILTER_PLUGIN(ident) extern const struct filter_plugin filter_##ident;
#include "filter/plugins.def"
#undef FILTER_PLUGIN

static const struct filter_plugin *const filter_table[] = {
#define FILTER_PLUGIN(ident) &filter_##ident,
#include "filter/plugins.def"
#undef FILTER_PLUGIN
};

const struct filter_plugin *filter_plugin_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(filter_table); i++) {
        if (strcmp(filter_table[i]->name, name) == 0)
            return filter_table[i];
    }
    return NULL;
}

size_t filter_plugin_count(void)
{
    return ARRAY_LEN(filter_table);
}

const struct filter_plugin *filter_plugin_at(size_t i)
{
    return i < ARRAY_LEN(filter_table) ? filter_table[i] : NULL;
}
