/* test_sim_online.c - online equals offline: the same cluster and pod
 * sequence go through `muster serve` (HTTP /filter, /prioritize, /bind, as
 * kube-scheduler drives it: the best 0..10 score wins, ties to the smallest
 * node name) and through the simulator (--pick-extender), and every pod
 * must land on the same node, or stay unplaced in both. The server runs on
 * an ephemeral 127.0.0.1 port; only its PID is ever signalled.
 *
 * Gangs (min_member > 1, under policies with the gang filter) are
 * compared too, by keeping the service's gang table in step with the
 * simulator's:
 *  - A gang's pods are not in the service's snapshot: the service learns
 *    each member from its /filter call (gang.h: members seen in calls
 *    count), as the simulator learns them at the job's arrival. Were they
 *    in the snapshot from the start, the tick thread would admit every
 *    gang of the trace at once, before the jobs that arrive ahead of them.
 *  - The client sends the members' /filter calls last to first: the
 *    first ones are refused (the gang lacks members), and member 0's
 *    completes the quorum and admits the gang inline, planning member 0
 *    first and then the others by name, exactly as the simulator's cycle
 *    for member 0 does. Then every member goes through filter, prioritize
 *    and bind (the binds are held until the last one arrives), and the
 *    client waits for all of them before the next job arrives.
 *  - A gang that does not fit at its arrival stays out in both: the
 *    trace has no completions before 1,000,000 s, so capacity only
 *    shrinks, and the tick thread's later attempts (and the simulator's)
 *    fail too; starvation holds (300 s) and timeouts (30 s) are far past
 *    the trace's 24 s of arrivals in virtual time and the run's few
 *    seconds in real time.
 * Not covered: gangs with min_member < num_pods (the member whose call
 * completes the quorum would not be member 0, so the plan's order could
 * differ) and gangs retried after a release (the tick thread's timing). */
#include "common.h"
#include "sim/sim.h"
#include "sim/replay.h"
#include "sim/trace.h"
#include "util/buf.h"
#include "test_slow.h"
#include "tproc.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLUSTER "tests/data/sim/online_cluster.json"
#define TRACE "tests/data/sim/online_trace.csv"
#define GANG_TRACE "tests/data/sim/online_gang_trace.csv"
#define MAX_PODS 256

static pid_t srv_pid;
static int srv_port;
static char srv_dir[64];

struct placed {
    char pod[160];
    char node[64];   /* "" when unplaced */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    buf_add(ud, p, sz * n);
    return sz * n;
}

