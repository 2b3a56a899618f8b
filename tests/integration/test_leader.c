/* test_leader.c - two `muster serve --leader-elect` replicas against one
 * fake API server (tests/fake) with short lease settings: exactly one is
 * ready, the follower refuses callbacks naming the leader, a killed
 * leader is replaced within the lease duration, a stopped one releases
 * the lease for a fast takeover, a leader that cannot renew stops serving
 * and answers its held gang binds, and no gang is ever partly bound across
 * a switch. Processes run on 127.0.0.1; only the PIDs started here are
 * signalled. Every wait has its own deadline (see test_watch.c on why
 * Criterion's .timeout is not used). */
#include "common.h"
#include "tproc.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The election settings every replica runs with (ms). */
#define LEASE_MS 2000
#define RENEW_MS 1500
#define RETRY_MS 300
/* A follower notices a change at its next retry, which client-go jitters
 * up to retry x 2.2; allow two of them plus a second for a loaded host. */
#define TAKEOVER_BOUND_MS (LEASE_MS + 2 * 22 * RETRY_MS / 10 + 1000)

/* The SIGTERM test runs with a 10 s lease (renew 8 s) instead, so that a
 * takeover well before it can only come from the release. */
#define LONG_LEASE_MS 10000
static bool long_lease;

struct env {
    char dir[64];
    pid_t fake, m[2];
    int fport, mport[2];
};

static struct env E;

/* SIGTERM, then SIGKILL after 10 s. RET the exit status (a sanitizer
 * report under `make asan` makes it non-zero), -1 when it had to be
 * killed. */
