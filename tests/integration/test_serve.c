/* test_serve.c - `muster serve` as kube-scheduler sees it: started on an
 * ephemeral 127.0.0.1 port, driven with libcurl over keep-alive connections
 * with request bodies shaped exactly like kube-scheduler's (its own
 * captured bodies, and the demo bodies), for every verb in both
 * nodeCacheCapable modes, plus bad requests, concurrent binds, /metrics and
 * a clean SIGTERM. Only the PIDs started here are ever signalled. */
#include "common.h"
#include "util/buf.h"
#include "test_slow.h"
#include "util/jscan.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DATA "tests/data/extender/"
#define CAPTURED DATA "captured/v1.20.2-preemptfix/"

struct server {
    pid_t pid;
    int port;
    char dir[64];
};

/* The server of the running test (each test runs in its own process), so
 * that a failed assertion still stops it (.fini). */
static struct server srv;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[65536];
    size_t n;

    cr_assert(f, "cannot open %s", path);
    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "");
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return buf_steal(&b, len);
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    buf_add(ud, p, sz * n);
    return sz * n;
}

/* One request on a reusable handle (keep-alive). RET the status; *out
 * holds the body. method NULL: POST when body, else GET. */
static long http(CURL *h, int port, const char *method, const char *path,
                 const char *body, size_t len, struct buf *out)
{
    char url[256];
    long status = 0;
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: "
                                                     "application/json");

    buf_reset(out);
    buf_adds(out, "");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (method)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    cr_assert_eq(curl_easy_perform(h), CURLE_OK, "%s failed", path);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    return status;
}

static long post(CURL *h, int port, const char *path, const char *body,
                 struct buf *out)
{
    return http(h, port, NULL, path, body, strlen(body), out);
}

static void start_server(struct server *s, const char *const *extra)
{
    const char *bin = getenv("MUSTER_BIN");
    char portfile[128], logfile[128], *argv[32];
    size_t n = 0, len;
    CURL *h;
    struct buf out;

    cr_assert(bin, "MUSTER_BIN is not set (run through make test)");
    snprintf(s->dir, sizeof(s->dir), "/tmp/muster-serve-XXXXXX");
    cr_assert(mkdtemp(s->dir));
    snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
    snprintf(logfile, sizeof(logfile), "%s/log", s->dir);
    argv[n++] = (char *)bin;
    argv[n++] = "serve";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    argv[n++] = "--policy";
    argv[n++] = "policies/default.json";
    for (size_t i = 0; extra && extra[i]; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    s->pid = fork();
    cr_assert_geq(s->pid, 0);
    if (s->pid == 0) {
        int fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        /* dies with the test process, even when Criterion kills it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* never hold the test runner's stdout/stderr open */
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execv(bin, argv);
        _exit(127);
    }
    for (int i = 0; i < 200 * test_slow() && access(portfile, R_OK) != 0;
         i++)
        sleep_ms(25);
    {
        char *txt = slurp(portfile, &len);
        int port = 0;

        for (char *p = txt; *p >= '0' && *p <= '9'; p++)
            port = port * 10 + (*p - '0');
        free(txt);
        s->port = port;
    }
    cr_assert_gt(s->port, 0, "no port written");
    h = curl_easy_init();
    buf_init(&out, BUF_UNLIMITED);
    for (int i = 0; i < 200 * test_slow() &&
                    http(h, s->port, NULL, "/readyz", NULL, 0, &out) != 200;
         i++)
        sleep_ms(25);
    cr_assert_eq(http(h, s->port, NULL, "/readyz", NULL, 0, &out), 200);
    buf_fini(&out);
    curl_easy_cleanup(h);
}

/* .fini of every test: a test that failed half-way leaves no process. */
static void cleanup(void)
{
    if (srv.pid > 0) {
        test_reap(srv.pid);
        srv.pid = 0;
    }
}

/* SIGTERM, then wait at most 5 s for exit status 0. */
static void stop_server(struct server *s)
{
    int status = 0;
    pid_t r = 0;
    char path[160];

    kill(s->pid, SIGTERM);
    for (int i = 0; i < 200 * test_slow() &&
                    (r = waitpid(s->pid, &status, WNOHANG)) == 0;
         i++)
        sleep_ms(25);
    if (r == 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
        s->pid = 0;
        cr_assert_fail("muster did not stop within 5 s of SIGTERM");
    }
    s->pid = 0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "muster exited with status 0x%x", status);
    snprintf(path, sizeof(path), "%s/port", s->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/log", s->dir);
    unlink(path);
    rmdir(s->dir);
}

/* Send raw bytes on a fresh connection; RET the status code of the reply
 * (0 if the server closed without one). Bounded by a 5 s receive timeout. */
static int raw_request(int port, const char *head, const char *body,
                       size_t len, bool half_close)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct timeval tv = {5, 0};
    char reply[512] = "";
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;
    ssize_t got;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, body + off, len - off);

        if (w <= 0)
            break;   /* the server may stop reading after a 413 */
        off += (size_t)w;
    }
    if (half_close)
        shutdown(fd, SHUT_WR);
    got = read(fd, reply, sizeof(reply) - 1);
    if (got > 12 && strncmp(reply, "HTTP/1.1 ", 9) == 0)
        status = (reply[9] - '0') * 100 + (reply[10] - '0') * 10 +
                 (reply[11] - '0');
    close(fd);
    return status;
}

