/* floor.c - the trivial extender every muster figure is compared to.
 *
 * It does the least any correct extender must do: libmicrohttpd collects
 * the body, cJSON parses all of it, and the reply either echoes the input
 * (filter: every node passes) or scores every node 0 (prioritize), printed
 * straight into a buffer; bind checks the ExtenderBindingArgs and accepts. muster is judged as a ratio to this floor measured
 * in the same run (see /work/shared/spec/performance.md), never by absolute
 * times, because this machine is noisy.
 *
 * usage: floor --listen HOST:PORT [--port-file FILE]
 * PORT 0 picks a free port; the chosen one is written to FILE (then renamed
 * into place, so a reader never sees half a number). Stops on SIGINT/TERM. */
#include "common.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>

#define FLOOR_BODY_MAX ((size_t)256 << 20)   /* 256 MiB */
#define FLOOR_REPLY_MAX ((size_t)512 << 20)

/* One request: the body as it arrives. */
struct floor_req {
    struct buf body;
};

/* filter: echo the node set. nodeCacheCapable (NodeNames) gets the names
 * back; a full NodeList gets the Node objects back, re-printed by cJSON, as
 * kube-scheduler then uses the returned objects. */
static int floor_filter(const cJSON *args, struct buf *out)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(args, "NodeNames");
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(args, "Nodes");
    const cJSON *n;
    bool first = true;
    int rc = MU_OK;

    if (cJSON_IsObject(nodes)) {
        char *txt = cJSON_PrintUnformatted(nodes);

        if (!txt)
            return MU_EINVAL;
        rc = buf_printf(out, "{\"Nodes\":%s,\"NodeNames\":null,"
                             "\"FailedNodes\":{},\"Error\":\"\"}", txt);
        cJSON_free(txt);
        return rc;
    }
    if (!cJSON_IsArray(names))
        return MU_EINVAL;
    rc = buf_adds(out, "{\"NodeNames\":[");
    cJSON_ArrayForEach(n, names) {
        if (!cJSON_IsString(n))
            return MU_EINVAL;
        if (!first && (rc = buf_addc(out, ',')))
            return rc;
        first = false;
        if ((rc = buf_add_jstrz(out, n->valuestring)))
            return rc;
    }
    return buf_adds(out, "],\"FailedNodes\":{},\"Error\":\"\"}");
}

/* The name of a NodeNames entry or of a NodeList item, or NULL. */
static const char *floor_node_name(const cJSON *n)
{
    const cJSON *md;

    if (cJSON_IsString(n))
        return n->valuestring;
    md = cJSON_GetObjectItemCaseSensitive(n, "metadata");
    n = cJSON_GetObjectItemCaseSensitive(md, "name");
    return cJSON_IsString(n) ? n->valuestring : NULL;
}

/* bind: PodName, PodNamespace and Node must be strings; always accepted
 * (the floor has no cache and no API server to tell). */
static int floor_bind(const cJSON *args, struct buf *out)
{
    static const char *const need[] = {"PodName", "PodNamespace", "Node"};

    for (size_t i = 0; i < ARRAY_LEN(need); i++) {
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(args, need[i])))
            return MU_EINVAL;
    }
    return buf_adds(out, "{\"Error\":\"\"}");
}

/* prioritize: [{"Host":name,"Score":0},...] for every input node. */
static int floor_prioritize(const cJSON *args, struct buf *out)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(args, "NodeNames");
    const cJSON *n;
    bool first = true;
    int rc;

    if (!cJSON_IsArray(list))
        list = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(args, "Nodes"), "items");
    if (!cJSON_IsArray(list))
        return MU_EINVAL;
    if ((rc = buf_addc(out, '[')))
        return rc;
    cJSON_ArrayForEach(n, list) {
        const char *name = floor_node_name(n);

        if (!name)
            return MU_EINVAL;
        if (!first && (rc = buf_addc(out, ',')))
            return rc;
        first = false;
        if ((rc = buf_adds(out, "{\"Host\":")) ||
            (rc = buf_add_jstrz(out, name)) ||
            (rc = buf_adds(out, ",\"Score\":0}")))
            return rc;
    }
    return buf_addc(out, ']');
}

