/* test_limits.c - abusive clients against `muster serve`: slowloris
 * connections trickling a request are closed after --request-timeout while
 * a normal caller keeps getting correct answers; 2,000 idle connections
 * take no threads and do not stop a normal caller; bodies over --max-body
 * get a 413 JSON error and the connection closes; oversized headers get a
 * 4xx. The normal caller's latency is measured and printed, never
 * asserted. Also: no secret in a debug log, the debug endpoints off by default,
 * and the limit flags' checks. Only PIDs started here are signalled. */
#include "common.h"
#include "tproc.h"
#include "util/buf.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define FILTER_BODY "tests/data/extender/filter-gpu.json"
#define FILTER_WANT "\"NodeNames\":[\"gpu-r0-n2\",\"gpu-r1-n0\",\"gpu-r3-n1\"]"

static struct tproc mu;
static pid_t fake;
static char dir[64];

static void fini(void)
{
    char cmd[128];

    tproc_stop(&mu.pid);
    tproc_stop(&fake);
    if (dir[0] && !getenv("MUSTER_TEST_KEEP")) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    dir[0] = '\0';
}

static int tcp_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0,
                 "connect: %s", strerror(errno));
    return fd;
}

/* ---- the normal caller: filter calls on one kept-alive connection ---- */

struct caller {
    CURL *h;
    char *body;
    struct buf out;
    double ms[4096];
    int n;
};

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    return buf_add(arg, p, size * n) ? 0 : size * n;
}

static void caller_init(struct caller *c, int port)
{
    char url[64];

    memset(c, 0, sizeof(*c));
    c->h = curl_easy_init();
    c->body = tproc_slurp(FILTER_BODY);
    buf_init(&c->out, BUF_UNLIMITED);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/filter", port);
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->body);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->out);
}

