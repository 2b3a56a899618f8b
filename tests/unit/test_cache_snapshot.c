/* test_cache_snapshot.c - loading clusters from List/NodeList/PodList
 * documents: the embedded demo cluster, each list shape, and broken input. */
#include "common.h"
#include "cache/decode.h"
#include "cache/snapshot.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>
#include <unistd.h>

static char err[512];

static struct cluster *parse_ok(const char *json)
{
    struct cluster *c = NULL;
    int rc = snapshot_parse(json, strlen(json), "t.json", &c, err, sizeof(err));

    cr_assert_eq(rc, MU_OK, "parse failed: %s", err);
    cr_assert_not_null(c);
    cr_assert(c->synced);
    return c;
}

static void parse_err(const char *json, const char *want)
{
    struct cluster *c = NULL;
    int rc = snapshot_parse(json, strlen(json), "t.json", &c, err, sizeof(err));

    cr_assert_neq(rc, MU_OK, "accepted: %s", json);
    cr_assert_null(c);
    cr_assert_str_eq(err, want);
}

static int64_t free_of(struct cluster *c, const char *node, const char *res)
{
    struct node_info *n = cluster_node_get(c, node, strlen(node));
    int id = res_find(res, strlen(res));

    cr_assert_not_null(n, "node %s", node);
    cr_assert_geq(id, 0);
    return n->alloc[id] - n->used[id];
}

Test(snapshot, embedded_default_cluster_loads)
{
    struct cluster *c = NULL;
    struct node_info *n;
    struct pod *p;

    cr_assert_eq(snapshot_load_default(&c, err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(cluster_node_count(c), 20);
    cr_assert_eq(cluster_pod_count(c), 19);
    /* the 2-pod training job fills two rack-0 nodes */
    cr_assert_eq(free_of(c, "gpu-r0-n0", "nvidia.com/gpu"), 0);
    cr_assert_eq(free_of(c, "gpu-r0-n1", "nvidia.com/gpu"), 0);
    cr_assert_eq(free_of(c, "gpu-r1-n0", "nvidia.com/gpu"), 5);
    cr_assert_eq(free_of(c, "gpu-r1-n1", "nvidia.com/gpu"), 6);
    cr_assert_eq(free_of(c, "gpu-r1-n3", "nvidia.com/gpu"), 7);
    cr_assert_eq(free_of(c, "gpu-r3-n1", "nvidia.com/gpu"), 4);
    /* the Succeeded pod holds nothing */
    cr_assert_eq(free_of(c, "gpu-r2-n1", "nvidia.com/gpu"), 8);
    cr_assert_eq(free_of(c, "gpu-r3-n3", "nvidia.com/gpu"), 8);
    /* 95500m allocatable minus the worker's 88 cpu and the daemon's 50m */
    cr_assert_eq(free_of(c, "gpu-r0-n0", "cpu"), 95500 - 88000 - 50);
    n = cluster_node_get(c, "gpu-r2-n3", 9);
    cr_assert_not(n->ready);
    cr_assert_eq(n->ntaints, 1);
    n = cluster_node_get(c, "cpu-3", 5);
    cr_assert(n->unschedulable);
    cr_assert(n->ready);
    n = cluster_node_get(c, "gpu-r1-n3", 9);
    cr_assert_str_eq(n->taints[0].key, "dedicated");
    cr_assert_str_eq(labels_get(&n->labels, "topology.muster.dev/rack"),
                     "rack-1");
    cr_assert_str_eq(labels_get(&n->labels, "topology.kubernetes.io/zone"),
                     "zone-a");
    p = cluster_pod_find(c, "ml-training", "llama-pretrain-worker-0");
    cr_assert_not_null(p);
    cr_assert_null(p->node_name);
    cr_assert_str_eq(
        labels_get(&p->annotations, "scheduling.x-k8s.io/pod-group"),
        "llama-pretrain");
    /* init container (48 cpu) outweighs train 32 + sidecar 0.25 */
    p = cluster_pod_find(c, "ml-training", "resnet-sweep-3-8kq2w");
    cr_assert_eq(pod_request(p, RES_CPU), 48000);
    cluster_free(c);
}

Test(snapshot, list_puts_pods_after_nodes_and_skips_other_kinds)
{
    struct cluster *c = parse_ok(
        "{\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"uid\":"
        "\"u\"},\"spec\":{\"nodeName\":\"n\",\"containers\":[{\"resources\":"
        "{\"requests\":{\"cpu\":\"1\"}}}]}},"
        "{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"}},"
        "{\"kind\":\"AVeryLongCustomResourceKindNameFromSomeOperator\"},"
        "{\"kind\":\"Node\",\"metadata\":{\"name\":\"n\"},\"status\":{"
        "\"allocatable\":{\"cpu\":\"4\"}}}],\"kind\":\"List\"}");

    cr_assert_eq(cluster_node_count(c), 1);
    cr_assert_eq(cluster_pod_count(c), 1);
    cr_assert_eq(free_of(c, "n", "cpu"), 3000);
    cluster_free(c);
}

