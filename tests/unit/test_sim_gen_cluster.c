/* test_sim_gen_cluster.c - the synthetic cluster generator, read back with
 * cJSON: counts, names, labels, resources, spreading and determinism. */
#include "common.h"
#include "sim/gen_cluster.h"
#include "util/buf.h"

#include <cJSON.h>
#include <criterion/criterion.h>

/* Generate with `o` and parse the result; the test fails on any error. */
static cJSON *gen_parse(const struct gen_opts *o)
{
    struct buf b;
    cJSON *root;

    buf_init(&b, BUF_UNLIMITED);
    cr_assert_eq(gen_cluster(o, &b), MU_OK);
    root = cJSON_Parse(b.data);
    cr_assert_not_null(root, "output is not JSON near: %.60s",
                       cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
    buf_fini(&b);
    return root;
}

static const char *jpath_str(const cJSON *o, const char *a, const char *b,
                             const char *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

    if (b)
        v = cJSON_GetObjectItemCaseSensitive(v, b);
    if (c)
        v = cJSON_GetObjectItemCaseSensitive(v, c);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static struct gen_opts small_opts(uint32_t nodes, uint32_t racks,
                                  uint32_t zones)
{
    struct gen_opts o;

    gen_opts_init(&o);
    o.nodes = nodes;
    o.racks = racks;
    o.zones = zones;
    return o;
}

Test(gen_cluster, list_holds_every_node_with_padded_names)
{
    struct gen_opts o = small_opts(12, 1, 1);
    cJSON *root = gen_parse(&o), *items, *n;
    char want[16];
    int i = 0;

    cr_assert_str_eq(jpath_str(root, "kind", NULL, NULL), "List");
    cr_assert_str_eq(jpath_str(root, "apiVersion", NULL, NULL), "v1");
    items = cJSON_GetObjectItemCaseSensitive(root, "items");
    cr_assert_eq(cJSON_GetArraySize(items), 12);
    cJSON_ArrayForEach(n, items) {
        snprintf(want, sizeof(want), "node-%05d", i++);
        cr_assert_str_eq(jpath_str(n, "kind", NULL, NULL), "Node");
        cr_assert_str_eq(jpath_str(n, "apiVersion", NULL, NULL), "v1");
        cr_assert_str_eq(jpath_str(n, "metadata", "name", NULL), want);
        cr_assert_str_eq(jpath_str(n, "metadata", "labels",
                                   "kubernetes.io/hostname"), want);
        cr_assert_str_eq(jpath_str(n, "metadata", "labels",
                                   "kubernetes.io/os"), "linux");
        cr_assert_str_eq(jpath_str(n, "metadata", "labels",
                                   "kubernetes.io/arch"), "amd64");
        cr_assert_not_null(jpath_str(n, "metadata", "uid", NULL));
        cr_assert_not_null(jpath_str(n, "metadata", "resourceVersion", NULL));
        cr_assert_not_null(
            jpath_str(n, "metadata", "creationTimestamp", NULL));
    }
    cJSON_Delete(root);
}

/* Count the nodes per value of a label, in counts[0..max). */
static void count_label(const cJSON *items, const char *label,
                        const char *prefix, int *counts, int max)
{
    const cJSON *n;

    cJSON_ArrayForEach(n, items) {
        const char *v = jpath_str(n, "metadata", "labels", label);
        size_t pl = strlen(prefix);
        int k = 0;

        cr_assert_not_null(v, "node without %s", label);
        cr_assert_eq(strncmp(v, prefix, pl), 0, "%s=%s", label, v);
        for (const char *p = v + pl; *p; p++)
            k = k * 10 + (*p - '0');
        cr_assert(k >= 0 && k < max, "%s=%s out of range", label, v);
        counts[k]++;
    }
}

Test(gen_cluster, racks_and_zones_are_spread_evenly)
{
    struct gen_opts o = small_opts(23, 5, 2);
    cJSON *root = gen_parse(&o), *items;
    int racks[5] = {0}, zones[2] = {0};

    items = cJSON_GetObjectItemCaseSensitive(root, "items");
    count_label(items, "topology.muster.dev/rack", "rack-", racks, 5);
    count_label(items, "topology.kubernetes.io/zone", "zone-", zones, 2);
    for (int r = 0; r < 5; r++)
        cr_assert(racks[r] == 4 || racks[r] == 5, "rack-%d has %d", r,
                  racks[r]);
    /* racks 0,1,2 in zone-0 and 3,4 in zone-1: whole racks per zone */
    for (uint32_t r = 0; r < 5; r++)
        cr_assert_eq(gen_rack_zone(&o, r), r < 3 ? 0u : 1u);
    cr_assert_eq(zones[0] + zones[1], 23);
    cr_assert_eq(zones[0], racks[0] + racks[1] + racks[2]);
    cJSON_Delete(root);
}

Test(gen_cluster, each_rack_sits_in_one_zone)
{
    struct gen_opts o = small_opts(100, 10, 3);

    for (uint32_t i = 1; i < o.nodes; i++) {
        uint32_t a = gen_node_rack(&o, i - 1), b = gen_node_rack(&o, i);

        cr_assert(b == a || b == a + 1, "racks are contiguous blocks");
        if (a == b)
            cr_assert_eq(gen_rack_zone(&o, a), gen_rack_zone(&o, b));
    }
    cr_assert_eq(gen_node_rack(&o, 99), 9u);
    cr_assert_eq(gen_rack_zone(&o, 9), 2u);
}

Test(gen_cluster, capacity_and_allocatable_follow_the_flags)
{
    struct gen_opts o = small_opts(2, 1, 1);
    cJSON *root, *n;

    o.gpus_per_node = 4;
    o.cpu_milli = 32000;
    o.memory_bytes = 256LL << 30;
    root = gen_parse(&o);
    n = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "items"), 1);
    cr_assert_str_eq(jpath_str(n, "status", "capacity", "cpu"), "32");
    cr_assert_str_eq(jpath_str(n, "status", "capacity", "memory"),
                     "268435456Ki");
    cr_assert_str_eq(jpath_str(n, "status", "capacity", "nvidia.com/gpu"),
                     "4");
    cr_assert_str_eq(jpath_str(n, "status", "capacity", "pods"), "110");
    cr_assert_not_null(
        jpath_str(n, "status", "capacity", "ephemeral-storage"));
    cr_assert_str_eq(jpath_str(n, "status", "allocatable", "cpu"), "31900m");
    cr_assert_str_eq(jpath_str(n, "status", "allocatable", "nvidia.com/gpu"),
                     "4");
    cr_assert_str_eq(jpath_str(n, "metadata", "labels",
                               "nvidia.com/gpu.product"),
                     "NVIDIA-H100-80GB-HBM3");
    cJSON_Delete(root);
}

