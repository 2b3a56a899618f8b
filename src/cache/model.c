/* model.c - node and pod objects: allocation, label lookup, request and
 * selector helpers shared by every plugin. */
#include "common.h"
#include "cache/model.h"
#include "util/xmalloc.h"

#include <errno.h>

static int label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct label *)a)->key,
                  ((const struct label *)b)->key);
}

const char *labels_get(const struct labels *l, const char *key)
{
    size_t lo = 0, hi = l->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(key, l->kv[mid].key);

        if (c == 0)
            return l->kv[mid].val;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int labels_sort(struct labels *l)
{
    if (l->n > 1)
        qsort(l->kv, l->n, sizeof(*l->kv), label_cmp);
    for (uint32_t i = 1; i < l->n; i++) {
        if (strcmp(l->kv[i - 1].key, l->kv[i].key) == 0)
            return MU_EINVAL;
    }
    return MU_OK;
}

void labels_fini(struct labels *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        free(l->kv[i].key);
        free(l->kv[i].val);
    }
    FREE_NULL(l->kv);
    l->n = 0;
}

int64_t pod_request(const struct pod *p, int id)
{
    for (uint32_t i = 0; i < p->nreq; i++) {
        if (p->req[i].id == id)
            return p->req[i].v;
    }
    return 0;
}

bool pod_counts(const struct pod *p)
{
    return p->node_name && p->phase != PHASE_SUCCEEDED &&
           p->phase != PHASE_FAILED;
}

static bool wildcard_ip(const char *ip)
{
    return !ip[0] || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

bool host_ports_conflict(const struct host_port *a,
                         const struct host_port *b)
{
    return a->port == b->port && a->proto == b->proto &&
           (wildcard_ip(a->ip) || wildcard_ip(b->ip) ||
            strcmp(a->ip, b->ip) == 0);
}

struct node_info *node_new(void)
{
    struct node_info *n = xcalloc(1, sizeof(*n));

    n->magic = NODE_MAGIC;
    return n;
}

void node_free(struct node_info *n)
{
    if (!n)
        return;
    MU_ASSERT(n->magic == NODE_MAGIC);
    if (n->packed) {
        n->magic = 0;
        free(n);
        return;
    }
    free(n->name);
    labels_fini(&n->labels);
    for (uint32_t i = 0; i < n->ntaints; i++) {
        free(n->taints[i].key);
        free(n->taints[i].value);
    }
    free(n->taints);
    n->magic = 0;
    free(n);
}

/* Bump allocation inside the packed block; sizes were summed beforehand. */
static char *pack_str(char **cur, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = memcpy(*cur, s, n);

    *cur += n;
    return d;
}

static size_t node_pack_size(const struct node_info *n)
{
    size_t sz = sizeof(*n) + strlen(n->name) + 1;

    sz += n->labels.n * sizeof(struct label) + n->ntaints * sizeof(struct taint);
    for (uint32_t i = 0; i < n->labels.n; i++)
        sz += strlen(n->labels.kv[i].key) + strlen(n->labels.kv[i].val) + 2;
    for (uint32_t i = 0; i < n->ntaints; i++)
        sz += strlen(n->taints[i].key) + strlen(n->taints[i].value) + 2;
    return sz;
}

struct node_info *node_pack(struct node_info *n)
{
    struct node_info *p;
    char *cur;

    MU_ASSERT(n->magic == NODE_MAGIC);
    if (n->packed)
        return n;
    p = xmalloc(node_pack_size(n));
    *p = *n;
    p->packed = true;
    /* arrays first (pointer-aligned: the struct size is a multiple of 8),
     * then the strings they point to, then the name */
    cur = (char *)(p + 1);
    p->labels.kv = n->labels.n ? (struct label *)(void *)cur : NULL;
    cur += n->labels.n * sizeof(struct label);
    p->taints = n->ntaints ? (struct taint *)(void *)cur : NULL;
    cur += n->ntaints * sizeof(struct taint);
    for (uint32_t i = 0; i < n->labels.n; i++) {
        p->labels.kv[i].key = pack_str(&cur, n->labels.kv[i].key);
        p->labels.kv[i].val = pack_str(&cur, n->labels.kv[i].val);
    }
    for (uint32_t i = 0; i < n->ntaints; i++) {
        p->taints[i] = n->taints[i];
        p->taints[i].key = pack_str(&cur, n->taints[i].key);
        p->taints[i].value = pack_str(&cur, n->taints[i].value);
    }
    p->name = pack_str(&cur, n->name);
    node_free(n);
    return p;
}

struct pod *pod_new(void)
{
    struct pod *p = xcalloc(1, sizeof(*p));

    p->magic = POD_MAGIC;
    return p;
}

static void sel_reqs_free(struct sel_req *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        free(r[i].key);
        for (uint32_t j = 0; j < r[i].nvalues; j++)
            free(r[i].values[j]);
        free(r[i].values);
    }
    free(r);
}

