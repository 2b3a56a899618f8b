/* test_util_quantile.c - streaming percentiles: exact nearest rank for small
 * inputs, within 1/1024 of the sorted answer for a million values, and the
 * histogram's buckets. */
#include "common.h"
#include "util/quantile.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>
#include <math.h>

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted v, as the simulator defines it. */
static int64_t exact_rank(const int64_t *v, size_t n, double p)
{
    size_t r = (size_t)ceil(p * (double)n);

    return v[r > 0 ? r - 1 : 0];
}

/* xorshift64*: a fixed-seed generator, so the test is reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static const double probes[] = {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9,
                                 0.95, 0.99, 0.999, 0.9999, 1.0};

Test(quantile, empty_reports_zero)
{
    struct quantile q;

    quantile_init(&q);
    cr_assert_eq(quantile_get(&q, 0.5), 0);
    cr_assert_eq(quantile_mean(&q), 0);
    cr_assert(quantile_exact(&q));
    quantile_fini(&q);
}

Test(quantile, small_input_is_exact_nearest_rank)
{
    /* 10 values, hand-checked: p50 is rank 5, p95 and p99 rank 10. */
    static const int64_t in[] = {3600000, 10, 7200000, 0, 5, 1234567,
                                 99, 3600000, 42, 86400000};
    struct quantile q;

    quantile_init(&q);
    for (size_t i = 0; i < ARRAY_LEN(in); i++)
        quantile_add(&q, in[i]);
    cr_assert(quantile_exact(&q));
    cr_assert_eq(quantile_get(&q, 0.50), 99);
    cr_assert_eq(quantile_get(&q, 0.60), 1234567);
    cr_assert_eq(quantile_get(&q, 0.95), 86400000);
    cr_assert_eq(quantile_get(&q, 0.99), 86400000);
    cr_assert_eq(quantile_get(&q, 0.01), 0);
    cr_assert(fabs(quantile_mean(&q) - 10203472.3) < 1e-6);
    /* Adding after a query keeps answers right (re-sorts): rank 2 of 11. */
    quantile_add(&q, 1);
    cr_assert_eq(quantile_get(&q, 0.10), 1);
    quantile_fini(&q);
}

Test(quantile, exact_up_to_the_limit_then_switches)
{
    uint64_t seed = 7;
    int64_t *v = xcalloc(QUANT_EXACT_MAX + 1, sizeof(*v));
    struct quantile q;

    quantile_init(&q);
    for (size_t i = 0; i < QUANT_EXACT_MAX; i++) {
        v[i] = (int64_t)(rng_next(&seed) % 100000000);
        quantile_add(&q, v[i]);
    }
    qsort(v, QUANT_EXACT_MAX, sizeof(*v), i64_cmp);
    cr_assert(quantile_exact(&q));
    for (size_t i = 0; i < ARRAY_LEN(probes); i++)
        cr_assert_eq(quantile_get(&q, probes[i]),
                     exact_rank(v, QUANT_EXACT_MAX, probes[i]));
    quantile_add(&q, 5);
    cr_assert_not(quantile_exact(&q));
    cr_assert_eq(q.v, NULL, "the exact values are freed at the switch");
    free(v);
    quantile_fini(&q);
}

Test(quantile, mean_is_exact_in_histogram_mode)
{
    struct quantile q;

    quantile_init(&q);
    for (int64_t i = 1; i <= 100000; i++)
        quantile_add(&q, i * 1000);
    cr_assert_not(quantile_exact(&q));
    cr_assert_eq(quantile_mean(&q), 50000500.0);
    quantile_fini(&q);
}

/* A million values spread over 12 decades (1 ms to ~30 years, log-uniform,
 * plus some small exact ones), every probe within the stated bound. */
Test(quantile, million_values_within_stated_relative_error)
{
    size_t n = 1000000;
    uint64_t seed = 20261123;
    int64_t *v = xcalloc(n, sizeof(*v));
    struct quantile q;

    quantile_init(&q);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng_next(&seed);
        double u = (double)(r >> 11) / 9007199254740992.0;

        v[i] = (r & 7) == 0 ? (int64_t)(r % 2000)
                            : (int64_t)llround(pow(10.0, 12.0 * u));
        quantile_add(&q, v[i]);
    }
    qsort(v, n, sizeof(*v), i64_cmp);
    cr_assert_not(quantile_exact(&q));
    for (int k = 1; k <= 1000; k++) {
        double p = k / 1000.0;
        int64_t want = exact_rank(v, n, p), got = quantile_get(&q, p);
        double err = fabs((double)got - (double)want);

        cr_assert(err <= (double)want * QUANT_REL_ERR,
                  "p%.3f: %lld, exact %lld", p, (long long)got,
                  (long long)want);
        if (want < 1024)
            cr_assert_eq(got, want, "values below 1024 stay exact");
    }
    cr_assert_eq(quantile_get(&q, 1.0), v[n - 1], "the max is exact");
    free(v);
    quantile_fini(&q);
}

Test(quantile, buckets_tile_the_range_without_gaps)
{
    int64_t lo, w, next = 0;

    for (size_t b = 0; b < QUANT_BUCKETS; b++) {
        quantile_bucket_range(b, &lo, &w);
        cr_assert_eq(lo, next, "bucket %zu starts at %lld", b, (long long)lo);
        cr_assert_eq(quantile_bucket(lo), b);
        cr_assert_eq(quantile_bucket(lo + w - 1), b);
        /* Relative width: what the error bound rests on. */
        cr_assert(w == 1 || (double)w / 2 <= (double)lo * QUANT_REL_ERR);
        next = lo + w;
    }
    cr_assert_eq(next, (int64_t)1 << (QUANT_TOP_EXP + 1));
    cr_assert_eq(quantile_bucket(INT64_MAX), QUANT_BUCKETS - 1);
    cr_assert_eq(quantile_bucket(-5), 0);
}

Test(quantile, huge_values_clamp_to_the_largest_seen)
{
    struct quantile q;

    quantile_init(&q);
    for (size_t i = 0; i <= QUANT_EXACT_MAX; i++)
        quantile_add(&q, INT64_MAX - (int64_t)i);
    cr_assert_not(quantile_exact(&q));
    cr_assert_eq(quantile_get(&q, 1.0), INT64_MAX);
    quantile_add(&q, -3);
    cr_assert_eq(quantile_get(&q, 0.00001), 0, "negatives count as 0");
    quantile_fini(&q);
}
