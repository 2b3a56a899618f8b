/* quantile.h - streaming percentiles of non-negative integers in fixed
 * memory: exact for small inputs, within a stated relative error beyond.
 *
 * The first QUANT_EXACT_MAX values are kept as they are, so percentiles of
 * up to that many values are exact (nearest rank, like sorting them). The
 * next value moves them all into a log-linear histogram (HDR style) and
 * every later value only bumps a counter: values below 1024 have a bucket
 * each (still exact); a value v in [2^e, 2^(e+1)), e >= 9, falls into one
 * of 512 buckets of width 2^(e-9), and a percentile is reported as the
 * middle of its bucket, clamped to the smallest and largest value seen.
 * The reported value r and the exact nearest-rank value x then satisfy
 * |r - x| <= x / 1024 (0.098%). Values from 2^46 up (2,230 years in ms)
 * share the top bucket; negative values count as 0.
 *
 * Memory: at most QUANT_EXACT_MAX x 8 bytes (64 KiB) before the switch and
 * QUANT_BUCKETS x 8 bytes (152 KiB) after it, whatever the count. The
 * mean is exact either way (a running sum). */
#ifndef MUSTER_UTIL_QUANTILE_H
#define MUSTER_UTIL_QUANTILE_H

#include "common.h"

#define QUANT_EXACT_MAX 8192u        /* values kept exactly */
#define QUANT_SUB_BITS 9             /* 512 buckets per power of two */
#define QUANT_TOP_EXP 45             /* the last power of two bucketed */
#define QUANT_BUCKETS ((size_t)(QUANT_TOP_EXP - QUANT_SUB_BITS + 2)        \
                       << QUANT_SUB_BITS)
#define QUANT_REL_ERR (1.0 / 1024)   /* the bound above, as a fraction */

struct quantile {
    int64_t *v;                  /* exact values; NULL once in hist */
    size_t n, cap;
    uint64_t *hist;              /* [QUANT_BUCKETS]; NULL while exact */
    uint64_t count;
    long double sum;
    int64_t min, max;
    bool sorted;                 /* v is sorted (cleared by an add) */
};

void quantile_init(struct quantile *q);
void quantile_fini(struct quantile *q);   /* frees; q can be re-inited */

/* Count one value (negative: 0). */
void quantile_add(struct quantile *q, int64_t v);

/* The nearest-rank p-quantile, 0 < p <= 1 (p is clamped to that range):
 * the value at rank ceil(p x count) in sorted order, exact while
 * quantile_exact() holds and within QUANT_REL_ERR of it otherwise.
 * RET the value, 0 when nothing was added. */
int64_t quantile_get(struct quantile *q, double p);

/* Are the percentiles exact (no more than QUANT_EXACT_MAX values)? */
bool quantile_exact(const struct quantile *q);

/* The exact mean, 0 when nothing was added. */
double quantile_mean(const struct quantile *q);

/* The histogram bucket of value v, and the bucket's smallest value and
 * width (exposed for the tests). */
size_t quantile_bucket(int64_t v);
void quantile_bucket_range(size_t b, int64_t *lo, int64_t *width);

#endif