Test(gen_cluster, cpu_only_nodes_carry_no_gpu_fields)
{
    struct gen_opts o = small_opts(3, 1, 1);
    cJSON *root, *n;

    o.gpus_per_node = 0;
    o.cpu_milli = 7500;
    root = gen_parse(&o);
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(root, "items")) {
        cr_assert_null(jpath_str(n, "status", "capacity", "nvidia.com/gpu"));
        cr_assert_null(
            jpath_str(n, "status", "allocatable", "nvidia.com/gpu"));
        cr_assert_null(jpath_str(n, "metadata", "labels",
                                 "nvidia.com/gpu.product"));
        cr_assert_str_eq(jpath_str(n, "status", "capacity", "cpu"), "7500m");
    }
    cJSON_Delete(root);
}

Test(gen_cluster, node_is_ready_and_has_kubelet_endpoint_and_addresses)
{
    struct gen_opts o = small_opts(1, 1, 1);
    cJSON *root = gen_parse(&o), *n, *c, *port, *addr;
    bool ready = false;

    n = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "items"), 0);
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(
                              cJSON_GetObjectItem(n, "status"), "conditions"))
        if (!strcmp(jpath_str(c, "type", NULL, NULL), "Ready"))
            ready = !strcmp(jpath_str(c, "status", NULL, NULL), "True");
    cr_assert(ready);
    port = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(n,
                                                                    "status"),
                                                "daemonEndpoints"),
                            "kubeletEndpoint"),
        "Port");
    cr_assert(cJSON_IsNumber(port) && port->valueint == 10250);
    addr = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "status"), "addresses");
    cr_assert_eq(cJSON_GetArraySize(addr), 2);
    cr_assert_str_eq(jpath_str(cJSON_GetArrayItem(addr, 0), "type", NULL,
                               NULL), "InternalIP");
    cr_assert_str_eq(jpath_str(n, "status", "nodeInfo", "operatingSystem"),
                     "linux");
    cr_assert_str_eq(jpath_str(n, "status", "nodeInfo", "kubeletVersion"),
                     "v1.34.1");
    cJSON_Delete(root);
}

