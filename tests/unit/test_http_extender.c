/* test_http_extender.c - the extender verbs on kube-scheduler's real
 * request bodies (tests/data/extender/captured, from ../shared/spec) and on
 * bad input: exact answers, against a cluster of the captured nodes
 * (node-a cpu 8/32Gi/4 GPU, node-b 16/64Gi/8 GPU, node-c 4/16Gi/0 GPU). */
#include "common.h"
#include "cache/snapshot.h"
#include "http/extender.h"
#include "http/metrics.h"
#include "policy/policy.h"
#include "util/buf.h"
#include "util/jscan.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <dirent.h>

#define DATA "tests/data/extender/"
#define GPU_UID "914ddea7-68a9-4994-bdb9-132524313c3c"
#define PLAIN_UID "d8bb6870-d8b7-41fe-929f-fb06a95f2ad7"

static const char test_policy[] =
    "{\"description\":\"extender tests\",\"filters\":[\"node-ready\","
    "\"taint-toleration\",\"node-affinity\","
    "\"resources-fit\"],\"scores\":[{\"name\":\"least-allocated\","
    "\"weight\":1}]}";

struct fx {
    struct cluster *c;
    struct policy *pol;
    struct metrics m;
    struct ext_service s;
    struct buf out;
    int status;
    bool failed;
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[65536];
    size_t n;

    cr_assert(f, "cannot open %s", path);
    buf_init(&b, BUF_UNLIMITED);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    if (!b.data)
        buf_adds(&b, "");
    return buf_steal(&b, len);
}

