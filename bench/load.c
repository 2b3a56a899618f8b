/* load.c - benchmark client: posts filter then prioritize, as kube-scheduler
 * does, over ONE keep-alive connection, and reports latency percentiles.
 *
 * usage: load --url http://127.0.0.1:PORT --cluster FILE
 *             (--names N | --nodelist N) [--iterations K] [--warmup W]
 *             [--seed S] [--label TEXT] [--parse-rounds R] [--wait-ready S]
 *             [--bind 1] [--bodies B]
 *
 * FILE is a `muster gen-cluster` (or kubectl get nodes -o json) dump.
 * --names N: nodeCacheCapable requests, N node names drawn at random (seeded)
 *            from the cluster, a new draw per request body.
 * --nodelist N: full requests, the first N Node objects of the file as the
 *            NodeList (kind/apiVersion stripped, as kube-scheduler sends).
 * Pods rotate through five shapes: cpu-only, 1, 2, 4 and 8 GPUs, with
 * tolerations and node selectors, each ~3 KB like a real informer copy.
 * --bind 1: after filter and prioritize, POST /bind of an
 *            ExtenderBindingArgs for the pod, as kube-scheduler does when
 *            the extender binds. Every pair then carries a pod UID of its
 *            own (patched into the body), so each bind is a new pod; the
 *            nodes are taken in turn from the request's node set.
 * --bodies B: distinct request bodies used in turn (1..10, default 10);
 *            fewer keeps memory down for 5,000-Node NodeLists.
 *
 * Output, one line per figure, for bench/run.sh:
 *   RESULT label=L verb=filter|prioritize|bind n=K p50_us=.. p99_us=..
 *          calls_per_s=.. body_bytes=.. nodes=.. kept=.. connects=1
 *   PARSE label=L bytes=.. parse_p50_us=.. delete_p50_us=..
 * Any non-200 answer or an answer that is not the expected JSON stops the
 * run with exit 1: a benchmark of a failing server means nothing. */
#include "common.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#define LOAD_FILE_MAX ((size_t)1 << 30)
#define LOAD_REPLY_MAX ((size_t)512 << 20)
#define LOAD_BODIES 10       /* distinct request bodies, used in turn */
#define LOAD_SHAPES 5

struct load_opts {
    const char *url, *cluster, *label;
    uint64_t names, nodelist, iterations, warmup, seed, parse_rounds;
    uint64_t wait_ready, bind, bodies;
};

/* What /bind needs to know about each body, and the node set to bind to. */
struct load_binds {
    size_t uid_off[LOAD_BODIES];     /* offset of the pod UID in the body */
    char pod[LOAD_BODIES][128];      /* the pod's name */
    char **nodes;                    /* the request's node set, owned */
    size_t nnodes;
    uint64_t next_uid;               /* distinct per pair and per run */
};

/* The client side of the run: one curl handle, i.e. one connection. */
struct load_client {
    CURL *curl;
    struct curl_slist *headers;
    struct buf reply;
    char url[512];
    long connects;       /* new connections opened, should stay 1 */
};

/* ---- small helpers -------------------------------------------------------- */

static uint64_t load_rand(uint64_t *s)   /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double load_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Decimal digits only, at most max (R8). */
static int load_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return MU_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return MU_EINVAL;
        if (v > (max - (uint64_t)(*s - '0')) / 10)
            return MU_ELIMIT;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return MU_OK;
}

static int load_read_file(const char *path, struct buf *out)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    int rc = MU_OK;

    if (!f)
        return MU_EIO;
    while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = buf_add(out, chunk, n);
    if (!rc && ferror(f))
        rc = MU_EIO;
    fclose(f);
    return rc;
}

static int load_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double load_pct(const double *v, size_t n, double p)
{
    size_t k = (size_t)ceil(p / 100.0 * (double)n);

    return v[k ? k - 1 : 0];
}

/* ---- request bodies --------------------------------------------------------- */

struct load_shape {
    const char *kind;      /* for names */
    int gpus;
    const char *cpu, *memory;
};

