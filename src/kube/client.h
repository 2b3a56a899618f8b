/* client.h - HTTP requests to kube-apiserver over libcurl: TLS and bearer
 * auth from a struct kube_conn, keep-alive connections (a pool of easy
 * handles, each keeping its connection open), timeouts, capped bodies and
 * streamed watch bodies. Private to src/kube. */
#ifndef MUSTER_KUBE_CLIENT_H
#define MUSTER_KUBE_CLIENT_H

#include "common.h"
#include "kube/auth.h"
#include "kube/conn.h"
#include "util/buf.h"

#include <curl/curl.h>

#define KCLIENT_POOL 16

struct kclient {
    struct kube_conn conn;       /* owned */
    struct kube_token token;
    long connect_ms;
    long request_ms;
    pthread_mutex_t pool_mu;
    CURL *pool[KCLIENT_POOL];    /* idle handles with live connections */
    int npool;
};

struct kreq {
    const char *method;          /* "GET" or "POST" */
    const char *path;            /* "/api/v1/nodes?limit=500" */
    const char *body;            /* POST body (JSON) or NULL */
    size_t body_len;
    long timeout_ms;             /* whole request; 0: the client's default */
    size_t max_body;             /* cap on a buffered reply body */
    /* Streaming: a 2xx reply's body goes to on_data as it arrives instead
     * of into the response buffer (a non-2xx reply is still buffered, for
     * its Status message). A non-zero return aborts the request, and
     * kclient_do returns it. */
    int (*on_data)(void *arg, const char *p, size_t n);
    /* Called about once a second while the request runs (and on data):
     * non-zero aborts, and kclient_do returns it. */
    int (*on_tick)(void *arg);
    void *arg;
};

struct kresp {
    long status;                 /* HTTP status; 0 when none came */
    struct buf body;             /* buffered reply (initialised by do) */
    bool timed_out;              /* the request hit its timeout */
    long retry_after_s;          /* Retry-After of a 429/503, else 0 */
};

/* Take over *conn (it is zeroed) and prepare the token. */
int kclient_init(struct kclient *k, struct kube_conn *conn, long connect_ms,
                 long request_ms, char *err, size_t errlen);
void kclient_fini(struct kclient *k);

/* A handle for one thread's sequential requests; give it back after. */
CURL *kclient_take(struct kclient *k);
void kclient_give(struct kclient *k, CURL *h);

/* Run one request on h. A 401 re-reads the token file and retries once.
 * RET MU_OK when a reply came (whatever its status: see resp->status),
 * MU_EIO on a transport failure (err: "GET URL: cause"), MU_ELIMIT when the
 * buffered body passed max_body, or the callback's code. The caller must
 * buf_fini(&resp->body) in every case. */
int kclient_do(struct kclient *k, CURL *h, const struct kreq *rq,
               struct kresp *resp, char *err, size_t errlen);

/* The "message" of a Kubernetes Status body, or the body's start when it
 * is not one. Always NUL-terminates out. */
void kube_status_message(const char *body, size_t len, char *out, size_t cap);

/* Append s to b percent-encoded for a URL path segment or query value. */
int kube_url_escape(struct buf *b, const char *s);

#endif
