/* test_kube_kubeconfig.c - kubeconfig parsing: every auth field, the -data
 * (base64) variants, relative paths, and the errors for what is missing. */
#include "common.h"
#include "kube/conn.h"

#include <criterion/criterion.h>

/* "-----BEGIN CERTIFICATE-----\nabc\n" in base64 */
#define PEM_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmFiYwo="
#define PEM_TXT "-----BEGIN CERTIFICATE-----\nabc\n"

static int parse(const char *text, struct kube_conn *c, char *err)
{
    return kubeconfig_parse(text, strlen(text), "/etc/kube/config", c, err,
                            512);
}

static const char full[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: prod\n"
    "clusters:\n"
    "- name: other\n"
    "  cluster: {server: 'https://wrong:1'}\n"
    "- name: c1\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443\n"
    "    certificate-authority-data: " PEM_B64 "\n"
    "    insecure-skip-tls-verify: false\n"
    "contexts:\n"
    "- name: dev\n"
    "  context: {cluster: other, user: nobody}\n"
    "- name: prod\n"
    "  context:\n"
    "    cluster: c1\n"
    "    user: admin\n"
    "users:\n"
    "- name: admin\n"
    "  user:\n"
    "    client-certificate-data: " PEM_B64 "\n"
    "    client-key-data: " PEM_B64 "\n"
    "    token: abc.def\n";

Test(kubeconfig, current_context_selects_cluster_and_user_data_fields)
{
    struct kube_conn c;
    char err[512] = "";

    cr_assert_eq(parse(full, &c, err), MU_OK, "%s", err);
    cr_assert_str_eq(c.server, "https://10.0.0.1:6443");
    cr_assert_eq(c.ca_data.len, strlen(PEM_TXT));
    cr_assert_str_eq(c.ca_data.data, PEM_TXT);
    cr_assert_str_eq(c.cert_data.data, PEM_TXT);
    cr_assert_str_eq(c.key_data.data, PEM_TXT);
    cr_assert_str_eq(c.token, "abc.def");
    cr_assert_not(c.insecure);
    cr_assert_null(c.ca_file);
    cr_assert_null(c.token_file);
    kube_conn_fini(&c);
}

Test(kubeconfig, file_fields_resolve_relative_to_the_kubeconfig_dir)
{
    struct kube_conn c;
    char err[512] = "";
    const char *text = "current-context: x\n"
                       "clusters: [{name: k, cluster: {server: "
                       "'http://127.0.0.1:8080', certificate-authority: "
                       "ca.pem, insecure-skip-tls-verify: true}}]\n"
                       "contexts: [{name: x, context: {cluster: k, user: u}}]\n"
                       "users: [{name: u, user: {client-certificate: "
                       "/abs/cert.pem, client-key: keys/k.pem, tokenFile: "
                       "tok}}]\n";

    cr_assert_eq(parse(text, &c, err), MU_OK, "%s", err);
    cr_assert_str_eq(c.server, "http://127.0.0.1:8080");
    cr_assert_str_eq(c.ca_file, "/etc/kube/ca.pem");
    cr_assert_str_eq(c.cert_file, "/abs/cert.pem");
    cr_assert_str_eq(c.key_file, "/etc/kube/keys/k.pem");
    cr_assert_str_eq(c.token_file, "/etc/kube/tok");
    cr_assert(c.insecure);
    cr_assert_null(c.token);
    kube_conn_fini(&c);
}

Test(kubeconfig, context_without_user_is_unauthenticated)
{
    struct kube_conn c;
    char err[512] = "";
    const char *text = "current-context: x\n"
                       "clusters: [{name: k, cluster: {server: "
                       "'http://h:1'}}]\n"
                       "contexts: [{name: x, context: {cluster: k}}]\n";

    cr_assert_eq(parse(text, &c, err), MU_OK, "%s", err);
    cr_assert_null(c.token);
    cr_assert_null(c.cert_file);
    kube_conn_fini(&c);
}

struct bad_case {
    const char *text;
    const char *want;   /* substring of the error */
};

static const struct bad_case bad_cases[] = {
    {"clusters: []\n", "current-context is not set"},
    {"current-context: nope\ncontexts: []\n",
     "contexts: no entry named \"nope\""},
    {"current-context: x\ncontexts: [{name: x, context: {cluster: k, user: "
     "u}}]\n",
     "clusters: no entry named \"k\""},
    {"current-context: x\nclusters: [{name: k, cluster: {server: "
     "'http://h:1'}}]\ncontexts: [{name: x, context: {cluster: k, user: "
     "u}}]\nusers: []\n",
     "users: no entry named \"u\""},
    {"current-context: x\nclusters: [{name: k, cluster: {}}]\n"
     "contexts: [{name: x, context: {cluster: k}}]\n",
     "clusters[name=\"k\"].cluster.server: missing"},
    {"current-context: x\nclusters: [{name: k, cluster: {server: "
     "'ftp://h'}}]\ncontexts: [{name: x, context: {cluster: k}}]\n",
     "not an http(s) URL"},
    {"current-context: x\nclusters: [{name: k, cluster: {server: "
     "'http://h:1', certificate-authority-data: 'a$b='}}]\n"
     "contexts: [{name: x, context: {cluster: k}}]\n",
     "certificate-authority-data: not valid base64"},
    {"current-context: x\nclusters: [{name: k, cluster: {server: "
     "'http://h:1'}}]\ncontexts: [{name: x, context: {cluster: k, user: "
     "u}}]\nusers: [{name: u, user: {client-certificate: c.pem}}]\n",
     "needs a client key"},
    {"current-context: x\nclusters: [{name: k, cluster: {server: "
     "'http://h:1'}}]\ncontexts: [{name: x, context: {cluster: k, user: "
     "u}}]\nusers: [{name: u, user: {exec: {command: aws}}}]\n",
     "exec and auth-provider credential plugins are not supported"},
    {"current-context: x\nclusters: [{name: k, cluster: {server: "
     "'http://h:1', insecure-skip-tls-verify: maybe}}]\n"
     "contexts: [{name: x, context: {cluster: k}}]\n",
     "insecure-skip-tls-verify: expected true or false"},
    {"current-context: x\nclusters: {name: k}\n"
     "contexts: [{name: x, context: {cluster: k}}]\n",
     "clusters: expected a list"},
    {"current-context: [a]\n", "current-context: expected a string"},
    {"current-context: x\n  bad: [indent\n", "kubeconfig /etc/kube/config: "
                                             "line"},
    {"- just\n- a list\n", "not a YAML mapping"},
};

Test(kubeconfig, errors_name_the_missing_or_bad_field)
{
    for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++) {
        struct kube_conn c;
        char err[512] = "";

        cr_assert_neq(parse(bad_cases[i].text, &c, err), MU_OK, "case %zu",
                      i);
        cr_assert(strstr(err, bad_cases[i].want), "case %zu: got \"%s\"", i,
                  err);
        cr_assert(strstr(err, "/etc/kube/config"), "case %zu: %s", i, err);
        cr_assert_null(c.server, "case %zu leaked a half-built conn", i);
    }
}

