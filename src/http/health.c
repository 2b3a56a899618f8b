/* health.c - GET /healthz (the process answers), /readyz (the leader
 * with its cache synced), /metrics (Prometheus text) and /debug/cache
 * (the model). */
#include "common.h"
#include "http/http.h"
#include "http/ext_int.h"
#include "http/gang_svc.h"
#include "kube/lease.h"
#include "kube/kube.h"
#include "queue/gang.h"

int http_healthz(struct http_server *srv, struct http_reply *rep)
{
    MU_UNUSED(srv);
    rep->status = 200;
    rep->ctype = "text/plain; charset=utf-8";
    return buf_adds(rep->body, "ok\n");
}

int http_readyz(struct http_server *srv, struct http_reply *rep)
{
    char msg[EXT_ERR_MAX];

    rep->ctype = "text/plain; charset=utf-8";
    /* only the leader is ready, so a Service routes to it alone */
    if (!ext_service_leader(srv->ext, msg, sizeof(msg))) {
        rep->status = 503;
        return buf_printf(rep->body, "not ready: %s\n", msg);
    }
    if (ext_service_ready(srv->ext)) {
        rep->status = 200;
        return buf_adds(rep->body, "ok\n");
    }
    rep->status = 503;
    return buf_adds(rep->body, "not ready: muster cache not synced yet\n");
}

int http_metrics(struct http_server *srv, struct http_reply *rep)
{
    int rc;

    rep->status = 200;
    rep->ctype = "text/plain; version=0.0.4; charset=utf-8";
    rc = metrics_render(srv->metrics, srv->ext->cluster,
                        ext_service_ready(srv->ext), rep->body);
    if (!rc && srv->ext->gang_svc)
        rc = gang_svc_metrics(srv->ext->gang_svc, rep->body);
    if (!rc)
        rc = http_conn_metrics(srv, rep->body);
    if (!rc)
        rc = kube_lease_metrics(srv->ext->lease, rep->body);
    if (!rc)
        rc = kube_metrics_render(srv->ext->kube, rep->body);
    return rc;
}

/* The connection guard's and --client-ca's counts (README "Security"). */
int http_conn_metrics(struct http_server *srv, struct buf *out)
{
    return buf_printf(
        out,
        "# HELP muster_http_connections Open HTTP connections.\n"
        "# TYPE muster_http_connections gauge\n"
        "muster_http_connections %zu\n"
        "# HELP muster_http_request_timeouts_total Connections closed "
        "because a request did not arrive within --request-timeout.\n"
        "# TYPE muster_http_request_timeouts_total counter\n"
        "muster_http_request_timeouts_total %llu\n"
        "# HELP muster_http_client_cert_refusals_total Callers refused "
        "for lack of a client certificate signed by --client-ca.\n"
        "# TYPE muster_http_client_cert_refusals_total counter\n"
        "muster_http_client_cert_refusals_total %llu\n",
        http_guard_open_count(&srv->guard),
        (unsigned long long)http_guard_cut_count(&srv->guard),
        (unsigned long long)__atomic_load_n(&srv->client_refused,
                                            __ATOMIC_RELAXED));
}

int http_debug_cache(struct http_server *srv, struct http_reply *rep)
{
    int rc;

    rep->status = 200;
    rep->ctype = "application/json";
    cluster_rdlock(srv->ext->cluster);
    rc = cluster_dump_json(srv->ext->cluster, rep->body);
    cluster_unlock(srv->ext->cluster);
    return rc;
}

int http_debug_gangs(struct http_server *srv, struct http_reply *rep)
{
    rep->status = 200;
    rep->ctype = "application/json";
    if (!srv->ext->gangs)
        return buf_adds(rep->body, "{\"gangs\":[]}");
    return gang_debug_json(srv->ext->gangs, ext_now_ms(), rep->body);
}
