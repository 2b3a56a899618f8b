/* log.h - one line per event on stderr:
 *   2026-11-23T20:20:01.123Z level=info msg="listening" addr=127.0.0.1:8888
 * The message is quoted; fields are key=value pairs given as a printf format
 * (quote values that may hold spaces with %s inside \"\"). The level check
 * happens before any formatting, so debug lines cost a load and a compare
 * when disabled. Safe to call from any thread. Never log secrets. */
#ifndef MUSTER_UTIL_LOG_H
#define MUSTER_UTIL_LOG_H

#include "common.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern enum log_level log_threshold;

/* RET MU_OK, or MU_EINVAL for a name other than debug|info|warn|error|off */
int log_set_level(const char *name);
void log_emit(enum log_level lvl, const char *msg, const char *kvfmt, ...)
    MU_PRINTF(3, 4);

#define log_at(lvl, msg, ...)                                                  \
    do {                                                                       \
        if ((lvl) >= log_threshold)                                            \
            log_emit((lvl), (msg), __VA_ARGS__);                               \
    } while (0)
#define log_debug(msg, ...) log_at(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) log_at(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_at(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_at(LOG_ERROR, msg, __VA_ARGS__)

#endif
