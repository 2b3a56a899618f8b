/* fixtures.h - build nodes and pods by hand for plugin and policy tests.
 *
 * Resource specs are space-separated NAME=INTEGER pairs in the model's
 * units (cpu in millicores, memory in bytes): "cpu=4000 memory=8192
 * pods=110 nvidia.com/gpu=8". Every helper aborts the test on misuse. */
#ifndef MUSTER_TESTS_FIXTURES_H
#define MUSTER_TESTS_FIXTURES_H

#include "common.h"
#include "cache/model.h"
#include "policy/policy.h"

/* A Ready, schedulable node with the given allocatable, nothing used. */
struct node_info *fx_node(const char *name, const char *alloc);
/* Set (not add) the node's used amounts from a spec. */
void fx_node_used(struct node_info *n, const char *used);
void fx_node_label(struct node_info *n, const char *key, const char *val);
void fx_node_taint(struct node_info *n, const char *key, const char *val,
                   enum taint_effect effect);
/* The view plugins see: the node with its own used vector. */
struct node_view fx_view(const struct node_info *n);

/* A pending pod with the given requests; pods=1 is always added. */
struct pod *fx_pod(const char *name, const char *req);
void fx_pod_tol(struct pod *p, const char *key, enum tol_op op, const char *val,
                enum taint_effect effect);
void fx_pod_selector(struct pod *p, const char *key, const char *val);
/* Add an empty required term (sets has_required) / a preferred term. The
 * pointer is valid until the next term is added to the same pod. */
struct sel_term *fx_pod_required(struct pod *p);
struct sel_term *fx_pod_preferred(struct pod *p, int32_t weight);
/* Add a matchExpressions / matchFields requirement; values is a
 * comma-separated list ("" for none). */
void fx_term_expr(struct sel_term *t, const char *key, enum sel_op op,
                  const char *values);
void fx_term_field(struct sel_term *t, const char *key, enum sel_op op,
                   const char *values);

/* Run filter plugin `name` with args (JSON text, or NULL) on one node. */
enum filter_verdict fx_filter(const char *name, const char *args,
                              const struct pod *pod, const struct node_info *n,
                              struct filter_status *st);
/* Raw score of plugin `name` with args (JSON text or NULL) on one node. */
int64_t fx_score(const char *name, const char *args, const struct pod *pod,
                 const struct node_info *n);
/* init of plugin `name` (filter or score) on args text: RET its code, err
 * holds the message. */
int fx_init_err(const char *name, const char *args, char *err, size_t errlen);
/* describe output of a score or filter plugin with args. */
void fx_describe(const char *name, const char *args, char *dst, size_t cap);

/* Parse a policy from text; fails the test on error. */
struct policy *fx_policy(const char *json);

#endif
