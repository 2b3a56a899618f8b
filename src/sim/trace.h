/* trace.h - the simulator's workload: a streaming reader for the canonical
 * trace CSV, with every line validated and errors naming the line.
 *
 * Format: a header line naming the columns (any order), then one job per
 * line. Blank lines and lines starting with '#' are ignored anywhere.
 *   required: job_id, submit_time, num_pods, gpus_per_pod, duration
 *   optional: cpu_per_pod, memory_per_pod, min_member, priority, queue, user
 * submit_time and duration are seconds with at most 3 decimals (kept in
 * ms); cpu_per_pod and memory_per_pod are Kubernetes quantities ("2",
 * "500m", "16Gi"); min_member defaults to num_pods; priority is an int32
 * (default 0); queue (default "default") becomes the pods' namespace, so it
 * must be a DNS label. Rows must be sorted by submit_time so that the trace
 * can be streamed: memory does not grow with its length. Fields may be
 * quoted ("a,b" with "" for a quote); unknown columns are an error. */
#ifndef MUSTER_SIM_TRACE_H
#define MUSTER_SIM_TRACE_H

#include "common.h"

#define TRACE_LINE_MAX 4096          /* bytes per line, R7 */
#define TRACE_ID_MAX 100             /* job_id: [A-Za-z0-9._-] */
#define TRACE_QUEUE_MAX 63           /* a DNS label */
#define TRACE_USER_MAX 128
#define TRACE_MAX_PODS 10000u
#define TRACE_MAX_GPUS 1024
#define TRACE_IDS_MEM 65536u         /* trace_scan: hashes in memory */
#define TRACE_MAX_MS (10000000000LL * 1000)   /* 10^10 s: ~317 years */

struct trace_job {
    char id[TRACE_ID_MAX + 1];
    int64_t submit_ms;
    int64_t duration_ms;
    uint32_t num_pods;
    uint32_t min_member;         /* 1..num_pods */
    int64_t gpus_per_pod;        /* whole GPUs, 0..TRACE_MAX_GPUS */
    int64_t cpu_milli;           /* per pod; 0 when not given */
    int64_t memory;              /* bytes per pod; 0 when not given */
    int32_t priority;
    char queue[TRACE_QUEUE_MAX + 1];
    char user[TRACE_USER_MAX + 1];
    uint64_t line;               /* 1-based line number in the file */
};

struct trace_reader;

/* Open a trace from a stream (not closed by the reader) and read its
 * header. IN name: how errors refer to the input ("trace.csv").
 * OUT err: "trace.csv:1: missing column duration" on failure
 * RET MU_OK, MU_EINVAL (bad header), MU_EIO (read error) */
int trace_reader_new(FILE *f, const char *name, struct trace_reader **out,
                     char *err, size_t errlen);
/* Open path and read its header (errors as above, MU_EIO when the file
 * cannot be opened). The reader owns and closes the file. */
int trace_open(const char *path, struct trace_reader **out, char *err,
               size_t errlen);
void trace_reader_free(struct trace_reader *r);   /* accepts NULL */

/* Read the next job.
 * OUT job: filled on MU_OK
 * OUT err: "trace.csv:12: gpus_per_pod: \"x\" is not a whole number" on
 *          MU_EINVAL; the reader stays usable, so a caller may skip the
 *          line and go on
 * RET MU_OK, MU_ENOENT (end of trace), MU_EINVAL (bad line), MU_EIO */
int trace_next(struct trace_reader *r, struct trace_job *job, char *err,
               size_t errlen);

/* Whole-trace facts from one validating pass (trace_scan). */
struct trace_stats {
    uint64_t jobs;               /* good lines */
    uint64_t bad;                /* bad lines (only with skip_bad) */
    uint64_t pods;
    int64_t first_ms, last_ms;   /* submit times of the first and last job */
    double gpu_seconds;          /* sum of num_pods*gpus_per_pod*duration */
    int64_t median_gpus;         /* median gpus_per_pod over pods */
    /* Lines whose job_id repeats an earlier line's (sorted); with
     * skip_bad they are counted in `bad` and must be skipped. */
    size_t ndups;
    uint64_t *dup_lines;
};

/* Validate a whole trace file before a run: every line (including
 * duplicate job_ids, found through 64-bit hashes of the ids). Memory is
 * fixed: TRACE_IDS_MEM hashes (16 bytes each) in memory; a longer trace's
 * hashes go to a temporary file (tmpfile(3), 16 bytes per job) that is
 * then checked in ~total / (TRACE_IDS_MEM / 2) hash partitions. Without
 * skip_bad the first bad line is an error (err names it); with it bad
 * lines are counted and the first is still described in err (as a note;
 * RET is MU_OK).
 * RET MU_OK, MU_EINVAL, MU_EIO */
int trace_scan(const char *path, bool skip_bad, struct trace_stats *st,
               char *err, size_t errlen);
/* trace_scan with ids_mem hashes in memory instead (tests use a few). */
int trace_scan_mem(const char *path, bool skip_bad, size_t ids_mem,
                   struct trace_stats *st, char *err, size_t errlen);
void trace_stats_fini(struct trace_stats *st);
/* Is line one of st's duplicate lines? O(log ndups). */
bool trace_stats_is_dup(const struct trace_stats *st, uint64_t line);

/* Checked number parsers shared with trace import (R8). No sign, no
 * spaces, no overflow: RET MU_OK, MU_EINVAL (malformed) or MU_ELIMIT
 * (above max). */
int trace_parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out);
/* A positive decimal "12", "0.25" (at most 9 decimals) up to 1e6, as the
 * --time-scale and --load flags take. RET MU_OK or MU_EINVAL. */
int trace_parse_pos(const char *s, double *out);
/* Seconds with at most 3 decimals, to milliseconds. */
int trace_parse_ms(const char *s, size_t n, int64_t max_ms, int64_t *out);

#endif
