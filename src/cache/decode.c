/* decode.c - Pod and Node JSON -> struct pod / struct node_info with the
 * pull scanner: only the fields plugins use are read, the rest skipped.
 *
 * null is accepted wherever Go's encoding/json accepts it (everywhere): a
 * null object, array or string is "absent", a null number or bool is its
 * zero value, a null label value is "". */
#include "common.h"
#include "cache/decode.h"
#include "util/quantity.h"
#include "util/xmalloc.h"

/* Longest quantity text accepted; real ones are a few bytes. */
#define QTY_MAX 64

/* ---- small helpers ---- */

/* Open an object that may be null. RET MU_OK with *open false for null. */
static int obj_open(struct jscan *js, bool *open)
{
    int r = js_maybe_null(js);

    *open = false;
    if (r < 0)
        return r;
    if (r == 1)
        return MU_OK;
    *open = true;
    return js_obj_begin(js);
}

static int arr_open(struct jscan *js, bool *open)
{
    int r = js_maybe_null(js);

    *open = false;
    if (r < 0)
        return r;
    if (r == 1)
        return MU_OK;
    *open = true;
    return js_arr_begin(js);
}

/* A string that may be null (-> *out stays NULL). Replaces *out. */
static int str_opt(struct jscan *js, char **out)
{
    int r = js_maybe_null(js);

    if (r)
        return r < 0 ? r : MU_OK;
    FREE_NULL(*out);
    return js_str_dup(js, out);
}

/* A string decoded into a caller buffer (short enums, condition fields);
 * null -> "". Longer than cap-1 bytes is an error. */
static int str_small(struct jscan *js, char *dst, size_t cap)
{
    struct jstr s;
    int r = js_maybe_null(js);

    dst[0] = '\0';
    if (r)
        return r < 0 ? r : MU_OK;
    r = js_str(js, &s);
    if (r)
        return r;
    if (jstr_copy(&s, dst, cap) < 0)
        return js_fail(js, "value too long (%zu bytes)", s.n);
    return MU_OK;
}

static int i64_opt(struct jscan *js, int64_t *out)
{
    int r = js_maybe_null(js);

    if (r)
        return r < 0 ? r : MU_OK;
    return js_i64(js, out);
}

static int bool_opt(struct jscan *js, bool *out)
{
    int r = js_maybe_null(js);

    if (r)
        return r < 0 ? r : MU_OK;
    return js_bool(js, out);
}

/* ---- labels (map[string]string) ---- */

/* Decode a string map into l, keeping only keys `keep` accepts (all when
 * NULL; the others must still be strings). Sorted, duplicate keys are an
 * error. */
static int labels_decode(struct jscan *js, struct labels *l,
                         bool (*keep)(const char *key, size_t n))
{
    struct jstr key;
    size_t cap = l->n;
    bool open;
    int r, rc = obj_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_obj_next(js, &key)) > 0) {
        enum jtype t = js_peek(js);
        struct label *kv;

        if (t != JT_STR && t != JT_NULL) {
            struct jstr bad;

            return js_str(js, &bad); /* the scanner's type error */
        }
        if (keep && !keep(key.p, key.n)) {
            if ((rc = js_skip(js)))
                return rc;
            continue;
        }
        l->kv = xgrow(l->kv, &cap, (size_t)l->n + 1, sizeof(*l->kv));
        kv = &l->kv[l->n++];
        kv->key = jstr_dup(&key);
        kv->val = NULL;
        if ((rc = str_opt(js, &kv->val)))
            return rc;
        if (!kv->val)
            kv->val = xstrdup("");
    }
    if (r < 0)
        return r;
    if (labels_sort(l) == MU_OK)
        return MU_OK;
    for (uint32_t i = 1; i < l->n; i++) {
        if (strcmp(l->kv[i - 1].key, l->kv[i].key) == 0)
            return js_fail(js, "duplicate key \"%s\"", l->kv[i].key);
    }
    return MU_EINVAL;
}

/* Annotations muster reads: gang membership and its settings. */
static bool annotation_kept(const char *k, size_t n)
{
    static const char *const prefixes[] = {
        "muster.dev/",
        "scheduling.x-k8s.io/",
        "scheduling.k8s.io/group-name",
        "scheduling.volcano.sh/",
        "kueue.x-k8s.io/",
    };

    for (size_t i = 0; i < ARRAY_LEN(prefixes); i++) {
        size_t pl = strlen(prefixes[i]);

        if (n >= pl && memcmp(k, prefixes[i], pl) == 0)
            return true;
    }
    return false;
}

