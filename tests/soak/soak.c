/* soak.c - the soak test driver: starts the fake API server and `muster
 * serve --api-server` on 127.0.0.1, runs cluster churn, faults and a
 * kube-scheduler stand-in for SOAK_SECONDS, samples muster's RSS, then,
 * after the faults stop and a settle period, checks that the cache equals
 * the server, that no gang is partly bound and that every acked bind is on
 * the server. Prints a summary table; exit 0 when every check passed.
 *
 *   SOAK_SECONDS (600)  SOAK_SEED (from the clock; printed)
 *   SOAK_RSS_EVERY (10 s)  MUSTER_BIN  FAKE_APISERVER  SOAK_KEEP (keep logs)
 *
 * Only the two PIDs started here are ever signalled. */
#include "common.h"
#include "soak.h"
#include "util/xmalloc.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RSS_MAX_SAMPLES 4096
/* scheduling goes on without faults for a sixth of the run, at most this */
#define SETTLE_SCHED_MS 15000
#define SETTLE_EQUAL_MS 120000 /* then the cache must match within this */

struct soak S = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct {
    int64_t t_ms[RSS_MAX_SAMPLES];
    long kib[RSS_MAX_SAMPLES];
    int n;
} R;

int64_t soak_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void soak_sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

uint32_t soak_rnd(uint64_t *state, uint32_t n)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return n ? (uint32_t)(*state >> 33) % n : 0;
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    return buf_add(arg, p, size * n) ? 0 : size * n;
}

long soak_http(CURL *h, int port, const char *method, const char *path,
               const char *body, struct buf *out)
{
    CURL *own = h ? NULL : curl_easy_init();
    char url[512];
    long status = 0;

    h = h ? h : own;
    buf_reset(out);
    curl_easy_reset(h);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    /* above the 4 s gang hold cap and muster's 10 s API timeout */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (own)
        curl_easy_cleanup(own);
    buf_addc(out, '\0');
    out->len--;
    return status;
}

bool soak_control(CURL *h, const char *path, const char *body)
{
    struct buf out;
    long st;

    buf_init(&out, 1 << 20);
    st = soak_http(h, S.fake_port, "POST", path, body, &out);
    if (st != 200) {
        atomic_fetch_add(&S.control_errors, 1);
        fprintf(stderr, "soak: %s: HTTP %ld %.300s\n", path, st, out.data);
    }
    buf_fini(&out);
    return st == 200;
}

/* ---- processes ---- */

static pid_t spawn(const char *log, char *const argv[])
{
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Digits only, at most 9 of them; RET -1 when s is not such a number. */
static long parse_small(const char *s)
{
    long v = 0;
    int n = 0;

    while (s && *s >= '0' && *s <= '9' && n < 9) {
        v = v * 10 + (*s++ - '0');
        n++;
    }
    return n && (!*s || *s == '\n') ? v : -1;
}

/* The port a process wrote to path, within 30 s; RET 0 on failure. */
static int wait_port(const char *path, pid_t pid)
{
    int64_t end = soak_now_ms() + 30000;
    char line[32];

    while (soak_now_ms() < end) {
        FILE *f = fopen(path, "r");
        long port = -1;

        if (f) {
            if (fgets(line, sizeof(line), f))
                port = parse_small(line);
            fclose(f);
        }
        if (port > 0)
            return (int)port;
        if (waitpid(pid, NULL, WNOHANG) != 0)
            return 0;
        soak_sleep_ms(20);
    }
    return 0;
}

static void stop_pid(pid_t *pid)
{
    int64_t end = soak_now_ms() + 60000; /* valgrind needs time */

    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    while (soak_now_ms() < end && waitpid(*pid, NULL, WNOHANG) == 0)
        soak_sleep_ms(20);
    if (waitpid(*pid, NULL, WNOHANG) == 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
    }
    *pid = 0;
}

static int start_fake(void)
{
    const char *bin = getenv("FAKE_APISERVER");
    char pf[128], log[128];
    char *argv[] = {(char *)(bin ? bin : "build/fake-apiserver"), "--port-file",
                    pf, NULL};

    snprintf(pf, sizeof(pf), "%s/fake.port", S.dir);
    snprintf(log, sizeof(log), "%s/fake.log", S.dir);
    S.fake_pid = spawn(log, argv);
    S.fake_port = wait_port(pf, S.fake_pid);
    return S.fake_port ? MU_OK : MU_EIO;
}

/* muster with the gang policy; short watches so that normal watch ends
 * and resumes happen often too (a stall is given up after 20 s). */
static int start_muster(void)
{
    const char *bin = getenv("MUSTER_BIN");
    char pf[128], log[128], url[64];
    char *argv[] = {(char *)(bin ? bin : "./muster"),
                    "serve",
                    "--policy",
                    "policies/gang-topology.json",
                    "--api-server",
                    url,
                    "--debug-endpoints",
                    "--listen",
                    "127.0.0.1:0",
                    "--port-file",
                    pf,
                    "--log-level",
                    "warn",
                    "--watch-timeout",
                    "10",
                    NULL};

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", S.fake_port);
    snprintf(pf, sizeof(pf), "%s/muster.port", S.dir);
    snprintf(log, sizeof(log), "%s/muster.log", S.dir);
    S.muster_pid = spawn(log, argv);
    S.muster_port = wait_port(pf, S.muster_pid);
    return S.muster_port ? MU_OK : MU_EIO;
}

static bool muster_alive(void)
{
    return waitpid(S.muster_pid, NULL, WNOHANG) == 0;
}

/* ---- RSS ---- */

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f)) {
        const char *p = line + 6;

        if (strncmp(line, "VmRSS:", 6))
            continue;
        while (*p == ' ' || *p == '\t')
            p++;
        kib = 0;
        while (*p >= '0' && *p <= '9' && kib < (1L << 40))
            kib = kib * 10 + (*p++ - '0');
    }
    if (f)
        fclose(f);
    return kib;
}