static void fx_init(struct fx *f)
{
    char err[512];

    memset(f, 0, sizeof(*f));
    cr_assert_eq(snapshot_load(DATA "captured-cluster.json", &f->c, err,
                               sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(policy_parse(test_policy, strlen(test_policy), "test",
                              &f->pol, err, sizeof(err)), MU_OK, "%s", err);
    metrics_init(&f->m);
    ext_service_init(&f->s, f->c, f->pol, NULL, &f->m);
    buf_init(&f->out, 64u << 20);
}

static void fx_fini(struct fx *f)
{
    ext_service_fini(&f->s);
    metrics_fini(&f->m);
    cluster_free(f->c);
    policy_free(f->pol);
    buf_fini(&f->out);
}

/* Run one verb; RET the answer (valid until the next call). */
static const char *run(struct fx *f, enum ext_verb v, const char *body,
                       size_t len)
{
    struct ext_call call = {.body = body, .len = len, .out = &f->out};

    cr_assert_eq(ext_handle(&f->s, v, &call), MU_OK);
    f->status = call.status;
    f->failed = call.failed;
    return f->out.data ? f->out.data : "";
}

static const char *runs(struct fx *f, enum ext_verb v, const char *body)
{
    return run(f, v, body, strlen(body));
}

static cJSON *parse_answer(struct fx *f)
{
    cJSON *j = cJSON_Parse(f->out.data);

    cr_assert(j, "answer is not JSON: %s", f->out.data);
    return j;
}

/* Compact text of a JSON value (valid until the next call). */
static const char *compact(const cJSON *v)
{
    static char tmp[4096];
    char *s = cJSON_PrintUnformatted(v);

    snprintf(tmp, sizeof(tmp), "%s", s ? s : "");
    free(s);
    return tmp;
}

/* The raw text of every Nodes.items[i] and every NodeNames entry. */
static void request_nodes(const char *body, size_t len, struct buf *items,
                          struct buf *names)
{
    struct jscan js;
    struct jstr key, s;
    const char *b, *e;

    js_init(&js, body, len);
    cr_assert_eq(js_obj_begin(&js), MU_OK);
    while (js_obj_next(&js, &key) > 0) {
        if (!jstr_eq(&key, "Pod") && js_maybe_null(&js) == 1)
            continue;
        if (jstr_eq(&key, "NodeNames")) {
            cr_assert_eq(js_arr_begin(&js), MU_OK);
            while (js_arr_next(&js) > 0) {
                cr_assert_eq(js_str(&js, &s), MU_OK);
                buf_adds(names, names->len ? ",\"" : "\"");
                buf_add(names, s.p, s.n);
                buf_addc(names, '"');
            }
        } else if (jstr_eq(&key, "Nodes")) {
            cr_assert_eq(js_obj_begin(&js), MU_OK);
            while (js_obj_next(&js, &key) > 0) {
                if (!jstr_eq(&key, "items")) {
                    js_skip(&js);
                    continue;
                }
                cr_assert_eq(js_arr_begin(&js), MU_OK);
                while (js_arr_next(&js) > 0) {
                    cr_assert_eq(js_skip_span(&js, &b, &e), MU_OK);
                    if (items->len)
                        buf_addc(items, ',');
                    buf_add(items, b, (size_t)(e - b));
                }
            }
        } else {
            cr_assert_eq(js_skip(&js), MU_OK);
        }
    }
}

/* least-allocated (cpu, memory) on the captured nodes, in request order;
 * checked by hand: the emptier the node after placing the pod, the higher.
 * plain (1 cpu, 1Gi) before any bind; gpu (2 cpu, 4Gi) after plain is
 * bound to node-b. */
struct prio_case {
    const char *pod, *node;
    int64_t score;
};

/* e.g. plain on node-b: cpu 15/16 free = 93, memory 63/64 = 98, mean 95
 * of 100, scaled to 0..10 rounding half up = 10. gpu on node-b after plain
 * is bound there: cpu 13/16 = 81, memory 59/64 = 92, mean 86 -> 9. */
static const struct prio_case prio_expect[] = {
    {"plain", "node-a", 9}, {"plain", "node-b", 10}, {"plain", "node-c", 8},
    {"gpu", "node-a", 8},   {"gpu", "node-b", 9},
};

static int64_t prio_want(const char *pod, const char *node)
{
    for (size_t i = 0; i < ARRAY_LEN(prio_expect); i++) {
        if (!strcmp(prio_expect[i].pod, pod) &&
            !strcmp(prio_expect[i].node, node))
            return prio_expect[i].score;
    }
    cr_assert_fail("no expectation for %s on %s", pod, node);
    return -1;
}

/* Names in request order, from NodeNames or Nodes.items[].metadata.name */
static size_t request_names(cJSON *req, const char **names, size_t cap)
{
    cJSON *nn = cJSON_GetObjectItem(req, "NodeNames"), *it;
    cJSON *items = cJSON_GetObjectItem(cJSON_GetObjectItem(req, "Nodes"),
                                       "items");
    cJSON *list = cJSON_IsArray(nn) ? nn : items;
    size_t n = 0;

    cJSON_ArrayForEach(it, list) {
        cr_assert_lt(n, cap);
        names[n++] = cJSON_IsString(it)
            ? it->valuestring
            : cJSON_GetObjectItem(cJSON_GetObjectItem(it, "metadata"),
                                  "name")->valuestring;
    }
    return n;
}

static void expect_filter(struct fx *f, const char *body, size_t len,
                          bool cache)
{
    struct buf items, names, want;
    const char *got = run(f, EXT_FILTER, body, len);

    buf_init(&items, BUF_UNLIMITED);
    buf_init(&names, BUF_UNLIMITED);
    buf_init(&want, BUF_UNLIMITED);
    request_nodes(body, len, &items, &names);
    /* every node the scheduler sent fits: the answer echoes them all */
    if (cache)
        buf_printf(&want, "{\"Nodes\":null,\"NodeNames\":[%s],",
                   names.data);
    else
        buf_printf(&want, "{\"Nodes\":{\"metadata\":{},\"items\":[%s]},"
                          "\"NodeNames\":null,", items.data);
    buf_adds(&want, "\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{},"
                    "\"Error\":\"\"}");
    cr_assert_eq(f->status, 200);
    cr_assert_str_eq(got, want.data);
    buf_fini(&items);
    buf_fini(&names);
    buf_fini(&want);
}

static void expect_prioritize(struct fx *f, const char *body, size_t len)
{
    cJSON *req = cJSON_ParseWithLength(body, len), *ans, *e;
    const char *pod = cJSON_GetObjectItem(cJSON_GetObjectItem(
                          cJSON_GetObjectItem(req, "Pod"), "metadata"),
                          "name")->valuestring;
    const char *names[8];
    size_t n = request_names(req, names, ARRAY_LEN(names)), i = 0;

    run(f, EXT_PRIORITIZE, body, len);
    cr_assert_eq(f->status, 200);
    ans = parse_answer(f);
    cr_assert_eq((size_t)cJSON_GetArraySize(ans), n);
    /* a score for every node, in request order, and nothing else */
    cJSON_ArrayForEach(e, ans) {
        cr_assert_eq(cJSON_GetArraySize(e), 2);
        cr_assert_str_eq(cJSON_GetObjectItem(e, "Host")->valuestring,
                         names[i]);
        cr_assert_eq((int64_t)cJSON_GetObjectItem(e, "Score")->valuedouble,
                     prio_want(pod, names[i]), "%s on %s: %s", pod, names[i],
                     f->out.data);
        i++;
    }
    cJSON_Delete(ans);
    cJSON_Delete(req);
}

static void expect_bind(struct fx *f, const char *body, size_t len)
{
    cJSON *req = cJSON_ParseWithLength(body, len);
    const char *uid = cJSON_GetObjectItem(req, "PodUID")->valuestring;
    const char *node = cJSON_GetObjectItem(req, "Node")->valuestring;
    struct pod *p;

    cr_assert_str_eq(run(f, EXT_BIND, body, len), "{\"Error\":\"\"}");
    cluster_rdlock(f->c);
    p = cluster_pod_get(f->c, uid, strlen(uid));
    cr_assert(p, "bound pod %s not in the cache", uid);
    cr_assert_str_eq(p->node_name, node);
    cr_assert_eq(p->assumed_until, 0);
    cluster_unlock(f->c);
    /* a retried bind (reply lost) succeeds again */
    cr_assert_str_eq(run(f, EXT_BIND, body, len), "{\"Error\":\"\"}");
    cJSON_Delete(req);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_capture_dir(const char *dir)
{
    char path[512], *files[64];
    size_t nfiles = 0, len;
    struct dirent *de;
    DIR *d = opendir(dir);
    struct fx f;

    cr_assert(d, "cannot open %s", dir);
    while ((de = readdir(d)) && nfiles < ARRAY_LEN(files)) {
        if (strstr(de->d_name, ".request.json"))
            files[nfiles++] = xstrdup(de->d_name);
    }
    closedir(d);
    qsort(files, nfiles, sizeof(*files), name_cmp);
    cr_assert_geq(nfiles, 11);
    fx_init(&f);
    for (size_t i = 0; i < nfiles; i++) {
        char *body;
        bool cache = strstr(files[i], "-cache-") != NULL;

        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        body = slurp(path, &len);
        if (strstr(files[i], "-filter") && strstr(body, "\"gpu-high\"")) {
            /* kube-scheduler deleted the preempted victim; the watch
             * would have removed it from the cache by now */
            struct pod *victim;

            cluster_wrlock(f.c);
            victim = cluster_pod_find(f.c, "default", "gpu");
            if (victim) {
                char *uid = xstrdup(victim->uid);

                cluster_pod_del(f.c, uid);
                free(uid);
            }
            cluster_unlock(f.c);
        }
        if (strstr(files[i], "-filter"))
            expect_filter(&f, body, len, cache);
        else if (strstr(files[i], "-prioritize"))
            expect_prioritize(&f, body, len);
        else if (strstr(files[i], "-bind"))
            expect_bind(&f, body, len);
        else if (strstr(files[i], "-preempt"))
            cr_assert_str_eq(run(&f, EXT_PREEMPT, body, len),
                             "{\"NodeNameToMetaVictims\":{\"node-b\":{"
                             "\"Pods\":[{\"UID\":\"" GPU_UID "\"}],"
                             "\"NumPDBViolations\":0}}}", "%s", files[i]);
        cr_assert_not(f.failed, "%s failed", files[i]);
        free(body);
        free(files[i]);
    }
    fx_fini(&f);
}

Test(extender_golden, captured_v1_20_2_sequence_answers_exactly)
{
    run_capture_dir(DATA "captured/v1.20.2");
}

Test(extender_golden, captured_v1_20_2_preemptfix_sequence_answers_exactly)
{
    run_capture_dir(DATA "captured/v1.20.2-preemptfix");
}

/* A pod shaped like kube-scheduler's (no kind/apiVersion). */
#define POD(name, uid, req)                                                    \
    "{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"default\","         \
    "\"uid\":\"" uid "\"},\"spec\":{\"containers\":[{\"name\":\"c\","        \
    "\"resources\":{\"requests\":" req "}}],\"schedulerName\":"             \
    "\"default-scheduler\",\"priority\":0},\"status\":{\"phase\":"          \
    "\"Pending\"}}"
#define GPU6 POD("big", "u-big", "{\"cpu\":\"1\",\"nvidia.com/gpu\":\"6\"}")

static const char *map_get(cJSON *ans, const char *map, const char *key)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(ans, map);
    cJSON *v = m ? cJSON_GetObjectItemCaseSensitive(m, key) : NULL;

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

Test(extender_filter, names_mode_fails_nodes_in_the_right_map)
{
    struct fx f;
    cJSON *a;

    fx_init(&f);
    runs(&f, EXT_FILTER,
         "{\"Pod\":" GPU6 ",\"Nodes\":null,\"NodeNames\":[\"node-a\","
         "\"node-b\",\"node-c\",\"node-x\"]}");
    a = parse_answer(&f);
    cr_assert_eq(f.status, 200);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(a, "Nodes")));
    cr_assert_str_eq(compact(cJSON_GetObjectItem(a, "NodeNames")),
                     "[\"node-b\"]");
    /* 4 and 0 GPUs: evicting pods cannot make 6 fit */
    cr_assert(map_get(a, "FailedAndUnresolvableNodes", "node-a"));
    cr_assert(map_get(a, "FailedAndUnresolvableNodes", "node-c"));
    cr_assert_str_eq(map_get(a, "FailedAndUnresolvableNodes", "node-x"),
                     "node unknown to muster's cache");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a, "FailedNodes")),
                 0);
    cr_assert_str_eq(cJSON_GetObjectItem(a, "Error")->valuestring, "");
    cJSON_Delete(a);
    fx_fini(&f);
}