static int stop(pid_t *pid)
{
    int64_t end = tproc_ms() + 10000;
    int st = 0;
    pid_t r = 0;

    if (*pid <= 0)
        return 0;
    kill(*pid, SIGTERM);
    while (tproc_ms() < end && (r = waitpid(*pid, &st, WNOHANG)) == 0)
        tproc_sleep_ms(20);
    if (r == 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, &st, 0);
        st = -1;
    }
    *pid = 0;
    return st < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void kill9(pid_t *pid)
{
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

static void teardown(void)
{
    char cmd[128];

    stop(&E.m[0]);
    stop(&E.m[1]);
    stop(&E.fake);
    if (!E.dir[0])
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E.dir);
    if (!getenv("MUSTER_TEST_KEEP") && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", E.dir);
    E.dir[0] = '\0';
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    return buf_add(arg, p, size * n) ? 0 : size * n;
}

/* One request; RET the status (0 on a transport failure). */
static long http(int port, const char *path, const char *body,
                 struct buf *out)
{
    CURL *h = curl_easy_init();
    char url[256];
    long status = 0;

    buf_reset(out);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    buf_addc(out, '\0');
    out->len--;
    return status;
}

static void fake_call(const char *path, const char *body)
{
    struct buf out;
    long st;

    buf_init(&out, BUF_UNLIMITED);
    st = http(E.fport, path, body, &out);
    cr_assert_eq(st, 200, "%s: %ld %s", path, st, out.data);
    buf_fini(&out);
}

static void start_fake(void)
{
    const char *bin = getenv("FAKE_APISERVER");
    char pf[128], log[128];
    char *argv[] = {(char *)(bin ? bin : "build/fake-apiserver"),
                    "--port-file", pf, NULL};

    memset(&E, 0, sizeof(E));
    snprintf(E.dir, sizeof(E.dir), "/tmp/muster-leader-XXXXXX");
    cr_assert_not_null(mkdtemp(E.dir));
    snprintf(pf, sizeof(pf), "%s/fake.port", E.dir);
    snprintf(log, sizeof(log), "%s/fake.log", E.dir);
    E.fake = tproc_spawn(log, argv);
    E.fport = tproc_port(pf, E.fake);
    /* one node with 8 GPUs: room for the 4 x 2-GPU gang below */
    fake_call("/_control/nodes", "[{\"op\":\"put\",\"object\":{\"metadata\":"
              "{\"name\":\"gpu-a\"},\"status\":{\"allocatable\":{\"cpu\":"
              "\"32\",\"pods\":\"110\",\"nvidia.com/gpu\":\"8\"},"
              "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}}]");
}

static void start_muster(int i)
{
    const char *bin = getenv("MUSTER_BIN");
    char pf[128], log[128], url[64];
    char *argv[] = {(char *)(bin ? bin : "./muster"), "serve", "--policy",
                    "policies/gang-topology.json", "--api-server", url,
                    "--listen", "127.0.0.1:0", "--port-file", pf,
                    "--debug-endpoints", "--leader-elect",
                    "--leader-elect-resource-namespace", "muster-test",
                    "--leader-elect-lease-duration",
                    long_lease ? "10s" : "2s",
                    "--leader-elect-renew-deadline",
                    long_lease ? "8s" : "1.5s",
                    "--leader-elect-retry-period", "300ms", NULL};

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", E.fport);
    snprintf(pf, sizeof(pf), "%s/m%d.port", E.dir, i);
    snprintf(log, sizeof(log), "%s/m%d.log", E.dir, i);
    unlink(pf);
    E.m[i] = tproc_spawn(log, argv);
    E.mport[i] = tproc_port(pf, E.m[i]);
}

static bool ready(int i)
{
    struct buf out;
    bool yes;

    if (E.m[i] <= 0)
        return false;
    buf_init(&out, BUF_UNLIMITED);
    yes = http(E.mport[i], "/readyz", NULL, &out) == 200;
    buf_fini(&out);
    return yes;
}

/* Wait (bounded) until replica i is ready; RET ms waited, -1 on timeout. */
static int64_t wait_ready(int i, int64_t bound_ms)
{
    int64_t t0 = tproc_ms();

    while (tproc_ms() - t0 < bound_ms) {
        if (ready(i))
            return tproc_ms() - t0;
        tproc_sleep_ms(20);
    }
    return -1;
}

/* Start both replicas; RET the leader's index once exactly one is ready. */
static int start_pair(void)
{
    int64_t end;

    start_fake();
    start_muster(0);
    start_muster(1);
    end = tproc_ms() + 10000;
    while (tproc_ms() < end) {
        bool r0 = ready(0), r1 = ready(1);

        cr_assert_not(r0 && r1, "both replicas report ready");
        if (r0 || r1)
            return r0 ? 0 : 1;
        tproc_sleep_ms(20);
    }
    cr_assert_fail("no replica became the leader in 10 s");
    return -1;
}

/* The Lease as the API server holds it. */
static cJSON *lease_get(void)
{
    struct buf out;
    cJSON *j;

    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(http(E.fport, "/apis/coordination.k8s.io/v1/namespaces/"
                      "muster-test/leases/muster", NULL, &out), 200);
    j = cJSON_Parse(out.data);
    buf_fini(&out);
    cr_assert_not_null(j);
    return j;
}

static const char *spec_str(cJSON *lease, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(lease, "spec"), key);

    return cJSON_IsString(v) ? v->valuestring : "";
}

static int spec_int(cJSON *lease, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(lease, "spec"), key);

    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static bool metric_is(int i, const char *line)
{
    struct buf out;
    bool yes;

    buf_init(&out, BUF_UNLIMITED);
    http(E.mport[i], "/metrics", NULL, &out);
    yes = out.data && strstr(out.data, line);
    buf_fini(&out);
    return yes;
}

/* ---- a gang of 4 pods (ml/kg-0..3, 2 GPUs each, minMember 4) ---- */

static void gang_pods(void)
{
    struct buf b;

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "[");
    for (int i = 0; i < 4; i++)
        buf_printf(&b, "%s{\"op\":\"put\",\"object\":{\"metadata\":{\"name\":"
                   "\"kg-%d\",\"namespace\":\"ml\",\"uid\":\"uid-kg-%d\","
                   "\"labels\":{\"scheduling.x-k8s.io/pod-group\":\"kg\"},"
                   "\"annotations\":{\"muster.dev/min-member\":\"4\"}},"
                   "\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":"
                   "{\"requests\":{\"nvidia.com/gpu\":\"2\"}}}]},\"status\":"
                   "{\"phase\":\"Pending\"}}}", i ? "," : "", i, i);
    buf_adds(&b, "]");
    fake_call("/_control/pods", b.data);
    buf_fini(&b);
}

