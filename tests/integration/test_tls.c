/* test_tls.c - `muster serve` over HTTPS: a caller verifying muster's
 * certificate against the CA gets filter answers; with --client-ca only a
 * caller presenting a certificate signed by that CA is served (none, or one
 * from another CA: 403 and the connection closed), the probes stay open;
 * bad certificate or key files stop startup with exit 2 naming the file.
 * Certificates are made fresh per test by tests/tls/gen-certs.sh. */
#include "common.h"
#include "tproc.h"
#include "util/buf.h"

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define FILTER_BODY "tests/data/extender/filter-gpu.json"

static struct tproc mu;
static char dir[64];

static void fini(void)
{
    char cmd[128];

    tproc_stop(&mu.pid);
    if (dir[0] && !getenv("MUSTER_TEST_KEEP")) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    dir[0] = '\0';
}

/* The test's certificates in dir (see tests/tls/gen-certs.sh). */
static void make_certs(void)
{
    char cmd[256];

    tproc_dir(dir, sizeof(dir), "tls");
    cr_assert_eq(system("openssl version >/dev/null 2>&1"), 0,
                 "openssl is not installed (scripts/deps.sh installs it)");
    snprintf(cmd, sizeof(cmd), "tests/tls/gen-certs.sh '%s'", dir);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
}

static const char *path(const char *name)
{
    static char p[8][160];
    static int k;

    k = (k + 1) % 8;
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
    return p[k];
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    return buf_add(arg, p, size * n) ? 0 : size * n;
}

/* One HTTPS request verifying muster against ca.pem, as client (NULL: no
 * client certificate). RET the status, 0 when the transfer failed. */
static long https(const char *client, const char *urlpath, const char *body,
                  struct buf *out, long *conns_closed)
{
    CURL *h = curl_easy_init();
    char url[256], cert[64], key[64];
    long status = 0;
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: "
                                                     "application/json");

    buf_reset(out);
    buf_adds(out, "");
    snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", mu.port, urlpath);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, path("ca.pem"));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    if (client) {
        snprintf(cert, sizeof(cert), "%s.pem", client);
        snprintf(key, sizeof(key), "%s-key.pem", client);
        curl_easy_setopt(h, CURLOPT_SSLCERT, path(cert));
        curl_easy_setopt(h, CURLOPT_SSLKEY, path(key));
    }
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (conns_closed) {
        /* a second request on the same handle: reused or reconnected? */
        long n = 0;

        curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &n);
        *conns_closed = n;
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return status;
}

static void start_tls(bool client_ca)
{
    const char *extra[] = {
        "--tls-cert",        path("server.pem"),
        "--tls-key",         path("server-key.pem"),
        "--debug-endpoints", client_ca ? "--client-ca" : NULL,
        path("ca.pem"),      NULL};

    tproc_muster(&mu, dir, extra);
}

Test(tls, https_filter_with_the_ca_verified, .timeout = 60, .fini = fini)
{
    struct buf out;
    char *body, *log;

    make_certs();
    start_tls(false);
    body = tproc_slurp(FILTER_BODY);
    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(https(NULL, "/filter", body, &out, NULL), 200, "%s", out.data);
    cr_assert(strstr(out.data, "\"NodeNames\":[\"gpu-r0-n2\",\"gpu-r1-n0\","
                               "\"gpu-r3-n1\"]"),
              "%s", out.data);
    cr_assert(strstr(out.data, "\"Error\":\"\""), "%s", out.data);
    /* no client CA: a client certificate is not needed, nor refused */
    cr_assert_eq(https("client", "/filter", body, &out, NULL), 200);
    cr_assert_eq(https(NULL, "/metrics", NULL, &out, NULL), 200);
    log = tproc_slurp(mu.log);
    cr_assert(strstr(log, "https=on"), "%s", log);
    free(log);
    free(body);
    buf_fini(&out);
}

