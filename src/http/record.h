/* record.h - `muster serve --record FILE`: every extender callback (verb,
 * HTTP status, request body, response body, time) appended to FILE as one
 * JSON line, for `muster replay`:
 *   {"time":"2026-11-23T21:40:00.123Z","verb":"filter","status":200,
 *    "request":"{...}","response":"{...}"}
 * Bodies are JSON strings (escaped), so a malformed request is recorded as
 * faithfully as a good one. When FILE would grow past max bytes it is
 * renamed FILE.1 (replacing an older FILE.1) and a new FILE is started.
 * Thread-safe: one mutex around each line. A write error is logged once
 * and recording stops; the service goes on. */
#ifndef MUSTER_HTTP_RECORD_H
#define MUSTER_HTTP_RECORD_H

#include "common.h"

#define RECORD_DEFAULT_MAX ((int64_t)100 << 20)

struct recorder;

/* Open (append to) path. RET MU_OK or MU_EIO with err set. */
int record_open(const char *path, int64_t max_bytes, struct recorder **out,
                char *err, size_t errlen);
/* Append one callback. */
void record_call(struct recorder *r, const char *verb, int status,
                 const char *req, size_t reqlen, const char *resp,
                 size_t resplen);
void record_free(struct recorder *r);   /* accepts NULL */

#endif