/* /filter member i on replica r until one node passes (the first calls
 * may only admit the gang); RET the node. */
static void gang_filter(int r, int i, char *node, size_t cap)
{
    char *body = xasprintf(
        "{\"Pod\":{\"metadata\":{\"name\":\"kg-%d\",\"namespace\":\"ml\","
        "\"uid\":\"uid-kg-%d\",\"labels\":{\"scheduling.x-k8s.io/pod-group\":"
        "\"kg\"},\"annotations\":{\"muster.dev/min-member\":\"4\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{"
        "\"requests\":{\"nvidia.com/gpu\":\"2\"}}}]},\"status\":{\"phase\":"
        "\"Pending\"}},\"NodeNames\":[\"gpu-a\"]}", i, i);
    int64_t end = tproc_ms() + 10000;
    struct buf out;
    cJSON *j = NULL, *names;

    buf_init(&out, BUF_UNLIMITED);
    node[0] = '\0';
    while (!node[0] && tproc_ms() < end) {
        cr_assert_eq(http(E.mport[r], "/filter", body, &out), 200);
        j = cJSON_Parse(out.data);
        names = cJSON_GetObjectItem(j, "NodeNames");
        if (cJSON_GetArraySize(names) == 1)
            snprintf(node, cap, "%s",
                     cJSON_GetArrayItem(names, 0)->valuestring);
        cJSON_Delete(j);
        if (!node[0])
            tproc_sleep_ms(50);
    }
    cr_assert(node[0], "member %d never passed filter: %s", i, out.data);
    buf_fini(&out);
    free(body);
}

struct bind_call {
    int r, i;
    char node[64];
    pthread_t th;
    char answer[512];
};

static void *bind_main(void *arg)
{
    struct bind_call *b = arg;
    char *body = xasprintf("{\"PodName\":\"kg-%d\",\"PodNamespace\":\"ml\","
                           "\"PodUID\":\"uid-kg-%d\",\"Node\":\"%s\"}", b->i,
                           b->i, b->node);
    struct buf out;
    long st;

    buf_init(&out, BUF_UNLIMITED);
    st = http(E.mport[b->r], "/bind", body, &out);
    snprintf(b->answer, sizeof(b->answer), "%ld %s", st,
             out.data ? out.data : "");
    buf_fini(&out);
    free(body);
    return NULL;
}

static void bind_start(struct bind_call *b, int r, int i, const char *node)
{
    b->r = r;
    b->i = i;
    snprintf(b->node, sizeof(b->node), "%s", node);
    b->answer[0] = '\0';
    cr_assert_eq(pthread_create(&b->th, NULL, bind_main, b), 0);
}

/* Pods of the gang bound in the API server's state (GET /_control/state).
 * Every check asserts the property under test: none or all, never some. */
static int gang_bound(void)
{
    struct buf out;
    cJSON *j, *pods, *p;
    int n = 0;

    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(http(E.fport, "/_control/state", NULL, &out), 200);
    j = cJSON_Parse(out.data);
    pods = cJSON_GetObjectItem(j, "pods");
    cr_assert(cJSON_IsArray(pods), "state has no pods: %s", out.data);
    cJSON_ArrayForEach(p, pods) {
        cJSON *name = cJSON_GetObjectItem(p, "name");
        cJSON *node = cJSON_GetObjectItem(p, "nodeName");

        if (cJSON_IsString(name) && !strncmp(name->valuestring, "kg-", 3) &&
            cJSON_IsString(node))
            n++;
    }
    cJSON_Delete(j);
    buf_fini(&out);
    cr_assert(n == 0 || n == 4, "gang partly bound: %d of 4", n);
    return n;
}

/* Wait until replica r's cache holds the 4 members (the watch is warm). */
static void wait_gang_seen(int r)
{
    struct buf out;
    int64_t end = tproc_ms() + 10000;
    bool seen = false;

    buf_init(&out, BUF_UNLIMITED);
    while (!seen && tproc_ms() < end) {
        http(E.mport[r], "/debug/cache", NULL, &out);
        seen = out.data && strstr(out.data, "\"kg-3\"");
        if (!seen)
            tproc_sleep_ms(50);
    }
    buf_fini(&out);
    cr_assert(seen, "replica %d never saw the gang's pods", r);
}

