/* pod_memo.c - bounded LRU of the pods seen by /filter, by uid, for /bind. */
#include "common.h"
#include "http/pod_memo.h"
#include "util/xmalloc.h"

struct pod_memo_entry {
    struct pod *pod;                     /* owned; key = pod->uid */
    struct pod_memo_entry *prev, *next;  /* prev: more recent */
};

void pod_memo_init(struct pod_memo *m, size_t max)
{
    pthread_mutex_init(&m->mu, NULL);
    strmap_init(&m->by_uid);
    m->head = m->tail = NULL;
    m->max = max ? max : 1;
}

static void unlink_entry(struct pod_memo *m, struct pod_memo_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        m->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        m->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(struct pod_memo *m, struct pod_memo_entry *e)
{
    e->prev = NULL;
    e->next = m->head;
    if (m->head)
        m->head->prev = e;
    m->head = e;
    if (!m->tail)
        m->tail = e;
}

static void entry_drop(struct pod_memo *m, struct pod_memo_entry *e)
{
    strmap_del(&m->by_uid, e->pod->uid, strlen(e->pod->uid));
    unlink_entry(m, e);
    pod_free(e->pod);
    free(e);
}

void pod_memo_fini(struct pod_memo *m)
{
    while (m->head)
        entry_drop(m, m->head);
    strmap_fini(&m->by_uid);
    pthread_mutex_destroy(&m->mu);
}

void pod_memo_put(struct pod_memo *m, struct pod *p)
{
    struct pod_memo_entry *e;
    struct pod *old = NULL;

    if (!p->uid || !*p->uid) {
        pod_free(p);
        return;
    }
    pthread_mutex_lock(&m->mu);
    e = strmap_get(&m->by_uid, p->uid, strlen(p->uid));
    if (e) {
        /* same uid: the newer copy wins (its spec may have changed) */
        unlink_entry(m, e);
        old = e->pod;
    } else {
        e = xcalloc(1, sizeof(*e));
    }
    e->pod = p;
    /* re-key to the new pod's uid before the old one (the key) is freed */
    strmap_put(&m->by_uid, p->uid, strlen(p->uid), e);
    pod_free(old);
    push_front(m, e);
    while (strmap_len(&m->by_uid) > m->max)
        entry_drop(m, m->tail);
    pthread_mutex_unlock(&m->mu);
}

struct pod *pod_memo_get(struct pod_memo *m, const char *uid)
{
    struct pod_memo_entry *e;
    struct pod *copy = NULL;

    pthread_mutex_lock(&m->mu);
    e = strmap_get(&m->by_uid, uid, strlen(uid));
    if (e)
        copy = pod_dup(e->pod);
    pthread_mutex_unlock(&m->mu);
    return copy;
}

size_t pod_memo_len(struct pod_memo *m)
{
    size_t n;

    pthread_mutex_lock(&m->mu);
    n = strmap_len(&m->by_uid);
    pthread_mutex_unlock(&m->mu);
    return n;
}