/* --failed-nodes-compat: kube-scheduler v1.20 reads only FailedNodes, so
 * unresolvable nodes are listed there too (and still in their own map). */
Test(extender_filter, compat_lists_unresolvable_nodes_in_failed_nodes_too)
{
    struct fx f;
    cJSON *a;

    fx_init(&f);
    f.s.failed_nodes_compat = true;
    runs(&f, EXT_FILTER,
         "{\"Pod\":" GPU6 ",\"Nodes\":null,\"NodeNames\":[\"node-a\","
         "\"node-b\",\"node-c\",\"node-x\"]}");
    a = parse_answer(&f);
    cr_assert_str_eq(compact(cJSON_GetObjectItem(a, "NodeNames")),
                     "[\"node-b\"]");
    cr_assert_eq(cJSON_GetArraySize(
                     cJSON_GetObjectItem(a, "FailedAndUnresolvableNodes")), 3);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a, "FailedNodes")),
                 3);
    cr_assert_str_eq(map_get(a, "FailedNodes", "node-x"),
                     "node unknown to muster's cache");
    cr_assert_str_eq(map_get(a, "FailedNodes", "node-a"),
                     map_get(a, "FailedAndUnresolvableNodes", "node-a"));
    cJSON_Delete(a);
    fx_fini(&f);
}

