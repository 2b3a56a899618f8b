/* ext_args.c - decoding ExtenderArgs (Pod + Nodes or NodeNames) and the
 * helpers every verb uses to report a bad request. */
#include "common.h"
#include "http/ext_int.h"
#include "cache/decode.h"
#include "util/xmalloc.h"

#include <time.h>

int64_t ext_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bounded copy; '%' is replaced later, when the text is printed. */
static void copy_sanitized(char *dst, size_t cap, const char *src)
{
    size_t k = 0;

    for (; *src && k + 1 < cap; src++)
        dst[k++] = *src;
    dst[k] = '\0';
}

void ext_scan_error(const struct jscan *js, const char *what, char *err,
                    size_t errlen)
{
    char tmp[EXT_ERR_MAX];

    snprintf(tmp, sizeof(tmp), "%s: %s", what, js_error(js));
    copy_sanitized(err, errlen, tmp);
}

bool ext_body_is_json(const char *body, size_t len, char *err, size_t errlen)
{
    size_t i = 0;

    while (i < len && (body[i] == ' ' || body[i] == '\t' ||
                       body[i] == '\n' || body[i] == '\r'))
        i++;
    if (i == len) {
        snprintf(err, errlen, "request body is empty: expected a JSON "
                              "object");
        return false;
    }
    if (strchr("{[\"-0123456789tfn", body[i]))
        return true;
    snprintf(err, errlen, "request body is not JSON (it starts with byte "
                          "0x%02x): expected a JSON object",
             (unsigned)(unsigned char)body[i]);
    return false;
}

int ext_put_text(struct buf *out, const char *s, size_t n)
{
    char tmp[EXT_ERR_MAX * 2];
    size_t k = 0;

    for (size_t i = 0; i < n && k + 4 < sizeof(tmp); i++) {
        if (s[i] == '%') {
            memcpy(tmp + k, "pct", 3);
            k += 3;
        } else {
            tmp[k++] = s[i];
        }
    }
    return buf_add_jstr(out, tmp, k);
}

int ext_answer_error(struct ext_call *call, enum ext_verb v, int status,
                     const char *msg)
{
    static const char *const head[EXT_NVERBS] = {
        [EXT_FILTER] = "{\"Nodes\":null,\"NodeNames\":null,\"FailedNodes\":"
                       "null,\"FailedAndUnresolvableNodes\":null,\"Error\":",
        [EXT_PRIORITIZE] = "{\"Error\":",
        [EXT_PREEMPT] = "{\"NodeNameToMetaVictims\":null,\"Error\":",
        [EXT_BIND] = "{\"Error\":",
    };
    int rc;

    buf_reset(call->out);
    call->status = status;
    call->failed = true;
    /* a body that is not JSON gets the plain error object, whatever verb */
    rc = buf_adds(call->out, status == 400 ? "{\"Error\":" : head[v]);
    if (!rc)
        rc = ext_put_text(call->out, msg, strlen(msg));
    if (!rc)
        rc = buf_addc(call->out, '}');
    return rc;
}

void ext_pod_label(const struct pod *p, char *dst, size_t cap)
{
    if (!p) {
        snprintf(dst, cap, "-");
        return;
    }
    snprintf(dst, cap, "%s/%s", p->ns ? p->ns : "", p->name ? p->name : "");
}

int ext_top_object(struct jscan *js, const char *type)
{
    static const char *const names[] = {
        [JT_NONE] = "nothing", [JT_OBJ] = "an object", [JT_ARR] = "an array",
        [JT_STR] = "a string", [JT_NUM] = "a number", [JT_TRUE] = "true",
        [JT_FALSE] = "false", [JT_NULL] = "null",
    };
    enum jtype t = js_peek(js);

    if (t == JT_OBJ)
        return js_obj_begin(js);
    return js_fail(js, "request body must be a JSON object (%s), found %s",
                   type, names[t]);
}

int ext_decode_pod_field(struct jscan *js, struct pod **pod)
{
    struct pod *p = NULL;
    int r = js_maybe_null(js);

    if (r < 0)
        return r;
    if (r == 0) {
        r = decode_pod(js, &p);
        if (r)
            return r;
    }
    pod_free(*pod);
    *pod = p;
    return MU_OK;
}

static struct ext_node *nodes_add(struct ext_nodes *ns)
{
    struct ext_node *n;

    if (ns->n == ns->cap)
        ns->v = xgrow(ns->v, &ns->cap, ns->n + 1, sizeof(*ns->v));
    n = &ns->v[ns->n++];
    memset(n, 0, sizeof(*n));
    return n;
}

static void nodes_fini(struct ext_nodes *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        if (ns->v[i].name_owned)
            free((char *)ns->v[i].name);
        node_free(ns->v[i].node);
        free(ns->v[i].bad);
    }
    FREE_NULL(ns->v);
    ns->n = ns->cap = 0;
}

void ext_args_fini(struct ext_args *a)
{
    pod_free(a->pod);
    a->pod = NULL;
    nodes_fini(&a->nodes);
    nodes_fini(&a->names);
}

static int set_name(struct ext_node *n, const struct jstr *s)
{
    if (!s->esc) {
        n->name = s->p;
        n->nlen = s->n;
        return MU_OK;
    }
    n->name = jstr_dup(s);
    if (!n->name)
        return MU_EINVAL;
    n->name_owned = true;
    n->nlen = strlen(n->name);
    return MU_OK;
}

