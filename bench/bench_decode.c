/* bench_decode.c - time decoding a NodeList of realistic nodes (~8.8 KB
 * each, image lists included) into struct node_info, next to cJSON parsing
 * the same bytes.
 *
 * Not part of `make test` (timings are never asserted). Build and run from
 * the repository root:
 *
 *   make build/libmuster.a && cc -std=c11 -O2 -D_GNU_SOURCE -pthread -Isrc \
 *       -o build/bench_decode bench/bench_decode.c build/libmuster.a \
 *       -lcjson -lm && ./build/bench_decode [NODES]
 *
 * Reports, best of ROUNDS, ms per document for: decode_node over every item
 * (what the watch's relist does), snapshot_parse (decode plus building the
 * cluster), and cJSON_Parse + cJSON_Delete.
 */
#include "common.h"
#include "cache/decode.h"
#include "cache/snapshot.h"
#include "util/buf.h"
#include "util/jscan.h"
#include "util/quantity.h"

#include <cjson/cJSON.h>
#include <time.h>

#define ROUNDS 15

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void add_meta(struct buf *b, int i)
{
    buf_printf(
        b,
        "{\"metadata\":{\"name\":\"gpu-%05d\",\"uid\":\"9f1c%08x-4b1e-4c7a-"
        "9d3e-%012x\",\"resourceVersion\":\"%d\",\"creationTimestamp\":"
        "\"2026-11-20T08:12:55Z\",\"labels\":{\"beta.kubernetes.io/arch\":"
        "\"amd64\",\"beta.kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":"
        "\"amd64\",\"kubernetes.io/hostname\":\"gpu-%05d\",\"kubernetes.io/"
        "os\":\"linux\",\"node.kubernetes.io/instance-type\":\"p4d.24xlarge\","
        "\"topology.kubernetes.io/region\":\"eu-central-1\",\"topology."
        "kubernetes.io/zone\":\"eu-central-1%c\",\"topology.muster.dev/rack\":"
        "\"rack-%d\",\"nvidia.com/gpu.product\":\"NVIDIA-A100-SXM4-80GB\","
        "\"nvidia.com/gpu.count\":\"8\"},\"annotations\":{\"node.alpha."
        "kubernetes.io/ttl\":\"0\",\"volumes.kubernetes.io/controller-managed"
        "-attach-detach\":\"true\",\"csi.volume.kubernetes.io/nodeid\":"
        "\"{\\\"ebs.csi.aws.com\\\":\\\"i-0%015x\\\"}\"},",
        i, i, i * 7919, 100000 + i, i, 'a' + i % 3, i / 16, i);
    buf_adds(
        b,
        "\"managedFields\":[{\"manager\":\"kubelet\",\"operation\":\"Update\","
        "\"apiVersion\":\"v1\",\"time\":\"2026-11-23T18:20:51Z\",\"fieldsType"
        "\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:allocatable\":{\".\":"
        "{},\"f:cpu\":{},\"f:memory\":{},\"f:nvidia.com/gpu\":{},\"f:pods\":{}"
        "},\"f:conditions\":{\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},"
        "\"f:lastHeartbeatTime\":{},\"f:message\":{},\"f:reason\":{},"
        "\"f:status\":{},\"f:type\":{}}},\"f:images\":{},\"f:nodeInfo\":{"
        "\"f:bootID\":{}}}},\"subresource\":\"status\"}]},");
}

static void add_status(struct buf *b, int i)
{
    static const char *const conds[] = {"MemoryPressure", "DiskPressure",
                                        "PIDPressure", "Ready"};

    buf_printf(
        b,
        "\"spec\":{\"podCIDR\":\"10.%d.%d.0/24\",\"podCIDRs\":[\"10.%d.%d.0/24"
        "\"],\"providerID\":\"aws:///eu-central-1a/i-0%015x\",\"taints\":[{"
        "\"key\":\"nvidia.com/gpu\",\"value\":\"present\",\"effect\":"
        "\"NoSchedule\"}]},\"status\":{\"capacity\":{\"cpu\":\"96\",\"ephemeral"
        "-storage\":\"1844244448Ki\",\"hugepages-1Gi\":\"0\",\"hugepages-2Mi\":"
        "\"0\",\"memory\":\"1056816868Ki\",\"nvidia.com/gpu\":\"8\",\"pods\":"
        "\"110\",\"rdma/hca\":\"1\"},\"allocatable\":{\"cpu\":\"95500m\","
        "\"ephemeral-storage\":\"1699654806353\",\"hugepages-1Gi\":\"0\","
        "\"hugepages-2Mi\":\"0\",\"memory\":\"1055665892Ki\",\"nvidia.com/gpu"
        "\":\"8\",\"pods\":\"110\",\"rdma/hca\":\"1\"},\"conditions\":[",
        i / 256, i % 256, i / 256, i % 256, i);
    for (size_t c = 0; c < ARRAY_LEN(conds); c++)
        buf_printf(b,
                   "%s{\"type\":\"%s\",\"status\":\"%s\","
                   "\"lastHeartbeatTime\":\"2026-11-23T20:11:42Z\","
                   "\"lastTransitionTime\":\"2026-11-20T08:14:03Z\","
                   "\"reason\":\"Kubelet%s\",\"message\":\"kubelet is "
                   "posting %s status\"}",
                   c ? "," : "", conds[c], c == 3 ? "True" : "False", conds[c],
                   conds[c]);
    buf_printf(
        b,
        "],\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.20.%d.%d"
        "\"},{\"type\":\"Hostname\",\"address\":\"gpu-%05d\"}],"
        "\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":10250}},"
        "\"nodeInfo\":{\"machineID\":\"ec2%029x\",\"systemUUID\":\"ec2%05x-"
        "0000-0000-0000-000000000000\",\"bootID\":\"b%07x-1111-2222-3333-"
        "444455556666\",\"kernelVersion\":\"6.1.0-27-amd64\",\"osImage\":"
        "\"Debian GNU/Linux 12 (bookworm)\",\"containerRuntimeVersion\":"
        "\"containerd://1.7.22\",\"kubeletVersion\":\"v1.30.6\","
        "\"kubeProxyVersion\":\"v1.30.6\",\"operatingSystem\":\"linux\","
        "\"architecture\":\"amd64\"},\"images\":[",
        i / 256, i % 256, i, i, i, i);
}

