/* jscan.c - the pull JSON scanner: strict validation, path tracking, error
 * messages and string escape decoding. */
#include "common.h"
#include "util/jscan.h"
#include "util/xmalloc.h"

#include <limits.h>
#include <stdarg.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* An array level whose first element has not been reached yet. */
#define NO_INDEX SIZE_MAX
/* Longest key or number text quoted in an error message. */
#define QUOTE_MAX 48
/* Room for the longest path: every level at its longest, plus the prefix. */
#define HEAD_MAX (JS_MAX_DEPTH * (QUOTE_MAX + 8) + 2 * QUOTE_MAX)

static inline const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool str_special(unsigned char c)
{
    return c == '"' || c == '\\' || c < 0x20;
}

/* First byte in [p, end) that ends a plain run inside a string: a quote, a
 * backslash or a control character; end if none. 16 bytes at a time where
 * SSE2 exists (every x86-64), which is where js_skip gets its speed. */
static const char *find_special(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1f);

    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                 _mm_cmpeq_epi8(v, bslash));
        int bits;

        /* min(v, 0x1f) == v exactly when the unsigned byte is < 0x20 */
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
        bits = _mm_movemask_epi8(m);
        if (bits)
            return p + __builtin_ctz((unsigned)bits);
        p += 16;
    }
#endif
    while (p < end && !str_special((unsigned char)*p))
        p++;
    return p;
}

/* ---- error messages ------------------------------------------------- */

/* A small bounded string builder for messages: never overflows, truncates. */
struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    size_t room = b->cap - 1 - b->n;

    if (n > room)
        n = room;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_addf(struct sbuf *b, const char *fmt, ...) MU_PRINTF(2, 3);

static void sb_addf(struct sbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    int k;

    va_start(ap, fmt);
    k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (k > 0)
        sb_add(b, tmp, MU_MIN((size_t)k, sizeof(tmp) - 1));
}

static size_t dec_unit(const char *s, size_t n, size_t *i, char out[4]);
static char *dec_alloc(const struct jstr *s, size_t *len);

/* A key as it should read in a path: decoded, cut at QUOTE_MAX bytes. */
static void sb_add_key(struct sbuf *b, const char *key, size_t klen)
{
    char unit[4];
    size_t i = 0, w = 0, k;

    if (!memchr(key, '\\', klen)) {
        sb_add(b, key, MU_MIN(klen, (size_t)QUOTE_MAX));
        w = klen;
        i = klen;
    }
    while (w < QUOTE_MAX && i < klen) {
        k = dec_unit(key, klen, &i, unit);
        /* A control character (from \u0000..\u001f) is shown escaped:
         * a NUL would end the message right there. */
        if (k == 1 && (unsigned char)unit[0] < 0x20) {
            sb_addf(b, "\\u%04x", (unsigned)unit[0]);
            w += 6;
            continue;
        }
        sb_add(b, unit, k);
        w += k;
    }
    if (w > QUOTE_MAX || i < klen)
        sb_add(b, "...", 3);
}

/* "<prefix>.<path>" for the value under the cursor; "" at the top. A level
 * without a current key or index (before the first member, or between
 * members) names the container itself. */
static void fmt_head(const struct jscan *js, struct sbuf *b)
{
    int i;

    if (js->prefix)
        sb_add_key(b, js->prefix, strlen(js->prefix));
    for (i = 0; i < js->depth; i++) {
        const struct jpath_seg *s = &js->path[i];

        if (s->in_array && s->klen != NO_INDEX) {
            sb_addf(b, "[%zu]", s->klen);
        } else if (!s->in_array && s->key) {
            if (b->n)
                sb_add(b, ".", 1);
            sb_add_key(b, s->key, s->klen);
        }
    }
}