static int decode_names(struct jscan *js, struct ext_args *a)
{
    struct jstr s;
    int r = js_maybe_null(js), rc;

    if (r != 0)
        return r < 0 ? r : MU_OK;
    a->has_names = true;
    nodes_fini(&a->names);
    if ((rc = js_arr_begin(js)))
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        if (a->names.n >= EXT_MAX_NODES)
            return js_fail(js, "more than %d node names", EXT_MAX_NODES);
        if ((rc = js_str(js, &s)))
            return rc;
        if (s.n == 0)
            return js_fail(js, "empty node name");
        if (set_name(nodes_add(&a->names), &s))
            return js_fail(js, "bad escape in node name");
    }
    return r;
}

static int decode_items(struct jscan *js, struct ext_args *a)
{
    const char *b, *e;
    struct ext_node *n;
    int r = js_maybe_null(js), rc;

    if (r != 0)
        return r < 0 ? r : MU_OK;
    if ((rc = js_arr_begin(js)))
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        if (a->nodes.n >= EXT_MAX_NODES)
            return js_fail(js, "more than %d nodes", EXT_MAX_NODES);
        if (js_peek(js) != JT_OBJ)
            return js_fail(js, "expected a v1.Node object");
        if ((rc = js_skip_span(js, &b, &e)))
            return rc;
        n = nodes_add(&a->nodes);
        n->raw = b;
        n->rawlen = (size_t)(e - b);
    }
    return r;
}

static int decode_nodelist(struct jscan *js, struct ext_args *a)
{
    struct jstr key;
    int r = js_maybe_null(js), rc;

    if (r != 0)
        return r < 0 ? r : MU_OK;
    a->has_nodes = true;
    nodes_fini(&a->nodes);
    if ((rc = js_obj_begin(js)))
        return rc;
    while ((r = js_obj_next(js, &key)) > 0) {
        rc = jstr_ieq(&key, "items") ? decode_items(js, a) : js_skip(js);
        if (rc)
            return rc;
    }
    return r;
}

/* The name of an item that decode_node rejected, so that the node can be
 * failed alone rather than the whole call. */
static char *item_name(const char *raw, size_t len)
{
    struct jscan js;
    struct jstr key;
    char *name = NULL;

    js_init(&js, raw, len);
    if (js_obj_begin(&js))
        return NULL;
    while (js_obj_next(&js, &key) > 0) {
        if (!jstr_eq(&key, "metadata")) {
            if (js_skip(&js))
                break;
            continue;
        }
        if (js_obj_begin(&js))
            break;
        while (!name && js_obj_next(&js, &key) > 0) {
            if (jstr_eq(&key, "name") ? js_str_dup(&js, &name)
                                      : js_skip(&js))
                break;
        }
        break;
    }
    return name;
}

/* Decode each item's span on its own: a node muster cannot read fails
 * alone (unresolvable, with the decoder's reason). */
static int decode_items_nodes(struct ext_args *a, char *err, size_t errlen)
{
    char prefix[48], msg[EXT_ERR_MAX];

    for (size_t i = 0; i < a->nodes.n; i++) {
        struct ext_node *n = &a->nodes.v[i];

        snprintf(prefix, sizeof(prefix), "Nodes.items[%zu]", i);
        if (decode_node_buf(n->raw, n->rawlen, prefix, &n->node, msg,
                            sizeof(msg)) == MU_OK && n->node->name) {
            n->name = n->node->name;
            n->nlen = strlen(n->name);
            continue;
        }
        if (n->node)
            snprintf(msg, sizeof(msg), "%s: node has no metadata.name",
                     prefix);
        node_free(n->node);
        n->node = NULL;
        n->name = item_name(n->raw, n->rawlen);
        if (!n->name || !*n->name) {
            copy_sanitized(err, errlen, msg);
            return MU_EINVAL;
        }
        n->name_owned = true;
        n->nlen = strlen(n->name);
        n->bad = xasprintf("muster cannot read this node: %s", msg);
    }
    return MU_OK;
}

int ext_args_decode(const char *body, size_t len, struct ext_args *a,
                    char *err, size_t errlen)
{
    struct jscan js;
    struct jstr key;
    int r, rc;

    memset(a, 0, sizeof(*a));
    js_init(&js, body, len);
    if ((rc = ext_top_object(&js, "ExtenderArgs")))
        goto bad;
    while ((r = js_obj_next(&js, &key)) > 0) {
        if (jstr_ieq(&key, "Pod"))
            rc = ext_decode_pod_field(&js, &a->pod);
        else if (jstr_ieq(&key, "Nodes"))
            rc = decode_nodelist(&js, a);
        else if (jstr_ieq(&key, "NodeNames"))
            rc = decode_names(&js, a);
        else
            rc = js_skip(&js);
        if (rc)
            goto bad;
    }
    if (r < 0 || (rc = js_end(&js)))
        goto bad;
    if (!a->pod) {
        snprintf(err, errlen, "ExtenderArgs has no Pod");
        return MU_EINVAL;
    }
    if (!a->has_nodes && !a->has_names) {
        snprintf(err, errlen, "ExtenderArgs has neither Nodes nor "
                              "NodeNames");
        return MU_EINVAL;
    }
    return decode_items_nodes(a, err, errlen);
bad:
    ext_scan_error(&js, "bad ExtenderArgs", err, errlen);
    return rc ? rc : MU_EINVAL;
}