Test(tls, client_ca_serves_only_callers_with_a_certificate_it_signed,
     .timeout = 60, .fini = fini)
{
    static const char *const guarded[] = {"/metrics", "/debug/cache",
                                          "/debug/gangs", "/nothing"};
    struct buf out;
    char *body, *log;
    long conns = 0;

    make_certs();
    start_tls(true);
    body = tproc_slurp(FILTER_BODY);
    buf_init(&out, BUF_UNLIMITED);
    /* no certificate: refused, and the connection is closed after it */
    cr_assert_eq(https(NULL, "/filter", body, &out, &conns), 403, "%s",
                 out.data);
    cr_assert(strstr(out.data, "{\"Error\":\"client certificate refused "
                               "(--client-ca): no client certificate\"}"),
              "%s", out.data);
    cr_assert_eq(conns, 1, "the refused connection was kept open");
    /* a certificate of another CA */
    cr_assert_eq(https("other-client", "/filter", body, &out, NULL), 403);
    cr_assert(strstr(out.data, "issuer is unknown"), "%s", out.data);
    cr_assert(https("other-client", "/bind", "{}", &out, NULL) == 403);
    /* the right one: served, on one kept-alive connection */
    cr_assert_eq(https("client", "/filter", body, &out, &conns), 200, "%s",
                 out.data);
    cr_assert(strstr(out.data, "\"NodeNames\":[\"gpu-r0-n2\""), "%s", out.data);
    cr_assert_eq(conns, 0, "a served caller's connection was closed");
    for (size_t i = 0; i < ARRAY_LEN(guarded); i++) {
        cr_assert_eq(https(NULL, guarded[i], NULL, &out, NULL), 403, "%s",
                     guarded[i]);
        cr_assert_neq(https("client", guarded[i], NULL, &out, NULL), 403, "%s",
                      guarded[i]);
    }
    /* kubelet probes present no certificate */
    cr_assert_eq(https(NULL, "/healthz", NULL, &out, NULL), 200);
    cr_assert_eq(https(NULL, "/readyz", NULL, &out, NULL), 200);
    log = tproc_slurp(mu.log);
    cr_assert(strstr(log, "msg=\"client certificate refused\""), "%s", log);
    free(log);
    /* no cert twice (the second on a new connection), the other CA's
     * twice, and one per guarded path */
    cr_assert_eq(https("client", "/metrics", NULL, &out, NULL), 200);
    cr_assert(strstr(out.data, "\nmuster_http_client_cert_refusals_total 8\n"),
              "%s", out.data);
    free(body);
    buf_fini(&out);
}

struct bad_start {
    const char *cert, *key, *ca; /* file names in dir, or absolute */
    const char *want;            /* in stderr */
};

/* Files the cases need besides gen-certs.sh's. */
static void make_bad_files(void)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd),
             "cd '%s' && : > empty.pem && echo 'not a certificate' > "
             "junk.pem && head -c 2000000 /dev/zero > huge.pem && "
             "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
             "-aes-128-cbc -pass pass:x -out enc-key.pem 2>/dev/null",
             dir);
    cr_assert_eq(system(cmd), 0);
}

static const struct bad_start bad_starts[] = {
    {"missing.pem", "server-key.pem", NULL,
     "--tls-cert %s/missing.pem: No "
     "such file"},
    {"empty.pem", "server-key.pem", NULL,
     "--tls-cert %s/empty.pem: the file "
     "is empty"},
    {"junk.pem", "server-key.pem", NULL,
     "--tls-cert %s/junk.pem: no PEM "
     "certificate"},
    {"huge.pem", "server-key.pem", NULL,
     "--tls-cert %s/huge.pem: larger "
     "than"},
    {"server-key.pem", "server-key.pem", NULL,
     "--tls-cert "
     "%s/server-key.pem: no PEM "
     "certificate"},
    {"server.pem", "missing.pem", NULL, "--tls-key %s/missing.pem: No such"},
    {"server.pem", "server.pem", NULL,
     "--tls-key %s/server.pem: no PEM "
     "private key"},
    {"server.pem", "enc-key.pem", NULL,
     "--tls-key %s/enc-key.pem: the key "
     "is encrypted"},
    {"server.pem", "client-key.pem", NULL,
     "--tls-key %s/client-key.pem does "
     "not match the certificate"},
    {"server.pem", "server-key.pem", "junk.pem",
     "--client-ca %s/junk.pem: no "
     "PEM certificate"},
    {"server.pem", "server-key.pem", "missing.pem",
     "--client-ca "
     "%s/missing.pem: No such"},
};

