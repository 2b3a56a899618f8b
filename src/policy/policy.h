/* policy.h - a scheduling policy: which filter plugins run, in what order,
 * and which score plugins with what weights and parameters. Loaded from a
 * JSON file (policies/NAME.json):
 *
 *   {
 *     "description": "one line",
 *     "filters": ["node-ready", "taint-toleration", "node-affinity",
 *                 {"name": "resources-fit", "args": {...}}],
 *     "scores": [{"name": "least-allocated", "weight": 1,
 *                 "args": {"resources": {"cpu": 1, "memory": 1}}}]
 *   }
 *
 * A bad file never loads partly (R9): unknown fields, unknown plugin names,
 * wrong types, weights outside 1..100 and bad plugin args are errors of the
 * form "FILE: .scores[1].weight: -1 not in 1..100". */
#ifndef MUSTER_POLICY_POLICY_H
#define MUSTER_POLICY_POLICY_H

#include "common.h"
#include "filter/filter.h"
#include "score/score.h"

#define POLICY_MAX_PLUGINS 32

struct policy_filter {
    const struct filter_plugin *plugin;
    void *state;
};

struct policy_score {
    const struct score_plugin *plugin;
    void *state;
    int64_t weight;            /* 1..100 */
};

struct policy {
    char *path;                /* where it was loaded from */
    char *description;
    size_t nfilters;
    struct policy_filter filters[POLICY_MAX_PLUGINS];
    size_t nscores;
    struct policy_score scores[POLICY_MAX_PLUGINS];
    int64_t weight_sum;        /* sum of score weights */
};

/* IN name: used in error messages (normally the path)
 * OUT *out: the policy, owned by the caller (policy_free)
 * OUT err: "NAME: .path: what is wrong" on failure
 * RET MU_OK, MU_EINVAL, MU_EIO (policy_load only) */
int policy_parse(const char *json, size_t len, const char *name,
                 struct policy **out, char *err, size_t errlen);
int policy_load(const char *path, struct policy **out, char *err,
                size_t errlen);
void policy_free(struct policy *p);    /* accepts NULL */
/* Print the effective policy (defaults filled in) as indented JSON. */
int policy_print(const struct policy *p, FILE *out);

#endif
