/* record.c - the callback recorder behind `muster serve --record`. */
#include "common.h"
#include "http/record.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

struct recorder {
    pthread_mutex_t mu;
    char *path;
    FILE *f;
    int64_t size, max;
    bool broken;
};

int record_open(const char *path, int64_t max_bytes, struct recorder **out,
                char *err, size_t errlen)
{
    struct recorder *r;
    struct stat st;
    FILE *f = fopen(path, "a");

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return MU_EIO;
    }
    r = xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    r->path = xstrdup(path);
    r->f = f;
    r->max = max_bytes;
    r->size = fstat(fileno(f), &st) == 0 ? (int64_t)st.st_size : 0;
    *out = r;
    return MU_OK;
}

void record_free(struct recorder *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    pthread_mutex_destroy(&r->mu);
    free(r->path);
    free(r);
}

/* FILE -> FILE.1, and a fresh FILE. Caller holds the mutex. */
static int record_rotate(struct recorder *r)
{
    char *old = xasprintf("%s.1", r->path);
    int rc = MU_OK;

    fclose(r->f);
    r->f = NULL;
    if (rename(r->path, old) != 0 || !(r->f = fopen(r->path, "w")))
        rc = MU_EIO;
    r->size = 0;
    free(old);
    return rc;
}

static void record_line(struct buf *b, const char *verb, int status,
                        const char *req, size_t reqlen, const char *resp,
                        size_t resplen)
{
    struct timespec ts;
    struct tm tm;
    char when[40];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    buf_printf(b, "{\"time\":\"%s.%03ldZ\",\"verb\":\"%s\",\"status\":%d,"
               "\"request\":", when, ts.tv_nsec / 1000000, verb, status);
    buf_add_jstr(b, req ? req : "", req ? reqlen : 0);
    buf_adds(b, ",\"response\":");
    buf_add_jstr(b, resp ? resp : "", resp ? resplen : 0);
    buf_adds(b, "}\n");
}

void record_call(struct recorder *r, const char *verb, int status,
                 const char *req, size_t reqlen, const char *resp,
                 size_t resplen)
{
    struct buf b;
    int rc = MU_OK;

    if (!r)
        return;
    buf_init(&b, BUF_UNLIMITED);
    record_line(&b, verb, status, req, reqlen, resp, resplen);
    pthread_mutex_lock(&r->mu);
    if (!r->broken && r->size > 0 && r->size + (int64_t)b.len > r->max)
        rc = record_rotate(r);
    if (!r->broken && rc == MU_OK &&
        (fwrite(b.data, 1, b.len, r->f) != b.len || fflush(r->f)))
        rc = MU_EIO;
    if (!r->broken && rc) {
        r->broken = true;
        log_error("recording stopped", "file=%s error=\"%s\"", r->path,
                  strerror(errno));
    }
    r->size += (int64_t)b.len;
    pthread_mutex_unlock(&r->mu);
    buf_fini(&b);
}
