/* common.h - included first by every muster source file: return codes,
 * assertions and the few macros every module uses. */
#ifndef MUSTER_COMMON_H
#define MUSTER_COMMON_H

#define _GNU_SOURCE 1
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUSTER_VERSION "0.1.0"

/* Return codes (R5): 0 is success, errors are negative. Never mixed with
 * counts: a function that counts returns the count through an OUT argument. */
enum {
    MU_OK = 0,
    MU_EINVAL = -1,  /* malformed input: bad JSON, wrong type, bad value */
    MU_ELIMIT = -2,  /* a size or count cap was exceeded */
    MU_ENOENT = -3,  /* the named object does not exist */
    MU_EIO = -4,     /* a file, socket or remote call failed */
    MU_ESTATE = -5,  /* not possible in the current state (not ready, ...) */
};

const char *mu_strerror(int rc);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Invariants that must hold in every build: a failed one is a bug, so abort
 * with the location rather than run on with corrupt state. */
#define MU_ASSERT(cond)                                                        \
    do {                                                                       \
        if (!(cond))                                                           \
            mu_assert_fail(#cond, __FILE__, __LINE__);                         \
    } while (0)

_Noreturn void mu_assert_fail(const char *expr, const char *file, int line);

#define MU_UNUSED(x) ((void)(x))

#define MU_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MU_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define MU_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MU_PRINTF(f, a)
#endif

#endif