Test(tls, bad_certificate_or_key_files_exit_2_naming_the_file, .timeout = 120,
     .fini = fini)
{
    const char *bin = getenv("MUSTER_BIN");
    char err[160], want[256], cert[160], key[160], ca[160];

    make_certs();
    make_bad_files();
    snprintf(err, sizeof(err), "%s/stderr", dir);
    for (size_t i = 0; i < ARRAY_LEN(bad_starts); i++) {
        const struct bad_start *b = &bad_starts[i];
        char *argv[16] = {(char *)(bin ? bin : "./muster"),
                          "serve",
                          "--listen",
                          "127.0.0.1:0",
                          "--policy",
                          "policies/default.json",
                          "--tls-cert",
                          cert,
                          "--tls-key",
                          key,
                          b->ca ? "--client-ca" : NULL,
                          ca,
                          NULL};
        char *txt;

        snprintf(cert, sizeof(cert), "%s/%s", dir, b->cert);
        snprintf(key, sizeof(key), "%s/%s", dir, b->key);
        snprintf(ca, sizeof(ca), "%s/%s", dir, b->ca ? b->ca : "");
        snprintf(want, sizeof(want), b->want, dir);
        cr_assert_eq(tproc_run(argv, err), 2, "case %zu (%s)", i, want);
        txt = tproc_slurp(err);
        cr_assert(strstr(txt, want), "case %zu: want '%s' in:\n%s", i, want,
                  txt);
        free(txt);
    }
}

Test(tls, tls_flags_that_go_together, .timeout = 30, .fini = fini)
{
    const char *bin = getenv("MUSTER_BIN");
    char err[160], *txt;
    char *no_key[] = {(char *)(bin ? bin : "./muster"),
                      "serve",
                      "--policy",
                      "policies/default.json",
                      "--tls-cert",
                      "x.pem",
                      NULL};
    char *ca_only[] = {(char *)(bin ? bin : "./muster"),
                       "serve",
                       "--policy",
                       "policies/default.json",
                       "--client-ca",
                       "x.pem",
                       NULL};

    tproc_dir(dir, sizeof(dir), "tls");
    snprintf(err, sizeof(err), "%s/stderr", dir);
    cr_assert_eq(tproc_run(no_key, err), 2);
    txt = tproc_slurp(err);
    cr_assert(strstr(txt, "--tls-cert and --tls-key go together"), "%s", txt);
    free(txt);
    cr_assert_eq(tproc_run(ca_only, err), 2);
    txt = tproc_slurp(err);
    cr_assert(strstr(txt, "--client-ca needs --tls-cert"), "%s", txt);
    free(txt);
}

/* A TLS handshake trickled a byte at a time is a slow request too: cut
 * after --request-timeout, while a normal HTTPS caller is served. */
Test(tls, trickled_handshake_is_cut_after_request_timeout, .timeout = 60,
     .fini = fini)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    struct buf out;
    int64_t end;
    bool cut = false;
    char *log;
    int fd;

    make_certs();
    {
        const char *extra[] = {"--tls-cert",
                               path("server.pem"),
                               "--tls-key",
                               path("server-key.pem"),
                               "--request-timeout",
                               "1",
                               NULL};

        tproc_muster(&mu, dir, extra);
    }
    buf_init(&out, BUF_UNLIMITED);
    a.sin_port = htons((uint16_t)mu.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    /* a TLS record header, then more, one byte every 300 ms */
    end = tproc_ms() + 15000;
    for (int i = 0; !cut && tproc_ms() < end; i++) {
        char c = i == 0 ? 0x16 : i < 3 ? 0x03 : 0x01;

        cut = send(fd, &c, 1, MSG_NOSIGNAL) != 1;
        cr_assert_eq(https(NULL, "/healthz", NULL, &out, NULL), 200);
        tproc_sleep_ms(300);
    }
    close(fd);
    cr_assert(cut, "the trickled handshake was never cut");
    log = tproc_slurp(mu.log);
    cr_assert(strstr(log, "request not received in time"), "%s", log);
    free(log);
    buf_fini(&out);
}
