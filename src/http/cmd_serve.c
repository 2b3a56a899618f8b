/* cmd_serve.c - `muster serve`: flags, the cluster source (snapshot file,
 * API server, or the embedded example), the HTTP service, and a clean stop
 * on SIGINT/SIGTERM. */
#include "common.h"
#include "cmd.h"
#include "cache/snapshot.h"
#include "http/record.h"
#include "http/gang_svc.h"
#include "http/http.h"
#include "kube/kube.h"
#include "kube/lease.h"
#include "policy/policy.h"
#include "queue/gang.h"
#include "util/log.h"
#include "util/quantity.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct serve_opts {
    const char *listen, *policy, *snapshot, *kubeconfig, *api_server;
    const char *token_file, *port_file, *log_level, *max_body, *threads;
    const char *assume_ttl, *watch_timeout, *record, *record_max;
    const char *tls_cert, *tls_key, *client_ca, *conn_timeout;
    const char *request_timeout, *max_conns, *max_conns_per_ip, *max_header;
    const char *podgroup_retry;
    bool debug_endpoints;
    bool failed_nodes_compat;
    int64_t record_max_bytes;
    /* parsed by check_opts */
    int64_t assume_ttl_ms;
    long watch_timeout_s;
    /* --leader-elect and its settings (kube-scheduler's names) */
    bool leader_elect;
    const char *le_name, *le_ns, *le_lease, *le_renew, *le_retry;
    int64_t le_lease_ms, le_renew_ms, le_retry_ms;
    long podgroup_retry_s;
};

static const char usage_text[] =
    "usage: muster serve --policy FILE [options]\n"
    "\n"
    "Answer kube-scheduler's extender callbacks (POST /filter, /prioritize,\n"
    "/preempt, /bind) and GET /healthz, /readyz, /metrics.\n"
    "\n"
    "  --listen ADDR:PORT     where to listen (default 127.0.0.1:8888;\n"
    "                         port 0 picks a free port, see --port-file)\n"
    "  --policy FILE          scheduling policy (policies/*.json), required\n"
    "  --snapshot FILE        serve a cluster loaded from this JSON file\n"
    "  --kubeconfig FILE      watch the cluster of this kubeconfig\n"
    "  --api-server URL       watch this API server (with --token-file)\n"
    "  --token-file FILE      bearer token for --api-server\n"
    "                         (no cluster flag: the in-cluster service\n"
    "                         account if present, else the embedded\n"
    "                         examples/cluster.json)\n"
    "  --assume-ttl SECONDS   how long a bound pod counts on its node before\n"
    "                         the watch confirms it (default 30)\n"
    "  --watch-timeout SECONDS  timeoutSeconds of each watch request\n"
    "                         (default: random in 300..599, as client-go)\n"
    "  --podgroup-retry SECONDS  while the PodGroup CRD is not installed,\n"
    "                         look for it this often (default 60), and\n"
    "                         when a pod names a PodGroup\n"
    "  --port-file FILE       write the port actually bound to FILE\n"
    "  --log-level LEVEL      debug|info|warn|error|off (default info)\n"
    "  --max-body SIZE        largest request body (default 64Mi)\n"
    "  --threads N            HTTP worker threads (default: CPU cores)\n"
    "  --debug-endpoints      also serve GET /debug/cache, /debug/gangs\n"
    "  --failed-nodes-compat  also list nodes that evicting pods cannot help\n"
    "                         in FailedNodes: kube-scheduler before v1.21\n"
    "                         reads no FailedAndUnresolvableNodes and would\n"
    "                         drop their reasons from the pod's event\n"
    "  --record FILE          append every callback (verb, request,\n"
    "                         response, time) to FILE as JSON lines, for\n"
    "                         `muster replay`\n"
    "  --record-max SIZE      rotate FILE to FILE.1 past SIZE (default "
    "100Mi)\n"
    "\n"
    "HTTPS and limits (README \"Security\"):\n"
    "  --tls-cert FILE        serve HTTPS with this PEM certificate (chain)\n"
    "  --tls-key FILE         and this unencrypted PEM private key\n"
    "  --client-ca FILE       only serve callers presenting a certificate\n"
    "                         signed by this CA (GET /healthz and /readyz\n"
    "                         stay open for kubelet probes)\n"
    "  --conn-timeout SECONDS close a connection idle this long (default "
    "300)\n"
    "  --request-timeout SECONDS  a request must arrive whole within this\n"
    "                         from its first byte, else its connection is\n"
    "                         closed (default 30; 0: no limit)\n"
    "  --max-connections N    open connections at most (default 4096)\n"
    "  --max-connections-per-ip N  per client address (default 0: no cap;\n"
    "                         kube-scheduler comes from one address)\n"
    "  --max-header SIZE      request line and headers at most (default\n"
    "                         256Ki; larger gets 431)\n"
    "\n"
    "High availability (README \"High availability\"):\n"
    "  --leader-elect         run as one of several replicas: only the\n"
    "                         holder of a coordination.k8s.io/v1 Lease is\n"
    "                         ready and serves callbacks (needs a cluster)\n"
    "  --leader-elect-resource-name NAME       the Lease (default muster)\n"
    "  --leader-elect-resource-namespace NS    its namespace (default\n"
    "                                          kube-system)\n"
    "  --leader-elect-lease-duration DURATION  how long followers wait\n"
    "                         before taking over an unrenewed lease "
    "(default 15s)\n"
    "  --leader-elect-renew-deadline DURATION  how long the leader keeps\n"
    "                         trying to renew before it stops serving "
    "(default 10s)\n"
    "  --leader-elect-retry-period DURATION    between attempts (default "
    "2s)\n";

