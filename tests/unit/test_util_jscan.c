/* test_util_jscan.c - the pull JSON scanner: every call, every error class
 * with its exact message and path, escapes, truncation and mutation. */
#include "common.h"
#include "util/buf.h"
#include "util/jscan.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

#define CAPTURED                                                               \
    "../shared/spec/captured/v1.20.2/001-nocache-filter.request.json"

/* Walk a whole value with the public calls (never js_skip), writing it back
 * compactly: the reference the fast skipper is checked against. */
static int walk(struct jscan *js, struct buf *out)
{
    struct jstr s;
    const char *b, *e;
    int r;

    switch (js_peek(js)) {
    case JT_OBJ:
        if (js_obj_begin(js))
            return MU_EINVAL;
        buf_addc(out, '{');
        while ((r = js_obj_next(js, &s)) > 0) {
            if (out->data[out->len - 1] != '{')
                buf_addc(out, ',');
            buf_addc(out, '"');
            buf_add(out, s.p, s.n);
            buf_adds(out, "\":");
            if (walk(js, out))
                return MU_EINVAL;
        }
        buf_addc(out, '}');
        return r;
    case JT_ARR:
        if (js_arr_begin(js))
            return MU_EINVAL;
        buf_addc(out, '[');
        while ((r = js_arr_next(js)) > 0) {
            if (out->data[out->len - 1] != '[')
                buf_addc(out, ',');
            if (walk(js, out))
                return MU_EINVAL;
        }
        buf_addc(out, ']');
        return r;
    default:
        if (js_skip_span(js, &b, &e))
            return MU_EINVAL;
        return buf_add(out, b, (size_t)(e - b));
    }
}

/* Whole-document check with js_skip + js_end; RET the message or "". */
static const char *skip_doc(struct jscan *js, const char *doc, size_t n)
{
    js_init(js, doc, n);
    if (js_skip(js) == MU_OK && js_end(js) == MU_OK)
        return "";
    cr_assert_neq(js_error(js)[0], '\0', "an error must leave a message");
    return js_error(js);
}

static const char *walk_doc(struct jscan *js, const char *doc, size_t n)
{
    struct buf out;
    int rc;

    buf_init(&out, BUF_UNLIMITED);
    js_init(js, doc, n);
    rc = walk(js, &out);
    buf_fini(&out);
    if (rc == MU_OK && js_end(js) == MU_OK)
        return "";
    cr_assert_neq(js_error(js)[0], '\0', "an error must leave a message");
    return js_error(js);
}

static char *read_captured(size_t *n)
{
    FILE *f = fopen(CAPTURED, "rb");
    char *d;
    long sz;

    cr_assert_not_null(f, "cannot open %s (tests run from the repo root)",
                       CAPTURED);
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    cr_assert_gt(sz, 1000);
    d = xmalloc((size_t)sz);
    cr_assert_eq(fread(d, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return d;
}

/* ---- basic calls ----------------------------------------------------- */

Test(jscan, peek_names_each_type_without_consuming)
{
    static const struct {
        const char *doc;
        enum jtype t;
    } cases[] = {
        { " {}", JT_OBJ },  { "[]", JT_ARR },     { "\"x\"", JT_STR },
        { "-1", JT_NUM },   { "7", JT_NUM },      { "true", JT_TRUE },
        { "false", JT_FALSE }, { "null", JT_NULL }, { "", JT_NONE },
        { "  ", JT_NONE },  { "+1", JT_NONE },    { "}", JT_NONE },
    };
    struct jscan js;
    size_t i;

    for (i = 0; i < ARRAY_LEN(cases); i++) {
        js_init(&js, cases[i].doc, strlen(cases[i].doc));
        cr_assert_eq(js_peek(&js), cases[i].t, "%s", cases[i].doc);
        cr_assert_eq(js_peek(&js), cases[i].t, "peek twice: %s", cases[i].doc);
        cr_assert_str_eq(js_error(&js), "", "peek records no error");
    }
}

Test(jscan, object_members_in_order_then_end)
{
    const char *doc = " { \"name\" : \"a\" ,\"n\":-42,\"ok\":true,\"x\":null,"
                      "\"skip\":{\"deep\":[1,2,{\"z\":[]}]}, \"f\":false } ";
    struct jscan js;
    struct jstr k;
    char *name = NULL;
    int64_t n = 0;
    bool ok = false, f = true;
    int r, seen = 0;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    while ((r = js_obj_next(&js, &k)) > 0) {
        seen++;
        if (jstr_eq(&k, "name"))
            cr_assert_eq(js_str_dup(&js, &name), MU_OK);
        else if (jstr_eq(&k, "n"))
            cr_assert_eq(js_i64(&js, &n), MU_OK);
        else if (jstr_eq(&k, "ok"))
            cr_assert_eq(js_bool(&js, &ok), MU_OK);
        else if (jstr_eq(&k, "f"))
            cr_assert_eq(js_bool(&js, &f), MU_OK);
        else if (jstr_eq(&k, "x"))
            cr_assert_eq(js_null(&js), MU_OK);
        else
            cr_assert_eq(js_skip(&js), MU_OK);
    }
    cr_assert_eq(r, 0);
    cr_assert_eq(js.depth, 0);
    cr_assert_eq(js_end(&js), MU_OK);
    cr_assert_eq(seen, 6);
    cr_assert_str_eq(name, "a");
    cr_assert_eq(n, -42);
    cr_assert(ok);
    cr_assert_not(f);
    free(name);
}

Test(jscan, arrays_index_and_empty_containers)
{
    const char *doc = "[[],{},[ ],{ }, 3 ,[[[]]]]";
    struct jscan js;
    int r, count = 0;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_arr_begin(&js), MU_OK);
    while ((r = js_arr_next(&js)) > 0) {
        cr_assert_eq(js.path[0].klen, (size_t)count);
        cr_assert(js.path[0].in_array);
        cr_assert_eq(js_skip(&js), MU_OK);
        count++;
    }
    cr_assert_eq(r, 0);
    cr_assert_eq(count, 6);
    cr_assert_eq(js_end(&js), MU_OK);

    js_init(&js, "{}", 2);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &(struct jstr){ 0 }), 0);
    cr_assert_eq(js_end(&js), MU_OK);
}

