/* test_cache_decode.c - Pod and Node decoding: every field read, the
 * effective request, null handling, and each class of error message. */
#include "common.h"
#include "cache/decode.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>

static char err[512];

static struct pod *pod_ok(const char *json)
{
    struct pod *p = NULL;
    int rc = decode_pod_buf(json, strlen(json), "Pod", &p, err, sizeof(err));

    cr_assert_eq(rc, MU_OK, "decode failed: %s", err);
    cr_assert_not_null(p);
    return p;
}

static struct node_info *node_ok(const char *json)
{
    struct node_info *n = NULL;
    int rc = decode_node_buf(json, strlen(json), "Node", &n, err, sizeof(err));

    cr_assert_eq(rc, MU_OK, "decode failed: %s", err);
    return n;
}

/* Decoding must fail with exactly this message and leave *out alone. */
static void pod_err(const char *json, const char *want)
{
    struct pod *p = (struct pod *)&err; /* sentinel: must stay untouched */
    int rc = decode_pod_buf(json, strlen(json), "Pod", &p, err, sizeof(err));

    cr_assert_neq(rc, MU_OK, "accepted: %s", json);
    cr_assert_eq(p, (struct pod *)&err);
    cr_assert_str_eq(err, want);
}

static void node_err(const char *json, const char *want)
{
    struct node_info *n = NULL;
    int rc = decode_node_buf(json, strlen(json), "Node", &n, err, sizeof(err));

    cr_assert_neq(rc, MU_OK, "accepted: %s", json);
    cr_assert_null(n);
    cr_assert_str_eq(err, want);
}

static int64_t req(const struct pod *p, const char *name)
{
    int id = res_find(name, strlen(name));

    return id < 0 ? 0 : pod_request(p, id);
}

Test(decode_pod, reads_metadata_and_keeps_only_scheduling_annotations)
{
    struct pod *p = pod_ok(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
        "\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"u-1\","
        "\"creationTimestamp\":\"2026-11-23T18:20:53Z\","
        "\"labels\":{\"b\":\"2\",\"a\":\"1\",\"n\":null},"
        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
        "\"{...}\",\"muster.dev/gang-size\":\"4\",\"scheduling.k8s.io/"
        "group-name\":\"g\",\"scheduling.x-k8s.io/pod-group\":\"pg\","
        "\"scheduling.volcano.sh/queue-name\":\"q\",\"kueue.x-k8s.io/"
        "queue-name\":\"lq\",\"other\":\"x\"},"
        "\"managedFields\":[{\"manager\":\"m\",\"fieldsV1\":{\"f:x\":{}}}]},"
        "\"spec\":{},\"status\":{}}");

    cr_assert_str_eq(p->name, "web-1");
    cr_assert_str_eq(p->ns, "shop");
    cr_assert_str_eq(p->uid, "u-1");
    cr_assert_eq(p->created, 1795458053);
    cr_assert_eq(p->labels.n, 3);
    cr_assert_str_eq(p->labels.kv[0].key, "a");
    cr_assert_str_eq(labels_get(&p->labels, "b"), "2");
    cr_assert_str_eq(labels_get(&p->labels, "n"), "");
    cr_assert_eq(p->annotations.n, 5);
    cr_assert_str_eq(labels_get(&p->annotations, "muster.dev/gang-size"), "4");
    cr_assert_str_eq(labels_get(&p->annotations, "kueue.x-k8s.io/queue-name"),
                     "lq");
    cr_assert_null(labels_get(&p->annotations, "other"));
    cr_assert_null(labels_get(
        &p->annotations, "kubectl.kubernetes.io/last-applied-configuration"));
    /* defaults */
    cr_assert_str_eq(p->scheduler_name, "default-scheduler");
    cr_assert_null(p->node_name);
    cr_assert_eq(p->phase, PHASE_PENDING);
    cr_assert_eq(p->priority, 0);
    cr_assert_eq(p->nreq, 1);
    cr_assert_eq(req(p, "pods"), 1);
    pod_free(p);
}

