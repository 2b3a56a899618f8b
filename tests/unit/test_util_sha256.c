/* test_util_sha256.c - SHA-256 against the FIPS 180-4 / NIST example
 * vectors, streaming in odd pieces, and hashing files. */
#include "common.h"
#include "util/sha256.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>
#include <unistd.h>

Test(sha256, fips_one_block_message_abc)
{
    char hex[SHA256_HEX_LEN];

    sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
                          "b00361a396177a9cb410ff61f20015ad");
}

Test(sha256, fips_two_block_message_448_bits)
{
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char hex[SHA256_HEX_LEN];

    sha256_hex(m, strlen(m), hex);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
                          "a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, fips_896_bit_message)
{
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    char hex[SHA256_HEX_LEN];

    sha256_hex(m, strlen(m), hex);
    cr_assert_str_eq(hex, "cf5b16a778af8380036ce59e7b0492370"
                          "b249b11e8f07a51afac45037afee9d1");
}

Test(sha256, empty_message)
{
    char hex[SHA256_HEX_LEN];

    sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                          "27ae41e4649b934ca495991b7852b855");
}

Test(sha256, one_million_a_fed_in_odd_pieces)
{
    struct sha256 c;
    uint8_t d[SHA256_LEN], want0 = 0xcd, want31 = 0xd0;
    char *a = xmalloc(1000000);
    size_t off = 0, step = 1;

    memset(a, 'a', 1000000);
    sha256_init(&c);
    /* Pieces of 1, 2, 3, ... bytes cross every block boundary offset. */
    while (off < 1000000) {
        size_t n = MU_MIN(step, 1000000 - off);

        sha256_add(&c, a + off, n);
        off += n;
        step = step % 97 + 1;
    }
    sha256_final(&c, d);
    /* cdc76e5c 9914fb92 81a1c7e2 84d73e67 f1809a48 a497200e 046d39cc c7112cd0
     */
    cr_assert_eq(d[0], want0);
    cr_assert_eq(d[31], want31);
    cr_assert_eq(d[4], 0x99);
    free(a);
}

Test(sha256, lengths_around_the_padding_boundary_match_one_shot)
{
    char buf[130], one[SHA256_HEX_LEN], two[SHA256_HEX_LEN];

    memset(buf, 'x', sizeof(buf));
    for (size_t n = 50; n < sizeof(buf); n++) {
        struct sha256 c;
        uint8_t d[SHA256_LEN];
        static const char digits[] = "0123456789abcdef";

        sha256_hex(buf, n, one);
        sha256_init(&c);
        sha256_add(&c, buf, n / 2);
        sha256_add(&c, buf + n / 2, n - n / 2);
        sha256_final(&c, d);
        for (int i = 0; i < SHA256_LEN; i++) {
            two[2 * i] = digits[d[i] >> 4];
            two[2 * i + 1] = digits[d[i] & 15];
        }
        two[64] = '\0';
        cr_assert_str_eq(one, two, "length %zu", n);
    }
}

Test(sha256, file_hash_equals_memory_hash_and_missing_file_is_eio)
{
    char path[] = "/tmp/muster-sha-XXXXXX", hex[SHA256_HEX_LEN];
    int fd = mkstemp(path);

    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "abc", 3), 3);
    close(fd);
    cr_assert_eq(sha256_file(path, hex), MU_OK);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
                          "b00361a396177a9cb410ff61f20015ad");
    unlink(path);
    cr_assert_eq(sha256_file(path, hex), MU_EIO);
}
