/* resources.c - the process-wide resource name table. */
#include "common.h"
#include "cache/resources.h"
#include "util/quantity.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdatomic.h>

static pthread_mutex_t res_mu = PTHREAD_MUTEX_INITIALIZER;
/* Entries [0, res_n) are immutable once published. */
static const char *res_names[RES_MAX] = {"cpu", "memory", "pods",
                                         "ephemeral-storage",
                                         RES_UNLISTED_NAME};
static atomic_int res_n = RES_UNLISTED + 1;

/* Exact match on len bytes: name may hold a NUL (strncmp would stop there
 * and then index past a shorter entry). */
static int lookup(const char *name, size_t len, int n)
{
    for (int i = 0; i < n; i++) {
        if (strlen(res_names[i]) == len && memcmp(res_names[i], name, len) == 0)
            return i;
    }
    return MU_ENOENT;
}

int res_find(const char *name, size_t len)
{
    return lookup(name, len, atomic_load(&res_n));
}

/* The id for name, adding it while fewer than `limit` ids are in use. */
static int intern_below(const char *name, size_t len, int limit)
{
    int id = res_find(name, len), n;

    if (id >= 0)
        return id;
    pthread_mutex_lock(&res_mu);
    n = atomic_load(&res_n);
    id = lookup(name, len, n);
    if (id < 0 && n < limit) {
        res_names[n] = xstrndup(name, len);
        atomic_store(&res_n, n + 1);
        id = n;
    } else if (id < 0) {
        id = MU_ELIMIT;
    }
    pthread_mutex_unlock(&res_mu);
    return id;
}

int res_intern(const char *name, size_t len)
{
    return intern_below(name, len, RES_MAX);
}

int res_intern_pod(const char *name, size_t len)
{
    int id = intern_below(name, len, RES_POD_QUOTA);

    return id >= 0 ? id : RES_UNLISTED;
}

const char *res_name(int id)
{
    MU_ASSERT(id >= 0 && id < atomic_load(&res_n));
    return res_names[id];
}

int res_count(void)
{
    return atomic_load(&res_n);
}

int res_parse(int id, const char *s, size_t n, int64_t *out)
{
    return quantity_parse(s, n, res_scale(id), out);
}