Test(decode_pod, defaults_namespace_and_accepts_null_everywhere)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\",\"namespace\":null,\"uid\":null,"
        "\"labels\":null,\"annotations\":null,\"creationTimestamp\":null},"
        "\"spec\":{\"nodeName\":null,\"schedulerName\":null,\"priority\":null,"
        "\"nodeSelector\":null,\"affinity\":null,\"tolerations\":null,"
        "\"containers\":[{\"resources\":{\"requests\":null,\"limits\":null}},"
        "null],\"initContainers\":null,\"overhead\":null},"
        "\"status\":{\"phase\":null}}");

    cr_assert_str_eq(p->ns, "default");
    cr_assert_str_eq(p->uid, "");
    cr_assert_eq(p->created, 0);
    cr_assert_eq(p->has_required, false);
    cr_assert_eq(p->ntols, 0);
    cr_assert_eq(p->phase, PHASE_PENDING);
    pod_free(p);
    p = pod_ok("{\"metadata\":{\"name\":\"x\"},\"spec\":null,\"status\":null}");
    cr_assert_str_eq(p->ns, "default");
    pod_free(p);
}

Test(decode_pod, reads_spec_scheduling_fields)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"nodeName\":\"n1\","
        "\"schedulerName\":\"muster\",\"priority\":-7,"
        "\"nodeSelector\":{\"disk\":\"ssd\"},"
        "\"tolerations\":[{\"key\":\"k\",\"operator\":\"Equal\",\"value\":"
        "\"v\","
        "\"effect\":\"NoSchedule\",\"tolerationSeconds\":5},{\"operator\":"
        "\"Exists\"},{\"key\":\"a\",\"effect\":\"PreferNoSchedule\"},{\"key\":"
        "\"b\",\"operator\":\"\",\"effect\":\"NoExecute\"}]},"
        "\"status\":{\"phase\":\"Running\"}}");

    cr_assert_str_eq(p->node_name, "n1");
    cr_assert_str_eq(p->scheduler_name, "muster");
    cr_assert_eq(p->priority, -7);
    cr_assert_str_eq(labels_get(&p->node_selector, "disk"), "ssd");
    cr_assert_eq(p->phase, PHASE_RUNNING);
    cr_assert_eq(p->ntols, 4);
    cr_assert_str_eq(p->tols[0].key, "k");
    cr_assert_str_eq(p->tols[0].value, "v");
    cr_assert_eq(p->tols[0].op, TOL_EQUAL);
    cr_assert_eq(p->tols[0].effect, EFFECT_NO_SCHEDULE);
    cr_assert_str_eq(p->tols[1].key, "");
    cr_assert_eq(p->tols[1].op, TOL_EXISTS);
    cr_assert_eq(p->tols[1].effect, EFFECT_ANY);
    cr_assert_eq(p->tols[2].op, TOL_EQUAL);
    cr_assert_eq(p->tols[2].effect, EFFECT_PREFER_NO_SCHEDULE);
    cr_assert_str_eq(p->tols[2].value, "");
    cr_assert_eq(p->tols[3].effect, EFFECT_NO_EXECUTE);
    pod_free(p);
}

Test(decode_pod, reads_every_phase)
{
    static const char *const names[] = {"Pending", "Running", "Succeeded",
                                        "Failed", "Unknown"};
    static const enum pod_phase want[] = {PHASE_PENDING, PHASE_RUNNING,
                                          PHASE_SUCCEEDED, PHASE_FAILED,
                                          PHASE_UNKNOWN};

    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        char *j = xasprintf("{\"metadata\":{\"name\":\"x\"},\"status\":"
                            "{\"phase\":\"%s\"}}",
                            names[i]);
        struct pod *p = pod_ok(j);

        cr_assert_eq(p->phase, want[i], "%s", names[i]);
        pod_free(p);
        free(j);
    }
}

