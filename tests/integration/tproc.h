/* tproc.h - processes for the integration tests (TLS, limits, leader):
 * start muster (or the fake API server) on 127.0.0.1 with a port file,
 * stop exactly the PID started, run a command to its exit status, read
 * its log. Every wait is bounded. */
#ifndef MUSTER_TESTS_TPROC_H
#define MUSTER_TESTS_TPROC_H

#include "common.h"

#include <sys/types.h>

struct tproc {
    pid_t pid;
    int port;
    char log[192];
};

int64_t tproc_ms(void);
void tproc_sleep_ms(long ms);
/* A fresh /tmp directory named after tag. */
void tproc_dir(char *dir, size_t cap, const char *tag);
/* Start argv with stdout and stderr into log; it dies with the test. */
pid_t tproc_spawn(const char *log, char *const argv[]);
/* The port the process wrote to path (waits at most 10 s). */
int tproc_port(const char *path, pid_t pid);
/* SIGTERM, at most 5 s, then SIGKILL. */
void tproc_stop(pid_t *pid);
/* `muster serve --listen 127.0.0.1:0 --policy policies/default.json` plus
 * extra (NULL-terminated), log and port file in dir. */
void tproc_muster(struct tproc *p, const char *dir, const char *const *extra);
/* Run argv to its end (at most 10 s), stderr into errfile. RET the exit
 * status (-1: killed). */
int tproc_run(char *const argv[], const char *errfile);
/* The whole file, NUL-terminated; "" when missing. Free it. */
char *tproc_slurp(const char *path);

#endif