Test(extender_filter, node_full_only_by_usage_goes_to_failed_nodes)
{
    struct fx f;
    cJSON *a;

    fx_init(&f);
    /* 4 GPUs bound to node-b: 6 more no longer fit, but could after
     * preemption */
    runs(&f, EXT_FILTER,
         "{\"Pod\":" POD("four", "u-four", "{\"nvidia.com/gpu\":\"4\"}")
         ",\"NodeNames\":[\"node-b\"]}");
    runs(&f, EXT_BIND, "{\"PodName\":\"four\",\"PodNamespace\":\"default\","
                       "\"PodUID\":\"u-four\",\"Node\":\"node-b\"}");
    cr_assert_str_eq(f.out.data, "{\"Error\":\"\"}");
    runs(&f, EXT_FILTER, "{\"Pod\":" GPU6 ",\"NodeNames\":[\"node-b\"]}");
    a = parse_answer(&f);
    cr_assert_str_eq(compact(cJSON_GetObjectItem(a, "NodeNames")), "[]");
    cr_assert(map_get(a, "FailedNodes", "node-b"));
    cr_assert_null(map_get(a, "FailedAndUnresolvableNodes", "node-b"));
    cJSON_Delete(a);
    buf_reset(&f.out);
    cr_assert_eq(metrics_render(&f.m, f.c, true, &f.out), MU_OK);
    cr_assert(strstr(f.out.data, "muster_filter_rejections_total{plugin="
                                 "\"resources-fit\""));
    fx_fini(&f);
}