static const struct load_shape load_shapes[LOAD_SHAPES] = {
    {"cpu", 0, "2", "4Gi"},
    {"gpu1", 1, "4", "16Gi"},
    {"gpu2", 2, "8", "32Gi"},
    {"gpu4", 4, "16", "64Gi"},
    {"gpu8", 8, "32", "128Gi"},
};

/* GPU pods tolerate the usual nvidia.com/gpu taint and select the GPU
 * product; cpu pods select linux nodes. Both carry the two default
 * NoExecute tolerations every pod gets from the admission plugin. */
static void load_pod_sched(struct buf *b, const struct load_shape *s)
{
    if (s->gpus)
        buf_adds(b, "\"nodeSelector\":{\"nvidia.com/gpu.product\":"
                    "\"NVIDIA-H100-80GB-HBM3\"},");
    else
        buf_adds(b, "\"nodeSelector\":{\"kubernetes.io/os\":\"linux\"},");
    buf_adds(b, "\"tolerations\":[");
    if (s->gpus)
        buf_adds(b, "{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\","
                    "\"effect\":\"NoSchedule\"},");
    buf_adds(b, "{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":"
                "\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":"
                "300},{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
                "\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":"
                "300}],");
}

static void load_pod_container(struct buf *b, const struct load_shape *s)
{
    char gpu[64] = "";

    if (s->gpus)
        snprintf(gpu, sizeof(gpu), ",\"nvidia.com/gpu\":\"%d\"", s->gpus);
    buf_printf(b,
        "\"containers\":[{\"name\":\"main\",\"image\":"
        "\"registry.example.com/ml/trainer:2026.11.1\",\"command\":"
        "[\"python\",\"-m\",\"trainer\"],\"args\":[\"--config\","
        "\"/etc/trainer/config.yaml\",\"--epochs\",\"40\"],\"env\":["
        "{\"name\":\"NCCL_DEBUG\",\"value\":\"WARN\"},{\"name\":"
        "\"OMP_NUM_THREADS\",\"value\":\"%s\"},{\"name\":\"POD_NAME\","
        "\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
        "\"metadata.name\"}}}],\"resources\":{\"limits\":{\"memory\":\"%s\"%s},"
        "\"requests\":{\"cpu\":\"%s\",\"memory\":\"%s\"%s}},\"volumeMounts\":"
        "[{\"name\":\"config\",\"mountPath\":\"/etc/trainer\"},{\"name\":"
        "\"kube-api-access-x7k2p\",\"readOnly\":true,\"mountPath\":"
        "\"/var/run/secrets/kubernetes.io/serviceaccount\"}],"
        "\"terminationMessagePath\":\"/dev/termination-log\","
        "\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":"
        "\"IfNotPresent\"}],",
        s->cpu, s->memory, gpu, s->cpu, s->memory, gpu);
}

