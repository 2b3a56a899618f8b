/* snapshot.h - load a cluster from JSON as `kubectl get nodes,pods -A -o
 * json` prints it (kind: List, items of kind Node and Pod), or from a bare
 * NodeList or PodList. The embedded default (examples/cluster.json) is
 * compiled into the binary so that `muster serve` works with no files. */
#ifndef MUSTER_CACHE_SNAPSHOT_H
#define MUSTER_CACHE_SNAPSHOT_H

#include "common.h"
#include "cache/cluster.h"

/* Parse buf into a new cluster (synced = true).
 * IN name: how errors refer to the input ("examples/cluster.json")
 * OUT *out: the new cluster, owned by the caller
 * OUT err: the first error, naming the item and field, on failure
 * RET MU_OK, MU_EINVAL, MU_ELIMIT */
int snapshot_parse(const char *buf, size_t len, const char *name,
                   struct cluster **out, char *err, size_t errlen);
/* Read and parse a file; MU_EIO with err set when it cannot be read. */
int snapshot_load(const char *path, struct cluster **out, char *err,
                  size_t errlen);
/* The embedded examples/cluster.json. */
int snapshot_load_default(struct cluster **out, char *err, size_t errlen);
extern const char snapshot_default_json[];
extern const size_t snapshot_default_len;

#endif
