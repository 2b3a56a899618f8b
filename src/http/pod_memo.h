/* pod_memo.h - the pods kube-scheduler asked muster to filter, by uid, so
 * that /bind (which carries only names and the uid) can put the bound pod
 * with its requests into the cluster. Bounded: past `max` entries the least
 * recently remembered one is dropped. Thread-safe (one mutex). */
#ifndef MUSTER_HTTP_POD_MEMO_H
#define MUSTER_HTTP_POD_MEMO_H

#include "common.h"
#include "cache/model.h"
#include "util/strmap.h"

#include <pthread.h>

#define POD_MEMO_MAX 10000

struct pod_memo_entry;

struct pod_memo {
    pthread_mutex_t mu;
    struct strmap by_uid;                /* uid -> entry */
    struct pod_memo_entry *head, *tail;  /* most recent first */
    size_t max;
};

void pod_memo_init(struct pod_memo *m, size_t max);
void pod_memo_fini(struct pod_memo *m);   /* frees every remembered pod */
/* Remember p (CONSUMED) under p->uid, replacing an older copy. A pod
 * without a uid is freed and not remembered. */
void pod_memo_put(struct pod_memo *m, struct pod *p);
/* RET a new deep copy of the pod remembered under uid (caller frees), or
 * NULL. */
struct pod *pod_memo_get(struct pod_memo *m, const char *uid);
size_t pod_memo_len(struct pod_memo *m);

#endif