static void load_pod_meta(struct buf *b, const struct load_shape *s,
                          unsigned idx, uint64_t *rng)
{
    uint64_t u = load_rand(rng), v = load_rand(rng);

    buf_printf(b,
        "\"metadata\":{\"name\":\"train-%s-%u-worker-0\",\"generateName\":"
        "\"train-%s-%u-worker-\",\"namespace\":\"ml\",\"uid\":"
        "\"%08x-%04x-4%03x-8%03x-%012llx\",\"resourceVersion\":\"%u\","
        "\"creationTimestamp\":\"2026-11-23T18:00:00Z\",\"labels\":{\"app\":"
        "\"train-%s-%u\",\"batch.kubernetes.io/job-name\":\"train-%s-%u\","
        "\"team\":\"research\"},\"annotations\":{\"kubectl.kubernetes.io/"
        "last-applied-configuration\":\"\"},\"ownerReferences\":[{"
        "\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"name\":\"train-%s-%u\","
        "\"uid\":\"c1d2e3f4-0000-4000-8000-%012u\",\"controller\":true,"
        "\"blockOwnerDeletion\":true}],\"managedFields\":[{\"manager\":"
        "\"kube-controller-manager\",\"operation\":\"Update\",\"apiVersion\":"
        "\"v1\",\"time\":\"2026-11-23T18:00:00Z\",\"fieldsType\":\"FieldsV1\","
        "\"fieldsV1\":{\"f:metadata\":{\"f:generateName\":{},\"f:labels\":{"
        "\".\":{},\"f:app\":{},\"f:team\":{}},\"f:ownerReferences\":{\".\":{},"
        "\"k:{\\\"uid\\\":\\\"c1d2e3f4\\\"}\":{}}},\"f:spec\":{"
        "\"f:containers\":{\"k:{\\\"name\\\":\\\"main\\\"}\":{\".\":{},"
        "\"f:image\":{},\"f:name\":{},\"f:resources\":{\".\":{},"
        "\"f:limits\":{},\"f:requests\":{}}}},\"f:nodeSelector\":{},"
        "\"f:tolerations\":{}}}}]},",
        s->kind, idx, s->kind, idx, (unsigned)(u >> 32),
        (unsigned)(u >> 16) & 0xffff, (unsigned)u & 0xfff,
        (unsigned)(v >> 52) & 0xfff, (unsigned long long)(v & 0xffffffffffffULL),
        180000 + idx, s->kind, idx, s->kind, idx, s->kind, idx, idx);
}

/* A ~3 KB Pod as kube-scheduler's informer holds it (no kind/apiVersion). */
static void load_pod(struct buf *b, unsigned shape, unsigned idx,
                     uint64_t *rng)
{
    const struct load_shape *s = &load_shapes[shape % LOAD_SHAPES];

    buf_adds(b, "{");
    load_pod_meta(b, s, idx, rng);
    buf_adds(b, "\"spec\":{\"volumes\":[{\"name\":\"config\",\"configMap\":{"
                "\"name\":\"trainer-config\",\"defaultMode\":420}},{\"name\":"
                "\"kube-api-access-x7k2p\",\"projected\":{\"sources\":[{"
                "\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":"
                "\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\","
                "\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}}],"
                "\"defaultMode\":420}}],");
    load_pod_container(b, s);
    buf_adds(b, "\"restartPolicy\":\"Never\",\"terminationGracePeriodSeconds\":"
                "30,\"dnsPolicy\":\"ClusterFirst\",");
    load_pod_sched(b, s);
    buf_adds(b, "\"serviceAccountName\":\"default\",\"serviceAccount\":"
                "\"default\",\"securityContext\":{},\"schedulerName\":"
                "\"default-scheduler\",\"priority\":0,\"enableServiceLinks\":"
                "true,\"preemptionPolicy\":\"PreemptLowerPriority\"},"
                "\"status\":{\"phase\":\"Pending\",\"qosClass\":\"Burstable\"}}");
}

/* The node names of the cluster dump, borrowed from its cJSON tree. */
struct load_cluster {
    cJSON *root;
    const cJSON *items;
    const char **names;
    size_t n;
};

static int load_cluster_read(const char *path, struct load_cluster *c)
{
    struct buf text;
    const cJSON *it;
    int rc;

    buf_init(&text, LOAD_FILE_MAX);
    rc = load_read_file(path, &text);
    if (rc)
        goto out;
    rc = MU_EINVAL;
    c->root = cJSON_ParseWithLength(text.data, text.len);
    c->items = cJSON_GetObjectItemCaseSensitive(c->root, "items");
    if (!cJSON_IsArray(c->items))
        goto out;
    c->names = xcalloc((size_t)cJSON_GetArraySize(c->items) + 1,
                       sizeof(*c->names));
    cJSON_ArrayForEach(it, c->items) {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(it, "metadata");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");

        if (!cJSON_IsString(name))
            goto out;
        c->names[c->n++] = name->valuestring;
    }
    rc = c->n ? MU_OK : MU_EINVAL;
out:
    buf_fini(&text);
    return rc;
}

