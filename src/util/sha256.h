/* sha256.h - SHA-256 (FIPS 180-4) of byte strings and files, for the
 * reproducibility record of `muster bench` (no crypto dependency). */
#ifndef MUSTER_UTIL_SHA256_H
#define MUSTER_UTIL_SHA256_H

#include "common.h"

#define SHA256_LEN     32
#define SHA256_HEX_LEN 65 /* 64 hex digits and the NUL */

struct sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    uint8_t block[64];
    size_t fill; /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_add(struct sha256 *c, const void *p, size_t n);
/* OUT digest: the 32-byte hash; c must be re-initialised before reuse. */
void sha256_final(struct sha256 *c, uint8_t digest[SHA256_LEN]);

/* The lowercase hex of the SHA-256 of p[0..n).
 * OUT hex: 64 digits, NUL-terminated */
void sha256_hex(const void *p, size_t n, char hex[SHA256_HEX_LEN]);

/* The lowercase hex of the SHA-256 of the file at path.
 * RET MU_OK, MU_EIO (cannot open or read; errno is kept) */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN]);

#endif
