/* test_util_quantity.c - Quantity parsing (exact, rounded up like
 * Kubernetes) and compact formatting. */
#include "common.h"
#include "util/quantity.h"

#include <criterion/criterion.h>

static int parse(const char *s, int scale, int64_t *out)
{
    return quantity_parse(s, strlen(s), scale, out);
}

#define EXA 1000000000000000000LL

static const struct {
    const char *s;
    int scale;
    int64_t v;
} good[] = {
    /* plain numbers and the decimal suffixes */
    { "0", 0, 0 },
    { "0", 3, 0 },
    { "1", 0, 1 },
    { "1", 3, 1000 },
    { "500m", 3, 500 },
    { "500m", 0, 1 },
    { "63800m", 3, 63800 },
    { "63800m", 0, 64 },
    { "1n", 3, 1 },
    { "1n", 0, 1 },
    { "1000000n", 3, 1 },
    { "1500000n", 3, 2 },
    { "1u", 3, 1 },
    { "2000u", 3, 2 },
    { "100k", 0, 100000 },
    { "1M", 0, 1000000 },
    { "1G", 0, 1000000000 },
    { "1T", 0, 1000000000000LL },
    { "1P", 0, 1000000000000000LL },
    { "1E", 0, EXA },
    /* binary suffixes */
    { "1Ki", 0, 1024 },
    { "1Mi", 0, 1048576 },
    { "32Gi", 0, 34359738368LL },
    { "1Ti", 0, 1099511627776LL },
    { "1Pi", 0, 1125899906842624LL },
    { "1Ei", 0, 1152921504606846976LL },
    { "7Ei", 0, 8070450532247928832LL },
    { "527972500Ki", 0, 540643840000LL },
    { "0.5Gi", 0, 536870912 },
    { "0.1Ki", 0, 103 },
    { "1.1Ki", 0, 1127 },
    { "1.5Ki", 3, 1536000 },
    /* decimal exponents */
    { "1e3", 0, 1000 },
    { "12E2", 0, 1200 },
    { "1e+3", 0, 1000 },
    { "1E-3", 3, 1 },
    { "1e-3", 3, 1 },
    { "1e-3", 0, 1 },
    { "3e07", 0, 30000000 },
    { "1e18", 0, EXA },
    { "1e-100", 0, 1 },
    { "1e-99999999999999999999", 3, 1 },
    { "0e99999999999999999999", 0, 0 },
    { "25e-1", 0, 3 },
    /* fractions and signs */
    { "1.5", 3, 1500 },
    { "0.5", 0, 1 },
    { "1.5m", 3, 2 },
    { ".5", 3, 500 },
    { "5.", 0, 5 },
    { "+1", 0, 1 },
    { "-1", 0, -1 },
    { "+.5", 3, 500 },
    { "-0", 0, 0 },
    { "-0.0001", 0, -1 }, /* rounded away from zero, as Kubernetes does */
    { "-1.5m", 3, -2 },
    { "000123", 0, 123 },
    { "0.000000000000000000000000000000000000000001", 0, 1 },
    { "972991057538", 0, 972991057538LL },
    /* the int64 edges and many digits */
    { "9223372036854775807", 0, INT64_MAX },
    { "-9223372036854775808", 0, INT64_MIN },
    { "-8Ei", 0, INT64_MIN },
    { "9223372036854775.807", 3, INT64_MAX },
    { "9223372036854775.8069", 3, INT64_MAX },
    { "1234567890123456789.5", 0, 1234567890123456790LL },
    { "12345678901234567890123n", 0, 12345678901235LL },
    { "12345678901234567890123n", 3, 12345678901234568LL },
    { "0.00000000000000000000000000000000000000000000000000001Ei", 0, 1 },
    { "1" "000000000" "000000000" "000000000" "n", 0, EXA },
};

Test(quantity, parses_the_whole_grammar_exactly)
{
    size_t i;

    for (i = 0; i < ARRAY_LEN(good); i++) {
        int64_t v = 12345;

        cr_assert_eq(parse(good[i].s, good[i].scale, &v), MU_OK, "%s scale %d",
                     good[i].s, good[i].scale);
        cr_assert_eq(v, good[i].v, "%s scale %d: got %lld want %lld",
                     good[i].s, good[i].scale, (long long)v,
                     (long long)good[i].v);
    }
}

Test(quantity, malformed_text_is_einval_and_leaves_out_alone)
{
    static const char *bad[] = {
        "", "1x", "Ki", "1.2.3", "1 ", " 1", "1Kii", "1e", "--1", "1E3Ki",
        ".", "+", "-", "+-1", "1K", "1ki", "1mi", "1i", "1e3.5", "1e+", "1e-",
        "e3", "E", "m", "1..2", "1,5", "0x10", "1E+", "1Mm", "1mm", "1ee3",
        "1e3e3", "1e 3", "1\t", "\xe2\x88\x9e", "1Gb", "1b", "NaN", "Inf",
        "1_000",
    };
    size_t i;
    int64_t v;

    for (i = 0; i < ARRAY_LEN(bad); i++) {
        v = 777;
        cr_assert_eq(parse(bad[i], 0, &v), MU_EINVAL, "<%s>", bad[i]);
        cr_assert_eq(parse(bad[i], 3, &v), MU_EINVAL, "<%s>", bad[i]);
        cr_assert_eq(v, 777, "<%s> must not touch out", bad[i]);
    }
    cr_assert_eq(quantity_parse("1\0", 2, 0, &v), MU_EINVAL);
    cr_assert_eq(quantity_parse(NULL, 0, 0, &v), MU_EINVAL);
    cr_assert_eq(v, 777);
}

