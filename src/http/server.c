/* server.c - libmicrohttpd setup and the per-request life cycle: route,
 * read the body into a capped buffer (413 past --max-body, checked against
 * Content-Length up front too), answer, time, count and log; HTTPS, the
 * client-certificate check and the connection limits. */
#include "common.h"
#include "http/http.h"
#include "http/record.h"
#include "http/ext_int.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <time.h>

/* A request in progress (MHD's per-connection-request context). */
struct http_req {
    const struct http_route *route;  /* NULL: answer `status` */
    int status;
    const char *allow;
    struct buf body;
    bool too_big;
    int64_t start_ns;
    /* A gang bind held open (ext_call.held): the connection is suspended
     * until another thread answers it through http_answer_held. `mu`
     * orders "suspend" against "answer", which may race. */
    struct http_server *srv;
    struct MHD_Connection *conn;
    struct http_conn *hc;        /* the connection's guard record */
    pthread_mutex_t mu;
    bool held, suspended, answered;
    int held_status;
    struct buf held_out;
    char pod[160];
};

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Content-Length as an unsigned decimal; false when absent or malformed
 * (MHD itself rejects a malformed one before we see it). */
static bool content_length(struct MHD_Connection *conn, uint64_t *out)
{
    const char *s = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t v = 0;

    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, int status,
                                  const char *ctype, const char *allow,
                                  struct buf *body)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t len = 0;
    char *data = buf_steal(body, &len);

    if (data)
        resp = MHD_create_response_from_buffer(len, data,
                                               MHD_RESPMEM_MUST_FREE);
    else
        resp = MHD_create_response_from_buffer(0, (void *)"",
                                               MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, int status,
                                  const char *allow, const char *msg)
{
    struct buf b;

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "{\"Error\":");
    ext_put_text(&b, msg, strlen(msg));   /* no '%', as for the verbs */
    buf_addc(&b, '}');
    return send_reply(conn, status, "application/json", allow, &b);
}

/* An error after which the connection closes: a caller without a valid
 * certificate (403) or with too large a body (413) gets nothing more on
 * it. */
static enum MHD_Result send_closing(struct MHD_Connection *conn, int status,
                                    const char *msg)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    struct buf b;
    size_t len = 0;
    char *data;

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "{\"Error\":");
    ext_put_text(&b, msg, strlen(msg));
    buf_addc(&b, '}');
    data = buf_steal(&b, &len);
    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The answer as one quoted log value: '"' becomes '\'', capped. */
static void log_value(const struct buf *b, char *dst, size_t cap)
{
    size_t k = 0;

    for (size_t i = 0; b->data && i < b->len && k + 1 < cap; i++)
        dst[k++] = b->data[i] == '"' ? '\'' : b->data[i];
    dst[k] = '\0';
}

static void log_call(enum ext_verb v, const struct ext_call *call,
                     int64_t ns)
{
    char answer[400];

    if (call->failed && LOG_WARN >= log_threshold) {
        log_value(call->out, answer, sizeof(answer));
        log_warn("callback failed", "verb=%s pod=%s nodes=%zu status=%d "
                 "duration_ms=%.3f answer=\"%s\"",
                 ext_verb_name(v), call->pod[0] ? call->pod : "-",
                 call->nnodes, call->status, (double)ns / 1e6, answer);
    } else if (!call->failed)
        log_debug("callback", "verb=%s pod=%s nodes=%zu status=%d "
                  "duration_ms=%.3f",
                  ext_verb_name(v), call->pod[0] ? call->pod : "-",
                  call->nnodes, call->status, (double)ns / 1e6);
}

/* A held bind is answered (any thread): keep the answer and resume the
 * connection if it is already suspended; MHD then calls on_request again,
 * which sends it. The resume comes after the unlock: once resumed, MHD's
 * thread may send the answer and free req (on_completed) at once, so req
 * must not be touched after it; until then the suspended connection keeps
 * req alive. */