static void load_cluster_fini(struct load_cluster *c)
{
    cJSON_Delete(c->root);
    FREE_NULL(c->names);
}

/* {"Pod":...,"Nodes":null,"NodeNames":[N names drawn without repeats]}.
 * Bodies are built in buffers without a cap: appends cannot fail there
 * (xmalloc aborts on exhaustion), so their results are not checked. */
static void load_names_body(struct buf *b, const struct load_cluster *c,
                            size_t want, unsigned variant, uint64_t *rng)
{
    size_t *idx = xmalloc(c->n * sizeof(*idx));

    for (size_t i = 0; i < c->n; i++)
        idx[i] = i;
    buf_adds(b, "{\"Pod\":");
    load_pod(b, variant % LOAD_SHAPES, variant, rng);
    buf_adds(b, ",\"Nodes\":null,\"NodeNames\":[");
    for (size_t i = 0; i < want; i++) {
        /* partial Fisher-Yates: position i gets a random remaining index */
        size_t j = i + (size_t)(load_rand(rng) % (c->n - i)), t = idx[i];

        idx[i] = idx[j];
        idx[j] = t;
        if (i)
            buf_addc(b, ',');
        buf_add_jstrz(b, c->names[idx[i]]);
    }
    buf_adds(b, "]}");
    FREE_NULL(idx);
}

/* The NodeList kube-scheduler sends when nodeCacheCapable is false: the
 * first `want` Nodes without kind/apiVersion (informer objects carry no
 * TypeMeta), under {"metadata":{},"items":[...]}. RET a cJSON string. */
static char *load_nodelist_text(const struct load_cluster *c, size_t want)
{
    cJSON *list = cJSON_CreateObject(), *items = cJSON_CreateArray();
    char *txt;

    cJSON_AddItemToObject(list, "metadata", cJSON_CreateObject());
    cJSON_AddItemToObject(list, "items", items);
    for (size_t i = 0; i < want; i++) {
        cJSON *n = cJSON_Duplicate(cJSON_GetArrayItem(c->items, (int)i), 1);

        cJSON_DeleteItemFromObjectCaseSensitive(n, "kind");
        cJSON_DeleteItemFromObjectCaseSensitive(n, "apiVersion");
        cJSON_AddItemToArray(items, n);
    }
    txt = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);
    MU_ASSERT(txt);
    return txt;
}

static void load_nodelist_body(struct buf *b, const char *nodelist,
                               unsigned variant, uint64_t *rng)
{
    buf_adds(b, "{\"Pod\":");
    load_pod(b, variant % LOAD_SHAPES, variant, rng);
    buf_adds(b, ",\"Nodes\":");
    buf_adds(b, nodelist);
    buf_adds(b, ",\"NodeNames\":null}");
}

/* o->bodies request bodies, all for the same node count. */
static int load_make_bodies(const struct load_opts *o,
                            const struct load_cluster *c, struct buf *bodies)
{
    uint64_t rng = o->seed;
    char *nodelist = NULL;
    size_t want = o->names ? o->names : o->nodelist;

    if (want > c->n) {
        fprintf(stderr, "load: %zu nodes asked for, %s has %zu\n", want,
                o->cluster, c->n);
        return MU_EINVAL;
    }
    if (o->nodelist)
        nodelist = load_nodelist_text(c, want);
    for (unsigned v = 0; v < o->bodies; v++) {
        if (nodelist)
            load_nodelist_body(&bodies[v], nodelist, v, &rng);
        else
            load_names_body(&bodies[v], c, want, v, &rng);
    }
    cJSON_free(nodelist);
    return MU_OK;
}

/* ---- the connection ------------------------------------------------------ */

static size_t load_on_data(char *p, size_t size, size_t nmemb, void *cls)
{
    struct buf *b = cls;

    return buf_add(b, p, size * nmemb) ? 0 : size * nmemb;
}

