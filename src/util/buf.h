/* buf.h - growable byte buffer with a hard cap (R7). Every append either
 * fits under `max` or fails with MU_ELIMIT and leaves the buffer as it was;
 * the contents are always NUL-terminated. Also the JSON writer helpers used
 * to print responses straight into a buffer (no intermediate tree). */
#ifndef MUSTER_UTIL_BUF_H
#define MUSTER_UTIL_BUF_H

#include "common.h"

#include <stdarg.h>

struct buf {
    char *data;   /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;   /* the most bytes `len` may reach */
};

#define BUF_UNLIMITED ((size_t)-1)

void buf_init(struct buf *b, size_t max);
void buf_fini(struct buf *b);              /* frees data; buf reusable after init */
void buf_reset(struct buf *b);             /* len = 0, keeps the allocation */
int buf_reserve(struct buf *b, size_t extra);  /* MU_ELIMIT past max */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) MU_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
int buf_add_i64(struct buf *b, int64_t v);  /* fast integer printing */
/* Take ownership of the data (caller frees); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len);

/* JSON output: a quoted, escaped string. Escapes as Go does (", \, control
 * characters, and < > & as \u003c \u003e \u0026) so output compares byte for
 * byte with what kube-scheduler's own encoder would produce. */
int buf_add_jstr(struct buf *b, const char *s, size_t n);
static inline int buf_add_jstrz(struct buf *b, const char *s)
{
    return buf_add_jstr(b, s, strlen(s));
}

#endif