static void http_answer_held(void *ticket, int status, struct buf *body)
{
    struct http_req *req = ticket;
    struct MHD_Connection *conn = NULL;

    pthread_mutex_lock(&req->mu);
    MU_ASSERT(!req->answered);
    buf_fini(&req->held_out);
    req->held_out = *body;
    buf_init(body, body->max);
    req->held_status = status;
    req->answered = true;
    if (req->suspended) {
        req->suspended = false;
        conn = req->conn;
    }
    pthread_mutex_unlock(&req->mu);
    if (conn)
        MHD_resume_connection(conn);
}

/* The held call's answer, once given: count, log and send it. */
static enum MHD_Result answer_held_reply(struct http_server *srv,
                                         struct MHD_Connection *conn,
                                         struct http_req *req)
{
    struct ext_call call = {.out = &req->held_out,
                            .status = req->held_status};
    int64_t ns = now_ns() - req->start_ns;

    call.failed = req->held_out.data &&
                  !strstr(req->held_out.data, "\"Error\":\"\"");
    snprintf(call.pod, sizeof(call.pod), "%s", req->pod);
    call.nnodes = 1;
    if (srv->metrics)
        metrics_observe(srv->metrics, EXT_BIND, ns, call.failed);
    log_call(EXT_BIND, &call, ns);
    record_call(srv->opts.record, ext_verb_name(EXT_BIND), req->held_status,
                req->body.data, req->body.len, req->held_out.data,
                req->held_out.len);
    return send_reply(conn, req->held_status, "application/json", NULL,
                      &req->held_out);
}

/* ext decided to hold the call: suspend it, unless its answer came first
 * (another thread completed the gang in between). */
static enum MHD_Result hold(struct http_server *srv,
                            struct MHD_Connection *conn, struct http_req *req,
                            const struct ext_call *call)
{
    snprintf(req->pod, sizeof(req->pod), "%s", call->pod);
    pthread_mutex_lock(&req->mu);
    if (req->answered) {
        pthread_mutex_unlock(&req->mu);
        return answer_held_reply(srv, conn, req);
    }
    MHD_suspend_connection(conn);
    req->suspended = true;
    pthread_mutex_unlock(&req->mu);
    return MHD_YES;
}

static enum MHD_Result answer_verb(struct http_server *srv,
                                   struct MHD_Connection *conn,
                                   struct http_req *req)
{
    enum ext_verb v = req->route->verb;
    struct buf out;
    struct ext_call call = {.body = req->body.data ? req->body.data : "",
                            .len = req->body.len, .out = &out,
                            .ticket = v == EXT_BIND ? req : NULL};
    int64_t ns;
    int rc;

    /* an answer is at most the body plus the reasons of every node */
    buf_init(&out, srv->opts.max_body + (16u << 20));
    /* A bind may be held: once ext_handle gives the ticket to the gang
     * table, another thread may answer it before ext_handle returns, so
     * req must already count as held (http_answer_held asserts it). */
    req->held = v == EXT_BIND;
    rc = ext_handle(srv->ext, v, &call);
    if (!rc && call.held) {
        buf_fini(&out);
        return hold(srv, conn, req, &call);
    }
    req->held = false;
    if (rc)
        rc = ext_answer_error(&call, v, 500, "muster could not build the "
                              "answer: it exceeds the size limit");
    ns = now_ns() - req->start_ns;
    if (srv->metrics)
        metrics_observe(srv->metrics, v, ns, call.failed);
    log_call(v, &call, ns);
    record_call(srv->opts.record, ext_verb_name(v), call.status,
                call.body, call.len, out.data, out.len);
    return send_reply(conn, call.status, "application/json", NULL, &out);
}

