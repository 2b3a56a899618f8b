/* test_slow.h - MUSTER_TEST_SLOW: a factor (1..50, default 1) on the
 * integration tests' waits for processes to start, answer and stop, for
 * runs under valgrind (`make valgrind`), where muster starts and exits
 * 10-50 times slower. Only deadlines grow; no assertion changes.
 * test_reap: how the tests' cleanups stop a process they started. */
#ifndef MUSTER_TESTS_INTEGRATION_TEST_SLOW_H
#define MUSTER_TESTS_INTEGRATION_TEST_SLOW_H

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

static inline int test_slow(void)
{
    const char *s = getenv("MUSTER_TEST_SLOW");
    int v = 0;

    for (; s && *s >= '0' && *s <= '9' && v <= 50; s++)
        v = v * 10 + (*s - '0');
    return v < 1 ? 1 : v > 50 ? 50 : v;
}

/* SIGTERM, up to 5 s (times the factor) to exit, then SIGKILL; reaped.
 * A clean exit lets valgrind write its leak report. */
static inline void test_reap(pid_t pid)
{
    struct timespec ts = {0, 20 * 1000000L};

    kill(pid, SIGTERM);
    for (int i = 0; i < 250 * test_slow(); i++) {
        if (waitpid(pid, NULL, WNOHANG) != 0)
            return;
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

#endif