static cJSON *post(const char *path, const char *body)
{
    CURL *h = curl_easy_init();
    struct buf out;
    char url[256];
    long status = 0;
    CURLcode rc;
    cJSON *j;

    buf_init(&out, BUF_UNLIMITED);
    buf_adds(&out, "");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv_port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    rc = curl_easy_perform(h);
    cr_assert_eq(rc, CURLE_OK, "%s failed: %s", path, curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    cr_assert_eq(status, 200, "%s: HTTP %ld %s", path, status, out.data);
    j = cJSON_Parse(out.data);
    cr_assert(j, "%s: not JSON: %s", path, out.data);
    buf_fini(&out);
    return j;
}

static void start_server(const char *policy, const char *snapshot,
                         const char *record)
{
    const char *bin = getenv("MUSTER_BIN");
    char portfile[128], logfile[128];
    FILE *f;

    cr_assert(bin, "MUSTER_BIN is not set (run through make test)");
    snprintf(portfile, sizeof(portfile), "%s/port", srv_dir);
    snprintf(logfile, sizeof(logfile), "%s/log", srv_dir);
    {
        char *const argv[] = {(char *)bin, "serve", "--listen", "127.0.0.1:0",
                              "--port-file", portfile, "--policy",
                              (char *)policy, "--snapshot", (char *)snapshot,
                              "--log-level", "warn",
                              record ? "--record" : NULL, (char *)record,
                              NULL};

        srv_pid = tproc_spawn(logfile, argv);
    }
    for (int i = 0; i < 400 * test_slow() && access(portfile, R_OK) != 0; i++)
        sleep_ms(25);
    f = fopen(portfile, "r");
    cr_assert(f, "no port file");
    cr_assert_eq(fscanf(f, "%d", &srv_port), 1);
    fclose(f);
}

static void cleanup(void)
{
    const char *files[] = {"port", "log", "jobs.csv", "pods.csv",
                           "timeline.csv", "summary.json", "snap.json",
                           "rec.jsonl"};
    char path[160];

    if (srv_pid > 0) {
        test_reap(srv_pid);
        srv_pid = 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", srv_dir, files[i]);
        unlink(path);
    }
    rmdir(srv_dir);
}

/* The node names of the cluster file, sorted, as one JSON array. */
static char *node_names(void)
{
    return xstrdup("[\"n-a\",\"n-b\",\"n-c\",\"n-d\",\"n-e\",\"n-f\"]");
}

/* The Pod the simulator builds for pod i of job j (sim.c pod_build). */
static char *pod_json(const struct trace_job *j, uint64_t seq, uint32_t i)
{
    char gang[256] = "";

    if (j->min_member > 1)
        snprintf(gang, sizeof(gang), ",\"labels\":{\"scheduling.x-k8s.io/"
                 "pod-group\":\"%s\"},\"annotations\":{\"muster.dev/"
                 "min-member\":\"%u\"}", j->id, j->min_member);
    return xasprintf("{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
                     "\"metadata\":{\"name\":\"%s-%u\",\"namespace\":\"%s\","
                     "\"uid\":\"sim-%llu-%u\"%s},\"spec\":{\"containers\":[{"
                     "\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":"
                     "\"%lldm\",\"memory\":\"%lld\",\"nvidia.com/gpu\":"
                     "\"%lld\"}}}]},\"status\":{\"phase\":\"Pending\"}}",
                     j->id, i, j->queue, (unsigned long long)seq, i, gang,
                     (long long)j->cpu_milli, (long long)j->memory,
                     (long long)j->gpus_per_pod);
}

/* A /bind call on its own thread: kube-scheduler binds asynchronously,
 * and a gang member's bind is held until the last member's arrives. */
struct bind_call {
    char body[512];
    char name[160];
    pthread_t th;
    char err[256];
};

static void *bind_main(void *arg)
{
    struct bind_call *b = arg;
    cJSON *br = post("/bind", b->body), *e = cJSON_GetObjectItem(br, "Error");

    snprintf(b->err, sizeof(b->err), "%s",
             e && e->valuestring ? e->valuestring : "");
    cJSON_Delete(br);
    return NULL;
}

static void bind_join(struct bind_call *b)
{
    pthread_join(b->th, NULL);
    cr_assert_str_eq(b->err, "", "bind %s: %s", b->name, b->err);
}

/* The best node from /prioritize over the feasible list (ties: the
 * smallest name). */
static void pick(const char *pod, cJSON *feasible, char *node, size_t cap)
{
    char *fn = cJSON_PrintUnformatted(feasible);
    char *body = xasprintf("{\"Pod\":%s,\"Nodes\":null,\"NodeNames\":%s}",
                           pod, fn);
    cJSON *pr = post("/prioritize", body), *it;
    int best = -1;

    node[0] = '\0';
    cJSON_ArrayForEach(it, pr) {
        const char *host = cJSON_GetObjectItem(it, "Host")->valuestring;
        int sc = cJSON_GetObjectItem(it, "Score")->valueint;

        if (sc > best || (sc == best && strcmp(host, node) < 0)) {
            best = sc;
            snprintf(node, cap, "%s", host);
        }
    }
    cJSON_Delete(pr);
    free(body);
    free(fn);
}

/* kube-scheduler's cycle for one pod: filter, prioritize the feasible
 * nodes, pick, bind (on a thread, left running: the caller joins). RET
 * whether a bind was started. */
static bool schedule_online(const char *pod, const char *uid,
                            const char *name, const char *ns,
                            struct placed *out, struct bind_call *b)
{
    char *names = node_names(), *body;
    cJSON *fr, *feasible;
    bool bound = false;

    body = xasprintf("{\"Pod\":%s,\"Nodes\":null,\"NodeNames\":%s}", pod,
                     names);
    fr = post("/filter", body);
    free(body);
    feasible = cJSON_GetObjectItem(fr, "NodeNames");
    out->node[0] = '\0';
    if (cJSON_GetArraySize(feasible) > 0) {
        pick(pod, feasible, out->node, sizeof(out->node));
        snprintf(b->body, sizeof(b->body), "{\"PodName\":\"%s\","
                 "\"PodNamespace\":\"%s\",\"PodUID\":\"%s\",\"Node\":"
                 "\"%s\"}", name, ns, uid, out->node);
        snprintf(b->name, sizeof(b->name), "%s", name);
        cr_assert_eq(pthread_create(&b->th, NULL, bind_main, b), 0);
        bound = true;
    }
    cJSON_Delete(fr);
    free(names);
    return bound;
}

/* A gang's members reach the service last to first through /filter
 * alone (see the top of the file); all but member 0 are refused. */
static void introduce_gang(const struct trace_job *j, uint64_t seq)
{
    char *names = node_names();

    for (uint32_t i = j->num_pods; i-- > 1;) {
        char *pod = pod_json(j, seq, i);
        char *body = xasprintf("{\"Pod\":%s,\"Nodes\":null,\"NodeNames\":"
                               "%s}", pod, names);
        cJSON *fr = post("/filter", body);

        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(fr, "NodeNames")),
                     0, "%s-%u passed a filter before its gang had every "
                     "member", j->id, i);
        cJSON_Delete(fr);
        free(body);
        free(pod);
    }
    free(names);
}