Test(decode_pod, reads_node_affinity_terms)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"affinity\":{"
        "\"podAntiAffinity\":{\"x\":1},\"nodeAffinity\":{"
        "\"requiredDuringSchedulingIgnoredDuringExecution\":{"
        "\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"zone\","
        "\"operator\":\"In\",\"values\":[\"a\",\"b\"]},{\"key\":\"gpu\","
        "\"operator\":\"Exists\"}]},{\"matchFields\":[{\"key\":"
        "\"metadata.name\",\"operator\":\"NotIn\",\"values\":[\"n9\"]}]}]},"
        "\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":"
        "100,\"preference\":{\"matchExpressions\":[{\"key\":\"rack\","
        "\"operator\":\"Gt\",\"values\":[\"3\"]},{\"key\":\"r\",\"operator\":"
        "\"Lt\",\"values\":[\"9\"]},{\"key\":\"d\",\"operator\":"
        "\"DoesNotExist\"}]}},{\"weight\":1,\"preference\":{}}]}}}}");

    cr_assert(p->has_required);
    cr_assert_eq(p->nrequired, 2);
    cr_assert_eq(p->required[0].nexprs, 2);
    cr_assert_str_eq(p->required[0].exprs[0].key, "zone");
    cr_assert_eq(p->required[0].exprs[0].op, SEL_IN);
    cr_assert_eq(p->required[0].exprs[0].nvalues, 2);
    cr_assert_str_eq(p->required[0].exprs[0].values[1], "b");
    cr_assert_eq(p->required[0].exprs[1].op, SEL_EXISTS);
    cr_assert_eq(p->required[0].exprs[1].nvalues, 0);
    cr_assert_eq(p->required[1].nfields, 1);
    cr_assert_eq(p->required[1].fields[0].op, SEL_NOT_IN);
    cr_assert_str_eq(p->required[1].fields[0].values[0], "n9");
    cr_assert_eq(p->npreferred, 2);
    cr_assert_eq(p->preferred[0].weight, 100);
    cr_assert_eq(p->preferred[0].term.nexprs, 3);
    cr_assert_eq(p->preferred[0].term.exprs[0].op, SEL_GT);
    cr_assert_eq(p->preferred[0].term.exprs[1].op, SEL_LT);
    cr_assert_eq(p->preferred[0].term.exprs[2].op, SEL_DOES_NOT_EXIST);
    cr_assert_eq(p->preferred[1].weight, 1);
    cr_assert_eq(p->preferred[1].term.nexprs, 0);
    pod_free(p);
}

Test(decode_pod, required_present_but_empty_is_not_absent)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"affinity\":{"
        "\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
        "{\"nodeSelectorTerms\":[]}}}}}");

    cr_assert(p->has_required);
    cr_assert_eq(p->nrequired, 0);
    pod_free(p);
}

Test(decode_pod, request_sums_containers_and_adds_pods)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":["
        "{\"name\":\"a\",\"image\":\"i\",\"resources\":{\"requests\":{\"cpu\":"
        "\"500m\",\"memory\":\"1Gi\",\"nvidia.com/gpu\":\"2\"}}},"
        "{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"1.5\","
        "\"memory\":\"512Mi\",\"example.com/zero\":\"0\"}}}]}}");

    cr_assert_eq(req(p, "cpu"), 2000);
    cr_assert_eq(req(p, "memory"), 1536LL << 20);
    cr_assert_eq(req(p, "nvidia.com/gpu"), 2);
    cr_assert_eq(req(p, "pods"), 1);
    /* sparse: no zero entries, sorted by id */
    cr_assert_eq(p->nreq, 4);
    for (uint32_t i = 1; i < p->nreq; i++)
        cr_assert_lt(p->req[i - 1].id, p->req[i].id);
    pod_free(p);
}

Test(decode_pod, limit_without_request_requests_the_limit)
{
    struct pod *p =
        pod_ok("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":["
               "{\"resources\":{\"limits\":{\"cpu\":\"2\",\"memory\":\"1Gi\"},"
               "\"requests\":{\"cpu\":\"1\"}}},"
               "{\"resources\":{\"limits\":{\"nvidia.com/gpu\":\"1\"}}}]}}");

    cr_assert_eq(req(p, "cpu"), 1000);         /* request wins */
    cr_assert_eq(req(p, "memory"), 1LL << 30); /* limit only */
    cr_assert_eq(req(p, "nvidia.com/gpu"), 1);
    pod_free(p);
}

Test(decode_pod, init_containers_take_the_max_per_resource)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":["
        "{\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}],"
        "\"initContainers\":[{\"resources\":{\"requests\":{\"cpu\":\"4\"}}},"
        "{\"resources\":{\"requests\":{\"cpu\":\"2\",\"memory\":\"3Gi\"}}}]}}");

    cr_assert_eq(req(p, "cpu"), 4000);
    cr_assert_eq(req(p, "memory"), 3LL << 30);
    pod_free(p);
}

