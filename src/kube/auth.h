/* auth.h - the bearer token: a static string or a file that is re-read
 * when it changes (projected service-account tokens rotate) and after a
 * 401. Private to src/kube; safe to use from any thread. */
#ifndef MUSTER_KUBE_AUTH_H
#define MUSTER_KUBE_AUTH_H

#include "common.h"
#include "kube/conn.h"

#include <pthread.h>
#include <sys/types.h>
#include <time.h>

#define KUBE_TOKEN_MAX 16384

struct kube_token {
    pthread_mutex_t mu;
    char *file;               /* NULL: the token never changes */
    char *token;              /* current value, "" when none */
    struct timespec mtime;    /* of the file when last read */
    ino_t ino;
    off_t size;
    int64_t checked_ms;       /* last stat of the file (monotonic) */
};

/* Take the token (or token file) from conn. A token file that cannot be
 * read now is an error: the service would only get 401s. */
int kube_token_init(struct kube_token *t, const struct kube_conn *conn,
                    char *err, size_t errlen);
void kube_token_fini(struct kube_token *t);
/* Copy the current token into out (cap bytes incl. NUL; "" when none).
 * The file is checked for changes at most once a second, or at once when
 * `force` (after a 401). A file that vanished keeps the last token (and
 * logs). RET MU_OK, or MU_ELIMIT when out is too small. */
int kube_token_get(struct kube_token *t, bool force, char *out, size_t cap);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t kube_now_ms(void);

#endif
