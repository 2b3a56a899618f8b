/* client.c - libcurl requests to kube-apiserver: auth headers, TLS options
 * (files or in-memory PEM blobs), keep-alive handle pool, timeouts, capped
 * or streamed reply bodies and error text naming the URL and the cause. */
#include "common.h"
#include "kube/client.h"
#include "util/jscan.h"
#include "util/xmalloc.h"

/* Per-request state shared with the curl callbacks. */
struct kctx {
    const struct kreq *rq;
    struct kresp *resp;
    CURL *h;
    int cb_rc;        /* a callback's abort code */
    bool overflow;    /* the buffered body passed its cap */
    int64_t next_tick;
};

int kclient_init(struct kclient *k, struct kube_conn *conn, long connect_ms,
                 long request_ms, char *err, size_t errlen)
{
    int rc;

    memset(k, 0, sizeof(*k));
    rc = kube_token_init(&k->token, conn, err, errlen);
    if (rc)
        return rc;
    k->conn = *conn;
    memset(conn, 0, sizeof(*conn));
    k->connect_ms = connect_ms > 0 ? connect_ms : 5000;
    k->request_ms = request_ms > 0 ? request_ms : 10000;
    pthread_mutex_init(&k->pool_mu, NULL);
    return MU_OK;
}

void kclient_fini(struct kclient *k)
{
    for (int i = 0; i < k->npool; i++)
        curl_easy_cleanup(k->pool[i]);
    k->npool = 0;
    pthread_mutex_destroy(&k->pool_mu);
    kube_token_fini(&k->token);
    kube_conn_fini(&k->conn);
}

static void set_blob(CURL *h, CURLoption opt, const struct kube_blob *b)
{
    struct curl_blob blob = {.data = b->data, .len = b->len,
                             .flags = CURL_BLOB_COPY};

    curl_easy_setopt(h, opt, &blob);
}

/* Options that stay the same for every request on a handle. */
static void handle_setup(struct kclient *k, CURL *h)
{
    const struct kube_conn *c = &k->conn;

    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, k->connect_ms);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "muster/" MUSTER_VERSION);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
    if (c->ca_data.data)
        set_blob(h, CURLOPT_CAINFO_BLOB, &c->ca_data);
    else if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    if (c->cert_data.data)
        set_blob(h, CURLOPT_SSLCERT_BLOB, &c->cert_data);
    else if (c->cert_file)
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
    if (c->key_data.data)
        set_blob(h, CURLOPT_SSLKEY_BLOB, &c->key_data);
    else if (c->key_file)
        curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
}

CURL *kclient_take(struct kclient *k)
{
    CURL *h = NULL;

    pthread_mutex_lock(&k->pool_mu);
    if (k->npool > 0)
        h = k->pool[--k->npool];
    pthread_mutex_unlock(&k->pool_mu);
    if (h)
        return h;
    h = curl_easy_init();
    MU_ASSERT(h != NULL);
    handle_setup(k, h);
    return h;
}

void kclient_give(struct kclient *k, CURL *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&k->pool_mu);
    if (k->npool < KCLIENT_POOL) {
        k->pool[k->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&k->pool_mu);
    if (h)
        curl_easy_cleanup(h);
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
    struct kctx *x = arg;
    size_t n = size * nmemb;
    long status = 0;

    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    if (x->cb_rc)
        return 0;
    if (x->rq->on_data && status >= 200 && status < 300) {
        x->cb_rc = x->rq->on_data(x->rq->arg, p, n);
        return x->cb_rc ? 0 : n;
    }
    if (buf_add(&x->resp->body, p, n)) {
        x->overflow = true;
        return 0;
    }
    return n;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
    struct kctx *x = arg;
    int64_t now;

    MU_UNUSED(dt);
    MU_UNUSED(dn);
    MU_UNUSED(ut);
    MU_UNUSED(un);
    if (!x->rq->on_tick)
        return 0;
    now = kube_now_ms();
    if (now < x->next_tick)
        return 0;
    x->next_tick = now + 250;
    /* Never overwrite the reason an earlier callback aborted with. */
    if (!x->cb_rc)
        x->cb_rc = x->rq->on_tick(x->rq->arg);
    return x->cb_rc ? 1 : 0;
}

