/* quantity.c - Kubernetes resource.Quantity text to exact scaled integers
 * and back. */
#include "common.h"
#include "util/quantity.h"

/* Significant digits kept exactly; 19 always fit in a uint64_t. A dropped
 * digit can only matter for rounding (it is below the last kept one) or
 * makes the value too large for int64 anyway. */
#define SIG_MAX 19
/* Exponents beyond this are all the same: 0, or out of range. */
#define EXP_CLAMP 100000
#define SCALE_MAX 18

/* value = mant * 10^exp10, plus something in (0, 10^exp10) when sticky */
struct qnum {
    bool neg;
    bool sticky;
    int nsig;
    uint64_t mant;
    int64_t exp10;
};

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void add_digit(struct qnum *q, int d, bool frac)
{
    if (q->mant == 0 && d == 0) {
        /* a leading zero: only its place after the point counts */
        if (frac)
            q->exp10--;
        return;
    }
    if (q->nsig < SIG_MAX) {
        q->mant = q->mant * 10 + (uint64_t)d;
        q->nsig++;
        if (frac)
            q->exp10--;
        return;
    }
    if (d)
        q->sticky = true;
    if (!frac)
        q->exp10++;
}

/* signedNumber at s[*i]: sign, digits, optional '.' and digits; at least
 * one digit in all. */
static int parse_number(const char *s, size_t n, size_t *i, struct qnum *q)
{
    size_t digits = 0;

    if (*i < n && (s[*i] == '+' || s[*i] == '-'))
        q->neg = s[(*i)++] == '-';
    for (; *i < n && is_digit(s[*i]); (*i)++, digits++)
        add_digit(q, s[*i] - '0', false);
    if (*i < n && s[*i] == '.') {
        for ((*i)++; *i < n && is_digit(s[*i]); (*i)++, digits++)
            add_digit(q, s[*i] - '0', true);
    }
    return digits ? MU_OK : MU_EINVAL;
}

/* "e"/"E" signedNumber (integer) filling the rest of the text. */
static int parse_exponent(const char *s, size_t n, int64_t *exp)
{
    size_t i = 0;
    bool neg = false;
    int64_t e = 0;

    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return MU_EINVAL;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return MU_EINVAL;
        e = MU_MIN(e * 10 + (s[i] - '0'), (int64_t)EXP_CLAMP);
    }
    *exp = neg ? -e : e;
    return MU_OK;
}

/* The suffix: a power of ten (*exp) and/or of two (*bits). */
static int parse_suffix(const char *s, size_t n, int64_t *exp, int *bits)
{
    static const char dec[] = "numkMGTPE";
    static const int dec_exp[] = { -9, -6, -3, 3, 6, 9, 12, 15, 18 };
    static const char bin[] = "KMGTPE";
    const char *c;

    *exp = 0;
    *bits = 0;
    if (n == 0)
        return MU_OK;
    if (n == 1 && (c = strchr(dec, s[0])) && *c) {
        *exp = dec_exp[c - dec];
        return MU_OK;
    }
    if (n == 2 && s[1] == 'i' && (c = strchr(bin, s[0])) && *c) {
        *bits = 10 * (int)(c - bin + 1);
        return MU_OK;
    }
    if (s[0] == 'e' || s[0] == 'E')
        return parse_exponent(s + 1, n - 1, exp);
    return MU_EINVAL;
}

/* |value| * 10^t * 2^bits rounded up in magnitude, if it is <= lim. */
static int scale_mag(const struct qnum *q, int64_t t, int bits,
                     unsigned __int128 lim, unsigned __int128 *out)
{
    unsigned __int128 v = (unsigned __int128)q->mant << bits, d = 1;
    int64_t k;

    if (t >= 0) {
        /* a sticky digit with t > 0 or bits > 0 means |value| >= 10^19 */
        for (k = 0; k < t && v <= lim; k++)
            v *= 10;
        v += q->sticky;
    } else if (t < -38) {
        v = 1; /* 0 < |value| < 1: v < 2^124 < 10^38 */
    } else {
        for (k = 0; k < -t; k++)
            d *= 10;
        v = v / d + (v % d != 0 || q->sticky);
    }
    if (v > lim)
        return MU_ELIMIT;
    *out = v;
    return MU_OK;
}

int quantity_parse(const char *s, size_t n, int scale, int64_t *out)
{
    struct qnum q = { 0 };
    unsigned __int128 mag, lim;
    size_t i = 0;
    int64_t exp;
    int bits, rc;

    MU_ASSERT(scale >= 0 && scale <= SCALE_MAX);
    if (!s || n == 0)
        return MU_EINVAL;
    rc = parse_number(s, n, &i, &q);
    if (rc == MU_OK)
        rc = parse_suffix(s + i, n - i, &exp, &bits);
    if (rc)
        return rc;
    if (q.mant == 0) {
        *out = 0;
        return MU_OK;
    }
    lim = q.neg ? (unsigned __int128)INT64_MAX + 1 : INT64_MAX;
    rc = scale_mag(&q, q.exp10 + exp + scale, bits, lim, &mag);
    if (rc)
        return rc;
    if (!q.neg)
        *out = (int64_t)mag;
    else
        *out = mag > INT64_MAX ? INT64_MIN : -(int64_t)mag;
    return MU_OK;
}

/* Largest suffix that divides u exactly: step is 1024 or 1000. */
static const char *whole_suffix(uint64_t *u, bool binary)
{
    static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    static const char *const dec[] = { "", "k", "M", "G", "T", "P", "E" };
    uint64_t step = binary ? 1024 : 1000;
    int k = 0;

    while (*u && *u % step == 0 && k < 6) {
        *u /= step;
        k++;
    }
    return binary ? bin[k] : dec[k];
}

/* Whole units: the shorter of the binary (scale 0 only: bytes) and the
 * decimal spelling, binary on a tie. */
static void format_whole(const char *sign, uint64_t u, bool binary_ok,
                         char *dst, size_t cap)
{
    uint64_t ub = u, ud = u;
    const char *sb = whole_suffix(&ub, true), *sd = whole_suffix(&ud, false);

    if (binary_ok && ub <= ud)
        snprintf(dst, cap, "%s%llu%s", sign, (unsigned long long)ub, sb);
    else
        snprintf(dst, cap, "%s%llu%s", sign, (unsigned long long)ud, sd);
}

/* Whole values go through format_whole; fractions use m, u or n when
 * exact, else "<v>e-<scale>". */
void quantity_format(int64_t v, int scale, char *dst, size_t cap)
{
    static const char *const sub[] = { "m", "u", "n" };
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, p10 = 1;
    const char *sign = v < 0 ? "-" : "";
    int k;

    MU_ASSERT(scale >= 0 && scale <= SCALE_MAX);
    if (cap == 0)
        return;
    for (k = 0; k < scale; k++)
        p10 *= 10;
    if (u % p10 == 0) {
        format_whole(sign, u / p10, scale == 0, dst, cap);
        return;
    }
    for (k = 0; k < 3 && 3 * (k + 1) <= scale; k++) {
        uint64_t div = 1;
        int j;

        for (j = 3 * (k + 1); j < scale; j++)
            div *= 10;
        if (u % div == 0) {
            snprintf(dst, cap, "%s%llu%s", sign,
                     (unsigned long long)(u / div), sub[k]);
            return;
        }
    }
    snprintf(dst, cap, "%s%llue-%d", sign, (unsigned long long)u, scale);
}