/* The leader r admits the gang and holds binds of members 0..2. */
static void hold_three(int r, struct bind_call *b, char node[4][64])
{
    for (int i = 0; i < 4; i++)
        gang_filter(r, i, node[i], sizeof(node[i]));
    for (int i = 0; i < 3; i++)
        bind_start(&b[i], r, i, node[i]);
    for (int64_t end = tproc_ms() + 5000; tproc_ms() < end &&
                                         !metric_is(r, "muster_gang_held_"
                                                       "binds 3");)
        tproc_sleep_ms(20);
    cr_assert(metric_is(r, "muster_gang_held_binds 3"));
    cr_assert_eq(gang_bound(), 0);
}

/* ---- tests ---- */

Test(leader, one_replica_is_ready_and_the_follower_refuses_callbacks,
     .fini = teardown)
{
    int l = start_pair(), f = 1 - l;
    char want[600];
    struct buf out;
    cJSON *lease = lease_get();
    static const char *const verbs[] = {"/filter", "/preempt", "/bind"};

    /* the follower names the holder the Lease names */
    snprintf(want, sizeof(want), "muster: not the leader (leader is %s)",
             spec_str(lease, "holderIdentity"));
    cr_assert_eq(spec_int(lease, "leaseDurationSeconds"), LEASE_MS / 1000);
    cr_assert_eq(spec_int(lease, "leaseTransitions"), 0);
    cJSON_Delete(lease);
    buf_init(&out, BUF_UNLIMITED);
    for (int k = 0; k < 10; k++) {
        cr_assert(ready(l) && !ready(f), "exactly one replica is ready");
        tproc_sleep_ms(100);
    }
    cr_assert_eq(http(E.mport[f], "/readyz", NULL, &out), 503);
    cr_assert(strstr(out.data, want), "readyz: %s", out.data);
    for (size_t v = 0; v < ARRAY_LEN(verbs); v++) {
        cr_assert_eq(http(E.mport[f], verbs[v], "{}", &out), 200);
        cr_assert(strstr(out.data, want), "%s: %s", verbs[v], out.data);
    }
    /* HostPriorityList has no Error field: 503 with it, as when unsynced */
    cr_assert_eq(http(E.mport[f], "/prioritize", "{}", &out), 503);
    cr_assert(strstr(out.data, want), "prioritize: %s", out.data);
    cr_assert(metric_is(l, "muster_leader 1\n"));
    cr_assert(metric_is(f, "muster_leader 0\n"));
    cr_assert(metric_is(l, "muster_leader_transitions_total 1\n"));
    cr_assert(metric_is(f, "muster_leader_transitions_total 0\n"));
    /* the leader serves */
    cr_assert_eq(http(E.mport[l], "/filter", "{\"Pod\":{\"metadata\":{"
                      "\"name\":\"p\"}},\"NodeNames\":[\"gpu-a\"]}", &out),
                 200);
    cr_assert(strstr(out.data, "\"Error\":\"\""), "%s", out.data);
    buf_fini(&out);
    cr_assert_eq(stop(&E.m[f]), 0);
    cr_assert_eq(stop(&E.m[l]), 0);
}

Test(leader, a_killed_leader_is_replaced_within_the_lease_duration,
     .fini = teardown)
{
    int l = start_pair(), f = 1 - l;
    cJSON *lease = lease_get();
    char old[300];
    int64_t took;

    snprintf(old, sizeof(old), "%s", spec_str(lease, "holderIdentity"));
    cJSON_Delete(lease);
    kill9(&E.m[l]);
    took = wait_ready(f, 10000);
    cr_assert_geq(took, 0, "the follower never took over");
    fprintf(stderr, "leader: takeover after kill -9 in %lld ms (bound %d)\n",
            (long long)took, TAKEOVER_BOUND_MS);
    /* it cannot be before the lease expires on the follower's clock */
    cr_assert_lt(took, TAKEOVER_BOUND_MS, "took %lld ms", (long long)took);
    lease = lease_get();
    cr_assert_str_neq(spec_str(lease, "holderIdentity"), old);
    cr_assert_eq(spec_int(lease, "leaseTransitions"), 1);
    cJSON_Delete(lease);
    cr_assert(metric_is(f, "muster_leader 1\n"));
}