struct flag {
    const char *name;
    size_t off;                  /* offset of the const char * in opts */
    bool is_bool;
};

#define F_STR(n, field) {n, offsetof(struct serve_opts, field), false}

static const struct flag flags[] = {
    F_STR("--listen", listen),       F_STR("--policy", policy),
    F_STR("--snapshot", snapshot),   F_STR("--kubeconfig", kubeconfig),
    F_STR("--api-server", api_server), F_STR("--token-file", token_file),
    F_STR("--port-file", port_file), F_STR("--log-level", log_level),
    F_STR("--max-body", max_body),   F_STR("--threads", threads),
    F_STR("--assume-ttl", assume_ttl), F_STR("--watch-timeout", watch_timeout),
    F_STR("--record", record),       F_STR("--record-max", record_max),
    F_STR("--tls-cert", tls_cert),   F_STR("--tls-key", tls_key),
    F_STR("--client-ca", client_ca), F_STR("--conn-timeout", conn_timeout),
    F_STR("--request-timeout", request_timeout),
    F_STR("--max-connections", max_conns),
    F_STR("--max-connections-per-ip", max_conns_per_ip),
    F_STR("--max-header", max_header),
    F_STR("--podgroup-retry", podgroup_retry),
    {"--debug-endpoints", offsetof(struct serve_opts, debug_endpoints), true},
    {"--failed-nodes-compat", offsetof(struct serve_opts, failed_nodes_compat),
     true},
    {"--leader-elect", offsetof(struct serve_opts, leader_elect), true},
    F_STR("--leader-elect-resource-name", le_name),
    F_STR("--leader-elect-resource-namespace", le_ns),
    F_STR("--leader-elect-lease-duration", le_lease),
    F_STR("--leader-elect-renew-deadline", le_renew),
    F_STR("--leader-elect-retry-period", le_retry),
};

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "muster serve: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(muster serve --help for usage)\n");
    return 2;
}