Test(jscan, path_keys_point_into_the_input_without_copy)
{
    const char *doc = "{\"spec\":{\"containers\":[{\"name\":1}]}}";
    struct jscan js;
    struct jstr k;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js.path[0].key, doc + 2);
    cr_assert_eq(js.path[0].klen, 4);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js_arr_begin(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js.depth, 3);
    cr_assert_eq(js_skip(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 0);
    cr_assert_eq(js.depth, 2, "closing the array pops its level");
    cr_assert_eq(js_obj_next(&js, &k), 0);
    cr_assert_eq(js_obj_next(&js, &k), 0);
    cr_assert_eq(js.depth, 0);
    cr_assert_eq(js_end(&js), MU_OK);
}

Test(jscan, str_gives_raw_span_and_escape_flag)
{
    struct jscan js;
    struct jstr s;

    js_init(&js, " \"plain\"", 8);
    cr_assert_eq(js_str(&js, &s), MU_OK);
    cr_assert_eq(s.n, 5);
    cr_assert_eq(memcmp(s.p, "plain", 5), 0);
    cr_assert_not(s.esc);
    cr_assert_eq(js_end(&js), MU_OK);

    js_init(&js, "\"a\\nb\"", 6);
    cr_assert_eq(js_str(&js, &s), MU_OK);
    cr_assert_eq(s.n, 4);
    cr_assert(s.esc);

    js_init(&js, "\"\"", 2);
    cr_assert_eq(js_str(&js, &s), MU_OK);
    cr_assert_eq(s.n, 0);
}

Test(jscan, str_dup_decodes_every_escape)
{
    const char *doc = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u20ac"
                      " \\ud83d\\ude00 raw\xc3\xa9\"";
    struct jscan js;
    char *s = NULL;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_str_dup(&js, &s), MU_OK);
    cr_assert_str_eq(s, "q\" b\\ s/ \b\f\n\r\t A\xc3\xa9\xe2\x82\xac"
                        " \xf0\x9f\x98\x80 raw\xc3\xa9");
    free(s);
}

