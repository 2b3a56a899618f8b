/* fixtures.c - hand-built nodes, pods and policies for the unit tests. */
#include "common.h"
#include "fixtures.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

/* Parse "name=123 other=4" into a dense vector indexed by resource id. */
static void parse_spec(const char *spec, int64_t *dense)
{
    const char *p = spec;

    while (*p) {
        const char *eq, *end;
        int64_t v = 0;
        int id;

        while (*p == ' ')
            p++;
        if (!*p)
            break;
        eq = strchr(p, '=');
        cr_assert(eq, "resource spec without '=': %s", spec);
        id = res_intern(p, (size_t)(eq - p));
        cr_assert(id >= 0);
        for (end = eq + 1; *end >= '0' && *end <= '9'; end++)
            v = v * 10 + (*end - '0');
        cr_assert(end > eq + 1 && (*end == ' ' || *end == '\0'),
                  "bad number in spec: %s", spec);
        dense[id] = v;
        p = end;
    }
}

struct node_info *fx_node(const char *name, const char *alloc)
{
    struct node_info *n = node_new();

    n->name = xstrdup(name);
    n->ready = true;
    parse_spec(alloc, n->alloc);
    return n;
}

void fx_node_used(struct node_info *n, const char *used)
{
    memset(n->used, 0, sizeof(n->used));
    parse_spec(used, n->used);
}

static void labels_add(struct labels *l, const char *key, const char *val)
{
    l->kv = xrealloc(l->kv, (l->n + 1) * sizeof(*l->kv));
    l->kv[l->n].key = xstrdup(key);
    l->kv[l->n].val = xstrdup(val);
    l->n++;
    cr_assert_eq(labels_sort(l), MU_OK, "duplicate label %s", key);
}

void fx_node_label(struct node_info *n, const char *key, const char *val)
{
    cr_assert(!n->packed, "label a node before it goes in a cluster");
    labels_add(&n->labels, key, val);
}

void fx_node_taint(struct node_info *n, const char *key, const char *val,
                   enum taint_effect effect)
{
    cr_assert(!n->packed, "taint a node before it goes in a cluster");
    n->taints = xrealloc(n->taints, (n->ntaints + 1) * sizeof(*n->taints));
    n->taints[n->ntaints].key = xstrdup(key);
    n->taints[n->ntaints].value = xstrdup(val ? val : "");
    n->taints[n->ntaints].effect = effect;
    n->ntaints++;
}

struct node_view fx_view(const struct node_info *n)
{
    struct node_view nv = {.node = n, .used = n->used};

    return nv;
}

struct pod *fx_pod(const char *name, const char *req)
{
    struct pod *p = pod_new();
    int64_t dense[RES_MAX] = {0};

    p->ns = xstrdup("default");
    p->name = xstrdup(name);
    p->uid = xasprintf("uid-%s", name);
    p->scheduler_name = xstrdup("default-scheduler");
    parse_spec(req, dense);
    dense[RES_PODS] = 1;
    p->req = xcalloc(RES_MAX, sizeof(*p->req));
    for (int id = 0; id < RES_MAX; id++) {
        if (dense[id] == 0)
            continue;
        p->req[p->nreq].id = (uint16_t)id;
        p->req[p->nreq].v = dense[id];
        p->nreq++;
    }
    return p;
}

void fx_pod_tol(struct pod *p, const char *key, enum tol_op op, const char *val,
                enum taint_effect effect)
{
    p->tols = xrealloc(p->tols, (p->ntols + 1) * sizeof(*p->tols));
    p->tols[p->ntols].key = xstrdup(key ? key : "");
    p->tols[p->ntols].value = xstrdup(val ? val : "");
    p->tols[p->ntols].op = op;
    p->tols[p->ntols].effect = effect;
    p->ntols++;
}

void fx_pod_selector(struct pod *p, const char *key, const char *val)
{
    labels_add(&p->node_selector, key, val);
}

struct sel_term *fx_pod_required(struct pod *p)
{
    p->has_required = true;
    p->required =
        xrealloc(p->required, (p->nrequired + 1) * sizeof(*p->required));
    memset(&p->required[p->nrequired], 0, sizeof(*p->required));
    return &p->required[p->nrequired++];
}

struct sel_term *fx_pod_preferred(struct pod *p, int32_t weight)
{
    p->preferred =
        xrealloc(p->preferred, (p->npreferred + 1) * sizeof(*p->preferred));
    memset(&p->preferred[p->npreferred], 0, sizeof(*p->preferred));
    p->preferred[p->npreferred].weight = weight;
    return &p->preferred[p->npreferred++].term;
}

