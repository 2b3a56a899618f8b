/* soak_churn.c - the soak's cluster churn on the fake API server: nodes
 * added, removed, relabelled, cordoned, tainted and made NotReady; plain
 * pods created, finished and deleted; gangs (label, Volcano annotation or
 * PodGroup) created member by member and deleted whole; and random faults
 * of every kind plus compactions. One thread; all randomness from S.seed. */
#include "common.h"
#include "soak.h"
#include "util/xmalloc.h"

const char *const soak_fault_names[SOAK_NFAULTS] = {
    "close_mid", "error_event", "stall",   "http410", "http500",  "list500",
    "list410",   "http429",     "slow",    "bind500", "bind_lost", "compact"};

#define MAX_PLAIN_ALIVE   160 /* plain pods pending or bound at once */
#define MAX_GANGS_ALIVE   8
/* Pods of a PodGroup gang come 0..1 s after their PodGroup, so muster
 * sometimes sees them first (two watches) and must wait for it. */
#define PODGROUP_DELAY_MS 1000

static void node_json(struct buf *b, int i, const struct snode *n)
{
    int rack = (i / 4 + n->rack_shift) % 6;

    buf_printf(b,
               "{\"metadata\":{\"name\":\"node-%d\",\"labels\":{"
               "\"kubernetes.io/hostname\":\"node-%d\","
               "\"topology.muster.dev/rack\":\"rack-%d\","
               "\"topology.kubernetes.io/zone\":\"zone-%d\"}},"
               "\"spec\":{\"unschedulable\":%s",
               i, i, rack, rack / 3, n->cordoned ? "true" : "false");
    if (n->tainted)
        buf_adds(b, ",\"taints\":[{\"key\":\"dedicated\",\"value\":\"x\","
                    "\"effect\":\"NoSchedule\"}]");
    buf_printf(b,
               "},\"status\":{\"allocatable\":{\"cpu\":\"32\","
               "\"memory\":\"128Gi\",\"pods\":\"110\",\"nvidia.com/gpu\":"
               "\"8\"},\"conditions\":[{\"type\":\"Ready\",\"status\":"
               "\"%s\"}]}}",
               n->not_ready ? "False" : "True");
}

/* Append a pod to S.pods (caller holds S.mu); RET its index. */
static size_t pod_new(const char *ns, int gang, struct buf *spec)
{
    struct spod *p;
    size_t i = S.npods;

    S.pods = xgrow(S.pods, &S.podcap, S.npods + 1, sizeof(*S.pods));
    p = &S.pods[S.npods++];
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s-%zu", gang >= 0 ? "g" : "p", i);
    snprintf(p->uid, sizeof(p->uid), "soak-uid-%zu", i);
    p->ns = ns;
    p->gang = gang;
    p->state = SP_PENDING;
    buf_addc(spec, '\0');
    p->json = xstrdup(spec->data);
    return i;
}

/* The metadata for pod number i of gang g (labels and annotations). */
static void gang_meta(struct buf *b, const struct sgang *g)
{
    if (g->mode == GM_VOLCANO)
        buf_printf(b,
                   "\"annotations\":{\"scheduling.k8s.io/group-name\":"
                   "\"%s\",\"muster.dev/min-member\":\"%d\"}",
                   g->name, g->min_member);
    else if (g->mode == GM_LABEL)
        buf_printf(b,
                   "\"labels\":{\"scheduling.x-k8s.io/pod-group\":\"%s\"},"
                   "\"annotations\":{\"muster.dev/min-member\":\"%d\"}",
                   g->name, g->min_member);
    else
        buf_printf(b, "\"labels\":{\"scheduling.x-k8s.io/pod-group\":\"%s\"}",
                   g->name);
}