Test(jscan, unpaired_surrogates_become_replacement_char_like_go)
{
    static const struct {
        const char *doc, *want;
    } cases[] = {
        { "\"\\ud800\"", "\xef\xbf\xbd" },
        { "\"\\udc00x\"", "\xef\xbf\xbdx" },
        { "\"\\ud800\\u0041\"", "\xef\xbf\xbd" "A" },
        { "\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80" },
        { "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },
        { "\"\\ud800\\n\"", "\xef\xbf\xbd\n" },
    };
    struct jscan js;
    size_t i;
    char *s;

    for (i = 0; i < ARRAY_LEN(cases); i++) {
        js_init(&js, cases[i].doc, strlen(cases[i].doc));
        cr_assert_eq(js_str_dup(&js, &s), MU_OK, "%s", cases[i].doc);
        cr_assert_str_eq(s, cases[i].want, "%s", cases[i].doc);
        free(s);
    }
}

Test(jscan, str_dup_refuses_nul_but_jstr_copy_keeps_it)
{
    struct jscan js;
    struct jstr s;
    char *d = NULL, buf[8];

    js_init(&js, "{\"name\":\"a\\u0000b\"}", 19);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &s), 1);
    cr_assert_eq(js_str_dup(&js, &d), MU_EINVAL);
    cr_assert_null(d);
    cr_assert_str_eq(js_error(&js),
                     "name: string contains a NUL character (\\u0000)");

    js_init(&js, "\"a\\u0000b\"", 10);
    cr_assert_eq(js_str(&js, &s), MU_OK);
    cr_assert_eq(jstr_copy(&s, buf, sizeof(buf)), 3);
    cr_assert_eq(memcmp(buf, "a\0b", 4), 0);
}

Test(jscan, jstr_eq_and_ieq_decode_escaped_keys)
{
    struct jstr plain = { "name", 4, false };
    struct jstr esc = { "n\\u0061me", 9, true };
    struct jstr quote = { "a\\\"b", 4, true };
    struct jstr upper = { "No\\u0064eNames", 14, true };

    cr_assert(jstr_eq(&plain, "name"));
    cr_assert_not(jstr_eq(&plain, "nam"));
    cr_assert_not(jstr_eq(&plain, "names"));
    cr_assert_not(jstr_eq(&plain, "Name"));
    cr_assert(jstr_eq(&esc, "name"));
    cr_assert_not(jstr_eq(&esc, "nam"));
    cr_assert_not(jstr_eq(&esc, "namex"));
    cr_assert_not(jstr_eq(&esc, "n\\u0061me"));
    cr_assert(jstr_eq(&quote, "a\"b"));
    cr_assert(jstr_ieq(&plain, "NAME"));
    cr_assert(jstr_ieq(&esc, "nAmE"));
    cr_assert(jstr_ieq(&upper, "nodenames"));
    cr_assert(jstr_ieq(&upper, "NodeNames"));
    cr_assert_not(jstr_ieq(&upper, "nodename"));
    cr_assert_not(jstr_ieq(&plain, "nane"));
    cr_assert(jstr_eq(&(struct jstr){ "", 0, false }, ""));
    cr_assert(jstr_ieq(&(struct jstr){ "", 0, false }, ""));
}

Test(jscan, jstr_copy_respects_capacity)
{
    struct jstr plain = { "abcd", 4, false };
    struct jstr esc = { "\\u20ac", 6, true }; /* 3 bytes decoded */
    char buf[8];
    char *d;

    cr_assert_eq(jstr_copy(&plain, buf, 5), 4);
    cr_assert_str_eq(buf, "abcd");
    cr_assert_eq(jstr_copy(&plain, buf, 4), MU_ELIMIT);
    cr_assert_eq(jstr_copy(&esc, buf, 4), 3);
    cr_assert_str_eq(buf, "\xe2\x82\xac");
    cr_assert_eq(jstr_copy(&esc, buf, 3), MU_ELIMIT);
    cr_assert_eq(jstr_copy(&esc, buf, 0), MU_ELIMIT);
    d = jstr_dup(&esc);
    cr_assert_str_eq(d, "\xe2\x82\xac");
    free(d);
    d = jstr_dup(&plain);
    cr_assert_str_eq(d, "abcd");
    free(d);
}

Test(jscan, i64_accepts_integers_across_the_whole_range)
{
    static const struct {
        const char *doc;
        int64_t v;
    } cases[] = {
        { "0", 0 },
        { "-0", 0 },
        { " 42 ", 42 },
        { "-17", -17 },
        { "9223372036854775807", INT64_MAX },
        { "-9223372036854775808", INT64_MIN },
    };
    struct jscan js;
    int64_t v;
    size_t i;

    for (i = 0; i < ARRAY_LEN(cases); i++) {
        js_init(&js, cases[i].doc, strlen(cases[i].doc));
        cr_assert_eq(js_i64(&js, &v), MU_OK, "%s", cases[i].doc);
        cr_assert_eq(v, cases[i].v, "%s", cases[i].doc);
        cr_assert_eq(js_end(&js), MU_OK);
    }
}

