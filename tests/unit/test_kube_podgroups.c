/* test_kube_podgroups.c - PodGroups from the API server: the strict parse
 * of a LIST page, one object decoded, and their watch events and LIST
 * pages applied to the cluster (watch_apply.c with KRES_PODGROUPS). */
#include "common.h"
#include "cache/podgroup.h"
#include "kube/kube.h"
#include "kube/watch.h"

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

#define PG(name, rv, spec)                                                     \
    "{\"apiVersion\":\"scheduling.x-k8s.io/v1alpha1\",\"kind\":\"PodGroup\","  \
    "\"metadata\":{\"name\":\"" name "\",\"namespace\":\"ml\","                \
    "\"resourceVersion\":\"" rv "\"},\"spec\":" spec "}"
#define EV(type, obj) "{\"type\":\"" type "\",\"object\":" obj "}"

static int apply(struct cluster *c, const char *line, struct kevent *ev,
                 char *err)
{
    return kube_apply_event(c, KRES_PODGROUPS, line, strlen(line), 0, ev,
                            err, 512);
}

static const struct podgroup *pg_get(const struct cluster *c,
                                     const char *key)
{
    return cluster_podgroup_get(c, key, strlen(key));
}

Test(kube_podgroups, added_modified_deleted_and_bookmark_events)
{
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];
    uint64_t gen = c->generation;

    cr_assert_eq(apply(c, EV("ADDED", PG("a", "5", "{\"minMember\":4}")),
                       &ev, err), MU_OK, "%s", err);
    cr_assert_str_eq(ev.rv, "5");
    cr_assert_eq(pg_get(c, "ml/a")->min_member, 4);
    cr_assert_eq(pg_get(c, "ml/a")->timeout_s, 0);
    cr_assert_gt(c->generation, gen, "the gang table rescans on a change");
    cr_assert_eq(apply(c, EV("MODIFIED", PG("a", "6", "{\"minMember\":6,"
                                        "\"scheduleTimeoutSeconds\":30}")),
                       &ev, err), MU_OK, "%s", err);
    cr_assert_eq(pg_get(c, "ml/a")->min_member, 6);
    cr_assert_eq(pg_get(c, "ml/a")->timeout_s, 30);
    cr_assert_eq(apply(c, EV("BOOKMARK", "{\"kind\":\"PodGroup\",\"metadata\""
                                         ":{\"resourceVersion\":\"9\"}}"),
                       &ev, err), MU_OK);
    cr_assert_str_eq(ev.rv, "9");
    cr_assert_eq(strmap_len(&c->podgroups), 1);
    gen = c->generation;
    cr_assert_eq(apply(c, EV("DELETED", PG("a", "10", "{\"minMember\":6}")),
                       &ev, err), MU_OK, "%s", err);
    cr_assert_str_eq(ev.rv, "10");
    cr_assert_null(pg_get(c, "ml/a"));
    cr_assert_gt(c->generation, gen);
    /* already gone (a relist dropped it): harmless */
    cr_assert_eq(apply(c, EV("DELETED", PG("a", "11", "{}")), &ev, err),
                 MU_OK);
    cluster_free(c);
}

Test(kube_podgroups, a_malformed_event_names_its_path_and_changes_nothing)
{
    static const struct {
        const char *line, *want;
    } bad[] = {
        {EV("MODIFIED", PG("a", "7", "{\"minMember\":-3}")),
         "PodGroup ml/a: PodGroup.spec.minMember: -3 not in 0..100000"},
        {EV("MODIFIED", PG("a", "7", "{\"minMember\":\"8\"}")),
         "PodGroup.spec.minMember"},
        {EV("MODIFIED", PG("a", "7", "{\"scheduleTimeoutSeconds\":1e9}")),
         "PodGroup.spec.scheduleTimeoutSeconds"},
        {EV("ADDED", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}"),
         "PodGroup.kind: expected \"PodGroup\""},
        {EV("ADDED", "{\"metadata\":{\"namespace\":\"ml\"}}"),
         "without metadata.name"},
        {EV("DELETED", "{\"metadata\":{\"namespace\":\"ml\"}}"),
         "DELETED PodGroup without metadata.name"},
    };
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];

    cr_assert_eq(apply(c, EV("ADDED", PG("a", "5", "{\"minMember\":4}")),
                       &ev, err), MU_OK, "%s", err);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = '\0';
        cr_assert_eq(apply(c, bad[i].line, &ev, err), MU_EINVAL, "case %zu",
                     i);
        cr_assert(strstr(err, bad[i].want), "case %zu: \"%s\"", i, err);
    }
    /* the watch goes on from the bad event's resourceVersion */
    cr_assert_str_eq(ev.rv, "");
    cr_assert_eq(apply(c, bad[0].line, &ev, err), MU_EINVAL);
    cr_assert_str_eq(ev.rv, "7");
    cr_assert_eq(strmap_len(&c->podgroups), 1);
    cr_assert_eq(pg_get(c, "ml/a")->min_member, 4);
    cluster_free(c);
}