static enum MHD_Result floor_send(struct MHD_Connection *c, unsigned status,
                                  struct buf *out)
{
    size_t len;
    char *data = buf_steal(out, &len);
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Route and answer a complete request. */
static enum MHD_Result floor_answer(struct MHD_Connection *c, const char *url,
                                    const char *method, struct floor_req *req)
{
    struct buf out;
    cJSON *args = NULL;
    unsigned status = 200;
    int rc;

    buf_init(&out, FLOOR_REPLY_MAX);
    if (!strcmp(method, "GET") &&
        (!strcmp(url, "/healthz") || !strcmp(url, "/readyz"))) {
        buf_adds(&out, "ok\n");
        goto out;
    }
    if (strcmp(method, "POST") || (strcmp(url, "/filter") &&
                                   strcmp(url, "/prioritize") &&
                                   strcmp(url, "/bind"))) {
        status = 404;
        buf_adds(&out, "{\"Error\":\"no such verb\"}");
        goto out;
    }
    args = cJSON_ParseWithLength(req->body.data ? req->body.data : "",
                                 req->body.len);
    rc = !args ? MU_EINVAL
         : !strcmp(url, "/filter") ? floor_filter(args, &out)
         : !strcmp(url, "/bind")   ? floor_bind(args, &out)
                                   : floor_prioritize(args, &out);
    if (rc) {
        status = 400;
        buf_reset(&out);
        buf_adds(&out, "{\"Error\":\"bad ExtenderArgs\"}");
    }
out:
    cJSON_Delete(args);
    return floor_send(c, status, &out);
}

static enum MHD_Result floor_handler(void *cls, struct MHD_Connection *c,
                                     const char *url, const char *method,
                                     const char *version,
                                     const char *upload_data,
                                     size_t *upload_data_size, void **con_cls)
{
    struct floor_req *req = *con_cls;

    (void)cls;
    (void)version;
    if (!req) {
        req = xcalloc(1, sizeof(*req));
        buf_init(&req->body, FLOOR_BODY_MAX);
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (buf_add(&req->body, upload_data, *upload_data_size))
            return MHD_NO;   /* over the cap: drop the connection */
        *upload_data_size = 0;
        return MHD_YES;
    }
    return floor_answer(c, url, method, req);
}

static void floor_completed(void *cls, struct MHD_Connection *c,
                            void **con_cls, enum MHD_RequestTerminationCode t)
{
    struct floor_req *req = *con_cls;

    (void)cls;
    (void)c;
    (void)t;
    if (!req)
        return;
    buf_fini(&req->body);
    FREE_NULL(req);
    *con_cls = NULL;
}

/* "HOST:PORT" with a dotted IPv4 host and a port 0..65535 (R8). */
static int floor_parse_listen(const char *s, struct sockaddr_in *sa)
{
    const char *colon = strrchr(s, ':');
    char host[64];
    unsigned port = 0;

    if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host) ||
        !colon[1])
        return MU_EINVAL;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return MU_EINVAL;
        port = port * 10 + (unsigned)(*p - '0');
        if (port > 65535)
            return MU_EINVAL;
    }
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? MU_OK : MU_EINVAL;
}

/* Write the port to FILE.tmp, then rename: readers see all or nothing. */
static int floor_write_port(const char *path, unsigned port)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = MU_EIO;

    if (!f)
        goto out;
    fprintf(f, "%u\n", port);
    if (fclose(f) == 0 && rename(tmp, path) == 0)
        rc = MU_OK;
out:
    FREE_NULL(tmp);
    return rc;
}

static struct MHD_Daemon *floor_start(const struct sockaddr_in *sa)
{
    /* One thread per connection, like a blocking server: kube-scheduler
     * keeps one keep-alive connection, so this is the lowest-latency
     * shape. Idle connections stay open (pitfall 14: closing one that the
     * client is about to reuse fails a POST). */
    return MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
        NULL, NULL, floor_handler, NULL, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
        MHD_OPTION_NOTIFY_COMPLETED, floor_completed, NULL, MHD_OPTION_END);
}

int main(int argc, char **argv)
{
    const char *listen = NULL, *port_file = NULL;
    struct sockaddr_in sa;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    sigset_t set;
    int sig;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--listen"))
            listen = argv[i + 1];
        else if (!strcmp(argv[i], "--port-file"))
            port_file = argv[i + 1];
        else
            break;
    }
    if (argc % 2 != 1 || !listen || floor_parse_listen(listen, &sa)) {
        fprintf(stderr, "usage: floor --listen HOST:PORT [--port-file F]\n");
        return 2;
    }
    /* Block the stop signals before MHD starts its threads, so they
     * inherit the mask and only sigwait below receives them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    d = floor_start(&sa);
    if (!d) {
        fprintf(stderr, "floor: cannot listen on %s\n", listen);
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (port_file && (!info || floor_write_port(port_file, info->port))) {
        fprintf(stderr, "floor: cannot write %s\n", port_file);
        MHD_stop_daemon(d);
        return 1;
    }
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