static void load_client_init(struct load_client *cl, const char *url)
{
    memset(cl, 0, sizeof(*cl));
    snprintf(cl->url, sizeof(cl->url), "%s", url);
    buf_init(&cl->reply, LOAD_REPLY_MAX);
    cl->curl = curl_easy_init();
    MU_ASSERT(cl->curl);
    /* Go sends neither Expect: 100-continue nor chunked bodies. */
    cl->headers = curl_slist_append(NULL, "Content-Type: application/json");
    cl->headers = curl_slist_append(cl->headers, "Expect:");
    curl_easy_setopt(cl->curl, CURLOPT_HTTPHEADER, cl->headers);
    curl_easy_setopt(cl->curl, CURLOPT_WRITEFUNCTION, load_on_data);
    curl_easy_setopt(cl->curl, CURLOPT_WRITEDATA, &cl->reply);
    curl_easy_setopt(cl->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(cl->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(cl->curl, CURLOPT_NOSIGNAL, 1L);
}

static void load_client_fini(struct load_client *cl)
{
    curl_easy_cleanup(cl->curl);
    curl_slist_free_all(cl->headers);
    buf_fini(&cl->reply);
}

/* One request; the reply lands in cl->reply. GET when body is NULL.
 * OUT us: the wall time of the whole exchange
 * RET MU_OK on HTTP 200, MU_EIO otherwise (reported unless quiet) */
static int load_call(struct load_client *cl, const char *verb,
                     const struct buf *body, double *us, bool quiet)
{
    char url[600];
    long code = 0, conns = 0;
    double t0;
    CURLcode cc;

    snprintf(url, sizeof(url), "%s/%s", cl->url, verb);
    buf_reset(&cl->reply);
    curl_easy_setopt(cl->curl, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(cl->curl, CURLOPT_POSTFIELDS, body->data);
        curl_easy_setopt(cl->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)body->len);
    } else {
        curl_easy_setopt(cl->curl, CURLOPT_HTTPGET, 1L);
    }
    t0 = load_now_us();
    cc = curl_easy_perform(cl->curl);
    *us = load_now_us() - t0;
    curl_easy_getinfo(cl->curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(cl->curl, CURLINFO_NUM_CONNECTS, &conns);
    cl->connects += conns;
    if (cc != CURLE_OK || code != 200) {
        if (quiet)
            return MU_EIO;
        fprintf(stderr, "load: %s: %s, HTTP %ld: %.300s\n", url,
                curl_easy_strerror(cc), code,
                cl->reply.data ? cl->reply.data : "");
        return MU_EIO;
    }
    return MU_OK;
}

/* Poll GET /readyz until it answers 200 or `secs` pass. The connection
 * that answers is the one the run then keeps using. */
static int load_wait_ready(struct load_client *cl, uint64_t secs)
{
    double us, deadline = load_now_us() + (double)secs * 1e6;

    while (load_call(cl, "readyz", NULL, &us, true) != MU_OK) {
        if (load_now_us() > deadline) {
            fprintf(stderr, "load: %s/readyz not ready after %llus\n",
                    cl->url, (unsigned long long)secs);
            return MU_ESTATE;
        }
        usleep(100 * 1000);
    }
    return MU_OK;
}

/* ---- checking and measuring ----------------------------------------------- */

/* The reply must be what the verb promises. OUT kept: the nodes it names
 * (filter: passed nodes; prioritize: scored hosts). */
static int load_check(const char *verb, const struct buf *reply, int *kept)
{
    cJSON *r = cJSON_ParseWithLength(reply->data ? reply->data : "",
                                     reply->len);
    const cJSON *names, *nodes, *err;
    int rc = MU_EINVAL;

    if (!strcmp(verb, "prioritize")) {
        if (cJSON_IsArray(r)) {
            *kept = cJSON_GetArraySize(r);
            rc = MU_OK;
        }
        goto out;
    }
    err = cJSON_GetObjectItemCaseSensitive(r, "Error");
    if (cJSON_IsString(err) && err->valuestring[0]) {
        fprintf(stderr, "load: filter answered Error: %.300s\n",
                err->valuestring);
        goto out;
    }
    names = cJSON_GetObjectItemCaseSensitive(r, "NodeNames");
    nodes = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r, "Nodes"), "items");
    if (!cJSON_IsObject(r) || (!cJSON_IsArray(names) && !cJSON_IsArray(nodes)))
        goto out;
    *kept = cJSON_GetArraySize(cJSON_IsArray(names) ? names : nodes);
    rc = MU_OK;
out:
    if (rc)
        fprintf(stderr, "load: unexpected %s reply: %.200s\n", verb,
                reply->data ? reply->data : "");
    cJSON_Delete(r);
    return rc;
}