/* The Pod JSON (no nodeName) for the next pod index; cpu in millicores. */
static void pod_json(struct buf *b, const char *ns, const struct sgang *g,
                     unsigned cpu, unsigned mem_mi, unsigned gpus)
{
    size_t i = S.npods;

    buf_printf(b,
               "{\"metadata\":{\"name\":\"%s-%zu\",\"namespace\":\"%s\","
               "\"uid\":\"soak-uid-%zu\",",
               g ? "g" : "p", i, ns, i);
    if (g)
        gang_meta(b, g);
    else
        buf_printf(b, "\"labels\":{\"app\":\"a%zu\"}", i % 5);
    buf_printf(b,
               "},\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":"
               "{\"requests\":{\"cpu\":\"%um\",\"memory\":\"%uMi\"",
               cpu, mem_mi);
    if (gpus)
        buf_printf(b, ",\"nvidia.com/gpu\":\"%u\"", gpus);
    buf_adds(b, "}}}]},\"status\":{\"phase\":\"Pending\"}}");
}

/* A pod JSON with nodeName and phase set (background and finished pods). */
static char *pod_with_node(const char *json, const char *node,
                           const char *phase)
{
    const char *spec = strstr(json, "\"spec\":{");
    const char *st = strstr(json, "\"status\":{\"phase\":\"Pending\"}");

    MU_ASSERT(spec && st);
    return xasprintf("%.*s\"spec\":{\"nodeName\":\"%s\",%.*s\"status\":{"
                     "\"phase\":\"%s\"}}",
                     (int)(spec - json), json, node, (int)(st - spec - 8),
                     spec + 8, phase);
}

static bool put_one(CURL *h, const char *res, const char *obj)
{
    char *body = xasprintf("[{\"op\":\"put\",\"object\":%s}]", obj);
    bool ok = soak_control(h, res, body);

    free(body);
    return ok;
}

static void node_put(CURL *h, int i)
{
    struct buf b;

    buf_init(&b, 1 << 16);
    node_json(&b, i, &S.nodes[i]);
    buf_addc(&b, '\0');
    put_one(h, "/_control/nodes", b.data);
    buf_fini(&b);
}

int soak_churn_setup(CURL *h)
{
    struct buf b, spec;
    int rc = MU_OK;

    buf_init(&b, BUF_UNLIMITED);
    buf_init(&spec, 1 << 16);
    for (int i = 0; i < SOAK_NODES; i++) {
        S.nodes[i].alive = true;
        node_put(h, i);
    }
    buf_adds(&b, "[");
    pthread_mutex_lock(&S.mu);
    for (int i = 0; i < SOAK_BG_PODS; i++) {
        size_t k;
        char *bound;

        buf_reset(&spec);
        pod_json(&spec, SOAK_NS, NULL, 10, 16, 0);
        k = pod_new(SOAK_NS, -1, &spec);
        S.pods[k].state = SP_FINISHED; /* never scheduled or checked */
        snprintf(S.pods[k].node, sizeof(S.pods[k].node), "node-%d",
                 i % SOAK_NODES);
        bound = pod_with_node(S.pods[k].json, S.pods[k].node, "Running");
        buf_printf(&b, "%s{\"op\":\"put\",\"object\":%s}", i ? "," : "", bound);
        free(bound);
    }
    pthread_mutex_unlock(&S.mu);
    buf_adds(&b, "]");
    buf_addc(&b, '\0');
    if (!soak_control(h, "/_control/pods", b.data) ||
        atomic_load(&S.control_errors))
        rc = MU_EIO;
    buf_fini(&b);
    buf_fini(&spec);
    return rc;
}

/* ---- nodes ---- */

static void churn_node(CURL *h, uint64_t *r)
{
    int i = (int)soak_rnd(r, SOAK_NODES);
    struct snode *n = &S.nodes[i];
    char body[96];

    pthread_mutex_lock(&S.mu);
    S.node_ops++;
    if (n->alive && soak_rnd(r, 8) == 0) {
        n->alive = false;
        snprintf(body, sizeof(body),
                 "[{\"op\":\"delete\",\"name\":"
                 "\"node-%d\"}]",
                 i);
        soak_control(h, "/_control/nodes", body);
        goto out;
    }
    if (n->alive) {
        switch (soak_rnd(r, 4)) {
        case 0:
            n->cordoned = !n->cordoned;
            break;
        case 1:
            n->tainted = !n->tainted && soak_rnd(r, 2);
            break;
        case 2:
            n->not_ready = !n->not_ready && soak_rnd(r, 2);
            break;
        default:
            n->rack_shift = (int)soak_rnd(r, 6);
            break;
        }
    } else {
        memset(n, 0, sizeof(*n));
        n->alive = true;
    }
    node_put(h, i);
out:
    pthread_mutex_unlock(&S.mu);
}