static cJSON *json(const struct buf *b)
{
    cJSON *j = cJSON_Parse(b->data);

    cr_assert(j, "not JSON: %s", b->data);
    return j;
}

static cJSON *get(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    cr_assert(v, "no field %s", k);
    return v;
}

/* Is name a word of the space-separated list? */
static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = strstr(list, name); p; p = strstr(p + 1, name)) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    }
    return false;
}

static int list_len(const char *list)
{
    int n = 0;

    for (const char *p = list; *p; p++)
        n += (p == list || p[-1] == ' ') && *p != ' ';
    return n;
}

/* Every field of a filter answer: the node list in the request's mode
 * (passing nodes echoed unchanged, in order), the other one null, exactly
 * the expected names in FailedNodes and FailedAndUnresolvableNodes
 * (space-separated), and an empty Error. */
static void check_filter(const char *req_text, const struct buf *ans,
                         const char *failed, const char *unres)
{
    cJSON *req = cJSON_Parse(req_text), *a = json(ans), *it;
    cJSON *rnodes = get(req, "Nodes"), *rnames = get(req, "NodeNames");
    cJSON *fn = get(a, "FailedNodes");
    cJSON *fu = get(a, "FailedAndUnresolvableNodes");
    bool cache = cJSON_IsArray(rnames);
    cJSON *list = cache ? get(a, "NodeNames")
                        : get(get(a, "Nodes"), "items");
    cJSON *rlist = cache ? rnames : get(rnodes, "items");
    int k = 0;

    cr_assert_str_eq(get(a, "Error")->valuestring, "");
    cr_assert(cJSON_IsNull(get(a, cache ? "Nodes" : "NodeNames")));
    if (!cache)
        cr_assert_eq(cJSON_GetArraySize(get(get(a, "Nodes"), "metadata")),
                     0);
    cJSON_ArrayForEach(it, rlist) {
        const char *name = cache ? it->valuestring
                                 : get(get(it, "metadata"), "name")
                                       ->valuestring;

        if (in_list(failed, name) || in_list(unres, name)) {
            cr_assert(cJSON_IsString(get(in_list(failed, name) ? fn : fu,
                                         name)), "%s: no reason", name);
            continue;
        }
        cr_assert(cJSON_Compare(cJSON_GetArrayItem(list, k++), it, true),
                  "node %s not echoed unchanged", name);
    }
    cr_assert_eq(cJSON_GetArraySize(list), k);
    cr_assert_eq(cJSON_GetArraySize(fn), list_len(failed), "%s", ans->data);
    cr_assert_eq(cJSON_GetArraySize(fu), list_len(unres), "%s", ans->data);
    cJSON_Delete(req);
    cJSON_Delete(a);
}

