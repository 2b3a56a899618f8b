/* args.h - helpers plugins use to validate their policy `args` (R9).
 *
 * Every error is written into err relative to the args object, e.g.
 * ".resources.cpu: expected integer 1..100"; the policy loader prefixes the
 * entry's path (".scores[0].args"). Nothing is ever defaulted silently: a key
 * a plugin does not know is an error. */
#ifndef MUSTER_POLICY_ARGS_H
#define MUSTER_POLICY_ARGS_H

#include "common.h"
#include "cache/resources.h"

#include <cjson/cJSON.h>

#define ARGS_RES_NAME_MAX 253 /* a Kubernetes qualified name's limit */

/* Resources with weights, in the order the policy gave them. */
struct res_weights {
    uint32_t n;
    int id[RES_MAX];
    int64_t w[RES_MAX];
};

/* Write "fmt..." into err (never overflows). */
void args_err(char *err, size_t errlen, const char *fmt, ...) MU_PRINTF(3, 4);

/* IN args: NULL or a JSON object
 * IN known: NULL-terminated list of accepted keys (may be just {NULL})
 * RET MU_OK, or MU_EINVAL with ".key: unknown key (known: a, b)" or
 *     ".key: duplicate key" in err; a non-object is ": expected an object" */
int args_check_keys(const cJSON *args, const char *const *known, char *err,
                    size_t errlen);

/* A resource name string, interned (res_intern).
 * IN path: where v sits (".resource"), for errors
 * OUT id: the resource id
 * RET MU_OK, MU_EINVAL (not a valid name), MU_ELIMIT (RES_MAX names) */
int args_res_name(const cJSON *v, const char *path, int *id, char *err,
                  size_t errlen);

/* {"cpu": 1, "memory": 1}: at least one resource, weights 1..100. */
int args_res_weights(const cJSON *v, const char *path, struct res_weights *rw,
                     char *err, size_t errlen);

/* ["cpu", "memory"]: at least one resource, no repeats; weights set to 1. */
int args_res_list(const cJSON *v, const char *path, struct res_weights *rw,
                  char *err, size_t errlen);

/* {"resources": {"cpu": 1, ...}} (as_list false) or {"resources": ["cpu",
 * ...]} (as_list true) into dst. RET MU_OK or MU_ELIMIT when cap is short. */
int args_describe_res(const struct res_weights *rw, bool as_list, char *dst,
                      size_t cap);

#endif