/* Latencies of one verb over the measured iterations. */
struct load_series {
    const char *verb;
    double *us;
    size_t n;
    int kept;
};

/* Give the body's pod a UID of its own: the last 12 hex digits of the
 * 36-character UID become a counter. */
static void load_new_uid(struct buf *b, size_t off, uint64_t n)
{
    char hex[16];

    snprintf(hex, sizeof(hex), "%012llx",
             (unsigned long long)(n & 0xffffffffffffULL));
    memcpy(b->data + off + 24, hex, 12);
}

/* POST /bind for body v's pod (its UID as patched) to the next node. */
static int load_bind(struct load_client *cl, struct load_binds *lb,
                     const struct buf *b, unsigned v, uint64_t i,
                     struct buf *args, double *us)
{
    int rc;

    buf_reset(args);
    buf_adds(args, "{\"PodName\":");
    buf_add_jstrz(args, lb->pod[v]);
    buf_adds(args, ",\"PodNamespace\":\"ml\",\"PodUID\":\"");
    buf_add(args, b->data + lb->uid_off[v], 36);
    buf_adds(args, "\",\"Node\":");
    buf_add_jstrz(args, lb->nodes[i % lb->nnodes]);
    buf_addc(args, '}');
    rc = load_call(cl, "bind", args, us, false);
    if (!rc && !strstr(cl->reply.data ? cl->reply.data : "",
                       "\"Error\":\"\"")) {
        fprintf(stderr, "load: bind refused: %.300s\n", cl->reply.data);
        rc = MU_EINVAL;
    }
    return rc;
}

/* One filter + prioritize pair on body b (and a bind with --bind); the
 * first use of every body checks both replies (outside the timed part). */
static int load_pair(struct load_client *cl, const struct buf *b,
                     bool check, struct load_series *s, bool record)
{
    for (int v = 0; v < 2; v++) {
        double us;
        int kept = 0, rc = load_call(cl, s[v].verb, b, &us, false);

        if (!rc && check)
            rc = load_check(s[v].verb, &cl->reply, &kept);
        if (rc)
            return rc;
        if (check)
            s[v].kept = kept;
        if (record)
            s[v].us[s[v].n++] = us;
    }
    return MU_OK;
}

static void load_report(const struct load_opts *o, struct load_series *s,
                        size_t body_len, const struct load_client *cl)
{
    double sum = 0;

    qsort(s->us, s->n, sizeof(*s->us), load_cmp_double);
    for (size_t i = 0; i < s->n; i++)
        sum += s->us[i];
    printf("RESULT label=%s verb=%s n=%zu p50_us=%.0f p99_us=%.0f "
           "calls_per_s=%.1f body_bytes=%zu nodes=%llu kept=%d "
           "connects=%ld\n",
           o->label, s->verb, s->n, load_pct(s->us, s->n, 50),
           load_pct(s->us, s->n, 99), sum > 0 ? (double)s->n * 1e6 / sum : 0,
           body_len,
           (unsigned long long)(o->names ? o->names : o->nodelist), s->kept,
           cl->connects);
}

static int load_run(const struct load_opts *o, struct load_client *cl,
                    struct buf *bodies, struct load_binds *lb)
{
    struct load_series s[3] = {{.verb = "filter"}, {.verb = "prioritize"},
                               {.verb = "bind"}};
    uint64_t total = o->warmup + o->iterations;
    int nv = o->bind ? 3 : 2, rc = MU_OK;
    struct buf args;

