/* stream.h - splits a watch response body, which arrives in chunks that
 * may cut an event anywhere, into whole newline-terminated JSON events.
 * Private to src/kube. */
#ifndef MUSTER_KUBE_STREAM_H
#define MUSTER_KUBE_STREAM_H

#include "common.h"
#include "util/buf.h"

/* One complete event (without its '\n'); RET MU_OK to go on, anything else
 * stops kstream_feed, which returns it. */
typedef int (*kstream_fn)(void *arg, const char *line, size_t len);

struct kstream {
    struct buf part;     /* an event begun in an earlier chunk */
    kstream_fn fn;
    void *arg;
    size_t max;          /* the longest event accepted, in bytes */
    uint64_t events;     /* events delivered so far */
};

#define KSTREAM_MAX_EVENT (16u << 20)

void kstream_init(struct kstream *s, size_t max, kstream_fn fn, void *arg);
void kstream_fini(struct kstream *s);
/* Feed the next chunk. Events are delivered in order; lines holding only
 * white space are skipped. RET MU_OK, MU_ELIMIT when an event grows past
 * max (the stream cannot be trusted after that), or the callback's code. */
int kstream_feed(struct kstream *s, const char *p, size_t n);
/* Bytes of an incomplete event held back: at the end of a stream, a
 * non-zero value means the connection dropped mid-event. */
size_t kstream_pending(const struct kstream *s);
/* Forget any incomplete event (before reusing the splitter). */
void kstream_reset(struct kstream *s);

#endif