static int set_flag(struct serve_opts *o, const struct flag *f,
                    const char *val)
{
    char *base = (char *)o;

    if (f->is_bool) {
        if (val)
            return usage_error("%s takes no value", f->name);
        *(bool *)(base + f->off) = true;
        return 0;
    }
    if (!val || !*val)
        return usage_error("%s needs a value", f->name);
    *(const char **)(base + f->off) = val;
    return 0;
}

/* RET 0, 2 (usage error, printed) or -1 (--help printed). */
static int parse_flags(int argc, char **argv, struct serve_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        const struct flag *f = NULL;

        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs(usage_text, stdout);
            return -1;
        }
        for (size_t k = 0; k < ARRAY_LEN(flags); k++) {
            if (strlen(flags[k].name) == nlen &&
                !strncmp(flags[k].name, arg, nlen))
                f = &flags[k];
        }
        if (!f)
            return usage_error("unknown argument '%s'", arg);
        if (!eq && !f->is_bool && i + 1 >= argc)
            return usage_error("%s needs a value", f->name);
        if (set_flag(o, f, eq ? eq + 1 : f->is_bool ? NULL : argv[++i]))
            return 2;
    }
    return 0;
}

/* Unsigned decimal, 0..max. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (all interfaces). */
static int parse_listen(const char *spec, struct http_opts *h)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    unsigned long port;
    size_t hl;
    int gai;

    if (!colon || !parse_uint(colon + 1, 65535, &port))
        return usage_error("--listen '%s': expected ADDR:PORT with a port "
                           "0..65535", spec);
    hl = (size_t)(colon - spec);
    if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
        spec++;
        hl -= 2;
    }
    if (hl >= sizeof(host))
        return usage_error("--listen '%s': address too long", spec);
    memcpy(host, spec, hl);
    host[hl] = '\0';
    gai = getaddrinfo(hl ? host : NULL, colon + 1, &hints, &res);
    if (gai || !res)
        return usage_error("--listen: cannot resolve address '%s'", host);
    memcpy(&h->addr, res->ai_addr, res->ai_addrlen);
    h->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* --assume-ttl, --watch-timeout, --podgroup-retry: seconds, 1..3600. */
static int check_kube_opts(struct serve_opts *o)
{
    unsigned long v;

    o->assume_ttl_ms = EXT_ASSUME_TTL_MS;
    if (o->assume_ttl) {
        if (!parse_uint(o->assume_ttl, 3600, &v) || v == 0)
            return usage_error("--assume-ttl '%s': expected 1..3600 seconds",
                               o->assume_ttl);
        o->assume_ttl_ms = (int64_t)v * 1000;
    }
    if (o->watch_timeout) {
        if (!parse_uint(o->watch_timeout, 3600, &v) || v == 0)
            return usage_error("--watch-timeout '%s': expected 1..3600 "
                               "seconds", o->watch_timeout);
        o->watch_timeout_s = (long)v;
    }
    if (o->podgroup_retry) {
        if (!parse_uint(o->podgroup_retry, 3600, &v) || v == 0)
            return usage_error("--podgroup-retry '%s': expected 1..3600 "
                               "seconds", o->podgroup_retry);
        o->podgroup_retry_s = (long)v;
    }
    return 0;
}

/* A whole number lo..hi for flag (NULL val: dflt). */
static int flag_uint(const char *flag, const char *val, unsigned long lo,
                     unsigned long hi, unsigned dflt, unsigned *out)
{
    unsigned long v;

    *out = dflt;
    if (!val)
        return 0;
    if (!parse_uint(val, hi, &v) || v < lo) {
        fprintf(stderr, "muster serve: %s '%s': expected %lu..%lu\n"
                "(muster serve --help for usage)\n", flag, val, lo, hi);
        return 2;
    }
    *out = (unsigned)v;
    return 0;
}

/* --conn-timeout, --request-timeout, --max-connections(-per-ip),
 * --max-header and the TLS flags that must go together. */
