/* test_watch.c - muster serve against the fake API server (tests/fake):
 * the cache mirrors the server through thousands of random changes with
 * faults between them; binding success, conflict, not found and assumed-pod
 * expiry; token rotation; a stalled watch; readiness. Processes run on
 * 127.0.0.1 and only the PIDs started here are signalled. Every wait has
 * its own deadline; Criterion's .timeout is not used because Criterion
 * 2.4.1 leaks its timeout record when such tests run in parallel (which
 * fails `make asan`). */
#include "common.h"
#include "util/buf.h"
#include "test_slow.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct env {
    char dir[64];
    pid_t fake, muster;
    int fport, mport;
    bool keep;        /* a failure: keep the logs for reading */
    bool tls;         /* the fake serves HTTPS (dir/cert.pem, key.pem) */
    char kubeconfig[128]; /* muster uses this instead of --api-server */
};

/* The test's processes; .fini stops them even when an assertion fails. */
static struct env E;

static void env_fini(struct env *e);

static void teardown(void)
{
    env_fini(&E);
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t spawn(const char *log, char *const argv[])
{
    pid_t pid = fork();

    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Wait (bounded) for a port file written by the process. */
static int read_port(const char *path, pid_t pid)
{
    int64_t end = mono_ms() + 10000 * test_slow();
    int port = 0, st;

    while (mono_ms() < end) {
        FILE *f = fopen(path, "r");

        if (f) {
            int ok = fscanf(f, "%d", &port);

            fclose(f);
            if (ok == 1 && port > 0)
                return port;
        }
        cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "%s: process exited",
                     path);
        usleep(20000);
    }
    cr_assert_fail("no port in %s after 10 s", path);
    return 0;
}

static void stop(pid_t *pid)
{
    int64_t end = mono_ms() + 5000 * test_slow();
    int st;

    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    while (mono_ms() < end && waitpid(*pid, &st, WNOHANG) == 0)
        usleep(20000);
    if (waitpid(*pid, &st, WNOHANG) == 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, &st, 0);
    }
    *pid = 0;
}

static void env_fake(struct env *e, const char *token_file)
{
    char pf[320], log[128];
    const char *bin = getenv("FAKE_APISERVER");
    char cert[320], key[128];
    char *argv[12] = {(char *)(bin ? bin : "build/fake-apiserver"),
                      "--port-file", pf};
    int n = 3;

    if (token_file) {
        argv[n++] = "--token-file";
        argv[n++] = (char *)token_file;
    }
    if (e->tls) {
        snprintf(cert, sizeof(cert), "%s/cert.pem", e->dir);
        snprintf(key, sizeof(key), "%s/key.pem", e->dir);
        argv[n++] = "--tls-cert";
        argv[n++] = cert;
        argv[n++] = "--tls-key";
        argv[n++] = key;
    }
    argv[n] = NULL;
    snprintf(pf, sizeof(pf), "%s/fake.port", e->dir);
    snprintf(log, sizeof(log), "%s/fake.log", e->dir);
    e->fake = spawn(log, argv);
    e->fport = read_port(pf, e->fake);
}

/* muster serve --api-server http://127.0.0.1:FPORT plus extra flags. */
static void env_muster(struct env *e, const char *const *extra)
{
    char pf[320], log[128], url[64];
    const char *bin = getenv("MUSTER_BIN");
    char *argv[32] = {(char *)(bin ? bin : "./muster"), "serve", "--policy",
                      "policies/default.json", "--api-server", url,
                      "--debug-endpoints", "--listen", "127.0.0.1:0",
                      "--port-file", pf, "--log-level", "warn"};
    int n = 13;

    if (e->kubeconfig[0]) {
        argv[4] = "--kubeconfig";
        argv[5] = e->kubeconfig;
    }
    for (; extra && *extra && n < 31; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", e->fport);
    snprintf(pf, sizeof(pf), "%s/muster.port", e->dir);
    snprintf(log, sizeof(log), "%s/muster.log", e->dir);
    e->muster = spawn(log, argv);
    e->mport = read_port(pf, e->muster);
}

static void env_init(struct env *e)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->dir, sizeof(e->dir), "/tmp/muster-watch-XXXXXX");
    cr_assert_not_null(mkdtemp(e->dir));
}