static const char *i64_err(const char *doc)
{
    static struct jscan js;
    int64_t v = 99;

    js_init(&js, doc, strlen(doc));
    js_set_prefix(&js, "Pod");
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &(struct jstr){ 0 }), 1);
    cr_assert_eq(js_i64(&js, &v), MU_EINVAL, "%s", doc);
    cr_assert_eq(v, 99, "no value on error");
    return js_error(&js);
}

Test(jscan, i64_rejects_fractions_exponents_and_out_of_range)
{
    cr_assert_str_eq(i64_err("{\"n\":5.0}"),
                     "Pod.n: expected integer, found 5.0");
    cr_assert_str_eq(i64_err("{\"n\":1e3}"),
                     "Pod.n: expected integer, found 1e3");
    cr_assert_str_eq(i64_err("{\"n\":-2E-1}"),
                     "Pod.n: expected integer, found -2E-1");
    cr_assert_str_eq(i64_err("{\"n\":9223372036854775808}"),
                     "Pod.n: number 9223372036854775808 out of int64 range");
    cr_assert_str_eq(i64_err("{\"n\":-9223372036854775809}"),
                     "Pod.n: number -9223372036854775809 out of int64 range");
    cr_assert_str_eq(i64_err("{\"n\":123456789012345678901234567890}"),
                     "Pod.n: number 123456789012345678901234567890 out of "
                     "int64 range");
    cr_assert_str_eq(i64_err("{\"n\":\"5\"}"),
                     "Pod.n: expected integer, found string");
    cr_assert_str_eq(i64_err("{\"n\":true}"),
                     "Pod.n: expected integer, found boolean");
    cr_assert_str_eq(i64_err("{\"n\":01}"),
                     "Pod.n: invalid number: leading zero");
    cr_assert_str_eq(i64_err("{\"n\":-}"),
                     "Pod.n: invalid character '}' in number");
}

Test(jscan, bool_null_and_maybe_null)
{
    struct jscan js;
    bool b = false;

    js_init(&js, "[true,false,null,1]", 19);
    cr_assert_eq(js_arr_begin(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js_maybe_null(&js), 0, "true is left in place");
    cr_assert_eq(js_bool(&js, &b), MU_OK);
    cr_assert(b);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js_bool(&js, &b), MU_OK);
    cr_assert_not(b);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js_maybe_null(&js), 1);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js_maybe_null(&js), 0);
    cr_assert_eq(js_null(&js), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "[3]: expected null, found number");
    cr_assert_eq(js_maybe_null(&js), MU_EINVAL,
                 "after an error every call fails");

    js_init(&js, "nulx", 4);
    cr_assert_eq(js_maybe_null(&js), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "invalid character 'x' in literal null");
    js_init(&js, "1", 1);
    cr_assert_eq(js_bool(&js, &b), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "expected boolean, found number");
}

Test(jscan, skip_span_reports_the_raw_value)
{
    const char *doc = "{\"a\": [1, {\"b\": \"x\"}] , \"c\":2}";
    struct jscan js;
    struct jstr k;
    const char *b = NULL, *e = NULL;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js_skip_span(&js, &b, &e), MU_OK);
    cr_assert_eq(e - b, 15);
    cr_assert_eq(memcmp(b, "[1, {\"b\": \"x\"}]", 15), 0);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert(jstr_eq(&k, "c"));
    cr_assert_eq(js_skip_span(&js, &b, &e), MU_OK);
    cr_assert_eq(*b, '2');
    cr_assert_eq(e - b, 1);
}

/* ---- error messages and paths --------------------------------------- */