Test(leader, sigterm_releases_the_lease_for_a_fast_takeover,
     .fini = teardown)
{
    int l, f;
    int64_t t0, took;
    cJSON *lease;

    long_lease = true;
    l = start_pair();
    f = 1 - l;
    t0 = tproc_ms();
    kill(E.m[l], SIGTERM);
    took = wait_ready(f, LONG_LEASE_MS * 2);
    cr_assert_geq(took, 0, "the follower never took over");
    took = tproc_ms() - t0;            /* from the signal, shutdown included */
    fprintf(stderr, "leader: takeover after SIGTERM in %lld ms\n",
            (long long)took);
    /* released: no need to wait out the lease (expiry would take longer
     * than LONG_LEASE_MS from the last renewal) */
    cr_assert_lt(took, LONG_LEASE_MS, "took %lld ms", (long long)took);
    cr_assert_eq(stop(&E.m[l]), 0, "a clean stop exits 0");
    lease = lease_get();
    cr_assert_eq(spec_int(lease, "leaseDurationSeconds"),
                 LONG_LEASE_MS / 1000);
    cr_assert_eq(spec_int(lease, "leaseTransitions"), 1);
    cJSON_Delete(lease);
}

Test(leader, a_leader_that_cannot_renew_stops_serving_and_drops_holds,
     .fini = teardown)
{
    int l, f;
    struct bind_call b[3];
    char node[4][64];
    int64_t t0, took;
    struct buf out;

    start_fake();
    gang_pods();
    start_muster(0);
    start_muster(1);
    l = wait_ready(0, 10000) >= 0 ? 0 : 1;
    f = 1 - l;
    cr_assert(ready(l) && !ready(f));
    wait_gang_seen(l);
    hold_three(l, b, node);
    /* every lease request fails for a while: the leader cannot renew */
    t0 = tproc_ms();
    fake_call("/_control/fault", "{\"fault\":\"lease500\",\"count\":40}");
    for (int i = 0; i < 3; i++) {
        pthread_join(b[i].th, NULL);
        cr_assert(strstr(b[i].answer, "200 {\"Error\":\"muster: not the "
                                      "leader"), "held bind %d: %s", i,
                  b[i].answer);
    }
    took = tproc_ms() - t0;
    fprintf(stderr, "leader: held binds answered %lld ms after renewals "
            "started failing (renew deadline %d ms)\n", (long long)took,
            RENEW_MS);
    cr_assert_lt(took, RENEW_MS + 2 * RETRY_MS + 1000);
    cr_assert_not(ready(l));
    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(http(E.mport[l], "/bind", "{}", &out), 200);
    cr_assert(strstr(out.data, "not the leader"), "%s", out.data);
    buf_fini(&out);
    /* the election thread notices at its next round (the gate closed at
     * the deadline itself) */
    for (int64_t end = tproc_ms() + 5000;
         tproc_ms() < end &&
         !metric_is(l, "muster_leader_transitions_total 2\n");)
        tproc_sleep_ms(20);
    cr_assert(metric_is(l, "muster_leader 0\n"));
    cr_assert(metric_is(l, "muster_leader_transitions_total 2\n"));
    cr_assert_eq(gang_bound(), 0);
    /* the faults run out and a replica leads again */
    for (int64_t end = tproc_ms() + 20000; tproc_ms() < end &&
                                          !ready(0) && !ready(1);)
        tproc_sleep_ms(50);
    cr_assert(ready(0) || ready(1), "no leader after the faults ran out");
    cr_assert_eq(stop(&E.m[0]), 0);
    cr_assert_eq(stop(&E.m[1]), 0);
}

