/* test_cache_podgroup.c - PodGroup decoding, the cluster map and
 * snapshots carrying PodGroups. */
#include "common.h"
#include "cache/podgroup.h"
#include "cache/snapshot.h"

#include <criterion/criterion.h>

static int decode(const char *json, struct podgroup **pg, char *err)
{
    struct jscan js;
    int rc;

    *pg = NULL;
    js_init(&js, json, strlen(json));
    rc = podgroup_decode(&js, pg);
    strcpy(err, rc ? js_error(&js) : "");
    return rc;
}

Test(podgroup, decodes_settings_and_defaults)
{
    struct podgroup *pg;
    char err[300];

    cr_assert_eq(decode("{\"apiVersion\":\"scheduling.x-k8s.io/v1alpha1\","
                        "\"kind\":\"PodGroup\",\"metadata\":{\"name\":\"llama\","
                        "\"namespace\":\"team-a\",\"uid\":\"x\"},\"spec\":{"
                        "\"minMember\":8,\"scheduleTimeoutSeconds\":60,"
                        "\"minResources\":{\"cpu\":\"4\"}},\"status\":{}}",
                        &pg, err), MU_OK, "%s", err);
    cr_assert_str_eq(pg->key, "team-a/llama");
    cr_assert_eq(pg->min_member, 8);
    cr_assert_eq(pg->timeout_s, 60);
    podgroup_free(pg);
    cr_assert_eq(decode("{\"metadata\":{\"name\":\"x\"},\"spec\":{}}", &pg,
                        err), MU_OK);
    cr_assert_str_eq(pg->key, "default/x");
    cr_assert_eq(pg->min_member, 1, "absent or 0 means an ordinary pod");
    cr_assert_eq(pg->timeout_s, 0);
    podgroup_free(pg);
}

Test(podgroup, bad_objects_name_the_field)
{
    struct podgroup *pg;
    char err[300];

    cr_assert_eq(decode("{\"metadata\":{\"name\":\"x\"},\"spec\":{"
                        "\"minMember\":-1}}", &pg, err), MU_EINVAL);
    cr_assert_str_eq(err, "spec.minMember: -1 not in 0..100000");
    cr_assert_eq(decode("{\"metadata\":{\"name\":\"x\"},\"spec\":{"
                        "\"minMember\":\"8\"}}", &pg, err), MU_EINVAL);
    cr_assert(strstr(err, "spec.minMember"), "%s", err);
    cr_assert_eq(decode("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"}}",
                        &pg, err), MU_EINVAL);
    cr_assert_str_eq(err, "kind: expected \"PodGroup\"");
    cr_assert_eq(decode("{\"spec\":{\"minMember\":2}}", &pg, err),
                 MU_EINVAL);
    cr_assert_str_eq(err, "PodGroup without metadata.name");
    cr_assert_eq(decode("{\"metadata\":{\"name\":\"a/b\"}}", &pg, err),
                 MU_EINVAL);
    cr_assert_null(pg);
}

Test(podgroup, snapshots_carry_podgroups_and_relists_replace_them)
{
    static const char snap[] =
        "{\"kind\":\"List\",\"items\":["
        "{\"kind\":\"PodGroup\",\"apiVersion\":\"scheduling.x-k8s.io/v1alpha1\","
        "\"metadata\":{\"name\":\"g\",\"namespace\":\"ml\"},"
        "\"spec\":{\"minMember\":4}}]}";
    struct cluster *c = NULL, *fresh = cluster_new();
    char err[300];

    cr_assert_eq(snapshot_parse(snap, strlen(snap), "s.json", &c, err,
                                sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(cluster_podgroup_get(c, "ml/g", 4)->min_member, 4);
    cluster_wrlock(c);
    cluster_replace(c, fresh);
    cluster_unlock(c);
    cr_assert_null(cluster_podgroup_get(c, "ml/g", 4));
    cluster_free(c);
}

Test(podgroup, snapshot_errors_name_the_item)
{
    static const char dup[] =
        "{\"kind\":\"List\",\"items\":["
        "{\"kind\":\"PodGroup\",\"metadata\":{\"name\":\"g\"}},"
        "{\"kind\":\"PodGroup\",\"metadata\":{\"name\":\"g\"}}]}";
    static const char bad[] =
        "{\"kind\":\"List\",\"items\":["
        "{\"kind\":\"PodGroup\",\"metadata\":{\"name\":\"g\"},"
        "\"spec\":{\"minMember\":1e9}}]}";
    struct cluster *c = NULL;
    char err[300];

    cr_assert_eq(snapshot_parse(dup, strlen(dup), "s.json", &c, err,
                                sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, "items[1] (PodGroup default/g): duplicate"), "%s",
              err);
    cr_assert_eq(snapshot_parse(bad, strlen(bad), "s.json", &c, err,
                                sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, "items[0] (PodGroup): spec.minMember"), "%s", err);
}

Test(podgroup, put_and_delete_bump_the_generation)
{
    struct cluster *c = cluster_new();
    struct podgroup *pg;
    struct jscan js;
    const char *j = "{\"metadata\":{\"name\":\"g\",\"namespace\":\"ml\"}}";
    uint64_t g0 = c->generation;

    js_init(&js, j, strlen(j));
    cr_assert_eq(podgroup_decode(&js, &pg), MU_OK);
    cluster_podgroup_put(c, pg);
    cr_assert_gt(c->generation, g0);
    cr_assert_eq(cluster_podgroup_del(c, "ml", "g"), MU_OK);
    cr_assert_eq(cluster_podgroup_del(c, "ml", "g"), MU_ENOENT);
    cluster_free(c);
}
