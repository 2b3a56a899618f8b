/* fuzz_quantity.c - libFuzzer target: Kubernetes quantities
 * (quantity_parse) at both scales, and the round trip through
 * quantity_format, which must give back the same value. */
#include "common.h"
#include "fuzz.h"
#include "util/quantity.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static void one_scale(const char *s, size_t n, int scale)
{
    int64_t v = 0x5a5a, back = 0x5a5a;
    char txt[64];
    int rc = quantity_parse(s, n, scale, &v);

    if (rc != MU_OK) {
        FUZZ_CHECK(rc == MU_EINVAL || rc == MU_ELIMIT, "rc %d", rc);
        FUZZ_CHECK(v == 0x5a5a, "value written on error");
        return;
    }
    quantity_format(v, scale, txt, sizeof(txt));
    rc = quantity_parse(txt, strlen(txt), scale, &back);
    FUZZ_CHECK(rc == MU_OK && back == v,
               "\"%.*s\" scale %d = %lld formats as \"%s\", parsed back as "
               "%lld (rc %d)",
               (int)n, s, scale, (long long)v, txt, (long long)back, rc);
}

/* libFuzzer hands each input in a heap block of exactly size bytes, so
 * ASan catches any read past n. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one_scale((const char *)data, size, 3);
    one_scale((const char *)data, size, 0);
    return 0;
}
