/* node_affinity.c - filter: the node matches the pod's nodeSelector and its
 * required node affinity. */
#include "common.h"
#include "filter/filter.h"

static bool selector_match(const struct pod *pod, const struct node_info *n)
{
    for (uint32_t i = 0; i < pod->node_selector.n; i++) {
        const struct label *l = &pod->node_selector.kv[i];
        const char *v = labels_get(&n->labels, l->key);

        if (!v || strcmp(v, l->val) != 0)
            return false;
    }
    return true;
}

/* requiredDuringScheduling: the terms are ORed; present but empty matches
 * no node at all, as in Kubernetes. */
static bool required_match(const struct pod *pod, const struct node_info *n)
{
    if (!pod->has_required)
        return true;
    for (uint32_t i = 0; i < pod->nrequired; i++) {
        if (sel_term_match(&pod->required[i], n))
            return true;
    }
    return false;
}

static int node_affinity_filter(const void *state, const struct pod *pod,
                                const struct node_view *nv,
                                struct filter_status *st)
{
    const struct node_info *node = nv->node;

    MU_UNUSED(state);
    MU_ASSERT(node->magic == NODE_MAGIC);
    if (selector_match(pod, node) && required_match(pod, node))
        return filter_pass(st);
    return filter_fail(st, FILTER_FAIL_UNRESOLVABLE, "affinity",
                       "node(s) didn't match Pod's node affinity/selector");
}

const struct filter_plugin filter_node_affinity = {
    .name = "node-affinity",
    .summary = "node labels must match the pod's nodeSelector and required "
               "node affinity",
    .filter = node_affinity_filter,
};
