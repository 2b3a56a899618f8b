/* sim.h - `muster simulate`: replay a trace of jobs over a cluster
 * snapshot in virtual time, through the very filter, score and gang code
 * that `muster serve` runs (R14), and report what happened to every job.
 *
 * Model (the documented rules; see README "Simulation"):
 *  - Events at one virtual instant are handled in this order: job
 *    completions (in the order the jobs started), then arrivals (trace
 *    order), then scheduling cycles until no pod is ready to try, then the
 *    gang table's tick (timeouts, starvation, admissions) with more cycles
 *    for the pods it wakes, then one timeline row.
 *  - The scheduling queue is kube-scheduler's: one pod per cycle, highest
 *    priority first, then earliest submit, then trace order, then pod
 *    index. A pod that fits nowhere is parked and retried only when
 *    capacity is released (a job completes or a gang reservation is
 *    dropped) or, for gang members, when the gang table wakes them: never
 *    a busy loop. Pods of a non-gang shape (same requests) that failed are
 *    parked together, since they would fail on the same nodes.
 *  - Each cycle filters every node (sorted by name) with filter_run and
 *    scores the feasible ones with score_run_raw; the highest total wins,
 *    ties going to the smallest node name. With pick_extender the totals
 *    are first scaled to the extender's 0..10 (score_scale), as
 *    kube-scheduler sees them from /prioritize.
 *  - A job runs once min_member of its pods are bound (pods start when
 *    bound) and completes `duration` later, releasing all its pods.
 *  - The gang table is used when the policy lists the "gang" filter; jobs
 *    with min_member > 1 then carry the gang label and annotation. Under
 *    other policies their pods are placed one by one, so partial
 *    placements hold GPUs idle, as in a real cluster.
 *  - Memory: the cluster and the live jobs (arrived, not finished), not
 *    the trace: it is streamed, finished jobs are written out and freed,
 *    and the JCT and wait percentiles live in fixed-size structures
 *    (util/quantile.h, about 150 KiB each). They are exact while at most
 *    QUANT_EXACT_MAX (8,192) jobs finished; beyond, each reported
 *    percentile is within 1/1024 (0.098%) of the exact one, and
 *    sim_summary.pct_exact (summary.json "percentiles_exact") says which.
 *    The validating pre-pass (trace_scan) also keeps a fixed number of
 *    job_id hashes in memory and spills the rest to a temporary file. */
#ifndef MUSTER_SIM_SIM_H
#define MUSTER_SIM_SIM_H

#include "common.h"

struct sim_opts {
    const char *cluster_path;
    const char *trace_path;
    const char *policy_path;
    const char *out_dir;        /* NULL: no files */
    double time_scale;          /* inter-arrival gaps x this; 0: unset */
    double load;                /* target offered GPU load; 0: unset */
    bool skip_bad;
    bool quiet;                 /* no progress bar */
    /* Pick by the 0..10 score muster's /prioritize answers (what
     * kube-scheduler sees) instead of the full-resolution total. */
    bool pick_extender;
};

struct sim_summary {
    uint64_t jobs, completed, unfinished, skipped_lines;
    uint64_t pods_bound, cycles, events;
    uint64_t partial_jobs;       /* jobs that ever ran partly placed */
    double jct_mean, jct_p50, jct_p95, jct_p99;       /* seconds */
    double wait_mean, wait_p50, wait_p95, wait_p99;
    double makespan;             /* first arrival to last completion */
    double gpu_util;             /* busy GPU-seconds / (GPUs x makespan) */
    double gpu_alloc;            /* allocated GPU-seconds / same */
    double frag_gpus;            /* time-mean free GPUs on nodes that
                                    cannot fit the median pod */
    double frag_share;           /* the same over time-mean free GPUs */
    double busy_gpu_seconds;     /* integral of GPUs of running jobs */
    double job_gpu_seconds;      /* sum over completed jobs of GPUs x
                                    duration: equals the line above */
    double time_scale;           /* the scale applied */
    int64_t cluster_gpus;
    size_t nodes;
    int64_t median_gpus;
    double wall_s, events_per_s, jobs_per_s;
    bool gang;                   /* the gang table was in use */
    bool pct_exact;              /* the p50/p95/p99 above are exact (else
                                    within 1/1024 of it: sim.h, Memory) */
    char policy[256];
};

/* Run a whole simulation.
 * OUT sum: the summary (also written to out_dir/summary.json)
 * OUT err: what went wrong, naming the file and line
 * RET MU_OK, MU_EINVAL (bad input), MU_EIO (files) */
int sim_run(const struct sim_opts *o, struct sim_summary *sum, char *err,
            size_t errlen);

/* Print the summary as an aligned table. */
void sim_summary_print(const struct sim_summary *s, FILE *out);

#endif