/* The KEP-753 example: sidecars run beside everything after them. */
Test(decode_pod, sidecars_add_to_containers_and_to_later_init_steps)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"initContainers\":["
        "{\"resources\":{\"requests\":{\"cpu\":\"1\"}}},"
        "{\"restartPolicy\":\"Always\",\"resources\":{\"requests\":{\"cpu\":"
        "\"2\",\"memory\":\"100Mi\"}}},"
        "{\"resources\":{\"requests\":{\"cpu\":\"5\"}}},"
        "{\"resources\":{\"requests\":{\"memory\":\"1Gi\"}},"
        "\"restartPolicy\":\"Never\"},"
        "{\"resources\":{\"requests\":{\"cpu\":\"1\"}},\"restartPolicy\":"
        "\"Always\"}],"
        "\"containers\":[{\"resources\":{\"requests\":{\"cpu\":\"3\"}}}]}}");

    /* containers 3 + sidecars 2 + 1 = 6; init steps: 1, 2, 5+2=7, 2+0=2...
     * so cpu = max(6, 7) = 7 */
    cr_assert_eq(req(p, "cpu"), 7000);
    /* memory: running = 100Mi; init step 4 = 1Gi + 100Mi */
    cr_assert_eq(req(p, "memory"), (1LL << 30) + (100LL << 20));
    pod_free(p);
}

Test(decode_pod, host_ports_of_containers_and_sidecars_are_kept)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"initContainers\":["
        "{\"ports\":[{\"containerPort\":1,\"hostPort\":1}]},"
        "{\"restartPolicy\":\"Always\",\"ports\":[{\"hostPort\":2,"
        "\"protocol\":\"UDP\"}]}],"
        "\"containers\":[{\"ports\":[{\"containerPort\":80},"
        "{\"containerPort\":29500,\"hostPort\":29500,\"hostIP\":"
        "\"10.0.0.1\",\"protocol\":\"TCP\"},{\"hostPort\":0},"
        "{\"hostPort\":9,\"protocol\":\"SCTP\",\"hostIP\":null}]},"
        "{\"ports\":null}]}}");
    struct pod *d;

    cr_assert_eq(p->nports, 3, "the plain init container's port ends "
                 "with it; containerPort alone and hostPort 0 take none");
    cr_assert_eq(p->ports[0].port, 2);
    cr_assert_eq(p->ports[0].proto, PROTO_UDP);
    cr_assert_eq(p->ports[1].port, 29500);
    cr_assert_eq(p->ports[1].proto, PROTO_TCP);
    cr_assert_str_eq(p->ports[1].ip, "10.0.0.1");
    cr_assert_eq(p->ports[2].proto, PROTO_SCTP);
    cr_assert_str_eq(p->ports[2].ip, "");
    d = pod_dup(p);
    cr_assert_eq(d->nports, 3);
    cr_assert_eq(memcmp(d->ports, p->ports, 3 * sizeof(*p->ports)), 0);
    cr_assert(host_ports_conflict(&p->ports[1], &p->ports[1]));
    cr_assert_not(host_ports_conflict(&p->ports[0], &p->ports[1]));
    pod_free(d);
    pod_free(p);
}

Test(decode_pod, bad_host_ports_name_the_field)
{
    pod_err("{\"spec\":{\"containers\":[{\"ports\":[{\"hostPort\":"
            "70000}]}]}}",
            "Pod.spec.containers[0].ports[0].hostPort: 70000 not in "
            "0..65535");
    pod_err("{\"spec\":{\"containers\":[{\"ports\":[{\"hostPort\":1,"
            "\"protocol\":\"tcp\"}]}]}}",
            "Pod.spec.containers[0].ports[0].protocol: \"tcp\" is not TCP, "
            "UDP or SCTP");
    pod_err("{\"spec\":{\"containers\":[{\"ports\":{}}]}}",
            "Pod.spec.containers[0].ports: expected array, found object");
}

Test(decode_pod, sidecar_alone_counts_once)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"initContainers\":["
        "{\"restartPolicy\":\"Always\",\"resources\":{\"requests\":{\"cpu\":"
        "\"2\"}}}],\"containers\":[{\"resources\":{\"requests\":{\"cpu\":"
        "\"1\"}}}]}}");

    cr_assert_eq(req(p, "cpu"), 3000);
    pod_free(p);
}