static int js_vfail(struct jscan *js, const char *fmt, va_list ap)
{
    char msg[200], head[HEAD_MAX];
    struct sbuf hb = { head, 0, sizeof(head) };
    struct sbuf eb = { js->err, 0, sizeof(js->err) };
    size_t room;

    if (js->failed)
        return MU_EINVAL;
    js->failed = true;
    head[0] = '\0';
    vsnprintf(msg, sizeof(msg), fmt, ap);
    fmt_head(js, &hb);
    /* Keep the whole message; cut the path from the left if need be. */
    eb.p[0] = '\0';
    room = sizeof(js->err) - 1 - strlen(msg) - 2;
    if (hb.n > room) {
        sb_add(&eb, "...", 3);
        sb_add(&eb, head + hb.n - (room - 3), room - 3);
    } else {
        sb_add(&eb, head, hb.n);
    }
    if (hb.n)
        sb_add(&eb, ": ", 2);
    sb_add(&eb, msg, strlen(msg));
    return MU_EINVAL;
}

int js_fail(struct jscan *js, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = js_vfail(js, fmt, ap);
    va_end(ap);
    return rc;
}

/* Printable form of a byte for messages: 'x' or '\xHH' (in out[8]). */
static const char *desc_char(char c, char out[8])
{
    unsigned char u = (unsigned char)c;

    if (u >= 0x20 && u < 0x7f && u != '\'')
        snprintf(out, 8, "'%c'", c);
    else
        snprintf(out, 8, "'\\x%02x'", u);
    return out;
}

/* Record an error from a scanner when rep is set; RET NULL either way. The
 * fast skipper runs with rep unset and re-runs reporting on failure. */
static const char *scan_err(struct jscan *js, bool rep, const char *fmt, ...)
    MU_PRINTF(3, 4);

