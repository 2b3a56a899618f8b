/* test_kube_watch_apply.c - watch events and LIST pages applied to a
 * cluster: each event type, relists that replace one resource and keep the
 * other, and the life of an assumed pod (kept, confirmed, expired). */
#include "common.h"
#include "cache/cluster.h"
#include "kube/watch.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

#define NODE(name, rv, cpu)                                                    \
    "{\"metadata\":{\"name\":\"" name "\",\"resourceVersion\":\"" rv "\"},"    \
    "\"status\":{\"allocatable\":{\"cpu\":\"" cpu "\",\"pods\":\"10\"},"       \
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
#define POD(name, uid, rv, node, cpu)                                          \
    "{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"ns\",\"uid\":\""     \
    uid "\",\"resourceVersion\":\"" rv "\"},\"spec\":{" node                   \
    "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\""  \
    cpu "\"}}}]},\"status\":{\"phase\":\"Pending\"}}"
#define ON(n) "\"nodeName\":\"" n "\","
#define EV(type, obj) "{\"type\":\"" type "\",\"object\":" obj "}"

static int apply(struct cluster *c, enum kres r, const char *line,
                 int64_t now, struct kevent *ev, char *err)
{
    return kube_apply_event(c, r, line, strlen(line), now, ev, err, 512);
}

static int64_t used_cpu(struct cluster *c, const char *node)
{
    struct node_info *n = cluster_node_get(c, node, strlen(node));

    cr_assert_not_null(n, "node %s missing", node);
    return n->used[RES_CPU];
}

Test(kube_watch_apply, added_modified_deleted_and_bookmark)
{
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];

    cr_assert_eq(apply(c, KRES_NODES, EV("ADDED", NODE("n1", "5", "4")), 0,
                       &ev, err), MU_OK, "%s", err);
    cr_assert_str_eq(ev.rv, "5");
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("ADDED", POD("p", "u1", "6", ON("n1"), "500m")), 0,
                       &ev, err), MU_OK, "%s", err);
    cr_assert_eq(used_cpu(c, "n1"), 500);
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("MODIFIED", POD("p", "u1", "7", ON("n1"), "1")), 0,
                       &ev, err), MU_OK, "%s", err);
    cr_assert_eq(used_cpu(c, "n1"), 1000);
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("BOOKMARK", "{\"kind\":\"Pod\",\"metadata\":{"
                                      "\"resourceVersion\":\"9\"}}"),
                       0, &ev, err), MU_OK);
    cr_assert_str_eq(ev.rv, "9");
    cr_assert_eq(cluster_pod_count(c), 1);
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("DELETED", POD("p", "u1", "10", ON("n1"), "1")), 0,
                       &ev, err), MU_OK);
    cr_assert_str_eq(ev.rv, "10");
    cr_assert_eq(cluster_pod_count(c), 0);
    cr_assert_eq(used_cpu(c, "n1"), 0);
    /* a DELETED for something already gone is harmless */
    cr_assert_eq(apply(c, KRES_NODES, EV("DELETED", NODE("n9", "11", "1")),
                       0, &ev, err), MU_OK);
    cr_assert_eq(apply(c, KRES_NODES, EV("DELETED", NODE("n1", "12", "1")),
                       0, &ev, err), MU_OK);
    cr_assert_eq(cluster_node_count(c), 0);
    cluster_free(c);
}

Test(kube_watch_apply, error_event_asks_for_a_relist_with_the_message)
{
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];

    cr_assert_eq(apply(c, KRES_PODS,
                       "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
                       "\"message\":\"too old resource version: 1 (3473)\","
                       "\"reason\":\"Expired\",\"code\":410}}",
                       0, &ev, err), MU_OK);
    cr_assert(ev.relist);
    cr_assert_eq(ev.code, 410);
    cr_assert(strstr(err, "too old resource version"), "%s", err);
    cr_assert_str_eq(ev.rv, "");
    cluster_free(c);
}