    buf_init(&args, BUF_UNLIMITED);
    for (int v = 0; v < nv; v++)
        s[v].us = xcalloc(o->iterations + 1, sizeof(double));
    for (uint64_t i = 0; i < total && !rc; i++) {
        unsigned v = (unsigned)(i % o->bodies);
        double us;

        if (o->bind)
            load_new_uid(&bodies[v], lb->uid_off[v], lb->next_uid++);
        rc = load_pair(cl, &bodies[v], i < o->bodies, s, i >= o->warmup);
        if (!rc && o->bind)
            rc = load_bind(cl, lb, &bodies[v], v, i, &args, &us);
        if (!rc && o->bind && i >= o->warmup)
            s[2].us[s[2].n++] = us;
    }
    for (int v = 0; v < nv && !rc; v++)
        load_report(o, &s[v], v == 2 ? args.len : bodies[0].len, cl);
    for (int v = 0; v < nv; v++)
        FREE_NULL(s[v].us);
    buf_fini(&args);
    return rc;
}

/* What parsing alone costs: cJSON_Parse, then cJSON_Delete, of the exact
 * body sent, `rounds` times each, median reported. */
static void load_parse_figure(const struct load_opts *o, const struct buf *b)
{
    double *tp = xcalloc(o->parse_rounds, sizeof(double));
    double *td = xcalloc(o->parse_rounds, sizeof(double));

    for (uint64_t i = 0; i < o->parse_rounds; i++) {
        double t0 = load_now_us(), t1;
        cJSON *root = cJSON_ParseWithLength(b->data, b->len);

        t1 = load_now_us();
        MU_ASSERT(root);
        cJSON_Delete(root);
        tp[i] = t1 - t0;
        td[i] = load_now_us() - t1;
    }
    qsort(tp, o->parse_rounds, sizeof(double), load_cmp_double);
    qsort(td, o->parse_rounds, sizeof(double), load_cmp_double);
    printf("PARSE label=%s bytes=%zu parse_p50_us=%.0f delete_p50_us=%.0f\n",
           o->label, b->len, load_pct(tp, o->parse_rounds, 50),
           load_pct(td, o->parse_rounds, 50));
    FREE_NULL(tp);
    FREE_NULL(td);
}

/* ---- command line --------------------------------------------------------- */

static int load_flag(struct load_opts *o, const char *flag, const char *val)
{
    static const struct {
        const char *name;
        size_t off;
        uint64_t max;
    } nums[] = {
        {"--names", offsetof(struct load_opts, names), 1000000},
        {"--nodelist", offsetof(struct load_opts, nodelist), 100000},
        {"--iterations", offsetof(struct load_opts, iterations), 10000000},
        {"--warmup", offsetof(struct load_opts, warmup), 1000000},
        {"--seed", offsetof(struct load_opts, seed), UINT64_MAX},
        {"--parse-rounds", offsetof(struct load_opts, parse_rounds), 100000},
        {"--wait-ready", offsetof(struct load_opts, wait_ready), 3600},
        {"--bind", offsetof(struct load_opts, bind), 1},
        {"--bodies", offsetof(struct load_opts, bodies), LOAD_BODIES},
    };

    if (!strcmp(flag, "--url"))
        o->url = val;
    else if (!strcmp(flag, "--cluster"))
        o->cluster = val;
    else if (!strcmp(flag, "--label"))
        o->label = val;
    else {
        for (size_t i = 0; i < ARRAY_LEN(nums); i++)
            if (!strcmp(flag, nums[i].name))
                return load_parse_u64(val, nums[i].max,
                                      (uint64_t *)((char *)o + nums[i].off));
        return MU_ENOENT;
    }
    return MU_OK;
}