/* ---- quantities and resource lists ---- */

/* One quantity value (a JSON string, or a bare number, as
 * resource.Quantity's UnmarshalJSON accepts; null is 0) for resource id. */
static int qty_decode(struct jscan *js, int id, int64_t *out)
{
    char tmp[QTY_MAX];
    const char *p, *e;
    struct jstr s;
    size_t n;
    int rc;

    *out = 0;
    switch (js_peek(js)) {
    case JT_NULL:
        return js_null(js);
    case JT_NUM:
        if ((rc = js_skip_span(js, &p, &e)))
            return rc;
        n = (size_t)(e - p);
        break;
    default:
        if ((rc = js_str(js, &s)))
            return rc;
        p = s.p;
        n = s.n;
        if (s.esc) {
            int len = jstr_copy(&s, tmp, sizeof(tmp));

            if (len < 0)
                return js_fail(js, "malformed quantity (%zu bytes)", s.n);
            p = tmp;
            n = (size_t)len;
        }
    }
    rc = res_parse(id, p, n, out);
    if (rc == MU_ELIMIT)
        return js_fail(js, "quantity \"%.*s\" out of range", (int)MU_MIN(n, 64),
                       p);
    if (rc)
        return js_fail(js, "malformed quantity \"%.*s\"", (int)MU_MIN(n, 64),
                       p);
    if (*out < 0)
        return js_fail(js, "negative quantity \"%.*s\"", (int)n, p);
    return MU_OK;
}

/* Pod-side names (pod true) may not use up the table: past the pod quota
 * they map to RES_UNLISTED (see resources.h). Node-side names may use it
 * all but never the reserved name. */
static int res_id(struct jscan *js, const struct jstr *key, bool pod)
{
    char tmp[256];
    const char *name = key->p;
    size_t len = key->n;
    int id, n;

    if (key->esc) {
        n = jstr_copy(key, tmp, sizeof(tmp));
        if (n < 0)
            return js_fail(js, "resource name too long");
        if (memchr(tmp, '\0', (size_t)n))
            return js_fail(js, "resource name contains a NUL character");
        name = tmp;
        len = (size_t)n;
    }
    id = pod ? res_intern_pod(name, len) : res_intern(name, len);
    if (id == RES_UNLISTED && !pod)
        return js_fail(js, "resource name %s is reserved", RES_UNLISTED_NAME);
    if (id == MU_ELIMIT) {
        js_fail(js, "too many distinct resource names (limit %d)", RES_MAX);
        return MU_ELIMIT;
    }
    return id;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* A ResourceList into a dense vector; `set` marks which ids were given.
 * Several unlisted names of one pod add up under RES_UNLISTED. */
static int reslist_decode(struct jscan *js, int64_t *v, uint64_t *set,
                          bool pod)
{
    struct jstr key;
    bool open;
    int64_t q;
    int r, id, rc = obj_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_obj_next(js, &key)) > 0) {
        if ((id = res_id(js, &key, pod)) < 0)
            return id;
        if ((rc = qty_decode(js, id, &q)))
            return rc;
        v[id] = id == RES_UNLISTED ? sat_add(v[id], q) : q;
        if (set)
            *set |= 1ull << id;
    }
    return r < 0 ? r : MU_OK;
}

/* ---- node selector terms ---- */

static const char *const sel_op_names[] = {
    [SEL_IN] = "In",         [SEL_NOT_IN] = "NotIn",
    [SEL_EXISTS] = "Exists", [SEL_DOES_NOT_EXIST] = "DoesNotExist",
    [SEL_GT] = "Gt",         [SEL_LT] = "Lt",
};

static int sel_op_decode(struct jscan *js, enum sel_op *op)
{
    char v[32];
    int rc = str_small(js, v, sizeof(v));

    if (rc)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(sel_op_names); i++) {
        if (strcmp(v, sel_op_names[i]) == 0) {
            *op = (enum sel_op)i;
            return MU_OK;
        }
    }
    return js_fail(js, "unknown operator \"%s\"", v);
}

static int str_list_decode(struct jscan *js, char ***out, uint32_t *n)
{
    size_t cap = 0;
    bool open;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        *out = xgrow(*out, &cap, (size_t)*n + 1, sizeof(**out));
        (*out)[*n] = NULL;
        rc = str_opt(js, &(*out)[*n]);
        if (!(*out)[*n])
            (*out)[*n] = xstrdup("");
        (*n)++;
        if (rc)
            return rc;
    }
    return r < 0 ? r : MU_OK;
}