static const char *scan_err(struct jscan *js, bool rep, const char *fmt, ...)
{
    va_list ap;

    if (rep) {
        va_start(ap, fmt);
        js_vfail(js, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static const char *eof_err(struct jscan *js, bool rep)
{
    return scan_err(js, rep, "unexpected end of input");
}

static const char *found_name(char c)
{
    switch (c) {
    case '{':
        return "object";
    case '[':
        return "array";
    case '"':
        return "string";
    case 't':
    case 'f':
        return "boolean";
    case 'n':
        return "null";
    default:
        return c == '-' || is_digit(c) ? "number" : NULL;
    }
}

/* The value at p is not the wanted type: say what it is instead. */
static int type_err(struct jscan *js, const char *p, const char *want)
{
    char d[8];
    const char *name;

    if (p == js->end)
        return js_fail(js, "unexpected end of input");
    name = found_name(*p);
    if (name)
        return js_fail(js, "expected %s, found %s", want, name);
    return js_fail(js, "expected %s, found invalid character %s", want,
                   desc_char(*p, d));
}

/* ---- scalar scanners: RET the end of the token or NULL ---------------- */

static const char *scan_escape(struct jscan *js, const char *p, bool rep)
{
    const char *end = js->end;
    char d[8];
    int i;

    if (p == end)
        return eof_err(js, rep);
    if (*p && strchr("\"\\/bfnrt", *p))
        return p + 1;
    if (*p != 'u')
        return scan_err(js, rep, "invalid escape %s in string",
                        desc_char(*p, d));
    for (i = 1; i <= 4; i++) {
        if (p + i == end)
            return eof_err(js, rep);
        if (!p[i] || !strchr("0123456789abcdefABCDEF", p[i]))
            return scan_err(js, rep, "invalid character %s in \\u escape",
                            desc_char(p[i], d));
    }
    return p + 5;
}

/* p is just past the opening quote; *esc is set when a backslash is seen. */
static const char *scan_string(struct jscan *js, const char *p, bool rep,
                               bool *esc)
{
    const char *end = js->end;

    for (;;) {
        p = find_special(p, end);
        if (p == end)
            return eof_err(js, rep);
        if (*p == '"')
            return p + 1;
        if (*p != '\\')
            return scan_err(js, rep,
                            "invalid control character 0x%02x in string",
                            (unsigned)(unsigned char)*p);
        *esc = true;
        p = scan_escape(js, p + 1, rep);
        if (!p)
            return NULL;
    }
}

static const char *scan_digits(struct jscan *js, const char *p, bool rep,
                               const char *where)
{
    char d[8];

    if (p == js->end)
        return eof_err(js, rep);
    if (!is_digit(*p))
        return scan_err(js, rep, "invalid character %s %s", desc_char(*p, d),
                        where);
    while (p < js->end && is_digit(*p))
        p++;
    return p;
}

/* RFC 8259 number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static const char *scan_number(struct jscan *js, const char *p, bool rep)
{
    const char *end = js->end;

    if (*p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return scan_err(js, rep, "invalid number: leading zero");
    } else {
        p = scan_digits(js, p, rep, "in number");
        if (!p)
            return NULL;
    }
    if (p < end && *p == '.') {
        p = scan_digits(js, p + 1, rep, "after decimal point in number");
        if (!p)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        p = scan_digits(js, p, rep, "in exponent of number");
    }
    return p;
}

static const char *scan_literal(struct jscan *js, const char *p, bool rep,
                                const char *lit)
{
    char d[8];
    size_t i;

    for (i = 0; lit[i]; i++) {
        if (p + i == js->end)
            return eof_err(js, rep);
        if (p[i] != lit[i])
            return scan_err(js, rep, "invalid character %s in literal %s",
                            desc_char(p[i], d), lit);
    }
    return p + i;
}

/* Any value but an object or array, starting at p (< end). */
static const char *scan_scalar(struct jscan *js, const char *p, bool rep)
{
    bool esc = false;
    char d[8];

    switch (*p) {
    case '"':
        return scan_string(js, p + 1, rep, &esc);
    case 't':
        return scan_literal(js, p, rep, "true");
    case 'f':
        return scan_literal(js, p, rep, "false");
    case 'n':
        return scan_literal(js, p, rep, "null");
    default:
        if (*p == '-' || is_digit(*p))
            return scan_number(js, p, rep);
        return scan_err(js, rep,
                        "invalid character %s looking for beginning of value",
                        desc_char(*p, d));
    }
}

/* ---- cursor API ------------------------------------------------------- */

void js_init(struct jscan *js, const char *buf, size_t len)
{
    js->start = buf;
    js->p = buf;
    js->end = buf ? buf + len : buf;
    js->depth = 0;
    js->prefix = NULL;
    js->failed = false;
    js->err[0] = '\0';
}

void js_set_prefix(struct jscan *js, const char *prefix)
{
    js->prefix = prefix && *prefix ? prefix : NULL;
}

const char *js_error(const struct jscan *js)
{
    return js->err;
}

enum jtype js_peek(struct jscan *js)
{
    if (js->failed)
        return JT_NONE;
    js->p = skip_ws(js->p, js->end);
    if (js->p == js->end)
        return JT_NONE;
    switch (*js->p) {
    case '{':
        return JT_OBJ;
    case '[':
        return JT_ARR;
    case '"':
        return JT_STR;
    case 't':
        return JT_TRUE;
    case 'f':
        return JT_FALSE;
    case 'n':
        return JT_NULL;
    default:
        return *js->p == '-' || is_digit(*js->p) ? JT_NUM : JT_NONE;
    }
}

static int open_container(struct jscan *js, bool arr)
{
    struct jpath_seg *seg;
    const char *p;

    if (js->failed)
        return MU_EINVAL;
    p = skip_ws(js->p, js->end);
    if (p == js->end || *p != (arr ? '[' : '{'))
        return type_err(js, p, arr ? "array" : "object");
    if (js->depth >= JS_MAX_DEPTH)
        return js_fail(js, "nesting deeper than %d", JS_MAX_DEPTH);
    seg = &js->path[js->depth++];
    seg->key = NULL;
    seg->klen = arr ? NO_INDEX : 0;
    seg->in_array = arr;
    js->p = p + 1;
    return MU_OK;
}

int js_obj_begin(struct jscan *js)
{
    return open_container(js, false);
}

int js_arr_begin(struct jscan *js)
{
    return open_container(js, true);
}

/* Shared start of js_obj_next/js_arr_next: past white space and, unless
 * first, a ','. RET 1 with *pp on the member, 0 after the closing byte
 * (the level is popped), or MU_EINVAL. */
static int next_member(struct jscan *js, bool first, char close,
                       const char **pp)
{
    const char *p = skip_ws(js->p, js->end);
    char d[8];

    if (p == js->end)
        return js_fail(js, "unexpected end of input");
    if (*p == close) {
        js->p = p + 1;
        js->depth--;
        return 0;
    }
    if (!first) {
        if (*p != ',')
            return js_fail(js, "expected ',' or '%c', found %s", close,
                           desc_char(*p, d));
        p = skip_ws(p + 1, js->end);
        if (p == js->end)
            return js_fail(js, "unexpected end of input");
        if (*p == close)
            return js_fail(js, "expected a value after ',', found '%c'",
                           close);
    }
    *pp = p;
    return 1;
}

int js_obj_next(struct jscan *js, struct jstr *key)
{
    struct jpath_seg *seg;
    const char *p, *q;
    bool first, esc = false;
    char d[8];
    int r;

    if (js->failed)
        return MU_EINVAL;
    MU_ASSERT(js->depth > 0 && !js->path[js->depth - 1].in_array);
    seg = &js->path[js->depth - 1];
    first = seg->key == NULL;
    seg->key = NULL; /* until the next key: errors name the object */
    r = next_member(js, first, '}', &p);
    if (r <= 0)
        return r;
    if (*p != '"')
        return js_fail(js, "expected string key, found %s", desc_char(*p, d));
    q = scan_string(js, p + 1, true, &esc);
    if (!q)
        return MU_EINVAL;
    key->p = p + 1;
    key->n = (size_t)(q - 1 - key->p);
    key->esc = esc;
    q = skip_ws(q, js->end);
    if (q == js->end)
        return js_fail(js, "unexpected end of input");
    if (*q != ':')
        return js_fail(js, "expected ':' after object key, found %s",
                       desc_char(*q, d));
    seg->key = key->p;
    seg->klen = key->n;
    js->p = q + 1;
    return 1;
}

int js_arr_next(struct jscan *js)
{
    struct jpath_seg *seg;
    const char *p;
    size_t idx;
    int r;

    if (js->failed)
        return MU_EINVAL;
    MU_ASSERT(js->depth > 0 && js->path[js->depth - 1].in_array);
    seg = &js->path[js->depth - 1];
    idx = seg->klen == NO_INDEX ? 0 : seg->klen + 1;
    seg->klen = NO_INDEX; /* until the next element: errors name the array */
    r = next_member(js, idx == 0, ']', &p);
    if (r <= 0)
        return r;
    seg->klen = idx;
    js->p = p;
    return 1;
}

/* ---- scalars ---------------------------------------------------------- */

int js_str(struct jscan *js, struct jstr *out)
{
    const char *p, *q;
    bool esc = false;

    if (js->failed)
        return MU_EINVAL;
    p = skip_ws(js->p, js->end);
    if (p == js->end || *p != '"')
        return type_err(js, p, "string");
    q = scan_string(js, p + 1, true, &esc);
    if (!q)
        return MU_EINVAL;
    out->p = p + 1;
    out->n = (size_t)(q - 1 - out->p);
    out->esc = esc;
    js->p = q;
    return MU_OK;
}

/* A NUL would silently cut the C string short, so it is refused here. */
int js_str_dup(struct jscan *js, char **out)
{
    struct jstr s;
    size_t len;
    char *d;
    int rc = js_str(js, &s);

    if (rc)
        return rc;
    d = dec_alloc(&s, &len);
    if (memchr(d, '\0', len)) {
        free(d);
        return js_fail(js, "string contains a NUL character (\\u0000)");
    }
    *out = d;
    return MU_OK;
}

/* The number text for a message, cut at QUOTE_MAX bytes. */
static const char *num_text(const char *p, const char *q,
                            char out[QUOTE_MAX + 4])
{
    size_t n = (size_t)(q - p);

    if (n <= QUOTE_MAX) {
        memcpy(out, p, n);
        out[n] = '\0';
    } else {
        memcpy(out, p, QUOTE_MAX);
        memcpy(out + QUOTE_MAX, "...", 4);
    }
    return out;
}

/* Like Go's decoder into an int64: 5.0 and 1e3 are not integers. */
int js_i64(struct jscan *js, int64_t *out)
{
    const char *p, *q, *s;
    char t[QUOTE_MAX + 4];
    uint64_t mag = 0, lim;
    bool neg;

    if (js->failed)
        return MU_EINVAL;
    p = skip_ws(js->p, js->end);
    if (p == js->end || !(*p == '-' || is_digit(*p)))
        return type_err(js, p, "integer");
    q = scan_number(js, p, true);
    if (!q)
        return MU_EINVAL;
    neg = *p == '-';
    for (s = p + neg; s < q; s++)
        if (!is_digit(*s))
            return js_fail(js, "expected integer, found %s",
                           num_text(p, q, t));
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (s = p + neg; s < q; s++) {
        unsigned dg = (unsigned)(*s - '0');

        if (mag > (lim - dg) / 10)
            return js_fail(js, "number %s out of int64 range",
                           num_text(p, q, t));
        mag = mag * 10 + dg;
    }
    if (!neg)
        *out = (int64_t)mag;
    else
        *out = mag > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)mag;
    js->p = q;
    return MU_OK;
}

int js_bool(struct jscan *js, bool *out)
{
    const char *p, *q;

    if (js->failed)
        return MU_EINVAL;
    p = skip_ws(js->p, js->end);
    if (p == js->end || (*p != 't' && *p != 'f'))
        return type_err(js, p, "boolean");
    q = scan_literal(js, p, true, *p == 't' ? "true" : "false");
    if (!q)
        return MU_EINVAL;
    *out = *p == 't';
    js->p = q;
    return MU_OK;
}

int js_null(struct jscan *js)
{
    const char *p, *q;

    if (js->failed)
        return MU_EINVAL;
    p = skip_ws(js->p, js->end);
    if (p == js->end || *p != 'n')
        return type_err(js, p, "null");
    q = scan_literal(js, p, true, "null");
    if (!q)
        return MU_EINVAL;
    js->p = q;
    return MU_OK;
}

int js_maybe_null(struct jscan *js)
{
    int rc;

    if (js->failed)
        return MU_EINVAL;
    js->p = skip_ws(js->p, js->end);
    if (js->p == js->end || *js->p != 'n')
        return 0;
    rc = js_null(js);
    return rc ? rc : 1;
}

/* ---- skipping --------------------------------------------------------- */

enum skip_state { SK_VALUE, SK_KEY, SK_AFTER };

/* One step of the fast skipper in state SK_AFTER at p (not end): a ',' or
 * the close of the innermost container. RET the next state or -1. */
static int fast_after(const char **pp, const bool *is_obj, int *d)
{
    const char *p = *pp;
    bool obj = is_obj[*d - 1];

    *pp = p + 1;
    if (*p == ',')
        return obj ? SK_KEY : SK_VALUE;
    if (*p != (obj ? '}' : ']'))
        return -1;
    (*d)--;
    return SK_AFTER;
}

/* Validate and pass one value with no path bookkeeping: a small stack of
 * container kinds is all it keeps. RET MU_OK with js->p moved, or
 * MU_EINVAL with nothing recorded (js_skip then re-runs with paths). */
static int fast_skip(struct jscan *js)
{
    bool is_obj[JS_MAX_DEPTH], esc;
    const char *p = js->p, *end = js->end;
    int d = 0, st = SK_VALUE;

    for (;;) {
        if (st == SK_AFTER && d == 0)
            break;
        p = skip_ws(p, end);
        if (p == end)
            return MU_EINVAL;
        if (st == SK_AFTER) {
            st = fast_after(&p, is_obj, &d);
        } else if (st == SK_KEY) {
            if (*p != '"' || !(p = scan_string(js, p + 1, false, &esc)))
                return MU_EINVAL;
            p = skip_ws(p, end);
            if (p == end || *p++ != ':')
                return MU_EINVAL;
            st = SK_VALUE;
        } else if (*p == '{' || *p == '[') {
            if (js->depth + d >= JS_MAX_DEPTH)
                return MU_EINVAL;
            is_obj[d++] = *p == '{';
            p = skip_ws(p + 1, end);
            st = is_obj[d - 1] ? SK_KEY : SK_VALUE;
            if (p < end && *p == (is_obj[d - 1] ? '}' : ']')) {
                p++;
                d--;
                st = SK_AFTER;
            }
        } else {
            p = scan_scalar(js, p, false);
            st = SK_AFTER;
        }
        if (st < 0 || !p)
            return MU_EINVAL;
    }
    js->p = p;
    return MU_OK;
}

/* The reporting skipper: walks with the public calls so that the error
 * names the exact path. Recursion is bounded by JS_MAX_DEPTH. */
static int slow_skip(struct jscan *js)
{
    enum jtype t = js_peek(js);
    struct jstr key;
    const char *q;
    int r;

    if (t == JT_OBJ || t == JT_ARR) {
        r = t == JT_OBJ ? js_obj_begin(js) : js_arr_begin(js);
        if (r)
            return r;
        while ((r = t == JT_OBJ ? js_obj_next(js, &key) : js_arr_next(js)) > 0)
            if (slow_skip(js))
                return MU_EINVAL;
        return r;
    }
    if (js->failed)
        return MU_EINVAL;
    if (js->p == js->end)
        return js_fail(js, "unexpected end of input");
    q = scan_scalar(js, js->p, true);
    if (!q)
        return MU_EINVAL;
    js->p = q;
    return MU_OK;
}

int js_skip(struct jscan *js)
{
    const char *start;

    if (js->failed)
        return MU_EINVAL;
    js->p = skip_ws(js->p, js->end);
    start = js->p;
    if (fast_skip(js) == MU_OK)
        return MU_OK;
    js->p = start;
    if (slow_skip(js) == MU_OK) /* the two skippers disagree: a bug */
        return js_fail(js, "invalid JSON value");
    return MU_EINVAL;
}

int js_skip_span(struct jscan *js, const char **begin, const char **end)
{
    const char *b;
    int rc;

    if (js->failed)
        return MU_EINVAL;
    b = skip_ws(js->p, js->end);
    js->p = b;
    rc = js_skip(js);
    if (rc)
        return rc;
    *begin = b;
    *end = js->p;
    return MU_OK;
}

int js_end(struct jscan *js)
{
    char d[8];

    if (js->failed)
        return MU_EINVAL;
    MU_ASSERT(js->depth == 0);
    js->p = skip_ws(js->p, js->end);
    if (js->p != js->end)
        return js_fail(js, "invalid character %s after top-level value",
                       desc_char(*js->p, d));
    return MU_OK;
}

/* ---- escape decoding -------------------------------------------------- */

static int hex4(const char *s, size_t n, size_t at)
{
    int v = 0;
    size_t k;

    if (at + 4 > n)
        return -1;
    for (k = at; k < at + 4; k++) {
        char c = s[k];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static size_t put_utf8(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* \uXXXX at s[*i] (the backslash), with a following low surrogate when
 * this is a high one. An unpaired surrogate becomes U+FFFD, as in Go. */
static uint32_t dec_u(const char *s, size_t n, size_t *i, int cp)
{
    int lo;

    *i += 6;
    if (cp < 0xd800 || cp > 0xdfff)
        return (uint32_t)cp;
    if (cp <= 0xdbff && *i + 1 < n && s[*i] == '\\' && s[*i + 1] == 'u') {
        lo = hex4(s, n, *i + 2);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
            *i += 6;
            return 0x10000 + (((uint32_t)cp - 0xd800) << 10) +
                   ((uint32_t)lo - 0xdc00);
        }
    }
    return 0xfffd;
}

/* Decode the unit at s[*i] (*i < n) into out: a raw byte or one escape.
 * RET the bytes written (1..4). Malformed escapes, which the scanner never
 * lets through, are copied literally rather than trusted. */
static size_t dec_unit(const char *s, size_t n, size_t *i, char out[4])
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *m;
    int cp;

    if (s[*i] != '\\' || *i + 1 >= n) {
        out[0] = s[(*i)++];
        return 1;
    }
    m = s[*i + 1] ? strchr(from, s[*i + 1]) : NULL;
    if (m) {
        out[0] = to[m - from];
        *i += 2;
        return 1;
    }
    cp = s[*i + 1] == 'u' ? hex4(s, n, *i + 2) : -1;
    if (cp < 0) {
        out[0] = s[(*i)++];
        return 1;
    }
    return put_utf8(dec_u(s, n, i, cp), out);
}

int jstr_copy(const struct jstr *s, char *dst, size_t cap)
{
    size_t i = 0, w = 0, k;
    char u[4];

    if (s->n >= (size_t)INT_MAX)
        return MU_ELIMIT;
    if (!s->esc) {
        if (s->n + 1 > cap)
            return MU_ELIMIT;
        memcpy(dst, s->p, s->n);
        dst[s->n] = '\0';
        return (int)s->n;
    }
    while (i < s->n) {
        k = dec_unit(s->p, s->n, &i, u);
        if (w + k + 1 > cap)
            return MU_ELIMIT;
        memcpy(dst + w, u, k);
        w += k;
    }
    if (w + 1 > cap)
        return MU_ELIMIT;
    dst[w] = '\0';
    return (int)w;
}

/* Decoded text is never longer than the escaped text, so n + 1 bytes hold
 * it. It may contain NUL bytes when the input had \u0000. */
static char *dec_alloc(const struct jstr *s, size_t *len)
{
    char *d = xmalloc(s->n + 1), u[4];
    size_t i = 0, w = 0, k;

    if (!s->esc) {
        memcpy(d, s->p, s->n);
        w = s->n;
    }
    while (s->esc && i < s->n) {
        k = dec_unit(s->p, s->n, &i, u);
        memcpy(d + w, u, k);
        w += k;
    }
    d[w] = '\0';
    *len = w;
    return d;
}

char *jstr_dup(const struct jstr *s)
{
    size_t len;

    return dec_alloc(s, &len);
}

static inline char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool jstr_cmp(const struct jstr *s, const char *lit, bool fold)
{
    size_t i = 0, k, j, at = 0;
    char u[4];

    while (i < s->n) {
        k = s->esc ? dec_unit(s->p, s->n, &i, u) : (u[0] = s->p[i++], 1);
        for (j = 0; j < k; j++, at++) {
            if (!lit[at])
                return false;
            if (fold ? ascii_lower(u[j]) != ascii_lower(lit[at])
                     : u[j] != lit[at])
                return false;
        }
    }
    return lit[at] == '\0';
}

bool jstr_eq(const struct jstr *s, const char *lit)
{
    if (!s->esc)
        return strlen(lit) == s->n && memcmp(s->p, lit, s->n) == 0;
    return jstr_cmp(s, lit, false);
}

bool jstr_ieq(const struct jstr *s, const char *lit)
{
    return jstr_cmp(s, lit, true);
}