Test(jscan, type_error_names_full_path_with_prefix)
{
    const char *doc = "{\"spec\":{\"containers\":[{\"resources\":{\"requests\":"
                      "{\"cpu\":2}}}]}}";
    struct jscan js;
    struct jstr k, s;
    int i;

    js_init(&js, doc, strlen(doc));
    js_set_prefix(&js, "Pod");
    for (i = 0; i < 2; i++) {
        cr_assert_eq(js_obj_begin(&js), MU_OK);
        cr_assert_eq(js_obj_next(&js, &k), 1);
    }
    cr_assert_eq(js_arr_begin(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 1);
    for (i = 0; i < 3; i++) {
        cr_assert_eq(js_obj_begin(&js), MU_OK);
        cr_assert_eq(js_obj_next(&js, &k), 1);
    }
    cr_assert_eq(js_str(&js, &s), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "Pod.spec.containers[0].resources.requests"
                                    ".cpu: expected string, found number");
    /* first error wins, and every call now fails */
    cr_assert_eq(js_fail(&js, "other"), MU_EINVAL);
    cr_assert_eq(js_skip(&js), MU_EINVAL);
    cr_assert_eq(js_obj_next(&js, &k), MU_EINVAL);
    cr_assert_eq(js_end(&js), MU_EINVAL);
    cr_assert_eq(js_peek(&js), JT_NONE);
    cr_assert_str_eq(js_error(&js), "Pod.spec.containers[0].resources.requests"
                                    ".cpu: expected string, found number");
}

Test(jscan, error_at_top_level_and_without_prefix)
{
    struct jscan js;
    struct jstr k;

    js_init(&js, "[1]", 3);
    cr_assert_eq(js_obj_begin(&js), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "expected object, found array");

    js_init(&js, "[1]", 3);
    js_set_prefix(&js, "Pod");
    cr_assert_eq(js_obj_begin(&js), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "Pod: expected object, found array");

    js_init(&js, "{\"a\":{\"b\":[]}}", 14);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js_obj_begin(&js), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "a.b: expected object, found array");
}

Test(jscan, top_level_array_paths_with_prefix)
{
    struct jscan js;
    struct jstr k;

    js_init(&js, "[{},{\"name\":7}]", 15);
    js_set_prefix(&js, "Nodes");
    cr_assert_eq(js_arr_begin(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js_skip(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js_fail(&js, "malformed quantity \"%s\"", "1x"), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "Nodes[1].name: malformed quantity \"1x\"");
}

Test(jscan, closed_containers_are_popped_from_the_path)
{
    const char *doc = "{\"a\":{\"b\":[1,2]},\"c\":\"x\"}";
    struct jscan js;
    struct jstr k;
    int64_t v;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js_skip(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &k), 1);
    cr_assert_eq(js_i64(&js, &v), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "c: expected integer, found string");
}

Test(jscan, escaped_keys_are_decoded_in_paths)
{
    const char *doc = "{\"a\\\"b\\u00e9\":{\"c\":[true]}}";
    struct jscan js;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &(struct jstr){ 0 }), 1);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &(struct jstr){ 0 }), 1);
    cr_assert_eq(js_arr_begin(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 1);
    js_fail(&js, "bad");
    cr_assert_str_eq(js_error(&js), "a\"b\xc3\xa9.c[0]: bad");
}

/* Found by tests/fuzz/fuzz_podgroup (tests/fuzz/regressions/podgroup/):
 * a key holding \u0000 put a NUL into the message, which then read "". */
Test(jscan, control_characters_in_keys_are_escaped_in_paths)
{
    const char *doc = "{\"\\u000006Aha\\u001f\":\xde}";
    struct jscan js;

    js_init(&js, doc, strlen(doc));
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    cr_assert_eq(js_obj_next(&js, &(struct jstr){ 0 }), 1);
    cr_assert_eq(js_skip(&js), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "\\u000006Aha\\u001f: invalid character "
                                    "'\\xde' looking for beginning of value");
}

Test(jscan, js_fail_formats_and_only_first_error_counts)
{
    struct jscan js;

    js_init(&js, "{}", 2);
    cr_assert_str_eq(js_error(&js), "");
    cr_assert_eq(js_fail(&js, "n=%d s=%s", 3, "x"), MU_EINVAL);
    cr_assert_str_eq(js_error(&js), "n=3 s=x");
    js_fail(&js, "second");
    cr_assert_str_eq(js_error(&js), "n=3 s=x");
    js_init(&js, "{}", 2);
    cr_assert_str_eq(js_error(&js), "", "js_init clears the error");
}

Test(jscan, long_paths_keep_the_message_whole)
{
    struct buf doc;
    struct jscan js;
    const char *err;
    int i;

    buf_init(&doc, BUF_UNLIMITED);
    for (i = 0; i < 40; i++)
        buf_printf(&doc, "{\"key_number_%02d_is_quite_long\":", i);
    buf_adds(&doc, "tru");
    for (i = 0; i < 40; i++)
        buf_addc(&doc, '}');
    err = skip_doc(&js, doc.data, doc.len);
    cr_assert_lt(strlen(err), sizeof(js.err));
    cr_assert_eq(strncmp(err, "...", 3), 0, "%s", err);
    cr_assert(strstr(err, "key_number_39_is_quite_long: invalid character "
                          "'}' in literal true"),
              "%s", err);

    /* a very long key is cut in the path */
    buf_reset(&doc);
    buf_adds(&doc, "{\"");
    for (i = 0; i < 300; i++)
        buf_addc(&doc, 'k');
    buf_adds(&doc, "\":x}");
    err = skip_doc(&js, doc.data, doc.len);
    cr_assert(strstr(err, "kkk...: invalid character 'x' looking for "
                          "beginning of value"),
              "%s", err);
    buf_fini(&doc);
}