Test(gen_cluster, images_are_listed_only_when_asked_for)
{
    struct gen_opts o = small_opts(4, 1, 1);
    cJSON *root, *n, *imgs;

    root = gen_parse(&o);
    n = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "items"), 0);
    cr_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "status"),
                                       "images"));
    cJSON_Delete(root);
    o.images = 32;
    root = gen_parse(&o);
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(root, "items")) {
        char *compact;

        imgs = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "status"),
                                   "images");
        cr_assert_eq(cJSON_GetArraySize(imgs), 32);
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(
                         cJSON_GetArrayItem(imgs, 0), "names")), 2);
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(
            cJSON_GetArrayItem(imgs, 31), "sizeBytes")));
        /* realistic size: 32 images make a node of about 8-9 KB compact */
        compact = cJSON_PrintUnformatted(n);
        cr_assert(strlen(compact) > 7500 && strlen(compact) < 10000,
                  "node is %zu bytes", strlen(compact));
        cJSON_free(compact);
    }
    cJSON_Delete(root);
}

static void gen_text(const struct gen_opts *o, struct buf *b)
{
    buf_init(b, BUF_UNLIMITED);
    cr_assert_eq(gen_cluster(o, b), MU_OK);
}

Test(gen_cluster, same_flags_give_same_bytes_and_seed_changes_ids)
{
    struct gen_opts o = small_opts(50, 5, 2);
    struct buf a, b, c;

    o.images = 3;
    gen_text(&o, &a);
    gen_text(&o, &b);
    cr_assert_eq(a.len, b.len);
    cr_assert_eq(memcmp(a.data, b.data, a.len), 0);
    o.seed = 2;
    gen_text(&o, &c);
    cr_assert(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
    /* the seed changes ids, never names or placement */
    cr_assert_not_null(strstr(c.data, "\"name\": \"node-00049\""));
    buf_fini(&a);
    buf_fini(&b);
    buf_fini(&c);
}

Test(gen_cluster, uids_are_unique)
{
    struct gen_opts o = small_opts(500, 1, 1);
    cJSON *root = gen_parse(&o), *items;
    int n;

    items = cJSON_GetObjectItem(root, "items");
    n = cJSON_GetArraySize(items);
    for (int i = 0; i < n; i++) {
        const char *u = jpath_str(cJSON_GetArrayItem(items, i), "metadata",
                                  "uid", NULL);

        cr_assert_eq(strlen(u), 36);
        for (int j = i + 1; j < n; j++)
            cr_assert_str_neq(u, jpath_str(cJSON_GetArrayItem(items, j),
                                           "metadata", "uid", NULL));
    }
    cJSON_Delete(root);
}

/* Each bad option is rejected with a message naming the flag. */
Test(gen_cluster, bad_options_are_rejected_with_the_flag_named)
{
    static const struct {
        uint32_t nodes, racks, zones, gpus, images;
        const char *flag;
    } cases[] = {
        {0, 1, 1, 8, 0, "--nodes"},
        {GEN_MAX_NODES + 1, 1, 1, 8, 0, "--nodes"},
        {4, 5, 1, 8, 0, "--racks"},
        {4, 0, 1, 8, 0, "--racks"},
        {4, 2, 3, 8, 0, "--zones"},
        {4, 2, 0, 8, 0, "--zones"},
        {4, 1, 1, GEN_MAX_GPUS + 1, 0, "--gpus-per-node"},
        {4, 1, 1, 8, GEN_MAX_IMAGES + 1, "--images"},
    };
    char err[160];

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct gen_opts o = small_opts(cases[i].nodes, cases[i].racks,
                                       cases[i].zones);
        struct buf b;

        o.gpus_per_node = cases[i].gpus;
        o.images = cases[i].images;
        err[0] = '\0';
        cr_assert_eq(gen_opts_check(&o, err, sizeof(err)), MU_EINVAL);
        cr_assert_not_null(strstr(err, cases[i].flag), "case %zu: %s", i,
                           err);
        buf_init(&b, BUF_UNLIMITED);
        cr_assert_eq(gen_cluster(&o, &b), MU_EINVAL);
        cr_assert_eq(b.len, 0);
        buf_fini(&b);
    }
}

Test(gen_cluster, small_cpu_and_memory_are_rejected)
{
    struct gen_opts o = small_opts(1, 1, 1);
    char err[160];

    o.cpu_milli = 999;
    cr_assert_eq(gen_opts_check(&o, err, sizeof(err)), MU_EINVAL);
    cr_assert_not_null(strstr(err, "--cpu"));
    o.cpu_milli = 1000;
    o.memory_bytes = (1LL << 30) - 1;
    cr_assert_eq(gen_opts_check(&o, err, sizeof(err)), MU_EINVAL);
    cr_assert_not_null(strstr(err, "--memory"));
}

Test(gen_cluster, output_over_the_buffer_cap_is_elimit)
{
    struct gen_opts o = small_opts(100, 1, 1);
    struct buf b;

    buf_init(&b, 4096);
    cr_assert_eq(gen_cluster(&o, &b), MU_ELIMIT);
    cr_assert_leq(b.len, 4096);
    buf_fini(&b);
}