static void env_fini(struct env *e)
{
    char cmd[128];

    stop(&e->muster);
    stop(&e->fake);
    if (!e->dir[0])
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    if (!e->keep && !getenv("MUSTER_TEST_KEEP") && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", e->dir);
    e->dir[0] = '\0';
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    return buf_add(arg, p, size * n) ? 0 : size * n;
}

/* One request; RET the HTTP status (0 on transport failure). */
static long http(int port, const char *method, const char *path,
                 const char *body, struct buf *out)
{
    CURL *h = curl_easy_init();
    char url[512];
    long status = 0;

    buf_reset(out);
    /* the fake over TLS: its control endpoints are not under test */
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d%s",
             E.tls && port == E.fport ? "https" : "http", port, path);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    buf_addc(out, '\0');
    out->len--;
    return status;
}

static void control(struct env *e, const char *path, const char *body)
{
    struct buf out;
    long st;

    buf_init(&out, 1 << 20);
    st = http(e->fport, "POST", path, body, &out);
    cr_assert_eq(st, 200, "%s %s: %ld %s", path, body, st, out.data);
    buf_fini(&out);
}

static void fault(struct env *e, const char *what, const char *res)
{
    char body[128];

    snprintf(body, sizeof(body), "{\"fault\":\"%s\",\"resource\":\"%s\"}",
             what, res);
    control(e, "/_control/fault", body);
}

static void dump(const struct env *e, const char *name, const struct buf *b)
{
    char path[320];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", e->dir, name);
    f = fopen(path, "w");
    if (!f)
        return;
    fwrite(b->data, 1, b->len, f);
    fclose(f);
}

/* Wait (bounded) until muster's cache equals the server's state. */
static void wait_equal(struct env *e, int64_t ms)
{
    int64_t end = mono_ms() + ms * test_slow();
    struct buf a, b;
    size_t i = 0;

    buf_init(&a, BUF_UNLIMITED);
    buf_init(&b, BUF_UNLIMITED);
    while (mono_ms() < end) {
        http(e->mport, "GET", "/debug/cache", NULL, &a);
        http(e->fport, "GET", "/_control/state", NULL, &b);
        if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0)
            goto out;
        usleep(100000);
    }
    while (i < a.len && i < b.len && a.data[i] == b.data[i])
        i++;
    e->keep = true;
    dump(e, "cache.json", &a);
    dump(e, "state.json", &b);
    cr_assert_fail("cache differs from the server at byte %zu:\nmuster: %.300s\n"
            "server: %.300s\n(logs in %s)", i, a.data + (i > 100 ? i - 100 : 0),
            b.data + (i > 100 ? i - 100 : 0), e->dir);
out:
    buf_fini(&a);
    buf_fini(&b);
}

static void wait_ready(struct env *e)
{
    int64_t end = mono_ms() + 15000 * test_slow();
    struct buf out;

    buf_init(&out, 1 << 20);
    while (mono_ms() < end &&
           http(e->mport, "GET", "/readyz", NULL, &out) != 200)
        usleep(50000);
    cr_assert_eq(http(e->mport, "GET", "/readyz", NULL, &out), 200,
                 "muster never became ready");
    buf_fini(&out);
}

/* ---- random cluster churn ---- */

#define NNODES 40
#define NPODS 400

struct churn {
    uint64_t seed;
    bool node_alive[NNODES];
    bool pod_alive[NPODS];
    unsigned pod_gen[NPODS];
};

static uint32_t rnd(struct churn *c, uint32_t n)
{
    c->seed = c->seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(c->seed >> 33) % n;
}

