/* log.c - key=value line logger on stderr. */
#include "common.h"
#include "util/log.h"

#include <stdarg.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum log_level log_threshold = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error",
                                          "off"};

int log_set_level(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(level_names); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            log_threshold = (enum log_level)i;
            return MU_OK;
        }
    }
    return MU_EINVAL;
}

void log_emit(enum log_level lvl, const char *msg, const char *kvfmt, ...)
{
    char line[4096];
    struct timeval tv;
    struct tm tm;
    size_t n;
    int k;
    va_list ap;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    k = snprintf(line + n, sizeof(line) - n, ".%03dZ level=%s msg=\"%s\"",
                 (int)(tv.tv_usec / 1000), level_names[lvl], msg);
    n = MU_MIN(sizeof(line) - 2, n + (size_t)(k > 0 ? k : 0));
    if (kvfmt && *kvfmt && n < sizeof(line) - 3) {
        line[n++] = ' ';
        va_start(ap, kvfmt);
        k = vsnprintf(line + n, sizeof(line) - n - 1, kvfmt, ap);
        va_end(ap);
        n = MU_MIN(sizeof(line) - 2, n + (size_t)(k > 0 ? k : 0));
    }
    line[n++] = '\n';
    /* one write(2) per line: lines from threads never interleave */
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}
