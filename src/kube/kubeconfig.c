/* kubeconfig.c - kubeconfig files (YAML, via libyaml): the current
 * context's cluster and user resolved into a struct kube_conn. */
#include "common.h"
#include "kube/conn.h"
#include "util/xmalloc.h"

#include <stdarg.h>
#include <yaml.h>

/* The parsed document and what errors need to name. */
struct kcfg {
    yaml_document_t doc;
    const char *path;
    char *dir;      /* the file's directory, for relative paths */
    char *err;
    size_t errlen;
};

static int kcfg_fail(struct kcfg *k, const char *fmt, ...) MU_PRINTF(2, 3);

static int kcfg_fail(struct kcfg *k, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(k->err, k->errlen, "kubeconfig %s: ", k->path);

    if (n < 0 || (size_t)n >= k->errlen)
        return MU_EINVAL;
    va_start(ap, fmt);
    vsnprintf(k->err + n, k->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return MU_EINVAL;
}

static bool node_is_scalar(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);

    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

/* RET the value of `key` in a mapping node, or NULL. */
static yaml_node_t *map_get(struct kcfg *k, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *p;

    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        if (node_is_scalar(yaml_document_get_node(&k->doc, p->key), key))
            return yaml_document_get_node(&k->doc, p->value);
    }
    return NULL;
}

/* A scalar field of `map` as a new string; *out stays NULL when absent.
 * `where` names the map in errors. */
static int get_str(struct kcfg *k, yaml_node_t *map, const char *where,
                   const char *key, char **out)
{
    yaml_node_t *v = map_get(k, map, key);

    *out = NULL;
    if (!v)
        return MU_OK;
    if (v->type != YAML_SCALAR_NODE)
        return kcfg_fail(k, "%s.%s: expected a string", where, key);
    *out = xstrndup((const char *)v->data.scalar.value, v->data.scalar.length);
    if (strlen(*out) != v->data.scalar.length) {
        FREE_NULL(*out);
        return kcfg_fail(k, "%s.%s: contains a NUL byte", where, key);
    }
    return MU_OK;
}

/* Find the entry named `name` in the top-level list `list` ("clusters")
 * and RET its `inner` mapping ("cluster"), or NULL after an error. */
static yaml_node_t *find_named(struct kcfg *k, const char *list,
                               const char *inner, const char *name)
{
    yaml_node_t *root = yaml_document_get_root_node(&k->doc);
    yaml_node_t *seq = map_get(k, root, list), *e, *body;
    yaml_node_item_t *it;

    if (seq && seq->type != YAML_SEQUENCE_NODE) {
        kcfg_fail(k, "%s: expected a list", list);
        return NULL;
    }
    for (it = seq ? seq->data.sequence.items.start : NULL;
         seq && it < seq->data.sequence.items.top; it++) {
        e = yaml_document_get_node(&k->doc, *it);
        if (!node_is_scalar(map_get(k, e, "name"), name))
            continue;
        body = map_get(k, e, inner);
        if (!body || body->type != YAML_MAPPING_NODE) {
            kcfg_fail(k, "%s[name=\"%s\"].%s: missing or not a mapping", list,
                      name, inner);
            return NULL;
        }
        return body;
    }
    kcfg_fail(k, "%s: no entry named \"%s\"", list, name);
    return NULL;
}

/* A path field: relative paths are relative to the kubeconfig's dir. */
static int get_path(struct kcfg *k, yaml_node_t *map, const char *where,
                    const char *key, char **out)
{
    int rc = get_str(k, map, where, key, out);
    char *abs;

    if (rc || !*out)
        return rc;
    if (**out == '\0') {
        FREE_NULL(*out);
        return MU_OK;
    }
    if (**out != '/' && k->dir) {
        abs = xasprintf("%s/%s", k->dir, *out);
        free(*out);
        *out = abs;
    }
    return MU_OK;
}

/* A base64 "-data" field, decoded. */
static int get_b64(struct kcfg *k, yaml_node_t *map, const char *where,
                   const char *key, struct kube_blob *out)
{
    char *s = NULL;
    int rc = get_str(k, map, where, key, &s);

    if (rc || !s)
        return rc;
    if (kube_base64_decode(s, strlen(s), out))
        rc = kcfg_fail(k, "%s.%s: not valid base64", where, key);
    free(s);
    return rc;
}

static int get_bool(struct kcfg *k, yaml_node_t *map, const char *where,
                    const char *key, bool *out)
{
    yaml_node_t *v = map_get(k, map, key);

    *out = false;
    if (!v)
        return MU_OK;
    if (node_is_scalar(v, "true") || node_is_scalar(v, "True"))
        *out = true;
    else if (!node_is_scalar(v, "false") && !node_is_scalar(v, "False"))
        return kcfg_fail(k, "%s.%s: expected true or false", where, key);
    return MU_OK;
}

