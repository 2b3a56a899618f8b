/* test_policy_args.c - the helpers plugins validate their args with. */
#include "common.h"
#include "policy/args.h"

#include <criterion/criterion.h>

static cJSON *js(const char *text)
{
    cJSON *j = cJSON_Parse(text);

    cr_assert(j, "bad JSON in test: %s", text);
    return j;
}

Test(args, check_keys_accepts_known_and_null)
{
    static const char *const known[] = {"a", "b", NULL};
    cJSON *j = js("{\"b\": 1, \"a\": 2}");
    char err[128];

    cr_assert_eq(args_check_keys(j, known, err, sizeof(err)), MU_OK);
    cr_assert_eq(args_check_keys(NULL, known, err, sizeof(err)), MU_OK);
    cJSON_Delete(j);
}

Test(args, check_keys_rejects_unknown_duplicate_and_non_objects)
{
    static const char *const known[] = {"a", "b", NULL};
    static const char *const none[] = {NULL};
    cJSON *u = js("{\"a\": 1, \"c\": 2}"), *d = js("{\"a\": 1, \"a\": 2}"),
          *arr = js("[]"), *e = js("{}");
    char err[128];

    cr_assert_eq(args_check_keys(u, known, err, sizeof(err)), MU_EINVAL);
    cr_assert_str_eq(err, ".c: unknown key (known: a, b)");
    cr_assert_eq(args_check_keys(d, known, err, sizeof(err)), MU_EINVAL);
    cr_assert_str_eq(err, ".a: duplicate key");
    cr_assert_eq(args_check_keys(arr, known, err, sizeof(err)), MU_EINVAL);
    cr_assert_str_eq(err, ": expected an object");
    cr_assert_eq(args_check_keys(u, none, err, sizeof(err)), MU_EINVAL);
    cr_assert_str_eq(err, ".a: unknown key (this plugin takes no args)");
    cr_assert_eq(args_check_keys(e, none, err, sizeof(err)), MU_OK);
    cJSON_Delete(u);
    cJSON_Delete(d);
    cJSON_Delete(arr);
    cJSON_Delete(e);
}

Test(args, resource_names_follow_kubernetes_rules)
{
    static const char *const good[] = {"cpu", "nvidia.com/gpu", "hugepages-2Mi",
                                       "rdma/hca_shared", "a"};
    static const char *const badn[] = {
        "", "/gpu", "gpu/", "a/b/c", "-cpu", "cpu-", "has space", "x.io/\"q\""};
    char err[128], text[64];
    int id;

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        cJSON *s = cJSON_CreateString(good[i]);

        cr_assert_eq(args_res_name(s, ".r", &id, err, sizeof(err)), MU_OK,
                     "%s: %s", good[i], err);
        cr_assert_str_eq(res_name(id), good[i]);
        cJSON_Delete(s);
    }
    for (size_t i = 0; i < ARRAY_LEN(badn); i++) {
        cJSON *s = cJSON_CreateString(badn[i]);

        cr_assert_eq(args_res_name(s, ".r", &id, err, sizeof(err)), MU_EINVAL,
                     "%s", badn[i]);
        snprintf(text, sizeof(text), ".r: \"%s\" is not a resource name",
                 badn[i]);
        cr_assert_str_eq(err, text);
        cJSON_Delete(s);
    }
}

Test(args, weights_keep_policy_order_and_describe)
{
    cJSON *j = js("{\"memory\": 2, \"cpu\": 100}");
    struct res_weights rw;
    char err[128], d[128];

    cr_assert_eq(args_res_weights(j, ".resources", &rw, err, sizeof(err)),
                 MU_OK, "%s", err);
    cr_assert_eq(rw.n, 2);
    cr_assert_eq(rw.id[0], RES_MEMORY);
    cr_assert_eq(rw.w[0], 2);
    cr_assert_eq(rw.id[1], RES_CPU);
    cr_assert_eq(rw.w[1], 100);
    cr_assert_eq(args_describe_res(&rw, false, d, sizeof(d)), MU_OK);
    cr_assert_str_eq(d, "{\"resources\": {\"memory\": 2, \"cpu\": 100}}");
    cr_assert_eq(args_describe_res(&rw, true, d, sizeof(d)), MU_OK);
    cr_assert_str_eq(d, "{\"resources\": [\"memory\", \"cpu\"]}");
    cr_assert_eq(args_describe_res(&rw, true, d, 10), MU_ELIMIT);
    cJSON_Delete(j);
}

Test(args, list_rejects_empty_and_non_arrays)
{
    cJSON *e = js("[]"), *o = js("{}");
    struct res_weights rw;
    char err[160];

    cr_assert_eq(args_res_list(e, ".r", &rw, err, sizeof(err)), MU_EINVAL);
    cr_assert_str_eq(err, ".r: expected a non-empty array of resource names "
                          "like [\"cpu\", \"memory\"]");
    cr_assert_eq(args_res_list(o, ".r", &rw, err, sizeof(err)), MU_EINVAL);
    cJSON_Delete(e);
    cJSON_Delete(o);
}
