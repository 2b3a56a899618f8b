/* patch.c - PATCH one annotation onto a pod (JSON merge patch): the
 * gang wake-up that makes kube-scheduler retry a parked member at once. */
#include "common.h"
#include "kube/kube_priv.h"

#define PATCH_MAX_BODY (256u << 10)

static int patch_body(struct buf *b, const char *key, const char *value)
{
    int rc = buf_adds(b, "{\"metadata\":{\"annotations\":{");

    rc = rc ? rc : buf_add_jstrz(b, key);
    rc = rc ? rc : buf_addc(b, ':');
    rc = rc ? rc : buf_add_jstrz(b, value);
    return rc ? rc : buf_adds(b, "}}}");
}

static int patch_path(struct buf *b, const char *ns, const char *name)
{
    int rc = buf_adds(b, "/api/v1/namespaces/");

    rc = rc ? rc : kube_url_escape(b, ns);
    rc = rc ? rc : buf_adds(b, "/pods/");
    return rc ? rc : kube_url_escape(b, name);
}

static int patch_result(const struct kresp *resp, char *err, size_t errlen)
{
    char msg[512];

    if (resp->status == 200)
        return MU_OK;
    kube_status_message(resp->body.data ? resp->body.data : "",
                        resp->body.len, msg, sizeof(msg));
    snprintf(err, errlen, "API server answered %ld: %s", resp->status, msg);
    return resp->status == 404 ? MU_ENOENT : MU_EIO;
}

int kube_patch_pod_annotation(struct kube *k, const char *ns,
                              const char *name, const char *key,
                              const char *value, char *err, size_t errlen)
{
    struct kreq rq = {.method = "PATCH", .max_body = PATCH_MAX_BODY,
                      .content_type = "application/merge-patch+json"};
    struct buf body, path;
    struct kresp resp;
    CURL *h;
    int rc;

    buf_init(&body, 4096);
    buf_init(&path, 2048);
    if (!ns || !*ns || !name || !*name || !key || !*key || !value) {
        snprintf(err, errlen, "patch: namespace, name and key are required");
        rc = MU_EINVAL;
        goto out;
    }
    if ((rc = patch_body(&body, key, value)) ||
        (rc = patch_path(&path, ns, name))) {
        snprintf(err, errlen, "patch: pod name or annotation too long");
        goto out;
    }
    rq.path = path.data;
    rq.body = body.data;
    rq.body_len = body.len;
    h = kclient_take(&k->client);
    rc = kclient_do(&k->client, h, &rq, &resp, err, errlen);
    kclient_give(&k->client, h);
    if (rc == MU_OK)
        rc = patch_result(&resp, err, errlen);
    buf_fini(&resp.body);
out:
    buf_fini(&body);
    buf_fini(&path);
    return rc;
}
