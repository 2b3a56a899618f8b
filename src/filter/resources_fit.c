/* resources_fit.c - filter: the node has room for every resource the pod
 * requests (kube-scheduler's NodeResourcesFit), minus ignored extended
 * resources. */
#include "common.h"
#include "filter/filter.h"
#include "policy/args.h"
#include "util/buf.h"
#include "util/xmalloc.h"

struct resources_fit {
    bool ignored[RES_MAX];
    uint32_t nignored;
    int ignored_ids[RES_MAX]; /* in policy order, for describe */
};

static const char *const resources_fit_keys[] = {"ignoredResources", NULL};

/* Only extended resources may be ignored, as in kube-scheduler: the native
 * ones (cpu, memory, pods, ephemeral-storage) are always accounted. */
static int resources_fit_add_ignored(struct resources_fit *s, const cJSON *v,
                                     int i, char *err, size_t errlen)
{
    char path[48];
    int id, rc;

    snprintf(path, sizeof(path), ".ignoredResources[%d]", i);
    rc = args_res_name(v, path, &id, err, errlen);
    if (rc)
        return rc;
    if (id <= RES_EPHEMERAL) {
        args_err(err, errlen,
                 "%s: \"%s\" cannot be ignored (only extended "
                 "resources can)",
                 path, res_name(id));
        return MU_EINVAL;
    }
    if (s->ignored[id]) {
        args_err(err, errlen, "%s: \"%s\" listed twice", path, res_name(id));
        return MU_EINVAL;
    }
    s->ignored[id] = true;
    s->ignored_ids[s->nignored++] = id;
    return MU_OK;
}

static int resources_fit_init(const cJSON *args, void **state, char *err,
                              size_t errlen)
{
    struct resources_fit *s = xcalloc(1, sizeof(*s));
    const cJSON *list;
    int rc, i = 0;

    rc = args_check_keys(args, resources_fit_keys, err, errlen);
    if (rc)
        goto out;
    list = args ? cJSON_GetObjectItemCaseSensitive(args, "ignoredResources")
                : NULL;
    if (list && !cJSON_IsArray(list)) {
        args_err(err, errlen,
                 ".ignoredResources: expected an array of "
                 "resource names");
        rc = MU_EINVAL;
        goto out;
    }
    for (const cJSON *c = list ? list->child : NULL; c; c = c->next, i++) {
        rc = resources_fit_add_ignored(s, c, i, err, errlen);
        if (rc)
            goto out;
    }
out:
    if (rc)
        FREE_NULL(s);
    *state = s;
    return rc;
}

static void resources_fit_fini(void *state)
{
    free(state);
}

static int resources_fit_describe(const void *state, char *dst, size_t cap)
{
    const struct resources_fit *s = state;
    struct buf b;
    int rc = MU_OK;

    buf_init(&b, cap ? cap - 1 : 0);
    rc |= buf_adds(&b, "{\"ignoredResources\": [");
    for (uint32_t i = 0; i < s->nignored; i++) {
        if (i)
            rc |= buf_adds(&b, ", ");
        rc |= buf_add_jstrz(&b, res_name(s->ignored_ids[i]));
    }
    rc |= buf_adds(&b, "]}");
    if (rc == MU_OK && cap > 0)
        memcpy(dst, b.data, b.len + 1);
    buf_fini(&b);
    return rc ? MU_ELIMIT : MU_OK;
}

/* Append "Insufficient X" (or "Too many pods") to the reason list in dst
 * and count it in *n. An item that does not fit whole, with room left for
 * ", ...", is not cut: the list ends in ", ..." instead. */
static void add_reason(char *dst, size_t cap, size_t *n, int id)
{
    static const char more[] = ", ...";
    char item[FILTER_REASON_MAX];
    size_t at, len;

    (*n)++;
    if (filter_is_quiet())   /* only "failed" matters: no text */
        return;
    at = strlen(dst);
    snprintf(item, sizeof(item), "%s%s%s", at ? ", " : "",
             id == RES_PODS ? "Too many pods" : "Insufficient ",
             id == RES_PODS ? "" : res_name(id));
    len = strlen(item);
    if (at == 0 || at + len + sizeof(more) <= cap) {
        snprintf(dst + at, cap - at, "%s", item);
        return;
    }
    if (at < sizeof(more) - 1 ||
        strcmp(dst + at - (sizeof(more) - 1), more) != 0)
        snprintf(dst + at, cap - at, "%s", more);
}

static int resources_fit_filter(const void *state, const struct pod *pod,
                                const struct node_view *nv,
                                struct filter_status *st)
{
    const struct resources_fit *s = state;
    const struct node_info *node = nv->node;
    char why[FILTER_REASON_MAX];
    size_t len = 0;
    bool never = false;

    MU_ASSERT(node->magic == NODE_MAGIC);
    why[0] = '\0';
    /* kube-scheduler reports the pod count first, then cpu, memory,
     * ephemeral-storage and the extended resources. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < pod->nreq; i++) {
            int id = pod->req[i].id;
            int64_t want = pod->req[i].v, alloc = node->alloc[id];

            if ((id == RES_PODS) != (pass == 0) || want <= 0 || s->ignored[id])
                continue;
            if (want <= nv_free(nv, id))
                continue;
            /* More than the whole node has: evicting cannot help. */
            never |= want > alloc;
            add_reason(why, sizeof(why), &len, id);
        }
    }
    if (len == 0)
        return filter_pass(st);
    return filter_fail(st, never ? FILTER_FAIL_UNRESOLVABLE : FILTER_FAIL,
                       "insufficient", "%s", why);
}

const struct filter_plugin filter_resources_fit = {
    .name = "resources-fit",
    .summary = "node must have room for every resource the pod requests "
               "(args: ignoredResources)",
    .init = resources_fit_init,
    .fini = resources_fit_fini,
    .describe = resources_fit_describe,
    .filter = resources_fit_filter,
};
