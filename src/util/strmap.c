/* strmap.c - open addressing with linear probing and tombstones. */
#include "common.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

static const char strmap_tomb[1];
#define STRMAP_TOMB strmap_tomb

void strmap_init(struct strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void strmap_fini(struct strmap *m)
{
    FREE_NULL(m->slots);
    m->cap = m->len = m->used = 0;
}

/* FNV-1a 64 with a final avalanche: keys are short names and uids. */
uint64_t strmap_hash(const char *key, size_t klen)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < klen; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static bool slot_is(const struct strmap_slot *s, const char *key, size_t klen,
                    uint64_t h)
{
    return s->key && s->key != STRMAP_TOMB && s->hash == h &&
           s->klen == klen && memcmp(s->key, key, klen) == 0;
}

static struct strmap_slot *find(const struct strmap *m, const char *key,
                                size_t klen, uint64_t h)
{
    size_t mask, i;

    if (!m->cap)
        return NULL;
    mask = m->cap - 1;
    for (i = h & mask;; i = (i + 1) & mask) {
        struct strmap_slot *s = &m->slots[i];

        if (!s->key)
            return NULL;
        if (slot_is(s, key, klen, h))
            return s;
    }
}

static void rehash(struct strmap *m, size_t ncap)
{
    struct strmap_slot *old = m->slots;
    size_t ocap = m->cap;

    m->slots = xcalloc(ncap, sizeof(*m->slots));
    m->cap = ncap;
    m->used = m->len;
    for (size_t i = 0; i < ocap; i++) {
        struct strmap_slot *s = &old[i];
        size_t j;

        if (!s->key || s->key == STRMAP_TOMB)
            continue;
        for (j = s->hash & (ncap - 1); m->slots[j].key; j = (j + 1) & (ncap - 1))
            ;
        m->slots[j] = *s;
    }
    free(old);
}

void *strmap_get(const struct strmap *m, const char *key, size_t klen)
{
    struct strmap_slot *s = find(m, key, klen, strmap_hash(key, klen));

    return s ? s->val : NULL;
}

void *strmap_put(struct strmap *m, const char *key, size_t klen, void *val)
{
    uint64_t h = strmap_hash(key, klen);
    struct strmap_slot *s = find(m, key, klen, h), *tomb = NULL;
    size_t mask, i;

    if (s) {
        void *old = s->val;

        s->key = key;
        s->val = val;
        return old;
    }
    /* keep the load (live + tombstones) under 3/4 */
    if ((m->used + 1) * 4 > m->cap * 3)
        rehash(m, m->len * 2 + 2 > m->cap / 2 ? (m->cap ? m->cap * 2 : 16)
                                              : m->cap);
    mask = m->cap - 1;
    for (i = h & mask; m->slots[i].key; i = (i + 1) & mask) {
        if (m->slots[i].key == STRMAP_TOMB && !tomb)
            tomb = &m->slots[i];
    }
    s = tomb ? tomb : &m->slots[i];
    if (!tomb)
        m->used++;
    s->key = key;
    s->klen = klen;
    s->hash = h;
    s->val = val;
    m->len++;
    return NULL;
}

void *strmap_del(struct strmap *m, const char *key, size_t klen)
{
    struct strmap_slot *s = find(m, key, klen, strmap_hash(key, klen));
    void *old;

    if (!s)
        return NULL;
    old = s->val;
    s->key = STRMAP_TOMB;
    s->val = NULL;
    m->len--;
    return old;
}

bool strmap_next(const struct strmap *m, size_t *iter, const char **key,
                 size_t *klen, void **val)
{
    while (*iter < m->cap) {
        const struct strmap_slot *s = &m->slots[(*iter)++];

        if (!s->key || s->key == STRMAP_TOMB)
            continue;
        if (key)
            *key = s->key;
        if (klen)
            *klen = s->klen;
        if (val)
            *val = s->val;
        return true;
    }
    return false;
}