/* One NodeSelectorRequirement. An operator missing altogether is reported
 * as "" (Kubernetes validation rejects it too). */
static int sel_req_decode(struct jscan *js, struct sel_req *q)
{
    struct jstr key;
    bool open, have_op = false;
    int r, rc = obj_open(js, &open);

    q->op = SEL_IN;
    if (rc || !open)
        return rc ? rc : js_fail(js, "missing operator");
    while (!rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "key")) {
            rc = str_opt(js, &q->key);
        } else if (jstr_eq(&key, "operator")) {
            rc = sel_op_decode(js, &q->op);
            have_op = true;
        } else if (jstr_eq(&key, "values")) {
            rc = str_list_decode(js, &q->values, &q->nvalues);
        } else {
            rc = js_skip(js);
        }
    }
    if (!q->key)
        q->key = xstrdup("");
    if (rc || r < 0)
        return rc ? rc : r;
    return have_op ? MU_OK : js_fail(js, "missing operator");
}

static int sel_reqs_decode(struct jscan *js, struct sel_req **out, uint32_t *n)
{
    size_t cap = 0;
    bool open;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        *out = xgrow(*out, &cap, (size_t)*n + 1, sizeof(**out));
        memset(&(*out)[*n], 0, sizeof(**out));
        rc = sel_req_decode(js, &(*out)[(*n)++]);
        if (rc)
            return rc;
    }
    return r < 0 ? r : MU_OK;
}

static int sel_term_decode(struct jscan *js, struct sel_term *t)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    if (rc || !open)
        return rc;
    while (!rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "matchExpressions"))
            rc = sel_reqs_decode(js, &t->exprs, &t->nexprs);
        else if (jstr_eq(&key, "matchFields"))
            rc = sel_reqs_decode(js, &t->fields, &t->nfields);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

/* requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms}. */
static int required_decode(struct jscan *js, struct pod *p)
{
    struct jstr key;
    size_t cap = 0;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    if (rc || !open)
        return rc;
    p->has_required = true;
    while (!rc && (r = js_obj_next(js, &key)) > 0) {
        if (!jstr_eq(&key, "nodeSelectorTerms")) {
            rc = js_skip(js);
            continue;
        }
        if ((rc = arr_open(js, &open)) || !open)
            continue;
        while (!rc && (r = js_arr_next(js)) > 0) {
            p->required = xgrow(p->required, &cap, (size_t)p->nrequired + 1,
                                sizeof(*p->required));
            memset(&p->required[p->nrequired], 0, sizeof(*p->required));
            rc = sel_term_decode(js, &p->required[p->nrequired++]);
        }
        if (!rc && r < 0)
            rc = r;
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

static int pref_term_decode(struct jscan *js, struct pref_term *t)
{
    struct jstr key;
    int64_t w = 0;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    if (rc)
        return rc;
    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "weight")) {
            rc = i64_opt(js, &w);
            if (!rc && (w < 1 || w > 100))
                rc = js_fail(js, "%lld not in 1..100", (long long)w);
        } else if (jstr_eq(&key, "preference")) {
            rc = sel_term_decode(js, &t->term);
        } else {
            rc = js_skip(js);
        }
    }
    if (rc || r < 0)
        return rc ? rc : r;
    if (w == 0)
        return js_fail(js, "weight: missing (must be 1..100)");
    t->weight = (int32_t)w;
    return MU_OK;
}

static int preferred_decode(struct jscan *js, struct pod *p)
{
    size_t cap = 0;
    bool open;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        p->preferred = xgrow(p->preferred, &cap, (size_t)p->npreferred + 1,
                             sizeof(*p->preferred));
        memset(&p->preferred[p->npreferred], 0, sizeof(*p->preferred));
        if ((rc = pref_term_decode(js, &p->preferred[p->npreferred++])))
            return rc;
    }
    return r < 0 ? r : MU_OK;
}

