/* metrics.c - counters, histograms and the Prometheus text exposition. */
#include "common.h"
#include "http/metrics.h"

/* Upper bounds in seconds; a last implicit +Inf bucket holds the rest. The
 * range covers the 0.5 ms names target up to kube-scheduler's 5 s timeout. */
static const double bucket_le[METRICS_NBUCKETS - 1] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,  0.05,    0.1,    0.25,  0.5,    1,     5,
};

void metrics_init(struct metrics *m)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->reject_mu, NULL);
}

void metrics_fini(struct metrics *m)
{
    pthread_mutex_destroy(&m->reject_mu);
}

void metrics_observe(struct metrics *m, enum ext_verb v, int64_t ns,
                     bool error)
{
    struct metrics_hist *h = &m->latency[v];
    double s = (double)ns / 1e9;
    size_t b = 0;

    MU_ASSERT(v < EXT_NVERBS);
    while (b < ARRAY_LEN(bucket_le) && s > bucket_le[b])
        b++;
    atomic_fetch_add(&h->bucket[b], 1);
    atomic_fetch_add(&h->count, 1);
    atomic_fetch_add(&h->sum_ns, (uint_fast64_t)(ns > 0 ? ns : 0));
    atomic_fetch_add(&m->requests[v], 1);
    if (error)
        atomic_fetch_add(&m->errors[v], 1);
}

static struct metrics_reject *reject_find(struct metrics *m, size_t n,
                                          const char *plugin,
                                          const char *code)
{
    for (size_t i = 0; i < n; i++) {
        struct metrics_reject *r = &m->reject[i];

        if ((r->plugin == plugin || strcmp(r->plugin, plugin) == 0) &&
            (r->code == code || strcmp(r->code, code) == 0))
            return r;
    }
    return NULL;
}

void metrics_reject(struct metrics *m, const char *plugin, const char *code,
                    uint64_t n)
{
    struct metrics_reject *r;
    size_t k;

    plugin = plugin ? plugin : "unknown";
    code = code ? code : "unknown";
    r = reject_find(m, atomic_load(&m->nreject), plugin, code);
    if (!r) {
        pthread_mutex_lock(&m->reject_mu);
        k = atomic_load(&m->nreject);
        r = reject_find(m, k, plugin, code);
        if (!r && k < METRICS_MAX_REJECT) {
            r = &m->reject[k];
            r->plugin = plugin;
            r->code = code;
            atomic_store(&m->nreject, k + 1);   /* publish after filling */
        }
        pthread_mutex_unlock(&m->reject_mu);
    }
    if (r)
        atomic_fetch_add(&r->count, n);
    else
        atomic_fetch_add(&m->reject_overflow, n);
}

static int render_counter(struct buf *out, const char *name,
                          const char *help, atomic_uint_fast64_t *v)
{
    int rc = buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name,
                        help, name);

    for (int i = 0; !rc && i < EXT_NVERBS; i++)
        rc = buf_printf(out, "%s{verb=\"%s\"} %llu\n", name,
                        ext_verb_name((enum ext_verb)i),
                        (unsigned long long)atomic_load(&v[i]));
    return rc;
}

static int render_hist(struct buf *out, enum ext_verb v,
                       struct metrics_hist *h)
{
    const char *name = ext_verb_name(v);
    uint64_t cum = 0;
    int rc = MU_OK;

    for (size_t b = 0; !rc && b < METRICS_NBUCKETS; b++) {
        cum += atomic_load(&h->bucket[b]);
        if (b < ARRAY_LEN(bucket_le))
            rc = buf_printf(out,
                            "muster_request_duration_seconds_bucket{verb="
                            "\"%s\",le=\"%g\"} %llu\n",
                            name, bucket_le[b], (unsigned long long)cum);
        else
            rc = buf_printf(out,
                            "muster_request_duration_seconds_bucket{verb="
                            "\"%s\",le=\"+Inf\"} %llu\n",
                            name, (unsigned long long)cum);
    }
    /* _count equals the +Inf bucket even while writers race the reader */
    if (!rc)
        rc = buf_printf(out,
                        "muster_request_duration_seconds_sum{verb=\"%s\"} "
                        "%.9f\nmuster_request_duration_seconds_count{verb="
                        "\"%s\"} %llu\n",
                        name, (double)atomic_load(&h->sum_ns) / 1e9, name,
                        (unsigned long long)cum);
    return rc;
}

static int render_rejects(struct metrics *m, struct buf *out)
{
    size_t n = atomic_load(&m->nreject);
    int rc = buf_adds(out, "# HELP muster_filter_rejections_total Nodes "
                           "rejected by /filter, by plugin and reason.\n"
                           "# TYPE muster_filter_rejections_total "
                           "counter\n");

    for (size_t i = 0; !rc && i < n; i++)
        rc = buf_printf(out,
                        "muster_filter_rejections_total{plugin=\"%s\","
                        "reason=\"%s\"} %llu\n",
                        m->reject[i].plugin, m->reject[i].code,
                        (unsigned long long)atomic_load(&m->reject[i].count));
    if (!rc && atomic_load(&m->reject_overflow))
        rc = buf_printf(out,
                        "muster_filter_rejections_total{plugin=\"other\","
                        "reason=\"other\"} %llu\n",
                        (unsigned long long)atomic_load(&m->reject_overflow));
    return rc;
}

static int render_cache(struct cluster *c, bool synced, struct buf *out)
{
    size_t nodes, pods;

    cluster_rdlock(c);
    nodes = cluster_node_count(c);
    pods = cluster_pod_count(c);
    cluster_unlock(c);
    return buf_printf(out,
                      "# HELP muster_cache_nodes Nodes in muster's cache.\n"
                      "# TYPE muster_cache_nodes gauge\n"
                      "muster_cache_nodes %zu\n"
                      "# HELP muster_cache_pods Pods in muster's cache.\n"
                      "# TYPE muster_cache_pods gauge\n"
                      "muster_cache_pods %zu\n"
                      "# HELP muster_cache_synced 1 once the cache holds "
                      "the initial lists.\n"
                      "# TYPE muster_cache_synced gauge\n"
                      "muster_cache_synced %d\n",
                      nodes, pods, synced ? 1 : 0);
}

int metrics_render(struct metrics *m, struct cluster *c, bool synced,
                   struct buf *out)
{
    int rc;

    rc = render_counter(out, "muster_requests_total",
                        "Extender callbacks answered, by verb.", m->requests);
    if (!rc)
        rc = render_counter(out, "muster_request_errors_total",
                            "Callbacks answered with an error, by verb.",
                            m->errors);
    if (!rc)
        rc = buf_adds(out, "# HELP muster_request_duration_seconds Time "
                           "from request to answer, by verb.\n"
                           "# TYPE muster_request_duration_seconds "
                           "histogram\n");
    for (int i = 0; !rc && i < EXT_NVERBS; i++)
        rc = render_hist(out, (enum ext_verb)i, &m->latency[i]);
    if (!rc)
        rc = render_rejects(m, out);
    if (!rc)
        rc = render_cache(c, synced, out);
    return rc;
}