static enum MHD_Result answer(struct http_server *srv,
                              struct MHD_Connection *conn,
                              struct http_req *req, const char *method,
                              const char *url)
{
    struct http_reply rep = {.status = 200, .ctype = "text/plain"};
    struct buf body;
    char msg[300];

    if (req->held)
        return req->answered ? answer_held_reply(srv, conn, req) : MHD_YES;
    if (!req->route) {
        snprintf(msg, sizeof(msg), "%s %.200s: %s", method, url,
                 req->status == 405 ? "method not allowed"
                                    : "no such endpoint");
        return send_error(conn, req->status, req->allow, msg);
    }
    if (req->too_big) {
        snprintf(msg, sizeof(msg), "request body larger than %zu bytes "
                 "(--max-body)", srv->opts.max_body);
        return send_closing(conn, 413, msg);
    }
    if (req->route->verb != EXT_NVERBS)
        return answer_verb(srv, conn, req);
    buf_init(&body, BUF_UNLIMITED);
    rep.body = &body;
    if (req->route->fn(srv, &rep)) {
        buf_fini(&body);
        return send_error(conn, 500, NULL, "muster could not build the "
                          "answer");
    }
    return send_reply(conn, rep.status, rep.ctype, NULL, &body);
}

/* The guard record of the request's connection (its socket context). */
static struct http_conn *conn_record(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* GET /healthz and /readyz stay open with --client-ca: kubelet's HTTPS
 * probes present no client certificate, and they reveal nothing. */
static bool probe_path(const char *method, const char *url)
{
    return (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
           (!strcmp(url, "/healthz") || !strcmp(url, "/readyz"));
}

/* --client-ca: does the caller present a certificate signed by it? Checked
 * once per connection: the handshake, and so the certificate, is done. */
static bool client_allowed(struct http_server *srv,
                           struct MHD_Connection *conn, struct http_conn *hc,
                           char *msg, size_t len)
{
    const union MHD_ConnectionInfo *ci;
    char why[200];

    if (hc && hc->client_ok > 0)
        return true;
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!http_tls_check_client(ci ? ci->tls_session : NULL, why,
                               sizeof(why))) {
        if (hc)
            hc->client_ok = 1;
        return true;
    }
    if (hc)
        hc->client_ok = -1;
    __atomic_add_fetch(&srv->client_refused, 1, __ATOMIC_RELAXED);
    log_warn("client certificate refused", "peer=%s reason=\"%s\"",
             hc ? hc->peer_str : "-", why);
    snprintf(msg, len, "client certificate refused (--client-ca): %s", why);
    return false;
}

/* First call: route and check Content-Length. */
static enum MHD_Result begin(struct http_server *srv,
                             struct MHD_Connection *conn, const char *method,
                             const char *url, void **con_cls)
{
    struct http_req *req = xcalloc(1, sizeof(*req));
    uint64_t clen;
    char msg[300];

    req->start_ns = now_ns();
    req->srv = srv;
    req->conn = conn;
    req->hc = conn_record(conn);
    http_guard_begin(&srv->guard, req->hc);
    pthread_mutex_init(&req->mu, NULL);
    buf_init(&req->held_out, BUF_UNLIMITED);
    req->route = http_route_find(srv, method, url, &req->status, &req->allow);
    buf_init(&req->body, srv->opts.max_body);
    *con_cls = req;
    if (srv->opts.tls.client_ca && !probe_path(method, url) &&
        !client_allowed(srv, conn, req->hc, msg, sizeof(msg)))
        return send_closing(conn, 403, msg);
    if (!req->route || req->route->verb == EXT_NVERBS ||
        !content_length(conn, &clen))
        return MHD_YES;
    if (clen > srv->opts.max_body) {
        snprintf(msg, sizeof(msg), "request body of %llu bytes is larger "
                 "than %zu bytes (--max-body)",
                 (unsigned long long)clen, srv->opts.max_body);
        return send_closing(conn, 413, msg);
    }
    if (clen)
        buf_reserve(&req->body, (size_t)clen);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct http_req *req = *con_cls;

    MU_UNUSED(version);
    if (!req)
        return begin(srv, conn, method, url, con_cls);
    if (*upload_data_size) {
        /* only extender verbs keep their body; past the cap, discard */
        if (req->route && req->route->verb != EXT_NVERBS && !req->too_big &&
            buf_add(&req->body, upload_data, *upload_data_size)) {
            req->too_big = true;
            buf_fini(&req->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    http_guard_received(&srv->guard, req->hc);
    return answer(srv, conn, req, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
                         void **con_cls, enum MHD_RequestTerminationCode toe)
{
    struct http_req *req = *con_cls;
    struct http_server *srv = cls;

    MU_UNUSED(conn);
    MU_UNUSED(toe);
    if (!req)
        return;
    http_guard_done(&srv->guard, req->hc);
    buf_fini(&req->body);
    buf_fini(&req->held_out);
    pthread_mutex_destroy(&req->mu);
    free(req);
    *con_cls = NULL;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    MU_UNUSED(cls);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '"'))
        msg[--n] = '\0';
    log_warn("libmicrohttpd", "detail=\"%s\"", msg);
}

/* Connections come and go: keep the guard's record as the socket
 * context. */
static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    const union MHD_ConnectionInfo *fd, *addr;

    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_guard_close(&srv->guard, *socket_context);
        *socket_context = NULL;
        return;
    }
    fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    addr = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (fd)
        *socket_context = http_guard_open(&srv->guard, fd->connect_fd,
                                          addr ? addr->client_addr : NULL);
}

/* TLS 1.2 and 1.3 only, as kube-scheduler's Go client negotiates. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* The daemon's options, in an array since TLS adds some. */
static void daemon_options(struct http_server *srv, struct MHD_OptionItem *o)
{
    const struct http_opts *h = &srv->opts;
    size_t n = 0;

#define OPT(opt, val, ptr) o[n++] = (struct MHD_OptionItem){opt, val, ptr}
    OPT(MHD_OPTION_SOCK_ADDR, 0, (void *)&srv->opts.addr);
    OPT(MHD_OPTION_THREAD_POOL_SIZE, MU_MAX(1u, h->threads), NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT,
        h->conn_timeout_s ? h->conn_timeout_s : HTTP_CONN_TIMEOUT_S, NULL);
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (intptr_t)(h->max_header ? h->max_header : HTTP_DEFAULT_MAX_HEADER),
        NULL);
    OPT(MHD_OPTION_CONNECTION_LIMIT,
        h->max_conns ? h->max_conns : HTTP_DEFAULT_MAX_CONNS, NULL);
    OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->max_conns_per_ip, NULL);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv);
    OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv);
    if (h->tls.cert) {
        OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls.cert);
        OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls.key);
        OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITIES);
    }
    /* makes the server ask for a client certificate; whether one was
     * given and is valid, client_allowed checks */
    if (h->tls.cert && h->tls.client_ca)
        OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, h->tls.client_ca);
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
}

