/* jscan.h - a pull JSON scanner over a contiguous buffer: no allocation, no
 * tree. The decoders read only the fields they need and skip the rest at
 * memchr speed, which is what makes a 5 MB NodeList body affordable.
 *
 * The scanner tracks the path of the value under the cursor (keys and array
 * indexes), so any error names where it is:
 *     spec.containers[0].resources.requests.cpu: malformed quantity "1x"
 * The first error wins: after it every call returns MU_EINVAL and the
 * message stays as it was. Input must be RFC 8259 JSON (UTF-8 is passed
 * through unchecked); nesting deeper than JS_MAX_DEPTH is an error.
 *
 * Usage:
 *     struct jscan js; struct jstr key;
 *     js_init(&js, body, len);
 *     if (js_obj_begin(&js)) goto bad;
 *     while ((r = js_obj_next(&js, &key)) > 0) {
 *         if (jstr_eq(&key, "name")) rc = js_str_dup(&js, &name);
 *         else rc = js_skip(&js);
 *         if (rc) goto bad;
 *     }
 *     if (r < 0 || js_end(&js)) goto bad;
 */
#ifndef MUSTER_UTIL_JSCAN_H
#define MUSTER_UTIL_JSCAN_H

#include "common.h"
#include <stdarg.h>

#define JS_MAX_DEPTH 64

enum jtype { JT_NONE, JT_OBJ, JT_ARR, JT_STR, JT_NUM, JT_TRUE, JT_FALSE,
             JT_NULL };

/* A string as it appears in the input, between the quotes. When `esc` is
 * true it contains backslash escapes and must be decoded (js_str_dup,
 * jstr_copy) before use as text. */
struct jstr {
    const char *p;
    size_t n;
    bool esc;
};

struct jpath_seg {
    const char *key;   /* NULL for an array element */
    size_t klen;       /* or the index for an array element */
    bool in_array;     /* this level is an array */
};

struct jscan {
    const char *start, *p, *end;
    int depth;
    struct jpath_seg path[JS_MAX_DEPTH];
    const char *prefix;    /* prepended to paths in errors, e.g. "Pod" */
    bool failed;
    char err[256];
};

void js_init(struct jscan *js, const char *buf, size_t len);
/* Errors will read "<prefix>.<path>: message" (or "<prefix>: message"). */
void js_set_prefix(struct jscan *js, const char *prefix);

/* Type of the next value, after white space; JT_NONE at end of input or on a
 * character that cannot start a value (no error is recorded). */
enum jtype js_peek(struct jscan *js);

/* Objects. js_obj_begin consumes '{'. js_obj_next consumes the separator
 * and the next key and its ':' and RET 1 with *key set (the cursor is then
 * on the value, which the caller MUST consume or js_skip), 0 after the
 * closing '}', or MU_EINVAL. */
int js_obj_begin(struct jscan *js);
int js_obj_next(struct jscan *js, struct jstr *key);

/* Arrays: the same shape; js_arr_next RET 1 when an element follows. */
int js_arr_begin(struct jscan *js);
int js_arr_next(struct jscan *js);

/* Scalars: each consumes one value of that type, else MU_EINVAL with a
 * message naming the expected and the found type. */
int js_str(struct jscan *js, struct jstr *out);
int js_str_dup(struct jscan *js, char **out);      /* decoded, NUL-ended */
int js_i64(struct jscan *js, int64_t *out);        /* integers only */
int js_bool(struct jscan *js, bool *out);
int js_null(struct jscan *js);
/* Consume null and RET 1, or RET 0 leaving any other value in place. */
int js_maybe_null(struct jscan *js);
/* Skip one value of any type (validating it). */
int js_skip(struct jscan *js);
/* Skip one value and report its raw span [*begin, *end) in the input. */
int js_skip_span(struct jscan *js, const char **begin, const char **end);
/* After the top-level value: only white space may remain. */
int js_end(struct jscan *js);

/* Record an error at the current path (first error wins); RET MU_EINVAL. */
int js_fail(struct jscan *js, const char *fmt, ...) MU_PRINTF(2, 3);
const char *js_error(const struct jscan *js);

/* Key helpers. jstr_eq compares with a literal (decoding escapes if any);
 * jstr_ieq ignores ASCII case, as Go's encoding/json does for the extender
 * wire types. jstr_copy decodes into dst (cap bytes incl. NUL) and RET the
 * length, or MU_ELIMIT when it does not fit. jstr_dup allocates. */
bool jstr_eq(const struct jstr *s, const char *lit);
bool jstr_ieq(const struct jstr *s, const char *lit);
int jstr_copy(const struct jstr *s, char *dst, size_t cap);
char *jstr_dup(const struct jstr *s);

#endif
