/* filter.c - the filter chain: runs a policy's filter plugins in order and
 * fills in verdicts for the plugins through filter_pass/filter_fail. */
#include "common.h"
#include "filter/filter.h"
#include "policy/policy.h"

#include <stdarg.h>

int filter_pass(struct filter_status *st)
{
    st->verdict = FILTER_PASS;
    st->code = "";
    st->reason[0] = '\0';
    return MU_OK;
}

/* kube-scheduler passes extender reasons to fmt-style formatting, so a '%'
 * in a reason would come out as "%!d(MISSING)": drop every one. */
static void strip_percent(char *s)
{
    char *w = s;

    for (; *s; s++) {
        if (*s != '%')
            *w++ = *s;
    }
    *w = '\0';
}

int filter_fail(struct filter_status *st, enum filter_verdict v,
                const char *code, const char *fmt, ...)
{
    va_list ap;

    MU_ASSERT(v == FILTER_FAIL || v == FILTER_FAIL_UNRESOLVABLE);
    st->verdict = v;
    st->code = code;
    va_start(ap, fmt);
    /* Truncation is acceptable: the text stays the same for the same
     * cause, which is all kube-scheduler's aggregation needs. */
    vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
    va_end(ap);
    strip_percent(st->reason);
    return MU_OK;
}

bool filter_tolerates(const struct pod *pod, const struct taint *taint)
{
    for (uint32_t i = 0; i < pod->ntols; i++) {
        const struct toleration *t = &pod->tols[i];

        if (t->effect != EFFECT_ANY && t->effect != taint->effect)
            continue;
        /* Exists with an empty key tolerates every taint (of the effect) */
        if (t->op == TOL_EXISTS && t->key[0] == '\0')
            return true;
        if (strcmp(t->key, taint->key) != 0)
            continue;
        if (t->op == TOL_EXISTS || strcmp(t->value, taint->value) == 0)
            return true;
    }
    return false;
}

int filter_run(const struct policy *pol, const struct pod *pod,
               const struct node_view *nv, struct filter_status *st,
               int *failed)
{
    int rc = MU_OK;

    if (failed)
        *failed = -1;
    filter_pass(st);
    for (size_t i = 0; i < pol->nfilters; i++) {
        const struct policy_filter *f = &pol->filters[i];

        rc = f->plugin->filter(f->state, pod, nv, st);
        if (rc || st->verdict != FILTER_PASS) {
            if (failed)
                *failed = (int)i;
            return rc;
        }
    }
    return MU_OK;
}
