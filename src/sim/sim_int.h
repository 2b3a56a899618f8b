/* sim_int.h - the simulator's private state, shared by sim.c (events and
 * jobs), sim_queue.c (the scheduling queue and cycle) and sim_report.c
 * (metrics and output files). */
#ifndef MUSTER_SIM_SIM_INT_H
#define MUSTER_SIM_SIM_INT_H

#include "common.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "cache/cluster.h"
#include "policy/policy.h"
#include "queue/gang.h"
#include "util/quantile.h"
#include "util/strmap.h"

#define SIM_JOB_MAGIC 0x53494d4au   /* "SIMJ" */
#define SIM_KEY_MAX (TRACE_QUEUE_MAX + TRACE_ID_MAX + 24)

enum sim_pod_state {
    SP_QUEUED = 0,   /* in its group's heap */
    SP_HELD,         /* its bind is held by the gang table */
    SP_BOUND,
};

struct sim_group;

struct sim_pod {
    struct sim_job *job;
    uint32_t idx;
    enum sim_pod_state state;
    size_t hpos;                 /* index in the group heap (SP_QUEUED) */
    int32_t node;                /* index in sim.nodes; -1 unbound */
    int64_t bind_ms;
    char uid[40];
    char key[SIM_KEY_MAX];       /* "ns/name" */
};

struct sim_job {
    uint32_t magic;
    struct trace_job t;
    uint64_t seq;                /* arrival order */
    int64_t submit_ms;           /* scaled */
    int64_t start_ms, end_ms;    /* -1 until known */
    uint32_t bound, held;
    bool running, done, partial, gang, touched;
    struct sim_group *group;     /* where its pending pods queue */
    struct sim_pod *pods;        /* [t.num_pods] */
    struct sim_job *next_touched;
    size_t lpos;                 /* index in sim.live */
};

/* Pending pods that would fail on the same nodes: one shape (requests)
 * for ordinary pods, one job for gang members. */
struct sim_group {
    char key[64];
    struct sim_pod **heap;       /* by sim_pod_before */
    size_t n, cap;
    bool parked;
    bool is_job;                 /* a gang job's group (freed with it) */
    size_t refs;                 /* live jobs queueing here: a shape
                                    group goes with the last (memory must
                                    not grow with distinct shapes) */
    size_t gpos;                 /* index in sim.gheap, SIZE_MAX: none */
};

struct sim_event {
    int64_t t;
    uint64_t seq;
    struct sim_job *job;         /* a completion */
};

struct sim {
    const struct sim_opts *o;
    struct cluster *c;
    bool locked;                 /* we hold c's write lock */
    struct policy *pol;
    struct gang_table *gt;       /* NULL unless the policy gangs */
    struct node_info **nodes;    /* sorted by name */
    size_t nnodes;
    int64_t *scratch;            /* nnodes x RES_MAX usage copies */
    const int64_t **usage;       /* per node: its usage for one cycle */
    struct node_view *views, *fe;
    int64_t *scores;
    int gpu;                     /* resource id of nvidia.com/gpu */
    int64_t now;
    /* trace */
    struct trace_reader *tr;
    struct trace_stats ts;
    struct trace_job next;
    bool have_next;
    double scale;
    uint64_t seq;
    /* queue */
    struct strmap groups;        /* shape key -> group */
    struct sim_group **gheap;    /* active groups by their head pod */
    size_t ng, gcap;
    struct strmap pods;          /* "ns/name" -> live sim_pod */
    struct sim_job **live;       /* arrived, not finished */
    size_t nlive, livecap;
    uint64_t idle_rounds;
    uint64_t gangs_waiting;      /* gang jobs arrived and not running */
    int64_t gdeadline;           /* the gang table's next deadline */
    /* events */
    struct sim_event *ev;
    size_t nev, evcap;
    uint64_t evseq;
    struct sim_job *touched;     /* jobs whose bound count changed */
    bool released;               /* capacity freed this instant */
    uint64_t placed_now;         /* binds in the current cycle batch */
    /* metrics */
    int64_t gpu_alloc, gpu_busy, gpu_total, frag, free_gpus;
    uint64_t live_jobs, pending_jobs, running_jobs;
    struct sim_summary sum;
    struct quantile jct_q, wait_q;   /* fixed memory (quantile.h) */
    int64_t last_t, first_t;
    double i_busy, i_alloc, i_frag, i_free;
    int64_t row[4];              /* last timeline row written */
    FILE *jobs_csv, *pods_csv, *timeline_csv;
    /* progress */
    double wall0, last_draw;
    bool progress;
    char *err;
    size_t errlen;
};

/* sim_queue.c */
void simq_init(struct sim *s);
void simq_fini(struct sim *s);
/* Queue a pending pod (new, or back from a failed bind). */
void simq_push(struct sim *s, struct sim_pod *p);
/* Remove a queued pod (its job completed). */
void simq_remove(struct sim *s, struct sim_pod *p);
/* Every parked group becomes ready again (capacity was released). */
void simq_unpark_all(struct sim *s);
void simq_unpark(struct sim *s, struct sim_group *g);
/* The group a pod of job j queues in (created on first use). */
struct sim_group *simq_group_for(struct sim *s, struct sim_job *j);
void simq_group_free(struct sim *s, struct sim_group *g);
/* Job j is finished: its group goes when no live job queues there. */
void simq_group_drop(struct sim *s, struct sim_job *j);
/* Answers to held binds and wake-ups from the gang table. */
void simq_drain(struct sim *s);
/* Run cycles until no pod is ready. RET MU_OK or a plugin's error. */
int simq_run(struct sim *s);

/* sim.c: the effects of a bind, for the queue. */
void sim_bind(struct sim *s, struct sim_pod *p, int32_t node);
struct sim_pod *sim_pod_lookup(struct sim *s, const char *ns,
                               const char *name);

/* sim_report.c */
int simr_open(struct sim *s);
void simr_close(struct sim *s);
/* Time passes from s->last_t to t: integrate the metrics. */
void simr_advance(struct sim *s, int64_t t);
/* Append a timeline row if anything changed. */
void simr_timeline(struct sim *s);
/* A job is finished (done) or left unfinished at the end. */
void simr_job(struct sim *s, const struct sim_job *j);
/* A node's free GPUs change by delta (frag bookkeeping). */
void simr_node_gpus(struct sim *s, const struct node_info *n, int64_t delta);
void simr_finish(struct sim *s);
int simr_summary_json(const struct sim *s);
void simr_progress(struct sim *s, bool final);
double simr_wall(void);

#endif
