/* test_kube_auth.c - in-cluster and direct connections, and a token file
 * followed through rotation. */
#include "common.h"
#include "kube/auth.h"

#include <criterion/criterion.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(kube_auth, in_cluster_builds_https_url_with_ipv6_brackets)
{
    char dir[] = "/tmp/muster-sa-XXXXXX", path[256], err[256] = "";
    struct kube_conn c;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ca.crt", dir);
    write_file(path, "pem");
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    cr_assert_eq(kube_conn_in_cluster(dir, &c, err, sizeof(err)), MU_OK, "%s",
                 err);
    cr_assert_str_eq(c.server, "https://[fd00::1]:443");
    cr_assert(strstr(c.token_file, "/token"));
    cr_assert_str_eq(c.ca_file, path);
    kube_conn_fini(&c);
    setenv("KUBERNETES_SERVICE_PORT", "44x", 1);
    cr_assert_eq(kube_conn_in_cluster(dir, &c, err, sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, "KUBERNETES_SERVICE_PORT"), "%s", err);
    unsetenv("KUBERNETES_SERVICE_HOST");
    cr_assert_eq(kube_conn_in_cluster(dir, &c, err, sizeof(err)), MU_EINVAL);
    unlink(path);
    rmdir(dir);
}

Test(kube_auth, direct_url_must_be_http_and_loses_trailing_slash)
{
    struct kube_conn c;
    char err[256] = "";

    cr_assert_eq(kube_conn_direct("http://127.0.0.1:8080/", NULL, &c, err,
                                  sizeof(err)), MU_OK);
    cr_assert_str_eq(c.server, "http://127.0.0.1:8080");
    kube_conn_fini(&c);
    cr_assert_eq(kube_conn_direct("127.0.0.1:8080", NULL, &c, err,
                                  sizeof(err)), MU_EINVAL);
    cr_assert(strstr(err, "--api-server"));
}

Test(kube_auth, token_file_is_reread_when_it_changes)
{
    char path[] = "/tmp/muster-token-XXXXXX", tok[256], err[256] = "";
    struct kube_conn c = {0};
    struct kube_token t;
    int fd = mkstemp(path);

    cr_assert_geq(fd, 0);
    close(fd);
    write_file(path, "first-token\n");
    c.token_file = path;
    cr_assert_eq(kube_token_init(&t, &c, err, sizeof(err)), MU_OK, "%s", err);
    cr_assert_eq(kube_token_get(&t, false, tok, sizeof(tok)), MU_OK);
    cr_assert_str_eq(tok, "first-token");
    /* A rotation replaces the file (new inode, as the kubelet's atomic
     * writer does); a forced check (after a 401) sees it at once. */
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    write_file(tmp, "second-token-longer");
    cr_assert_eq(rename(tmp, path), 0);
    cr_assert_eq(kube_token_get(&t, true, tok, sizeof(tok)), MU_OK);
    cr_assert_str_eq(tok, "second-token-longer");
    /* Too small an output buffer is refused, not truncated. */
    cr_assert_eq(kube_token_get(&t, false, tok, 5), MU_ELIMIT);
    /* A vanished file keeps the last token. */
    unlink(path);
    cr_assert_eq(kube_token_get(&t, true, tok, sizeof(tok)), MU_OK);
    cr_assert_str_eq(tok, "second-token-longer");
    kube_token_fini(&t);
    cr_assert_eq(kube_token_init(&t, &c, err, sizeof(err)), MU_EIO);
    cr_assert(strstr(err, path), "%s", err);
}

Test(kube_auth, static_token_and_no_token)
{
    struct kube_conn c = {0};
    struct kube_token t;
    char tok[64], err[128];

    c.token = "static";
    cr_assert_eq(kube_token_init(&t, &c, err, sizeof(err)), MU_OK);
    cr_assert_eq(kube_token_get(&t, true, tok, sizeof(tok)), MU_OK);
    cr_assert_str_eq(tok, "static");
    kube_token_fini(&t);
    c.token = NULL;
    cr_assert_eq(kube_token_init(&t, &c, err, sizeof(err)), MU_OK);
    cr_assert_eq(kube_token_get(&t, false, tok, sizeof(tok)), MU_OK);
    cr_assert_str_eq(tok, "");
    kube_token_fini(&t);
}
