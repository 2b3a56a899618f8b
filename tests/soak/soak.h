/* soak.h - the soak driver's shared model: the nodes, pods and gangs it
 * created on the fake API server, what it injected, and what muster acked.
 * Every field below the mutex is guarded by it. */
#ifndef MUSTER_TESTS_SOAK_SOAK_H
#define MUSTER_TESTS_SOAK_SOAK_H

#include "common.h"
#include "util/buf.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#define SOAK_NODES     24 /* node-0 .. node-23, 8 GPUs each */
#define SOAK_NS        "soak"
#define SOAK_GANG_NS   "ml"
#define SOAK_BG_PODS   550 /* running from the start: LISTs page */
#define SOAK_MAX_BINDS 48  /* bind calls in flight at once */
#define SOAK_GANG_MAX  4   /* members per gang */

enum spod_state { SP_PENDING, SP_BINDING, SP_BOUND, SP_FINISHED, SP_DELETED };

struct spod {
    char name[48];
    char uid[48];
    const char *ns;
    int gang; /* index in soak.gangs, -1: none */
    enum spod_state state;
    char node[32];       /* SP_BOUND/SP_FINISHED: the acked node */
    int64_t next_try_ms; /* scheduler backoff */
    int tries;
    char *json; /* the Pod as created (no nodeName) */
};

enum gang_mode { GM_LABEL, GM_VOLCANO, GM_PODGROUP };

struct sgang {
    char name[32];
    enum gang_mode mode;
    int size, min_member;
    int created;            /* members created so far */
    int pod[SOAK_GANG_MAX]; /* members' indices in soak.pods */
    int64_t next_create_ms;
    int64_t born_ms;
    bool deleted;
};

struct snode {
    bool alive;
    bool cordoned, tainted, not_ready;
    int rack_shift; /* relabelled: moves racks */
};

/* Fault kinds, counted as injected. "compact" is the last. */
enum { SOAK_NFAULTS = 12 };
extern const char *const soak_fault_names[SOAK_NFAULTS];

struct soak {
    /* set once at start */
    uint64_t seed;
    int fake_port, muster_port;
    pid_t fake_pid, muster_pid;
    char dir[64];
    atomic_bool churn_stop, sched_stop;

    pthread_mutex_t mu;
    struct snode nodes[SOAK_NODES];
    struct spod *pods;
    size_t npods, podcap;
    struct sgang *gangs;
    size_t ngangs, gangcap;
    int binds_in_flight;
    /* counters */
    long faults[SOAK_NFAULTS];
    long filters, prioritizes, binds_ok, bind_errors, bind_transport;
    long unschedulable, pods_created, pods_deleted, pods_finished;
    long node_ops, gangs_created, gangs_deleted;
    atomic_long control_errors; /* /_control calls not answered 200 */
};

extern struct soak S;

/* Monotonic milliseconds. */
int64_t soak_now_ms(void);
void soak_sleep_ms(int64_t ms);
/* A 64-bit LCG step; RET a value in [0, n). */
uint32_t soak_rnd(uint64_t *state, uint32_t n);

/* One HTTP request to 127.0.0.1:port with h (reused: keep-alive) or a
 * fresh handle when h is NULL. out is reset and NUL-terminated.
 * RET the HTTP status, 0 on a transport failure. */
long soak_http(CURL *h, int port, const char *method, const char *path,
               const char *body, struct buf *out);
/* POST to a /_control endpoint of the fake; RET true on 200. */
bool soak_control(CURL *h, const char *path, const char *body);

/* The churn thread (soak_churn.c): nodes, pods, gangs, faults. */
void *soak_churn_main(void *arg);
/* Create the initial nodes and background pods. RET MU_OK or MU_EIO. */
int soak_churn_setup(CURL *h);

/* The scheduler thread (soak_sched.c): filter -> prioritize -> bind. */
void *soak_sched_main(void *arg);

#endif