/* Every pod of the trace, in the simulator's queue order (one priority,
 * increasing submit times: trace order, then pod index). A job's binds
 * are joined after its last pod: a gang's are held until then. */
static size_t run_online(const char *trace, bool gangs, struct placed *pl)
{
    static struct bind_call calls[64];
    struct trace_reader *r;
    struct trace_job j;
    char err[256], uid[64], name[160];
    uint64_t seq = 0;
    size_t n = 0;

    cr_assert_eq(trace_open(trace, &r, err, sizeof(err)), MU_OK, "%s", err);
    while (trace_next(r, &j, err, sizeof(err)) == MU_OK) {
        size_t nb = 0;

        cr_assert_leq(j.num_pods, 64);
        if (gangs && j.min_member > 1) {
            cr_assert_eq(j.min_member, j.num_pods, "%s: not covered (see "
                         "the top of the file)", j.id);
            introduce_gang(&j, seq);
        }
        for (uint32_t i = 0; i < j.num_pods; i++) {
            char *pod = pod_json(&j, seq, i);

            cr_assert_lt(n, MAX_PODS);
            snprintf(uid, sizeof(uid), "sim-%llu-%u",
                     (unsigned long long)seq, i);
            snprintf(name, sizeof(name), "%s-%u", j.id, i);
            snprintf(pl[n].pod, sizeof(pl[n].pod), "%s", name);
            if (schedule_online(pod, uid, name, j.queue, &pl[n++],
                                &calls[nb]))
                nb++;
            /* A pod outside a gang is bound before the next is tried. */
            if (j.min_member <= 1 && nb)
                bind_join(&calls[--nb]);
            free(pod);
        }
        while (nb)
            bind_join(&calls[--nb]);
        seq++;
    }
    trace_reader_free(r);
    return n;
}

/* The cluster file plus every trace pod, pending, but for gang members
 * (see the top of the file). */
