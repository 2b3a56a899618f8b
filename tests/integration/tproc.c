/* tproc.c - process helpers of the TLS and abusive-client tests (see
 * tproc.h). */
#include "common.h"
#include "tproc.h"
#include "util/buf.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t tproc_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tproc_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

void tproc_dir(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "/tmp/muster-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(dir));
}

pid_t tproc_spawn(const char *log, char *const argv[])
{
    pid_t pid = fork();

    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int tproc_port(const char *path, pid_t pid)
{
    int64_t end = tproc_ms() + 10000;
    int st;

    while (tproc_ms() < end) {
        char *txt = tproc_slurp(path);
        int port = 0;

        for (char *p = txt; *p >= '0' && *p <= '9'; p++)
            port = port * 10 + (*p - '0');
        free(txt);
        if (port > 0)
            return port;
        cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "%s: process exited", path);
        tproc_sleep_ms(20);
    }
    cr_assert_fail("no port in %s after 10 s", path);
    return 0;
}

void tproc_stop(pid_t *pid)
{
    int64_t end = tproc_ms() + 5000;
    int st;

    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    while (tproc_ms() < end && waitpid(*pid, &st, WNOHANG) == 0)
        tproc_sleep_ms(20);
    if (waitpid(*pid, &st, WNOHANG) == 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, &st, 0);
    }
    *pid = 0;
}

void tproc_muster(struct tproc *p, const char *dir, const char *const *extra)
{
    const char *bin = getenv("MUSTER_BIN");
    char pf[192];
    char *argv[48] = {(char *)(bin ? bin : "./muster"),
                      "serve",
                      "--listen",
                      "127.0.0.1:0",
                      "--port-file",
                      pf,
                      "--policy",
                      "policies/default.json"};
    int n = 8;

    for (; extra && *extra && n < 47; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    snprintf(pf, sizeof(pf), "%s/muster.port", dir);
    snprintf(p->log, sizeof(p->log), "%s/muster.log", dir);
    unlink(pf);
    p->pid = tproc_spawn(p->log, argv);
    p->port = tproc_port(pf, p->pid);
}

int tproc_run(char *const argv[], const char *errfile)
{
    int64_t end = tproc_ms() + 10000;
    pid_t pid = tproc_spawn(errfile, argv), r = 0;
    int st = 0;

    while (tproc_ms() < end && (r = waitpid(pid, &st, WNOHANG)) == 0)
        tproc_sleep_ms(20);
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *tproc_slurp(const char *path)
{
    struct buf b;
    char chunk[65536];
    size_t n, len;
    FILE *f = fopen(path, "rb");

    buf_init(&b, BUF_UNLIMITED);
    buf_adds(&b, "");
    while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    if (f)
        fclose(f);
    return buf_steal(&b, &len);
}