/* ---- plain pods ---- */

/* Plain pods pending, binding or bound; caller holds S.mu. */
static size_t count_plain_alive(void)
{
    size_t n = 0;

    for (size_t i = SOAK_BG_PODS; i < S.npods; i++) {
        const struct spod *p = &S.pods[i];

        if (p->gang < 0 && p->state <= SP_BOUND)
            n++;
    }
    return n;
}

static void churn_pod_create(CURL *h, uint64_t *r)
{
    static const unsigned gpu_choice[] = {0, 0, 0, 0, 0, 1, 1, 2};
    struct buf spec;

    buf_init(&spec, 1 << 16);
    /* under S.mu until the server has it: the scheduler never sees a pod
     * the API server does not have yet (a quick local call) */
    pthread_mutex_lock(&S.mu);
    if (count_plain_alive() < MAX_PLAIN_ALIVE) {
        pod_json(&spec, SOAK_NS, NULL, 100 + soak_rnd(r, 1900),
                 128 + soak_rnd(r, 4000), gpu_choice[soak_rnd(r, 8)]);
        pod_new(SOAK_NS, -1, &spec);
        S.pods_created++;
        put_one(h, "/_control/pods", spec.data);
    }
    pthread_mutex_unlock(&S.mu);
    buf_fini(&spec);
}

/* Pick a random plain pod in one of the states (bitmask); -1: none. */
static long pick_plain(uint64_t *r, unsigned states)
{
    size_t n = S.npods - SOAK_BG_PODS, start;

    if (n == 0)
        return -1;
    start = soak_rnd(r, (uint32_t)n);
    for (size_t j = 0; j < n; j++) {
        size_t i = SOAK_BG_PODS + (start + j) % n;

        if (S.pods[i].gang < 0 && (states & (1u << S.pods[i].state)))
            return (long)i;
    }
    return -1;
}

/* Finish a bound pod (phase Succeeded: it leaves muster's view), or
 * delete a pod in any state. */
static void churn_pod_end(CURL *h, uint64_t *r, bool finish)
{
    unsigned states = finish ? 1u << SP_BOUND
                             : (1u << SP_PENDING | 1u << SP_BINDING |
                                1u << SP_BOUND | 1u << SP_FINISHED);
    char *body = NULL;
    long i;

    pthread_mutex_lock(&S.mu);
    i = pick_plain(r, states);
    if (i >= 0 && finish) {
        char *obj = pod_with_node(S.pods[i].json, S.pods[i].node, "Succeeded");

        body = xasprintf("[{\"op\":\"put\",\"object\":%s}]", obj);
        free(obj);
        S.pods[i].state = SP_FINISHED;
        S.pods_finished++;
    } else if (i >= 0) {
        body = xasprintf("[{\"op\":\"delete\",\"name\":\"%s\",\"namespace\":"
                         "\"%s\"}]",
                         S.pods[i].name, S.pods[i].ns);
        S.pods[i].state = SP_DELETED;
        FREE_NULL(S.pods[i].json);
        S.pods_deleted++;
    }
    pthread_mutex_unlock(&S.mu);
    if (body)
        soak_control(h, "/_control/pods", body);
    free(body);
}

/* ---- gangs ---- */

static void podgroups_post(CURL *h)
{
    struct buf b;
    bool first = true;

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "[");
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; i < S.ngangs; i++) {
        const struct sgang *g = &S.gangs[i];

        if (g->mode != GM_PODGROUP || g->deleted)
            continue;
        buf_printf(&b,
                   "%s{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\""
                   "},\"spec\":{\"minMember\":%d}}",
                   first ? "" : ",", g->name, SOAK_GANG_NS, g->min_member);
        first = false;
    }
    pthread_mutex_unlock(&S.mu);
    buf_adds(&b, "]");
    buf_addc(&b, '\0');
    soak_control(h, "/_control/podgroups", b.data);
    buf_fini(&b);
}