/* Each invalid document with the exact message js_skip + js_end give. */
static const struct {
    const char *doc, *msg;
} bad_docs[] = {
    { "", "unexpected end of input" },
    { "   ", "unexpected end of input" },
    { "{", "unexpected end of input" },
    { "[", "unexpected end of input" },
    { "{\"a\"", "unexpected end of input" },
    { "{\"a\":", "a: unexpected end of input" },
    { "{\"a\":1", "unexpected end of input" },
    { "{\"a\":1,", "unexpected end of input" },
    { "[1,", "unexpected end of input" },
    { "\"abc", "unexpected end of input" },
    { "\"ab\\", "unexpected end of input" },
    { "\"\\u12", "unexpected end of input" },
    { "tr", "unexpected end of input" },
    { "-", "unexpected end of input" },
    { "1.", "unexpected end of input" },
    { "1e", "unexpected end of input" },
    { "1e+", "unexpected end of input" },
    { "01", "invalid number: leading zero" },
    { "-01", "invalid number: leading zero" },
    { "+1", "invalid character '+' looking for beginning of value" },
    { ".5", "invalid character '.' looking for beginning of value" },
    { "NaN", "invalid character 'N' looking for beginning of value" },
    { "-Infinity", "invalid character 'I' in number" },
    { "1.e3", "invalid character 'e' after decimal point in number" },
    { "1ex", "invalid character 'x' in exponent of number" },
    { "trux", "invalid character 'x' in literal true" },
    { "fals", "unexpected end of input" },
    { "nil", "invalid character 'i' in literal null" },
    { "\"a\tb\"", "invalid control character 0x09 in string" },
    { "\"a\nb\"", "invalid control character 0x0a in string" },
    { "\"\\x\"", "invalid escape 'x' in string" },
    { "\"\\'\"", "invalid escape '\\x27' in string" },
    { "\"\\u12g4\"", "invalid character 'g' in \\u escape" },
    { "{\"a\" 1}", "expected ':' after object key, found '1'" },
    { "{\"a\":1,}", "expected a value after ',', found '}'" },
    { "{\"a\":1 \"b\":2}", "expected ',' or '}', found '\"'" },
    { "{1:2}", "expected string key, found '1'" },
    { "{'a':2}", "expected string key, found '\\x27'" },
    { "[1 2]", "expected ',' or ']', found '2'" },
    { "[1,]", "expected a value after ',', found ']'" },
    { "[,1]", "[0]: invalid character ',' looking for beginning of value" },
    { "{\"a\":[1,{\"b\":tru}]}",
      "a[1].b: invalid character '}' in literal true" },
    { "{\"a\":{\"b\":[0,1,02]}}", "a.b[2]: invalid number: leading zero" },
    { "1 2", "invalid character '2' after top-level value" },
    { "{} x", "invalid character 'x' after top-level value" },
    { "{}}", "invalid character '}' after top-level value" },
    { "\"a\"\x01", "invalid character '\\x01' after top-level value" },
    { "\xef\xbb\xbf{}",
      "invalid character '\\xef' looking for beginning of value" },
};

Test(jscan, invalid_documents_give_exact_messages)
{
    struct jscan js;
    size_t i;

    for (i = 0; i < ARRAY_LEN(bad_docs); i++) {
        const char *d = bad_docs[i].doc;

        cr_assert_str_eq(skip_doc(&js, d, strlen(d)), bad_docs[i].msg,
                         "js_skip on <%s>", d);
        cr_assert_str_eq(walk_doc(&js, d, strlen(d)), bad_docs[i].msg,
                         "walk on <%s>", d);
    }
}

