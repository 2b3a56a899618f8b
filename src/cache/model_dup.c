/* model_dup.c - deep copies of model objects, for code that must hand a
 * pod it only borrows (from a lock-protected cache or a memo) to a new
 * owner, e.g. /bind putting a bound copy into the cluster. */
#include "common.h"
#include "cache/model.h"
#include "util/xmalloc.h"

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void labels_copy(struct labels *dst, const struct labels *src)
{
    dst->n = src->n;
    dst->kv = src->n ? xcalloc(src->n, sizeof(*dst->kv)) : NULL;
    for (uint32_t i = 0; i < src->n; i++) {
        dst->kv[i].key = dup_or_null(src->kv[i].key);
        dst->kv[i].val = dup_or_null(src->kv[i].val);
    }
}

static struct sel_req *sel_reqs_copy(const struct sel_req *src, uint32_t n)
{
    struct sel_req *r = n ? xcalloc(n, sizeof(*r)) : NULL;

    for (uint32_t i = 0; i < n; i++) {
        r[i].key = dup_or_null(src[i].key);
        r[i].op = src[i].op;
        r[i].nvalues = src[i].nvalues;
        r[i].values = src[i].nvalues
                          ? xcalloc(src[i].nvalues, sizeof(char *))
                          : NULL;
        for (uint32_t j = 0; j < src[i].nvalues; j++)
            r[i].values[j] = dup_or_null(src[i].values[j]);
    }
    return r;
}

static void sel_term_copy(struct sel_term *dst, const struct sel_term *src)
{
    dst->nexprs = src->nexprs;
    dst->exprs = sel_reqs_copy(src->exprs, src->nexprs);
    dst->nfields = src->nfields;
    dst->fields = sel_reqs_copy(src->fields, src->nfields);
}

static void pod_copy_affinity(struct pod *d, const struct pod *p)
{
    d->has_required = p->has_required;
    d->nrequired = p->nrequired;
    d->required = p->nrequired ? xcalloc(p->nrequired, sizeof(*d->required))
                               : NULL;
    for (uint32_t i = 0; i < p->nrequired; i++)
        sel_term_copy(&d->required[i], &p->required[i]);
    d->npreferred = p->npreferred;
    d->preferred = p->npreferred
                       ? xcalloc(p->npreferred, sizeof(*d->preferred))
                       : NULL;
    for (uint32_t i = 0; i < p->npreferred; i++) {
        d->preferred[i].weight = p->preferred[i].weight;
        sel_term_copy(&d->preferred[i].term, &p->preferred[i].term);
    }
}

struct pod *pod_dup(const struct pod *p)
{
    struct pod *d = pod_new();

    MU_ASSERT(p->magic == POD_MAGIC);
    d->ns = dup_or_null(p->ns);
    d->name = dup_or_null(p->name);
    d->uid = dup_or_null(p->uid);
    d->node_name = dup_or_null(p->node_name);
    d->scheduler_name = dup_or_null(p->scheduler_name);
    d->phase = p->phase;
    d->priority = p->priority;
    d->created = p->created;
    labels_copy(&d->labels, &p->labels);
    labels_copy(&d->annotations, &p->annotations);
    labels_copy(&d->node_selector, &p->node_selector);
    pod_copy_affinity(d, p);
    d->ntols = p->ntols;
    d->tols = p->ntols ? xcalloc(p->ntols, sizeof(*d->tols)) : NULL;
    for (uint32_t i = 0; i < p->ntols; i++) {
        d->tols[i] = p->tols[i];
        d->tols[i].key = dup_or_null(p->tols[i].key);
        d->tols[i].value = dup_or_null(p->tols[i].value);
    }
    d->nreq = p->nreq;
    d->req = p->nreq ? xcalloc(p->nreq, sizeof(*d->req)) : NULL;
    if (p->nreq)
        memcpy(d->req, p->req, p->nreq * sizeof(*d->req));
    d->nports = p->nports;
    d->ports = p->nports ? xcalloc(p->nports, sizeof(*d->ports)) : NULL;
    if (p->nports)
        memcpy(d->ports, p->ports, p->nports * sizeof(*d->ports));
    d->assumed_until = p->assumed_until;
    return d;
}