static size_t gangs_alive(void)
{
    size_t n = 0;

    for (size_t i = 0; i < S.ngangs; i++)
        n += !S.gangs[i].deleted;
    return n;
}

/* A new gang: 2..4 members of 1..4 GPUs; minMember its size or one less.
 * Its pods are created later, a chunk at a time (churn_gang_grow). */
static void churn_gang_create(CURL *h, uint64_t *r)
{
    struct sgang *g;
    bool pg;

    pthread_mutex_lock(&S.mu);
    if (gangs_alive() >= MAX_GANGS_ALIVE) {
        pthread_mutex_unlock(&S.mu);
        return;
    }
    S.gangs = xgrow(S.gangs, &S.gangcap, S.ngangs + 1, sizeof(*S.gangs));
    g = &S.gangs[S.ngangs];
    memset(g, 0, sizeof(*g));
    snprintf(g->name, sizeof(g->name), "job-%zu", S.ngangs);
    g->mode = (enum gang_mode)soak_rnd(r, 3);
    g->size = 2 + (int)soak_rnd(r, SOAK_GANG_MAX - 1);
    g->min_member = g->size - (g->size > 2 && soak_rnd(r, 3) == 0);
    g->born_ms = soak_now_ms();
    g->next_create_ms =
        g->born_ms +
        (g->mode == GM_PODGROUP ? soak_rnd(r, PODGROUP_DELAY_MS + 1) : 0);
    S.ngangs++;
    S.gangs_created++;
    pg = g->mode == GM_PODGROUP;
    pthread_mutex_unlock(&S.mu);
    if (pg)
        podgroups_post(h);
}

/* Create the next chunk (1..all) of a gang's members, in one batch. */
static void gang_grow_one(CURL *h, uint64_t *r, struct sgang *g, int gi)
{
    int want = 1 + (int)soak_rnd(r, (uint32_t)(g->size - g->created));
    unsigned gpus = 1 + soak_rnd(r, 4);
    struct buf b, spec;

    buf_init(&b, BUF_UNLIMITED);
    buf_init(&spec, 1 << 16);
    buf_adds(&b, "[");
    for (int j = 0; j < want; j++) {
        size_t k;

        buf_reset(&spec);
        pod_json(&spec, SOAK_GANG_NS, g, 500, 1024, gpus);
        k = pod_new(SOAK_GANG_NS, gi, &spec);
        g->pod[g->created + j] = (int)k;
        buf_printf(&b, "%s{\"op\":\"put\",\"object\":%s}", j ? "," : "",
                   S.pods[k].json);
    }
    g->created += want;
    g->next_create_ms = soak_now_ms() + 500 + soak_rnd(r, 2500);
    S.pods_created += want;
    buf_adds(&b, "]");
    buf_addc(&b, '\0');
    /* posted under S.mu so the scheduler never sees a member the server
     * does not have yet (it is a quick local call) */
    soak_control(h, "/_control/pods", b.data);
    buf_fini(&b);
    buf_fini(&spec);
}

static void churn_gang_grow(CURL *h, uint64_t *r)
{
    int64_t now = soak_now_ms();

    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; i < S.ngangs; i++) {
        struct sgang *g = &S.gangs[i];

        if (!g->deleted && g->created < g->size && now >= g->next_create_ms)
            gang_grow_one(h, r, g, (int)i);
    }
    pthread_mutex_unlock(&S.mu);
}

/* Members of gang g that muster acked; caller holds S.mu. */
static int gang_bound(const struct sgang *g)
{
    int n = 0;

    for (int j = 0; j < g->created; j++)
        n += S.pods[g->pod[j]].state == SP_BOUND;
    return n;
}

/* Delete a whole gang in one batch (the fake applies it atomically):
 * preferably one that is bound (the job ended), sometimes any (cancelled
 * while waiting or while its binds are held). */