Test(decode_pod, overhead_is_added_after_the_max)
{
    struct pod *p = pod_ok(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"overhead\":{\"cpu\":"
        "\"250m\",\"memory\":\"120Mi\"},\"containers\":[{\"resources\":"
        "{\"requests\":{\"cpu\":\"1\"}}}],\"initContainers\":[{\"resources\":"
        "{\"requests\":{\"cpu\":\"2\"}}}]}}");

    cr_assert_eq(req(p, "cpu"), 2250);
    cr_assert_eq(req(p, "memory"), 120LL << 20);
    pod_free(p);
}

Test(decode_pod, quantities_may_be_bare_numbers)
{
    struct pod *p =
        pod_ok("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{"
               "\"resources\":{\"requests\":{\"cpu\":2,\"memory\":null}}}]}}");

    cr_assert_eq(req(p, "cpu"), 2000);
    cr_assert_eq(req(p, "memory"), 0);
    pod_free(p);
}

Test(decode_pod, timestamps_with_fractions_and_offsets)
{
    struct pod *p = pod_ok("{\"metadata\":{\"name\":\"x\",\"creationTimestamp"
                           "\":\"1970-01-02T01:00:00.123+01:00\"}}");

    cr_assert_eq(p->created, 86400);
    pod_free(p);
    p = pod_ok("{\"metadata\":{\"name\":\"x\",\"creationTimestamp\":"
               "\"2000-02-29T23:59:59Z\"}}");
    cr_assert_eq(p->created, 951868800 - 1);
    pod_free(p);
    pod_err("{\"metadata\":{\"name\":\"x\",\"creationTimestamp\":"
            "\"2001-02-29T00:00:00Z\"}}",
            "Pod.metadata.creationTimestamp: not an RFC 3339 time: "
            "\"2001-02-29T00:00:00Z\"");
    pod_err("{\"metadata\":{\"name\":\"x\",\"creationTimestamp\":"
            "\"2026-11-23T18:20:53\"}}",
            "Pod.metadata.creationTimestamp: not an RFC 3339 time: "
            "\"2026-11-23T18:20:53\"");
}

Test(decode_pod, errors_name_the_field)
{
    pod_err("[]", "Pod: expected object, found array");
    pod_err("{\"metadata\":{}}", "Pod: metadata.name: missing");
    pod_err("{\"metadata\":{\"name\":5}}",
            "Pod.metadata.name: expected string, found number");
    pod_err("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":1}}}",
            "Pod.metadata.labels.a: expected string, found number");
    pod_err("{\"metadata\":{\"name\":\"x\",\"annotations\":{\"big\":{}}}}",
            "Pod.metadata.annotations.big: expected string, found object");
    pod_err("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\",\"a\":"
            "\"2\"}}}",
            "Pod.metadata.labels: duplicate key \"a\"");
    pod_err("{\"metadata\":{\"name\":\"x\",\"creationTimestamp\":"
            "\"yesterday\"}}",
            "Pod.metadata.creationTimestamp: not an RFC 3339 time: "
            "\"yesterday\"");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{},"
            "{\"resources\":{\"requests\":{\"cpu\":\"1x\"}}}]}}",
            "Pod.spec.containers[1].resources.requests.cpu: malformed "
            "quantity \"1x\"");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"initContainers\":[{"
            "\"resources\":{\"limits\":{\"memory\":\"-1Gi\"}}}]}}",
            "Pod.spec.initContainers[0].resources.limits.memory: negative "
            "quantity \"-1Gi\"");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":{}}}",
            "Pod.spec.containers: expected array, found object");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"priority\":"
            "3000000000}}",
            "Pod.spec.priority: 3000000000 out of int32 range");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"priority\":1.5}}",
            "Pod.spec.priority: expected integer, found 1.5");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"status\":{\"phase\":\"Gone\"}}",
            "Pod.status.phase: unknown phase \"Gone\"");
}

