/* allocated.h - what least-allocated and most-allocated share: their args
 * ({"resources": {name: weight 1..100}}, default cpu and memory at 1) and
 * the weighted per-resource sum. Only the share each resource contributes
 * differs: the free part (spread) or the used part (binpack). Not a plugin
 * itself; the two plugin files plug these into their ops structs. */
#ifndef MUSTER_SCORE_ALLOCATED_H
#define MUSTER_SCORE_ALLOCATED_H

#include "common.h"
#include "score/score.h"

enum allocated_share { ALLOCATED_FREE, ALLOCATED_USED };

int allocated_init(const cJSON *args, void **state, char *err, size_t errlen);
void allocated_fini(void *state);
int allocated_describe(const void *state, char *dst, size_t cap);
/* sum(w x share x 100 / alloc) / sum(w) over the resources the node has,
 * share being alloc - used_after (ALLOCATED_FREE) or used_after
 * (ALLOCATED_USED). As in kube-scheduler, an extended resource the pod does
 * not request is left out, so a CPU pod is not steered by GPU usage; a
 * resource that would be overcommitted scores 0. */
int64_t allocated_score(const void *state, const struct pod *pod,
                        const struct node_view *nv, enum allocated_share sh);

#endif