static void node_json(struct churn *c, struct buf *b, int i)
{
    static const char *const effects[] = {"NoSchedule", "PreferNoSchedule",
                                          "NoExecute"};

    buf_printf(b, "{\"metadata\":{\"name\":\"node-%d\",\"labels\":{\"zone\":"
               "\"z%u\",\"rack\":\"r%u\"}},\"spec\":{\"unschedulable\":%s",
               i, rnd(c, 3), rnd(c, 5), rnd(c, 5) ? "false" : "true");
    if (rnd(c, 3) == 0)
        buf_printf(b, ",\"taints\":[{\"key\":\"k%u\",\"value\":\"v\","
                   "\"effect\":\"%s\"}]", rnd(c, 3), effects[rnd(c, 3)]);
    buf_printf(b, "},\"status\":{\"allocatable\":{\"cpu\":\"%u\",\"memory\":"
               "\"%uGi\",\"pods\":\"110\",\"nvidia.com/gpu\":\"%u\"},"
               "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
               4 + rnd(c, 60), 8 + rnd(c, 500), rnd(c, 9),
               rnd(c, 6) ? "True" : "False");
}

static void pod_json(struct churn *c, struct buf *b, int i, bool recreate)
{
    static const char *const phases[] = {"Pending", "Running", "Running",
                                         "Succeeded", "Failed", "Unknown"};

    if (recreate)
        c->pod_gen[i]++;
    buf_printf(b, "{\"metadata\":{\"name\":\"pod-%d\",\"namespace\":\"ns%d\","
               "\"uid\":\"uid-%d-%u\",\"labels\":{\"app\":\"a%u\"}},"
               "\"spec\":{", i, i % 7, i, c->pod_gen[i], rnd(c, 4));
    if (rnd(c, 4))
        buf_printf(b, "\"nodeName\":\"node-%u\",", rnd(c, NNODES + 5));
    buf_printf(b, "\"priority\":%u,\"containers\":[{\"name\":\"c\","
               "\"resources\":{\"requests\":{\"cpu\":\"%um\",\"memory\":"
               "\"%uMi\"}}}]},\"status\":{\"phase\":\"%s\"}}",
               rnd(c, 1000), 1 + rnd(c, 4000), 1 + rnd(c, 8000),
               phases[rnd(c, ARRAY_LEN(phases))]);
}

/* One batch of 1..8 changes to one resource. */
static void churn_batch(struct env *e, struct churn *c, struct buf *b)
{
    bool pods = rnd(c, 10) < 7;
    int n = 1 + (int)rnd(c, 8);

    buf_reset(b);
    buf_addc(b, '[');
    for (int k = 0; k < n; k++) {
        int i = (int)rnd(c, pods ? NPODS : NNODES);
        bool *alive = pods ? &c->pod_alive[i] : &c->node_alive[i];

        if (k)
            buf_addc(b, ',');
        if (*alive && rnd(c, 6) == 0) {
            buf_printf(b, "{\"op\":\"delete\",\"name\":\"%s-%d\","
                       "\"namespace\":\"ns%d\"}", pods ? "pod" : "node", i,
                       i % 7);
            *alive = false;
            /* a later put of the same name is a new object */
            if (pods)
                c->pod_gen[i]++;
            continue;
        }
        buf_adds(b, "{\"op\":\"put\",\"object\":");
        if (pods)
            pod_json(c, b, i, *alive && rnd(c, 20) == 0);
        else
            node_json(c, b, i);
        buf_addc(b, '}');
        *alive = true;
    }
    buf_addc(b, ']');
    control(e, pods ? "/_control/pods" : "/_control/nodes", b->data);
}

static const char *const faults[][2] = {
    {"close_mid", "pods"},   {"close_mid", "nodes"}, {"error_event", "pods"},
    {"error_event", "nodes"}, {"http410", "pods"},   {"http500", "nodes"},
    {"http500", "pods"},     {"list500", "pods"},    {"compact", NULL},
};

