/* plan.c - the gang planner: all-or-nothing placement of a gang's pods on
 * a what-if usage copy, through the policy's filters and scores, packed by
 * topology domain (the rule is in plan.h).
 *
 * Data layout, chosen for speed (64 pods on 1,000 nodes in about 1 ms):
 *  - nodes are sorted by name once, so "first index" is "smallest name"
 *    and every tie-break is deterministic;
 *  - `base` is each node's usage with reservations counted, `cur` the same
 *    during a trial; a trial touches few nodes, so it is undone by copying
 *    back only the touched rows (pl_restore) instead of the whole table;
 *  - pods with the same scheduling spec share a class, whose verdict and
 *    score per node are computed once; placing a pod re-runs the filters
 *    on that one node only, since nothing else changed;
 *  - domain ids per topology key are small integers, so "does this node
 *    share a domain with the trial" is an array lookup, not a string
 *    compare.
 * The plugins never know they are being used for a plan: they see a
 * node_view whose usage is the what-if row and a context with no gang
 * decision (the gang filter passes, the topology score is neutral). */
#include "common.h"
#include "queue/plan.h"
#include "cache/resources.h"
#include "filter/filter.h"
#include "score/score.h"
#include "util/quantity.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#define PLAN_NONE UINT32_MAX
#define PLAN_PORTS_MAX 64   /* distinct host ports of a gang, tracked */

enum { V_PASS = 0, V_FAIL = 1, V_UNRES = 2 };

/* Pods with the same scheduling spec share one class: their verdicts and
 * scores on a node are the same, so they are computed once. */
struct pl_class {
    const struct pod *pod;
    uint64_t ports;    /* its host ports, as bits of planner.pk */
    uint64_t blocks;   /* the gang's ports it keeps off its node */
    uint8_t *v;        /* verdict per node on the usage before planning */
    uint8_t *fit;      /* feasibility per node in the current trial */
    int64_t *score;    /* weighted score per node, before planning */
};

/* The domains of one topology key: node indices grouped by label value. */
struct pl_level {
    uint32_t ndom;
    uint32_t *start;   /* ndom + 1 offsets into members */
    uint32_t *members;
    const char **value;
    uint8_t *used;     /* domain holds a pod in the current trial */
};

struct planner {
    const struct plan_req *rq;
    struct sched_ctx ctx;        /* for plugins: no gang decision */
    size_t nn, nk;
    const struct node_info **node;   /* sorted by name */
    int64_t *base, *cur;         /* nn rows of RES_MAX usage */
    uint32_t *dom;               /* nn x nk domain ids, PLAN_NONE: none */
    size_t ncls;
    struct pl_class *cls;
    uint32_t *pod_cls;           /* class of each pod */
    struct pl_level lv[POLICY_MAX_TOPO_KEYS];
    uint8_t *node_used;          /* node holds a pod in the current trial */
    uint8_t *usable;             /* some class is not unresolvable there */
    uint32_t *touched;
    size_t ntouched;
    int64_t demand[RES_MAX];     /* the whole gang's request */
    int dominant;                /* resource the gang is shortest of */
    uint32_t *assign, *best;     /* per pod: node index */
    int rc;                      /* first plugin error */
    /* Host ports, when some pod of the gang has one (kube-scheduler's
     * NodePorts would refuse a member planned where its port is taken):
     * the gang's distinct ports, and per node those of them taken before
     * planning (by pods bound there) and in the current trial. */
    size_t npk;
    struct host_port pk[PLAN_PORTS_MAX];
    uint64_t *port_base, *port_cur;
};

static int node_name_cmp(const void *a, const void *b)
{
    const struct node_info *x = *(const struct node_info *const *)a;
    const struct node_info *y = *(const struct node_info *const *)b;

    return strcmp(x->name, y->name);
}

static int64_t *row(const struct planner *p, int64_t *arr, size_t i)
{
    MU_UNUSED(p);
    return arr + i * RES_MAX;
}

static void pn_levels_fini(struct plan_nodes *pn)
{
    for (size_t l = 0; l < pn->nk; l++) {
        FREE_NULL(pn->keys[l]);
        FREE_NULL(pn->start[l]);
        FREE_NULL(pn->members[l]);
        FREE_NULL(pn->value[l]);
    }
    FREE_NULL(pn->dom);
    pn->nk = 0;
    pn->levels = false;
}