Test(extender_filter, nodes_mode_passes_objects_through_and_fails_bad_node)
{
    struct fx f;
    const char *good = "{\"metadata\":{\"name\":\"n1\",\"labels\":{\"a\":"
                       "\"b\"}},\"status\":{\"allocatable\":{\"cpu\":\"4\","
                       "\"memory\":\"8Gi\",\"nvidia.com/gpu\":\"8\",\"pods\":"
                       "\"110\"},\"conditions\":[{\"type\":\"Ready\","
                       "\"status\":\"True\"}]},  \"x\":[1, 2]}";
    char body[2048];

    fx_init(&f);
    snprintf(body, sizeof(body),
             "{\"Pod\":%s,\"Nodes\":{\"metadata\":{},\"items\":[%s,"
             "{\"metadata\":{\"name\":\"n2\"},\"status\":{\"allocatable\":"
             "{\"cpu\":\"4x\"}}}]},\"NodeNames\":null}",
             GPU6, good);
    runs(&f, EXT_FILTER, body);
    cr_assert_eq(f.status, 200);
    cr_assert(strstr(f.out.data, good), "object not passed byte for byte");
    cr_assert(strncmp(f.out.data, "{\"Nodes\":{\"metadata\":{},\"items\":[",
                      33) == 0, "%s", f.out.data);
    cr_assert(strstr(f.out.data, "\"NodeNames\":null,"));
    cr_assert(strstr(f.out.data, "\"FailedAndUnresolvableNodes\":{\"n2\":"
                                 "\"muster cannot read this node: "));
    cr_assert(strstr(f.out.data, "\"Error\":\"\"}"));
    fx_fini(&f);
}

Test(extender_filter, keys_match_ignoring_case_as_go_does)
{
    struct fx f;

    fx_init(&f);
    runs(&f, EXT_FILTER, "{\"pod\":" GPU6 ",\"NODENAMES\":[\"node-b\"],"
                         "\"Unknown\":{\"x\":1}}");
    cr_assert_str_eq(f.out.data,
                     "{\"Nodes\":null,\"NodeNames\":[\"node-b\"],"
                     "\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{},"
                     "\"Error\":\"\"}");
    fx_fini(&f);
}

struct bad_case {
    const char *body;
    int status;
    const char *error_has;
};

static const struct bad_case bad_filter[] = {
    {"", 400, "request body is empty"},
    {"   \n", 400, "request body is empty"},
    {"hello", 400, "not JSON"},
    {"<xml/>", 400, "not JSON"},
    {"[1,2]", 200, "must be a JSON object (ExtenderArgs), found an array"},
    {"{\"Pod\":" GPU6 ",\"NodeNames\":[\"node-b\"]", 200, "bad ExtenderArgs"},
    {"{\"Pod\":{\"metadata\":{\"name\":\"a\"", 200, "bad ExtenderArgs"},
    {"{\"NodeNames\":[\"node-b\"]}", 200, "has no Pod"},
    {"{\"Pod\":null,\"NodeNames\":[\"node-b\"]}", 200, "has no Pod"},
    {"{\"Pod\":5,\"NodeNames\":[\"node-b\"]}", 200, "Pod"},
    {"{\"Pod\":" GPU6 ",\"NodeNames\":\"node-b\"}", 200, "NodeNames"},
    {"{\"Pod\":" GPU6 ",\"NodeNames\":[7]}", 200, "NodeNames[0]"},
    {"{\"Pod\":" GPU6 ",\"Nodes\":null,\"NodeNames\":null}", 200,
     "neither Nodes nor NodeNames"},
    {"{\"Pod\":" GPU6 ",\"Nodes\":{\"items\":[\"x\"]}}", 200, "Nodes.items"},
    {"{\"Pod\":" POD("p", "u", "{\"cpu\":\"50%\"}")
     ",\"NodeNames\":[\"node-b\"]}", 200, "50pct"},
    {"{\"Pod\":" GPU6 ",\"NodeNames\":[\"node-b\"]} x", 200,
     "bad ExtenderArgs"},
};