static int read_cluster(struct kcfg *k, const char *name, struct kube_conn *c)
{
    yaml_node_t *m = find_named(k, "clusters", "cluster", name);
    char where[300];
    int rc;

    if (!m)
        return MU_EINVAL;
    snprintf(where, sizeof(where), "clusters[name=\"%s\"].cluster", name);
    if ((rc = get_str(k, m, where, "server", &c->server)) ||
        (rc = get_path(k, m, where, "certificate-authority", &c->ca_file)) ||
        (rc = get_b64(k, m, where, "certificate-authority-data",
                      &c->ca_data)) ||
        (rc = get_bool(k, m, where, "insecure-skip-tls-verify",
                       &c->insecure)))
        return rc;
    if (!c->server || !*c->server)
        return kcfg_fail(k, "%s.server: missing", where);
    if (strncmp(c->server, "https://", 8) && strncmp(c->server, "http://", 7))
        return kcfg_fail(k, "%s.server: \"%s\" is not an http(s) URL", where,
                         c->server);
    return MU_OK;
}

static int read_user(struct kcfg *k, const char *name, struct kube_conn *c)
{
    yaml_node_t *m = find_named(k, "users", "user", name);
    char where[300];
    int rc;

    if (!m)
        return MU_EINVAL;
    snprintf(where, sizeof(where), "users[name=\"%s\"].user", name);
    if ((rc = get_path(k, m, where, "client-certificate", &c->cert_file)) ||
        (rc = get_b64(k, m, where, "client-certificate-data",
                      &c->cert_data)) ||
        (rc = get_path(k, m, where, "client-key", &c->key_file)) ||
        (rc = get_b64(k, m, where, "client-key-data", &c->key_data)) ||
        (rc = get_str(k, m, where, "token", &c->token)) ||
        (rc = get_path(k, m, where, "tokenFile", &c->token_file)))
        return rc;
    if ((c->cert_file || c->cert_data.data) !=
        (c->key_file || c->key_data.data))
        return kcfg_fail(k, "%s: a client certificate needs a client key "
                            "and vice versa", where);
    if (!c->token && !c->token_file && !c->cert_file && !c->cert_data.data &&
        (map_get(k, m, "exec") || map_get(k, m, "auth-provider")))
        return kcfg_fail(k, "%s: exec and auth-provider credential plugins "
                            "are not supported; use a token or a client "
                            "certificate", where);
    return MU_OK;
}

static int resolve_context(struct kcfg *k, struct kube_conn *c)
{
    yaml_node_t *root = yaml_document_get_root_node(&k->doc), *ctx;
    char *cur = NULL, *cluster = NULL, *user = NULL, where[300];
    int rc;

    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = kcfg_fail(k, "not a YAML mapping");
        goto out;
    }
    if ((rc = get_str(k, root, "", "current-context", &cur)))
        goto out;
    if (!cur || !*cur) {
        rc = kcfg_fail(k, "current-context is not set");
        goto out;
    }
    if (!(ctx = find_named(k, "contexts", "context", cur))) {
        rc = MU_EINVAL;
        goto out;
    }
    snprintf(where, sizeof(where), "contexts[name=\"%s\"].context", cur);
    if ((rc = get_str(k, ctx, where, "cluster", &cluster)) ||
        (rc = get_str(k, ctx, where, "user", &user)))
        goto out;
    if (!cluster || !*cluster) {
        rc = kcfg_fail(k, "%s.cluster: missing", where);
        goto out;
    }
    if ((rc = read_cluster(k, cluster, c)))
        goto out;
    /* A context without a user is legal: an unauthenticated cluster. */
    if (user && *user)
        rc = read_user(k, user, c);
out:
    free(cur);
    free(cluster);
    free(user);
    return rc;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

int kubeconfig_parse(const char *text, size_t len, const char *path,
                     struct kube_conn *out, char *err, size_t errlen)
{
    struct kcfg k = {.path = path, .err = err, .errlen = errlen};
    yaml_parser_t parser;
    bool have_doc = false;
    int rc;

    memset(out, 0, sizeof(*out));
    k.dir = dir_of(path);
    if (!yaml_parser_initialize(&parser)) {
        rc = kcfg_fail(&k, "cannot initialise the YAML parser");
        goto out;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &k.doc)) {
        rc = kcfg_fail(&k, "line %zu: %s", parser.problem_mark.line + 1,
                       parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        goto out;
    }
    yaml_parser_delete(&parser);
    have_doc = true;
    rc = resolve_context(&k, out);
out:
    if (have_doc)
        yaml_document_delete(&k.doc);
    free(k.dir);
    if (rc)
        kube_conn_fini(out);
    return rc;
}

int kubeconfig_load(const char *path, struct kube_conn *out, char *err,
                    size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = kube_read_file(path, KUBECONFIG_MAX_BYTES, &text, &len, err, errlen);
    if (rc == MU_OK)
        rc = kubeconfig_parse(text, len, path, out, err, errlen);
    free(text);
    return rc;
}