/* Counter from GET /_control/stats, e.g. "lists\":{\"pods\"" */
static long stat_of(struct env *e, const char *kind, const char *res)
{
    struct buf out;
    char key[64];
    const char *p;
    long v = -1;

    buf_init(&out, 1 << 16);
    http(e->fport, "GET", "/_control/stats", NULL, &out);
    snprintf(key, sizeof(key), "\"%s\":{", kind);
    p = strstr(out.data, key);
    snprintf(key, sizeof(key), "\"%s\":", res);
    if (p && (p = strstr(p, key)))
        v = strtol(p + strlen(key), NULL, 10);
    buf_fini(&out);
    return v;
}

Test(watch, cache_mirrors_server_through_random_churn_and_faults,
     .fini = teardown)
{
    const char *extra[] = {"--watch-timeout", "3", NULL};
    struct churn c = {.seed = 20261123};
    struct env *ep = &E;
    struct buf b;

    env_init(ep);
    env_fake(ep, NULL);
    buf_init(&b, 1 << 20);
    /* some state before muster starts, so the first LIST has pages */
    for (int i = 0; i < 200; i++)
        churn_batch(ep, &c, &b);
    env_muster(ep, extra);
    wait_ready(ep);
    wait_equal(ep, 20000);
    for (int i = 0; i < 1500; i++) {
        churn_batch(ep, &c, &b);
        if (i % 40 == 39) {
            const char *const *f = faults[rnd(&c, ARRAY_LEN(faults))];

            if (f[1])
                fault(ep, f[0], f[1]);
            else
                control(ep, "/_control/compact", "{}");
        }
        if (i % 300 == 299)
            wait_equal(ep, 30000);   /* also mid-way, not only at the end */
    }
    wait_equal(ep, 30000);
    /* the faults really happened: muster relisted and re-watched */
    cr_assert_gt(stat_of(ep, "lists", "pods"), 1);
    cr_assert_gt(stat_of(ep, "lists", "nodes"), 1);
    cr_assert_gt(stat_of(ep, "watches", "pods"), 5);
    buf_fini(&b);
    env_fini(ep);
}

Test(watch, stalled_watch_is_abandoned_and_resumed, .fini = teardown)
{
    const char *extra[] = {"--watch-timeout", "2", NULL};
    struct churn c = {.seed = 7};
    struct env *ep = &E;
    struct buf b;

    env_init(ep);
    env_fake(ep, NULL);
    buf_init(&b, 1 << 20);
    env_muster(ep, extra);
    wait_ready(ep);
    fault(ep, "stall", "pods");
    fault(ep, "stall", "nodes");
    for (int i = 0; i < 50; i++)
        churn_batch(ep, &c, &b);
    /* a stalled stream is given up after timeoutSeconds * 1.5 + 5 s */
    wait_equal(ep, 30000);
    /* ...and counted as such in /metrics */
    http(ep->mport, "GET", "/metrics", NULL, &b);
    cr_assert(strstr(b.data, "muster_watch_ends_total{resource=\"pods\","
                             "cause=\"stalled\"} 1\n"), "%s", b.data);
    cr_assert(strstr(b.data, "muster_watch_lists_total{resource=\"nodes\"} "
                             "1\n"), "%s", b.data);
    buf_fini(&b);
    env_fini(ep);
}

static const char node1[] =
    "[{\"op\":\"put\",\"object\":{\"metadata\":{\"name\":\"n1\"},\"status\":"
    "{\"allocatable\":{\"cpu\":\"4\",\"pods\":\"10\"},\"conditions\":[{"
    "\"type\":\"Ready\",\"status\":\"True\"}]}}}]";
static const char pods2[] =
    "[{\"op\":\"put\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":"
    "\"ml\",\"uid\":\"ua\"},\"spec\":{\"containers\":[{\"name\":\"c\","
    "\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}}},"
    "{\"op\":\"put\",\"object\":{\"metadata\":{\"name\":\"b\",\"namespace\":"
    "\"ml\",\"uid\":\"ub\"},\"spec\":{\"containers\":[{\"name\":\"c\","
    "\"resources\":{\"requests\":{\"cpu\":\"2\"}}}]}}}]";