/* Per-request options and headers; RET the header list to free. */
static struct curl_slist *request_setup(struct kclient *k, struct kctx *x,
                                        const char *url, const char *token)
{
    const struct kreq *rq = x->rq;
    struct curl_slist *hd = NULL;
    char *auth;

    curl_easy_setopt(x->h, CURLOPT_URL, url);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS,
                     rq->timeout_ms > 0 ? rq->timeout_ms : k->request_ms);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(x->h, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(x->h, CURLOPT_NOPROGRESS, rq->on_tick ? 0L : 1L);
    hd = curl_slist_append(hd, "Accept: application/json");
    if (rq->body) {
        hd = curl_slist_append(hd, "Content-Type: application/json");
        curl_easy_setopt(x->h, CURLOPT_POST, 1L);
        curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)rq->body_len);
    } else {
        curl_easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST,
                     strcmp(rq->method, "GET") && strcmp(rq->method, "POST")
                         ? rq->method : NULL);
    if (*token) {
        auth = xasprintf("Authorization: Bearer %s", token);
        hd = curl_slist_append(hd, auth);
        free(auth);
    }
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hd);
    return hd;
}

/* One attempt. RET MU_OK (a reply), MU_EIO, MU_ELIMIT or a callback code. */
static int do_once(struct kclient *k, struct kctx *x, const char *url,
                   bool force_token, char *err, size_t errlen)
{
    char token[KUBE_TOKEN_MAX], ebuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hd;
    CURLcode cc;

    if (kube_token_get(&k->token, force_token, token, sizeof(token)))
        token[0] = '\0';
    hd = request_setup(k, x, url, token);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, ebuf);
    buf_reset(&x->resp->body);
    x->cb_rc = MU_OK;
    x->overflow = false;
    x->next_tick = 0;
    cc = curl_easy_perform(x->h);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hd);
    explicit_bzero(token, sizeof(token));
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->resp->status);
    x->resp->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
    x->resp->retry_after_s = 0;
    if (x->resp->status == 429 || x->resp->status == 503) {
        curl_off_t ra = 0;

        if (curl_easy_getinfo(x->h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
            ra > 0)
            x->resp->retry_after_s = (long)MU_MIN(ra, 600);
    }
    if (x->cb_rc)
        return x->cb_rc;
    if (x->overflow) {
        snprintf(err, errlen, "%s %s: reply body larger than %zu bytes",
                 x->rq->method, url, x->rq->max_body);
        return MU_ELIMIT;
    }
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s %s: %s%s%s", x->rq->method, url,
                 curl_easy_strerror(cc), ebuf[0] ? ": " : "", ebuf);
        return MU_EIO;
    }
    return MU_OK;
}

int kclient_do(struct kclient *k, CURL *h, const struct kreq *rq,
               struct kresp *resp, char *err, size_t errlen)
{
    struct kctx x = {.rq = rq, .resp = resp, .h = h};
    char *url = xasprintf("%s%s", k->conn.server, rq->path);
    int rc;

    buf_init(&resp->body, rq->max_body);
    resp->status = 0;
    resp->timed_out = false;
    resp->retry_after_s = 0;
    rc = do_once(k, &x, url, false, err, errlen);
    /* A rotated token: the file may have changed within the last second. */
    if (rc == MU_OK && resp->status == 401 && k->token.file)
        rc = do_once(k, &x, url, true, err, errlen);
    free(url);
    return rc;
}

void kube_status_message(const char *body, size_t len, char *out, size_t cap)
{
    struct jscan js;
    struct jstr key, msg;
    size_t n;
    int r;

    out[0] = '\0';
    js_init(&js, body, len);
    if (js_obj_begin(&js) == MU_OK) {
        while ((r = js_obj_next(&js, &key)) > 0) {
            if (jstr_eq(&key, "message") && js_str(&js, &msg) == MU_OK) {
                if (jstr_copy(&msg, out, cap) >= 0)
                    return;
                break;
            }
            if (js_skip(&js))
                break;
        }
    }
    /* Not a Status: quote the start of the body, one line. */
    n = MU_MIN(len, cap - 1);
    for (size_t i = 0; i < n; i++)
        out[i] = (body[i] == '\n' || body[i] == '\r') ? ' ' : body[i];
    out[n] = '\0';
}

int kube_url_escape(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = MU_OK;

    for (; *s && rc == MU_OK; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            rc = buf_addc(b, (char)c);
        else
            rc = buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
    }
    return rc;
}
