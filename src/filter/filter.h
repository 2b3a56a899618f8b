/* filter.h - filter plugins and the chain that runs them (R2, R3).
 *
 * A filter plugin says whether a pod may go on a node. The return value
 * says whether the plugin could run (MU_OK, or an error); the verdict goes
 * in *st. FILTER_FAIL maps to the extender's FailedNodes (preemption might
 * help), FILTER_FAIL_UNRESOLVABLE to FailedAndUnresolvableNodes (evicting
 * pods cannot help: taints, affinity, a node that is too small).
 *
 * Adding a plugin: one file src/filter/<name>.c that ends with
 *     const struct filter_plugin filter_<ident> = { .name = "...", ... };
 * and one line FILTER_PLUGIN(<ident>) in src/filter/plugins.def. */
#ifndef MUSTER_FILTER_FILTER_H
#define MUSTER_FILTER_FILTER_H

#include "common.h"
#include "cache/model.h"

#include <cjson/cJSON.h>

enum filter_verdict { FILTER_PASS = 0, FILTER_FAIL, FILTER_FAIL_UNRESOLVABLE };

#define FILTER_REASON_MAX 160

struct filter_status {
    enum filter_verdict verdict;
    /* Short, stable label for metrics ("insufficient", "taint", ...); a
     * static string, never formatted. */
    const char *code;
    /* Human text for the pod's event, worded like kube-scheduler's own
     * ("Insufficient nvidia.com/gpu"); identical for nodes failing for the
     * same cause, since kube-scheduler aggregates by text. No '%'. */
    char reason[FILTER_REASON_MAX];
};

struct filter_plugin {
    const char *name;          /* key in policy files, e.g. "resources-fit" */
    const char *summary;       /* one line for `muster policy check` */
    /* Optional: validate `args` (may be NULL) and build state. On error
     * write a message relative to args (".foo: must be ...") into err. */
    int (*init)(const cJSON *args, void **state, char *err, size_t errlen);
    void (*fini)(void *state);                       /* optional */
    /* Optional: print the effective args as a JSON object into dst (for
     * `muster policy check`); RET MU_OK or MU_ELIMIT when cap is short. */
    int (*describe)(const void *state, char *dst, size_t cap);
    int (*filter)(const void *state, const struct pod *pod,
                  const struct node_view *nv, struct filter_status *st);
};

/* Plugin helpers: fill st and RET MU_OK. */
int filter_pass(struct filter_status *st);
int filter_fail(struct filter_status *st, enum filter_verdict v,
                const char *code, const char *fmt, ...) MU_PRINTF(4, 5);
/* Does one of the pod's tolerations tolerate the taint? A toleration
 * matches when its effect is empty or equal and either it is Exists with an
 * empty key (every taint), or the keys are equal and it is Exists or its
 * value equals the taint's (Equal). */
bool filter_tolerates(const struct pod *pod, const struct taint *taint);

/* Registry (registry.c, built from plugins.def). */
const struct filter_plugin *filter_plugin_find(const char *name);
size_t filter_plugin_count(void);
const struct filter_plugin *filter_plugin_at(size_t i);

struct policy;

/* Run the policy's filters in order over one node, stopping at the first
 * that fails.
 * OUT st: the verdict (and the failing plugin's reason)
 * OUT failed: index in the policy's filter list of the plugin that failed,
 *             or -1 when the node passes (may be NULL)
 * RET MU_OK, or the error of a plugin that could not run */
int filter_run(const struct policy *pol, const struct pod *pod,
               const struct node_view *nv, struct filter_status *st,
               int *failed);

#endif
