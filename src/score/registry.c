/* registry.c - the table of every score plugin, built from plugins.def. */
#include "common.h"
#include "score/score.h"

#define SCORE_PLUGIN(ident) extern const struct score_plugin score_##ident;
#include "score/plugins.def"
#undef SCORE_PLUGIN

static const struct score_plugin *const score_table[] = {
#define SCORE_PLUGIN(ident) &score_##ident,
#include "score/plugins.def"
#undef SCORE_PLUGIN
};

const struct score_plugin *score_plugin_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(score_table); i++) {
        if (strcmp(score_table[i]->name, name) == 0)
            return score_table[i];
    }
    return NULL;
}

size_t score_plugin_count(void)
{
    return ARRAY_LEN(score_table);
}

const struct score_plugin *score_plugin_at(size_t i)
{
    return i < ARRAY_LEN(score_table) ? score_table[i] : NULL;
}