static int check_limits(const struct serve_opts *o, struct http_opts *h)
{
    int64_t hdr;

    if (flag_uint("--conn-timeout", o->conn_timeout, 1, 86400,
                  HTTP_CONN_TIMEOUT_S, &h->conn_timeout_s) ||
        flag_uint("--request-timeout", o->request_timeout, 0, 3600,
                  HTTP_REQUEST_TIMEOUT_S, &h->request_timeout_s) ||
        flag_uint("--max-connections", o->max_conns, 1, 1000000,
                  HTTP_DEFAULT_MAX_CONNS, &h->max_conns) ||
        flag_uint("--max-connections-per-ip", o->max_conns_per_ip, 0,
                  1000000, 0, &h->max_conns_per_ip))
        return 2;
    h->max_header = HTTP_DEFAULT_MAX_HEADER;
    if (o->max_header) {
        if (quantity_parse(o->max_header, strlen(o->max_header), 0, &hdr) ||
            hdr < 8192 || hdr > (64 << 20))
            return usage_error("--max-header '%s': expected a size from 8Ki "
                               "to 64Mi (e.g. 256Ki)", o->max_header);
        h->max_header = (size_t)hdr;
    }
    if (!o->tls_cert != !o->tls_key)
        return usage_error("%s", "--tls-cert and --tls-key go together");
    if (o->client_ca && !o->tls_cert)
        return usage_error("%s", "--client-ca needs --tls-cert and "
                                 "--tls-key (client certificates are a TLS "
                                 "feature)");
    return 0;
}

/* One --leader-elect-* duration, default def_ms. RET 0 or 2. */
static int le_duration(const char *flag, const char *val, int64_t def_ms,
                       int64_t *ms)
{
    *ms = def_ms;
    if (val && lease_duration_parse(val, ms))
        return usage_error("%s: expected a duration with a unit, e.g. 15s, "
                           "1.5s or 500ms", flag);
    return 0;
}

/* --leader-elect needs a cluster; its durations as client-go checks them. */
static int check_leader_opts(struct serve_opts *o)
{
    char err[256];
    bool some = o->le_name || o->le_ns || o->le_lease || o->le_renew ||
                o->le_retry;

    if (!o->leader_elect)
        return some ? usage_error("%s", "--leader-elect-* settings go with "
                                        "--leader-elect") : 0;
    if (o->snapshot || (!o->kubeconfig && !o->api_server &&
                        !kube_in_cluster_env()))
        return usage_error("%s", "--leader-elect needs a cluster connection "
                                 "(--kubeconfig, --api-server or in-cluster), "
                                 "not a --snapshot or the embedded example");
    if (le_duration("--leader-elect-lease-duration", o->le_lease, 15000,
                    &o->le_lease_ms) ||
        le_duration("--leader-elect-renew-deadline", o->le_renew, 10000,
                    &o->le_renew_ms) ||
        le_duration("--leader-elect-retry-period", o->le_retry, 2000,
                    &o->le_retry_ms))
        return 2;
    if (lease_durations_check(o->le_lease_ms, o->le_renew_ms, o->le_retry_ms,
                              err, sizeof(err)))
        return usage_error("%s", err);
    if (!o->le_name)
        o->le_name = "muster";
    if (!o->le_ns)
        o->le_ns = "kube-system";
    return 0;
}

