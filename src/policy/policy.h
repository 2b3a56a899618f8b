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
#define POLICY_MAX_TOPO_KEYS 8

/* The optional "gang" section (src/policy/gang_conf.c):
 *   "gang": {"defaultTimeoutSeconds": 30, "maxHoldSeconds": 4,
 *            "backoffSeconds": 10, "starvationSeconds": 300,
 *            "topologyKeys": ["kubernetes.io/hostname",
 *                             "topology.kubernetes.io/zone"]}
 * Absent keys take the defaults shown (policy_gang_defaults). */
struct policy_gang {
    int64_t default_timeout_s;  /* 1..3600: a gang's time to complete */
    int64_t max_hold_s;         /* 1..60: longest a /bind is held; keep it
                                   below kube-scheduler's httpTimeout */
    int64_t backoff_s;          /* 0..3600: fail-fast period after timeout */
    int64_t starvation_s;       /* 1..86400: wait before capacity is held */
    size_t ntopo_keys;          /* 0..POLICY_MAX_TOPO_KEYS */
    char *topo_keys[POLICY_MAX_TOPO_KEYS];  /* narrowest domain first */
    bool given;                 /* the file has a "gang" section */
};

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
    struct policy_gang gang;   /* gang settings, defaults when absent */
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
/* Gang section helpers (gang_conf.c). defaults: fill g with the built-in
 * values; parse: validate the JSON value of "gang" (object) into g, errors
 * as ".gang.maxHoldSeconds: 0 not in 1..60" in err; fini frees the keys. */
void policy_gang_defaults(struct policy_gang *g);
int policy_gang_parse(const cJSON *v, struct policy_gang *g, char *err,
                      size_t errlen);
void policy_gang_fini(struct policy_gang *g);
/* The effective gang section as a JSON object into dst. */
int policy_gang_describe(const struct policy_gang *g, char *dst, size_t cap);

/* Print the effective policy (defaults filled in) as indented JSON. */
int policy_print(const struct policy *p, FILE *out);

#endif
