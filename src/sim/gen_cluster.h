/* gen_cluster.h - synthetic clusters in `kubectl get nodes,pods -A -o json`
 * form, for the benchmark, the simulator and tests.
 *
 * The output is a `kind: List` of Node objects laid out the way kubectl
 * prints them (4-space indent, keys in sorted order), so it can be fed to
 * anything that reads a real cluster dump (`muster serve --snapshot`). The
 * same options always give the same bytes: every varying field (uids, IPs,
 * boot ids, image digests) comes from a PRNG seeded with `seed`. */
#ifndef MUSTER_SIM_GEN_CLUSTER_H
#define MUSTER_SIM_GEN_CLUSTER_H

#include "common.h"
#include "util/buf.h"

/* Bounds of the options. Node names are node-00000..node-99999. */
#define GEN_MAX_NODES 100000u
#define GEN_MAX_GPUS 64u
#define GEN_MAX_IMAGES 100u
#define GEN_MAX_CPU_MILLI (1024LL * 1000)         /* 1024 cores */
#define GEN_MAX_MEMORY (64LL << 40)                /* 64 TiB */

struct gen_opts {
    uint32_t nodes;          /* 1..GEN_MAX_NODES */
    uint32_t gpus_per_node;  /* 0..GEN_MAX_GPUS; 0 = no GPU labels/resources */
    int64_t cpu_milli;       /* capacity per node, >= 1000 (1 core) */
    int64_t memory_bytes;    /* capacity per node, >= 1 GiB */
    uint32_t racks;          /* 1..nodes; nodes are spread evenly, in blocks */
    uint32_t zones;          /* 1..racks; racks are spread evenly, in blocks */
    uint32_t images;         /* 0..GEN_MAX_IMAGES entries in status.images */
    uint64_t seed;
};

/* Defaults for everything but nodes (which the caller must set): 8 GPUs,
 * 64 cores, 512 GiB, 1 rack, 1 zone, no images, seed 1. */
void gen_opts_init(struct gen_opts *o);

/* Check the options against the bounds above.
 * OUT err: on failure, a message naming the bad option ("--racks 9 is more
 *          than --nodes 4"), NUL-terminated in errlen bytes
 * RET MU_OK or MU_EINVAL */
int gen_opts_check(const struct gen_opts *o, char *err, size_t errlen);

/* The rack and zone index of node i (0-based), as written in the labels
 * topology.muster.dev/rack: rack-K and topology.kubernetes.io/zone: zone-Z. */
uint32_t gen_node_rack(const struct gen_opts *o, uint32_t i);
uint32_t gen_rack_zone(const struct gen_opts *o, uint32_t rack);

/* Append the whole cluster to `out`.
 * RET MU_OK; MU_EINVAL for options gen_opts_check rejects; MU_ELIMIT if the
 *     output does not fit under out->max (out then holds a partial, invalid
 *     document: the caller discards it). */
int gen_cluster(const struct gen_opts *o, struct buf *out);

#endif
