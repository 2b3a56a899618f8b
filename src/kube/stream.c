/* stream.c - newline-delimited JSON event splitting with a capped carry-over
 * buffer. Whole events inside one chunk are handed out in place (no copy);
 * only an event cut by a chunk boundary is assembled in `part`. */
#include "common.h"
#include "kube/stream.h"

void kstream_init(struct kstream *s, size_t max, kstream_fn fn, void *arg)
{
    buf_init(&s->part, max);
    s->fn = fn;
    s->arg = arg;
    s->max = max;
    s->events = 0;
}

void kstream_fini(struct kstream *s)
{
    buf_fini(&s->part);
}

void kstream_reset(struct kstream *s)
{
    buf_reset(&s->part);
}

size_t kstream_pending(const struct kstream *s)
{
    return s->part.len;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    }
    return true;
}

static int deliver(struct kstream *s, const char *p, size_t n)
{
    if (blank(p, n))
        return MU_OK;
    s->events++;
    return s->fn(s->arg, p, n);
}

int kstream_feed(struct kstream *s, const char *p, size_t n)
{
    const char *end = p + n, *nl;
    int rc;

    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        if (s->part.len) {
            /* Complete the event begun in an earlier chunk. */
            if ((rc = buf_add(&s->part, p, (size_t)(nl - p))))
                return rc;
            rc = deliver(s, s->part.data, s->part.len);
            buf_reset(&s->part);
        } else {
            if ((size_t)(nl - p) > s->max)
                return MU_ELIMIT;
            rc = deliver(s, p, (size_t)(nl - p));
        }
        if (rc)
            return rc;
        p = nl + 1;
    }
    if (p < end)
        return buf_add(&s->part, p, (size_t)(end - p));
    return MU_OK;
}
