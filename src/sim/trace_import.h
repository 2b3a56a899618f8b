/* trace_import.h - converters from the public DL trace formats (see
 * ../shared/data/README.md) to muster's canonical trace CSV (trace.h), and
 * the Alibaba openb node list to node specs for gen-cluster.
 *
 *  itp:           job_id,submission_time,duration,num_gpu (Microsoft ITP).
 *                 A job of more than 8 GPUs becomes a gang of ceil(n/8)
 *                 pods of n/pods GPUs (8 for the usual 16..64).
 *  alibaba-openb: name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,
 *                 pod_phase,creation_time,deletion_time,scheduled_time.
 *                 One pod per job; run time = deletion - scheduled; pods
 *                 never scheduled have no run time and are skipped (and
 *                 counted); a fraction of a GPU (gpu_milli < 1000) is
 *                 rounded up to one whole GPU, since no muster policy
 *                 shares GPUs; qos becomes the queue (lower case).
 * The output starts with '#' comment lines stating these choices and the
 * counts. Every input line is checked; errors name the line. */
#ifndef MUSTER_SIM_TRACE_IMPORT_H
#define MUSTER_SIM_TRACE_IMPORT_H

#include "common.h"
#include "sim/gen_cluster.h"
#include "util/buf.h"

enum import_format { IMPORT_ITP, IMPORT_OPENB };

/* Convert the whole of `in` into out (canonical CSV with its header).
 * IN name: how errors refer to the input
 * RET MU_OK, MU_EINVAL (a bad line: err names it), MU_ELIMIT (out's cap),
 *     MU_EIO */
int trace_import(FILE *in, const char *name, enum import_format fmt,
                 struct buf *out, char *err, size_t errlen);

/* Read an openb node list (sn,cpu_milli,memory_mib,gpu,model) into node
 * specs (the model becomes nvidia.com/gpu.product).
 * OUT *specs, *n: a new array owned by the caller (free())
 * RET MU_OK, MU_EINVAL (bad line, err names it), MU_EIO */
int import_openb_nodes(FILE *in, const char *name,
                       struct gen_node_spec **specs, uint32_t *n, char *err,
                       size_t errlen);

#endif
