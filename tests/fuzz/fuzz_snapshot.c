/* fuzz_snapshot.c - libFuzzer target: cluster snapshots (snapshot_parse,
 * the parser behind --cluster FILE and `muster simulate`), then a dump of
 * what was loaded so every decoded field is read back. */
#include "common.h"
#include "fuzz.h"
#include "cache/snapshot.h"
#include "util/buf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cluster *c = NULL;
    struct buf dump;
    char err[512];
    int rc;

    rc = snapshot_parse((const char *)data, size, "fuzz.json", &c, err,
                        sizeof(err));
    if (rc != MU_OK) {
        /* MU_ELIMIT: nodes past RES_MAX resource names (pods cannot) */
        FUZZ_CHECK(rc == MU_EINVAL || rc == MU_ELIMIT, "rc %d", rc);
        FUZZ_CHECK(c == NULL, "cluster returned on failure");
        fuzz_check_err(err, sizeof(err));
        return 0;
    }
    FUZZ_CHECK(c != NULL && c->synced, "no synced cluster on success");
    buf_init(&dump, 64u << 20);
    cluster_rdlock(c);
    rc = cluster_dump_json(c, &dump);
    cluster_unlock(c);
    FUZZ_CHECK(rc == MU_OK, "dump: %d", rc);
    buf_fini(&dump);
    cluster_free(c);
    return 0;
}
