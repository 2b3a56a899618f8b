/* replay.c - re-run recorded extender callbacks against another policy
 * and report the decisions that differ (see replay.h). */
#include "common.h"
#include "sim/replay.h"
#include "cache/snapshot.h"
#include "http/ext_int.h"
#include "policy/policy.h"
#include "queue/gang.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <time.h>

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
    int64_t *scratch;            /* nvcap x RES_MAX usage copies */
    size_t nvcap;
    struct replay_stats *st;
    struct gang_table *gt;       /* NULL unless the policy gangs */
    struct sched_ctx ctx;        /* the current /filter call's */
    int64_t now_ms;              /* the current record's time */
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

/* The view of node for the current call: under a gang policy, with the
 * call's gang context and the reservations counted as used (as serve's
 * /filter and /prioritize judge it). */
static struct node_view rp_view(struct rp *r, const struct node_info *node,
                                size_t slot)
{
    struct node_view nv = {.node = node, .used = node->used};

    if (r->gt) {
        nv.ctx = &r->ctx;
        nv.used = sched_ctx_usage(&r->ctx, node, r->scratch + slot * RES_MAX);
    }
    return nv;
}

/* The new policy on one offered node: RET pass, with a reason if not. */
static bool after_passes(struct rp *r, const struct pod *pod,
                         const struct node_info *node, size_t slot,
                         char *why, size_t cap)
{
    struct node_view nv;
    struct filter_status st;

    if (!node) {
        snprintf(why, cap, "node unknown to the cluster snapshot");
        return false;
    }
    nv = rp_view(r, node, slot);
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
    bool a = after_passes(r, p->pod, node, *k, why, sizeof(why));

    if (a) {
        r->nv[*k] = rp_view(r, node, *k);
        (*k)++;
    }
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
        r->scratch = xrealloc(r->scratch,
                              ns->n * RES_MAX * sizeof(*r->scratch));
        r->nvcap = ns->n;
    }
    /* The gang table decides as serve's /filter did (it may admit the
     * pod's gang now, under the new policy's plan). */
    if (r->gt)
        gang_filter_ctx(r->gt, r->c, r->pol, p->pod, r->now_ms, &r->ctx);
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

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "2026-11-23T23:08:14.123Z" (what --record writes) in ms since the
 * epoch. RET MU_OK or MU_EINVAL. */
static int rp_time(const char *s, int64_t *ms)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    struct tm tm = {0};
    time_t t;

    if (!s || strlen(s) != sizeof(shape) - 1)
        return MU_EINVAL;
    for (size_t i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return MU_EINVAL;
    }
    tm.tm_year = digits(s, 4) - 1900;
    tm.tm_mon = digits(s + 5, 2) - 1;
    tm.tm_mday = digits(s + 8, 2);
    tm.tm_hour = digits(s + 11, 2);
    tm.tm_min = digits(s + 14, 2);
    tm.tm_sec = digits(s + 17, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return MU_EINVAL;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return MU_EINVAL;
    *ms = (int64_t)t * 1000 + digits(s + 20, 3);
    return MU_OK;
}

/* Time passes to the record's: the gang tick serve runs every
 * GANG_SVC_TICK_MS and after each gang call runs here before each record
 * (timeouts, admissions of waiting gangs), and whatever it would answer
 * or patch is dropped (the record has the real answers). */
static int rp_clock(struct rp *r, const cJSON *rec, uint64_t lineno,
                    const char *path, char *err, size_t errlen)
{
    struct gang_out out;

    if (!r->gt)
        return MU_OK;
    if (rp_time(jstr(rec, "time"), &r->now_ms)) {
        snprintf(err, errlen, "%s:%llu: time: not a UTC time as --record "
                 "writes it (2026-01-02T03:04:05.678Z); a gang policy needs "
                 "the clock", path, (unsigned long long)lineno);
        return MU_EINVAL;
    }
    gang_tick(r->gt, r->c, r->pol, r->now_ms);
    gang_drain(r->gt, &out);
    gang_out_fini(&out);
    return MU_OK;
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
    if (rp_clock(r, rec, lineno, path, err, errlen)) {
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
    free(r->scratch);
    gang_table_free(r->gt);
    if (r->c)
        cluster_unlock(r->c);
    cluster_free(r->c);
    policy_free(r->pol);
}

/* Does the policy list the gang filter (then gangs are replayed)? */
static bool policy_gangs(const struct policy *pol)
{
    for (size_t i = 0; i < pol->nfilters; i++) {
        if (strcmp(pol->filters[i].plugin->name, "gang") == 0)
            return true;
    }
    return false;
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
    if (rc == MU_OK && policy_gangs(r.pol))
        r.gt = gang_table_new();
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