static void check_prioritize(const char *req_text, const struct buf *ans)
{
    cJSON *req = cJSON_Parse(req_text), *a = json(ans), *e;
    cJSON *names = get(req, "NodeNames");
    cJSON *items = cJSON_IsArray(names) ? names : get(get(req, "Nodes"),
                                                      "items");
    int i = 0;

    cr_assert_eq(cJSON_GetArraySize(a), cJSON_GetArraySize(items));
    cJSON_ArrayForEach(e, a) {
        cJSON *r = cJSON_GetArrayItem(items, i++);
        const char *want = cJSON_IsString(r) ? r->valuestring
                                             : get(get(r, "metadata"), "name")
                                                   ->valuestring;
        double score = get(e, "Score")->valuedouble;

        cr_assert_eq(cJSON_GetArraySize(e), 2);
        cr_assert_str_eq(get(e, "Host")->valuestring, want);
        cr_assert(score >= 0 && score <= 10 && score == (int)score);
    }
    /* integers only: Go rejects 5.0 for an int64 */
    cr_assert_null(strstr(ans->data, "."), "%s", ans->data);
    cJSON_Delete(req);
    cJSON_Delete(a);
}

/* kube-scheduler v1.20.2 (with the preemption fix): its own bodies, in its
 * order. The snapshot never sees the victim's deletion, so after
 * preemption node-b is still full: gpu-high fails there, retryably. */
Test(serve, captured_bodies_every_verb_both_modes_keep_alive,
     .timeout = 60, .fini = cleanup)
{
    static const char *const files[] = {
        "001-nocache-filter", "002-nocache-prioritize", "003-nocache-bind",
        "004-nocache-filter", "005-cache-filter", "006-nocache-prioritize",
        "007-cache-prioritize", "008-nocache-bind", "009-nocache-preempt",
        "010-cache-preempt", "011-nocache-filter", "012-cache-filter",
        "013-nocache-bind"};
    static const char *const extra[] = {
        "--snapshot", DATA "captured-cluster.json", NULL};
    struct buf out;
    CURL *h = curl_easy_init();
    long conns = -1;

    start_server(&srv, extra);
    buf_init(&out, BUF_UNLIMITED);
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        char path[256], url[64];
        size_t len;
        char *body;
        const char *verb = strrchr(files[i], '-') + 1;

        snprintf(path, sizeof(path), CAPTURED "%s.request.json", files[i]);
        /* the captured urlPrefix had a path: /nocache/filter, /cache/... */
        snprintf(url, sizeof(url), "/%.*s/%s",
                 (int)(strrchr(files[i], '-') - files[i] - 4), files[i] + 4,
                 verb);
        body = slurp(path, &len);
        cr_assert_eq(http(h, srv.port, NULL, url, body, len, &out), 200,
                     "%s: %s", url, out.data);
        if (!strcmp(verb, "filter"))
            check_filter(body, &out, i >= 10 ? "node-b" : "", "");
        else if (!strcmp(verb, "prioritize"))
            check_prioritize(body, &out);
        else if (!strcmp(verb, "bind"))
            cr_assert_str_eq(out.data, "{\"Error\":\"\"}");
        else
            cr_assert_str_eq(out.data, "{\"NodeNameToMetaVictims\":{"
                             "\"node-b\":{\"Pods\":[{\"UID\":\"914ddea7-68a9-"
                             "4994-bdb9-132524313c3c\"}],\"NumPDBViolations\""
                             ":0}}}");
        if (i > 0) {
            curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
            cr_assert_eq(conns, 0, "%s opened a new connection", url);
        }
        free(body);
    }
    buf_fini(&out);
    curl_easy_cleanup(h);
    stop_server(&srv);
}