static void rss_sample(int64_t t0)
{
    if (R.n >= RSS_MAX_SAMPLES)
        return;
    R.t_ms[R.n] = soak_now_ms() - t0;
    R.kib[R.n] = rss_kib(S.muster_pid);
    R.n++;
}

/* Least-squares slope (KiB per minute) of samples [from, R.n). */
static double rss_slope(int from)
{
    double n = R.n - from, sx = 0, sy = 0, sxx = 0, sxy = 0;

    if (n < 2)
        return 0;
    for (int i = from; i < R.n; i++) {
        double x = R.t_ms[i] / 60000.0, y = (double)R.kib[i];

        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    return n * sxx - sx * sx == 0 ? 0
                                  : (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* ---- the run ---- */

static void progress(int64_t t0, int64_t seconds)
{
    pthread_mutex_lock(&S.mu);
    fprintf(stderr,
            "soak: %3llds/%llds rss=%ld KiB pods=%zu gangs=%zu "
            "binds=%ld unsched=%ld\n",
            (long long)(soak_now_ms() - t0) / 1000, (long long)seconds,
            R.n ? R.kib[R.n - 1] : -1L, S.npods, S.ngangs, S.binds_ok,
            S.unschedulable);
    pthread_mutex_unlock(&S.mu);
}

/* Churn, faults and scheduling for `seconds`, sampling RSS; then the
 * faults stop, scheduling settles and stops. RET MU_OK, or MU_EIO when
 * muster died. */
static int run(int64_t seconds, int64_t every_ms)
{
    pthread_t churn, sched;
    int64_t t0 = soak_now_ms(), next = t0, end = t0 + seconds * 1000;
    int rc = MU_OK;

    pthread_create(&churn, NULL, soak_churn_main, NULL);
    pthread_create(&sched, NULL, soak_sched_main, NULL);
    while (soak_now_ms() < end && (rc = muster_alive() ? MU_OK : MU_EIO) == 0) {
        if (soak_now_ms() >= next) {
            rss_sample(t0);
            progress(t0, seconds);
            next += every_ms;
        }
        soak_sleep_ms(100);
    }
    atomic_store(&S.churn_stop, true);
    pthread_join(churn, NULL);
    fprintf(stderr, "soak: faults and churn stopped; scheduling settles\n");
    soak_sleep_ms(MU_MIN(SETTLE_SCHED_MS, seconds * 1000 / 6));
    atomic_store(&S.sched_stop, true);
    pthread_join(sched, NULL);
    for (int i = 0; i < 600; i++) {
        pthread_mutex_lock(&S.mu);
        bool idle = S.binds_in_flight == 0;
        pthread_mutex_unlock(&S.mu);
        if (idle)
            break;
        soak_sleep_ms(100);
    }
    rss_sample(t0);
    return rc ? rc : muster_alive() ? MU_OK : MU_EIO;
}

static void dump(const char *name, const struct buf *b)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", S.dir, name);
    f = fopen(path, "w");
    if (f) {
        fwrite(b->data, 1, b->len, f);
        fclose(f);
    }
}

/* The cache equals the server within SETTLE_EQUAL_MS (as in
 * tests/integration/test_watch.c); OUT state: the server's last state.
 * RET the milliseconds it took, or -1. */
static long check_cache(struct buf *state)
{
    int64_t t0 = soak_now_ms(), end = t0 + SETTLE_EQUAL_MS;
    struct buf cache;
    long took = -1;

    buf_init(&cache, BUF_UNLIMITED);
    while (soak_now_ms() < end) {
        soak_http(NULL, S.muster_port, "GET", "/debug/cache", NULL, &cache);
        soak_http(NULL, S.fake_port, "GET", "/_control/state", NULL, state);
        if (cache.len && cache.len == state->len &&
            memcmp(cache.data, state->data, cache.len) == 0) {
            took = (long)(soak_now_ms() - t0);
            break;
        }
        soak_sleep_ms(250);
    }
    if (took < 0) {
        dump("cache.json", &cache);
        dump("state.json", state);
    }
    buf_fini(&cache);
    return took;
}

/* The server's nodeName of every pod in state, keyed "ns/name" -> node
 * ("" when unbound); RET the parsed tree (caller deletes). */
static cJSON *server_pods(const struct buf *state)
{
    cJSON *j = cJSON_Parse(state->data);

    if (cJSON_GetObjectItemCaseSensitive(j, "pods"))
        return j;
    cJSON_Delete(j);
    return NULL;
}

static const char *server_node(const cJSON *st, const struct spod *p,
                               bool *found)
{
    const cJSON *x;

    *found = false;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(st, "pods"))
    {
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(x, "uid");
        const cJSON *node = cJSON_GetObjectItemCaseSensitive(x, "nodeName");

        if (!cJSON_IsString(uid) || strcmp(uid->valuestring, p->uid))
            continue;
        *found = true;
        return cJSON_IsString(node) ? node->valuestring : NULL;
    }
    return NULL;
}

/* Every acked bind of a pod the driver did not end is on the server. */
static long check_binds(const cJSON *st, long *checked)
{
    long bad = 0;
    bool found;

    *checked = 0;
    for (size_t i = SOAK_BG_PODS; i < S.npods; i++) {
        const struct spod *p = &S.pods[i];
        const char *node;

        if (p->state != SP_BOUND)
            continue;
        (*checked)++;
        node = server_node(st, p, &found);
        if (found && node && strcmp(node, p->node) == 0)
            continue;
        fprintf(stderr, "soak: FAIL acked bind %s/%s -> %s: server has %s\n",
                p->ns, p->name, p->node,
                found ? node ? node : "unbound" : "no such pod");
        bad++;
    }
    return bad;
}

/* For every live gang: members bound on the server == 0 or >= minMember.
 * OUT whole: gangs bound whole. RET the partly bound gangs. */
static long check_gangs(const cJSON *st, long *whole, long *waiting)
{
    long bad = 0;
    bool found;

    *whole = *waiting = 0;
    for (size_t i = 0; i < S.ngangs; i++) {
        const struct sgang *g = &S.gangs[i];
        int bound = 0;

        if (g->deleted || g->created == 0)
            continue;
        for (int j = 0; j < g->created; j++)
            bound += server_node(st, &S.pods[g->pod[j]], &found) != NULL;
        if (bound == 0)
            (*waiting)++;
        else if (bound >= g->min_member)
            (*whole)++;
        else {
            fprintf(stderr,
                    "soak: FAIL gang %s/%s partly bound: %d of "
                    "minMember %d (%d members exist)\n",
                    SOAK_GANG_NS, g->name, bound, g->min_member, g->created);
            bad++;
        }
    }
    return bad;
}

/* ---- summary ---- */

/* The value of the metric line that starts with key (integer part);
 * -1 when absent. */
static long metric(const char *text, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = text; p && *p;) {
        long v = 0;

        if (strncmp(p, key, n) || p[n] != ' ') {
            p = strchr(p, '\n');
            p = p ? p + 1 : NULL;
            continue;
        }
        for (p += n + 1; *p >= '0' && *p <= '9' && v < (1L << 50); p++)
            v = v * 10 + (*p - '0');
        return v;
    }
    return -1;
}