static void bind_call(struct env *e, const char *pod, const char *uid,
                      const char *node, struct buf *out)
{
    char body[256];

    snprintf(body, sizeof(body), "{\"PodName\":\"%s\",\"PodNamespace\":"
             "\"ml\",\"PodUID\":\"%s\",\"Node\":\"%s\"}", pod, uid, node);
    cr_assert_eq(http(e->mport, "POST", "/bind", body, out), 200);
}

Test(bind, success_retry_conflict_and_not_found, .fini = teardown)
{
    struct env *ep = &E;
    struct buf out;

    env_init(ep);
    env_fake(ep, NULL);
    buf_init(&out, 1 << 20);
    control(ep, "/_control/nodes", node1);
    control(ep, "/_control/pods", pods2);
    env_muster(ep, NULL);
    wait_ready(ep);
    bind_call(ep, "a", "ua", "n1", &out);
    cr_assert_str_eq(out.data, "{\"Error\":\"\"}");
    http(ep->fport, "GET", "/_control/state", NULL, &out);
    cr_assert(strstr(out.data, "\"uid\":\"ua\",\"nodeName\":\"n1\""), "%s",
              out.data);
    /* the same bind again (a lost reply retried) is a success */
    bind_call(ep, "a", "ua", "n1", &out);
    cr_assert_str_eq(out.data, "{\"Error\":\"\"}");
    wait_equal(ep, 10000);
    bind_call(ep, "a", "ua", "n2", &out);
    cr_assert(strstr(out.data, "already assigned to node"), "%s", out.data);
    bind_call(ep, "gone", "ug", "n1", &out);
    cr_assert(strstr(out.data, "not found"), "%s", out.data);
    /* a recreated pod: the uid precondition fails */
    bind_call(ep, "b", "old-uid", "n1", &out);
    cr_assert_neq(strcmp(out.data, "{\"Error\":\"\"}"), 0, "%s", out.data);
    http(ep->fport, "GET", "/_control/state", NULL, &out);
    cr_assert(strstr(out.data, "\"uid\":\"ub\",\"nodeName\":null"), "%s",
              out.data);
    buf_fini(&out);
    env_fini(ep);
}

Test(bind, unconfirmed_assumption_holds_then_expires, .fini = teardown)
{
    const char *extra[] = {"--assume-ttl", "2", NULL};
    struct env *ep = &E;
    struct buf out;
    int64_t t0;

    env_init(ep);
    env_fake(ep, NULL);
    buf_init(&out, 1 << 20);
    control(ep, "/_control/nodes", node1);
    control(ep, "/_control/pods", pods2);
    env_muster(ep, extra);
    wait_ready(ep);
    /* the API server accepts the bind but the watch never shows it */
    fault(ep, "bind_noop", "pods");
    t0 = mono_ms();
    bind_call(ep, "b", "ub", "n1", &out);
    cr_assert_str_eq(out.data, "{\"Error\":\"\"}");
    http(ep->mport, "GET", "/debug/cache", NULL, &out);
    cr_assert(strstr(out.data, "\"used\":{\"cpu\":2000,\"pods\":1}"), "%s",
              out.data);
    cr_assert(strstr(out.data, "\"assumed\":true"), "%s", out.data);
    /* an event for the pod that still shows it unbound keeps the claim */
    control(ep, "/_control/pods", pods2);
    usleep(300000);
    http(ep->mport, "GET", "/debug/cache", NULL, &out);
    if (mono_ms() - t0 < 1800)
        cr_assert(strstr(out.data, "\"assumed\":true"), "%s", out.data);
    /* then the TTL runs out and the cache matches the server again */
    wait_equal(ep, 10000);
    cr_assert_geq(mono_ms() - t0, 2000);
    buf_fini(&out);
    env_fini(ep);
}

