/* quantile.c - streaming nearest-rank percentiles: exact values up to a
 * fixed count, then a log-linear histogram (see quantile.h for the error
 * bound). */
#include "common.h"
#include "util/quantile.h"
#include "util/xmalloc.h"

#include <math.h>

#define SUB ((int64_t)1 << QUANT_SUB_BITS)

void quantile_init(struct quantile *q)
{
    memset(q, 0, sizeof(*q));
    q->sorted = true;
}

void quantile_fini(struct quantile *q)
{
    FREE_NULL(q->v);
    FREE_NULL(q->hist);
    quantile_init(q);
}

/* Index of the highest set bit of v > 0. */
static int top_bit(uint64_t v)
{
    int e = 0;

    while (v >>= 1)
        e++;
    return e;
}

size_t quantile_bucket(int64_t v)
{
    int e;

    if (v < SUB)
        return v < 0 ? 0 : (size_t)v;
    e = top_bit((uint64_t)v);
    if (e > QUANT_TOP_EXP)
        return QUANT_BUCKETS - 1;
    /* Octave e holds [2^e, 2^(e+1)) in SUB buckets of 2^(e - SUB_BITS). */
    return (size_t)(e - QUANT_SUB_BITS + 1) * (size_t)SUB +
           (size_t)((v >> (e - QUANT_SUB_BITS)) - SUB);
}

void quantile_bucket_range(size_t b, int64_t *lo, int64_t *width)
{
    size_t oct = b / (size_t)SUB, sub = b % (size_t)SUB;
    int shift;

    if (oct == 0) {
        *lo = (int64_t)b;
        *width = 1;
        return;
    }
    shift = (int)oct - 1;   /* octave e = SUB_BITS + oct - 1 */
    *lo = (SUB + (int64_t)sub) << shift;
    *width = (int64_t)1 << shift;
}

/* Leave exact mode: every kept value goes into the histogram. */
static void to_hist(struct quantile *q)
{
    q->hist = xcalloc(QUANT_BUCKETS, sizeof(*q->hist));
    for (size_t i = 0; i < q->n; i++)
        q->hist[quantile_bucket(q->v[i])]++;
    FREE_NULL(q->v);
    q->n = q->cap = 0;
}

void quantile_add(struct quantile *q, int64_t v)
{
    v = MU_MAX(v, 0);
    if (q->count == 0 || v < q->min)
        q->min = v;
    if (q->count == 0 || v > q->max)
        q->max = v;
    q->count++;
    q->sum += (long double)v;
    if (!q->hist && q->n == QUANT_EXACT_MAX)
        to_hist(q);
    if (q->hist) {
        q->hist[quantile_bucket(v)]++;
        return;
    }
    q->v = xgrow(q->v, &q->cap, q->n + 1, sizeof(*q->v));
    q->v[q->n++] = v;
    q->sorted = q->n == 1;
}

bool quantile_exact(const struct quantile *q)
{
    return q->hist == NULL;
}

double quantile_mean(const struct quantile *q)
{
    return q->count ? (double)(q->sum / (long double)q->count) : 0;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* The middle of the bucket holding the value of rank r (1-based). */
static int64_t hist_rank(const struct quantile *q, uint64_t r)
{
    uint64_t acc = 0;
    int64_t lo, w, mid;

    for (size_t b = 0; b < QUANT_BUCKETS; b++) {
        acc += q->hist[b];
        if (acc < r)
            continue;
        quantile_bucket_range(b, &lo, &w);
        mid = lo + (w - 1) / 2;
        /* Clamping moves the answer towards the true value, never away. */
        return MU_MIN(MU_MAX(mid, q->min), q->max);
    }
    return q->max;   /* not reached: the counts add up to count */
}

int64_t quantile_get(struct quantile *q, double p)
{
    uint64_t r;

    if (q->count == 0)
        return 0;
    if (!(p > 0))
        p = 0;
    r = (uint64_t)ceil(MU_MIN(p, 1.0) * (double)q->count);
    r = MU_MIN(MU_MAX(r, 1), q->count);
    if (q->hist && (r == 1 || r == q->count))
        return r == 1 ? q->min : q->max;   /* the ends are known exactly */
    if (q->hist)
        return hist_rank(q, r);
    if (!q->sorted) {
        qsort(q->v, q->n, sizeof(*q->v), i64_cmp);
        q->sorted = true;
    }
    return q->v[r - 1];
}
