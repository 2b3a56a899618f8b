/* ext_int.h - internals shared by the extender verb files (extender.c,
 * ext_preempt.c, ext_bind.c): request decoding helpers and error answers.
 * Not for use outside src/http. */
#ifndef MUSTER_HTTP_EXT_INT_H
#define MUSTER_HTTP_EXT_INT_H

#include "common.h"
#include "http/extender.h"
#include "util/jscan.h"

#define EXT_ERR_MAX 512

#define EXT_NOT_SYNCED_MSG                                                     \
    "muster cache not synced yet: the initial node and pod lists from the "  \
    "API server are still loading"

/* One node of an ExtenderArgs request. */
struct ext_node {
    const char *name;            /* borrowed from the body, or owned */
    size_t nlen;
    bool name_owned;
    const char *raw;             /* Nodes mode: the item's bytes */
    size_t rawlen;
    struct node_info *node;      /* Nodes mode: decoded (owned), or NULL */
    char *bad;                   /* Nodes mode: why it did not decode */
};

struct ext_nodes {
    size_t n, cap;
    struct ext_node *v;
};

/* ExtenderArgs: Pod plus either a NodeList (Nodes) or NodeNames. */
struct ext_args {
    struct pod *pod;             /* owned; NULL when absent or null */
    bool has_nodes;              /* Nodes was non-null */
    bool has_names;              /* NodeNames was non-null */
    struct ext_nodes nodes;      /* items of Nodes */
    struct ext_nodes names;      /* NodeNames */
};

/* Decode ExtenderArgs from the call's body. On failure err holds a message
 * (without '%') and the answer should carry it as Error. RET MU_OK or
 * MU_EINVAL/MU_ELIMIT. */
int ext_args_decode(const char *body, size_t len, struct ext_args *a,
                    char *err, size_t errlen);
void ext_args_fini(struct ext_args *a);

/* Shared by the verbs' decoders: accept a top-level object and report a
 * clear error for anything else. RET MU_OK or MU_EINVAL (js error set). */
int ext_top_object(struct jscan *js, const char *type);
/* Decode the Pod field under the cursor (null allowed). */
int ext_decode_pod_field(struct jscan *js, struct pod **pod);
/* Copy the scanner's error into err, with '%' replaced. */
void ext_scan_error(const struct jscan *js, const char *what, char *err,
                    size_t errlen);

/* Does the body hold something that can start a JSON value? If not, the
 * answer is 400 with this message in err. */
bool ext_body_is_json(const char *body, size_t len, char *err, size_t errlen);

/* A JSON string with every '%' replaced by "pct" (kube-scheduler formats
 * Error with it). */
int ext_put_text(struct buf *out, const char *s, size_t n);


/* "ns/name" of a pod for logs and messages. */
void ext_pod_label(const struct pod *p, char *dst, size_t cap);

int ext_preempt(struct ext_service *s, struct ext_call *call);
int ext_bind(struct ext_service *s, struct ext_call *call);

int64_t ext_now_ms(void);        /* CLOCK_MONOTONIC milliseconds */

#endif
