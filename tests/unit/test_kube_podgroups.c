/* test_kube_podgroups.c - parsing a PodGroup LIST page. */
#include "common.h"
#include "cache/podgroup.h"
#include "kube/kube.h"

#include <criterion/criterion.h>

Test(kube_podgroups, list_page_gives_every_group_and_the_continue_token)
{
    static const char body[] =
        "{\"kind\":\"PodGroupList\",\"apiVersion\":\"scheduling.x-k8s.io/"
        "v1alpha1\",\"metadata\":{\"resourceVersion\":\"9\",\"continue\":"
        "\"abc\"},\"items\":[{\"metadata\":{\"name\":\"a\",\"namespace\":"
        "\"ml\"},\"spec\":{\"minMember\":8,\"scheduleTimeoutSeconds\":60}},"
        "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ml\"},\"spec\":{}}]}";
    struct podgroup **pg;
    size_t n;
    char cont[64], err[256];

    cr_assert_eq(kube_podgroups_parse(body, strlen(body), &pg, &n, cont,
                                      sizeof(cont), err, sizeof(err)), MU_OK,
                 "%s", err);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(cont, "abc");
    cr_assert_str_eq(pg[0]->key, "ml/a");
    cr_assert_eq(pg[0]->min_member, 8);
    cr_assert_eq(pg[0]->timeout_s, 60);
    cr_assert_eq(pg[1]->min_member, 1);
    podgroup_free(pg[0]);
    podgroup_free(pg[1]);
    free(pg);
}

Test(kube_podgroups, a_bad_item_fails_the_page_with_its_path)
{
    static const char body[] =
        "{\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{"
        "\"name\":\"b\"},\"spec\":{\"minMember\":-3}}]}";
    struct podgroup **pg = (struct podgroup **)1;
    size_t n = 9;
    char cont[64], err[256];

    cr_assert_eq(kube_podgroups_parse(body, strlen(body), &pg, &n, cont,
                                      sizeof(cont), err, sizeof(err)),
                 MU_EINVAL);
    cr_assert_str_eq(err, "PodGroupList.items[1].spec.minMember: -3 not in "
                     "0..100000");
    cr_assert_null(pg);
    cr_assert_eq(n, 0);
    cr_assert_eq(kube_podgroups_parse("[]", 2, &pg, &n, cont, sizeof(cont),
                                      err, sizeof(err)), MU_EINVAL);
}