static void churn_gang_delete(CURL *h, uint64_t *r)
{
    bool any = soak_rnd(r, 4) == 0, pg = false;
    struct buf b;
    long pick = -1;

    buf_init(&b, BUF_UNLIMITED);
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; i < S.ngangs && pick < 0; i++) {
        struct sgang *g = &S.gangs[(i + soak_rnd(r, 1000)) % S.ngangs];

        if (g->deleted || g->created < g->size)
            continue;
        if (any || gang_bound(g) >= g->min_member)
            pick = g - S.gangs;
    }
    if (pick >= 0) {
        struct sgang *g = &S.gangs[pick];

        buf_adds(&b, "[");
        for (int j = 0; j < g->created; j++) {
            struct spod *p = &S.pods[g->pod[j]];

            buf_printf(&b,
                       "%s{\"op\":\"delete\",\"name\":\"%s\","
                       "\"namespace\":\"%s\"}",
                       j ? "," : "", p->name, p->ns);
            p->state = SP_DELETED;
            FREE_NULL(p->json);
        }
        buf_adds(&b, "]");
        buf_addc(&b, '\0');
        g->deleted = true;
        pg = g->mode == GM_PODGROUP;
        S.gangs_deleted++;
        S.pods_deleted += g->created;
        soak_control(h, "/_control/pods", b.data);
    }
    pthread_mutex_unlock(&S.mu);
    if (pg)
        podgroups_post(h);
    buf_fini(&b);
}

/* ---- faults ---- */

/* Faults armed on the fake for res and not yet taken ("armed" in
 * /_control/stats); -1 when unknown. */
static long faults_armed(CURL *h, const char *res)
{
    struct buf out;
    char key[32];
    const char *p;
    long v = -1;

    buf_init(&out, 1 << 16);
    soak_http(h, S.fake_port, "GET", "/_control/stats", NULL, &out);
    snprintf(key, sizeof(key), "\"%s\":", res);
    p = strstr(out.data, "\"armed\":{");
    p = p ? strstr(p, key) : NULL;
    if (p) {
        v = 0;
        for (p += strlen(key); *p >= '0' && *p <= '9' && v < 1000000; p++)
            v = v * 10 + (*p - '0');
    }
    buf_fini(&out);
    return v;
}

/* One fault at a time per resource: a fault is armed only once the last
 * one was taken. Stacked faults would keep muster failing for as long as
 * its capped backoff times their number (a LIST fault is only taken by a
 * relist), which no real API server does. */
static void churn_fault(CURL *h, uint64_t *r)
{
    int f = (int)soak_rnd(r, SOAK_NFAULTS);
    const char *res = soak_rnd(r, 3) ? "pods" : "nodes";

    /* a bind fault is taken by the next Binding (of any pod) */
    if (strncmp(soak_fault_names[f], "bind", 4) == 0)
        res = "pods";
    char body[128];

    if (f != SOAK_NFAULTS - 1 && faults_armed(h, res) != 0)
        return;
    if (f == SOAK_NFAULTS - 1) {
        soak_control(h, "/_control/compact", "{}");
    } else {
        snprintf(body, sizeof(body),
                 "{\"fault\":\"%s\",\"resource\":\"%s\","
                 "\"ms\":%u}",
                 soak_fault_names[f], res, 100 + soak_rnd(r, 2900));
        soak_control(h, "/_control/fault", body);
    }
    pthread_mutex_lock(&S.mu);
    S.faults[f]++;
    pthread_mutex_unlock(&S.mu);
}

/* One tick (about every 60 ms): one random change, gang growth, and now
 * and then a fault. */
void *soak_churn_main(void *arg)
{
    uint64_t r = S.seed * 2654435761u + 1;
    CURL *h = curl_easy_init();

    MU_UNUSED(arg);
    while (!atomic_load(&S.churn_stop)) {
        uint32_t x = soak_rnd(&r, 100);

        if (x < 25)
            churn_pod_create(h, &r);
        else if (x < 37)
            churn_pod_end(h, &r, true);
        else if (x < 42)
            churn_pod_end(h, &r, false);
        else if (x < 50)
            churn_node(h, &r);
        else if (x < 55)
            churn_gang_create(h, &r);
        else if (x < 59)
            churn_gang_delete(h, &r);
        churn_gang_grow(h, &r);
        if (soak_rnd(&r, 100) < 6)
            churn_fault(h, &r);
        soak_sleep_ms(30 + soak_rnd(&r, 60));
    }
    curl_easy_cleanup(h);
    return NULL;
}