static void write_token(const char *dir, const char *tok)
{
    char path[320], tmp[340];
    FILE *f;

    snprintf(path, sizeof(path), "%s/token", dir);
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    f = fopen(tmp, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s\n", tok);
    fclose(f);
    cr_assert_eq(rename(tmp, path), 0);
}

Test(auth, rotated_token_file_is_picked_up, .fini = teardown)
{
    char tok[320];
    const char *extra[] = {"--token-file", tok, "--watch-timeout", "1", NULL};
    struct churn c = {.seed = 99};
    struct env *ep = &E;
    struct buf b;

    env_init(ep);
    snprintf(tok, sizeof(tok), "%s/token", ep->dir);
    write_token(ep->dir, "token-one");
    env_fake(ep, tok);
    buf_init(&b, 1 << 20);
    env_muster(ep, extra);
    wait_ready(ep);
    write_token(ep->dir, "token-two-rotated");
    for (int i = 0; i < 30; i++)
        churn_batch(ep, &c, &b);
    wait_equal(ep, 20000);
    buf_fini(&b);
    env_fini(ep);
}

Test(watch, not_ready_until_both_lists_are_in, .fini = teardown)
{
    struct env *ep = &E;
    struct buf out;
    char body[] = "{\"fault\":\"list500\",\"resource\":\"nodes\","
                  "\"count\":5}";
    const char *filter = "{\"Pod\":{\"metadata\":{\"name\":\"x\","
                         "\"namespace\":\"d\",\"uid\":\"u\"},\"spec\":{"
                         "\"containers\":[]}},\"NodeNames\":[\"n1\"]}";

    env_init(ep);
    env_fake(ep, NULL);
    buf_init(&out, 1 << 20);
    control(ep, "/_control/nodes", node1);
    control(ep, "/_control/fault", body);
    env_muster(ep, NULL);
    /* five failed node LISTs back off for at least 3 s in all */
    cr_assert_neq(http(ep->mport, "GET", "/readyz", NULL, &out), 200);
    cr_assert_eq(http(ep->mport, "POST", "/filter", filter, &out), 200);
    cr_assert(strstr(out.data, "\"Error\":\"") &&
              !strstr(out.data, "\"Error\":\"\""), "%s", out.data);
    wait_ready(ep);
    cr_assert_geq(stat_of(ep, "lists", "nodes"), 6);
    /* once ready, the same call is answered */
    cr_assert_eq(http(ep->mport, "POST", "/filter", filter, &out), 200);
    cr_assert(strstr(out.data, "\"Error\":\"\"") ||
              !strstr(out.data, "\"Error\""), "%s", out.data);
    wait_equal(ep, 10000);
    buf_fini(&out);
    env_fini(ep);
}

/* ---- kubeconfig mode, over TLS ---- */

/* A self-signed certificate for 127.0.0.1 (dir/cert.pem, key.pem) and its
 * base64 (dir/cert.b64). RET false when openssl is not installed. */
static bool make_cert(const char *dir)
{
    char cmd[512];

    if (system("openssl version >/dev/null 2>&1") != 0)
        return false;
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout "
             "key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 -addext "
             "subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 && openssl base64 "
             "-A -in cert.pem -out cert.b64", dir);
    cr_assert_eq(system(cmd), 0, "openssl failed");
    return true;
}

/* Write dir/kubeconfig for the fake: `cluster_extra` goes into the
 * cluster entry (CA or insecure flag), the user authenticates with a token
 * the fake checks. */