Test(kube_podgroups, error_410_event_asks_for_a_relist)
{
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];

    cr_assert_eq(apply(c, "{\"type\":\"ERROR\",\"object\":{\"kind\":"
                          "\"Status\",\"message\":\"too old resource "
                          "version: 3 (9)\",\"reason\":\"Expired\","
                          "\"code\":410}}", &ev, err), MU_OK);
    cr_assert(ev.relist);
    cr_assert_eq(ev.code, 410);
    cr_assert(strstr(err, "watch PodGroups: ERROR event, code 410"), "%s",
              err);
    cluster_free(c);
}

/* A cluster with a node, a pod and PodGroups ml/old and ml/keep. */
static struct cluster *with_everything(void)
{
    static const char node[] = EV("ADDED", "{\"metadata\":{\"name\":\"n1\"}}");
    static const char pod[] = EV("ADDED", "{\"metadata\":{\"name\":\"p\","
                                 "\"namespace\":\"ml\",\"uid\":\"u\"},"
                                 "\"spec\":{\"containers\":[]}}");
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];

    cr_assert_eq(kube_apply_event(c, KRES_NODES, node, strlen(node), 0, &ev,
                                  err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(kube_apply_event(c, KRES_PODS, pod, strlen(pod), 0, &ev,
                                  err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(apply(c, EV("ADDED", PG("old", "1", "{\"minMember\":2}")),
                       &ev, err), MU_OK);
    cr_assert_eq(apply(c, EV("ADDED", PG("keep", "2", "{\"minMember\":2}")),
                       &ev, err), MU_OK);
    return c;
}

Test(kube_podgroups, relist_replaces_the_table_and_skips_a_bad_item)
{
    static const char page[] =
        "{\"kind\":\"PodGroupList\",\"apiVersion\":\"scheduling.x-k8s.io/"
        "v1alpha1\",\"metadata\":{\"resourceVersion\":\"40\"},\"items\":["
        PG("keep", "30", "{\"minMember\":3}") ","
        PG("bad", "31", "{\"minMember\":-1}") ","
        PG("new", "32", "{\"minMember\":5,\"scheduleTimeoutSeconds\":9}")
        "]}";
    struct cluster *c = with_everything(), *fresh = cluster_new();
    char rv[KUBE_RV_MAX], cont[64], err[512];
    uint64_t gen = c->generation;

    cr_assert_eq(kube_apply_list_page(fresh, KRES_PODGROUPS, page,
                                      strlen(page), rv, cont, sizeof(cont),
                                      err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_str_eq(rv, "40");
    cr_assert_str_eq(cont, "");
    cr_assert_eq(strmap_len(&fresh->podgroups), 2, "the bad one skipped");
    kube_apply_relist(c, KRES_PODGROUPS, fresh, 0);
    /* ml/old was deleted while the watch was down: gone */
    cr_assert_null(pg_get(c, "ml/old"));
    cr_assert_null(pg_get(c, "ml/bad"));
    cr_assert_eq(pg_get(c, "ml/keep")->min_member, 3);
    cr_assert_eq(pg_get(c, "ml/new")->timeout_s, 9);
    cr_assert_gt(c->generation, gen);
    /* nodes and pods are not touched */
    cr_assert_eq(cluster_node_count(c), 1);
    cr_assert_eq(cluster_pod_count(c), 1);
    /* an empty relist (the CRD went away) empties the table */
    kube_apply_relist(c, KRES_PODGROUPS, cluster_new(), 0);
    cr_assert_eq(strmap_len(&c->podgroups), 0);
    cr_assert_eq(cluster_node_count(c), 1);
    cluster_free(c);
}

Test(kube_podgroups, a_node_or_pod_relist_keeps_the_podgroups)
{
    struct cluster *c = with_everything();

    kube_apply_relist(c, KRES_NODES, cluster_new(), 0);
    kube_apply_relist(c, KRES_PODS, cluster_new(), 0);
    cr_assert_eq(cluster_node_count(c), 0);
    cr_assert_eq(cluster_pod_count(c), 0);
    cr_assert_eq(strmap_len(&c->podgroups), 2);
    cluster_free(c);
}

Test(kube_podgroups, decode_one_object_refuses_trailing_bytes)
{
    static const char ok[] = PG("a", "1", "{\"minMember\":2}");
    static const char trail[] = PG("a", "1", "{\"minMember\":2}") " x";
    struct podgroup *pg = (struct podgroup *)1;
    char err[256];

    cr_assert_eq(kube_podgroup_decode(ok, strlen(ok), "PodGroup", &pg, err,
                                      sizeof(err)), MU_OK, "%s", err);
    cr_assert_str_eq(pg->key, "ml/a");
    podgroup_free(pg);
    cr_assert_eq(kube_podgroup_decode(trail, strlen(trail), "PodGroup", &pg,
                                      err, sizeof(err)), MU_EINVAL);
    cr_assert_null(pg);
    cr_assert(strstr(err, "PodGroup"), "%s", err);
}
