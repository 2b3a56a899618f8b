/* xmalloc.h - allocation that never returns NULL: on exhaustion the process
 * aborts with a message. Size caps on every input keep hostile data from
 * getting here (R5, R7). */
#ifndef MUSTER_UTIL_XMALLOC_H
#define MUSTER_UTIL_XMALLOC_H

#include "common.h"

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array to hold at least `need` elements of `elem` bytes, doubling;
 * *cap is updated. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) MU_PRINTF(1, 2);

/* Free and clear: the pointer can never be used after free. */
#define FREE_NULL(p)                                                           \
    do {                                                                       \
        free(p);                                                               \
        (p) = NULL;                                                            \
    } while (0)

#endif
