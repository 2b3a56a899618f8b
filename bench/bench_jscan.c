/* bench_jscan.c - throughput of the jscan pull scanner over a multi-MB
 * NodeList-like document, next to cJSON parsing the same bytes.
 *
 * Not part of `make test` (timings are never asserted). Build and run from
 * the repository root:
 *
 *   cc -std=c11 -O2 -Isrc -o build/bench_jscan bench/bench_jscan.c \
 *       src/util/jscan.c src/util/quantity.c src/util/buf.c \
 *       src/util/xmalloc.c -lcjson && ./build/bench_jscan [MB]
 *
 * It reports MB/s and ms per document for js_skip (validate everything,
 * keep nothing), for a decoder-like walk (names, labels and allocatable
 * quantities read, the rest skipped) and for cJSON_Parse + cJSON_Delete.
 */
#include "common.h"
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

/* One node as the apiserver writes it: managedFields and the image list
 * are most of the bytes, as on real clusters. */
static void add_node(struct buf *b, int i)
{
    int k;

    buf_printf(b, "{\"metadata\":{\"name\":\"node-%05d\",\"uid\":\"9f1c%08x-"
                  "4b1e-4c7a-9d3e-%012x\",\"resourceVersion\":\"%d\","
                  "\"creationTimestamp\":\"2026-11-23T18:20:51Z\",\"labels\":{"
                  "\"kubernetes.io/arch\":\"amd64\",\"kubernetes.io/hostname\":"
                  "\"node-%05d\",\"kubernetes.io/os\":\"linux\","
                  "\"topology.kubernetes.io/zone\":\"zone-%d\","
                  "\"nvidia.com/gpu.product\":\"A100-SXM4-80GB\"},"
                  "\"annotations\":{\"node.alpha.kubernetes.io/ttl\":\"0\","
                  "\"note\":\"caf\\u00e9 \\\"quoted\\\" \\\\ path\"},",
               i, i, i * 7919, 1000 + i, i, i % 4);
    buf_adds(b, "\"managedFields\":[{\"manager\":\"kubelet\",\"operation\":"
                "\"Update\",\"apiVersion\":\"v1\",\"time\":\"2026-11-23T18:20:"
                "51Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":"
                "{\"f:allocatable\":{\".\":{},\"f:cpu\":{},\"f:memory\":{},"
                "\"f:nvidia.com/gpu\":{},\"f:pods\":{}},\"f:conditions\":{"
                "\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},"
                "\"f:lastHeartbeatTime\":{},\"f:message\":{},\"f:reason\":{},"
                "\"f:status\":{},\"f:type\":{}}}}}}]},");
    buf_printf(b, "\"spec\":{\"podCIDR\":\"10.%d.%d.0/24\",\"taints\":[{"
                  "\"key\":\"nvidia.com/gpu\",\"value\":\"present\",\"effect\":"
                  "\"NoSchedule\"}]},\"status\":{\"capacity\":{\"cpu\":\"%d\","
                  "\"memory\":\"%dKi\",\"nvidia.com/gpu\":\"8\","
                  "\"pods\":\"110\"},"
                  "\"allocatable\":{\"cpu\":\"%dm\",\"memory\":\"%dKi\","
                  "\"nvidia.com/gpu\":\"8\",\"pods\":\"110\"},\"conditions\":[",
               i / 256, i % 256, 64, 527972500 + i, 63800, 527972500 - i);
    for (k = 0; k < 5; k++)
        buf_printf(b, "%s{\"type\":\"Cond%d\",\"status\":\"False\","
                      "\"lastHeartbeatTime\":\"2026-11-23T18:20:51Z\","
                      "\"lastTransitionTime\":\"2026-11-23T18:20:51Z\","
                      "\"reason\":\"KubeletHasSufficient\","
                      "\"message\":\"kubelet "
                      "has sufficient resources available on this node\"}",
                   k ? "," : "", k);
    buf_adds(b, "],\"images\":[");
    for (k = 0; k < 12; k++)
        buf_printf(b, "%s{\"names\":[\"registry.example.com/team/app-%d@sha256:"
                      "4f2a9c1e7b3d5f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6"
                      "e8b0d2f4a\",\"registry.example.com/team/app-%d:"
                      "v1.%d.%d\"],"
                      "\"sizeBytes\":%d}",
                   k ? "," : "", k, k, k, i % 10, 10000000 + k * 12345);
    buf_printf(b, "],\"nodeInfo\":{\"kubeletVersion\":\"v1.20.2\",\"osImage\":"
                  "\"Debian GNU/Linux 12\",\"architecture\":\"amd64\"},"
                  "\"addresses\":[{\"type\":\"InternalIP\",\"address\":"
                  "\"10.0.%d.%d\"}]}}",
               i / 256, i % 256);
}

