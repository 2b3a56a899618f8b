/* test_http_tls.c - --tls-cert/--tls-key/--client-ca checks: good files
 * load; each kind of bad file is refused with the flag and the file named;
 * the key is wiped on fini. Certificates come from tests/tls/gen-certs.sh
 * (openssl), made once per test in /tmp. */
#include "common.h"
#include "http/tls.h"

#include <criterion/criterion.h>
#include <unistd.h>

static char dir[64];

static const char *f(const char *name)
{
    static char p[4][160];
    static int k;

    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
    return p[k];
}

static void setup(void)
{
    char cmd[256];

    snprintf(dir, sizeof(dir), "/tmp/muster-tlsunit-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd),
             "tests/tls/gen-certs.sh '%s' && cd '%s' && "
             "echo junk > junk.pem && : > empty.pem",
             dir, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(tls, .init = setup, .fini = teardown, .timeout = 30);

Test(tls, good_files_load_and_fini_clears)
{
    struct http_tls t;
    char err[512] = "";

    cr_assert(http_tls_supported());
    cr_assert_eq(http_tls_load(&t, f("server.pem"), f("server-key.pem"),
                               f("ca.pem"), err, sizeof(err)),
                 MU_OK, "%s", err);
    cr_assert(strstr(t.cert, "-----BEGIN CERTIFICATE-----"));
    cr_assert(strstr(t.key, "PRIVATE KEY-----"));
    cr_assert(strstr(t.client_ca, "-----BEGIN CERTIFICATE-----"));
    http_tls_fini(&t);
    cr_assert_null(t.cert);
    cr_assert_null(t.key);
    cr_assert_null(t.client_ca);
    cr_assert_eq(http_tls_load(&t, f("server.pem"), f("server-key.pem"), NULL,
                               err, sizeof(err)),
                 MU_OK, "%s", err);
    cr_assert_null(t.client_ca);
    http_tls_fini(&t);
}

Test(tls, bad_files_are_refused_naming_flag_and_file)
{
    static const char *const cases[][4] = {
        {"nope.pem", "server-key.pem", NULL, "--tls-cert %s/nope.pem: No "},
        {"empty.pem", "server-key.pem", NULL,
         "--tls-cert %s/empty.pem: the "
         "file is empty"},
        {"junk.pem", "server-key.pem", NULL,
         "--tls-cert %s/junk.pem: no PEM "
         "certificate"},
        {"server.pem", "junk.pem", NULL,
         "--tls-key %s/junk.pem: no PEM "
         "private key"},
        {"server.pem", "other-client-key.pem", NULL,
         "--tls-key %s/other-client-key.pem does not match"},
        {"server.pem", "server-key.pem", "empty.pem",
         "--client-ca "
         "%s/empty.pem: the file "
         "is empty"},
    };
    struct http_tls t;
    char err[512], want[256];

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        err[0] = '\0';
        cr_assert_neq(http_tls_load(&t, f(cases[i][0]), f(cases[i][1]),
                                    cases[i][2] ? f(cases[i][2]) : NULL, err,
                                    sizeof(err)),
                      MU_OK, "case %zu", i);
        snprintf(want, sizeof(want), cases[i][3], dir);
        cr_assert(strstr(err, want), "case %zu: want '%s', got '%s'", i, want,
                  err);
        cr_assert_null(t.cert);
        cr_assert_null(t.key);
    }
}

Test(tls, no_session_is_not_a_client)
{
    char why[128];

    cr_assert_eq(http_tls_check_client(NULL, why, sizeof(why)), MU_EINVAL);
    cr_assert_str_eq(why, "not a TLS connection");
}