void plan_nodes_fini(struct plan_nodes *pn)
{
    pn_levels_fini(pn);
    FREE_NULL(pn->node);
    pn->c = NULL;
    pn->n = 0;
    pn->gen = 0;
}

/* p->node: the nodes sorted by name, from the cache when the node set is
 * the one it was built from. RET the count. */
static size_t pl_sorted(struct planner *p)
{
    const struct plan_req *rq = p->rq;
    struct plan_nodes *pn = rq->cache;
    size_t it = 0, n = 0, nn = cluster_node_count(rq->c);
    struct node_info *nd;

    if (pn && pn->c == rq->c && pn->gen == rq->c->node_generation) {
        p->node = xcalloc(pn->n ? pn->n : 1, sizeof(*p->node));
        memcpy(p->node, pn->node, pn->n * sizeof(*p->node));
        return pn->n;
    }
    p->node = xcalloc(nn ? nn : 1, sizeof(*p->node));
    while ((nd = cluster_node_next(rq->c, &it)) && n < nn)
        p->node[n++] = nd;
    qsort(p->node, n, sizeof(*p->node), node_name_cmp);
    if (pn) {
        plan_nodes_fini(pn);
        pn->node = xcalloc(n ? n : 1, sizeof(*pn->node));
        memcpy(pn->node, p->node, n * sizeof(*pn->node));
        pn->n = n;
        pn->c = rq->c;
        pn->gen = rq->c->node_generation;
    }
    return n;
}

/* The nodes, by name, and their usage with reservations counted. */
static void pl_nodes(struct planner *p)
{
    const struct plan_req *rq = p->rq;
    size_t n;
    const int64_t **u;

    n = p->nn = pl_sorted(p);
    p->base = xmalloc((n ? n : 1) * RES_MAX * sizeof(int64_t));
    p->cur = xmalloc((n ? n : 1) * RES_MAX * sizeof(int64_t));
    u = xcalloc(n ? n : 1, sizeof(*u));
    if (rq->res)   /* one reservation lock for all nodes */
        reserve_usage_n(rq->res, p->node, n, rq->gang, p->base, u);
    for (size_t i = 0; i < n; i++) {
        int64_t *r = row(p, p->base, i);
        const int64_t *ui = rq->res ? u[i] : p->node[i]->used;

        if (ui != r)
            memcpy(r, ui, RES_MAX * sizeof(int64_t));
    }
    free(u);
    memcpy(p->cur, p->base, (n ? n : 1) * RES_MAX * sizeof(int64_t));
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool labels_eq(const struct labels *a, const struct labels *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        if (!str_eq(a->kv[i].key, b->kv[i].key) ||
            !str_eq(a->kv[i].val, b->kv[i].val))
            return false;
    }
    return true;
}

static bool reqs_eq(const struct sel_req *a, const struct sel_req *b,
                    uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!str_eq(a[i].key, b[i].key) || a[i].op != b[i].op ||
            a[i].nvalues != b[i].nvalues)
            return false;
        for (uint32_t j = 0; j < a[i].nvalues; j++) {
            if (!str_eq(a[i].values[j], b[i].values[j]))
                return false;
        }
    }
    return true;
}

static bool term_eq(const struct sel_term *a, const struct sel_term *b)
{
    return a->nexprs == b->nexprs && a->nfields == b->nfields &&
           reqs_eq(a->exprs, b->exprs, a->nexprs) &&
           reqs_eq(a->fields, b->fields, a->nfields);
}

static bool tols_eq(const struct pod *a, const struct pod *b)
{
    if (a->ntols != b->ntols)
        return false;
    for (uint32_t i = 0; i < a->ntols; i++) {
        const struct toleration *x = &a->tols[i], *y = &b->tols[i];

        if (!str_eq(x->key, y->key) || !str_eq(x->value, y->value) ||
            x->op != y->op || x->effect != y->effect)
            return false;
    }
    return true;
}

/* Same scheduling spec: requests, node selection, tolerations, priority,
 * host ports.
 * Pod labels, names and annotations are not compared: no filter or score
 * plugin reads them (the gang plugins read the call context instead). */