Test(kubeconfig, missing_file_is_an_io_error_naming_it)
{
    struct kube_conn c;
    char err[512] = "";

    cr_assert_eq(kubeconfig_load("/nonexistent/kubeconfig", &c, err,
                                 sizeof(err)), MU_EIO);
    cr_assert(strstr(err, "/nonexistent/kubeconfig"), "%s", err);
}

Test(kube_base64, decodes_with_and_without_padding_and_rejects_garbage)
{
    struct kube_blob b;

    cr_assert_eq(kube_base64_decode("aGVsbG8=", 8, &b), MU_OK);
    cr_assert_str_eq(b.data, "hello");
    free(b.data);
    cr_assert_eq(kube_base64_decode("aGVsbG8", 7, &b), MU_OK);
    cr_assert_eq(b.len, 5);
    free(b.data);
    cr_assert_eq(kube_base64_decode("aGVs\nbG8=\n", 10, &b), MU_OK);
    cr_assert_str_eq(b.data, "hello");
    free(b.data);
    cr_assert_eq(kube_base64_decode("a", 1, &b), MU_EINVAL);
    cr_assert_eq(kube_base64_decode("aGV*", 4, &b), MU_EINVAL);
    cr_assert_eq(kube_base64_decode("aG=Vs", 5, &b), MU_EINVAL);
}