Test(kube_watch_apply, malformed_events_are_refused_with_a_reason)
{
    static const struct {
        const char *line, *want;
    } bad[] = {
        {"{\"type\":\"ADDED\"", "watch event"},
        {"{\"object\":{}}", "type missing"},
        {"{\"type\":\"ADDED\"}", "object missing"},
        {EV("EXPLODED", NODE("n", "1", "1")), "unknown type \"EXPLODED\""},
        {EV("ADDED", "{\"metadata\":{\"name\":\"n\"},\"status\":{"
                     "\"allocatable\":{\"cpu\":\"1x\"}}}"), "cpu"},
        {EV("DELETED", "{\"metadata\":{}}"), "without metadata.name"},
        {EV("ADDED", "{\"metadata\":{\"name\":7}}"), "metadata.name"},
    };
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = '\0';
        cr_assert_eq(apply(c, KRES_NODES, bad[i].line, 0, &ev, err),
                     MU_EINVAL, "case %zu", i);
        cr_assert(strstr(err, bad[i].want), "case %zu: \"%s\"", i, err);
    }
    cr_assert_eq(cluster_node_count(c), 0);
    cluster_free(c);
}

/* The service's assumed copy after a successful bind. */
static void assume(struct cluster *c, const char *uid, const char *node,
                   int64_t until)
{
    struct pod *p;

    cluster_wrlock(c);
    p = cluster_pod_take(c, uid);
    cr_assert_not_null(p);
    free(p->node_name);
    p->node_name = xstrdup(node);
    p->assumed_until = until;
    cluster_pod_put(c, p);
    cluster_unlock(c);
}

static struct cluster *one_node_one_pod(void)
{
    struct cluster *c = cluster_new();
    struct kevent ev;
    char err[512];

    cr_assert_eq(apply(c, KRES_NODES, EV("ADDED", NODE("n1", "1", "4")), 0,
                       &ev, err), MU_OK, "%s", err);
    cr_assert_eq(apply(c, KRES_PODS, EV("ADDED", POD("p", "u1", "2", "", "1")),
                       0, &ev, err), MU_OK, "%s", err);
    return c;
}

Test(kube_watch_apply, assumption_survives_stale_event_then_is_confirmed)
{
    struct cluster *c = one_node_one_pod();
    struct kevent ev;
    char err[512];
    struct pod *p;

    assume(c, "u1", "n1", 5000);
    cr_assert_eq(used_cpu(c, "n1"), 1000);
    /* sent before the API server saw our Binding: still unbound */
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("MODIFIED", POD("p", "u1", "3", "", "1")), 1000,
                       &ev, err), MU_OK);
    p = cluster_pod_get(c, "u1", 2);
    cr_assert_str_eq(p->node_name, "n1");
    cr_assert_eq(p->assumed_until, 5000);
    cr_assert_eq(used_cpu(c, "n1"), 1000);
    /* the watch confirms it: no longer an assumption */
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("MODIFIED", POD("p", "u1", "4", ON("n1"), "1")),
                       1000, &ev, err), MU_OK);
    p = cluster_pod_get(c, "u1", 2);
    cr_assert_eq(p->assumed_until, 0);
    cr_assert_eq(kube_expire_assumed(c, 999999), 0);
    cr_assert_eq(used_cpu(c, "n1"), 1000);
    cluster_free(c);
}

Test(kube_watch_apply, unconfirmed_assumption_expires_back_to_unbound)
{
    struct cluster *c = one_node_one_pod();
    struct kevent ev;
    char err[512];
    struct pod *p;

    assume(c, "u1", "n1", 5000);
    cr_assert_eq(kube_expire_assumed(c, 4999), 0);
    cr_assert_eq(used_cpu(c, "n1"), 1000);
    cr_assert_eq(kube_expire_assumed(c, 5000), 1);
    p = cluster_pod_get(c, "u1", 2);
    cr_assert_not_null(p);
    cr_assert_null(p->node_name);
    cr_assert_eq(p->assumed_until, 0);
    cr_assert_eq(used_cpu(c, "n1"), 0);
    /* after expiry a stale unbound event is taken as it is */
    assume(c, "u1", "n1", 6000);
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("MODIFIED", POD("p", "u1", "5", "", "1")), 7000,
                       &ev, err), MU_OK);
    cr_assert_null(cluster_pod_get(c, "u1", 2)->node_name);
    cluster_free(c);
}

static struct cluster *list_into(enum kres r, const char *body, char *rv,
                                 char *cont)
{
    struct cluster *f = cluster_new();
    char err[512] = "";

    cr_assert_eq(kube_apply_list_page(f, r, body, strlen(body), rv, cont, 256,
                                      err, sizeof(err)), MU_OK, "%s", err);
    return f;
}