static void req_add(struct sel_req **arr, uint32_t *n, const char *key,
                    enum sel_op op, const char *values)
{
    struct sel_req *r;
    const char *v = values;

    *arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
    r = &(*arr)[(*n)++];
    memset(r, 0, sizeof(*r));
    r->key = xstrdup(key);
    r->op = op;
    while (v && *v) {
        const char *comma = strchr(v, ',');
        size_t len = comma ? (size_t)(comma - v) : strlen(v);

        r->values = xrealloc(r->values, (r->nvalues + 1) * sizeof(char *));
        r->values[r->nvalues++] = xstrndup(v, len);
        v = comma ? comma + 1 : NULL;
    }
}

void fx_term_expr(struct sel_term *t, const char *key, enum sel_op op,
                  const char *values)
{
    req_add(&t->exprs, &t->nexprs, key, op, values);
}

void fx_term_field(struct sel_term *t, const char *key, enum sel_op op,
                   const char *values)
{
    req_add(&t->fields, &t->nfields, key, op, values);
}

struct policy *fx_policy(const char *json)
{
    struct policy *pol = NULL;
    char err[512] = "";

    cr_assert_eq(
        policy_parse(json, strlen(json), "test", &pol, err, sizeof(err)), MU_OK,
        "policy: %s", err);
    return pol;
}

static cJSON *parse_args(const char *args)
{
    cJSON *j = NULL;

    if (args) {
        j = cJSON_Parse(args);
        cr_assert(j, "bad args JSON in test: %s", args);
    }
    return j;
}

enum filter_verdict fx_filter(const char *name, const char *args,
                              const struct pod *pod, const struct node_info *n,
                              struct filter_status *st)
{
    const struct filter_plugin *fp = filter_plugin_find(name);
    struct node_view nv = fx_view(n);
    cJSON *j = parse_args(args);
    void *state = NULL;
    char err[256] = "";

    cr_assert(fp, "no filter plugin %s", name);
    if (fp->init)
        cr_assert_eq(fp->init(j, &state, err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(fp->filter(state, pod, &nv, st), MU_OK);
    if (fp->fini)
        fp->fini(state);
    cJSON_Delete(j);
    return st->verdict;
}

int64_t fx_score(const char *name, const char *args, const struct pod *pod,
                 const struct node_info *n)
{
    const struct score_plugin *sp = score_plugin_find(name);
    struct node_view nv = fx_view(n);
    cJSON *j = parse_args(args);
    void *state = NULL;
    char err[256] = "";
    int64_t out = -1;

    cr_assert(sp, "no score plugin %s", name);
    if (sp->init)
        cr_assert_eq(sp->init(j, &state, err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(sp->score(state, pod, &nv, &out), MU_OK);
    if (sp->fini)
        sp->fini(state);
    cJSON_Delete(j);
    return out;
}

int fx_init_err(const char *name, const char *args, char *err, size_t errlen)
{
    const struct filter_plugin *fp = filter_plugin_find(name);
    const struct score_plugin *sp = score_plugin_find(name);
    cJSON *j = parse_args(args);
    void *state = NULL;
    int rc;

    cr_assert(fp || sp, "no plugin %s", name);
    err[0] = '\0';
    rc = fp ? fp->init(j, &state, err, errlen)
            : sp->init(j, &state, err, errlen);
    if (rc == MU_OK) {
        if (fp && fp->fini)
            fp->fini(state);
        if (sp && sp->fini)
            sp->fini(state);
    } else {
        cr_assert_null(state, "failed init must leave no state");
    }
    cJSON_Delete(j);
    return rc;
}

void fx_describe(const char *name, const char *args, char *dst, size_t cap)
{
    const struct filter_plugin *fp = filter_plugin_find(name);
    const struct score_plugin *sp = score_plugin_find(name);
    cJSON *j = parse_args(args);
    void *state = NULL;
    char err[256] = "";

    cr_assert(fp || sp, "no plugin %s", name);
    if (fp) {
        cr_assert_eq(fp->init(j, &state, err, sizeof(err)), MU_OK, "%s", err);
        cr_assert_eq(fp->describe(state, dst, cap), MU_OK);
        fp->fini(state);
    } else {
        if (sp->init)
            cr_assert_eq(sp->init(j, &state, err, sizeof(err)), MU_OK, "%s",
                         err);
        cr_assert_eq(sp->describe(state, dst, cap), MU_OK);
        if (sp->fini)
            sp->fini(state);
    }
    cJSON_Delete(j);
}
