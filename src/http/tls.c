/* tls.c - the extender's HTTPS material: read the PEM files with a cap,
 * check them with GnuTLS (libmicrohttpd's own TLS library) so that a bad
 * file stops startup with its name, and verify callers' client
 * certificates against --client-ca. */
#include "common.h"
#include "http/tls.h"
#include "kube/conn.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <time.h>
#include <unistd.h>

/* The whole file, NUL-terminated, at most HTTP_TLS_MAX_PEM bytes; errors
 * are kube_read_file's, prefixed with the flag. */
static int read_pem(const char *flag, const char *path, char **out, char *err,
                    size_t errlen)
{
    char why[512];
    size_t n = 0;
    int rc = kube_read_file(path, HTTP_TLS_MAX_PEM, out, &n, why, sizeof(why));

    if (rc) {
        snprintf(err, errlen, "%s %s%s", flag, why,
                 rc == MU_ELIMIT ? ": not a PEM file?" : "");
        return rc;
    }
    if (n == 0) {
        FREE_NULL(*out);
        snprintf(err, errlen, "%s %s: the file is empty", flag, path);
        return MU_EINVAL;
    }
    return MU_OK;
}

static gnutls_datum_t datum(const char *pem)
{
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};

    return d;
}

/* A certificate that is not valid now is served anyway (the clock may be
 * off, or a renewal is on its way), but said loudly. */
static void warn_validity(const char *path, gnutls_x509_crt_t crt)
{
    time_t now = time(NULL);
    time_t nb = gnutls_x509_crt_get_activation_time(crt);
    time_t na = gnutls_x509_crt_get_expiration_time(crt);

    if (na != (time_t)-1 && na < now)
        log_warn("TLS certificate expired: callers will refuse it",
                 "file=%s expired_s_ago=%lld", path, (long long)(now - na));
    else if (nb != (time_t)-1 && nb > now)
        log_warn("TLS certificate not valid yet: callers will refuse it",
                 "file=%s valid_in_s=%lld", path, (long long)(nb - now));
}

/* The file holds at least one certificate and every one parses; warn:
 * also check the first one's validity period. */
static int check_certs(const char *flag, const char *path, const char *pem,
                       bool warn, char *err, size_t errlen)
{
    gnutls_datum_t d = datum(pem);
    gnutls_x509_crt_t *list = NULL;
    unsigned n = 0;
    int r = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);

    if (r < 0 || n == 0) {
        snprintf(err, errlen, "%s %s: no PEM certificate in the file (%s)",
                 flag, path, r < 0 ? gnutls_strerror(r) : "none found");
        return MU_EINVAL;
    }
    if (warn)
        warn_validity(path, list[0]);
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    return MU_OK;
}

static int check_key(const char *path, const char *pem, char *err,
                     size_t errlen)
{
    gnutls_x509_privkey_t key;
    gnutls_datum_t d = datum(pem);
    int r;

    if (gnutls_x509_privkey_init(&key) < 0) {
        snprintf(err, errlen, "--tls-key %s: GnuTLS cannot start", path);
        return MU_EIO;
    }
    r = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_x509_privkey_deinit(key);
    if (r == GNUTLS_E_DECRYPTION_FAILED) {
        snprintf(err, errlen,
                 "--tls-key %s: the key is encrypted; muster "
                 "needs an unencrypted PEM key",
                 path);
        return MU_EINVAL;
    }
    if (r < 0) {
        snprintf(err, errlen,
                 "--tls-key %s: no PEM private key in the file "
                 "(%s)",
                 path, gnutls_strerror(r));
        return MU_EINVAL;
    }
    return MU_OK;
}

/* The key belongs to the certificate: GnuTLS checks that when both are
 * loaded into one credential, as libmicrohttpd will do. */
static int check_pair(const struct http_tls *t, const char *cert_path,
                      const char *key_path, char *err, size_t errlen)
{
    gnutls_certificate_credentials_t cred;
    gnutls_datum_t c = datum(t->cert), k = datum(t->key);
    int r;

    if (gnutls_certificate_allocate_credentials(&cred) < 0) {
        snprintf(err, errlen, "--tls-cert: GnuTLS cannot start");
        return MU_EIO;
    }
    r = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM,
                                             NULL, 0);
    gnutls_certificate_free_credentials(cred);
    if (r == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
        snprintf(err, errlen,
                 "--tls-key %s does not match the certificate "
                 "of --tls-cert %s",
                 key_path, cert_path);
        return MU_EINVAL;
    }
    if (r < 0) {
        snprintf(err, errlen, "--tls-cert %s with --tls-key %s: %s", cert_path,
                 key_path, gnutls_strerror(r));
        return MU_EINVAL;
    }
    return MU_OK;
}

bool http_tls_supported(void)
{
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

int http_tls_load(struct http_tls *t, const char *cert_path,
                  const char *key_path, const char *ca_path, char *err,
                  size_t errlen)
{
    int rc;

    memset(t, 0, sizeof(*t));
    rc = read_pem("--tls-cert", cert_path, &t->cert, err, errlen);
    if (!rc)
        rc = check_certs("--tls-cert", cert_path, t->cert, true, err, errlen);
    if (!rc)
        rc = read_pem("--tls-key", key_path, &t->key, err, errlen);
    if (!rc)
        rc = check_key(key_path, t->key, err, errlen);
    if (!rc)
        rc = check_pair(t, cert_path, key_path, err, errlen);
    if (!rc && ca_path)
        rc = read_pem("--client-ca", ca_path, &t->client_ca, err, errlen);
    if (!rc && ca_path)
        rc = check_certs("--client-ca", ca_path, t->client_ca, false, err,
                         errlen);
    if (rc)
        http_tls_fini(t);
    return rc;
}

void http_tls_fini(struct http_tls *t)
{
    /* the key is a secret: do not leave it in freed memory */
    if (t->key)
        memset(t->key, 0, strlen(t->key));
    FREE_NULL(t->cert);
    FREE_NULL(t->key);
    FREE_NULL(t->client_ca);
}

int http_tls_check_client(void *session, char *why, size_t whylen)
{
    gnutls_session_t s = session;
    gnutls_typed_vdata_st purpose = {
        .type = GNUTLS_DT_KEY_PURPOSE_OID,
        .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
    gnutls_datum_t txt = {NULL, 0};
    unsigned status = 0;
    int r;

    if (!s) {
        snprintf(why, whylen, "not a TLS connection");
        return MU_EINVAL;
    }
    if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509 ||
        !gnutls_certificate_get_peers(s, NULL)) {
        snprintf(why, whylen, "no client certificate");
        return MU_EINVAL;
    }
    r = gnutls_certificate_verify_peers(s, &purpose, 1, &status);
    if (r < 0) {
        snprintf(why, whylen, "%s", gnutls_strerror(r));
        return MU_EINVAL;
    }
    if (status == 0)
        return MU_OK;
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
                                                     &txt, 0) == 0 &&
        txt.data) {
        size_t n;

        snprintf(why, whylen, "%s", (const char *)txt.data);
        n = strlen(why);
        while (n && why[n - 1] == ' ')
            why[--n] = '\0';
    } else {
        snprintf(why, whylen, "client certificate not trusted");
    }
    gnutls_free(txt.data);
    return MU_EINVAL;
}