Test(extender_errors, bad_filter_bodies_get_a_clear_error_never_a_crash)
{
    struct fx f;

    fx_init(&f);
    for (size_t i = 0; i < ARRAY_LEN(bad_filter); i++) {
        const struct bad_case *c = &bad_filter[i];
        cJSON *a;
        const char *err;

        runs(&f, EXT_FILTER, c->body);
        cr_assert_eq(f.status, c->status, "case %zu: status %d", i, f.status);
        cr_assert(f.failed);
        a = parse_answer(&f);
        err = cJSON_GetObjectItem(a, "Error")->valuestring;
        cr_assert(strstr(err, c->error_has), "case %zu: %s", i, err);
        cr_assert_null(strchr(err, '%'), "case %zu: '%%' in %s", i, err);
        if (c->status == 200) {
            cr_assert(cJSON_IsNull(cJSON_GetObjectItem(a, "Nodes")));
            cr_assert(cJSON_IsNull(cJSON_GetObjectItem(a, "NodeNames")));
        }
        cJSON_Delete(a);
    }
    fx_fini(&f);
}

Test(extender_errors, other_verbs_answer_their_own_error_shape)
{
    struct fx f;

    fx_init(&f);
    runs(&f, EXT_PRIORITIZE, "{\"NodeNames\":[\"node-a\"]}");
    cr_assert_eq(f.status, 400);
    cr_assert_str_eq(f.out.data, "{\"Error\":\"ExtenderArgs has no Pod\"}");
    runs(&f, EXT_PREEMPT, "{\"Pod\":[]}");
    cr_assert_eq(f.status, 200);
    cr_assert(strncmp(f.out.data, "{\"NodeNameToMetaVictims\":null,"
                                  "\"Error\":\"bad ExtenderPreemptionArgs",
                      62) == 0, "%s", f.out.data);
    runs(&f, EXT_BIND, "{\"PodName\":\"a\",\"PodNamespace\":\"default\"}");
    cr_assert_eq(f.status, 200);
    cr_assert_str_eq(f.out.data,
                     "{\"Error\":\"ExtenderBindingArgs has no Node\"}");
    runs(&f, EXT_BIND, "{\"PodName\":1}");
    cr_assert(strstr(f.out.data, "PodName"), "%s", f.out.data);
    runs(&f, EXT_BIND, "");
    cr_assert_eq(f.status, 400);
    fx_fini(&f);
}

Test(extender_errors, not_synced_cache_answers_error_not_nodes)
{
    struct fx f;

    fx_init(&f);
    f.c->synced = false;
    runs(&f, EXT_FILTER, "{\"Pod\":" GPU6 ",\"NodeNames\":[\"node-b\"]}");
    cr_assert_eq(f.status, 200);
    cr_assert(strstr(f.out.data, "\"Error\":\"muster cache not synced yet"));
    runs(&f, EXT_PRIORITIZE, "{\"Pod\":" GPU6 ",\"NodeNames\":[\"node-b\"]}");
    cr_assert_eq(f.status, 503);
    runs(&f, EXT_BIND, "{\"PodName\":\"big\",\"PodNamespace\":\"default\","
                       "\"PodUID\":\"u-big\",\"Node\":\"node-b\"}");
    cr_assert(strstr(f.out.data, "not synced"));
    cr_assert_not(ext_service_ready(&f.s));
    fx_fini(&f);
}

Test(extender_prioritize, unknown_nodes_score_zero_and_order_is_kept)
{
    struct fx f;

    fx_init(&f);
    runs(&f, EXT_PRIORITIZE, "{\"Pod\":" POD("p", "u-p", "{\"cpu\":\"1\"}")
                             ",\"Nodes\":null,\"NodeNames\":[\"node-x\","
                             "\"node-b\",\"node-c\"]}");
    cr_assert_eq(f.status, 200);
    cr_assert_str_eq(f.out.data,
                     "[{\"Host\":\"node-x\",\"Score\":0},{\"Host\":"
                     "\"node-b\",\"Score\":10},{\"Host\":\"node-c\","
                     "\"Score\":9}]");
    fx_fini(&f);
}

#define PREEMPT_POD POD("hi", "u-hi", "{\"nvidia.com/gpu\":\"8\"}")

/* node-b holds two GPU pods (2 + 4 GPUs) bound through the service. */
static void bind_two(struct fx *f)
{
    runs(f, EXT_FILTER, "{\"Pod\":" POD("v1", "u-v1",
         "{\"nvidia.com/gpu\":\"2\"}") ",\"NodeNames\":[\"node-b\"]}");
    runs(f, EXT_BIND, "{\"PodName\":\"v1\",\"PodNamespace\":\"default\","
                      "\"PodUID\":\"u-v1\",\"Node\":\"node-b\"}");
    runs(f, EXT_FILTER, "{\"Pod\":" POD("v2", "u-v2",
         "{\"nvidia.com/gpu\":\"4\"}") ",\"NodeNames\":[\"node-b\"]}");
    runs(f, EXT_BIND, "{\"PodName\":\"v2\",\"PodNamespace\":\"default\","
                      "\"PodUID\":\"u-v2\",\"Node\":\"node-b\"}");
    cr_assert_str_eq(f->out.data, "{\"Error\":\"\"}");
}

