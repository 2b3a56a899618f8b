/* metrics.h - the service's Prometheus metrics: callbacks and errors per
 * verb, latency histograms with fixed buckets, filter rejections per plugin
 * and reason. Updates are lock-free atomics, safe from any thread; the
 * exposition reads them without stopping writers. */
#ifndef MUSTER_HTTP_METRICS_H
#define MUSTER_HTTP_METRICS_H

#include "common.h"
#include "http/extender.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdatomic.h>

#define METRICS_NBUCKETS 15
#define METRICS_MAX_REJECT 128   /* distinct (plugin, reason) pairs */

struct metrics_hist {
    atomic_uint_fast64_t bucket[METRICS_NBUCKETS];  /* not cumulative */
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_ns;
};

struct metrics_reject {
    const char *plugin;          /* static strings (plugin tables) */
    const char *code;
    atomic_uint_fast64_t count;
};

struct metrics {
    atomic_uint_fast64_t requests[EXT_NVERBS];
    atomic_uint_fast64_t errors[EXT_NVERBS];
    struct metrics_hist latency[EXT_NVERBS];
    pthread_mutex_t reject_mu;   /* serialises adding a new pair */
    atomic_size_t nreject;       /* entries [0, nreject) are published */
    struct metrics_reject reject[METRICS_MAX_REJECT];
    atomic_uint_fast64_t reject_overflow;
};

void metrics_init(struct metrics *m);
void metrics_fini(struct metrics *m);
/* One answered callback: its duration and whether it reported an error. */
void metrics_observe(struct metrics *m, enum ext_verb v, int64_t ns,
                     bool error);
/* n more nodes rejected by `plugin` with reason code `code` (both must be
 * strings that live for the whole process). */
void metrics_reject(struct metrics *m, const char *plugin, const char *code,
                    uint64_t n);
/* Print the exposition (text format 0.0.4). Cache gauges come from c,
 * read under its read lock. RET MU_OK or MU_ELIMIT. */
int metrics_render(struct metrics *m, struct cluster *c, bool synced,
                   struct buf *out);

#endif