static void summary_metrics(FILE *o, const char *m)
{
    static const char *const verbs[] = {"filter", "prioritize", "bind",
                                        "preempt"};
    static const char *const causes[] = {"timeout", "dropped", "stalled",
                                         "expired", "refused"};
    char key[160];

    for (size_t i = 0; i < ARRAY_LEN(verbs); i++) {
        snprintf(key, sizeof(key), "muster_requests_total{verb=\"%s\"}",
                 verbs[i]);
        fprintf(o, "| callbacks served: %s | %ld |\n", verbs[i],
                metric(m, key));
    }
    for (int r = 0; r < 2; r++) {
        const char *res = r ? "pods" : "nodes";

        snprintf(key, sizeof(key), "muster_watch_lists_total{resource=\"%s\"}",
                 res);
        fprintf(o, "| muster LISTs: %s | %ld |\n", res, metric(m, key));
        for (size_t c = 0; c < ARRAY_LEN(causes); c++) {
            snprintf(key, sizeof(key),
                     "muster_watch_ends_total{resource="
                     "\"%s\",cause=\"%s\"}",
                     res, causes[c]);
            fprintf(o, "| watch ends: %s, %s | %ld |\n", res, causes[c],
                    metric(m, key));
        }
    }
    fprintf(o, "| gangs completed (muster) | %ld |\n",
            metric(m, "muster_gang_completed_total"));
    fprintf(o, "| gangs timed out (muster) | %ld |\n",
            metric(m, "muster_gang_timed_out_total"));
}

