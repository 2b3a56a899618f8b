/* fuzz_jscan.c - libFuzzer target: the JSON scanner every decoder is built
 * on. Byte 0 picks how values are read: bit 0 decodes numbers with js_i64
 * (else skips them), bit 1 reads strings with js_str_dup (else jstr_copy
 * into a small buffer, which reaches MU_ELIMIT), bit 2 skips whole
 * containers at depth 2 with js_skip_span.
 *
 * Oracle: when numbers are not decoded and strings not turned into C
 * strings (js_i64 rejects fractions and js_str_dup an escaped NUL, both
 * on purpose), walking the document value by value must accept exactly
 * what js_skip accepts: both validate RFC 8259. */
#include "common.h"
#include "fuzz.h"
#include "util/jscan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static int walk(struct jscan *js, unsigned mode, int depth);

static int walk_obj(struct jscan *js, unsigned mode, int depth)
{
    struct jstr key;
    char small[16];
    int r, rc;

    if ((rc = js_obj_begin(js)))
        return rc;
    while ((r = js_obj_next(js, &key)) > 0) {
        FUZZ_CHECK(key.p >= js->start && key.p + key.n <= js->end,
                   "key outside the input");
        /* MU_ELIMIT for long keys is the cap working, not an error. */
        (void)jstr_copy(&key, small, sizeof(small));
        if ((rc = walk(js, mode, depth + 1)))
            return rc;
    }
    return r;
}

static int walk_arr(struct jscan *js, unsigned mode, int depth)
{
    int r, rc;

    if ((rc = js_arr_begin(js)))
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        if ((rc = walk(js, mode, depth + 1)))
            return rc;
    }
    return r;
}

static int walk_str(struct jscan *js, unsigned mode)
{
    struct jstr s;
    char *d = NULL, small[8];
    int rc;

    if (mode & 2) {
        rc = js_str_dup(js, &d);
        FUZZ_CHECK(rc || d, "js_str_dup: no string");
        free(d);
        return rc;
    }
    if ((rc = js_str(js, &s)))
        return rc;
    rc = jstr_copy(&s, small, sizeof(small));
    FUZZ_CHECK(rc == MU_ELIMIT ||
                   (rc >= 0 && (size_t)rc < sizeof(small) && small[rc] == '\0'),
               "jstr_copy: %d", rc);
    return MU_OK;
}

static int walk(struct jscan *js, unsigned mode, int depth)
{
    const char *b, *e;
    int64_t i;
    bool v;

    if ((mode & 4) && depth == 2)
        return js_skip_span(js, &b, &e);
    switch (js_peek(js)) {
    case JT_OBJ:
        return walk_obj(js, mode, depth);
    case JT_ARR:
        return walk_arr(js, mode, depth);
    case JT_STR:
        return walk_str(js, mode);
    case JT_NUM:
        return (mode & 1) ? js_i64(js, &i) : js_skip(js);
    case JT_TRUE:
    case JT_FALSE:
        return js_bool(js, &v);
    case JT_NULL:
        return js_maybe_null(js) == 1 ? MU_OK : MU_EINVAL;
    default:
        return js_skip(js);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jscan a, b;
    unsigned mode;
    int ra, rb;

    if (size == 0)
        return 0;
    mode = data[0];
    js_init(&a, (const char *)data + 1, size - 1);
    ra = walk(&a, mode, 0);
    if (!ra)
        ra = js_end(&a);
    if (ra)
        fuzz_check_err(js_error(&a), sizeof(a.err));
    js_init(&b, (const char *)data + 1, size - 1);
    rb = js_skip(&b);
    if (!rb)
        rb = js_end(&b);
    if (!(mode & 3))
        FUZZ_CHECK((ra == 0) == (rb == 0), "walk %d (%s), js_skip %d (%s)", ra,
                   js_error(&a), rb, js_error(&b));
    return 0;
}
