/* strmap.h - open-addressing hash map from byte-string keys to pointers.
 * Keys are BORROWED: the map stores the pointer and length given to
 * strmap_put, so the key must live as long as its entry (normally it points
 * into the value itself, e.g. node->name). Values are never freed by the
 * map. Lookup, insert and delete are O(1) on average. Not thread-safe: the
 * owner locks. */
#ifndef MUSTER_UTIL_STRMAP_H
#define MUSTER_UTIL_STRMAP_H

#include "common.h"

struct strmap_slot {
    const char *key;   /* NULL: empty; STRMAP_TOMB: deleted */
    size_t klen;
    uint64_t hash;
    void *val;
};

struct strmap {
    struct strmap_slot *slots;
    size_t cap;    /* power of two, or 0 before the first put */
    size_t len;    /* live entries */
    size_t used;   /* live + tombstones */
};

void strmap_init(struct strmap *m);
void strmap_fini(struct strmap *m);   /* frees the table, not the values */
uint64_t strmap_hash(const char *key, size_t klen);
/* RET the value, or NULL when absent */
void *strmap_get(const struct strmap *m, const char *key, size_t klen);
/* Insert or replace. RET the value replaced, or NULL if the key was new.
 * On replace the stored key pointer is updated to `key`. */
void *strmap_put(struct strmap *m, const char *key, size_t klen, void *val);
/* RET the value removed, or NULL when absent */
void *strmap_del(struct strmap *m, const char *key, size_t klen);
/* Iterate: start with *iter = 0; RET true with key/val filled while entries
 * remain. Do not insert during iteration; deleting the current key is
 * allowed. */
bool strmap_next(const struct strmap *m, size_t *iter, const char **key,
                 size_t *klen, void **val);

static inline size_t strmap_len(const struct strmap *m) { return m->len; }

#endif
