/* fuzz_kubeconfig.c - libFuzzer target: kubeconfig YAML resolved to a
 * connection (kubeconfig_parse; no file is read or written: relative paths
 * in it only become strings under the made-up directory). */
#include "common.h"
#include "fuzz.h"
#include "kube/conn.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kube_conn conn;
    char err[512];
    int rc;

    rc = kubeconfig_parse((const char *)data, size, "/tmp/fuzz/kubeconfig",
                          &conn, err, sizeof(err));
    if (rc != MU_OK) {
        fuzz_check_err(err, sizeof(err));
        FUZZ_CHECK(!conn.server && !conn.token && !conn.ca_data.data,
                   "fields left set on failure");
        return 0;
    }
    FUZZ_CHECK(conn.server && (!strncmp(conn.server, "https://", 8) ||
                               !strncmp(conn.server, "http://", 7)),
               "server is not an http(s) URL");
    kube_conn_fini(&conn);
    return 0;
}