Test(snapshot, node_list_and_pod_list_items_may_lack_kind)
{
    struct cluster *c = parse_ok(
        "{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"metadata\":{},"
        "\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"kind\":\"Node\","
        "\"metadata\":{\"name\":\"b\"}}]}");

    cr_assert_eq(cluster_node_count(c), 2);
    cluster_free(c);
    c = parse_ok("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":"
                 "\"p\",\"namespace\":\"x\"}}]}");
    cr_assert_eq(cluster_pod_count(c), 1);
    cr_assert_not_null(cluster_pod_find(c, "x", "p"));
    cluster_free(c);
    c = parse_ok("{\"kind\":\"List\",\"items\":[]}");
    cr_assert_eq(cluster_node_count(c), 0);
    cluster_free(c);
    c = parse_ok("{\"kind\":\"List\",\"items\":null}");
    cluster_free(c);
}

Test(snapshot, top_level_errors_are_clear)
{
    parse_err("", "t.json: not a JSON object (expected a List, NodeList or "
                  "PodList)");
    parse_err("[1]", "t.json: not a JSON object (expected a List, NodeList "
                     "or PodList)");
    parse_err("{\"kind\":\"List\"}", "t.json: no items array");
    parse_err("{\"items\":[]}",
              "t.json: no kind (expected List, NodeList or PodList)");
    parse_err("{\"kind\":\"Deployment\",\"items\":[]}",
              "t.json: kind \"Deployment\" is not List, NodeList or PodList");
    parse_err("{\"kind\":3,\"items\":[]}",
              "t.json: kind: expected string, found number");
    parse_err("{\"kind\":\"List\",\"items\":{}}",
              "t.json: items: not an array");
    parse_err("{\"kind\":\"List\",\"items\":[1]}",
              "t.json: items[0]: not an object");
}

Test(snapshot, truncated_and_malformed_json_name_the_place)
{
    parse_err("{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\",\"metadata\":"
              "{\"name\":\"a\"",
              "t.json: items[0].metadata: unexpected end of input");
    parse_err("{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\"} x]}",
              "t.json: items: expected ',' or ']', found 'x'");
}

Test(snapshot, item_errors_name_item_and_field)
{
    parse_err("{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\",\"metadata\":"
              "{\"name\":\"n\"}},{\"kind\":\"Pod\",\"metadata\":{\"name\":"
              "\"web-1\"},\"spec\":{\"containers\":[{\"resources\":{"
              "\"requests\":{\"cpu\":\"1x\"}}}]}}]}",
              "t.json: items[1] (Pod default/web-1): spec.containers[0]."
              "resources.requests.cpu: malformed quantity \"1x\"");
    parse_err("{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\",\"metadata\":"
              "{\"labels\":{}}}]}",
              "t.json: items[0] (Node): metadata.name: missing");
    parse_err("{\"kind\":\"NodeList\",\"items\":[{\"metadata\":{\"name\":"
              "\"g\"},\"spec\":{\"taints\":\"none\"}}]}",
              "t.json: items[0] (Node g): spec.taints: expected array, found "
              "string");
    parse_err("{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"n\"}}]}",
              "t.json: items[0]: no kind");
    parse_err("{\"kind\":\"NodeList\",\"items\":[{\"kind\":\"Pod\"}]}",
              "t.json: items[0]: kind \"Pod\" in a NodeList");
}