/* Image list: what makes real node objects big. */
static void add_images(struct buf *b, int i)
{
    for (int k = 0; k < 30; k++)
        buf_printf(b,
                   "%s{\"names\":[\"registry.example.com/team-%d/image-%d@"
                   "sha256:%016x%016x%016x%016x\",\"registry.example.com/"
                   "team-%d/image-%d:v1.%d.%d\"],\"sizeBytes\":%d}",
                   k ? "," : "", k % 7, k, k * 31 + i, k * 17, k * 13, k, k % 7,
                   k, k, i % 10, 100000000 + k * 1234567);
    buf_adds(b, "]}}");
}

static void make_doc(struct buf *b, int nodes)
{
    buf_adds(b, "{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"metadata\":"
                "{\"resourceVersion\":\"123456\"},\"items\":[");
    for (int i = 0; i < nodes; i++) {
        if (i)
            buf_addc(b, ',');
        add_meta(b, i);
        add_status(b, i);
        add_images(b, i);
    }
    buf_adds(b, "]}");
}

/* What the watch's relist does: every item through decode_node. */
static int decode_all(const char *doc, size_t n, int *count)
{
    struct jscan js;
    struct jstr key;
    struct node_info *ni;
    int r, rc = MU_OK;

    *count = 0;
    js_init(&js, doc, n);
    if (js_obj_begin(&js))
        return MU_EINVAL;
    while (!rc && (r = js_obj_next(&js, &key)) > 0) {
        if (!jstr_eq(&key, "items")) {
            rc = js_skip(&js);
            continue;
        }
        rc = js_arr_begin(&js);
        while (!rc && js_arr_next(&js) > 0) {
            rc = decode_node(&js, &ni);
            if (!rc) {
                node_free(ni);
                (*count)++;
            }
        }
    }
    if (rc)
        fprintf(stderr, "decode: %s\n", js_error(&js));
    return rc;
}

static void report(const char *what, double best, size_t n)
{
    printf("%-34s %8.2f ms  %7.0f MB/s\n", what, best,
           (double)n / 1e6 / (best / 1e3));
}

int main(int argc, char **argv)
{
    int64_t nodes = 500;
    int count = 0;
    double best_dec = 1e9, best_snap = 1e9, best_cj = 1e9, best_cjd = 1e9;
    struct buf b;
    char err[512];

    if (argc > 1 && (quantity_parse(argv[1], strlen(argv[1]), 0, &nodes) ||
                     nodes < 1 || nodes > 100000)) {
        fprintf(stderr, "usage: bench_decode [NODES 1..100000]\n");
        return 2;
    }
    buf_init(&b, BUF_UNLIMITED);
    make_doc(&b, (int)nodes);
    for (int r = 0; r < ROUNDS; r++) {
        struct cluster *c = NULL;
        cJSON *j;
        double t0 = now_ms(), t1, t2, t3, t4;

        if (decode_all(b.data, b.len, &count))
            return 1;
        t1 = now_ms();
        if (snapshot_parse(b.data, b.len, "bench", &c, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        t2 = now_ms();
        cluster_free(c);
        t3 = now_ms();
        j = cJSON_Parse(b.data);
        t4 = now_ms();
        if (!j) {
            fprintf(stderr, "cJSON_Parse failed\n");
            return 1;
        }
        cJSON_Delete(j);
        best_dec = MU_MIN(best_dec, t1 - t0);
        best_snap = MU_MIN(best_snap, t2 - t1);
        best_cj = MU_MIN(best_cj, t4 - t3);
        best_cjd = MU_MIN(best_cjd, now_ms() - t4);
    }
    printf("%d nodes, %.2f MB (%.1f KB per node), best of %d\n", count,
           (double)b.len / 1e6, (double)b.len / 1e3 / count, ROUNDS);
    report("decode_node x N (jscan)", best_dec, b.len);
    report("snapshot_parse (decode + cluster)", best_snap, b.len);
    report("cJSON_Parse", best_cj, b.len);
    report("cJSON_Delete", best_cjd, b.len);
    buf_fini(&b);
    return 0;
}