/* spec.affinity: only nodeAffinity matters here. */
static int affinity_decode(struct jscan *js, struct pod *p)
{
    struct jstr key;
    bool open, open2;
    int r = 0, r2 = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (!jstr_eq(&key, "nodeAffinity")) {
            rc = js_skip(js);
            continue;
        }
        if ((rc = obj_open(js, &open2)) || !open2)
            continue;
        while (!rc && (r2 = js_obj_next(js, &key)) > 0) {
            if (jstr_eq(&key, "requiredDuringSchedulingIgnoredDuringExecution"))
                rc = required_decode(js, p);
            else if (jstr_eq(&key,
                             "preferredDuringSchedulingIgnoredDuringExecution"))
                rc = preferred_decode(js, p);
            else
                rc = js_skip(js);
        }
        if (!rc && r2 < 0)
            rc = r2;
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

/* ---- tolerations and taints ---- */

static const char *const effect_names[] = {
    [EFFECT_ANY] = "",
    [EFFECT_NO_SCHEDULE] = "NoSchedule",
    [EFFECT_PREFER_NO_SCHEDULE] = "PreferNoSchedule",
    [EFFECT_NO_EXECUTE] = "NoExecute",
};

static int effect_decode(struct jscan *js, enum taint_effect *out)
{
    char v[32];
    int rc = str_small(js, v, sizeof(v));

    if (rc)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(effect_names); i++) {
        if (strcmp(v, effect_names[i]) == 0) {
            *out = (enum taint_effect)i;
            return MU_OK;
        }
    }
    return js_fail(js, "unknown effect \"%s\"", v);
}

static int tol_op_decode(struct jscan *js, enum tol_op *op)
{
    char v[32];
    int rc = str_small(js, v, sizeof(v));

    if (rc)
        return rc;
    if (v[0] == '\0' || strcmp(v, "Equal") == 0)
        *op = TOL_EQUAL;
    else if (strcmp(v, "Exists") == 0)
        *op = TOL_EXISTS;
    else
        return js_fail(js, "unknown operator \"%s\"", v);
    return MU_OK;
}

static int toleration_decode(struct jscan *js, struct toleration *t)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "key"))
            rc = str_opt(js, &t->key);
        else if (jstr_eq(&key, "operator"))
            rc = tol_op_decode(js, &t->op);
        else if (jstr_eq(&key, "value"))
            rc = str_opt(js, &t->value);
        else if (jstr_eq(&key, "effect"))
            rc = effect_decode(js, &t->effect);
        else
            rc = js_skip(js);
    }
    if (!t->key)
        t->key = xstrdup("");
    if (!t->value)
        t->value = xstrdup("");
    return rc ? rc : (r < 0 ? r : MU_OK);
}

static int tolerations_decode(struct jscan *js, struct pod *p)
{
    size_t cap = 0;
    bool open;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        p->tols = xgrow(p->tols, &cap, (size_t)p->ntols + 1, sizeof(*p->tols));
        memset(&p->tols[p->ntols], 0, sizeof(*p->tols));
        if ((rc = toleration_decode(js, &p->tols[p->ntols++])))
            return rc;
    }
    return r < 0 ? r : MU_OK;
}

static int taint_decode(struct jscan *js, struct taint *t)
{
    struct jstr key;
    bool open;
    enum taint_effect eff = EFFECT_ANY;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "key"))
            rc = str_opt(js, &t->key);
        else if (jstr_eq(&key, "value"))
            rc = str_opt(js, &t->value);
        else if (jstr_eq(&key, "effect"))
            rc = effect_decode(js, &eff);
        else
            rc = js_skip(js);
    }
    if (!t->key)
        t->key = xstrdup("");
    if (!t->value)
        t->value = xstrdup("");
    if (rc || r < 0)
        return rc ? rc : r;
    if (eff == EFFECT_ANY)
        return js_fail(js, "taint effect missing (NoSchedule, "
                           "PreferNoSchedule or NoExecute)");
    t->effect = eff;
    return MU_OK;
}

static int taints_decode(struct jscan *js, struct node_info *n)
{
    size_t cap = 0;
    bool open;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        n->taints =
            xgrow(n->taints, &cap, (size_t)n->ntaints + 1, sizeof(*n->taints));
        memset(&n->taints[n->ntaints], 0, sizeof(*n->taints));
        if ((rc = taint_decode(js, &n->taints[n->ntaints++])))
            return rc;
    }
    return r < 0 ? r : MU_OK;
}

/* ---- containers and the effective request ---- */

/* Dense accumulators for the request computation (AggregateContainer-
 * Requests in Kubernetes' resource helpers). */
struct req_acc {
    int64_t reqs[RES_MAX];     /* containers + sidecars */
    int64_t sidecars[RES_MAX]; /* restartable init containers so far */
    int64_t init_max[RES_MAX];
    int64_t overhead[RES_MAX];
    size_t ports_cap;          /* of the pod's ports array */
};