/* The embedded demo cluster (no cluster flag) and the README's bodies. */
Test(serve, demo_bodies_on_the_embedded_cluster,
     .timeout = 60, .fini = cleanup)
{
    struct buf out;
    CURL *h = curl_easy_init();
    size_t len;
    char *body;
    cJSON *a;

    start_server(&srv, NULL);
    buf_init(&out, BUF_UNLIMITED);
    body = slurp(DATA "filter-gpu.json", &len);
    cr_assert_eq(http(h, srv.port, NULL, "/filter", body, len, &out), 200);
    free(body);
    a = json(&out);
    cr_assert(cJSON_IsNull(get(a, "Nodes")));
    cr_assert(strstr(out.data, "\"NodeNames\":[\"gpu-r0-n2\",\"gpu-r1-n0\","
                               "\"gpu-r3-n1\"]"), "%s", out.data);
    /* gpu-r0-n0 is full (retryable); taint, NotReady, no GPU, unknown:
     * preemption cannot help */
    cr_assert(cJSON_IsString(get(get(a, "FailedNodes"), "gpu-r0-n0")));
    cr_assert_eq(cJSON_GetArraySize(get(a, "FailedNodes")), 1);
    cr_assert_eq(cJSON_GetArraySize(get(a, "FailedAndUnresolvableNodes")), 4);
    cr_assert_str_eq(get(get(a, "FailedAndUnresolvableNodes"), "gpu-r9-n9")
                         ->valuestring, "node unknown to muster's cache");
    cr_assert_str_eq(get(a, "Error")->valuestring, "");
    cJSON_Delete(a);

    body = slurp(DATA "filter-nodes-gpu.json", &len);
    cr_assert_eq(http(h, srv.port, NULL, "/filter", body, len, &out), 200);
    check_filter(body, &out, "gpu-r0-n0", "gpu-r1-n3 cpu-0");
    free(body);

    body = slurp(DATA "prioritize-gpu.json", &len);
    cr_assert_eq(http(h, srv.port, NULL, "/prioritize", body, len, &out), 200);
    check_prioritize(body, &out);
    free(body);

    body = slurp(DATA "preempt-gpu.json", &len);
    cr_assert_eq(http(h, srv.port, NULL, "/preempt", body, len, &out), 200);
    /* evicting both pods frees gpu-r1-n0; on gpu-r3-n1 the victim is not
     * even there, so 4 GPUs stay used and the node is dropped */
    cr_assert_str_eq(out.data, "{\"NodeNameToMetaVictims\":{\"gpu-r1-n0\":{"
                     "\"Pods\":[{\"UID\":\"7d96fb6b-05d6-4a7d-a219-"
                     "7e527bf23f84\"},{\"UID\":\"a9431093-4f90-4c13-a53a-"
                     "14cd68b6042f\"}],\"NumPDBViolations\":0}}}");
    free(body);

    body = slurp(DATA "bind-gpu.json", &len);
    cr_assert_eq(http(h, srv.port, NULL, "/bind", body, len, &out), 200);
    cr_assert_str_eq(out.data, "{\"Error\":\"\"}");
    free(body);
    buf_fini(&out);
    curl_easy_cleanup(h);
    stop_server(&srv);
}

struct bad_req {
    const char *path;
    const char *body;
    long status;
    const char *answer_has;
};

#define BAD_POD                                                                \
    "{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\",\"uid\":\"u\"},"      \
    "\"spec\":{\"containers\":[{\"name\":\"c\"}]}}"