Test(decode_pod, errors_for_bad_operators_effects_and_weights)
{
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"tolerations\":[{"
            "\"key\":\"a\",\"operator\":\"Has\"}]}}",
            "Pod.spec.tolerations[0].operator: unknown operator \"Has\"");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"tolerations\":[{},{"
            "\"effect\":\"NoWay\"}]}}",
            "Pod.spec.tolerations[1].effect: unknown effect \"NoWay\"");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"affinity\":{"
            "\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution"
            "\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"k\","
            "\"operator\":\"in\"}]}]}}}}}",
            "Pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnored"
            "DuringExecution.nodeSelectorTerms[0].matchExpressions[0]."
            "operator: unknown operator \"in\"");
    pod_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"affinity\":{"
            "\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution"
            "\":{\"nodeSelectorTerms\":[{\"matchFields\":[{\"key\":\"k\"}]}]}}}"
            "}}",
            "Pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnored"
            "DuringExecution.nodeSelectorTerms[0].matchFields[0]: missing "
            "operator");
    pod_err(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"affinity\":{"
        "\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution"
        "\":[{\"weight\":101,\"preference\":{}}]}}}}",
        "Pod.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnored"
        "DuringExecution[0].weight: 101 not in 1..100");
    pod_err(
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"affinity\":{"
        "\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution"
        "\":[{\"preference\":{}}]}}}}",
        "Pod.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnored"
        "DuringExecution[0]: weight: missing (must be 1..100)");
}

Test(decode_pod, malformed_json_is_an_error_not_a_crash)
{
    struct pod *p = NULL;
    static const char *const bad[] = {
        "",
        "{",
        "{\"metadata\":",
        "{\"metadata\":{\"name\":\"x\"}",
        "{\"metadata\":{\"name\":\"x\"}} trailing",
        "nul",
        "{\"a\" 1}",
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{]}}",
    };

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        cr_assert_neq(
            decode_pod_buf(bad[i], strlen(bad[i]), "Pod", &p, err, sizeof(err)),
            MU_OK, "%s", bad[i]);
        cr_assert_null(p);
        cr_assert_gt(strlen(err), 0);
    }
}

/* A pod with requests for `k` made-up names ("<prefix>0".."<prefix>k-1"). */
static char *pod_naming(const char *prefix, int k)
{
    struct buf b;

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":"
                 "[{\"resources\":{\"requests\":{\"cpu\":\"1\"");
    for (int i = 0; i < k; i++)
        buf_printf(&b, ",\"%s%d\":\"1\"", prefix, i);
    buf_adds(&b, "}}}]}}");
    return buf_steal(&b, NULL);
}

static int64_t req_of(const struct pod *p, int id)
{
    for (uint32_t i = 0; i < p->nreq; i++) {
        if (p->req[i].id == id)
            return p->req[i].v;
    }
    return 0;
}

/* Pods cannot use up the resource-name table (this test runs in its own
 * process): past RES_POD_QUOTA their new names map to RES_UNLISTED and
 * decoding still succeeds, while nodes keep getting real ids. */
Test(decode_pod, made_up_names_past_the_pod_quota_become_unlisted)
{
    char *json = pod_naming("example.com/r", RES_MAX);
    struct pod *p = pod_ok(json);
    struct node_info *n;
    int gpu;

    cr_assert_eq(res_count(), RES_POD_QUOTA);
    cr_assert_eq(req_of(p, RES_CPU), 1000);
    cr_assert_eq(req_of(p, RES_UNLISTED), RES_MAX - (RES_POD_QUOTA - 5));
    cr_assert_eq(res_find("example.com/r60", 15), MU_ENOENT);
    pod_free(p);
    n = node_ok("{\"metadata\":{\"name\":\"g\"},\"status\":{\"allocatable\":"
                "{\"cpu\":\"4\",\"vendor.io/dev\":\"2\"}}}");
    gpu = res_find("vendor.io/dev", 13);
    cr_assert_eq(gpu, RES_POD_QUOTA);
    cr_assert_eq(n->alloc[gpu], 2);
    cr_assert_eq(n->alloc[RES_UNLISTED], 0);
    node_free(n);
    /* a pod naming the node's resource now gets its real id */
    p = pod_ok("{\"metadata\":{\"name\":\"y\"},\"spec\":{\"containers\":[{\"resources\":{\"limits\":"
               "{\"vendor.io/dev\":\"1\",\"other.io/x\":\"3\"}}}]}}");
    cr_assert_eq(req_of(p, gpu), 1);
    cr_assert_eq(req_of(p, RES_UNLISTED), 3);
    pod_free(p);
    free(json);
}