struct ctr {
    int64_t req[RES_MAX];
    int64_t lim[RES_MAX];
    uint64_t req_set, lim_set;
    bool sidecar;
    uint32_t nports;
    size_t ports_cap;
    struct host_port *ports;   /* owned; see ctrs_decode */
};

static int ctr_resources_decode(struct jscan *js, struct ctr *c)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "requests"))
            rc = reslist_decode(js, c->req, &c->req_set, true);
        else if (jstr_eq(&key, "limits"))
            rc = reslist_decode(js, c->lim, &c->lim_set, true);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

/* One entry of a container's ports: its host port, if it has one, goes
 * to ports (sidecar and container ports alike; kept only if the container
 * runs beside the others, see ctrs_decode). */
static int port_decode(struct jscan *js, struct host_port **ports,
                       uint32_t *n, size_t *cap)
{
    struct host_port hp = {0};
    struct jstr key;
    char proto[8] = "";
    int64_t port = 0;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "hostPort")) {
            rc = i64_opt(js, &port);
            if (!rc && (port < 0 || port > 65535))
                rc = js_fail(js, "%lld not in 0..65535", (long long)port);
        } else if (jstr_eq(&key, "protocol")) {
            rc = str_small(js, proto, sizeof(proto));
            if (!rc && proto[0] && strcmp(proto, "TCP") &&
                strcmp(proto, "UDP") && strcmp(proto, "SCTP"))
                rc = js_fail(js, "\"%s\" is not TCP, UDP or SCTP", proto);
        } else if (jstr_eq(&key, "hostIP")) {
            rc = str_small(js, hp.ip, sizeof(hp.ip));
        } else {
            rc = js_skip(js);
        }
    }
    if (rc || r < 0 || port == 0)
        return rc ? rc : r < 0 ? r : MU_OK;
    if (*n >= POD_PORTS_MAX)
        return js_fail(js, "more than %d host ports", POD_PORTS_MAX);
    hp.port = (uint16_t)port;
    hp.proto = strcmp(proto, "UDP") == 0    ? PROTO_UDP
               : strcmp(proto, "SCTP") == 0 ? PROTO_SCTP
                                            : PROTO_TCP;
    *ports = xgrow(*ports, cap, (size_t)*n + 1, sizeof(**ports));
    (*ports)[(*n)++] = hp;
    return MU_OK;
}

static int ports_decode(struct jscan *js, struct host_port **ports,
                        uint32_t *n, size_t *cap)
{
    bool open;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        if ((rc = port_decode(js, ports, n, cap)))
            return rc;
    }
    return r < 0 ? r : MU_OK;
}

/* One container's effective requests into c->req: a resource with a limit
 * and no request requests its limit (the API server's defaulting). Its
 * host ports into c->ports. */
static int ctr_decode(struct jscan *js, struct ctr *c)
{
    struct jstr key;
    char policy[16];
    bool open;
    int r = 0, rc = obj_open(js, &open);

    memset(c, 0, sizeof(*c));
    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "resources")) {
            rc = ctr_resources_decode(js, c);
        } else if (jstr_eq(&key, "ports")) {
            rc = ports_decode(js, &c->ports, &c->nports, &c->ports_cap);
        } else if (jstr_eq(&key, "restartPolicy")) {
            rc = str_small(js, policy, sizeof(policy));
            c->sidecar = !rc && strcmp(policy, "Always") == 0;
        } else {
            rc = js_skip(js);
        }
    }
    if (rc || r < 0)
        return rc ? rc : r;
    for (uint64_t only = c->lim_set & ~c->req_set; only; only &= only - 1) {
        int id = __builtin_ctzll(only);

        c->req[id] = c->lim[id];
    }
    return MU_OK;
}

static void vec_add(int64_t *dst, const int64_t *src, int n)
{
    for (int i = 0; i < n; i++)
        dst[i] = sat_add(dst[i], src[i]);
}

/* The host ports of a container that runs beside the others (not of an
 * init container that ends first) go to the pod; c's copy is freed. */