static void summary_counts(FILE *o)
{
    fprintf(o, "| driver filter / prioritize calls | %ld / %ld |\n", S.filters,
            S.prioritizes);
    fprintf(o,
            "| binds acked / refused / transport errors | %ld / %ld / "
            "%ld |\n",
            S.binds_ok, S.bind_errors, S.bind_transport);
    fprintf(o, "| unschedulable attempts (backed off) | %ld |\n",
            S.unschedulable);
    fprintf(o, "| pods created / finished / deleted | %ld / %ld / %ld |\n",
            S.pods_created, S.pods_finished, S.pods_deleted);
    fprintf(o, "| gangs created / deleted | %ld / %ld |\n", S.gangs_created,
            S.gangs_deleted);
    fprintf(o, "| node changes | %ld |\n", S.node_ops);
    for (int i = 0; i < SOAK_NFAULTS; i++)
        fprintf(o, "| faults injected: %s | %ld |\n", soak_fault_names[i],
                S.faults[i]);
    fprintf(o, "| /_control errors | %ld |\n",
            (long)atomic_load(&S.control_errors));
}

/* RSS figures; RET true when the second half stayed within the bound. */
static bool summary_rss(FILE *o)
{
    int half = R.n / 2;
    long lo = R.kib[0], hi = R.kib[0], growth, bound;

    for (int i = 1; i < R.n; i++) {
        lo = MU_MIN(lo, R.kib[i]);
        hi = MU_MAX(hi, R.kib[i]);
    }
    growth = R.kib[R.n - 1] - R.kib[half];
    bound = MU_MAX(R.kib[half] / 5, 10L * 1024);
    fprintf(o, "| RSS samples | %d, every %lld s |\n", R.n,
            (long long)(R.n > 1 ? R.t_ms[1] - R.t_ms[0] : 0) / 1000);
    fprintf(o,
            "| RSS first / min / max / last (KiB) | %ld / %ld / %ld / "
            "%ld |\n",
            R.kib[0], lo, hi, R.kib[R.n - 1]);
    fprintf(o,
            "| RSS second half: growth, slope | %+ld KiB, %+.1f KiB/min "
            "(bound %ld KiB) |\n",
            growth, rss_slope(half), bound);
    return growth <= bound;
}

struct verdict {
    long equal_ms, bad_binds, checked, bad_gangs, whole, waiting;
    bool rss_ok, alive;
};