Test(kube_watch_apply, relist_of_pods_keeps_nodes_and_drops_what_is_gone)
{
    struct cluster *c = one_node_one_pod(), *fresh;
    char rv[KUBE_RV_MAX], cont[256];
    struct kevent ev;
    char err[512];

    cr_assert_eq(apply(c, KRES_PODS,
                       EV("ADDED", POD("q", "u2", "3", ON("n1"), "2")), 0,
                       &ev, err), MU_OK);
    cr_assert_eq(used_cpu(c, "n1"), 2000);
    assume(c, "u1", "n1", 5000);
    /* u2 is gone, u1 still shows unbound, u3 is new and bound */
    fresh = list_into(KRES_PODS,
                      "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\""
                      ":\"40\",\"continue\":\"abc\"},\"items\":["
                      POD("p", "u1", "30", "", "1") ","
                      POD("r", "u3", "31", ON("n1"), "250m") "]}", rv, cont);
    cr_assert_str_eq(rv, "40");
    cr_assert_str_eq(cont, "abc");
    kube_apply_relist(c, KRES_PODS, fresh, 1000);
    cr_assert_eq(cluster_node_count(c), 1);
    cr_assert_eq(cluster_pod_count(c), 2);
    cr_assert_null(cluster_pod_get(c, "u2", 2));
    cr_assert_str_eq(cluster_pod_get(c, "u1", 2)->node_name, "n1");
    cr_assert_eq(used_cpu(c, "n1"), 1250);
    cluster_free(c);
}

Test(kube_watch_apply, relist_of_nodes_keeps_pods_and_their_usage)
{
    struct cluster *c = one_node_one_pod(), *fresh;
    char rv[KUBE_RV_MAX], cont[256];
    struct kevent ev;
    char err[512];

    cr_assert_eq(apply(c, KRES_PODS,
                       EV("MODIFIED", POD("p", "u1", "3", ON("n2"), "1")), 0,
                       &ev, err), MU_OK);
    fresh = list_into(KRES_NODES,
                      "{\"metadata\":{\"resourceVersion\":\"50\"},\"items\":["
                      NODE("n2", "44", "8") "," NODE("n3", "45", "2") "]}",
                      rv, cont);
    cr_assert_str_eq(cont, "");
    kube_apply_relist(c, KRES_NODES, fresh, 0);
    cr_assert_eq(cluster_node_count(c), 2);
    cr_assert_null(cluster_node_get(c, "n1", 2));
    cr_assert_eq(cluster_pod_count(c), 1);
    cr_assert_eq(used_cpu(c, "n2"), 1000);
    cr_assert_eq(used_cpu(c, "n3"), 0);
    cluster_free(c);
}

Test(kube_watch_apply, list_skips_bad_items_and_rejects_bad_lists)
{
    struct cluster *f = cluster_new();
    char rv[KUBE_RV_MAX], cont[256], err[512] = "";
    const char *body = "{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":["
                       "{\"metadata\":{\"name\":\"bad\"},\"status\":{"
                       "\"allocatable\":{\"cpu\":\"zz\"}}},"
                       NODE("good", "1", "1") "]}";

    cr_assert_eq(kube_apply_list_page(f, KRES_NODES, body, strlen(body), rv,
                                      cont, sizeof(cont), err, sizeof(err)),
                 MU_OK);
    cr_assert_eq(cluster_node_count(f), 1);
    cr_assert_not_null(cluster_node_get(f, "good", 4));
    body = "{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[1]}";
    cr_assert_eq(kube_apply_list_page(f, KRES_NODES, body, strlen(body), rv,
                                      cont, sizeof(cont), err, sizeof(err)),
                 MU_EINVAL);
    cr_assert(strstr(err, "NodeList.items[0]"), "%s", err);
    body = "{\"items\":null,\"metadata\":{\"continue\":\"x\"}} trailing";
    cr_assert_eq(kube_apply_list_page(f, KRES_NODES, body, strlen(body), rv,
                                      cont, sizeof(cont), err, sizeof(err)),
                 MU_EINVAL);
    cluster_free(f);
}

Test(kube_watch_apply, relist_moves_usage_of_nodes_not_yet_seen)
{
    struct cluster *c = one_node_one_pod(), *fresh;
    char rv[KUBE_RV_MAX], cont[256], err[512];
    struct kevent ev;

    /* a pod on "ghost", a node the cache does not have (yet) */
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("ADDED", POD("g", "ug", "3", ON("ghost"), "3")), 0,
                       &ev, err), MU_OK);
    /* the relist no longer has it, but has one on "ghost2" */
    fresh = list_into(KRES_PODS,
                      "{\"metadata\":{\"resourceVersion\":\"9\"},\"items\":["
                      POD("h", "uh", "8", ON("ghost2"), "2") "]}", rv, cont);
    kube_apply_relist(c, KRES_PODS, fresh, 0);
    cr_assert_eq(apply(c, KRES_NODES, EV("ADDED", NODE("ghost", "10", "8")),
                       0, &ev, err), MU_OK);
    cr_assert_eq(apply(c, KRES_NODES, EV("ADDED", NODE("ghost2", "11", "8")),
                       0, &ev, err), MU_OK);
    cr_assert_eq(used_cpu(c, "ghost"), 0);
    cr_assert_eq(used_cpu(c, "ghost2"), 2000);
    cr_assert_eq(used_cpu(c, "n1"), 0);
    cluster_free(c);
}