/* One call, answered correctly; its latency kept. */
static void caller_call(struct caller *c)
{
    int64_t t0 = tproc_ms();
    struct timespec a, b;
    long status = 0;

    clock_gettime(CLOCK_MONOTONIC, &a);
    buf_reset(&c->out);
    cr_assert_eq(curl_easy_perform(c->h), CURLE_OK, "call %d failed", c->n);
    clock_gettime(CLOCK_MONOTONIC, &b);
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    buf_addc(&c->out, '\0');
    cr_assert_eq(status, 200, "call %d: %s", c->n, c->out.data);
    cr_assert(strstr(c->out.data, FILTER_WANT), "call %d: %s", c->n,
              c->out.data);
    MU_UNUSED(t0);
    if (c->n < (int)ARRAY_LEN(c->ms))
        c->ms[c->n++] = (double)(b.tv_sec - a.tv_sec) * 1e3 +
                        (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The measured figures (README "Security" quotes them). */
static void caller_report(struct caller *c, const char *what)
{
    qsort(c->ms, (size_t)c->n, sizeof(double), cmp_double);
    fprintf(stderr,
            "[limits] %s: %d filter calls, latency ms p50 %.3f "
            "p99 %.3f max %.3f\n",
            what, c->n, c->ms[c->n / 2], c->ms[(c->n * 99) / 100],
            c->ms[c->n - 1]);
}

static void caller_fini(struct caller *c)
{
    curl_easy_cleanup(c->h);
    free(c->body);
    buf_fini(&c->out);
}

/* Does GET /metrics hold line? */
static bool metrics_has(int port, const char *line)
{
    CURL *h = curl_easy_init();
    struct buf out;
    char url[64];
    bool has;

    buf_init(&out, BUF_UNLIMITED);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", port);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    cr_assert_eq(curl_easy_perform(h), CURLE_OK);
    buf_addc(&out, '\0');
    has = strstr(out.data, line) != NULL;
    if (!has)
        fprintf(stderr, "no '%s' in\n%s", line, out.data);
    curl_easy_cleanup(h);
    buf_fini(&out);
    return has;
}

/* ---- slowloris ---- */

#define NSLOW 50

struct slow {
    int fd[NSLOW];
    int64_t opened[NSLOW], closed[NSLOW];
    const char *text[NSLOW];
    size_t sent[NSLOW];
    int open;
    volatile bool done;
};

/* Every second one more byte on every slow connection, until the server
 * has closed them all (at most 30 s). */
static void *slow_main(void *arg)
{
    struct slow *s = arg;
    int64_t end = tproc_ms() + 30000;

    while (s->open > 0 && tproc_ms() < end) {
        for (int i = 0; i < NSLOW; i++) {
            char c;

            if (s->closed[i])
                continue;
            c = s->text[i][s->sent[i] % strlen(s->text[i])];
            if (send(s->fd[i], &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
                s->sent[i]++;
            else if (errno != EAGAIN) {
                s->closed[i] = tproc_ms();
                s->open--;
            }
        }
        tproc_sleep_ms(1000);
    }
    s->done = true;
    return NULL;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

Test(limits, slowloris_is_cut_after_request_timeout_while_others_are_served,
     .timeout = 90, .fini = fini)
{
    static const char *const extra[] = {"--request-timeout", "2", "--threads",
                                        "2", NULL};
    /* half trickle the header, half the body after a whole header */
    static const char *const head = "POST /filter HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Length: 100000\r\n\r\n";
    struct slow s;
    struct caller c;
    pthread_t t;
    char *log;

    tproc_dir(dir, sizeof(dir), "limits");
    tproc_muster(&mu, dir, extra);
    caller_init(&c, mu.port);
    for (int i = 0; i < 300; i++)
        caller_call(&c);
    caller_report(&c, "baseline, no other connection");
    caller_fini(&c);
    memset(&s, 0, sizeof(s));
    for (int i = 0; i < NSLOW; i++) {
        s.fd[i] = tcp_connect(mu.port);
        s.opened[i] = tproc_ms();
        if (i % 2) {
            cr_assert_eq(send(s.fd[i], head, strlen(head), MSG_NOSIGNAL),
                         (ssize_t)strlen(head));
            s.text[i] = "{\"Pod\":{\"metadata\":{}}, ";
        } else {
            s.text[i] = "POST /filter HTTP/1.1\r\nHost: x\r\nX-Slow: "
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        }
    }
    s.open = NSLOW;
    caller_init(&c, mu.port);
    pthread_create(&t, NULL, slow_main, &s);
    /* the normal caller is answered all the while the slow ones are open */
    while (!s.done) {
        caller_call(&c);
        tproc_sleep_ms(20);
    }
    pthread_join(t, NULL);
    caller_report(&c, "during 50 slowloris connections");
    for (int i = 0; i < NSLOW; i++) {
        cr_assert(s.closed[i], "slow connection %d never closed", i);
        /* never before the timeout: it counts from the first byte */
        cr_assert_geq(s.closed[i] - s.opened[i], 2000, "connection %d", i);
        close(s.fd[i]);
    }
    log = tproc_slurp(mu.log);
    cr_assert_eq(count(log, "msg=\"request not received in time, "
                            "connection closed\""),
                 NSLOW, "%s", log);
    free(log);
    cr_assert(
        metrics_has(mu.port, "\nmuster_http_request_timeouts_total 50\n"));
    caller_call(&c);
    caller_fini(&c);
}

/* ---- idle connections ---- */

#define NIDLE 2000

/* A field of /proc/PID/status, e.g. "Threads:". */
static long proc_status(pid_t pid, const char *field)
{
    char path[64], *txt, *p;
    long v = -1;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    txt = tproc_slurp(path);
    p = strstr(txt, field);
    if (p) {
        p += strlen(field);
        while (*p == ' ' || *p == '\t')
            p++;
        for (v = 0; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (*p - '0');
    }
    free(txt);
    return v;
}

static long open_fds(pid_t pid)
{
    char path[64];
    DIR *d;
    long n = 0;

    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    d = opendir(path);
    cr_assert_not_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n - 2;
}

Test(limits, idle_connections_take_no_threads_and_others_are_served,
     .timeout = 120, .fini = fini)
{
    static const char *const extra[] = {"--threads", "2", NULL};
    static int fds[NIDLE];
    struct rlimit rl;
    struct caller c;
    long threads, fd0;
    int64_t end;

    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < NIDLE + 256) {
        rl.rlim_cur = MU_MIN(rl.rlim_max, (rlim_t)NIDLE + 256);
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    cr_assert_geq(rl.rlim_cur, NIDLE + 256, "NOFILE hard limit too low");
    tproc_dir(dir, sizeof(dir), "limits");
    tproc_muster(&mu, dir, extra);
    caller_init(&c, mu.port);
    caller_call(&c);
    threads = proc_status(mu.pid, "Threads:");
    fd0 = open_fds(mu.pid);
    for (int i = 0; i < NIDLE; i++)
        fds[i] = tcp_connect(mu.port);
    /* accepted by muster, not waiting in the listen backlog */
    end = tproc_ms() + 20000;
    while (open_fds(mu.pid) < fd0 + NIDLE && tproc_ms() < end)
        tproc_sleep_ms(50);
    cr_assert_geq(open_fds(mu.pid), fd0 + NIDLE);
    cr_assert_eq(proc_status(mu.pid, "Threads:"), threads,
                 "idle connections took threads");
    /* the 2,000, the caller's, and the one asking */
    cr_assert(metrics_has(mu.port, "\nmuster_http_connections 2002\n"));
    for (int i = 0; i < 300; i++)
        caller_call(&c);
    caller_report(&c, "with 2,000 idle connections open");
    for (int i = 0; i < NIDLE; i++)
        close(fds[i]);
    caller_fini(&c);
}

/* ---- bodies and headers over the limits ---- */

/* Send head and body on a new connection; read until the server closes
 * it (at most 5 s). RET true when it closed; *reply holds what came. */
static bool exchange(int port, const char *head, const char *body, size_t len,
                     struct buf *reply)
{
    struct timeval tv = {5, 0};
    int fd = tcp_connect(port);
    char chunk[4096];
    ssize_t got;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    buf_reset(reply);
    send(fd, head, strlen(head), MSG_NOSIGNAL);
    if (len)
        send(fd, body, len, MSG_NOSIGNAL); /* may stop at a 413 */
    while ((got = recv(fd, chunk, sizeof(chunk), 0)) > 0)
        buf_add(reply, chunk, (size_t)got);
    buf_addc(reply, '\0');
    close(fd);
    return got == 0;
}

Test(limits, body_over_max_body_gets_413_json_and_the_connection_closes,
     .timeout = 60, .fini = fini)
{
    static const char *const extra[] = {"--max-body", "64Ki", NULL};
    static const char *const heads[] = {
        /* announced, nothing sent: no waiting for a body never coming */
        "POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n",
        /* announced and partly sent */
        "POST /prioritize HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n"
        "\r\n",
        /* chunked, no length announced */
        "POST /bind HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"};
    struct buf reply, chunked;
    char *big = calloc(1, 100 << 10);

    tproc_dir(dir, sizeof(dir), "limits");
    tproc_muster(&mu, dir, extra);
    buf_init(&reply, BUF_UNLIMITED);
    buf_init(&chunked, BUF_UNLIMITED);
    memset(big, ' ', 100 << 10);
    for (int i = 0; i < 25; i++) {
        buf_adds(&chunked, "1000\r\n");
        buf_add(&chunked, big, 0x1000);
        buf_adds(&chunked, "\r\n");
    }
    buf_adds(&chunked, "0\r\n\r\n");
    for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
        const char *b = i == 2 ? chunked.data : big;
        size_t len = i == 0 ? 0 : i == 1 ? (size_t)(100 << 10) : chunked.len;

        cr_assert(exchange(mu.port, heads[i], b, len, &reply),
                  "case %zu: connection left open: %s", i, reply.data);
        cr_assert(!strncmp(reply.data, "HTTP/1.1 413 ", 13), "case %zu: %s", i,
                  reply.data);
        cr_assert(strstr(reply.data, "Content-Type: application/json"));
        cr_assert(strstr(reply.data, "\r\n\r\n{\"Error\":\"request body "),
                  "case %zu: %s", i, reply.data);
        cr_assert(strstr(reply.data, "than 65536 bytes (--max-body)\"}"),
                  "case %zu: %s", i, reply.data);
    }
    free(big);
    buf_fini(&chunked);
    buf_fini(&reply);
}

Test(limits, oversized_header_or_url_gets_431_or_414, .timeout = 60,
     .fini = fini)
{
    static const char *const extra[] = {"--max-header", "16Ki", NULL};
    struct buf reply, head;
    struct caller c;
    char *pad = malloc(20001);

    tproc_dir(dir, sizeof(dir), "limits");
    tproc_muster(&mu, dir, extra);
    memset(pad, 'a', 20000);
    pad[20000] = '\0';
    buf_init(&reply, BUF_UNLIMITED);
    buf_init(&head, BUF_UNLIMITED);
    buf_adds(&head, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ");
    buf_adds(&head, pad);
    buf_adds(&head, "\r\n\r\n");
    cr_assert(exchange(mu.port, head.data, NULL, 0, &reply));
    cr_assert(!strncmp(reply.data, "HTTP/1.1 431 ", 13), "%.100s", reply.data);
    buf_reset(&head);
    buf_adds(&head, "GET /");
    buf_adds(&head, pad);
    buf_adds(&head, " HTTP/1.1\r\nHost: x\r\n\r\n");
    cr_assert(exchange(mu.port, head.data, NULL, 0, &reply));
    cr_assert(!strncmp(reply.data, "HTTP/1.1 414 ", 13), "%.100s", reply.data);
    /* a header under the limit is fine, and others are still served */
    pad[10000] = '\0';
    buf_reset(&head);
    buf_adds(&head, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close"
                    "\r\nX-Pad: ");
    buf_adds(&head, pad);
    buf_adds(&head, "\r\n\r\n");
    cr_assert(exchange(mu.port, head.data, NULL, 0, &reply));
    cr_assert(!strncmp(reply.data, "HTTP/1.1 200 ", 13), "%.100s", reply.data);
    caller_init(&c, mu.port);
    caller_call(&c);
    caller_fini(&c);
    free(pad);
    buf_fini(&head);
    buf_fini(&reply);
}

/* ---- flags, debug endpoints, secrets ---- */

Test(limits, limit_flags_are_checked, .timeout = 60, .fini = fini)
{
    static const char *const bad[][3] = {
        {"--request-timeout", "soon",
         "--request-timeout 'soon': expected "
         "0..3600"},
        {"--conn-timeout", "0", "--conn-timeout '0': expected 1..86400"},
        {"--max-connections", "0",
         "--max-connections '0': expected "
         "1..1000000"},
        {"--max-connections-per-ip", "-1", "--max-connections-per-ip '-1'"},
        {"--max-header", "1", "--max-header '1': expected a size from 8Ki"},
        {"--max-header", "1Gi", "--max-header '1Gi'"},
        {"--max-connections", "1000000", "open files allowed (ulimit -n)"},
    };
    const char *bin = getenv("MUSTER_BIN");
    char err[160], *txt;

    tproc_dir(dir, sizeof(dir), "limits");
    snprintf(err, sizeof(err), "%s/stderr", dir);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char *argv[] = {(char *)(bin ? bin : "./muster"),
                        "serve",
                        "--policy",
                        "policies/default.json",
                        "--listen",
                        "127.0.0.1:0",
                        (char *)bad[i][0],
                        (char *)bad[i][1],
                        NULL};
        struct rlimit rl;

        /* the last case needs a NOFILE hard limit below a million */
        getrlimit(RLIMIT_NOFILE, &rl);
        if (i == ARRAY_LEN(bad) - 1 && rl.rlim_max != RLIM_INFINITY &&
            rl.rlim_max >= 1000000 + 128)
            continue;
        if (i == ARRAY_LEN(bad) - 1 && rl.rlim_max == RLIM_INFINITY)
            continue;

        cr_assert_eq(tproc_run(argv, err), 2, "%s %s", bad[i][0], bad[i][1]);
        txt = tproc_slurp(err);
        cr_assert(strstr(txt, bad[i][2]), "want '%s' in:\n%s", bad[i][2], txt);
        free(txt);
    }
}

static long get(int port, const char *path)
{
    CURL *h = curl_easy_init();
    struct buf out;
    char url[128];
    long status = 0;

    buf_init(&out, BUF_UNLIMITED);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    buf_fini(&out);
    return status;
}

Test(limits, debug_endpoints_are_off_unless_asked_for, .timeout = 60,
     .fini = fini)
{
    static const char *const on[] = {"--debug-endpoints", NULL};

    tproc_dir(dir, sizeof(dir), "limits");
    tproc_muster(&mu, dir, NULL);
    cr_assert_eq(get(mu.port, "/debug/cache"), 404);
    cr_assert_eq(get(mu.port, "/debug/gangs"), 404);
    cr_assert_eq(get(mu.port, "/metrics"), 200);
    tproc_stop(&mu.pid);
    tproc_muster(&mu, dir, on);
    cr_assert_eq(get(mu.port, "/debug/cache"), 200);
    cr_assert_eq(get(mu.port, "/debug/gangs"), 200);
}

#define TOKEN_GOOD "muster-test-token-7f3a9c1e5b2d4a60"
#define TOKEN_BAD  "muster-wrong-token-0c9e8d7f6a5b4c3d"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* muster against the fake API server with token_file (and --log-level
 * debug); RET its log once it has talked to the server for a while. */
static char *run_with_token(const char *token_file, const char *kubeconfig,
                            int fport)
{
    char url[64];
    const char *extra[] = {"--log-level", "debug",        "--api-server",
                           url,           "--token-file", token_file,
                           NULL};
    const char *extra_kc[] = {"--log-level", "debug", "--kubeconfig",
                              kubeconfig, NULL};
    int64_t end = tproc_ms() + 3000;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fport);
    tproc_muster(&mu, dir, kubeconfig ? extra_kc : extra);
    while (tproc_ms() < end && get(mu.port, "/readyz") != 200)
        tproc_sleep_ms(50);
    get(mu.port, "/metrics");
    tproc_sleep_ms(500);
    tproc_stop(&mu.pid);
    return tproc_slurp(mu.log);
}

Test(limits, no_token_in_a_debug_log_accepted_or_refused, .timeout = 90,
     .fini = fini)
{
    const char *bin = getenv("FAKE_APISERVER");
    char good[128], bad[128], fpf[128], flog[128], kc[128], text[512];
    char *fargv[] = {(char *)(bin ? bin : "build/fake-apiserver"),
                     "--port-file",
                     fpf,
                     "--token-file",
                     good,
                     NULL};
    char *log;
    int fport;

    tproc_dir(dir, sizeof(dir), "limits");
    snprintf(good, sizeof(good), "%s/token", dir);
    snprintf(bad, sizeof(bad), "%s/bad-token", dir);
    snprintf(fpf, sizeof(fpf), "%s/fake.port", dir);
    snprintf(flog, sizeof(flog), "%s/fake.log", dir);
    snprintf(kc, sizeof(kc), "%s/kubeconfig", dir);
    write_file(good, TOKEN_GOOD "\n");
    write_file(bad, TOKEN_BAD "\n");
    fake = tproc_spawn(flog, fargv);
    fport = tproc_port(fpf, fake);
    snprintf(
        text, sizeof(text),
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters:\n- name: k\n  cluster:\n    server: "
        "http://127.0.0.1:%d\nusers:\n- name: u\n  user:\n    token: " TOKEN_BAD
        "\ncontexts:\n- name: c\n  context:\n    cluster: k"
        "\n    user: u\n",
        fport);
    write_file(kc, text);
    /* accepted: it lists and watches with the token */
    log = run_with_token(good, NULL, fport);
    cr_assert(strstr(log, "level=debug"), "no debug line:\n%s", log);
    cr_assert(strstr(log, "msg=\"listed\""), "never listed:\n%s", log);
    cr_assert_null(strstr(log, TOKEN_GOOD), "token in the log:\n%s", log);
    free(log);
    /* refused (401), from a token file and from a kubeconfig */
    log = run_with_token(bad, NULL, fport);
    cr_assert(strstr(log, "401"), "no refusal logged:\n%s", log);
    cr_assert_null(strstr(log, TOKEN_BAD), "token in the log:\n%s", log);
    free(log);
    log = run_with_token(NULL, kc, fport);
    cr_assert(strstr(log, "401"), "no refusal logged:\n%s", log);
    cr_assert_null(strstr(log, TOKEN_BAD), "token in the log:\n%s", log);
    free(log);
}
