/* fuzz.h - shared by the libFuzzer targets in tests/fuzz: the entry point
 * prototypes and the few helpers every target needs (quiet logs, a check
 * that aborts so libFuzzer records the input as a crash). */
#ifndef MUSTER_TESTS_FUZZ_FUZZ_H
#define MUSTER_TESTS_FUZZ_FUZZ_H

#include "common.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the target checks on top of the sanitizers: a violation is
 * a bug, reported as a crash with its message. */
#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz check failed: %s: ", #cond);                 \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Parsers log what they reject; at millions of inputs that is noise. */
static inline void fuzz_quiet(void)
{
    log_set_level("off");
}

/* An error message must be a non-empty C string within its buffer. */
static inline void fuzz_check_err(const char *err, size_t cap)
{
    FUZZ_CHECK(memchr(err, '\0', cap) != NULL, "error not terminated");
    FUZZ_CHECK(err[0] != '\0', "failure without an error message");
}

#endif