Test(jscan, valid_documents_pass_and_round_trip)
{
    static const char *good[] = {
        "0", "-0", "0.5", "-0.0e-0", "1E+2", "12e3", "123.456E-7", "true",
        "false", "null", "\"\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00aF\"",
        "\"\xe2\x82\xac raw utf-8\"", "\"\x7f\"", "{}", "[]",
        " \t\r\n{ \"a\" : [ 1 , 2 , { } , [ ] ] , \"b\":null } \n",
        "[[[[[[[[[[]]]]]]]]]]", "{\"\":{\"\":\"\"}}",
        "{\"a\":1,\"a\":2}",
    };
    struct jscan js;
    struct buf out;
    size_t i;

    buf_init(&out, BUF_UNLIMITED);
    for (i = 0; i < ARRAY_LEN(good); i++) {
        cr_assert_str_eq(skip_doc(&js, good[i], strlen(good[i])), "", "%s",
                         good[i]);
        cr_assert_str_eq(walk_doc(&js, good[i], strlen(good[i])), "", "%s",
                         good[i]);
    }
    js_init(&js, good[16], strlen(good[16]));
    cr_assert_eq(walk(&js, &out), MU_OK);
    cr_assert_str_eq(out.data, "{\"a\":[1,2,{},[]],\"b\":null}");
    buf_fini(&out);
}

Test(jscan, big_numbers_are_skipped_but_not_read_as_int64)
{
    struct buf doc;
    struct jscan js;
    int64_t v;
    int i;

    buf_init(&doc, BUF_UNLIMITED);
    buf_adds(&doc, "[-");
    for (i = 0; i < 5000; i++)
        buf_addc(&doc, (char)('1' + i % 9));
    buf_adds(&doc, ".5e-99999999999999999999, 1e400]");
    cr_assert_str_eq(skip_doc(&js, doc.data, doc.len), "");
    js_init(&js, doc.data, doc.len);
    cr_assert_eq(js_arr_begin(&js), MU_OK);
    cr_assert_eq(js_arr_next(&js), 1);
    cr_assert_eq(js_i64(&js, &v), MU_EINVAL);
    cr_assert_lt(strlen(js_error(&js)), 120, "the number is cut in messages");
    cr_assert(strstr(js_error(&js), "...") != NULL);
    cr_assert_eq(strncmp(js_error(&js), "[0]: expected integer, found -1234",
                         34),
                 0, "%s", js_error(&js));
    buf_fini(&doc);
}

static void nested(struct buf *b, int depth, const char *open,
                   const char *close)
{
    int i;

    buf_reset(b);
    for (i = 0; i < depth; i++)
        buf_adds(b, open);
    buf_addc(b, '1');
    for (i = 0; i < depth; i++)
        buf_adds(b, close);
}

Test(jscan, nesting_limit_is_enforced_with_a_path)
{
    struct buf b;
    struct jscan js;
    const char *err;

    buf_init(&b, BUF_UNLIMITED);
    nested(&b, JS_MAX_DEPTH, "[", "]");
    cr_assert_str_eq(skip_doc(&js, b.data, b.len), "");
    cr_assert_str_eq(walk_doc(&js, b.data, b.len), "");
    nested(&b, JS_MAX_DEPTH + 1, "[", "]");
    err = skip_doc(&js, b.data, b.len);
    cr_assert(strstr(err, "[0][0][0]: nesting deeper than 64"), "%s", err);
    cr_assert_str_eq(walk_doc(&js, b.data, b.len), err);
    nested(&b, JS_MAX_DEPTH + 1, "{\"k\":", "}");
    err = skip_doc(&js, b.data, b.len);
    cr_assert(strstr(err, "k.k.k: nesting deeper than 64"), "%s", err);
    /* far deeper than the limit: no stack growth, same error */
    nested(&b, 100000, "[", "]");
    err = skip_doc(&js, b.data, b.len);
    cr_assert(strstr(err, "nesting deeper than 64"), "%s", err);
    buf_fini(&b);
}

Test(jscan, nesting_limit_counts_levels_already_open)
{
    struct buf b;
    struct jscan js;
    int i;

    buf_init(&b, BUF_UNLIMITED);
    nested(&b, JS_MAX_DEPTH, "[", "]");
    js_init(&js, b.data, b.len);
    for (i = 0; i < 10; i++) {
        cr_assert_eq(js_arr_begin(&js), MU_OK);
        cr_assert_eq(js_arr_next(&js), 1);
    }
    cr_assert_eq(js_skip(&js), MU_OK, "%s", js_error(&js));
    buf_reset(&b);
    nested(&b, JS_MAX_DEPTH + 1, "[", "]");
    js_init(&js, b.data, b.len);
    for (i = 0; i < 10; i++) {
        cr_assert_eq(js_arr_begin(&js), MU_OK);
        cr_assert_eq(js_arr_next(&js), 1);
    }
    cr_assert_eq(js_skip(&js), MU_EINVAL);
    cr_assert(strstr(js_error(&js), "nesting deeper than 64"));
    buf_fini(&b);
}

