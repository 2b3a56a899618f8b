/* guard.h - every open HTTP connection, and the --request-timeout deadline:
 * a request must arrive whole within that time from its first byte, or its
 * connection is closed (slowloris). libmicrohttpd's own timeout
 * (--conn-timeout) only cuts connections that send nothing at all, so a
 * client trickling one byte a second would hold a connection forever.
 *
 * How: libmicrohttpd calls the access handler only once the headers are
 * complete, so a trickled header is invisible to it. A guard thread looks
 * at every connection a few times per timeout instead: an idle connection
 * whose kernel byte count (TCP_INFO tcpi_bytes_received) grew since its last
 * request was read whole has begun a new request; one still receiving after
 * the timeout has its socket shut down, which libmicrohttpd sees as the
 * peer leaving and closes cleanly in its own thread. Idle keep-alive
 * connections are left to --conn-timeout: closing one that the client is
 * about to reuse would fail that call. A request read whole (being answered,
 * or a held bind) is never cut. */
#ifndef MUSTER_HTTP_GUARD_H
#define MUSTER_HTTP_GUARD_H

#include "common.h"

#include <pthread.h>
#include <sys/socket.h>

enum http_conn_state {
    HTTP_CONN_IDLE,      /* between requests (or none yet) */
    HTTP_CONN_RECEIVING, /* a request is arriving */
    HTTP_CONN_ANSWERING, /* the request is read whole */
};

/* One connection (libmicrohttpd's socket context). The state fields are
 * the guard's, under its mutex; client_ok is the connection thread's. */
struct http_conn {
    struct http_conn *prev, *next;
    int fd;
    struct sockaddr_storage peer;
    socklen_t peerlen;
    char peer_str[64]; /* "ip:port" for logs */
    enum http_conn_state state;
    uint64_t base_bytes; /* bytes received when last read whole */
    int64_t since_ns;    /* RECEIVING: first bytes seen */
    bool cut;            /* shut down for the deadline */
    int client_ok;       /* --client-ca: 0 unchecked, 1 ok, -1 no */
};

struct http_guard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stop;
    int64_t timeout_ns; /* 0: no deadline (no thread) */
    int64_t period_ns;  /* how often connections are looked at */
    struct http_conn *head;
    size_t nconns;
    uint64_t cut; /* connections closed for the deadline */
};

/* Start the guard; timeout_s 0 disables the deadline (connections are
 * still tracked). RET MU_OK or MU_EIO (no thread). */
int http_guard_start(struct http_guard *g, unsigned timeout_s);
/* Stop the thread and free what is left (call after the daemon stopped). */
void http_guard_stop(struct http_guard *g);

/* A connection opened (fd, peer address): RET its record, owned by the
 * guard until http_guard_close. */
struct http_conn *http_guard_open(struct http_guard *g, int fd,
                                  const struct sockaddr *peer);
void http_guard_close(struct http_guard *g, struct http_conn *c);

/* The connection's request: headers complete (begin), read whole
 * (received), answered (done). NULL c is ignored. */
void http_guard_begin(struct http_guard *g, struct http_conn *c);
void http_guard_received(struct http_guard *g, struct http_conn *c);
void http_guard_done(struct http_guard *g, struct http_conn *c);

/* How many connections the deadline closed so far. */
uint64_t http_guard_cut_count(struct http_guard *g);
/* How many connections are open now. */
size_t http_guard_open_count(struct http_guard *g);

#endif
