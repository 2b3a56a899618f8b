/* guard.c - the open connections and the --request-timeout deadline (see
 * guard.h for why it is a thread watching kernel byte counts). */
#include "common.h"
#include "http/guard.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <time.h>

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Bytes the kernel received on the socket so far (TLS records included);
 * 0 when it cannot say (not TCP, or closed). */
static uint64_t bytes_received(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);

    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return 0;
    return ti.tcpi_bytes_received;
}

/* Still the socket the record was opened for? A file descriptor number is
 * reused once closed; the peer address tells another connection apart. */
static bool same_peer(const struct http_conn *c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getpeername(c->fd, (struct sockaddr *)&ss, &len) != 0)
        return false;
    return len == c->peerlen && memcmp(&ss, &c->peer, len) == 0;
}

static void peer_text(struct http_conn *c)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (c->peer.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)&c->peer;

        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        port = ntohs(a->sin_port);
    } else if (c->peer.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)&c->peer;

        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
    }
    snprintf(c->peer_str, sizeof(c->peer_str), "%s:%u", ip, port);
}

/* One look at every connection. The caller holds g->mu. */
static void guard_scan(struct http_guard *g, int64_t now)
{
    for (struct http_conn *c = g->head; c; c = c->next) {
        if (c->cut)
            continue;
        if (c->state == HTTP_CONN_IDLE &&
            bytes_received(c->fd) > c->base_bytes) {
            c->state = HTTP_CONN_RECEIVING;
            c->since_ns = now;
        }
        if (c->state != HTTP_CONN_RECEIVING ||
            now - c->since_ns <= g->timeout_ns)
            continue;
        if (!same_peer(c))
            continue;
        /* libmicrohttpd sees end-of-stream and closes it in its thread */
        shutdown(c->fd, SHUT_RDWR);
        c->cut = true;
        g->cut++;
        log_warn("request not received in time, connection closed",
                 "peer=%s request_timeout_s=%lld", c->peer_str,
                 (long long)(g->timeout_ns / 1000000000));
    }
}

static void *guard_main(void *arg)
{
    struct http_guard *g = arg;
    struct timespec ts;

    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        int64_t next = mono_ns() + g->period_ns;

        ts.tv_sec = (time_t)(next / 1000000000);
        ts.tv_nsec = (long)(next % 1000000000);
        while (!g->stop && pthread_cond_timedwait(&g->cv, &g->mu, &ts) == 0)
            ;
        if (!g->stop)
            guard_scan(g, mono_ns());
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int http_guard_start(struct http_guard *g, unsigned timeout_s)
{
    pthread_condattr_t ca;

    memset(g, 0, sizeof(*g));
    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    g->timeout_ns = (int64_t)timeout_s * 1000000000;
    /* a quarter of the timeout, 100 ms..1 s: cut at most that late */
    g->period_ns = MU_MIN(MU_MAX(g->timeout_ns / 4, 100000000), 1000000000);
    if (!timeout_s)
        return MU_OK;
    if (pthread_create(&g->thread, NULL, guard_main, g) != 0)
        return MU_EIO;
    g->running = true;
    return MU_OK;
}

void http_guard_stop(struct http_guard *g)
{
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    if (g->running)
        pthread_join(g->thread, NULL);
    g->running = false;
    while (g->head)
        http_guard_close(g, g->head);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
}

struct http_conn *http_guard_open(struct http_guard *g, int fd,
                                  const struct sockaddr *peer)
{
    struct http_conn *c = xcalloc(1, sizeof(*c));
    socklen_t len = sizeof(c->peer);

    c->fd = fd;
    c->state = HTTP_CONN_IDLE;
    /* getpeername gives the exact bytes same_peer compares with */
    if (getpeername(fd, (struct sockaddr *)&c->peer, &len) == 0)
        c->peerlen = len;
    else if (peer && peer->sa_family == AF_INET)
        memcpy(&c->peer, peer, sizeof(struct sockaddr_in));
    peer_text(c);
    pthread_mutex_lock(&g->mu);
    c->next = g->head;
    if (g->head)
        g->head->prev = c;
    g->head = c;
    g->nconns++;
    pthread_mutex_unlock(&g->mu);
    return c;
}

void http_guard_close(struct http_guard *g, struct http_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    g->nconns--;
    pthread_mutex_unlock(&g->mu);
    free(c);
}

void http_guard_begin(struct http_guard *g, struct http_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    if (c->state == HTTP_CONN_IDLE) {
        c->state = HTTP_CONN_RECEIVING;
        c->since_ns = mono_ns();
    }
    pthread_mutex_unlock(&g->mu);
}

void http_guard_received(struct http_guard *g, struct http_conn *c)
{
    uint64_t b;

    if (!c)
        return;
    b = bytes_received(c->fd);
    pthread_mutex_lock(&g->mu);
    c->state = HTTP_CONN_ANSWERING;
    c->base_bytes = b;
    pthread_mutex_unlock(&g->mu);
}

void http_guard_done(struct http_guard *g, struct http_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    /* a request that ended before it was read whole (413, 403, a client
     * gone) leaves its bytes behind: count from here */
    if (c->state != HTTP_CONN_ANSWERING)
        c->base_bytes = bytes_received(c->fd);
    c->state = HTTP_CONN_IDLE;
    pthread_mutex_unlock(&g->mu);
}

size_t http_guard_open_count(struct http_guard *g)
{
    size_t n;

    pthread_mutex_lock(&g->mu);
    n = g->nconns;
    pthread_mutex_unlock(&g->mu);
    return n;
}

uint64_t http_guard_cut_count(struct http_guard *g)
{
    uint64_t n;

    pthread_mutex_lock(&g->mu);
    n = g->cut;
    pthread_mutex_unlock(&g->mu);
    return n;
}