static bool pod_same_spec(const struct pod *a, const struct pod *b)
{
    if (a->nreq != b->nreq || a->priority != b->priority ||
        a->has_required != b->has_required || a->nports != b->nports ||
        (a->nports &&
         memcmp(a->ports, b->ports, a->nports * sizeof(*a->ports))) ||
        a->nrequired != b->nrequired || a->npreferred != b->npreferred ||
        !str_eq(a->scheduler_name, b->scheduler_name))
        return false;
    for (uint32_t i = 0; i < a->nreq; i++) {
        if (a->req[i].id != b->req[i].id || a->req[i].v != b->req[i].v)
            return false;
    }
    if (!labels_eq(&a->node_selector, &b->node_selector) || !tols_eq(a, b))
        return false;
    for (uint32_t i = 0; i < a->nrequired; i++) {
        if (!term_eq(&a->required[i], &b->required[i]))
            return false;
    }
    for (uint32_t i = 0; i < a->npreferred; i++) {
        if (a->preferred[i].weight != b->preferred[i].weight ||
            !term_eq(&a->preferred[i].term, &b->preferred[i].term))
            return false;
    }
    return true;
}

/* One class's verdict for node i on the current what-if usage. */
static uint8_t pl_eval(struct planner *p, size_t k, size_t i)
{
    struct node_view nv = {.node = p->node[i], .used = row(p, p->cur, i),
                           .ctx = &p->ctx};
    struct filter_status st;
    int rc = filter_run(p->rq->pol, p->cls[k].pod, &nv, &st, NULL);

    if (rc) {
        if (!p->rc)
            p->rc = rc;
        return V_UNRES;
    }
    return st.verdict == FILTER_PASS ? V_PASS
           : st.verdict == FILTER_FAIL ? V_FAIL
                                       : V_UNRES;
}

/* Group pods into classes, then judge and score every node per class.
 * A plugin that cannot run (an error, not a verdict) makes the node
 * unusable and the error is returned at the end: a plan built around a
 * broken plugin would be wrong in ways nobody could explain. */
static void pl_classes(struct planner *p)
{
    const struct plan_req *rq = p->rq;
    struct node_view *nv = xcalloc(p->nn ? p->nn : 1, sizeof(*nv));
    int rc;

    p->cls = xcalloc(rq->npods, sizeof(*p->cls));
    p->pod_cls = xcalloc(rq->npods, sizeof(*p->pod_cls));
    for (size_t q = 0; q < rq->npods; q++) {
        size_t k = 0;

        while (k < p->ncls && !pod_same_spec(p->cls[k].pod, rq->pods[q]))
            k++;
        if (k == p->ncls)
            p->cls[p->ncls++].pod = rq->pods[q];
        p->pod_cls[q] = (uint32_t)k;
    }
    for (size_t i = 0; i < p->nn; i++) {
        nv[i].node = p->node[i];
        nv[i].used = row(p, p->base, i);
        nv[i].ctx = &p->ctx;
    }
    for (size_t k = 0; k < p->ncls; k++) {
        struct pl_class *c = &p->cls[k];

        c->v = xmalloc(p->nn + 1);
        c->fit = xmalloc(p->nn + 1);
        c->score = xcalloc(p->nn + 1, sizeof(*c->score));
        for (size_t i = 0; i < p->nn; i++) {
            c->v[i] = pl_eval(p, k, i);
            c->fit[i] = c->v[i] == V_PASS;
        }
        rc = p->nn ? score_run_raw(rq->pol, c->pod, nv, p->nn, c->score) : 0;
        if (rc && !p->rc)
            p->rc = rc;
    }
    /* Verdicts are fixed from here on: which nodes count as free capacity
     * (pl_free) is decided once, not per domain tried. */
    p->usable = xcalloc(p->nn + 1, 1);
    for (size_t i = 0; i < p->nn; i++) {
        for (size_t k = 0; k < p->ncls && !p->usable[i]; k++)
            p->usable[i] = p->cls[k].v[i] != V_UNRES;
    }
    free(nv);
}

/* Bit of port hp among the gang's, added when new (PLAN_NONE: no room). */
static uint32_t pl_port_key(struct planner *p, const struct host_port *hp)
{
    for (size_t a = 0; a < p->npk; a++) {
        if (memcmp(&p->pk[a], hp, sizeof(*hp)) == 0)
            return (uint32_t)a;
    }
    if (p->npk == PLAN_PORTS_MAX)
        return PLAN_NONE;
    p->pk[p->npk] = *hp;
    return (uint32_t)p->npk++;
}