Test(leader, no_gang_is_partly_bound_across_a_leader_switch,
     .fini = teardown)
{
    int l, f;
    struct bind_call b[4];
    char node[4][64];

    start_fake();
    gang_pods();
    start_muster(0);
    start_muster(1);
    l = wait_ready(0, 10000) >= 0 ? 0 : 1;
    f = 1 - l;
    cr_assert(ready(l) && !ready(f));
    wait_gang_seen(l);
    wait_gang_seen(f);                /* the follower's cache is warm */
    hold_three(l, b, node);
    /* the leader dies holding three of the four binds */
    kill9(&E.m[l]);
    for (int i = 0; i < 3; i++) {
        pthread_join(b[i].th, NULL);
        cr_assert(!strncmp(b[i].answer, "0 ", 2), "bind %d: %s", i,
                  b[i].answer);
    }
    cr_assert_eq(gang_bound(), 0);
    cr_assert_geq(wait_ready(f, 10000), 0, "the follower never took over");
    cr_assert_eq(gang_bound(), 0);
    /* kube-scheduler retries every member on the new leader */
    for (int i = 0; i < 4; i++)
        gang_filter(f, i, node[i], sizeof(node[i]));
    for (int i = 0; i < 4; i++) {
        bind_start(&b[i], f, i, node[i]);
        if (i < 3) {
            tproc_sleep_ms(100);
            cr_assert_eq(gang_bound(), 0);
        }
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(b[i].th, NULL);
        cr_assert_str_eq(b[i].answer, "200 {\"Error\":\"\"}", "bind %d", i);
    }
    cr_assert_eq(gang_bound(), 4);
    cr_assert_eq(stop(&E.m[f]), 0);
}

/* RET the exit status of `muster serve ARGS...`, its output in out. */
static int run_serve(char *const *args, size_t n, char *out, size_t cap)
{
    const char *bin = getenv("MUSTER_BIN");
    char log[128], *argv[16] = {(char *)(bin ? bin : "./muster"), "serve"};
    int64_t end = tproc_ms() + 10000;
    pid_t pid;
    FILE *f;
    int st = 0;
    size_t got;

    for (size_t i = 0; i < n && i < 13; i++)
        argv[2 + i] = args[i];
    snprintf(log, sizeof(log), "%s/usage.log", E.dir);
    pid = tproc_spawn(log, argv);
    while (waitpid(pid, &st, WNOHANG) == 0 && tproc_ms() < end)
        tproc_sleep_ms(20);
    if (tproc_ms() >= end) {
        kill9(&pid);
        cr_assert_fail("muster serve did not exit");
    }
    f = fopen(log, "r");
    got = f ? fread(out, 1, cap - 1, f) : 0;
    out[got] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(leader, bad_leader_election_flags_are_usage_errors, .fini = teardown)
{
    static const struct {
        char *args[8];
        size_t n;
        const char *says;
    } cases[] = {
        {{"--policy", "policies/default.json", "--snapshot",
          "examples/cluster.json", "--leader-elect"}, 5,
         "--leader-elect needs a cluster connection"},
        {{"--policy", "policies/default.json", "--api-server",
          "http://127.0.0.1:1", "--leader-elect",
          "--leader-elect-renew-deadline", "20s"}, 7,
         "lease-duration must be greater than"},
        {{"--policy", "policies/default.json", "--api-server",
          "http://127.0.0.1:1", "--leader-elect",
          "--leader-elect-retry-period", "2"}, 7,
         "--leader-elect-retry-period: expected a duration"},
        {{"--policy", "policies/default.json", "--api-server",
          "http://127.0.0.1:1", "--leader-elect-resource-name", "x"}, 6,
         "go with --leader-elect"},
    };
    char out[2048];

    memset(&E, 0, sizeof(E));
    snprintf(E.dir, sizeof(E.dir), "/tmp/muster-leader-XXXXXX");
    cr_assert_not_null(mkdtemp(E.dir));
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        cr_assert_eq(run_serve(cases[i].args, cases[i].n, out, sizeof(out)),
                     2, "case %zu: %s", i, out);
        cr_assert(strstr(out, cases[i].says), "case %zu: %s", i, out);
    }
}