Test(extender_preempt, meta_victims_drop_nodes_that_still_do_not_fit)
{
    struct fx f;

    fx_init(&f);
    bind_two(&f);
    /* evicting only v1 leaves 6 free: node-b is dropped; node-a never has
     * 8 GPUs; node-z is unknown, kube-scheduler's choice stands */
    runs(&f, EXT_PREEMPT, "{\"Pod\":" PREEMPT_POD ",\"NodeNameToVictims\":"
         "null,\"NodeNameToMetaVictims\":{\"node-z\":{\"Pods\":[{\"UID\":"
         "\"q\"}],\"NumPDBViolations\":3},\"node-b\":{\"Pods\":[{\"UID\":"
         "\"u-v1\"}],\"NumPDBViolations\":0},\"node-a\":{\"Pods\":[],"
         "\"NumPDBViolations\":0}}}");
    cr_assert_eq(f.status, 200);
    cr_assert_str_eq(f.out.data, "{\"NodeNameToMetaVictims\":{\"node-z\":{"
                                 "\"Pods\":[{\"UID\":\"q\"}],"
                                 "\"NumPDBViolations\":3}}}");
    /* both victims: it fits; victim order and PDB count are kept */
    runs(&f, EXT_PREEMPT, "{\"Pod\":" PREEMPT_POD ",\"NodeNameToMetaVictims"
         "\":{\"node-b\":{\"Pods\":[{\"UID\":\"u-v2\"},{\"UID\":\"u-v1\"}],"
         "\"NumPDBViolations\":1}}}");
    cr_assert_str_eq(f.out.data, "{\"NodeNameToMetaVictims\":{\"node-b\":{"
                                 "\"Pods\":[{\"UID\":\"u-v2\"},{\"UID\":"
                                 "\"u-v1\"}],\"NumPDBViolations\":1}}}");
    fx_fini(&f);
}

/* Found by tests/fuzz/fuzz_extender (tests/fuzz/regressions/extender/): a
 * node named twice freed the name the node map still held as its key, and
 * the second lookup read freed memory (ASan: heap-use-after-free). */
Test(extender_preempt, node_named_twice_keeps_its_last_entry)
{
    struct fx f;

    fx_init(&f);
    bind_two(&f);
    runs(&f, EXT_PREEMPT, "{\"Pod\":" PREEMPT_POD ",\"NodeNameToMetaVictims"
         "\":{\"node-b\":{\"Pods\":[{\"UID\":\"u-v1\"}],"
         "\"NumPDBViolations\":7},\"node-z\":{\"Pods\":[]},\"node-b\":{"
         "\"Pods\":[{\"UID\":\"u-v2\"},{\"UID\":\"u-v1\"}],"
         "\"NumPDBViolations\":1},\"node-b\":{\"Pods\":[{\"UID\":"
         "\"u-v1\"},{\"UID\":\"u-v2\"}],\"NumPDBViolations\":2}}}");
    cr_assert_eq(f.status, 200);
    cr_assert_str_eq(f.out.data, "{\"NodeNameToMetaVictims\":{\"node-b\":{"
                                 "\"Pods\":[{\"UID\":\"u-v1\"},{\"UID\":"
                                 "\"u-v2\"}],\"NumPDBViolations\":2},"
                                 "\"node-z\":{\"Pods\":[],"
                                 "\"NumPDBViolations\":0}}}");
    fx_fini(&f);
}