Test(quantity, out_of_int64_is_elimit)
{
    static const struct {
        const char *s;
        int scale;
    } big[] = {
        { "9223372036854775808", 0 },
        { "-9223372036854775809", 0 },
        { "9223372036854775807", 3 },
        { "9223372036854775.8071", 3 },
        { "8Ei", 0 },
        { "-9Ei", 0 },
        { "8Ei", 3 },
        { "10E", 0 },
        { "2E", 3 },
        { "1e19", 0 },
        { "1e99999999999999999999", 0 },
        { "99999999999999999999999999999999999999999", 0 },
        { "9223372036854775807.5", 0 },
        { "1Ei", 3 },
    };
    size_t i;
    int64_t v = 5;

    for (i = 0; i < ARRAY_LEN(big); i++)
        cr_assert_eq(parse(big[i].s, big[i].scale, &v), MU_ELIMIT,
                     "%s scale %d", big[i].s, big[i].scale);
    cr_assert_eq(v, 5);
}

Test(quantity, length_bounds_the_text)
{
    int64_t v = 0;

    cr_assert_eq(quantity_parse("500mXYZ", 4, 3, &v), MU_OK);
    cr_assert_eq(v, 500);
    cr_assert_eq(quantity_parse("2Gi,", 3, 0, &v), MU_OK);
    cr_assert_eq(v, 2147483648LL);
    cr_assert_eq(quantity_parse("2Gi", 2, 0, &v), MU_OK);
    cr_assert_eq(v, 2000000000, "only \"2G\" was given");
}

Test(quantity, formats_compactly)
{
    static const struct {
        int64_t v;
        int scale;
        const char *s;
    } cases[] = {
        { 0, 0, "0" },
        { 0, 3, "0" },
        { 500, 3, "500m" },
        { 1500, 3, "1500m" },
        { 2000, 3, "2" },
        { -2000, 3, "-2" },
        { 1, 3, "1m" },
        { 1000000, 3, "1k" },
        { 110, 0, "110" },
        { 1000, 0, "1k" },
        { 1024, 0, "1Ki" },
        { 34359738368LL, 0, "32Gi" },
        { 1610612736, 0, "1536Mi" },
        { 1500000000, 0, "1500M" },
        { 1024000, 0, "1000Ki" },
        { 2048000000, 0, "2048M" },
        { 540643840000LL, 0, "527972500Ki" },
        { 972991057538LL, 0, "972991057538" },
        { INT64_MIN, 0, "-8Ei" },
        { INT64_MAX, 0, "9223372036854775807" },
        { INT64_MAX, 3, "9223372036854775807m" },
        { EXA, 0, "1E" },
        { 1500, 6, "1500u" },
        { 1500000, 9, "1500u" },
        { 7, 9, "7n" },
        { 15, 1, "15e-1" },
    };
    char buf[64];
    size_t i;

    for (i = 0; i < ARRAY_LEN(cases); i++) {
        quantity_format(cases[i].v, cases[i].scale, buf, sizeof(buf));
        cr_assert_str_eq(buf, cases[i].s, "%lld scale %d",
                         (long long)cases[i].v, cases[i].scale);
    }
    quantity_format(1500, 3, buf, 3);
    cr_assert_str_eq(buf, "15", "truncated, still NUL-ended");
    buf[0] = 'x';
    quantity_format(1500, 3, buf, 0);
    cr_assert_eq(buf[0], 'x', "cap 0 writes nothing");
}

/* format then parse gives the value back, for both scales. */
Test(quantity, format_round_trips_through_parse)
{
    static const int64_t edge[] = { 0, 1, -1, 999, 1000, 1001, 1023, 1024,
                                    1025, INT64_MAX, INT64_MIN,
                                    INT64_MIN + 1, 1LL << 62, EXA };
    uint64_t seed = 12345;
    char buf[64];
    int64_t v, back;
    int i, sc;

    for (i = 0; i < 20000; i++) {
        if ((size_t)i < ARRAY_LEN(edge)) {
            v = edge[i];
        } else {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            /* vary magnitude and trailing zeros so every suffix shows up */
            v = (int64_t)(seed >> (1 + (seed & 62)));
            if (i % 3 == 0)
                v = (v / 1000) * 1000;
            if (i % 5 == 0)
                v = (v >> 20) << 20;
            if (i % 2)
                v = -v;
        }
        for (sc = 0; sc <= 3; sc += 3) {
            quantity_format(v, sc, buf, sizeof(buf));
            cr_assert_eq(parse(buf, sc, &back), MU_OK, "%s", buf);
            cr_assert_eq(back, v, "%lld -> %s -> %lld", (long long)v, buf,
                         (long long)back);
        }
    }
}
