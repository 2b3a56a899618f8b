/* replay.c - re-run recorded extender callbacks against another policy
 * and report the decisions that differ (see replay.h). */
#include "common.h"
#include "sim/replay.h"
#include "cache/snapshot.h"
#include "http/ext_int.h"
#include "policy/policy.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>

struct rp_pod {
    char key[320];               /* "ns/name" */
    char uid[128];
    char before[256], after[256];
    struct buf diffs;            /* "node (before: .., after: ..)", ... */
    struct pod *pod;             /* from the last /filter body */
};

struct rp {
    struct policy *pol;
    struct cluster *c;
    struct strmap pods;          /* uid -> rp_pod */
    struct rp_pod **order;       /* first-seen order */
    size_t n, cap;
    struct node_view *nv;
    int64_t *scores;
    size_t nvcap;
    struct replay_stats *st;
};

static struct rp_pod *rp_pod_get(struct rp *r, const char *ns,
                                 const char *name, const char *uid)
{
    struct rp_pod *p = strmap_get(&r->pods, uid, strlen(uid));

    if (p)
        return p;
    p = xcalloc(1, sizeof(*p));
    snprintf(p->key, sizeof(p->key), "%s/%s", ns, name);
    snprintf(p->uid, sizeof(p->uid), "%s", uid);
    snprintf(p->before, sizeof(p->before), "(none)");
    snprintf(p->after, sizeof(p->after), "(none)");
    buf_init(&p->diffs, 1 << 20);
    strmap_put(&r->pods, p->uid, strlen(p->uid), p);
    r->order = xgrow(r->order, &r->cap, r->n + 1, sizeof(*r->order));
    r->order[r->n++] = p;
    return p;
}

/* Did the recorded /filter answer pass node name? */
static bool before_passed(const cJSON *resp, const char *name, size_t len)
{
    const cJSON *names = cJSON_GetObjectItem(resp, "NodeNames"), *it;
    const cJSON *items = cJSON_GetObjectItem(cJSON_GetObjectItem(resp,
                                                                 "Nodes"),
                                             "items");

    cJSON_ArrayForEach(it, names) {
        if (cJSON_IsString(it) && strlen(it->valuestring) == len &&
            !memcmp(it->valuestring, name, len))
            return true;
    }
    cJSON_ArrayForEach(it, items) {
        const cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(it,
                                                                 "metadata"),
                                             "name");

        if (cJSON_IsString(n) && strlen(n->valuestring) == len &&
            !memcmp(n->valuestring, name, len))
            return true;
    }
    return false;
}

/* The new policy on one offered node: RET pass, with a reason if not. */
static bool after_passes(struct rp *r, const struct pod *pod,
                         const struct node_info *node, char *why, size_t cap)
{
    struct node_view nv = {.node = node, .used = node ? node->used : NULL};
    struct filter_status st;

    if (!node) {
        snprintf(why, cap, "node unknown to the cluster snapshot");
        return false;
    }
    if (filter_run(r->pol, pod, &nv, &st, NULL)) {
        snprintf(why, cap, "a filter plugin failed");
        return false;
    }
    snprintf(why, cap, "%s", st.reason);
    return st.verdict == FILTER_PASS;
}

/* The new policy's choice among the passing views: best 0..10 score,
 * ties to the smallest name (as the simulator's --pick-extender). */
static void after_pick(struct rp *r, const struct pod *pod, size_t k,
                       char *dst, size_t cap)
{
    size_t best = 0;

    snprintf(dst, cap, "(none)");
    if (k == 0 || score_run(r->pol, pod, r->nv, k, r->scores))
        return;
    for (size_t i = 1; i < k; i++) {
        if (r->scores[i] > r->scores[best] ||
            (r->scores[i] == r->scores[best] &&
             strcmp(r->nv[i].node->name, r->nv[best].node->name) < 0))
            best = i;
    }
    snprintf(dst, cap, "%s", r->nv[best].node->name);
}

static void filter_node(struct rp *r, struct rp_pod *p, const cJSON *resp,
                        const struct ext_node *en, size_t *k)
{
    const struct node_info *node = cluster_node_get(r->c, en->name,
                                                    en->nlen);
    char why[FILTER_REASON_MAX];
    bool b = before_passed(resp, en->name, en->nlen);
    bool a = after_passes(r, p->pod, node, why, sizeof(why));

    if (a)
        r->nv[(*k)++] = (struct node_view){.node = node, .used = node->used};
    if (a == b)
        return;
    buf_printf(&p->diffs, "%s%.*s (before: %s, after: %s)",
               p->diffs.len ? ", " : "", (int)en->nlen, en->name,
               b ? "passed" : "failed", a ? "passes" : why);
}

