/* fuzz_policy.c - libFuzzer target: policy files (policy_parse, behind
 * --policy and `muster check-policy`), including plugin args and the gang
 * section. */
#include "common.h"
#include "fuzz.h"
#include "policy/policy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct policy *p = NULL;
    char err[512];
    int rc;

    rc = policy_parse((const char *)data, size, "fuzz.json", &p, err,
                      sizeof(err));
    if (rc != MU_OK) {
        FUZZ_CHECK(rc == MU_EINVAL || rc == MU_ELIMIT, "rc %d", rc);
        fuzz_check_err(err, sizeof(err));
    } else {
        FUZZ_CHECK(p != NULL, "no policy on success");
    }
    policy_free(p);
    return 0;
}