static int load_args(int argc, char **argv, struct load_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->iterations = 1000;
    o->warmup = 50;
    o->seed = 1;
    o->label = "run";
    o->bodies = LOAD_BODIES;
    for (int i = 1; i < argc; i += 2) {
        int rc = i + 1 < argc ? load_flag(o, argv[i], argv[i + 1])
                              : MU_EINVAL;

        if (rc) {
            fprintf(stderr, "load: %s: %s\n", argv[i],
                    rc == MU_ENOENT ? "unknown flag" : "bad or missing value");
            return MU_EINVAL;
        }
    }
    if (!o->url || !o->cluster || !o->iterations || !o->bodies ||
        !o->names == !o->nodelist || strchr(o->label, ' ')) {
        fprintf(stderr, "usage: load --url URL --cluster FILE "
                        "(--names N | --nodelist N) [--iterations K] "
                        "[--warmup W] [--seed S] [--label WORD] "
                        "[--parse-rounds R] [--wait-ready SECS] "
                        "[--bind 1] [--bodies 1..10]\n");
        return MU_EINVAL;
    }
    /* every body is checked on first use, inside the warm-up */
    o->warmup = MU_MAX(o->warmup, o->bodies);
    return MU_OK;
}

/* Where each body's pod UID and name are, and every node of the cluster
 * to bind to in turn (so no node gets more than its share of pods). */
static int load_binds_init(struct load_binds *lb, const struct load_opts *o,
                           const struct load_cluster *c,
                           const struct buf *bodies)
{
    memset(lb, 0, sizeof(*lb));
    for (unsigned v = 0; v < o->bodies; v++) {
        const char *uid = strstr(bodies[v].data, "\"uid\":\"");
        const char *name = strstr(bodies[v].data, "\"name\":\"");
        size_t n;

        if (!uid || !name || strlen(uid + 7) < 37 || uid[7 + 36] != '"')
            return MU_EINVAL;
        lb->uid_off[v] = (size_t)(uid + 7 - bodies[v].data);
        n = strcspn(name + 8, "\"");
        if (n == 0 || n >= sizeof(lb->pod[v]))
            return MU_EINVAL;
        memcpy(lb->pod[v], name + 8, n);
    }
    lb->nodes = xcalloc(c->n, sizeof(*lb->nodes));
    for (size_t i = 0; i < c->n; i++)
        lb->nodes[i] = xstrdup(c->names[i]);
    lb->nnodes = c->n;
    /* UIDs never seen by this server before, even across runs. */
    lb->next_uid = (uint64_t)load_now_us();
    return MU_OK;
}

static void load_binds_fini(struct load_binds *lb)
{
    for (size_t i = 0; i < lb->nnodes; i++)
        FREE_NULL(lb->nodes[i]);
    FREE_NULL(lb->nodes);
}

int main(int argc, char **argv)
{
    struct load_opts o;
    struct load_cluster c = {0};
    struct load_client cl;
    struct load_binds lb = {0};
    struct buf bodies[LOAD_BODIES];
    int rc;

    if (load_args(argc, argv, &o))
        return 2;
    for (unsigned v = 0; v < LOAD_BODIES; v++)
        buf_init(&bodies[v], BUF_UNLIMITED);
    if (load_cluster_read(o.cluster, &c)) {
        fprintf(stderr, "load: %s: not a readable list of Nodes\n",
                o.cluster);
        load_cluster_fini(&c);
        return 2;
    }
    rc = load_make_bodies(&o, &c, bodies);
    if (!rc && o.bind && (rc = load_binds_init(&lb, &o, &c, bodies)))
        fprintf(stderr, "load: no pod uid/name in the request body\n");
    load_cluster_fini(&c);
    if (rc)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    load_client_init(&cl, o.url);
    rc = o.wait_ready ? load_wait_ready(&cl, o.wait_ready) : MU_OK;
    if (!rc)
        rc = load_run(&o, &cl, bodies, &lb);
    if (!rc && o.parse_rounds)
        load_parse_figure(&o, &bodies[0]);
    load_client_fini(&cl);
    curl_global_cleanup();
    load_binds_fini(&lb);
    for (unsigned v = 0; v < LOAD_BODIES; v++)
        buf_fini(&bodies[v]);
    return rc ? 1 : 0;
}
