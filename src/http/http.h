/* http.h - the HTTP service: libmicrohttpd daemon, route table and the
 * non-extender endpoints (health, metrics, debug). Extender verbs are
 * answered by extender.h; this layer reads bodies (capped), times calls,
 * logs and counts them. */
#ifndef MUSTER_HTTP_HTTP_H
#define MUSTER_HTTP_HTTP_H

#include "common.h"
#include "http/extender.h"
#include "http/guard.h"
#include "http/metrics.h"
#include "http/tls.h"
#include "util/buf.h"

#include <netinet/in.h>
#include <sys/socket.h>

#define HTTP_DEFAULT_MAX_BODY (64u << 20)
/* Longer than Go's idle keep-alive (90 s): closing a connection the client
 * is about to reuse fails that callback. */
#define HTTP_CONN_TIMEOUT_S 300
/* --request-timeout: a request must arrive whole within this (slowloris);
 * kube-scheduler sends even a 5,000-node NodeList in well under a second. */
#define HTTP_REQUEST_TIMEOUT_S 30
/* --max-connections: above Go's idle pool for one kube-scheduler (and MHD's
 * own default of FD_SETSIZE - 4), below the NOFILE limit muster raises. */
#define HTTP_DEFAULT_MAX_CONNS 4096
/* --max-header: libmicrohttpd's per-connection memory (request line and
 * headers must fit; the body is read through it in pieces). */
#define HTTP_DEFAULT_MAX_HEADER (256u << 10)

struct http_opts {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    size_t max_body;             /* bytes; larger bodies get 413 */
    unsigned threads;            /* MHD thread pool size */
    bool debug_endpoints;        /* GET /debug/cache, /debug/gangs */
    struct recorder *record;     /* --record, borrowed; NULL: off */
    struct http_tls tls;         /* --tls-*, borrowed; cert NULL: HTTP */
    unsigned conn_timeout_s;     /* --conn-timeout (inactivity) */
    unsigned request_timeout_s;  /* --request-timeout; 0: none */
    unsigned max_conns;          /* --max-connections */
    unsigned max_conns_per_ip;   /* --max-connections-per-ip; 0: no cap */
    size_t max_header;           /* --max-header */
};

struct http_server {
    struct http_opts opts;
    struct ext_service *ext;     /* borrowed */
    struct metrics *metrics;     /* borrowed */
    struct MHD_Daemon *daemon;
    uint16_t port;               /* the port actually bound */
    struct http_guard guard;     /* open connections, --request-timeout */
    uint64_t client_refused;     /* --client-ca refusals (atomic) */
};

/* What a handler answers. The body buffer is the caller's. */
struct http_reply {
    int status;
    const char *ctype;
    struct buf *body;
    const char *allow;           /* Allow header for 405, or NULL */
};

struct http_route {
    const char *method;
    const char *path;
    /* EXT_NVERBS for non-extender routes */
    enum ext_verb verb;
    /* non-extender handler */
    int (*fn)(struct http_server *srv, struct http_reply *rep);
    bool debug;                  /* only with --debug-endpoints */
};

/* Find the route for method+path. Extender verbs also match with any path
 * prefix ("/muster/filter"), since kube-scheduler appends the verb to its
 * urlPrefix. RET the route, or NULL with *status 404 or 405 (and *allow set
 * for 405). */
const struct http_route *http_route_find(const struct http_server *srv,
                                         const char *method, const char *path,
                                         int *status, const char **allow);

/* Handlers in health.c. */
int http_healthz(struct http_server *srv, struct http_reply *rep);
int http_readyz(struct http_server *srv, struct http_reply *rep);
int http_metrics(struct http_server *srv, struct http_reply *rep);
/* The muster_http_* lines of /metrics: open connections, request-timeout
 * cuts, client certificate refusals. */
int http_conn_metrics(struct http_server *srv, struct buf *out);
int http_debug_cache(struct http_server *srv, struct http_reply *rep);
/* GET /debug/gangs: every gang's state, members, plan and why it waits. */
int http_debug_gangs(struct http_server *srv, struct http_reply *rep);

/* Start the daemon on opts->addr. RET MU_OK with srv->port set, or MU_EIO
 * with err saying why (address in use, ...). */
int http_server_start(struct http_server *srv, const struct http_opts *opts,
                      struct ext_service *ext, struct metrics *m, char *err,
                      size_t errlen);
/* Stop accepting, finish in-flight calls, free the daemon. */
void http_server_stop(struct http_server *srv);

#endif