static int check_opts(struct serve_opts *o, struct http_opts *h)
{
    unsigned long threads;
    int64_t max_body;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int sources = !!o->snapshot + !!o->kubeconfig + !!o->api_server;

    if (!o->policy)
        return usage_error("%s", "--policy FILE is required");
    if (sources > 1)
        return usage_error("%s", "choose one of --snapshot, --kubeconfig "
                                 "and --api-server");
    if (o->token_file && !o->api_server)
        return usage_error("%s", "--token-file goes with --api-server");
    if (check_kube_opts(o) || check_leader_opts(o))
        return 2;
    if (o->log_level && log_set_level(o->log_level))
        return usage_error("--log-level '%s': expected debug, info, warn, "
                           "error or off", o->log_level);
    h->max_body = HTTP_DEFAULT_MAX_BODY;
    if (o->max_body) {
        if (quantity_parse(o->max_body, strlen(o->max_body), 0, &max_body) ||
            max_body < 1024 || max_body > ((int64_t)1 << 32))
            return usage_error("--max-body '%s': expected a size from 1Ki "
                               "to 4Gi (e.g. 64Mi)", o->max_body);
        h->max_body = (size_t)max_body;
    }
    h->threads = cores > 0 ? (unsigned)cores : 2;
    if (o->threads) {
        if (!parse_uint(o->threads, 256, &threads) || threads == 0)
            return usage_error("--threads '%s': expected 1..256", o->threads);
        h->threads = (unsigned)threads;
    }
    h->debug_endpoints = o->debug_endpoints;
    o->record_max_bytes = RECORD_DEFAULT_MAX;
    if (o->record_max &&
        (quantity_parse(o->record_max, strlen(o->record_max), 0,
                        &o->record_max_bytes) ||
         o->record_max_bytes < 4096))
        return usage_error("--record-max '%s': expected a size of at least "
                           "4Ki (e.g. 100Mi)", o->record_max);
    if (o->record_max && !o->record)
        return usage_error("%s", "--record-max goes with --record");
    if (check_limits(o, h))
        return 2;
    return parse_listen(o->listen ? o->listen : "127.0.0.1:8888", h);
}

/* Thousands of connections need as many descriptors: raise the soft
 * NOFILE limit to the hard one, and refuse a --max-connections it cannot
 * hold (a margin for the API server, files and libmicrohttpd's own). RET 0
 * or 2 (printed). */
static int raise_nofile(const struct serve_opts *o, struct http_opts *h)
{
    struct rlimit rl;
    rlim_t before, want;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    before = rl.rlim_cur;
    want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
    if (want > rl.rlim_cur) {
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    log_info("open file limit", "nofile_before=%llu nofile=%llu "
             "max_connections=%u", (unsigned long long)before,
             (unsigned long long)rl.rlim_cur, h->max_conns);
    if ((rlim_t)h->max_conns + 128 <= rl.rlim_cur)
        return 0;
    if (o->max_conns) {
        fprintf(stderr, "muster serve: --max-connections %u: only %llu open "
                "files allowed (ulimit -n), so at most %llu\n", h->max_conns,
                (unsigned long long)rl.rlim_cur,
                rl.rlim_cur > 256 ? (unsigned long long)rl.rlim_cur - 128
                                  : 1ull);
        return 2;
    }
    h->max_conns = rl.rlim_cur > 256 ? (unsigned)(rl.rlim_cur - 128) : 128;
    log_warn("few open files allowed: fewer connections",
             "max_connections=%u", h->max_conns);
    return 0;
}

/* The running service: everything cmd_serve must free. */
struct serve {
    struct policy *policy;
    struct cluster *cluster;
    struct kube *kube;
    struct metrics metrics;
    struct ext_service ext;
    struct gang_svc gangs;
    struct http_server http;
    struct recorder *rec;        /* --record */
    struct kube_lease *lease;    /* --leader-elect */
    const char *source;          /* for the startup log line */
};

/* A snapshot file, an API server, or the embedded example. RET 0 or the
 * exit status (1 runtime failure, 2 invalid input), message printed. */
static int open_cluster(const struct serve_opts *o, struct serve *sv)
{
    struct kube_opts ko = {.connect_timeout_ms = 5000,
                           .request_timeout_ms = 10000,
                           .assume_ttl_ms = o->assume_ttl_ms,
                           .watch_timeout_s = o->watch_timeout_s,
                           .podgroup_retry_s = o->podgroup_retry_s};
    char err[512];
    int rc;

    if (o->snapshot) {
        sv->source = o->snapshot;
        rc = snapshot_load(o->snapshot, &sv->cluster, err, sizeof(err));
        if (rc)
            goto fail;
        return 0;
    }
    ko.kubeconfig = o->kubeconfig;
    ko.api_server = o->api_server;
    ko.token_file = o->token_file;
    ko.in_cluster = !o->kubeconfig && !o->api_server && kube_in_cluster_env();
    if (!ko.kubeconfig && !ko.api_server && !ko.in_cluster) {
        sv->source = "embedded examples/cluster.json";
        rc = snapshot_load_default(&sv->cluster, err, sizeof(err));
        if (rc)
            goto fail;
        return 0;
    }
    sv->source = o->kubeconfig ? o->kubeconfig
                 : o->api_server ? o->api_server : "in-cluster";
    sv->cluster = cluster_new();
    rc = kube_start(&ko, sv->cluster, &sv->kube, err, sizeof(err));
    if (rc)
        goto fail;
    return 0;
fail:
    /* snapshot errors already name the file */
    if (o->snapshot)
        fprintf(stderr, "muster serve: %s\n", err);
    else
        fprintf(stderr, "muster serve: %s: %s\n", sv->source, err);
    return rc == MU_EIO || rc == MU_ESTATE ? 1 : 2;
}

static int write_port_file(const char *path, uint16_t port)
{
    char tmp[4096];
    FILE *f;
    int ok;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return MU_ELIMIT;
    f = fopen(tmp, "w");
    if (!f)
        return MU_EIO;
    ok = fprintf(f, "%u\n", (unsigned)port) > 0;
    ok = (fclose(f) == 0) && ok;
    /* rename: a reader never sees a half-written file */
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return MU_EIO;
    }
    return MU_OK;
}

