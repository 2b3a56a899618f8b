/* bench_filter.c - CPU cost per node of the filter+score path that /filter
 * and /prioritize run (name lookup, the policy's filters, the weighted
 * scores), in-process, measured in thread CPU time so that other load on
 * the machine does not count.
 *
 *   make build/libmuster.a && cc -std=c11 -O2 -Isrc -o build/bench_filter \
 *       bench/bench_filter.c build/libmuster.a -lcjson -lmicrohttpd -lcurl \
 *       -lyaml -lm -pthread
 *   ./muster gen-cluster --nodes 5000 --gpus-per-node 8 --cpu 96 \
 *       --memory 1Ti --racks 50 > /tmp/c5k.json
 *   ./build/bench_filter /tmp/c5k.json policies/default.json
 */
#include "common.h"
#include "cache/decode.h"
#include "cache/snapshot.h"
#include "policy/policy.h"
#include "util/xmalloc.h"

#include <time.h>

static const char pod_json[] =
    "{\"metadata\":{\"name\":\"w-0\",\"namespace\":\"ml\",\"uid\":\"u-1\","
    "\"labels\":{\"app\":\"train\"}},\"spec\":{\"nodeSelector\":"
    "{\"kubernetes.io/os\":\"linux\"},\"tolerations\":[{\"key\":"
    "\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":"
    "\"NoExecute\",\"tolerationSeconds\":300}],\"containers\":[{\"name\":"
    "\"c\",\"resources\":{\"requests\":{\"cpu\":\"8\",\"memory\":\"32Gi\","
    "\"nvidia.com/gpu\":\"2\"}}}]}}";

static double cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    struct cluster *c;
    struct policy *pol;
    struct pod *pod;
    char err[512];
    char **names;
    size_t n = 0, iter = 0, rounds = 200;
    struct node_info *ni, **nodes;
    struct node_view *nv;
    int64_t *scores;
    double t0, tf = 0, ts = 0;
    size_t pass = 0;

    if (argc < 3 || snapshot_load(argv[1], &c, err, sizeof(err)) ||
        policy_load(argv[2], &pol, err, sizeof(err)) ||
        decode_pod_buf(pod_json, sizeof(pod_json) - 1, "Pod", &pod, err,
                       sizeof(err))) {
        fprintf(stderr, "bench_filter: %s\n", argc < 3 ? "usage" : err);
        return 2;
    }
    names = xcalloc(cluster_node_count(c), sizeof(*names));
    while ((ni = cluster_node_next(c, &iter)))
        names[n++] = xstrdup(ni->name);
    nv = xcalloc(n, sizeof(*nv));
    nodes = xcalloc(n, sizeof(*nodes));
    scores = xcalloc(n, sizeof(*scores));
    for (size_t r = 0; r < rounds; r++) {
        size_t k = 0;

        t0 = cpu_ns();
        /* as /filter does: resolve every name, then judge each node
         * while the ones a few places ahead are being fetched */
        for (size_t i = 0; i < n; i++)
            nodes[i] = cluster_node_get(c, names[i], strlen(names[i]));
        for (size_t i = 0; i < n; i++) {
            struct filter_status st;

            if (i + 4 < n)
                node_prefetch(nodes[i + 4]);
            nv[k] = (struct node_view){.node = nodes[i],
                                       .used = nodes[i]->used};
            filter_run(pol, pod, &nv[k], &st, NULL);
            if (st.verdict == FILTER_PASS)
                k++;
        }
        tf += cpu_ns() - t0;
        t0 = cpu_ns();
        score_run(pol, pod, nv, k, scores);
        ts += cpu_ns() - t0;
        pass = k;
    }
    cluster_free(c);
    policy_free(pol);
    pod_free(pod);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(nodes);
    free(nv);
    free(scores);
    printf("nodes=%zu passing=%zu filter_ns_per_node=%.0f "
           "score_ns_per_node=%.0f filter_ms_per_call=%.3f "
           "score_ms_per_call=%.3f\n",
           n, pass, tf / rounds / n, ts / rounds / n, tf / rounds / 1e6,
           ts / rounds / 1e6);
    return 0;
}