Test(extender_preempt, full_victim_objects_are_answered_as_meta_victims)
{
    struct fx f;

    fx_init(&f);
    bind_two(&f);
    runs(&f, EXT_PREEMPT, "{\"Pod\":" PREEMPT_POD ",\"NodeNameToVictims\":{"
         "\"node-b\":{\"Pods\":[" POD("v1", "u-v1", "{\"nvidia.com/gpu\":"
         "\"2\"}") "," POD("v2", "u-v2", "{\"nvidia.com/gpu\":\"4\"}")
         "],\"NumPDBViolations\":0}},\"NodeNameToMetaVictims\":null}");
    cr_assert_str_eq(f.out.data, "{\"NodeNameToMetaVictims\":{\"node-b\":{"
                                 "\"Pods\":[{\"UID\":\"u-v1\"},{\"UID\":"
                                 "\"u-v2\"}],\"NumPDBViolations\":0}}}");
    runs(&f, EXT_PREEMPT, "{\"Pod\":" PREEMPT_POD ",\"NodeNameToVictims\":"
                          "null,\"NodeNameToMetaVictims\":null}");
    cr_assert_str_eq(f.out.data, "{\"NodeNameToMetaVictims\":{}}");
    fx_fini(&f);
}

Test(extender_bind, unknown_pod_conflicts_and_unknown_node_are_errors)
{
    struct fx f;

    fx_init(&f);
    runs(&f, EXT_BIND, "{\"PodName\":\"ghost\",\"PodNamespace\":\"ns\","
                       "\"PodUID\":\"u-ghost\",\"Node\":\"node-a\"}");
    cr_assert_str_eq(f.out.data, "{\"Error\":\"pod ns/ghost (u-ghost) "
                                 "unknown: muster saw no filter call for it "
                                 "and its cache does not hold it\"}");
    runs(&f, EXT_FILTER, "{\"Pod\":" GPU6 ",\"NodeNames\":[\"node-b\"]}");
    runs(&f, EXT_BIND, "{\"PodName\":\"big\",\"PodNamespace\":\"default\","
                       "\"PodUID\":\"u-big\",\"Node\":\"node-q\"}");
    cr_assert_str_eq(f.out.data, "{\"Error\":\"node node-q unknown to "
                                 "muster's cache\"}");
    runs(&f, EXT_BIND, "{\"PodName\":\"other\",\"PodNamespace\":\"default\","
                       "\"PodUID\":\"u-big\",\"Node\":\"node-b\"}");
    cr_assert(strstr(f.out.data, "PodUID u-big is pod default/big"));
    runs(&f, EXT_BIND, "{\"podname\":\"big\",\"podnamespace\":\"default\","
                       "\"poduid\":\"u-big\",\"node\":\"node-b\"}");
    cr_assert_str_eq(f.out.data, "{\"Error\":\"\"}");
    runs(&f, EXT_BIND, "{\"PodName\":\"big\",\"PodNamespace\":\"default\","
                       "\"PodUID\":\"u-big\",\"Node\":\"node-a\"}");
    cr_assert_str_eq(f.out.data, "{\"Error\":\"pod default/big is already "
                                 "assigned to node node-b\"}");
    /* the bound pod now counts on node-b: 6 + 6 GPUs do not fit in 8 */
    runs(&f, EXT_FILTER, "{\"Pod\":" POD("b2", "u-b2", "{\"nvidia.com/gpu\":"
                         "\"6\"}") ",\"NodeNames\":[\"node-b\"]}");
    cr_assert(strstr(f.out.data, "\"NodeNames\":[],\"FailedNodes\":{"
                                 "\"node-b\":"), "%s", f.out.data);
    fx_fini(&f);
}

Test(extender_filter, both_lists_given_decides_from_objects_answers_both)
{
    struct fx f;

    fx_init(&f);
    runs(&f, EXT_FILTER, "{\"Pod\":" GPU6 ",\"Nodes\":{\"items\":[{"
         "\"metadata\":{\"name\":\"node-b\"},\"status\":{\"allocatable\":{"
         "\"nvidia.com/gpu\":\"8\",\"cpu\":\"2\",\"pods\":\"9\"},"
         "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}]},"
         "\"NodeNames\":[\"node-b\"]}");
    cr_assert_str_eq(f.out.data,
                     "{\"Nodes\":{\"metadata\":{},\"items\":[{\"metadata\":{"
                     "\"name\":\"node-b\"},\"status\":{\"allocatable\":{"
                     "\"nvidia.com/gpu\":\"8\",\"cpu\":\"2\",\"pods\":\"9\"},"
                     "\"conditions\":[{\"type\":\"Ready\",\"status\":"
                     "\"True\"}]}}]},\"NodeNames\":[\"node-b\"],"
                     "\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{},"
                     "\"Error\":\"\"}");
    fx_fini(&f);
}