static void sel_term_fini(struct sel_term *t)
{
    sel_reqs_free(t->exprs, t->nexprs);
    sel_reqs_free(t->fields, t->nfields);
}

void pod_free(struct pod *p)
{
    if (!p)
        return;
    MU_ASSERT(p->magic == POD_MAGIC);
    free(p->ns);
    free(p->name);
    free(p->uid);
    free(p->node_name);
    free(p->scheduler_name);
    labels_fini(&p->labels);
    labels_fini(&p->annotations);
    labels_fini(&p->node_selector);
    for (uint32_t i = 0; i < p->nrequired; i++)
        sel_term_fini(&p->required[i]);
    free(p->required);
    for (uint32_t i = 0; i < p->npreferred; i++)
        sel_term_fini(&p->preferred[i].term);
    free(p->preferred);
    for (uint32_t i = 0; i < p->ntols; i++) {
        free(p->tols[i].key);
        free(p->tols[i].value);
    }
    free(p->tols);
    free(p->req);
    free(p->ports);
    p->magic = 0;
    free(p);
}

/* Gt/Lt compare the label value and the single operand as integers; a
 * value that is not an integer never matches (as in Kubernetes). */
static bool parse_int(const char *s, long long *out)
{
    char *end;

    if (!s || !*s)
        return false;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

static bool value_in(const struct sel_req *r, const char *v)
{
    for (uint32_t i = 0; i < r->nvalues; i++) {
        if (strcmp(r->values[i], v) == 0)
            return true;
    }
    return false;
}

/* One requirement against one value (NULL: the key is absent). */
static bool sel_req_match(const struct sel_req *r, const char *v)
{
    long long have, want;

    switch (r->op) {
    case SEL_IN:
        return v && value_in(r, v);
    case SEL_NOT_IN:
        return !v || !value_in(r, v);
    case SEL_EXISTS:
        return v != NULL;
    case SEL_DOES_NOT_EXIST:
        return v == NULL;
    case SEL_GT:
    case SEL_LT:
        if (r->nvalues != 1 || !parse_int(v, &have) ||
            !parse_int(r->values[0], &want))
            return false;
        return r->op == SEL_GT ? have > want : have < want;
    }
    return false;
}

bool sel_term_match(const struct sel_term *t, const struct node_info *n)
{
    if (t->nexprs == 0 && t->nfields == 0)
        return false;
    for (uint32_t i = 0; i < t->nexprs; i++) {
        if (!sel_req_match(&t->exprs[i], labels_get(&n->labels, t->exprs[i].key)))
            return false;
    }
    /* matchFields: only metadata.name is a valid key; others never match */
    for (uint32_t i = 0; i < t->nfields; i++) {
        const char *v = strcmp(t->fields[i].key, "metadata.name") == 0
                            ? n->name
                            : NULL;

        if (!v || !sel_req_match(&t->fields[i], v))
            return false;
    }
    return true;
}