/* Found by tests/fuzz/fuzz_snapshot (tests/fuzz/regressions/snapshot/):
 * naming a bad item read its kind into a 32-byte buffer with the 256-byte
 * cap of the name buffers, so a second, longer "kind" overflowed the stack
 * (ASan stack-buffer-overflow). */
Test(snapshot, item_error_with_a_long_second_kind_names_the_item)
{
    parse_err("{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\",\"kind\":"
              "\"Nodeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
              "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\",\"metadata\":{\"name\":"
              "\"n\"},\"spec\":{\"taints\":1}}]}",
              "t.json: items[0] (Node n): spec.taints: expected array, found "
              "number");
}

Test(snapshot, duplicates_are_errors)
{
    parse_err("{\"kind\":\"NodeList\",\"items\":[{\"metadata\":{\"name\":"
              "\"a\"}},{\"metadata\":{\"name\":\"a\"}}]}",
              "t.json: items[1] (Node a): duplicate node name");
    parse_err("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":"
              "\"a\",\"uid\":\"1\"}},{\"metadata\":{\"name\":\"a\",\"uid\":"
              "\"2\"}}]}",
              "t.json: items[1] (Pod default/a): duplicate pod");
}

Test(snapshot, load_reads_files_and_reports_missing_ones)
{
    char path[] = "/tmp/muster-snap-XXXXXX";
    const char *doc = "{\"kind\":\"NodeList\",\"items\":[{\"metadata\":"
                      "{\"name\":\"f\"}}]}";
    struct cluster *c = NULL;
    int fd = mkstemp(path);

    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    close(fd);
    cr_assert_eq(snapshot_load(path, &c, err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_not_null(cluster_node_get(c, "f", 1));
    cluster_free(c);
    c = NULL;
    unlink(path);
    cr_assert_eq(snapshot_load(path, &c, err, sizeof(err)), MU_EIO);
    cr_assert_null(c);
    cr_assert(strstr(err, ": No such file or directory"), "%s", err);
    cr_assert_eq(strncmp(err, path, strlen(path)), 0);
    cr_assert_eq(snapshot_load("/", &c, err, sizeof(err)), MU_EIO);
    cr_assert_str_eq(err, "/: Is a directory");
}

/* Node objects as kube-scheduler v1.20.2 sent them in a filter request. */
Test(snapshot, captured_scheduler_nodes_decode)
{
    FILE *f =
        fopen("tests/data/cache/v1.20.2-001-nocache-filter.request.json", "r");
    static char body[65536];
    struct jscan js;
    struct jstr key;
    struct node_info *n[4] = {0};
    size_t len, k = 0;
    int r;

    cr_assert_not_null(f, "run from the repository root");
    len = fread(body, 1, sizeof(body), f);
    fclose(f);
    js_init(&js, body, len);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    while ((r = js_obj_next(&js, &key)) > 0) {
        if (!jstr_eq(&key, "Nodes")) {
            cr_assert_eq(js_skip(&js), MU_OK);
            continue;
        }
        cr_assert_eq(js_obj_begin(&js), MU_OK);
        while ((r = js_obj_next(&js, &key)) > 0) {
            if (!jstr_eq(&key, "items")) {
                cr_assert_eq(js_skip(&js), MU_OK);
                continue;
            }
            cr_assert_eq(js_arr_begin(&js), MU_OK);
            while (js_arr_next(&js) > 0 && k < 4)
                cr_assert_eq(decode_node(&js, &n[k++]), MU_OK, "%s",
                             js_error(&js));
        }
    }
    cr_assert_eq(r, 0, "%s", js_error(&js));
    cr_assert_eq(js_end(&js), MU_OK);
    cr_assert_eq(k, 3);
    cr_assert_str_eq(n[0]->name, "node-a");
    cr_assert_str_eq(n[2]->name, "node-c");
    cr_assert_eq(n[1]->alloc[RES_CPU], 16000);
    cr_assert_eq(n[1]->alloc[res_find("nvidia.com/gpu", 14)], 8);
    cr_assert_eq(n[0]->alloc[RES_MEMORY], 32LL << 30);
    cr_assert(n[0]->ready);
    cr_assert_str_eq(labels_get(&n[0]->labels, "kubernetes.io/hostname"),
                     "node-a");
    for (size_t i = 0; i < k; i++)
        node_free(n[i]);
}
