/* reserve.c - the gang reservation layer: per node name the amounts held
 * for each gang, per gang the nodes it holds on (see reserve.h).
 *
 * Two indexes over the same entries: by node (what every filter and score
 * call reads: the node's sum and, to subtract it, the caller's own gang's
 * entry) and by gang (what release walks). A node keeps a running sum so
 * that reading it is one copy of RES_MAX counters whatever the number of
 * gangs holding there; entries per node are few, so finding a gang's entry
 * is a short linear scan. A node record disappears with its last entry,
 * which keeps the "no reservation here" fast path common. */
#include "common.h"
#include "queue/reserve.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <pthread.h>

#define RESERVE_MAGIC 0x52535256u   /* "RSRV" */

/* What one gang holds on one node. */
struct rsv_entry {
    char *gang;
    int64_t amt[RES_MAX];
};

/* One node name with reservations: the per-gang entries and their sum. */
struct rsv_node {
    char *name;
    int64_t sum[RES_MAX];
    size_t n, cap;
    struct rsv_entry *e;
};

/* One gang: the nodes it holds on (each listed once). */
struct rsv_gang {
    char *key;
    size_t n, cap;
    struct rsv_node **nodes;
};

struct reserve {
    uint32_t magic;
    pthread_rwlock_t lock;
    struct strmap nodes;   /* name -> struct rsv_node */
    struct strmap gangs;   /* key -> struct rsv_gang */
    uint64_t generation;
};

struct reserve *reserve_new(void)
{
    struct reserve *r = xcalloc(1, sizeof(*r));

    r->magic = RESERVE_MAGIC;
    pthread_rwlock_init(&r->lock, NULL);
    strmap_init(&r->nodes);
    strmap_init(&r->gangs);
    return r;
}

static void rsv_node_free(struct rsv_node *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->e[i].gang);
    free(n->e);
    free(n->name);
    free(n);
}

static void rsv_gang_free(struct rsv_gang *g)
{
    free(g->nodes);
    free(g->key);
    free(g);
}

void reserve_free(struct reserve *r)
{
    size_t it = 0;
    const char *k;
    size_t kl;
    void *v;

    if (!r)
        return;
    MU_ASSERT(r->magic == RESERVE_MAGIC);
    while (strmap_next(&r->nodes, &it, &k, &kl, &v))
        rsv_node_free(v);
    it = 0;
    while (strmap_next(&r->gangs, &it, &k, &kl, &v))
        rsv_gang_free(v);
    strmap_fini(&r->nodes);
    strmap_fini(&r->gangs);
    pthread_rwlock_destroy(&r->lock);
    r->magic = 0;
    free(r);
}

static struct rsv_entry *node_entry(struct rsv_node *n, const char *gang)
{
    for (size_t i = 0; i < n->n; i++) {
        if (strcmp(n->e[i].gang, gang) == 0)
            return &n->e[i];
    }
    return NULL;
}

/* Find or create the node record and the gang's entry on it (the caller
 * holds the write lock). */
static struct rsv_entry *entry_get(struct reserve *r, struct rsv_gang *g,
                                   const char *node)
{
    struct rsv_node *n = strmap_get(&r->nodes, node, strlen(node));
    struct rsv_entry *e;

    if (!n) {
        n = xcalloc(1, sizeof(*n));
        n->name = xstrdup(node);
        strmap_put(&r->nodes, n->name, strlen(n->name), n);
    }
    e = node_entry(n, g->key);
    if (e)
        return e;
    n->e = xgrow(n->e, &n->cap, n->n + 1, sizeof(*n->e));
    e = &n->e[n->n++];
    memset(e, 0, sizeof(*e));
    e->gang = xstrdup(g->key);
    g->nodes = xgrow(g->nodes, &g->cap, g->n + 1, sizeof(*g->nodes));
    g->nodes[g->n++] = n;
    return e;
}

int reserve_add(struct reserve *r, const char *gang, const char *node,
                const struct res_amount *req, uint32_t nreq)
{
    struct rsv_node *n;
    struct rsv_gang *g;
    struct rsv_entry *e;

    MU_ASSERT(r->magic == RESERVE_MAGIC);
    if (!gang || !*gang || !node || !*node)
        return MU_EINVAL;
    pthread_rwlock_wrlock(&r->lock);
    g = strmap_get(&r->gangs, gang, strlen(gang));
    if (!g) {
        g = xcalloc(1, sizeof(*g));
        g->key = xstrdup(gang);
        strmap_put(&r->gangs, g->key, strlen(g->key), g);
    }
    e = entry_get(r, g, node);
    n = strmap_get(&r->nodes, node, strlen(node));
    for (uint32_t i = 0; i < nreq; i++) {
        MU_ASSERT(req[i].id < RES_MAX);
        e->amt[req[i].id] += req[i].v;
        n->sum[req[i].id] += req[i].v;
    }
    r->generation++;
    pthread_rwlock_unlock(&r->lock);
    return MU_OK;
}