Test(decode_node, reserved_unlisted_name_is_refused)
{
    node_err("{\"status\":{\"capacity\":{\"" RES_UNLISTED_NAME "\":\"1\"}}}",
             "Node.status.capacity." RES_UNLISTED_NAME
             ": resource name " RES_UNLISTED_NAME " is reserved");
}

Test(decode_node, too_many_resource_names_is_an_error)
{
    char *json = NULL;
    struct node_info *n = NULL;
    int rc = MU_OK;

    /* fill the table (this test runs in its own process) */
    for (int i = 0; rc >= 0 && i < RES_MAX; i++) {
        char name[32];
        int k = snprintf(name, sizeof(name), "example.com/r%d", i);

        rc = res_intern(name, (size_t)k);
    }
    json = xasprintf("{\"status\":{\"allocatable\":{\"new.io/one\":\"1\"}}}");
    rc = decode_node_buf(json, strlen(json), "Node", &n, err, sizeof(err));
    cr_assert_eq(rc, MU_ELIMIT);
    cr_assert_null(n);
    cr_assert_str_eq(err, "Node.status.allocatable.new.io/one: too many "
                          "distinct resource names (limit 64)");
    free(json);
}

Test(decode_node, reads_every_field)
{
    struct node_info *n = node_ok(
        "{\"kind\":\"Node\",\"metadata\":{\"name\":\"gpu-1\",\"labels\":"
        "{\"zone\":\"a\",\"rack\":\"r1\"},\"annotations\":{\"x\":\"y\"}},"
        "\"spec\":{\"podCIDR\":\"10.0.0.0/24\",\"unschedulable\":true,"
        "\"taints\":[{\"key\":\"dedicated\",\"value\":\"inference\","
        "\"effect\":\"NoSchedule\"},{\"key\":\"t\",\"effect\":\"NoExecute\","
        "\"timeAdded\":\"2026-11-23T19:02:22Z\"},{\"key\":\"p\",\"effect\":"
        "\"PreferNoSchedule\"}]},"
        "\"status\":{\"capacity\":{\"cpu\":\"96\",\"memory\":\"1Ti\"},"
        "\"allocatable\":{\"cpu\":\"95500m\",\"memory\":\"1000Gi\","
        "\"nvidia.com/gpu\":\"8\",\"pods\":\"110\",\"rdma/hca\":\"1\"},"
        "\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":\"False\"},"
        "{\"type\":\"example.com/a-very-long-custom-condition-type-set-by-some-"
        "operator-that-is-longer-than-any-fixed-buffer\",\"status\":"
        "\"SomethingNotTrueOrFalse\"},"
        "{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}],"
        "\"images\":[{\"names\":[\"a\",\"b\"],\"sizeBytes\":123}]}}");
    int gpu = res_find("nvidia.com/gpu", 14), hca = res_find("rdma/hca", 8);

    cr_assert_str_eq(n->name, "gpu-1");
    cr_assert_str_eq(labels_get(&n->labels, "rack"), "r1");
    cr_assert(n->unschedulable);
    cr_assert(n->ready);
    cr_assert_eq(n->ntaints, 3);
    cr_assert_str_eq(n->taints[0].key, "dedicated");
    cr_assert_str_eq(n->taints[0].value, "inference");
    cr_assert_eq(n->taints[0].effect, EFFECT_NO_SCHEDULE);
    cr_assert_str_eq(n->taints[1].value, "");
    cr_assert_eq(n->taints[1].effect, EFFECT_NO_EXECUTE);
    cr_assert_eq(n->taints[2].effect, EFFECT_PREFER_NO_SCHEDULE);
    cr_assert_eq(n->alloc[RES_CPU], 95500);
    cr_assert_eq(n->alloc[RES_MEMORY], 1000LL << 30);
    cr_assert_eq(n->alloc[RES_PODS], 110);
    cr_assert_eq(n->alloc[gpu], 8);
    cr_assert_eq(n->alloc[hca], 1);
    cr_assert_eq(n->used[RES_CPU], 0);
    node_free(n);
}