static void summary(FILE *o, struct verdict *v, int64_t seconds)
{
    struct buf m;

    buf_init(&m, BUF_UNLIMITED);
    soak_http(NULL, S.muster_port, "GET", "/metrics", NULL, &m);
    fprintf(o, "\n## soak: %llds, seed %llu\n\n| what | value |\n|---|---:|\n",
            (long long)seconds, (unsigned long long)S.seed);
    summary_metrics(o, m.data);
    summary_counts(o);
    v->rss_ok = R.n >= 2 && summary_rss(o);
    fprintf(o, "| CHECK muster alive | %s |\n", v->alive ? "ok" : "FAIL");
    fprintf(o, "| CHECK cache equals server | %s (%ld ms after settle) |\n",
            v->equal_ms >= 0 ? "ok" : "FAIL", v->equal_ms);
    fprintf(o,
            "| CHECK acked binds on the server | %s (%ld checked, %ld "
            "missing) |\n",
            v->bad_binds ? "FAIL" : "ok", v->checked, v->bad_binds);
    fprintf(o,
            "| CHECK no gang partly bound | %s (%ld whole, %ld unbound, "
            "%ld partial) |\n",
            v->bad_gangs ? "FAIL" : "ok", v->whole, v->waiting, v->bad_gangs);
    fprintf(o, "| CHECK RSS flat | %s |\n\nRSS (s: KiB):",
            v->rss_ok ? "ok" : "FAIL");
    for (int i = 0; i < R.n; i++)
        fprintf(o, " %lld:%ld", (long long)R.t_ms[i] / 1000, R.kib[i]);
    fprintf(o, "\n");
    buf_fini(&m);
}

static void verify(struct verdict *v)
{
    struct buf state;
    cJSON *st;

    buf_init(&state, BUF_UNLIMITED);
    v->equal_ms = check_cache(&state);
    st = server_pods(&state);
    pthread_mutex_lock(&S.mu);
    v->bad_binds = st ? check_binds(st, &v->checked) : 1;
    v->bad_gangs = st ? check_gangs(st, &v->whole, &v->waiting) : 1;
    pthread_mutex_unlock(&S.mu);
    cJSON_Delete(st);
    buf_fini(&state);
    v->alive = muster_alive();
}

static int64_t env_num(const char *name, int64_t dflt, int64_t lo, int64_t hi)
{
    const char *s = getenv(name);
    long v = s && *s ? parse_small(s) : dflt;

    if (v < lo || v > hi) {
        fprintf(stderr, "soak: %s='%s': expected %lld..%lld\n", name, s,
                (long long)lo, (long long)hi);
        exit(2);
    }
    return v;
}

static uint64_t env_seed(void)
{
    const char *s = getenv("SOAK_SEED");
    uint64_t v = 0;

    if (!s || !*s)
        return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    for (; *s >= '0' && *s <= '9' && v < UINT64_MAX / 10 - 10; s++)
        v = v * 10 + (uint64_t)(*s - '0');
    if (*s) {
        fprintf(stderr, "soak: SOAK_SEED: expected a decimal number\n");
        exit(2);
    }
    return v;
}

static void teardown(bool keep)
{
    char cmd[160];

    stop_pid(&S.muster_pid);
    stop_pid(&S.fake_pid);
    if (keep || getenv("SOAK_KEEP")) {
        fprintf(stderr, "soak: logs kept in %s\n", S.dir);
        return;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", S.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "soak: could not remove %s\n", S.dir);
}

int main(void)
{
    int64_t seconds = env_num("SOAK_SECONDS", 600, 5, 86400);
    int64_t every = env_num("SOAK_RSS_EVERY", 10, 1, 3600) * 1000;
    /* not verified (muster died first) reads as failed */
    struct verdict v = {.equal_ms = -1, .bad_binds = -1, .bad_gangs = -1};
    CURL *h;
    bool ok;

    S.seed = env_seed();
    fprintf(stderr,
            "soak: seed %llu (SOAK_SEED=%llu reproduces the "
            "sequence), %llds\n",
            (unsigned long long)S.seed, (unsigned long long)S.seed,
            (long long)seconds);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(S.dir, sizeof(S.dir), "/tmp/muster-soak-XXXXXX");
    if (!mkdtemp(S.dir) || start_fake()) {
        fprintf(stderr, "soak: cannot start the fake API server\n");
        return 1;
    }
    h = curl_easy_init();
    if (soak_churn_setup(h) || start_muster()) {
        fprintf(stderr, "soak: setup failed (logs in %s)\n", S.dir);
        curl_easy_cleanup(h);
        teardown(true);
        return 1;
    }
    curl_easy_cleanup(h);
    if (run(seconds, every) == MU_OK)
        verify(&v);
    summary(stdout, &v, seconds);
    ok = v.alive && v.equal_ms >= 0 && !v.bad_binds && !v.bad_gangs && v.rss_ok;
    printf("\nsoak: %s\n", ok ? "PASS" : "FAIL");
    teardown(!ok);
    for (size_t i = 0; i < S.npods; i++)
        free(S.pods[i].json);
    free(S.pods);
    free(S.gangs);
    curl_global_cleanup();
    return ok ? 0 : 1;
}