/* Remove gang's entry from node n; free n when it was the last. */
static void node_drop_gang(struct reserve *r, struct rsv_node *n,
                           const char *gang)
{
    struct rsv_entry *e = node_entry(n, gang);

    if (!e)
        return;
    for (int i = 0; i < RES_MAX; i++)
        n->sum[i] -= e->amt[i];
    free(e->gang);
    *e = n->e[--n->n];
    if (n->n > 0)
        return;
    strmap_del(&r->nodes, n->name, strlen(n->name));
    rsv_node_free(n);
}

/* Every change bumps the generation, which the gang table uses to know
 * that a failed plan might now succeed (another gang released). */
int reserve_release(struct reserve *r, const char *gang)
{
    struct rsv_gang *g;

    MU_ASSERT(r->magic == RESERVE_MAGIC);
    pthread_rwlock_wrlock(&r->lock);
    g = strmap_del(&r->gangs, gang, strlen(gang));
    if (g) {
        for (size_t i = 0; i < g->n; i++)
            node_drop_gang(r, g->nodes[i], gang);
        rsv_gang_free(g);
        r->generation++;
    }
    pthread_rwlock_unlock(&r->lock);
    return g ? MU_OK : MU_ENOENT;
}

bool reserve_has(const struct reserve *r, const char *gang)
{
    struct reserve *w = (struct reserve *)r;
    bool has;

    pthread_rwlock_rdlock(&w->lock);
    has = strmap_get(&r->gangs, gang, strlen(gang)) != NULL;
    pthread_rwlock_unlock(&w->lock);
    return has;
}

/* The fast path matters: this runs for every node of every filter and
 * prioritize call, gang or not, and most nodes hold no reservation. The
 * copy is taken under the read lock so the caller never sees a half-made
 * change, and then owns a stable array for the rest of its call. */
static const int64_t *usage_locked(const struct reserve *r,
                                   const struct node_info *node,
                                   const char *own, int64_t *scratch)
{
    const struct rsv_entry *e = NULL;
    const struct rsv_node *n;

    n = strmap_len(&r->nodes)
            ? strmap_get(&r->nodes, node->name, strlen(node->name))
            : NULL;
    if (!n)
        return node->used;
    if (own && *own)
        e = node_entry((struct rsv_node *)n, own);
    for (int i = 0; i < RES_MAX; i++)
        scratch[i] = node->used[i] + n->sum[i] - (e ? e->amt[i] : 0);
    return scratch;
}

const int64_t *reserve_usage(const struct reserve *r,
                             const struct node_info *node, const char *own,
                             int64_t *scratch)
{
    struct reserve *w = (struct reserve *)r;
    const int64_t *u;

    MU_ASSERT(r->magic == RESERVE_MAGIC);
    pthread_rwlock_rdlock(&w->lock);
    u = usage_locked(r, node, own, scratch);
    pthread_rwlock_unlock(&w->lock);
    return u;
}

void reserve_usage_n(const struct reserve *r,
                     const struct node_info *const *nodes, size_t n,
                     const char *own, int64_t *scratch, const int64_t **out)
{
    struct reserve *w = (struct reserve *)r;

    MU_ASSERT(r->magic == RESERVE_MAGIC);
    pthread_rwlock_rdlock(&w->lock);
    if (strmap_len(&r->nodes) == 0) {
        for (size_t i = 0; i < n; i++)
            out[i] = nodes[i]->used;
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = usage_locked(r, nodes[i], own, scratch + i * RES_MAX);
    }
    pthread_rwlock_unlock(&w->lock);
}

void reserve_get(const struct reserve *r, const char *gang, const char *node,
                 int64_t *out)
{
    struct reserve *w = (struct reserve *)r;
    struct rsv_node *n;
    const struct rsv_entry *e = NULL;

    pthread_rwlock_rdlock(&w->lock);
    n = strmap_get(&r->nodes, node, strlen(node));
    if (n)
        e = node_entry(n, gang);
    for (int i = 0; e && i < RES_MAX; i++)
        out[i] += e->amt[i];
    pthread_rwlock_unlock(&w->lock);
}

void reserve_totals(const struct reserve *r, int64_t *out)
{
    struct reserve *w = (struct reserve *)r;
    size_t it = 0, kl;
    const char *k;
    void *v;

    memset(out, 0, RES_MAX * sizeof(*out));
    pthread_rwlock_rdlock(&w->lock);
    while (strmap_next(&r->nodes, &it, &k, &kl, &v)) {
        const struct rsv_node *n = v;

        for (int i = 0; i < RES_MAX; i++)
            out[i] += n->sum[i];
    }
    pthread_rwlock_unlock(&w->lock);
}

uint64_t reserve_generation(const struct reserve *r)
{
    struct reserve *w = (struct reserve *)r;
    uint64_t g;

    pthread_rwlock_rdlock(&w->lock);
    g = r->generation;
    pthread_rwlock_unlock(&w->lock);
    return g;
}

size_t reserve_node_count(const struct reserve *r)
{
    struct reserve *w = (struct reserve *)r;
    size_t n;

    pthread_rwlock_rdlock(&w->lock);
    n = strmap_len(&r->nodes);
    pthread_rwlock_unlock(&w->lock);
    return n;
}