static int ctr_ports(struct pod *p, struct req_acc *acc, struct ctr *c,
                     bool keep, struct jscan *js)
{
    int rc = MU_OK;

    if (keep && c->nports) {
        if (p->nports + c->nports > POD_PORTS_MAX) {
            rc = js_fail(js, "more than %d host ports", POD_PORTS_MAX);
        } else {
            p->ports = xgrow(p->ports, &acc->ports_cap,
                             (size_t)p->nports + c->nports,
                             sizeof(*p->ports));
            memcpy(p->ports + p->nports, c->ports,
                   c->nports * sizeof(*c->ports));
            p->nports += c->nports;
        }
    }
    FREE_NULL(c->ports);
    c->nports = 0;
    return rc;
}

/* containers (init false) or initContainers (init true), in order. */
static int ctrs_decode(struct jscan *js, struct pod *p, struct req_acc *acc,
                       bool init)
{
    struct ctr c;
    bool open;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        int n;

        rc = ctr_decode(js, &c);
        if (rc) {
            free(c.ports);
            return rc;
        }
        if ((rc = ctr_ports(p, acc, &c, !init || c.sidecar, js)))
            return rc;
        n = res_count(); /* after: the container may add names */
        if (!init || c.sidecar) {
            vec_add(acc->reqs, c.req, n);
            if (init)
                vec_add(acc->sidecars, c.req, n);
            if (!init)
                continue;
            /* a sidecar's start-up needs only what is running by then */
            for (int i = 0; i < n; i++)
                acc->init_max[i] = MU_MAX(acc->init_max[i], acc->sidecars[i]);
            continue;
        }
        for (int i = 0; i < n; i++)
            acc->init_max[i] =
                MU_MAX(acc->init_max[i], sat_add(c.req[i], acc->sidecars[i]));
    }
    return r < 0 ? r : MU_OK;
}

/* max(containers + sidecars, each init step) + overhead, sparse. */
static void req_finish(struct pod *p, struct req_acc *acc)
{
    int n = res_count();
    size_t cap = 0;

    p->nreq = 0;
    for (int i = 0; i < n; i++) {
        int64_t v =
            sat_add(MU_MAX(acc->reqs[i], acc->init_max[i]), acc->overhead[i]);

        if (i == RES_PODS)
            v = 1;
        if (!v)
            continue;
        p->req = xgrow(p->req, &cap, (size_t)p->nreq + 1, sizeof(*p->req));
        p->req[p->nreq++] = (struct res_amount){(uint16_t)i, v};
    }
}

/* ---- RFC 3339 time ---- */

static bool digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* "2006-01-02T15:04:05[.frac](Z|+hh:mm|-hh:mm)" -> Unix seconds. */
static bool rfc3339_parse(const char *s, size_t n, int64_t *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    size_t i = 19;

    if (n < 20 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
        !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &sec))
        return false;
    /* as strict as Go's time.Parse: no Feb 30, no leap second */
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return false;
    if (s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == 20)
            return false;
    }
    if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        sign = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' &&
               digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om) &&
               oh < 24 && om < 60) {
        sign = s[i] == '-' ? -1 : 1;
    } else {
        return false;
    }
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
           sign * (oh * 3600 + om * 60);
    return true;
}

static int time_decode(struct jscan *js, int64_t *out)
{
    char v[64];
    int rc = str_small(js, v, sizeof(v));

    if (rc)
        return rc;
    if (!v[0]) {
        *out = 0;
        return MU_OK;
    }
    if (!rfc3339_parse(v, strlen(v), out))
        return js_fail(js, "not an RFC 3339 time: \"%s\"", v);
    return MU_OK;
}

/* ---- Pod ---- */

static int pod_metadata_decode(struct jscan *js, struct pod *p)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "name"))
            rc = str_opt(js, &p->name);
        else if (jstr_eq(&key, "namespace"))
            rc = str_opt(js, &p->ns);
        else if (jstr_eq(&key, "uid"))
            rc = str_opt(js, &p->uid);
        else if (jstr_eq(&key, "labels"))
            rc = labels_decode(js, &p->labels, NULL);
        else if (jstr_eq(&key, "annotations"))
            rc = labels_decode(js, &p->annotations, annotation_kept);
        else if (jstr_eq(&key, "creationTimestamp"))
            rc = time_decode(js, &p->created);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

static int priority_decode(struct jscan *js, int32_t *out)
{
    int64_t v = 0;
    int rc = i64_opt(js, &v);

    if (rc)
        return rc;
    if (v < INT32_MIN || v > INT32_MAX)
        return js_fail(js, "%lld out of int32 range", (long long)v);
    *out = (int32_t)v;
    return MU_OK;
}