/* Found by tests/fuzz/fuzz_watch (tests/fuzz/regressions/watch/): names of
 * resources are interned process-wide up to RES_MAX, and an object that
 * would pass that cap is refused with MU_ELIMIT (the contract said only
 * MU_EINVAL) and a message, leaving the cache as it was. */
Test(kube_watch_apply, object_past_the_resource_name_cap_is_refused_whole)
{
    struct cluster *c = cluster_new();
    struct buf line;
    struct kevent ev;
    char err[512] = "";

    buf_init(&line, BUF_UNLIMITED);
    buf_adds(&line, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{"
                    "\"name\":\"n1\",\"resourceVersion\":\"9\"},"
                    "\"status\":{\"allocatable\":{\"cpu\":\"1\"");
    for (int i = 0; i < RES_MAX + 1; i++)
        buf_printf(&line, ",\"example.com/r%d\":\"1\"", i);
    buf_adds(&line, "}}}}");
    cr_assert_eq(kube_apply_event(c, KRES_NODES, line.data, line.len, 0, &ev,
                                  err, sizeof(err)),
                 MU_ELIMIT);
    cr_assert(strstr(err, "too many distinct resource names"), "%s", err);
    cr_assert_str_eq(ev.rv, "9");
    cr_assert_eq(cluster_node_count(c), 0);
    buf_fini(&line);
    cluster_free(c);
}

/* Pods naming made-up resources cannot lock nodes out of the name table:
 * past the pod quota their names become RES_UNLISTED, a node's new
 * device-plugin resource still gets a real id, and a bound pod with an
 * unlisted name is kept in the cache with its cpu counted on its node. */
Test(kube_watch_apply, made_up_pod_resources_leave_room_for_nodes)
{
    struct cluster *c = cluster_new();
    struct buf line;
    struct kevent ev;
    char err[512] = "";

    buf_init(&line, BUF_UNLIMITED);
    buf_adds(&line, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{"
                    "\"name\":\"p0\",\"namespace\":\"ns\",\"uid\":\"u0\","
                    "\"resourceVersion\":\"2\"},\"spec\":{\"containers\":"
                    "[{\"resources\":{\"requests\":{\"cpu\":\"1\"");
    for (int i = 0; i < RES_MAX + 1; i++)
        buf_printf(&line, ",\"example.com/r%d\":\"1\"", i);
    buf_adds(&line, "}}}]}}}");
    cr_assert_eq(kube_apply_event(c, KRES_PODS, line.data, line.len, 0, &ev,
                                  err, sizeof(err)),
                 MU_OK, "%s", err);
    cr_assert_eq(apply(c, KRES_NODES,
                       EV("ADDED", "{\"metadata\":{\"name\":\"n1\","
                                   "\"resourceVersion\":\"3\"},\"status\":"
                                   "{\"allocatable\":{\"cpu\":\"4\","
                                   "\"vendor.io/dev\":\"8\"}}}"),
                       0, &ev, err),
                 MU_OK, "%s", err);
    cr_assert_eq(cluster_node_get(c, "n1", 2)->alloc[res_find("vendor.io/dev",
                                                               13)],
                 8);
    cr_assert_eq(apply(c, KRES_PODS,
                       EV("ADDED", "{\"metadata\":{\"name\":\"p1\","
                                   "\"namespace\":\"ns\",\"uid\":\"u1\","
                                   "\"resourceVersion\":\"4\"},\"spec\":{"
                                   ON("n1") "\"containers\":[{\"resources\":"
                                   "{\"requests\":{\"cpu\":\"500m\","
                                   "\"made.up/thing\":\"2\"}}}]}}"),
                       0, &ev, err),
                 MU_OK, "%s", err);
    cr_assert_eq(used_cpu(c, "n1"), 500);
    cr_assert_eq(cluster_node_get(c, "n1", 2)->used[RES_UNLISTED], 2);
    buf_fini(&line);
    cluster_free(c);
}
