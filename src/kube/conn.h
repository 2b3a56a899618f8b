/* conn.h - how to reach one kube-apiserver: its URL, TLS material and the
 * credentials, resolved from a kubeconfig file, the in-cluster service
 * account, or --api-server/--token-file. Private to src/kube. */
#ifndef MUSTER_KUBE_CONN_H
#define MUSTER_KUBE_CONN_H

#include "common.h"

/* Decoded bytes (PEM text from a *-data field). */
struct kube_blob {
    char *data;
    size_t len;
};

struct kube_conn {
    char *server;              /* base URL, no trailing '/' */
    char *ca_file;             /* certificate-authority */
    struct kube_blob ca_data;  /* certificate-authority-data, decoded */
    char *cert_file;           /* client-certificate */
    struct kube_blob cert_data;
    char *key_file;            /* client-key */
    struct kube_blob key_data;
    char *token;               /* a static bearer token */
    char *token_file;          /* re-read when it changes (rotation) */
    bool insecure;             /* insecure-skip-tls-verify */
};

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_MAX_BYTES (4u << 20)

void kube_conn_fini(struct kube_conn *c);

/* Parse kubeconfig text (YAML) and resolve its current context. `path`
 * names the file in errors, and relative file paths in it are taken
 * relative to its directory (as kubectl does). OUT *out on MU_OK (zeroed
 * first); on error err names the file and the field. */
int kubeconfig_parse(const char *text, size_t len, const char *path,
                     struct kube_conn *out, char *err, size_t errlen);
/* Read and parse a kubeconfig file (capped at KUBECONFIG_MAX_BYTES). */
int kubeconfig_load(const char *path, struct kube_conn *out, char *err,
                    size_t errlen);

/* Strict RFC 4648 base64 (white space ignored, padding optional).
 * RET MU_OK with out filled, or MU_EINVAL. */
int kube_base64_decode(const char *in, size_t len, struct kube_blob *out);

/* The in-cluster connection: https://$KUBERNETES_SERVICE_HOST:PORT with the
 * service account's token and CA under sa_dir (KUBE_SA_DIR normally). */
int kube_conn_in_cluster(const char *sa_dir, struct kube_conn *out, char *err,
                         size_t errlen);
/* --api-server URL (http or https) with an optional --token-file. */
int kube_conn_direct(const char *url, const char *token_file,
                     struct kube_conn *out, char *err, size_t errlen);

/* Read a whole small file into a NUL-terminated buffer, at most max bytes.
 * RET MU_OK, MU_EIO (err says why) or MU_ELIMIT. */
int kube_read_file(const char *path, size_t max, char **out, size_t *len,
                   char *err, size_t errlen);

#endif