/* Leadership changed: the gang thread answers and drops what a lost term
 * holds at once rather than at its next tick. */
static void on_leader_change(void *arg, bool leader)
{
    MU_UNUSED(leader);
    gang_svc_kick(arg);
}

static int start_lease(const struct serve_opts *o, struct serve *sv)
{
    char id[LEASE_ID_MAX], err[512];
    struct lease_opts lo = {.name = o->le_name, .ns = o->le_ns,
                            .identity = id, .lease_ms = o->le_lease_ms,
                            .renew_ms = o->le_renew_ms,
                            .retry_ms = o->le_retry_ms,
                            .on_change = on_leader_change, .arg = &sv->gangs};

    lease_identity(id, sizeof(id));
    if (kube_lease_start(sv->kube, &lo, &sv->lease, err, sizeof(err))) {
        fprintf(stderr, "muster serve: %s\n", err);
        return 1;
    }
    sv->ext.lease = sv->lease;
    return 0;
}

static void serve_fini(struct serve *sv)
{
    /* a replica that stops stops serving first: the gate closes here */
    kube_lease_stop(sv->lease);
    /* held binds are answered first: MHD cannot stop with suspended
     * connections */
    if (gang_svc_stop(&sv->gangs) > 0) {
        struct timespec ts = {0, 200 * 1000000L};

        nanosleep(&ts, NULL);   /* let MHD send those answers */
    }
    http_server_stop(&sv->http);
    /* nothing is served any more: let a follower take over now */
    kube_lease_release(sv->lease);
    kube_lease_free(sv->lease);
    sv->lease = NULL;
    record_free(sv->rec);
    sv->rec = NULL;
    gang_table_free(sv->ext.gangs);
    sv->ext.gangs = NULL;
    kube_stop(sv->kube);
    if (sv->ext.magic)
        ext_service_fini(&sv->ext);
    cluster_free(sv->cluster);
    policy_free(sv->policy);
    metrics_fini(&sv->metrics);
}

/* Start everything, then wait for SIGINT/SIGTERM in this thread. The
 * signals are blocked before any thread starts, so every thread inherits
 * the mask and only sigwait sees them. */