/* The gang's ports that host port hp (on the same node) keeps out. */
static uint64_t pl_port_blocks(const struct planner *p,
                               const struct host_port *hp)
{
    uint64_t m = 0;

    for (size_t a = 0; a < p->npk; a++) {
        if (host_ports_conflict(&p->pk[a], hp))
            m |= 1ull << a;
    }
    return m;
}

static int node_name_key(const void *key, const void *elt)
{
    return strcmp(key, (*(const struct node_info *const *)elt)->name);
}

/* Host ports: each class's ports and what it blocks, and the ports the
 * pods bound to each node take (one pass over the cluster's pods, only
 * for a gang with host ports). A class whose port is taken on a node
 * fails there (resolvably: evicting the holder would free it). */
static void pl_ports(struct planner *p)
{
    const struct pod *pod;
    size_t it = 0;

    for (size_t k = 0; k < p->ncls; k++) {
        const struct pod *cp = p->cls[k].pod;

        for (uint32_t j = 0; j < cp->nports; j++) {
            uint32_t a = pl_port_key(p, &cp->ports[j]);

            if (a != PLAN_NONE)
                p->cls[k].ports |= 1ull << a;
        }
    }
    if (!p->npk)
        return;
    for (size_t k = 0; k < p->ncls; k++) {
        const struct pod *cp = p->cls[k].pod;

        for (uint32_t j = 0; j < cp->nports; j++)
            p->cls[k].blocks |= pl_port_blocks(p, &cp->ports[j]);
    }
    p->port_base = xcalloc(p->nn + 1, sizeof(*p->port_base));
    p->port_cur = xcalloc(p->nn + 1, sizeof(*p->port_cur));
    while ((pod = cluster_pod_next(p->rq->c, &it))) {
        const struct node_info **n;

        if (!pod->nports || !pod_counts(pod))
            continue;
        n = bsearch(pod->node_name, p->node, p->nn, sizeof(*p->node),
                    node_name_key);
        for (uint32_t j = 0; n && j < pod->nports; j++)
            p->port_base[n - p->node] |= pl_port_blocks(p, &pod->ports[j]);
    }
    for (size_t i = 0; i < p->nn; i++) {
        p->port_cur[i] = p->port_base[i];
        for (size_t k = 0; k < p->ncls; k++) {
            struct pl_class *c = &p->cls[k];

            if ((c->ports & p->port_base[i]) && c->v[i] == V_PASS)
                c->v[i] = V_FAIL;
            c->fit[i] = c->v[i] == V_PASS;
        }
    }
}

/* Domain ids per topology key, and nodes grouped by domain (a counting
 * sort: start[] holds each domain's offset into members[]). A node without
 * the label is in no domain of that key and only takes part in the spread
 * placement. */
static void pl_levels_build(struct planner *p)
{
    p->dom = xmalloc((p->nn * p->nk + 1) * sizeof(*p->dom));
    for (size_t l = 0; l < p->nk; l++) {
        struct pl_level *lv = &p->lv[l];
        const char *key = p->rq->topo_keys[l];
        struct strmap ids;
        size_t cap = 0;

        strmap_init(&ids);
        lv->value = NULL;
        for (size_t i = 0; i < p->nn; i++) {
            const char *v = labels_get(&p->node[i]->labels, key);
            void *got;

            p->dom[i * p->nk + l] = PLAN_NONE;
            if (!v)
                continue;
            got = strmap_get(&ids, v, strlen(v));
            if (!got) {
                lv->value = xgrow(lv->value, &cap, lv->ndom + 1,
                                  sizeof(*lv->value));
                lv->value[lv->ndom] = v;
                got = (void *)(uintptr_t)++lv->ndom;   /* id + 1 */
                strmap_put(&ids, v, strlen(v), got);
            }
            p->dom[i * p->nk + l] = (uint32_t)((uintptr_t)got - 1);
        }
        strmap_fini(&ids);
        lv->start = xcalloc(lv->ndom + 2, sizeof(*lv->start));
        lv->members = xmalloc((p->nn + 1) * sizeof(*lv->members));
        lv->used = xcalloc(lv->ndom + 1, 1);
        for (size_t i = 0; i < p->nn; i++) {
            if (p->dom[i * p->nk + l] != PLAN_NONE)
                lv->start[p->dom[i * p->nk + l] + 2]++;
        }
        for (uint32_t d = 0; d < lv->ndom; d++)
            lv->start[d + 2] += lv->start[d + 1];
        for (size_t i = 0; i < p->nn; i++) {
            uint32_t d = p->dom[i * p->nk + l];

            if (d != PLAN_NONE)
                lv->members[lv->start[d + 1]++] = (uint32_t)i;
        }
    }
}

