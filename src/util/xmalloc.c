/* xmalloc.c - the only place that calls malloc; aborts on exhaustion. */
#include "common.h"
#include "util/xmalloc.h"

#include <stdarg.h>

static _Noreturn void oom(size_t n)
{
    fprintf(stderr, "muster: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (!p)
        oom(nmemb * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        oom(n);
    return q;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap ? *cap : 4;

    if (need <= *cap)
        return p;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem)
            oom(SIZE_MAX);
        c *= 2;
    }
    *cap = c;
    return xrealloc(p, c * elem);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    return s;
}

const char *mu_strerror(int rc)
{
    switch (rc) {
    case MU_OK: return "ok";
    case MU_EINVAL: return "invalid input";
    case MU_ELIMIT: return "limit exceeded";
    case MU_ENOENT: return "not found";
    case MU_EIO: return "I/O error";
    case MU_ESTATE: return "not possible in the current state";
    }
    return "unknown error";
}

_Noreturn void mu_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "muster: assertion failed: %s (%s:%d)\n", expr, file,
            line);
    abort();
}