static int pod_spec_field(struct jscan *js, const struct jstr *key,
                          struct pod *p, struct req_acc *acc)
{
    if (jstr_eq(key, "containers"))
        return ctrs_decode(js, p, acc, false);
    if (jstr_eq(key, "initContainers"))
        return ctrs_decode(js, p, acc, true);
    if (jstr_eq(key, "nodeName"))
        return str_opt(js, &p->node_name);
    if (jstr_eq(key, "schedulerName"))
        return str_opt(js, &p->scheduler_name);
    if (jstr_eq(key, "priority"))
        return priority_decode(js, &p->priority);
    if (jstr_eq(key, "nodeSelector"))
        return labels_decode(js, &p->node_selector, NULL);
    if (jstr_eq(key, "affinity"))
        return affinity_decode(js, p);
    if (jstr_eq(key, "tolerations"))
        return tolerations_decode(js, p);
    if (jstr_eq(key, "overhead"))
        return reslist_decode(js, acc->overhead, NULL, true);
    return js_skip(js);
}

static int pod_spec_decode(struct jscan *js, struct pod *p, struct req_acc *acc)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0)
        rc = pod_spec_field(js, &key, p, acc);
    return rc ? rc : (r < 0 ? r : MU_OK);
}

static const char *const phase_names[] = {
    [PHASE_PENDING] = "Pending",     [PHASE_RUNNING] = "Running",
    [PHASE_SUCCEEDED] = "Succeeded", [PHASE_FAILED] = "Failed",
    [PHASE_UNKNOWN] = "Unknown",
};

static int phase_decode(struct jscan *js, enum pod_phase *out)
{
    char v[32];
    int rc = str_small(js, v, sizeof(v));

    if (rc)
        return rc;
    if (!v[0]) {
        *out = PHASE_PENDING;
        return MU_OK;
    }
    for (size_t i = 0; i < ARRAY_LEN(phase_names); i++) {
        if (strcmp(v, phase_names[i]) == 0) {
            *out = (enum pod_phase)i;
            return MU_OK;
        }
    }
    return js_fail(js, "unknown phase \"%s\"", v);
}

static int pod_status_decode(struct jscan *js, struct pod *p)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "phase"))
            rc = phase_decode(js, &p->phase);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

/* Defaults the API server would have filled in, and required fields. */
static int pod_finish(struct jscan *js, struct pod *p, struct req_acc *acc)
{
    if (!p->name || !p->name[0])
        return js_fail(js, "metadata.name: missing");
    if (!p->ns || !p->ns[0]) {
        free(p->ns);
        p->ns = xstrdup("default");
    }
    if (!p->uid)
        p->uid = xstrdup("");
    if (!p->scheduler_name || !p->scheduler_name[0]) {
        free(p->scheduler_name);
        p->scheduler_name = xstrdup("default-scheduler");
    }
    if (p->node_name && !p->node_name[0])
        FREE_NULL(p->node_name);
    req_finish(p, acc);
    return MU_OK;
}

int decode_pod(struct jscan *js, struct pod **out)
{
    struct pod *p = pod_new();
    struct req_acc *acc = xcalloc(1, sizeof(*acc));
    struct jstr key;
    int r = 0, rc = js_obj_begin(js);

    while (!rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "metadata"))
            rc = pod_metadata_decode(js, p);
        else if (jstr_eq(&key, "spec"))
            rc = pod_spec_decode(js, p, acc);
        else if (jstr_eq(&key, "status"))
            rc = pod_status_decode(js, p);
        else
            rc = js_skip(js);
    }
    if (!rc && r < 0)
        rc = r;
    if (!rc)
        rc = pod_finish(js, p, acc);
    free(acc);
    if (rc) {
        pod_free(p);
        return rc;
    }
    *out = p;
    return MU_OK;
}

/* ---- Node ---- */

static int node_metadata_decode(struct jscan *js, struct node_info *n)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "name"))
            rc = str_opt(js, &n->name);
        else if (jstr_eq(&key, "labels"))
            rc = labels_decode(js, &n->labels, NULL);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

static int node_spec_decode(struct jscan *js, struct node_info *n)
{
    struct jstr key;
    bool open;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "taints"))
            rc = taints_decode(js, n);
        else if (jstr_eq(&key, "unschedulable"))
            rc = bool_opt(js, &n->unschedulable);
        else
            rc = js_skip(js);
    }
    return rc ? rc : (r < 0 ? r : MU_OK);
}

/* A string compared with a literal without copying (any length); null is
 * "". */
