/* bind.c - POST a v1 Binding (pods/binding subresource): muster's only
 * write to the API server. */
#include "common.h"
#include "kube/kube_priv.h"
#include "util/log.h"

#define BIND_MAX_BODY (64u << 10)

static int binding_body(struct buf *b, const char *ns, const char *name,
                        const char *uid, const char *node)
{
    int rc = buf_adds(b, "{\"apiVersion\":\"v1\",\"kind\":\"Binding\","
                         "\"metadata\":{\"name\":");

    rc = rc ? rc : buf_add_jstrz(b, name);
    rc = rc ? rc : buf_adds(b, ",\"namespace\":");
    rc = rc ? rc : buf_add_jstrz(b, ns);
    if (uid && *uid) {
        /* A storage precondition: a recreated pod answers 409. */
        rc = rc ? rc : buf_adds(b, ",\"uid\":");
        rc = rc ? rc : buf_add_jstrz(b, uid);
    }
    rc = rc ? rc : buf_adds(b, "},\"target\":{\"apiVersion\":\"v1\","
                               "\"kind\":\"Node\",\"name\":");
    rc = rc ? rc : buf_add_jstrz(b, node);
    return rc ? rc : buf_adds(b, "}}");
}

/* 409 "pod X is already assigned to node "N"" with N == node: a retried
 * bind whose first reply was lost (pitfall 4) is a success. */
static bool already_on(const char *msg, const char *node)
{
    static const char tag[] = "is already assigned to node \"";
    const char *p = strstr(msg, tag);
    size_t n = strlen(node);

    if (!p)
        return false;
    p += sizeof(tag) - 1;
    return strncmp(p, node, n) == 0 && p[n] == '"';
}

static int bind_path(struct buf *b, const char *ns, const char *name)
{
    int rc = buf_adds(b, "/api/v1/namespaces/");

    rc = rc ? rc : kube_url_escape(b, ns);
    rc = rc ? rc : buf_adds(b, "/pods/");
    rc = rc ? rc : kube_url_escape(b, name);
    return rc ? rc : buf_adds(b, "/binding");
}

/* Map the reply to a return code and message. */
static int bind_result(const struct kresp *resp, const char *ns,
                       const char *name, const char *node, char *err,
                       size_t errlen)
{
    char msg[768];

    if (resp->status == 201 || resp->status == 200)
        return MU_OK;
    kube_status_message(resp->body.data ? resp->body.data : "",
                        resp->body.len, msg, sizeof(msg));
    if (resp->status == 409 && already_on(msg, node)) {
        log_info("bind: pod already on the requested node", "pod=%s/%s "
                 "node=%s", ns, name, node);
        return MU_OK;
    }
    /* The caller names the pod and node; give the API server's word. */
    snprintf(err, errlen, "API server answered %ld: %s", resp->status, msg);
    if (resp->status == 409)
        return MU_ESTATE;
    return resp->status == 404 ? MU_ENOENT : MU_EIO;
}

int kube_bind(struct kube *k, const char *ns, const char *name,
              const char *uid, const char *node, char *err, size_t errlen)
{
    struct kreq rq = {.method = "POST", .max_body = BIND_MAX_BODY};
    struct buf body, path;
    struct kresp resp;
    CURL *h;
    int rc;

    buf_init(&body, 8192);
    buf_init(&path, 2048);
    if (!ns || !*ns || !name || !*name || !node || !*node) {
        snprintf(err, errlen, "bind: namespace, name and node are required");
        rc = MU_EINVAL;
        goto out;
    }
    if ((rc = binding_body(&body, ns, name, uid, node)) ||
        (rc = bind_path(&path, ns, name))) {
        snprintf(err, errlen, "bind: pod or node name too long");
        goto out;
    }
    rq.path = path.data;
    rq.body = body.data;
    rq.body_len = body.len;
    h = kclient_take(&k->client);
    rc = kclient_do(&k->client, h, &rq, &resp, err, errlen);
    kclient_give(&k->client, h);
    if (rc == MU_OK)
        rc = bind_result(&resp, ns, name, node, err, errlen);
    buf_fini(&resp.body);
out:
    buf_fini(&body);
    buf_fini(&path);
    return rc;
}