static void *dup_mem(const void *src, size_t n)
{
    void *d = xmalloc(n ? n : 1);

    if (n)
        memcpy(d, src, n);
    return d;
}

/* Are the cached levels those of p's nodes and keys? */
static bool pn_levels_match(const struct planner *p)
{
    const struct plan_nodes *pn = p->rq->cache;

    if (!pn || !pn->levels || pn->c != p->rq->c ||
        pn->gen != p->rq->c->node_generation || pn->nk != p->nk ||
        pn->n != p->nn)
        return false;
    for (size_t l = 0; l < p->nk; l++) {
        if (strcmp(pn->keys[l], p->rq->topo_keys[l]) != 0)
            return false;
    }
    return true;
}

/* Copy levels between the planner and the cache (to_cache: which way). */
static void pn_levels_copy(struct planner *p, struct plan_nodes *pn,
                           bool to_cache)
{
    size_t nd = p->nn * p->nk + 1;

    if (to_cache) {
        pn->dom = dup_mem(p->dom, nd * sizeof(*p->dom));
        pn->nk = p->nk;
    } else {
        p->dom = dup_mem(pn->dom, nd * sizeof(*p->dom));
    }
    for (size_t l = 0; l < p->nk; l++) {
        struct pl_level *lv = &p->lv[l];

        if (to_cache) {
            pn->keys[l] = xstrdup(p->rq->topo_keys[l]);
            pn->ndom[l] = lv->ndom;
            pn->start[l] = dup_mem(lv->start, (lv->ndom + 2) *
                                              sizeof(*lv->start));
            pn->members[l] = dup_mem(lv->members, (p->nn + 1) *
                                                  sizeof(*lv->members));
            pn->value[l] = dup_mem(lv->value, lv->ndom * sizeof(*lv->value));
            continue;
        }
        lv->ndom = pn->ndom[l];
        lv->start = dup_mem(pn->start[l], (lv->ndom + 2) * sizeof(*lv->start));
        lv->members = dup_mem(pn->members[l], (p->nn + 1) *
                                              sizeof(*lv->members));
        lv->value = dup_mem(pn->value[l], lv->ndom * sizeof(*lv->value));
        lv->used = xcalloc(lv->ndom + 1, 1);
    }
}

/* The levels, from the cache when it holds these nodes and keys. */
static void pl_levels(struct planner *p)
{
    struct plan_nodes *pn = p->rq->cache;

    if (pn_levels_match(p)) {
        pn_levels_copy(p, pn, false);
        return;
    }
    pl_levels_build(p);
    if (pn && pn->c == p->rq->c && pn->gen == p->rq->c->node_generation &&
        pn->n == p->nn) {
        pn_levels_fini(pn);
        pn_levels_copy(p, pn, true);
        pn->levels = true;
    }
}

/* Lower is better: 0 a node the trial already uses, l + 1 a node in a
 * domain of key l the trial already uses, nk + 1 anything else. */
static size_t pl_rank(const struct planner *p, size_t i)
{
    if (p->node_used[i])
        return 0;
    for (size_t l = 0; l < p->nk; l++) {
        uint32_t d = p->dom[i * p->nk + l];

        if (d != PLAN_NONE && p->lv[l].used[d])
            return l + 1;
    }
    return p->nk + 1;
}

