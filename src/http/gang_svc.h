/* gang_svc.h - the service side of gang scheduling: the tick thread that
 * drives gang_tick on the real clock, answers held binds the gang table
 * hands back (timeouts, hold caps, releases of deleted members), patches
 * the wake-up annotation on parked members (kube mode), and the gang
 * series of /metrics. The decisions themselves live in src/queue. */
#ifndef MUSTER_HTTP_GANG_SVC_H
#define MUSTER_HTTP_GANG_SVC_H

#include "common.h"
#include "http/extender.h"
#include "util/buf.h"

#include <pthread.h>

#define GANG_SVC_TICK_MS 100

struct gang_svc {
    struct ext_service *ext;     /* borrowed */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started, stop, kicked;
    uint64_t patches, patch_errors;   /* wake-up patches sent / failed */
};

/* Create the gang table on ext (ext->gangs) and start the tick thread.
 * RET MU_OK or MU_EIO (thread creation failed). */
int gang_svc_start(struct gang_svc *g, struct ext_service *ext);
/* Run the tick now (after a callback queued work). Any thread. */
void gang_svc_kick(struct gang_svc *g);
/* Stop the thread and answer every held bind with an error; from then on
 * gang binds are refused, not held. Call before stopping the HTTP server;
 * free ext->gangs (gang_table_free) after it. Accepts a never-started g.
 * RET the number of held binds it answered. */
size_t gang_svc_stop(struct gang_svc *g);
/* Answer queued held binds and send queued wake-ups now (the tick thread
 * does this every GANG_SVC_TICK_MS). RET the binds answered. */
size_t gang_svc_flush(struct gang_svc *g);
/* The gang series in Prometheus text format. RET MU_OK or MU_ELIMIT. */
int gang_svc_metrics(struct gang_svc *g, struct buf *out);

#endif
