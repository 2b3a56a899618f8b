/* score.h - score plugins and the weighted sum that ranks nodes (R2, R3).
 *
 * A score plugin rates a feasible node for a pod from 0 to SCORE_MAX
 * (higher is better). A plugin whose raw values only make sense relative to
 * the other nodes (e.g. preferred-affinity weights) produces raw values in
 * score() and maps them to 0..SCORE_MAX in normalize(), which sees all
 * nodes of the call. The front end then adds weight x score over the
 * policy's plugins and only at the end scales the total to the extender's
 * 0..EXT_SCORE_MAX range.
 *
 * Adding a plugin: one file src/score/<name>.c ending with
 *     const struct score_plugin score_<ident> = { .name = "...", ... };
 * and one line SCORE_PLUGIN(<ident>) in src/score/plugins.def. */
#ifndef MUSTER_SCORE_SCORE_H
#define MUSTER_SCORE_SCORE_H

#include "common.h"
#include "cache/model.h"

#include <cjson/cJSON.h>

#define SCORE_MAX 100        /* kube-scheduler's MaxNodeScore */
#define EXT_SCORE_MAX 10     /* extender/v1 MaxExtenderPriority */

struct score_plugin {
    const char *name;          /* key in policy files, e.g. "gpu-fit" */
    const char *summary;       /* one line for `muster policy check` */
    /* Optional: validate args (may be NULL), build state; errors relative
     * to args written to err. */
    int (*init)(const cJSON *args, void **state, char *err, size_t errlen);
    void (*fini)(void *state);
    /* Print the effective parameters as a JSON object into a buffer for
     * `muster policy check` (optional). */
    int (*describe)(const void *state, char *dst, size_t cap);
    int (*score)(const void *state, const struct pod *pod,
                 const struct node_view *nv, int64_t *out);
    /* Optional: rewrite raw scores of all n nodes to 0..SCORE_MAX. */
    void (*normalize)(const void *state, const struct pod *pod,
                      int64_t *scores, size_t n);
};

/* Plugin helpers. Usage of resource id on the node once the pod is placed
 * (used + request, saturating instead of overflowing). */
int64_t score_used_after(const struct pod *pod, const struct node_view *nv,
                         int id);
/* num * SCORE_MAX / den, truncated, for 0 <= num and 0 < den; no overflow
 * for any int64 inputs. */
int64_t score_pct(int64_t num, int64_t den);

const struct score_plugin *score_plugin_find(const char *name);
size_t score_plugin_count(void);
const struct score_plugin *score_plugin_at(size_t i);

struct policy;

/* Weighted totals: total[i] = sum over the policy's score plugins of
 * weight x score(node i), each score in 0..SCORE_MAX. Full resolution, for
 * planners and the simulator that pick a node themselves.
 * RET MU_OK or a plugin's error. */
int score_run_raw(const struct policy *pol, const struct pod *pod,
                  const struct node_view *nv, size_t n, int64_t *total);
/* The extender's answer: totals scaled to 0..EXT_SCORE_MAX, rounding to
 * nearest. A policy with no score plugins scores every node 0. */
int score_run(const struct policy *pol, const struct pod *pod,
              const struct node_view *nv, size_t n, int64_t *out);
/* Scale one raw total to 0..EXT_SCORE_MAX under pol's weights. */
int64_t score_scale(const struct policy *pol, int64_t total);

#endif