/* Put pod q on node i in the current trial. */
static void pl_place(struct planner *p, size_t i, size_t q)
{
    const struct pod *pod = p->rq->pods[q];
    int64_t *u = row(p, p->cur, i);

    if (!p->node_used[i]) {
        p->node_used[i] = 1;
        p->touched[p->ntouched++] = (uint32_t)i;
        for (size_t l = 0; l < p->nk; l++) {
            uint32_t d = p->dom[i * p->nk + l];

            if (d != PLAN_NONE)
                p->lv[l].used[d] = 1;
        }
    }
    for (uint32_t r = 0; r < pod->nreq; r++)
        u[pod->req[r].id] += pod->req[r].v;
    if (p->npk)
        p->port_cur[i] |= p->cls[p->pod_cls[q]].blocks;
    for (size_t k = 0; k < p->ncls; k++)
        p->cls[k].fit[i] = pl_eval(p, k, i) == V_PASS &&
                           !(p->npk && (p->cls[k].ports & p->port_cur[i]));
}

/* Undo the current trial. */
static void pl_restore(struct planner *p)
{
    for (size_t t = 0; t < p->ntouched; t++) {
        size_t i = p->touched[t];

        memcpy(row(p, p->cur, i), row(p, p->base, i),
               RES_MAX * sizeof(int64_t));
        if (p->npk)
            p->port_cur[i] = p->port_base[i];
        for (size_t k = 0; k < p->ncls; k++)
            p->cls[k].fit[i] = p->cls[k].v[i] == V_PASS;
        p->node_used[i] = 0;
        for (size_t l = 0; l < p->nk; l++) {
            uint32_t d = p->dom[i * p->nk + l];

            if (d != PLAN_NONE)
                p->lv[l].used[d] = 0;
        }
    }
    p->ntouched = 0;
}

/* The best node among those the current trial already uses (rank 0):
 * highest score, then lowest index; PLAN_NONE when none fits class c. */
static size_t pl_used_best(const struct planner *p, const struct pl_class *c)
{
    size_t best = PLAN_NONE;

    for (size_t t = 0; t < p->ntouched; t++) {
        size_t i = p->touched[t];

        if (!c->fit[i])
            continue;
        if (best == PLAN_NONE || c->score[i] > c->score[best] ||
            (c->score[i] == c->score[best] && i < best))
            best = i;
    }
    return best;
}

/* Greedy placement of all pods on the nodes idx[0..m) (ascending).
 * RET pods placed (stops at the first that fits nowhere); assignments in
 * p->assign, summed scores in *score. */
static size_t pl_trial(struct planner *p, const uint32_t *idx, size_t m,
                       int64_t *score)
{
    size_t q;

    *score = 0;
    for (q = 0; q < p->rq->npods; q++) {
        const struct pl_class *c = &p->cls[p->pod_cls[q]];
        size_t best = pl_used_best(p, c), brank = SIZE_MAX;
        size_t scan = best == PLAN_NONE ? m : 0;

        /* A node this trial already uses ranks first; scan all only
         * when none of them fits any more. */
        for (size_t j = 0; j < scan; j++) {
            size_t i = idx[j], r;

            if (!c->fit[i])
                continue;
            r = pl_rank(p, i);
            if (r < brank || (r == brank && c->score[i] > c->score[best])) {
                best = i;
                brank = r;
            }
        }
        if (best == PLAN_NONE)
            break;
        pl_place(p, best, q);
        p->assign[q] = (uint32_t)best;
        *score += c->score[best];
    }
    return q;
}

/* Free capacity of the dominant resource left in the domain (trial on). */
static int64_t pl_leftover(const struct planner *p, const uint32_t *idx,
                           size_t m)
{
    int64_t left = 0;

    for (size_t j = 0; j < m; j++)
        left += p->node[idx[j]]->alloc[p->dominant] -
                row(p, p->cur, idx[j])[p->dominant];
    return left;
}

/* Free capacity per resource over the nodes idx[0..m) some pod could use
 * if only resources allowed (base usage, reservations counted). */
static void pl_free(const struct planner *p, const uint32_t *idx, size_t m,
                    int64_t *free)
{
    int nres = res_count();

    memset(free, 0, RES_MAX * sizeof(*free));
    for (size_t j = 0; j < m; j++) {
        size_t i = idx ? idx[j] : j;
        bool usable = p->usable[i];

        for (int r = 0; usable && r < nres; r++) {
            int64_t f = p->node[i]->alloc[r] - row(p, p->base, i)[r];

            if (f > 0)
                free[r] += f;
        }
    }
}

