/* decode.h - Kubernetes Pod and Node JSON objects -> struct pod / struct
 * node_info, reading only the fields the plugins use and skipping the rest.
 * The same decoders serve snapshots, watch events and extender request
 * bodies, so every source of objects is judged by identical rules.
 *
 * Validation: a field of the wrong type, a malformed quantity, a negative
 * request, an unknown operator or taint effect, a duplicate label key is an
 * error naming the field (via the scanner's path). Unknown fields are
 * skipped: Kubernetes objects grow fields all the time. */
#ifndef MUSTER_CACHE_DECODE_H
#define MUSTER_CACHE_DECODE_H

#include "common.h"
#include "cache/model.h"
#include "util/jscan.h"

/* Decode the object under the cursor (which must be a JSON object).
 * OUT *out: a new pod/node owned by the caller; untouched on error.
 * RET MU_OK, or MU_EINVAL/MU_ELIMIT with js_error(js) saying why. */
int decode_pod(struct jscan *js, struct pod **out);
int decode_node(struct jscan *js, struct node_info **out);

/* Convenience wrappers over a whole buffer holding one object. `prefix`
 * names it in errors ("Pod", "snapshot items[3]"). err gets the message. */
int decode_pod_buf(const char *buf, size_t len, const char *prefix,
                   struct pod **out, char *err, size_t errlen);
int decode_node_buf(const char *buf, size_t len, const char *prefix,
                    struct node_info **out, char *err, size_t errlen);

#endif