static const struct bad_req bad_reqs[] = {
    {"/filter", "", 400, "\"Error\":\"request body is empty"},
    {"/filter", "hello", 400, "\"Error\":\"request body is not JSON"},
    {"/filter", "{\"Pod\":" BAD_POD ",\"NodeNames\":[\"cpu-0\"", 200,
     "{\"Nodes\":null,\"NodeNames\":null,\"FailedNodes\":null,"
     "\"FailedAndUnresolvableNodes\":null,\"Error\":\"bad ExtenderArgs"},
    {"/filter", "{\"Pod\":7,\"NodeNames\":[\"cpu-0\"]}", 200,
     "\"Error\":\"bad ExtenderArgs: Pod"},
    {"/filter", "{\"NodeNames\":[\"cpu-0\"]}", 200,
     "\"Error\":\"ExtenderArgs has no Pod\""},
    {"/filter", "{\"Pod\":" BAD_POD ",\"NodeNames\":{}}", 200,
     "\"Error\":\"bad ExtenderArgs: NodeNames"},
    {"/prioritize", "{\"Pod\":" BAD_POD "}", 400,
     "{\"Error\":\"ExtenderArgs has neither Nodes nor NodeNames\"}"},
    {"/preempt", "{\"Pod\":" BAD_POD ",\"NodeNameToMetaVictims\":[]}", 200,
     "{\"NodeNameToMetaVictims\":null,\"Error\":\"bad "
     "ExtenderPreemptionArgs: NodeNameToMetaVictims"},
    {"/bind", "{\"PodName\":\"p\",\"PodNamespace\":\"d\",\"PodUID\":\"u\","
              "\"Node\":\"cpu-0\"}", 200,
     "{\"Error\":\"pod d/p (u) unknown: "},
    {"/bind", "[]", 200, "{\"Error\":\"bad ExtenderBindingArgs: request "
                         "body must be a JSON object"},
    {"/bind", "{\"PodName\":\"p\"", 200, "{\"Error\":\"bad "
                                         "ExtenderBindingArgs"},
};

Test(serve, bad_requests_get_clear_errors_and_the_server_lives_on,
     .timeout = 60, .fini = cleanup)
{
    static const char *const extra[] = {"--max-body", "64Ki", NULL};
    struct buf out;
    CURL *h = curl_easy_init();
    char head[256], *big = malloc(100 << 10);

    start_server(&srv, extra);
    buf_init(&out, BUF_UNLIMITED);
    for (size_t i = 0; i < ARRAY_LEN(bad_reqs); i++) {
        const struct bad_req *b = &bad_reqs[i];

        cr_assert_eq(post(h, srv.port, b->path, b->body, &out), b->status,
                     "case %zu: %s", i, out.data);
        cr_assert(strstr(out.data, b->answer_has), "case %zu: %s", i,
                  out.data);
    }
    cr_assert_eq(http(h, srv.port, "GET", "/filter", NULL, 0, &out), 405);
    cr_assert(strstr(out.data, "method not allowed"));
    cr_assert_eq(post(h, srv.port, "/schedule", "{}", &out), 404);
    cr_assert_str_eq(out.data, "{\"Error\":\"POST /schedule: no such "
                               "endpoint\"}");
    cr_assert_eq(http(h, srv.port, "DELETE", "/healthz", NULL, 0, &out), 405);
    /* over --max-body, by Content-Length and by a chunked stream */
    memset(big, ' ', 100 << 10);
    big[0] = '{';
    cr_assert_eq(http(h, srv.port, NULL, "/filter", big, 100 << 10, &out), 413);
    cr_assert(strstr(out.data, "larger than 65536 bytes (--max-body)"),
              "%s", out.data);
    {
        struct buf chunked;

        buf_init(&chunked, BUF_UNLIMITED);
        for (int i = 0; i < 20; i++) {
            buf_adds(&chunked, "1000\r\n");
            buf_add(&chunked, big, 0x1000);
            buf_adds(&chunked, "\r\n");
        }
        buf_adds(&chunked, "0\r\n\r\n");
        cr_assert_eq(raw_request(srv.port,
                                 "POST /filter HTTP/1.1\r\nHost: x\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n",
                                 chunked.data, chunked.len, false), 413);
        buf_fini(&chunked);
    }
    /* a body cut short: the client promised 1000 bytes and hung up */
    snprintf(head, sizeof(head), "POST /filter HTTP/1.1\r\nHost: x\r\n"
             "Content-Length: 1000\r\n\r\n");
    cr_assert_eq(raw_request(srv.port, head, "{\"Pod\":{", 8, true), 0);
    cr_assert_eq(http(h, srv.port, NULL, "/healthz", NULL, 0, &out), 200);
    cr_assert_str_eq(out.data, "ok\n");
    free(big);
    buf_fini(&out);
    curl_easy_cleanup(h);
    stop_server(&srv);
}