/* ---- realistic documents ---------------------------------------------- */

Test(jscan, captured_request_decodes_fully)
{
    struct jscan js;
    struct jstr k;
    size_t n;
    char *doc = read_captured(&n);
    char *name = NULL;
    int r, nodes = 0;

    cr_assert_str_eq(skip_doc(&js, doc, n), "");
    cr_assert_str_eq(walk_doc(&js, doc, n), "");
    /* read .Nodes.items[*].metadata.name like a decoder would */
    js_init(&js, doc, n);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    while ((r = js_obj_next(&js, &k)) > 0) {
        if (!jstr_eq(&k, "Nodes")) {
            cr_assert_eq(js_skip(&js), MU_OK);
            continue;
        }
        cr_assert_eq(js_obj_begin(&js), MU_OK);
        while (js_obj_next(&js, &k) > 0) {
            if (!jstr_eq(&k, "items")) {
                cr_assert_eq(js_skip(&js), MU_OK);
                continue;
            }
            cr_assert_eq(js_arr_begin(&js), MU_OK);
            while (js_arr_next(&js) > 0) {
                cr_assert_eq(js_obj_begin(&js), MU_OK);
                cr_assert_eq(js_obj_next(&js, &k), 1);
                cr_assert(jstr_eq(&k, "metadata"));
                cr_assert_eq(js_obj_begin(&js), MU_OK);
                cr_assert_eq(js_obj_next(&js, &k), 1);
                cr_assert_eq(js_str_dup(&js, &name), MU_OK);
                cr_assert_eq(name[5], 'a' + nodes);
                FREE_NULL(name);
                while (js_obj_next(&js, &k) > 0)
                    cr_assert_eq(js_skip(&js), MU_OK);
                while (js_obj_next(&js, &k) > 0)
                    cr_assert_eq(js_skip(&js), MU_OK);
                nodes++;
            }
        }
    }
    cr_assert_eq(r, 0, "%s", js_error(&js));
    cr_assert_eq(js_end(&js), MU_OK);
    cr_assert_eq(nodes, 3);
    free(doc);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);

    return n >= t && strcmp(s + n - t, tail) == 0;
}

Test(jscan, every_prefix_of_a_captured_request_is_an_error)
{
    struct jscan js;
    size_t n, len;
    char *doc = read_captured(&n);
    const char *err;

    /* The file may end with a newline: the document proper ends at '}'. */
    while (n && doc[n - 1] != '}')
        n--;
    for (len = 0; len < n; len++) {
        /* a fresh copy of exactly len bytes lets ASan catch over-reads */
        char *cut = xmalloc(len ? len : 1);

        memcpy(cut, doc, len);
        err = skip_doc(&js, cut, len);
        cr_assert(ends_with(err, "unexpected end of input"), "prefix %zu: %s",
                  len, err);
        cr_assert_str_eq(walk_doc(&js, cut, len), err, "walk prefix %zu", len);
        free(cut);
    }
    cr_assert_str_eq(skip_doc(&js, doc, n), "");
    free(doc);
}

/* Deterministic mutations of the captured request: the fast skipper and the
 * path-tracking walk must agree on every one, and never crash. */
Test(jscan, mutated_documents_never_crash_and_skippers_agree)
{
    static const char bytes[] = "{}[]\":,\\ 0-1.eE+tfnu\x01\x80x";
    struct jscan js;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    size_t n, i, pos;
    char *doc = read_captured(&n);
    char *m = xmalloc(n);
    int round, bad = 0;

    for (round = 0; round < 3000; round++) {
        char skip_msg[256];

        memcpy(m, doc, n);
        for (i = 0; i < 1 + (size_t)round % 3; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            pos = (size_t)(seed >> 33) % n;
            m[pos] = bytes[(seed >> 20) % (sizeof(bytes) - 1)];
        }
        snprintf(skip_msg, sizeof(skip_msg), "%s", skip_doc(&js, m, n));
        cr_assert_str_eq(walk_doc(&js, m, n), skip_msg, "round %d", round);
        cr_assert_str_neq(skip_msg, "invalid JSON value");
        bad += skip_msg[0] != '\0';
    }
    cr_assert_gt(bad, 1000, "most mutations must be caught");
    free(m);
    free(doc);
}