static int serve_run(const struct serve_opts *o, struct http_opts *h,
                     struct serve *sv, const sigset_t *sigs)
{
    char err[1024];
    int sig = 0, rc;

    rc = policy_load(o->policy, &sv->policy, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "muster serve: %s\n", err);
        return rc == MU_EIO ? 1 : 2;
    }
    if ((rc = open_cluster(o, sv)))
        return rc;
    ext_service_init(&sv->ext, sv->cluster, sv->policy, sv->kube,
                     &sv->metrics);
    sv->ext.assume_ttl_ms = o->assume_ttl_ms;
    sv->ext.failed_nodes_compat = o->failed_nodes_compat;
    if (gang_svc_start(&sv->gangs, &sv->ext)) {
        fprintf(stderr, "muster serve: cannot start the gang thread\n");
        return 1;
    }
    if (o->leader_elect && (rc = start_lease(o, sv)))
        return rc;
    if (o->record && record_open(o->record, o->record_max_bytes, &sv->rec,
                                 err, sizeof(err))) {
        fprintf(stderr, "muster serve: --record %s\n", err);
        return 1;
    }
    h->record = sv->rec;
    if (http_server_start(&sv->http, h, &sv->ext, &sv->metrics, err,
                          sizeof(err))) {
        fprintf(stderr, "muster serve: --listen %s: %s\n",
                o->listen ? o->listen : "127.0.0.1:8888", err);
        return 1;
    }
    if (o->port_file && write_port_file(o->port_file, sv->http.port)) {
        fprintf(stderr, "muster serve: --port-file %s: %s\n", o->port_file,
                strerror(errno));
        return 1;
    }
    log_info("listening", "port=%u policy=%s cluster=\"%s\" threads=%u "
             "max_body=%zu", (unsigned)sv->http.port, o->policy, sv->source,
             h->threads, h->max_body);
    log_info("http limits", "https=%s client_ca=%s conn_timeout_s=%u "
             "request_timeout_s=%u max_connections=%u "
             "max_connections_per_ip=%u max_header=%zu",
             h->tls.cert ? "on" : "off", o->client_ca ? o->client_ca : "-",
             h->conn_timeout_s, h->request_timeout_s, h->max_conns,
             h->max_conns_per_ip, h->max_header);
    while (sigwait(sigs, &sig) != 0)
        ;
    log_info("shutting down", "signal=%d", sig);
    return 0;
}

/* --tls-cert/--tls-key/--client-ca: read and checked before anything
 * starts. RET 0 or 2 (printed: names the flag and the file). */
static int load_tls(const struct serve_opts *o, struct http_opts *h)
{
    char err[512];

    if (!o->tls_cert)
        return 0;
    if (!http_tls_supported()) {
        fprintf(stderr, "muster serve: --tls-cert: this libmicrohttpd is "
                "built without TLS (Debian's libmicrohttpd12 has it)\n");
        return 2;
    }
    if (http_tls_load(&h->tls, o->tls_cert, o->tls_key, o->client_ca, err,
                      sizeof(err))) {
        fprintf(stderr, "muster serve: %s\n", err);
        return 2;
    }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    struct serve_opts o = {0};
    struct http_opts h;
    struct serve sv;
    sigset_t sigs;
    int rc;

    memset(&h, 0, sizeof(h));
    rc = parse_flags(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = check_opts(&o, &h)))
        return rc;
    if ((rc = load_tls(&o, &h)))
        return rc;
    if ((rc = raise_nofile(&o, &h))) {
        http_tls_fini(&h.tls);
        return rc;
    }
    memset(&sv, 0, sizeof(sv));
    metrics_init(&sv.metrics);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = serve_run(&o, &h, &sv, &sigs);
    serve_fini(&sv);
    http_tls_fini(&h.tls);
    return rc;
}
