/* auth.c - connection sources (in-cluster, --api-server) and the bearer
 * token that follows its file as it rotates. */
#include "common.h"
#include "kube/auth.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int64_t kube_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kube_conn_fini(struct kube_conn *c)
{
    FREE_NULL(c->server);
    FREE_NULL(c->ca_file);
    FREE_NULL(c->ca_data.data);
    FREE_NULL(c->cert_file);
    FREE_NULL(c->cert_data.data);
    FREE_NULL(c->key_file);
    FREE_NULL(c->key_data.data);
    FREE_NULL(c->token);
    FREE_NULL(c->token_file);
    memset(c, 0, sizeof(*c));
}

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

int kube_base64_decode(const char *in, size_t len, struct kube_blob *out)
{
    char *dst = xmalloc(len / 4 * 3 + 4);
    uint32_t acc = 0;
    size_t n = 0, bits = 0, pad = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        int v = b64_value(ch);

        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            continue;
        if (ch == '=') {
            pad++;
            continue;
        }
        if (v < 0 || pad)
            goto bad;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    /* Leftover bits must be padding zeros: 2 or 4 bits, never 6. */
    if (bits == 6 || pad > 2 || (acc & ((1u << bits) - 1)))
        goto bad;
    dst[n] = '\0';
    out->data = dst;
    out->len = n;
    return MU_OK;
bad:
    free(dst);
    return MU_EINVAL;
}

int kube_read_file(const char *path, size_t max, char **out, size_t *len,
                   char *err, size_t errlen)
{
    char *data = NULL;
    size_t n = 0, cap = 4096;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = MU_OK;

    *out = NULL;
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return MU_EIO;
    }
    data = xmalloc(cap);
    for (;;) {
        ssize_t r;

        if (n + 1 >= cap)
            data = xgrow(data, &cap, n + 4096, 1);
        r = read(fd, data + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            rc = MU_EIO;
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
            rc = MU_ELIMIT;
            goto out;
        }
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    data = NULL;
out:
    free(data);
    close(fd);
    return rc;
}

int kube_conn_in_cluster(const char *sa_dir, struct kube_conn *out, char *err,
                         size_t errlen)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    bool v6;

    memset(out, 0, sizeof(*out));
    if (!host || !*host || !port || !*port) {
        snprintf(err, errlen, "in-cluster: KUBERNETES_SERVICE_HOST and "
                              "KUBERNETES_SERVICE_PORT must both be set");
        return MU_EINVAL;
    }
    for (const char *p = port; *p; p++) {
        if (*p < '0' || *p > '9' || p - port > 5) {
            snprintf(err, errlen, "in-cluster: KUBERNETES_SERVICE_PORT \"%s\" "
                                  "is not a port number", port);
            return MU_EINVAL;
        }
    }
    v6 = strchr(host, ':') != NULL;
    out->server = xasprintf("https://%s%s%s:%s", v6 ? "[" : "", host,
                            v6 ? "]" : "", port);
    out->token_file = xasprintf("%s/token", sa_dir);
    out->ca_file = xasprintf("%s/ca.crt", sa_dir);
    if (access(out->ca_file, R_OK) != 0) {
        snprintf(err, errlen, "in-cluster: %s: %s", out->ca_file,
                 strerror(errno));
        kube_conn_fini(out);
        return MU_EIO;
    }
    return MU_OK;
}

int kube_conn_direct(const char *url, const char *token_file,
                     struct kube_conn *out, char *err, size_t errlen)
{
    size_t n = strlen(url);

    memset(out, 0, sizeof(*out));
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, errlen, "--api-server: \"%s\" is not an http:// or "
                              "https:// URL", url);
        return MU_EINVAL;
    }
    while (n > 0 && url[n - 1] == '/')
        n--;
    out->server = xstrndup(url, n);
    if (token_file)
        out->token_file = xstrdup(token_file);
    return MU_OK;
}

/* Read the token file into t->token. The caller holds t->mu. */
static int token_reload(struct kube_token *t, const struct stat *st,
                        char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int rc = kube_read_file(t->file, KUBE_TOKEN_MAX, &text, &len, err, errlen);

    if (rc)
        return rc;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
                       text[len - 1] == ' ' || text[len - 1] == '\t'))
        text[--len] = '\0';
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)text[i] < 0x21 || text[i] == 0x7f) {
            snprintf(err, errlen, "%s: the token holds a control or space "
                                  "character", t->file);
            free(text);
            return MU_EINVAL;
        }
    }
    free(t->token);
    t->token = text;
    t->mtime = st->st_mtim;
    t->ino = st->st_ino;
    t->size = st->st_size;
    return MU_OK;
}

int kube_token_init(struct kube_token *t, const struct kube_conn *conn,
                    char *err, size_t errlen)
{
    struct stat st;
    int rc = MU_OK;

    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    if (!conn->token_file) {
        t->token = xstrdup(conn->token ? conn->token : "");
        return MU_OK;
    }
    t->file = xstrdup(conn->token_file);
    if (stat(t->file, &st) != 0) {
        snprintf(err, errlen, "token file %s: %s", t->file, strerror(errno));
        rc = MU_EIO;
    } else {
        rc = token_reload(t, &st, err, errlen);
    }
    t->checked_ms = kube_now_ms();
    if (rc)
        kube_token_fini(t);
    return rc;
}

void kube_token_fini(struct kube_token *t)
{
    FREE_NULL(t->file);
    FREE_NULL(t->token);
    pthread_mutex_destroy(&t->mu);
}

/* Re-read the file if it changed. The caller holds t->mu. */
static void token_check(struct kube_token *t, bool force)
{
    char err[256];
    struct stat st;
    int64_t now = kube_now_ms();

    if (!force && now - t->checked_ms < 1000)
        return;
    t->checked_ms = now;
    if (stat(t->file, &st) != 0) {
        log_warn("token file unreadable, keeping the last token",
                 "file=%s error=\"%s\"", t->file, strerror(errno));
        return;
    }
    if (!force && st.st_ino == t->ino && st.st_size == t->size &&
        st.st_mtim.tv_sec == t->mtime.tv_sec &&
        st.st_mtim.tv_nsec == t->mtime.tv_nsec)
        return;
    if (token_reload(t, &st, err, sizeof(err)))
        log_warn("token reload failed, keeping the last token",
                 "error=\"%s\"", err);
    else
        log_info("token reloaded", "file=%s", t->file);
}

int kube_token_get(struct kube_token *t, bool force, char *out, size_t cap)
{
    int rc = MU_OK;

    pthread_mutex_lock(&t->mu);
    if (t->file)
        token_check(t, force);
    if (strlen(t->token) >= cap)
        rc = MU_ELIMIT;
    else
        strcpy(out, t->token);
    pthread_mutex_unlock(&t->mu);
    return rc;
}