Test(decode_node, capacity_is_used_when_allocatable_is_absent)
{
    struct node_info *n = node_ok(
        "{\"metadata\":{\"name\":\"n\"},\"status\":{\"allocatable\":null,"
        "\"capacity\":{\"cpu\":\"4\",\"pods\":\"10\"}}}");

    cr_assert_eq(n->alloc[RES_CPU], 4000);
    cr_assert_eq(n->alloc[RES_PODS], 10);
    node_free(n);
    n = node_ok(
        "{\"metadata\":{\"name\":\"n\"},\"status\":{\"allocatable\":"
        "{\"cpu\":\"3\"},\"capacity\":{\"cpu\":\"4\",\"pods\":\"10\"}}}");
    cr_assert_eq(n->alloc[RES_CPU], 3000);
    cr_assert_eq(n->alloc[RES_PODS], 0);
    node_free(n);
}

Test(decode_node, ready_only_with_ready_true)
{
    struct node_info *n = node_ok("{\"metadata\":{\"name\":\"n\"}}");

    cr_assert_not(n->ready);
    cr_assert_not(n->unschedulable);
    node_free(n);
    n = node_ok("{\"metadata\":{\"name\":\"n\"},\"status\":{\"conditions\":"
                "[{\"type\":\"Ready\",\"status\":\"False\"}]}}");
    cr_assert_not(n->ready);
    node_free(n);
    n = node_ok("{\"metadata\":{\"name\":\"n\"},\"status\":{\"conditions\":"
                "[{\"type\":\"Ready\",\"status\":\"Unknown\"},null]}}");
    cr_assert_not(n->ready);
    node_free(n);
    n = node_ok("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"unschedulable\":"
                "null,\"taints\":null},\"status\":{\"conditions\":null}}");
    cr_assert_not(n->ready);
    node_free(n);
}

Test(decode_node, errors_name_the_field)
{
    node_err("{\"metadata\":{\"labels\":{}}}", "Node: metadata.name: missing");
    node_err("{\"metadata\":{\"name\":\"\"}}", "Node: metadata.name: missing");
    node_err("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"taints\":[{\"key\":"
             "\"k\"}]}}",
             "Node.spec.taints[0]: taint effect missing (NoSchedule, "
             "PreferNoSchedule or NoExecute)");
    node_err("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"taints\":[{\"key\":"
             "\"k\",\"effect\":\"Sometimes\"}]}}",
             "Node.spec.taints[0].effect: unknown effect \"Sometimes\"");
    node_err("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"unschedulable\":"
             "\"yes\"}}",
             "Node.spec.unschedulable: expected boolean, found string");
    node_err("{\"metadata\":{\"name\":\"n\"},\"status\":{\"allocatable\":{"
             "\"cpu\":\"lots\"}}}",
             "Node.status.allocatable.cpu: malformed quantity \"lots\"");
    node_err("{\"metadata\":{\"name\":\"n\"},\"status\":{\"capacity\":{"
             "\"memory\":\"-5\"}}}",
             "Node.status.capacity.memory: negative quantity \"-5\"");
    node_err("{\"metadata\":{\"name\":\"n\",\"labels\":{\"k\":\"1\",\"k\":"
             "\"1\"}}}",
             "Node.metadata.labels: duplicate key \"k\"");
    node_err("{\"metadata\":{\"name\":\"n\"},\"status\":{\"conditions\":{}}}",
             "Node.status.conditions: expected array, found object");
}

/* Found by tests/fuzz/fuzz_snapshot (tests/fuzz/regressions/snapshot/): a
 * resource name with an escaped NUL ("memory\u0000") matched "memory" in
 * the name table and then read past that entry (ASan global overflow). */
Test(decode_node, resource_name_with_a_nul_is_refused)
{
    struct node_info *n = NULL;
    const char *json = "{\"metadata\":{\"name\":\"n\"},\"status\":{"
                       "\"allocatable\":{\"memory\\u0000\":\"1\"}}}";
    int rc = decode_node_buf(json, strlen(json), "Node", &n, err, sizeof(err));

    cr_assert_eq(rc, MU_EINVAL);
    cr_assert_null(n);
    cr_assert(strstr(err, "memory\\u0000: resource name contains a NUL "
                          "character"), "%s", err);
}