static void make_doc(struct buf *b, size_t target, int *nodes)
{
    buf_adds(b, "{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"metadata\":{"
                "\"resourceVersion\":\"123456\"},\"items\":[\n");
    for (*nodes = 0; b->len < target; (*nodes)++) {
        if (*nodes)
            buf_adds(b, ",\n");
        add_node(b, *nodes);
    }
    buf_adds(b, "]}\n");
}

/* Read what a node decoder needs from one item; skip the rest. */
static int walk_node(struct jscan *js, int64_t *sum)
{
    struct jstr k, s;
    int64_t v;
    int r, rc = js_obj_begin(js);

    while (rc == MU_OK && (r = js_obj_next(js, &k)) > 0) {
        if (jstr_eq(&k, "status")) {
            rc = js_obj_begin(js);
            while (rc == MU_OK && (r = js_obj_next(js, &k)) > 0) {
                if (!jstr_eq(&k, "allocatable")) {
                    rc = js_skip(js);
                    continue;
                }
                rc = js_obj_begin(js);
                while (rc == MU_OK && (r = js_obj_next(js, &k)) > 0) {
                    rc = js_str(js, &s);
                    if (rc == MU_OK &&
                        quantity_parse(s.p, s.n, jstr_eq(&k, "cpu") ? 3 : 0,
                                       &v) == MU_OK)
                        *sum += v;
                }
            }
        } else {
            rc = js_skip(js);
        }
        if (r < 0)
            return r;
    }
    return rc;
}

static int walk_doc(const char *doc, size_t n, int64_t *sum)
{
    struct jscan js;
    struct jstr k;
    int r, rc;

    js_init(&js, doc, n);
    rc = js_obj_begin(&js);
    while (rc == MU_OK && (r = js_obj_next(&js, &k)) > 0) {
        if (!jstr_eq(&k, "items")) {
            rc = js_skip(&js);
            continue;
        }
        rc = js_arr_begin(&js);
        while (rc == MU_OK && js_arr_next(&js) > 0)
            rc = walk_node(&js, sum);
    }
    if (rc == MU_OK)
        rc = js_end(&js);
    if (rc)
        fprintf(stderr, "walk: %s\n", js_error(&js));
    return rc;
}

static void report(const char *what, double best_ms, size_t n)
{
    printf("%-28s %8.2f ms/doc  %8.0f MB/s\n", what, best_ms,
           (double)n / 1e6 / (best_ms / 1e3));
}

int main(int argc, char **argv)
{
    struct buf doc;
    struct jscan js;
    double t, best_skip = 1e9, best_walk = 1e9, best_cjson = 1e9;
    int64_t sum = 0;
    size_t mb = 5;
    int nodes, i;

    if (argc > 1 && argv[1][0] >= '1' && argv[1][0] <= '9' && !argv[1][1])
        mb = (size_t)(argv[1][0] - '0');
    buf_init(&doc, BUF_UNLIMITED);
    make_doc(&doc, mb * 1000 * 1000, &nodes);
    printf("document: %zu bytes, %d nodes\n", doc.len, nodes);
    for (i = 0; i < ROUNDS; i++) {
        t = now_ms();
        js_init(&js, doc.data, doc.len);
        if (js_skip(&js) || js_end(&js)) {
            fprintf(stderr, "skip: %s\n", js_error(&js));
            return 1;
        }
        best_skip = MU_MIN(best_skip, now_ms() - t);
        t = now_ms();
        if (walk_doc(doc.data, doc.len, &sum))
            return 1;
        best_walk = MU_MIN(best_walk, now_ms() - t);
        t = now_ms();
        cJSON_Delete(cJSON_ParseWithLength(doc.data, doc.len));
        best_cjson = MU_MIN(best_cjson, now_ms() - t);
    }
    report("js_skip (validate all)", best_skip, doc.len);
    report("decoder-like walk", best_walk, doc.len);
    report("cJSON parse + delete", best_cjson, doc.len);
    printf("(checksum %lld)\n", (long long)sum);
    buf_fini(&doc);
    return 0;
}
