/* quantity.h - Kubernetes resource.Quantity parsing, exact, in integers.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource):
 *   quantity  ::= signedNumber suffix
 *   suffix    ::= binarySI | decimalExponent | decimalSI
 *   binarySI  ::= Ki | Mi | Gi | Ti | Pi | Ei
 *   decimalSI ::= n | u | m | "" | k | M | G | T | P | E
 *   decimalExponent ::= "e" signedNumber | "E" signedNumber
 *   number    ::= digits | digits "." digits | digits "." | "." digits
 * e.g. "500m", "1.5", "0.5Gi", "1e3", "12E2", "527972500Ki", "+1", "1E" (exa).
 *
 * The value is converted to units of 10^-scale (scale 3: milli, for cpu;
 * scale 0: whole units, for bytes and counts) and rounded UP as Kubernetes'
 * MilliValue()/Value() do, so "1.5m" cpu is 2 millicores and "0.5" pods is 1.
 * A result outside int64 is MU_ELIMIT; anything malformed is MU_EINVAL. No
 * partial parse ever yields a value. */
#ifndef MUSTER_UTIL_QUANTITY_H
#define MUSTER_UTIL_QUANTITY_H

#include "common.h"

/* IN s, n: the text (not NUL-terminated necessarily)
 * IN scale: 3 for milli-units, 0 for units
 * OUT out: the value; untouched on error
 * RET MU_OK, MU_EINVAL (malformed), MU_ELIMIT (out of range) */
int quantity_parse(const char *s, size_t n, int scale, int64_t *out);

/* Format a value in units of 10^-scale compactly ("500m", "2", "32Gi",
 * "1500M" ...) into dst; for messages and round trips. */
void quantity_format(int64_t v, int scale, char *dst, size_t cap);

#endif