static bool pl_may_fit(const struct planner *p, const uint32_t *idx, size_t m)
{
    int64_t free[RES_MAX];

    pl_free(p, idx, m, free);
    for (int r = 0; r < RES_MAX; r++) {
        if (p->demand[r] > free[r])
            return false;
    }
    return true;
}

/* The gang's total demand, and the resource it needs the largest share of
 * the cluster's capacity of (pods only when it asks for nothing else). */
static void pl_demand(struct planner *p)
{
    double best = -1;

    for (size_t q = 0; q < p->rq->npods; q++) {
        const struct pod *pod = p->rq->pods[q];

        for (uint32_t r = 0; r < pod->nreq; r++)
            p->demand[pod->req[r].id] += pod->req[r].v;
    }
    p->dominant = RES_PODS;
    for (int r = 0; r < RES_MAX; r++) {
        double total = 0, share;

        if (r == RES_PODS || p->demand[r] == 0)
            continue;
        for (size_t i = 0; i < p->nn; i++)
            total += (double)p->node[i]->alloc[r];
        share = total > 0 ? (double)p->demand[r] / total : 1e300;
        if (share > best) {
            best = share;
            p->dominant = r;
        }
    }
}

static void pl_domain_name(const struct planner *p, size_t l, uint32_t d,
                           char *dst, size_t cap)
{
    snprintf(dst, cap, "%s=%s", p->rq->topo_keys[l], p->lv[l].value[d]);
}

/* The best full fit found so far at one level. */
struct pl_choice {
    bool found;
    uint32_t dom;
    int64_t left, score;
};

static bool pl_better(const struct pl_level *lv, const struct pl_choice *c,
                      uint32_t d, int64_t left, int64_t score)
{
    if (!c->found)
        return true;
    if (left != c->left)
        return left < c->left;
    if (score != c->score)
        return score > c->score;
    return strcmp(lv->value[d], lv->value[c->dom]) < 0;
}

/* Remember the domain that came closest, for the "why" answer. */
static void pl_track(const struct planner *p, struct plan_out *out, size_t l,
                     uint32_t d, size_t placed)
{
    if (out->why.domain[0] && placed <= out->why.domain_placed)
        return;
    pl_domain_name(p, l, d, out->why.domain, sizeof(out->why.domain));
    out->why.domain_placed = (uint32_t)placed;
}

/* Pods a domain that cannot hold the gang might take, judged by its free
 * capacity of the dominant resource (for the "why" answer only). */
static size_t pl_estimate(const struct planner *p, const uint32_t *idx,
                          size_t m)
{
    int64_t avail[RES_MAX], per;
    size_t n = p->rq->npods;

    pl_free(p, idx, m, avail);
    per = p->demand[p->dominant] / (int64_t)n;
    if (per <= 0)
        return 0;
    return (size_t)MU_MIN(avail[p->dominant] / per, (int64_t)n - 1);
}

/* Try every domain of key l; RET true with out filled when one holds the
 * whole gang. */
static bool pl_try_level(struct planner *p, size_t l, struct plan_out *out)
{
    const struct pl_level *lv = &p->lv[l];
    size_t npods = p->rq->npods;
    struct pl_choice ch = {0};

    for (uint32_t d = 0; d < lv->ndom && !p->rc; d++) {
        const uint32_t *idx = lv->members + lv->start[d];
        size_t m = lv->start[d + 1] - lv->start[d], placed;
        int64_t score, left;

        if (!pl_may_fit(p, idx, m)) {
            pl_track(p, out, l, d, pl_estimate(p, idx, m));
            continue;
        }
        placed = pl_trial(p, idx, m, &score);
        if (placed < npods) {
            pl_track(p, out, l, d, placed);
        } else {
            left = pl_leftover(p, idx, m);
            if (pl_better(lv, &ch, d, left, score)) {
                ch = (struct pl_choice){true, d, left, score};
                memcpy(p->best, p->assign, npods * sizeof(*p->best));
            }
        }
        pl_restore(p);
    }
    if (!ch.found || p->rc)
        return false;
    out->level = (int)l;
    pl_domain_name(p, l, ch.dom, out->domain, sizeof(out->domain));
    for (size_t q = 0; q < npods; q++)
        out->nodes[q] = p->node[p->best[q]];
    out->placed = npods;
    return true;
}