static int str_is(struct jscan *js, const char *lit, bool *eq)
{
    struct jstr s;
    int r = js_maybe_null(js);

    *eq = lit[0] == '\0';
    if (r)
        return r < 0 ? r : MU_OK;
    if ((r = js_str(js, &s)))
        return r;
    *eq = jstr_eq(&s, lit);
    return MU_OK;
}

/* One NodeCondition: *is_ready when its type is Ready, then *ready when its
 * status is "True". Other condition types (any name, any length) are only
 * type-checked. */
static int condition_decode(struct jscan *js, bool *is_ready, bool *ready)
{
    struct jstr key;
    bool open, type_ready = false, status_true = false;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "type"))
            rc = str_is(js, "Ready", &type_ready);
        else if (jstr_eq(&key, "status"))
            rc = str_is(js, "True", &status_true);
        else
            rc = js_skip(js);
    }
    if (rc || r < 0)
        return rc ? rc : r;
    *is_ready = type_ready;
    if (type_ready)
        *ready = status_true;
    return MU_OK;
}

static int conditions_decode(struct jscan *js, struct node_info *n)
{
    bool open, is_ready;
    int r, rc = arr_open(js, &open);

    if (rc || !open)
        return rc;
    while ((r = js_arr_next(js)) > 0) {
        if ((rc = condition_decode(js, &is_ready, &n->ready)))
            return rc;
    }
    return r < 0 ? r : MU_OK;
}

/* status: allocatable (or capacity when allocatable is absent), Ready. */
static int node_status_decode(struct jscan *js, struct node_info *n)
{
    int64_t cap_v[RES_MAX] = {0};
    uint64_t alloc_set = 0, cap_set = 0;
    struct jstr key;
    bool open, have_alloc = false;
    int r = 0, rc = obj_open(js, &open);

    while (open && !rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "allocatable")) {
            have_alloc = js_peek(js) != JT_NULL;
            rc = reslist_decode(js, n->alloc, &alloc_set, false);
        } else if (jstr_eq(&key, "capacity")) {
            rc = reslist_decode(js, cap_v, &cap_set, false);
        } else if (jstr_eq(&key, "conditions")) {
            rc = conditions_decode(js, n);
        } else {
            rc = js_skip(js);
        }
    }
    if (rc || r < 0)
        return rc ? rc : r;
    if (!have_alloc)
        memcpy(n->alloc, cap_v, sizeof(n->alloc));
    return MU_OK;
}

int decode_node(struct jscan *js, struct node_info **out)
{
    struct node_info *n = node_new();
    struct jstr key;
    int r = 0, rc = js_obj_begin(js);

    while (!rc && (r = js_obj_next(js, &key)) > 0) {
        if (jstr_eq(&key, "metadata"))
            rc = node_metadata_decode(js, n);
        else if (jstr_eq(&key, "spec"))
            rc = node_spec_decode(js, n);
        else if (jstr_eq(&key, "status"))
            rc = node_status_decode(js, n);
        else
            rc = js_skip(js);
    }
    if (!rc && r < 0)
        rc = r;
    if (!rc && (!n->name || !n->name[0]))
        rc = js_fail(js, "metadata.name: missing");
    if (rc) {
        node_free(n);
        return rc;
    }
    *out = n;
    return MU_OK;
}

/* ---- whole-buffer wrappers ---- */

static void err_copy(const struct jscan *js, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", js_error(js));
}

int decode_pod_buf(const char *buf, size_t len, const char *prefix,
                   struct pod **out, char *err, size_t errlen)
{
    struct jscan js;
    struct pod *p = NULL;
    int rc;

    js_init(&js, buf, len);
    js_set_prefix(&js, prefix);
    rc = decode_pod(&js, &p);
    if (!rc && (rc = js_end(&js)))
        pod_free(p);
    if (rc) {
        err_copy(&js, err, errlen);
        return rc;
    }
    *out = p;
    return MU_OK;
}

int decode_node_buf(const char *buf, size_t len, const char *prefix,
                    struct node_info **out, char *err, size_t errlen)
{
    struct jscan js;
    struct node_info *n = NULL;
    int rc;

    js_init(&js, buf, len);
    js_set_prefix(&js, prefix);
    rc = decode_node(&js, &n);
    if (!rc && (rc = js_end(&js)))
        node_free(n);
    if (rc) {
        err_copy(&js, err, errlen);
        return rc;
    }
    *out = n;
    return MU_OK;
}
