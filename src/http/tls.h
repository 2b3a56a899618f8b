/* tls.h - HTTPS for the extender: the server certificate and key, the
 * optional client CA, checked with GnuTLS before libmicrohttpd sees them
 * (so a bad file is a clear startup error naming it), and the per-connection
 * check of a caller's client certificate. */
#ifndef MUSTER_HTTP_TLS_H
#define MUSTER_HTTP_TLS_H

#include "common.h"

/* Largest PEM file read (a CA bundle of a few hundred certificates fits). */
#define HTTP_TLS_MAX_PEM (1u << 20)

/* The PEM texts, NUL-terminated, owned; NULL when not configured. They stay
 * alive for the daemon's whole life. */
struct http_tls {
    char *cert;      /* --tls-cert: certificate (chain) */
    char *key;       /* --tls-key: its private key */
    char *client_ca; /* --client-ca: CA(s) for callers */
};

/* Read and check --tls-cert, --tls-key and --client-ca (ca_path may be
 * NULL): each file exists, is at most HTTP_TLS_MAX_PEM bytes and holds PEM
 * the way GnuTLS reads it; the key is unencrypted and matches the first
 * certificate. A certificate outside its validity period is logged, not
 * refused. RET MU_OK, or MU_EINVAL / MU_EIO / MU_ELIMIT with err naming the
 * flag, the file and what is wrong (t is then empty). */
int http_tls_load(struct http_tls *t, const char *cert_path,
                  const char *key_path, const char *ca_path, char *err,
                  size_t errlen);
void http_tls_fini(struct http_tls *t);

/* Is libmicrohttpd built with TLS? */
bool http_tls_supported(void);

/* The client certificate of a TLS session (a gnutls_session_t from
 * MHD_CONNECTION_INFO_GNUTLS_SESSION): present, signed by the --client-ca
 * the session trusts, in its validity period, and usable for TLS client
 * authentication. RET MU_OK, or MU_EINVAL with why saying what is wrong
 * (no certificate, unknown signer, expired, ...). */
int http_tls_check_client(void *session, char *why, size_t whylen);

#endif