/* No single domain holds the gang: place it over all nodes. */
static void pl_spread(struct planner *p, struct plan_out *out)
{
    uint32_t *all = xmalloc((p->nn + 1) * sizeof(*all));
    int64_t score, avail[RES_MAX], worst = 0;
    struct plan_why *w = &out->why;

    for (size_t i = 0; i < p->nn; i++)
        all[i] = (uint32_t)i;
    out->placed = pl_trial(p, all, p->nn, &score);
    for (size_t q = 0; q < out->placed; q++)
        out->nodes[q] = p->node[p->assign[q]];
    pl_restore(p);
    free(all);
    if (out->placed == p->rq->npods)
        return;
    w->placed = (uint32_t)out->placed;
    w->wanted = (uint32_t)p->rq->npods;
    w->res = -1;
    pl_free(p, NULL, p->nn, avail);
    /* The pod count is short only when nothing else is: name a resource */
    for (int pass = 0; pass < 2 && w->res < 0; pass++) {
        for (int r = 0; r < RES_MAX; r++) {
            if ((r == RES_PODS) != (pass == 1))
                continue;
            if (p->demand[r] - avail[r] > worst) {
                worst = p->demand[r] - avail[r];
                w->res = r;
            }
        }
    }
    w->need = p->demand[w->res < 0 ? p->dominant : w->res];
    w->free = avail[w->res < 0 ? p->dominant : w->res];
}

static void pl_fini(struct planner *p)
{
    for (size_t k = 0; k < p->ncls; k++) {
        free(p->cls[k].v);
        free(p->cls[k].fit);
        free(p->cls[k].score);
    }
    for (size_t l = 0; l < p->nk; l++) {
        free(p->lv[l].start);
        free(p->lv[l].members);
        free(p->lv[l].value);
        free(p->lv[l].used);
    }
    free(p->cls);
    free(p->pod_cls);
    free(p->node);
    free(p->base);
    free(p->cur);
    free(p->dom);
    free(p->node_used);
    free(p->usable);
    free(p->touched);
    free(p->assign);
    free(p->best);
    free(p->port_base);
    free(p->port_cur);
}

int plan_run(const struct plan_req *rq, struct plan_out *out)
{
    struct planner p = {.rq = rq};

    p.nk = MU_MIN(rq->nkeys, (size_t)POLICY_MAX_TOPO_KEYS);
    p.ctx.decision = GANG_NONE;
    out->placed = 0;
    out->level = (int)p.nk;
    out->domain[0] = '\0';
    memset(&out->why, 0, sizeof(out->why));
    out->why.res = -1;
    for (size_t q = 0; q < rq->npods; q++)
        out->nodes[q] = NULL;
    if (rq->npods == 0)
        return MU_OK;
    pl_nodes(&p);
    pl_classes(&p);
    pl_ports(&p);
    pl_demand(&p);
    pl_levels(&p);
    p.node_used = xcalloc(p.nn + 1, 1);
    p.touched = xmalloc((p.nn + 1) * sizeof(*p.touched));
    p.assign = xcalloc(rq->npods, sizeof(*p.assign));
    p.best = xcalloc(rq->npods, sizeof(*p.best));
    for (size_t l = 0; l < p.nk && !p.rc; l++) {
        if (pl_try_level(&p, l, out))
            goto out;
    }
    if (!p.rc)
        pl_spread(&p, out);
out:
    pl_fini(&p);
    return p.rc;
}

void plan_why_format(const struct plan_why *w, char *dst, size_t cap)
{
    char need[32], avail[32];

    if (w->res < 0) {
        snprintf(dst, cap, "%u of %u pods fit; free capacity is fragmented "
                 "or filtered out", w->placed, w->wanted);
        return;
    }
    quantity_format(w->need - w->free, res_scale(w->res), need, sizeof(need));
    snprintf(dst, cap, "%u of %u pods fit; %s short by %s", w->placed,
             w->wanted, res_name(w->res), need);
    quantity_format(w->free, res_scale(w->res), avail, sizeof(avail));
    quantity_format(w->need, res_scale(w->res), need, sizeof(need));
    snprintf(dst + strlen(dst), cap - strlen(dst), " (free %s, need %s)",
             avail, need);
}