struct binder {
    int port;
    int first, count;
    int ok;
};

#define NBIND_THREADS 4
#define NBIND_EACH 8

static void *bind_many(void *arg)
{
    struct binder *b = arg;
    CURL *h = curl_easy_init();
    struct buf out;
    char body[512];

    buf_init(&out, BUF_UNLIMITED);
    for (int i = b->first; i < b->first + b->count; i++) {
        /* filter and prioritize race the other threads' binds */
        snprintf(body, sizeof(body), "{\"Pod\":{\"metadata\":{\"name\":"
                 "\"x-%d\",\"namespace\":\"ml\",\"uid\":\"uid-x-%d\"},"
                 "\"spec\":{}},\"NodeNames\":[\"cpu-0\",\"cpu-1\"]}", i, i);
        if (post(h, b->port, "/filter", body, &out) != 200 ||
            post(h, b->port, "/prioritize", body, &out) != 200)
            continue;
        snprintf(body, sizeof(body), "{\"PodName\":\"w-%d\",\"PodNamespace\":"
                 "\"ml\",\"PodUID\":\"uid-w-%d\",\"Node\":\"cpu-%d\"}", i, i,
                 i % 3);
        if (post(h, b->port, "/bind", body, &out) == 200 &&
            strcmp(out.data, "{\"Error\":\"\"}") == 0)
            b->ok++;
    }
    buf_fini(&out);
    curl_easy_cleanup(h);
    return NULL;
}

/* kube-scheduler binds in parallel: every bind lands, none is lost. */
Test(serve, concurrent_binds_all_land_in_the_cache,
     .timeout = 60, .fini = cleanup)
{
    static const char *const extra[] = {"--debug-endpoints", NULL};
    struct binder b[NBIND_THREADS];
    pthread_t t[NBIND_THREADS];
    struct buf out;
    CURL *h = curl_easy_init();
    char body[1024], name[64];
    cJSON *dump, *p;
    int bound = 0;

    start_server(&srv, extra);
    buf_init(&out, BUF_UNLIMITED);
    for (int i = 0; i < NBIND_THREADS * NBIND_EACH; i++) {
        snprintf(body, sizeof(body), "{\"Pod\":{\"metadata\":{\"name\":"
                 "\"w-%d\",\"namespace\":\"ml\",\"uid\":\"uid-w-%d\"},"
                 "\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{"
                 "\"requests\":{\"cpu\":\"100m\"}}}]},\"status\":{}},"
                 "\"Nodes\":null,\"NodeNames\":[\"cpu-0\",\"cpu-1\","
                 "\"cpu-2\"]}", i, i);
        cr_assert_eq(post(h, srv.port, "/filter", body, &out), 200);
    }
    for (int i = 0; i < NBIND_THREADS; i++) {
        b[i] = (struct binder){srv.port, i * NBIND_EACH, NBIND_EACH, 0};
        pthread_create(&t[i], NULL, bind_many, &b[i]);
    }
    for (int i = 0; i < NBIND_THREADS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(b[i].ok, NBIND_EACH, "thread %d", i);
    }
    cr_assert_eq(http(h, srv.port, NULL, "/debug/cache", NULL, 0, &out), 200);
    dump = json(&out);
    cJSON_ArrayForEach(p, get(dump, "pods")) {
        cJSON *nn = cJSON_GetObjectItem(p, "nodeName");

        snprintf(name, sizeof(name), "%s", get(p, "name")->valuestring);
        if (strncmp(name, "w-", 2) == 0 && cJSON_IsString(nn) &&
            strncmp(nn->valuestring, "cpu-", 4) == 0)
            bound++;
    }
    cr_assert_eq(bound, NBIND_THREADS * NBIND_EACH);
    cJSON_Delete(dump);
    cr_assert_eq(http(h, srv.port, NULL, "/metrics", NULL, 0, &out), 200);
    cr_assert(strstr(out.data, "muster_requests_total{verb=\"bind\"} 32\n"),
              "%s", out.data);
    buf_fini(&out);
    curl_easy_cleanup(h);
    stop_server(&srv);
}