static void write_kubeconfig(struct env *e, const char *cluster_extra)
{
    char path[320];
    FILE *f;

    snprintf(path, sizeof(path), "%s/token", e->dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("kubeconfig-token\n", f);
    fclose(f);
    snprintf(e->kubeconfig, sizeof(e->kubeconfig), "%s/kubeconfig", e->dir);
    f = fopen(e->kubeconfig, "w");
    cr_assert_not_null(f);
    fprintf(f, "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
               "clusters:\n- name: fake\n  cluster:\n"
               "    server: https://127.0.0.1:%d\n%s"
               "contexts:\n- name: test\n  context: {cluster: fake, user: me}\n"
               "users:\n- name: me\n  user:\n    token: kubeconfig-token\n",
            e->fport, cluster_extra);
    fclose(f);
}

static void tls_fake(struct env *e)
{
    char tok[320];

    env_init(e);
    if (!make_cert(e->dir))
        cr_skip_test("openssl is not installed");
    e->tls = true;
    snprintf(tok, sizeof(tok), "%s/token", e->dir);
    write_kubeconfig(e, "");   /* the token file the fake reads */
    env_fake(e, tok);
}

static char *cert_b64(const struct env *e)
{
    char path[320], *data = NULL;
    size_t cap = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/cert.b64", e->dir);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_gt(getline(&data, &cap, f), 100);
    fclose(f);
    data[strcspn(data, "\n")] = '\0';
    return data;
}

Test(kubeconfig, tls_with_ca_data_and_token, .fini = teardown)
{
    struct churn c = {.seed = 5};
    struct env *ep = &E;
    char extra[4096], *b64;
    struct buf b;

    tls_fake(ep);
    b64 = cert_b64(ep);
    snprintf(extra, sizeof(extra), "    certificate-authority-data: %s\n",
             b64);
    free(b64);
    write_kubeconfig(ep, extra);
    env_muster(ep, NULL);
    wait_ready(ep);
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 20; i++)
        churn_batch(ep, &c, &b);
    wait_equal(ep, 15000);
    buf_fini(&b);
}

/* RET true once the file holds both strings (bounded wait). */
static bool log_has(const char *path, const char *a, const char *b,
                    int64_t ms)
{
    int64_t end = mono_ms() + ms * test_slow();
    char *text = NULL;
    size_t cap = 0;
    bool found = false;

    while (!found && mono_ms() < end) {
        FILE *f = fopen(path, "r");

        if (f) {
            found = getdelim(&text, &cap, '\0', f) > 0 && strstr(text, a) &&
                    strstr(text, b);
            fclose(f);
        }
        if (!found)
            usleep(100000);
    }
    free(text);
    return found;
}

Test(kubeconfig, tls_is_verified_by_default, .fini = teardown)
{
    struct env *ep = &E;
    char log[320], url[64];
    struct buf out;

    tls_fake(ep);
    write_kubeconfig(ep, "");   /* no CA: the self-signed cert must fail */
    env_muster(ep, NULL);
    /* the log names the URL and the cause */
    snprintf(log, sizeof(log), "%s/muster.log", ep->dir);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/v1/", ep->fport);
    cr_assert(log_has(log, url, "certificate", 15000),
              "no log line naming %s and the certificate (see %s)", url, log);
    buf_init(&out, 1 << 16);
    cr_assert_neq(http(ep->mport, "GET", "/readyz", NULL, &out), 200);
    buf_fini(&out);
}

Test(kubeconfig, insecure_skip_tls_verify_connects, .fini = teardown)
{
    struct env *ep = &E;

    tls_fake(ep);
    write_kubeconfig(ep, "    insecure-skip-tls-verify: true\n");
    env_muster(ep, NULL);
    wait_ready(ep);
    wait_equal(ep, 10000);
}

Test(watch, retry_after_of_a_429_is_honoured, .fini = teardown)
{
    const char *extra[] = {"--watch-timeout", "1", NULL};
    struct env *ep = &E;
    int64_t end;
    long gap = 0;

    env_init(ep);
    env_fake(ep, NULL);
    env_muster(ep, extra);
    wait_ready(ep);
    fault(ep, "http429", "pods");
    /* the fake reports the time from its 429 to the next pods watch */
    end = mono_ms() + 15000;
    while (mono_ms() < end && (gap = stat_of(ep, "gap429", "pods")) <= 0)
        usleep(100000);
    cr_assert_geq(gap, 1900, "next watch %ld ms after a Retry-After: 2",
                  gap);
}