static void write_snapshot(const char *trace, const char *path)
{
    char *text = NULL, err[256];
    struct trace_reader *r;
    struct trace_job j;
    cJSON *root, *items;
    uint64_t seq = 0;
    FILE *f = fopen(CLUSTER, "r");
    long len;

    cr_assert(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    text = xcalloc(1, (size_t)len + 1);
    cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    root = cJSON_Parse(text);
    free(text);
    items = cJSON_GetObjectItem(root, "items");
    cr_assert_eq(trace_open(trace, &r, err, sizeof(err)), MU_OK, "%s", err);
    while (trace_next(r, &j, err, sizeof(err)) == MU_OK) {
        for (uint32_t i = 0; j.min_member <= 1 && i < j.num_pods; i++) {
            char *pod = pod_json(&j, seq, i);

            cJSON_AddItemToArray(items, cJSON_Parse(pod));
            free(pod);
        }
        seq++;
    }
    trace_reader_free(r);
    text = cJSON_Print(root);
    f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    free(text);
    cJSON_Delete(root);
}

/* The simulator's node for pod (from pods.csv), "" when it has none
 * before the first job completes (the trace's jobs run 1,000,000 s; the
 * online run has no completions, so later binds have no counterpart). */
static void sim_node(const char *pods_csv, const char *pod, char *node,
                     size_t cap)
{
    char want[200];
    const char *p, *bind;

    snprintf(want, sizeof(want), ",%.160s,", pod);
    node[0] = '\0';
    p = strstr(pods_csv, want);
    if (!p)
        return;
    p += strlen(want);
    bind = strchr(p, ',') + 1;
    if (strcspn(bind, ".,") >= 7)   /* bind >= 1000000 s */
        return;
    snprintf(node, cap, "%.*s", (int)strcspn(p, ","), p);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text;
    long n;

    cr_assert(f, "no %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = xcalloc(1, (size_t)n + 1);
    cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

static void online_equals_offline(const char *policy, const char *trace,
                                  bool gangs)
{
    static struct placed pl[MAX_PODS];
    struct sim_opts o = {.cluster_path = CLUSTER, .trace_path = trace,
                         .policy_path = policy, .quiet = true,
                         .pick_extender = true};
    struct sim_summary sum;
    char err[512], path[160], node[64], *csv;
    size_t n, placed = 0;

    snprintf(srv_dir, sizeof(srv_dir), "/tmp/muster-online-XXXXXX");
    cr_assert(mkdtemp(srv_dir));
    snprintf(path, sizeof(path), "%s/snap.json", srv_dir);
    write_snapshot(trace, path);
    start_server(policy, path, NULL);
    n = run_online(trace, gangs, pl);
    o.out_dir = srv_dir;
    log_set_level("error");
    cr_assert_eq(sim_run(&o, &sum, err, sizeof(err)), MU_OK, "%s", err);
    snprintf(path, sizeof(path), "%s/pods.csv", srv_dir);
    csv = slurp(path);
    for (size_t i = 0; i < n; i++) {
        sim_node(csv, pl[i].pod, node, sizeof(node));
        cr_assert_str_eq(node, pl[i].node, "%s: pod %s on \"%s\" offline, "
                         "\"%s\" online", policy, pl[i].pod, node,
                         pl[i].node);
        placed += node[0] != '\0';
    }
    /* The case must exercise both: placements and pods that do not fit. */
    cr_assert_geq(placed, 20, "only %zu of %zu pods placed", placed, n);
    cr_assert_lt(placed, n);
    free(csv);
}

Test(sim_online, kube_default_places_like_the_service, .fini = cleanup,
     .timeout = 60)
{
    online_equals_offline("policies/kube-default.json", TRACE, false);
}

Test(sim_online, default_policy_places_like_the_service, .fini = cleanup,
     .timeout = 60)
{
    online_equals_offline("policies/default.json", TRACE, false);
}

Test(sim_online, gpu_binpack_places_like_the_service, .fini = cleanup,
     .timeout = 60)
{
    online_equals_offline("policies/gpu-binpack.json", TRACE, false);
}

/* Gangs placed whole at their arrival, gangs that do not fit, and pods
 * around them: the same nodes online and offline. */
Test(sim_online, gang_topology_places_gangs_like_the_service,
     .fini = cleanup, .timeout = 60)
{
    online_equals_offline("policies/gang-topology.json", GANG_TRACE, true);
}

Test(sim_online, gang_filter_with_default_scores_places_like_the_service,
     .fini = cleanup, .timeout = 60)
{
    online_equals_offline("tests/data/sim/gang-spread.json", GANG_TRACE,
                          true);
}

/* Replay rec against policy; OUT st; RET the report (free it). */
static char *replay_text(const char *rec, const char *policy,
                         const char *snap, struct replay_stats *st)
{
    char err[512], *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    cr_assert_eq(replay_run(rec, policy, snap, out, st, err, sizeof(err)),
                 MU_OK, "%s", err);
    fclose(out);
    return text;
}

/* Serve trace under policy with --record, drive it, and replay the
 * recording against the same policy: nothing may differ. OUT snap, rec
 * (160 bytes each). */
static void record_and_replay_same(const char *trace, bool gang,
                                   const char *policy, char *snap, char *rec)
{
    static struct placed pl[MAX_PODS];
    struct replay_stats st;
    size_t n;
    char *text;

    snprintf(srv_dir, sizeof(srv_dir), "/tmp/muster-online-XXXXXX");
    cr_assert(mkdtemp(srv_dir));
    snprintf(snap, 160, "%s/snap.json", srv_dir);
    snprintf(rec, 160, "%s/rec.jsonl", srv_dir);
    write_snapshot(trace, snap);
    start_server(policy, snap, rec);
    n = run_online(trace, gang, pl);
    log_set_level("error");
    text = replay_text(rec, policy, snap, &st);
    cr_assert_eq(st.pods, n, "%s", text);
    cr_assert_eq(st.moved, 0, "%s", text);
    cr_assert_eq(st.filtered_differently, 0, "%s", text);
    free(text);
}

/* Replay what serve recorded: against its own policy nothing differs;
 * against another, the report names the pods that would move. */
Test(sim_online, replay_of_a_recording_reports_what_another_policy_changes,
     .fini = cleanup, .timeout = 60)
{
    struct replay_stats st;
    char snap[160], rec[160], *text;

    record_and_replay_same(TRACE, false, "policies/kube-default.json", snap,
                           rec);
    text = replay_text(rec, "policies/gpu-binpack.json", snap, &st);
    cr_assert_gt(st.moved, 0, "%s", text);
    cr_assert(strstr(text, ": node before n-"), "%s", text);
    free(text);
}

/* Gangs replayed: the recording's own gang policy changes nothing (each
 * gang admitted and planned as serve did); a policy with other scores
 * plans some gangs onto other nodes, and the report names their pods. */
Test(sim_online, replay_of_a_gang_recording_replans_gangs_under_the_new_policy,
     .fini = cleanup, .timeout = 60)
{
    struct replay_stats st;
    char snap[160], rec[160], *text;

    record_and_replay_same(GANG_TRACE, true, "policies/gang-topology.json",
                           snap, rec);
    text = replay_text(rec, "tests/data/sim/gang-spread.json", snap, &st);
    cr_assert_gt(st.moved, 0, "%s", text);
    cr_assert(strstr(text, "\ndefault/g-") || !strncmp(text, "default/g-", 10),
              "no gang member moved:\n%s", text);
    free(text);
}