int http_server_start(struct http_server *srv, const struct http_opts *opts,
                      struct ext_service *ext, struct metrics *m, char *err,
                      size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;
    struct MHD_OptionItem o[16];

    memset(srv, 0, sizeof(*srv));
    srv->opts = *opts;
    srv->ext = ext;
    ext->answer_held = http_answer_held;
    srv->metrics = m;
    if (opts->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (opts->tls.cert)
        flags |= MHD_USE_TLS;
    if (http_guard_start(&srv->guard, opts->request_timeout_s)) {
        snprintf(err, errlen, "cannot start the connection guard thread");
        return MU_EIO;
    }
    daemon_options(srv, o);
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        /* the logger must come first to catch every message */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_ARRAY, o,
        MHD_OPTION_END);
    if (!srv->daemon) {
        http_guard_stop(&srv->guard);
        snprintf(err, errlen, "cannot listen (address in use, or not "
                              "allowed%s)", opts->tls.cert ? ", or TLS setup "
                              "failed: see the libmicrohttpd log line" : "");
        return MU_EIO;
    }
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    return MU_OK;
}

void http_server_stop(struct http_server *srv)
{
    if (srv->daemon) {
        MHD_stop_daemon(srv->daemon);
        http_guard_stop(&srv->guard);
    }
    srv->daemon = NULL;
}