Test(serve, metrics_count_calls_latency_errors_rejections_and_cache,
     .timeout = 60, .fini = cleanup)
{
    static const char *const want[] = {
        "# TYPE muster_requests_total counter\n",
        "muster_requests_total{verb=\"filter\"} 2\n",
        "muster_requests_total{verb=\"prioritize\"} 0\n",
        "muster_request_errors_total{verb=\"filter\"} 1\n",
        "# TYPE muster_request_duration_seconds histogram\n",
        "muster_request_duration_seconds_bucket{verb=\"filter\","
        "le=\"+Inf\"} 2\n",
        "muster_request_duration_seconds_count{verb=\"filter\"} 2\n",
        "muster_filter_rejections_total{plugin=\"muster\","
        "reason=\"unknown-node\"} 1\n",
        "muster_filter_rejections_total{plugin=\"taint-toleration\","
        "reason=\"taint\"} 1\n",
        "muster_cache_nodes 20\n",
        "muster_cache_pods ",
        "muster_cache_synced 1\n",
    };
    struct buf out;
    CURL *h = curl_easy_init();
    size_t len;
    char *body = slurp(DATA "filter-gpu.json", &len);

    start_server(&srv, NULL);
    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(http(h, srv.port, NULL, "/filter", body, len, &out), 200);
    cr_assert_eq(post(h, srv.port, "/filter", "{\"Pod\":null}", &out), 200);
    cr_assert_eq(http(h, srv.port, NULL, "/metrics", NULL, 0, &out), 200);
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        cr_assert(strstr(out.data, want[i]), "missing %s in\n%s", want[i],
                  out.data);
    free(body);
    buf_fini(&out);
    curl_easy_cleanup(h);
    stop_server(&srv);
}

/* Exit status of `muster serve ARGS` that must fail at once. */
static int serve_status(const char *const *args)
{
    const char *bin = getenv("MUSTER_BIN");
    char *argv[16];
    size_t n = 0;
    int status = 0;
    pid_t pid, r = 0;

    argv[n++] = (char *)bin;
    argv[n++] = "serve";
    for (size_t i = 0; args[i]; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        dup2(fd, STDERR_FILENO);
        execv(bin, argv);
        _exit(127);
    }
    for (int i = 0; i < 200 * test_slow() &&
                    (r = waitpid(pid, &status, WNOHANG)) == 0;
         i++)
        sleep_ms(25);
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        cr_assert_fail("muster serve did not exit on bad usage");
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(serve, bad_usage_exits_2_and_missing_files_fail, .timeout = 30,
     .fini = cleanup)
{
    static const char *const no_policy[] = {"--listen", "127.0.0.1:0", NULL};
    static const char *const unknown[] = {"--policy", "policies/default.json",
                                          "--frobnicate", NULL};
    static const char *const bad_port[] = {"--policy", "policies/default.json",
                                           "--listen", "127.0.0.1:99999",
                                           NULL};
    static const char *const two[] = {"--policy", "policies/default.json",
                                      "--snapshot", "a", "--kubeconfig", "b",
                                      NULL};
    static const char *const bad_threads[] = {"--policy",
                                              "policies/default.json",
                                              "--threads", "0", NULL};
    static const char *const no_file[] = {"--policy", "/nonexistent.json",
                                          NULL};

    cr_assert_eq(serve_status(no_policy), 2);
    cr_assert_eq(serve_status(unknown), 2);
    cr_assert_eq(serve_status(bad_port), 2);
    cr_assert_eq(serve_status(two), 2);
    cr_assert_eq(serve_status(bad_threads), 2);
    cr_assert_eq(serve_status(no_file), 1);
}
