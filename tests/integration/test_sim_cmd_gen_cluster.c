/* test_sim_cmd_gen_cluster.c - `muster gen-cluster` as a process: flags,
 * exit codes, error messages and the document it prints. */
#include "common.h"
#include "util/buf.h"

#include <cJSON.h>
#include <criterion/criterion.h>
#include <sys/wait.h>

/* Run `muster gen-cluster ARGS` (bounded by timeout(1)), stdout and stderr
 * together into out. RET the exit status. */
static int gen_run(const char *args, struct buf *out)
{
    const char *bin = getenv("MUSTER_BIN");
    char cmd[512], chunk[65536];
    FILE *p;
    size_t n;
    int st;

    cr_assert_not_null(bin, "MUSTER_BIN must name the muster binary");
    snprintf(cmd, sizeof(cmd), "timeout 30 %s gen-cluster %s 2>&1", bin,
             args);
    buf_init(out, (size_t)256 << 20);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        cr_assert_eq(buf_add(out, chunk, n), MU_OK);
    st = pclose(p);
    cr_assert(WIFEXITED(st), "%s did not exit", cmd);
    if (!out->data)
        buf_adds(out, "");
    return WEXITSTATUS(st);
}

static const char *node_field(const cJSON *n, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(n, "status"), a), b);

    return cJSON_IsString(v) ? v->valuestring : "";
}

Test(cmd_gen_cluster, good_flags_print_the_cluster_they_describe)
{
    struct buf out;
    cJSON *root, *items, *last;

    cr_assert_eq(gen_run("--nodes 20 --gpus-per-node 4 --cpu 32 --memory "
                         "256Gi --racks 4 --zones 2 --images 2 --seed 7",
                         &out), 0, "%s", out.data);
    root = cJSON_Parse(out.data);
    cr_assert_not_null(root);
    items = cJSON_GetObjectItemCaseSensitive(root, "items");
    cr_assert_eq(cJSON_GetArraySize(items), 20);
    last = cJSON_GetArrayItem(items, 19);
    cr_assert_str_eq(node_field(last, "capacity", "cpu"), "32");
    cr_assert_str_eq(node_field(last, "capacity", "memory"), "268435456Ki");
    cr_assert_str_eq(node_field(last, "capacity", "nvidia.com/gpu"), "4");
    cr_assert_not_null(strstr(out.data, "\"topology.muster.dev/rack\": "
                                        "\"rack-3\""));
    cr_assert_not_null(strstr(out.data, "\"topology.kubernetes.io/zone\": "
                                        "\"zone-1\""));
    cJSON_Delete(root);
    buf_fini(&out);
}

Test(cmd_gen_cluster, same_flags_print_the_same_bytes)
{
    struct buf a, b;

    cr_assert_eq(gen_run("--nodes 30 --racks 3 --images 4 --seed 11", &a), 0);
    cr_assert_eq(gen_run("--nodes 30 --racks 3 --images 4 --seed 11", &b), 0);
    cr_assert_eq(a.len, b.len);
    cr_assert_eq(memcmp(a.data, b.data, a.len), 0);
    buf_fini(&a);
    buf_fini(&b);
}

Test(cmd_gen_cluster, bad_flags_exit_2_and_name_the_problem)
{
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"", "--nodes is required"},
        {"--nodes 0", "--nodes"},
        {"--nodes -3", "--nodes: bad value"},
        {"--nodes 1x", "--nodes: bad value"},
        {"--nodes 5 --racks 6", "--racks 6 not in 1..5"},
        {"--nodes 6 --racks 2 --zones 3", "--zones 3"},
        {"--nodes 5 --cpu 12q", "--cpu: bad value"},
        {"--nodes 5 --cpu 500m", "--cpu"},
        {"--nodes 5 --memory 1Mi", "--memory"},
        {"--nodes 5 --gpus-per-node 65", "--gpus-per-node"},
        {"--nodes 5 --images 101", "--images"},
        {"--nodes 5 --what 1", "unknown flag '--what'"},
        {"--nodes", "--nodes needs a value"},
        {"--nodes 5 --seed 18446744073709551616", "--seed: bad value"},
    };

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct buf out;

        cr_assert_eq(gen_run(cases[i].args, &out), 2, "'%s' gave: %s",
                     cases[i].args, out.data);
        cr_assert_not_null(strstr(out.data, cases[i].says),
                           "'%s' gave: %s", cases[i].args, out.data);
        cr_assert_null(strchr(out.data, '{'), "no JSON on error");
        buf_fini(&out);
    }
}

Test(cmd_gen_cluster, help_lists_every_flag_and_exits_0)
{
    static const char *const flags[] = {"--nodes", "--gpus-per-node",
                                        "--cpu", "--memory", "--racks",
                                        "--zones", "--images", "--seed"};
    struct buf out;

    cr_assert_eq(gen_run("--help", &out), 0);
    for (size_t i = 0; i < ARRAY_LEN(flags); i++)
        cr_assert_not_null(strstr(out.data, flags[i]), "%s", flags[i]);
    buf_fini(&out);
}