static void rp_filter(struct rp *r, const char *req, const cJSON *resp)
{
    struct ext_args a = {0};
    const struct ext_nodes *ns;
    struct rp_pod *p;
    char derr[256];
    size_t k = 0;

    if (ext_args_decode(req, strlen(req), &a, derr, sizeof(derr)) ||
        !a.pod || !a.pod->name) {
        ext_args_fini(&a);
        return;   /* a bad request: the service answered it with an error */
    }
    p = rp_pod_get(r, a.pod->ns ? a.pod->ns : "default", a.pod->name,
                   a.pod->uid && a.pod->uid[0] ? a.pod->uid : a.pod->name);
    pod_free(p->pod);
    p->pod = pod_dup(a.pod);
    ns = a.has_names ? &a.names : &a.nodes;
    if (ns->n > r->nvcap) {
        r->nv = xrealloc(r->nv, ns->n * sizeof(*r->nv));
        r->scores = xrealloc(r->scores, ns->n * sizeof(*r->scores));
        r->nvcap = ns->n;
    }
    buf_reset(&p->diffs);
    for (size_t i = 0; i < ns->n; i++)
        filter_node(r, p, resp, &ns->v[i], &k);
    after_pick(r, p->pod, k, p->after, sizeof(p->after));
    ext_args_fini(&a);
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A successful recorded bind: the choice before, and the state the next
 * decisions were made in. */
static void rp_bind(struct rp *r, const char *req, const cJSON *resp)
{
    cJSON *b = cJSON_Parse(req);
    const char *uid = jstr(b, "PodUID"), *name = jstr(b, "PodName");
    const char *ns = jstr(b, "PodNamespace"), *node = jstr(b, "Node");
    const char *e = jstr(resp, "Error");
    struct rp_pod *p;
    struct pod *bp;

    if (!name || !node || (e && e[0])) {
        cJSON_Delete(b);
        return;
    }
    p = rp_pod_get(r, ns ? ns : "default", name, uid && uid[0] ? uid : name);
    snprintf(p->before, sizeof(p->before), "%s", node);
    if (p->pod) {
        bp = pod_dup(p->pod);
        free(bp->node_name);
        bp->node_name = xstrdup(node);
        bp->phase = PHASE_RUNNING;
        cluster_pod_put(r->c, bp);
    }
    cJSON_Delete(b);
}

/* One record line. RET MU_OK or MU_EINVAL with err set. */
static int rp_line(struct rp *r, const char *line, size_t len,
                   uint64_t lineno, const char *path, char *err,
                   size_t errlen)
{
    cJSON *rec = cJSON_ParseWithLength(line, len), *resp;
    const char *verb = jstr(rec, "verb"), *req = jstr(rec, "request");
    const char *rs = jstr(rec, "response");

    if (!verb || !req || !rs) {
        snprintf(err, errlen, "%s:%llu: not a --record line (needs verb, "
                 "request and response strings)", path,
                 (unsigned long long)lineno);
        cJSON_Delete(rec);
        return MU_EINVAL;
    }
    resp = cJSON_Parse(rs);
    if (!strcmp(verb, "filter"))
        rp_filter(r, req, resp);
    else if (!strcmp(verb, "bind"))
        rp_bind(r, req, resp);
    r->st->records++;
    cJSON_Delete(resp);
    cJSON_Delete(rec);
    return MU_OK;
}

static int rp_read(struct rp *r, FILE *f, const char *path, char *err,
                   size_t errlen)
{
    struct buf line;
    uint64_t lineno = 0;
    int c = 0, rc = MU_OK;

    buf_init(&line, REPLAY_LINE_MAX);
    while (rc == MU_OK && c != EOF) {
        buf_reset(&line);
        while ((c = getc(f)) != EOF && c != '\n' && rc == MU_OK)
            rc = buf_addc(&line, (char)c);
        lineno++;
        if (rc) {
            snprintf(err, errlen, "%s:%llu: line longer than %zu bytes",
                     path, (unsigned long long)lineno, REPLAY_LINE_MAX);
            break;
        }
        if (line.len)
            rc = rp_line(r, line.data, line.len, lineno, path, err, errlen);
    }
    if (rc == MU_OK && ferror(f)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = MU_EIO;
    }
    buf_fini(&line);
    return rc;
}

static void rp_report(struct rp *r, FILE *out)
{
    for (size_t i = 0; i < r->n; i++) {
        struct rp_pod *p = r->order[i];
        bool moved = strcmp(p->before, p->after) != 0;

        r->st->pods++;
        r->st->moved += moved;
        r->st->filtered_differently += p->diffs.len > 0;
        if (!moved && !p->diffs.len)
            continue;
        fprintf(out, "%s: node before %s, after %s", p->key, p->before,
                p->after);
        if (p->diffs.len)
            fprintf(out, "; filtered differently: %s", p->diffs.data);
        fputc('\n', out);
    }
    fprintf(out, "%llu pods in %llu records: %llu placed differently, %llu "
            "filtered differently\n", (unsigned long long)r->st->pods,
            (unsigned long long)r->st->records,
            (unsigned long long)r->st->moved,
            (unsigned long long)r->st->filtered_differently);
}

static void rp_fini(struct rp *r)
{
    for (size_t i = 0; i < r->n; i++) {
        buf_fini(&r->order[i]->diffs);
        pod_free(r->order[i]->pod);
        free(r->order[i]);
    }
    free(r->order);
    strmap_fini(&r->pods);
    free(r->nv);
    free(r->scores);
    if (r->c)
        cluster_unlock(r->c);
    cluster_free(r->c);
    policy_free(r->pol);
}

int replay_run(const char *record_path, const char *policy_path,
               const char *cluster_path, FILE *out, struct replay_stats *st,
               char *err, size_t errlen)
{
    struct rp r = {.st = st};
    FILE *f = NULL;
    int rc;

    memset(st, 0, sizeof(*st));
    strmap_init(&r.pods);
    rc = policy_load(policy_path, &r.pol, err, errlen);
    if (rc == MU_OK)
        rc = snapshot_load(cluster_path, &r.c, err, errlen);
    if (rc == MU_OK)
        cluster_wrlock(r.c);   /* the replay's own copy, one thread */
    if (rc == MU_OK && !(f = fopen(record_path, "r"))) {
        snprintf(err, errlen, "%s: %s", record_path, strerror(errno));
        rc = MU_EIO;
    }
    if (rc == MU_OK)
        rc = rp_read(&r, f, record_path, err, errlen);
    if (rc == MU_OK)
        rp_report(&r, out);
    if (f)
        fclose(f);
    rp_fini(&r);
    return rc;
}
