/* test_gang.c - gang scheduling through `muster serve` over HTTP, as
 * kube-scheduler drives it: filter every member, then bind them from
 * concurrent connections; held binds stay open until the last member
 * arrives, hold caps answer with errors, SIGTERM answers whatever is held.
 * The server is started on an ephemeral 127.0.0.1 port with
 * tests/data/gang/cluster.json; only its PID is ever signalled. */
#include "common.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "test_slow.h"
#include "tproc.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t srv_pid;
static int srv_port;
static char srv_dir[64];

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    buf_add(ud, p, sz * n);
    return sz * n;
}

/* GET (body NULL) or POST; RET the status, body in out. */
static long http(const char *path, const char *body, struct buf *out)
{
    CURL *h = curl_easy_init();
    char url[256];
    long status = 0;
    CURLcode cc;

    buf_reset(out);
    buf_adds(out, "");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv_port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return cc == CURLE_OK ? status : -1;
}

static void start_server(void)
{
    const char *bin = getenv("MUSTER_BIN");
    char portfile[128], logfile[128];
    struct buf out;
    FILE *f;

    cr_assert(bin, "MUSTER_BIN is not set (run through make test)");
    snprintf(srv_dir, sizeof(srv_dir), "/tmp/muster-gang-XXXXXX");
    cr_assert(mkdtemp(srv_dir));
    snprintf(portfile, sizeof(portfile), "%s/port", srv_dir);
    snprintf(logfile, sizeof(logfile), "%s/log", srv_dir);
    {
        char *const argv[] = {(char *)bin, "serve", "--listen", "127.0.0.1:0",
                              "--port-file", portfile, "--policy",
                              "policies/gang-topology.json", "--snapshot",
                              "tests/data/gang/cluster.json",
                              "--debug-endpoints", NULL};

        srv_pid = tproc_spawn(logfile, argv);
    }
    for (int i = 0; i < 200 * test_slow() && access(portfile, R_OK) != 0;
         i++)
        sleep_ms(25);
    f = fopen(portfile, "r");
    cr_assert(f, "no port file");
    cr_assert_eq(fscanf(f, "%d", &srv_port), 1);
    fclose(f);
    buf_init(&out, BUF_UNLIMITED);
    for (int i = 0; i < 200 * test_slow() && http("/readyz", NULL, &out) != 200;
         i++)
        sleep_ms(25);
    buf_fini(&out);
}

static void cleanup(void)
{
    char path[160];

    if (srv_pid > 0) {
        test_reap(srv_pid);
        srv_pid = 0;
    }
    snprintf(path, sizeof(path), "%s/port", srv_dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/log", srv_dir);
    unlink(path);
    rmdir(srv_dir);
}

/* SIGTERM; RET the exit status (-1 if it did not stop within 5 s). */
static int stop_server(void)
{
    int status = 0;
    pid_t r = 0;

    kill(srv_pid, SIGTERM);
    for (int i = 0; i < 200 * test_slow() &&
                    (r = waitpid(srv_pid, &status, WNOHANG)) == 0;
         i++)
        sleep_ms(25);
    if (r == 0)
        return -1;
    srv_pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *pod_args(const char *gang, const char *min, int i, int gpus)
{
    return xasprintf(
        "{\"Pod\":{\"metadata\":{\"name\":\"%s-%d\",\"namespace\":\"ml\","
        "\"uid\":\"uid-%s-%d\",\"labels\":{\"scheduling.x-k8s.io/pod-group\":"
        "\"%s\"}%s%s%s},\"spec\":{\"containers\":[{\"name\":\"c\","
        "\"resources\":{\"requests\":{\"nvidia.com/gpu\":\"%d\"}}}]},"
        "\"status\":{\"phase\":\"Pending\"}},\"Nodes\":null,\"NodeNames\":"
        "[\"gpu-a\",\"gpu-b\",\"gpu-c\",\"gpu-d\"]}",
        gang, i, gang, i, gang, min ? ",\"annotations\":{\"muster.dev/"
        "min-member\":\"" : "", min ? min : "", min ? "\"}" : "", gpus);
}

/* /filter one member; RET the number of passing nodes, the first in node
 * and the first failure reason in reason. */
static int filter(const char *gang, const char *min, int i, int gpus,
                  char *node, char *reason)
{
    char *body = pod_args(gang, min, i, gpus);
    struct buf out;
    cJSON *j, *names, *failed;
    int n;

    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(http("/filter", body, &out), 200);
    j = cJSON_Parse(out.data);
    cr_assert(j, "bad answer %s", out.data);
    names = cJSON_GetObjectItem(j, "NodeNames");
    n = cJSON_GetArraySize(names);
    node[0] = reason[0] = '\0';
    if (n)
        strcpy(node, cJSON_GetArrayItem(names, 0)->valuestring);
    failed = cJSON_GetObjectItem(j, "FailedAndUnresolvableNodes");
    if (failed && failed->child)
        strcpy(reason, failed->child->valuestring);
    cJSON_Delete(j);
    buf_fini(&out);
    free(body);
    return n;
}

struct bind_call {
    char gang[16];
    int i;
    char node[64];
    pthread_t th;
    volatile bool done;
    char answer[512];
};

static void *bind_main(void *arg)
{
    struct bind_call *b = arg;
    char *body = xasprintf("{\"PodName\":\"%s-%d\",\"PodNamespace\":\"ml\","
                           "\"PodUID\":\"uid-%s-%d\",\"Node\":\"%s\"}",
                           b->gang, b->i, b->gang, b->i, b->node);
    struct buf out;
    long st;

    buf_init(&out, BUF_UNLIMITED);
    st = http("/bind", body, &out);
    snprintf(b->answer, sizeof(b->answer), "%ld %s", st, out.data);
    b->done = true;
    buf_fini(&out);
    free(body);
    return NULL;
}

static void bind_start(struct bind_call *b, const char *gang, int i,
                       const char *node)
{
    snprintf(b->gang, sizeof(b->gang), "%s", gang);
    b->i = i;
    snprintf(b->node, sizeof(b->node), "%s", node);
    b->done = false;
    pthread_create(&b->th, NULL, bind_main, b);
}

/* Join binds b[0..n) and check that each was answered with success. */
static void join_all_ok(struct bind_call *b, int n)
{
    for (int i = 0; i < n; i++) {
        pthread_join(b[i].th, NULL);
        cr_assert_str_eq(b[i].answer, "200 {\"Error\":\"\"}", "member %d",
                         i);
    }
}

static bool contains(const char *path, const char *what)
{
    struct buf out;
    bool yes;

    buf_init(&out, BUF_UNLIMITED);
    http(path, NULL, &out);
    yes = out.data && strstr(out.data, what);
    buf_fini(&out);
    return yes;
}

Test(gang_serve, binds_are_held_until_the_last_member_then_all_answered,
     .fini = cleanup, .timeout = 30)
{
    struct bind_call b[4];
    char node[4][64], reason[256];

    start_server();
    for (int i = 0; i < 4; i++)
        filter("job", "4", i, 2, node[i], reason);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(filter("job", "4", i, 2, node[i], reason), 1,
                     "member %d: %s", i, reason);
        cr_assert(!strcmp(node[i], "gpu-a") || !strcmp(node[i], "gpu-b"),
                  "packed into rack-0: %s", node[i]);
    }
    for (int i = 0; i < 3; i++)
        bind_start(&b[i], "job", i, node[i]);
    sleep_ms(600);
    for (int i = 0; i < 3; i++)
        cr_assert_not(b[i].done, "bind %d answered early: %s", i,
                      b[i].answer);
    cr_assert(contains("/metrics", "muster_gang_held_binds 3"));
    cr_assert(contains("/debug/gangs", "\"state\":\"admitted\""));
    bind_start(&b[3], "job", 3, node[3]);
    join_all_ok(b, 4);
    cr_assert(contains("/debug/gangs", "\"state\":\"bound\""));
    cr_assert(contains("/metrics", "muster_gang_completed_total 1"));
    cr_assert_eq(stop_server(), 0);
}

/* The last member's bind answers the others from its own thread; a held
 * bind must count as held from the moment the gang table has its ticket
 * (found by the soak: an answer that came before the call was marked held
 * failed an assertion and killed muster). Both members bind at once. */
Test(gang_serve, simultaneous_binds_of_many_pairs_are_all_answered,
     .fini = cleanup, .timeout = 60)
{
    struct bind_call b[2];
    char na[64], nb[64], reason[256], gang[16];
    char *node[2] = {na, nb};

    start_server();
    for (int k = 0; k < 40; k++) {
        snprintf(gang, sizeof(gang), "pair%d", k);
        for (int i = 0; i < 2; i++)
            filter(gang, "2", i, 0, node[i], reason);
        for (int i = 0; i < 2; i++)
            cr_assert_eq(filter(gang, "2", i, 0, node[i], reason), 1,
                         "%s member %d: %s", gang, i, reason);
        for (int i = 0; i < 2; i++)
            bind_start(&b[i], gang, i, node[i]);
        for (int i = 0; i < 2; i++) {
            pthread_join(b[i].th, NULL);
            cr_assert_str_eq(b[i].answer, "200 {\"Error\":\"\"}",
                             "%s member %d", gang, i);
        }
    }
    cr_assert_eq(stop_server(), 0);
}

Test(gang_serve, a_gang_that_cannot_fit_waits_whole_with_the_reason,
     .fini = cleanup, .timeout = 30)
{
    char node[64], reason[256];
    struct bind_call b;

    start_server();
    for (int i = 0; i < 4; i++)
        cr_assert_eq(filter("big", NULL, i, 4, node, reason), 0);
    cr_assert_str_eq(reason, "gang ml/big (minMember 4): 3 of 4 pods fit; "
                     "nvidia.com/gpu short by 2 (free 14, need 16)");
    bind_start(&b, "big", 0, "gpu-a");
    pthread_join(b.th, NULL);
    cr_assert(strstr(b.answer, "short by 2"), "%s", b.answer);
    cr_assert(contains("/debug/gangs", "\"shortBy\":2"));
    cr_assert_eq(stop_server(), 0);
}

Test(gang_serve, hold_cap_answers_with_an_error_and_sigterm_frees_holds,
     .fini = cleanup, .timeout = 30)
{
    struct bind_call b[2];
    char node[3][64], reason[256];

    start_server();
    for (int i = 0; i < 3; i++)
        filter("trio", "3", i, 1, node[i], reason);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(filter("trio", "3", i, 1, node[i], reason), 1);
    bind_start(&b[0], "trio", 0, node[0]);
    pthread_join(b[0].th, NULL);
    cr_assert(strstr(b[0].answer, "at bind after 4s; retry"), "%s",
              b[0].answer);
    bind_start(&b[1], "trio", 1, node[1]);
    sleep_ms(300);
    cr_assert_not(b[1].done);
    cr_assert_eq(stop_server(), 0, "SIGTERM with a held bind exits cleanly");
    pthread_join(b[1].th, NULL);
    cr_assert_str_eq(b[1].answer, "200 {\"Error\":\"muster is shutting "
                     "down; retry\"}");
}

/* ---- with an API server: wake-up patches and Bindings ---- */

static pid_t fake_pid;
static int fake_port;

static void cleanup_kube(void)
{
    char path[160];

    if (fake_pid > 0) {
        test_reap(fake_pid);
        fake_pid = 0;
    }
    /* the fake's files, so that cleanup's rmdir can take the directory */
    snprintf(path, sizeof(path), "%s/fake.port", srv_dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/fake.log", srv_dir);
    unlink(path);
    cleanup();
}

static int wait_port(const char *path)
{
    int port = 0;

    for (int i = 0; i < 400 * test_slow() && port <= 0; i++) {
        FILE *f = fopen(path, "r");

        if (f) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port <= 0)
            sleep_ms(25);
    }
    cr_assert_gt(port, 0, "no port in %s", path);
    return port;
}

/* A request to the fake API server's control endpoints. */
static long fake_call(const char *path, const char *body, struct buf *out)
{
    int mport = srv_port;
    long st;

    srv_port = fake_port;
    st = http(path, body, out);
    srv_port = mport;
    return st;
}

/* Pods ml/GANG-from..to-1 (uids as pod_args names them) of gang GANG,
 * created on the fake, each with the annotation muster.dev/min-member: ann
 * (none when 0) and a request of gpus GPUs (none when 0). */
static void put_members(const char *gang, int from, int to, int ann,
                        int gpus)
{
    struct buf b, out;

    buf_init(&b, BUF_UNLIMITED);
    buf_init(&out, BUF_UNLIMITED);
    buf_adds(&b, "[");
    for (int i = from; i < to; i++) {
        buf_printf(&b, "%s{\"op\":\"put\",\"object\":{\"metadata\":{"
                   "\"name\":\"%s-%d\",\"namespace\":\"ml\",\"uid\":"
                   "\"uid-%s-%d\",\"labels\":{\"scheduling.x-k8s.io/"
                   "pod-group\":\"%s\"}", i > from ? "," : "", gang, i, gang,
                   i, gang);
        if (ann)
            buf_printf(&b, ",\"annotations\":{\"muster.dev/min-member\":"
                       "\"%d\"}", ann);
        buf_adds(&b, "},\"spec\":{\"containers\":[{\"name\":\"c\"");
        if (gpus)
            buf_printf(&b, ",\"resources\":{\"requests\":{"
                       "\"nvidia.com/gpu\":\"%d\"}}", gpus);
        buf_adds(&b, "}]},\"status\":{\"phase\":\"Pending\"}}}");
    }
    buf_adds(&b, "]");
    cr_assert_eq(fake_call("/_control/pods", b.data, &out), 200, "%s",
                 out.data);
    buf_fini(&b);
    buf_fini(&out);
}

/* Members from..to-1 of gang kg: 2 GPUs each, minMember 4. */
static void fake_pods(int from, int to)
{
    put_members("kg", from, to, 4, 2);
}

/* Members 0..n-1 of gang, no requests. */
static void gang_pods(const char *gang, int n, int ann)
{
    put_members(gang, 0, n, ann, 0);
}

static long fake_stat(const char *key)
{
    struct buf out;
    cJSON *j;
    long v;

    buf_init(&out, BUF_UNLIMITED);
    fake_call("/_control/stats", NULL, &out);
    j = cJSON_Parse(out.data);
    v = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, key));
    cJSON_Delete(j);
    buf_fini(&out);
    return v;
}

/* The fake API server with one GPU node and, when crd, the PodGroup CRD
 * holding ml/pgk (minMember 2); then muster serve against it, looking for
 * an absent CRD every retry seconds. */
static void start_kube_with(bool crd, const char *retry)
{
    const char *fake = getenv("FAKE_APISERVER");
    const char *bin = getenv("MUSTER_BIN");
    char fpf[128], flog[128], mpf[128], mlog[128], url[64];
    char *fargv[] = {(char *)(fake ? fake : "build/fake-apiserver"),
                     "--port-file", fpf, NULL};
    char *margv[] = {(char *)bin, "serve", "--listen", "127.0.0.1:0",
                     "--port-file", mpf, "--policy",
                     "policies/gang-topology.json", "--api-server", url,
                     "--debug-endpoints", "--podgroup-retry", (char *)retry,
                     NULL};
    struct buf out;

    cr_assert(bin, "MUSTER_BIN is not set (run through make test)");
    snprintf(srv_dir, sizeof(srv_dir), "/tmp/muster-gang-XXXXXX");
    cr_assert(mkdtemp(srv_dir));
    snprintf(fpf, sizeof(fpf), "%s/fake.port", srv_dir);
    snprintf(flog, sizeof(flog), "%s/fake.log", srv_dir);
    snprintf(mpf, sizeof(mpf), "%s/port", srv_dir);
    snprintf(mlog, sizeof(mlog), "%s/log", srv_dir);
    fake_pid = tproc_spawn(flog, fargv);
    fake_port = wait_port(fpf);
    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(fake_call("/_control/nodes", "[{\"op\":\"put\",\"object\":"
                           "{\"metadata\":{\"name\":\"gpu-a\"},\"status\":"
                           "{\"allocatable\":{\"cpu\":\"32\",\"pods\":\"110\","
                           "\"nvidia.com/gpu\":\"8\"},\"conditions\":[{"
                           "\"type\":\"Ready\",\"status\":\"True\"}]}}}]",
                           &out), 200);
    if (crd)
        cr_assert_eq(fake_call("/_control/podgroups", "[{\"metadata\":{"
                               "\"name\":\"pgk\",\"namespace\":\"ml\"},"
                               "\"spec\":{\"minMember\":2}}]", &out), 200);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_port);
    srv_pid = tproc_spawn(mlog, margv);
    srv_port = wait_port(mpf);
    for (int i = 0; i < 200 * test_slow() && http("/readyz", NULL, &out) != 200;
         i++)
        sleep_ms(25);
    cr_assert_eq(http("/readyz", NULL, &out), 200);
    buf_fini(&out);
}

static void start_kube_crd(bool crd)
{
    start_kube_with(crd, "1");
}

static void start_kube(void)
{
    start_kube_crd(true);
}

Test(gang_kube, quorum_and_admission_patch_parked_members_then_bind_all,
     .fini = cleanup_kube, .timeout = 40)
{
    struct bind_call b[4];
    char node[64], reason[256];
    long patches;

    start_kube();
    fake_pods(0, 3);
    for (int i = 0;
         i < 200 * test_slow() && !contains("/debug/gangs", "\"exist\":3");
         i++)
        sleep_ms(25);
    cr_assert_eq(filter("kg", "4", 0, 2, node, reason), 0);
    cr_assert_str_eq(reason, "gang ml/kg (minMember 4): 3 of 4 pods exist");
    cr_assert_eq(fake_stat("patches"), 0);
    fake_pods(3, 4);
    /* the tick sees quorum from the watch, admits the gang (capacity is
     * there) and wakes every member once, with the latest state */
    for (int i = 0; i < 200 * test_slow() && fake_stat("patches") < 4; i++)
        sleep_ms(25);
    sleep_ms(300);
    patches = fake_stat("patches");
    cr_assert_eq(patches, 4, "one wake-up per parked member: %ld", patches);
    cr_assert(contains("/debug/gangs", "\"state\":\"admitted\""));
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(filter("kg", "4", i, 2, node, reason), 1);
        bind_start(&b[i], "kg", i, node);
        if (i < 3) {
            sleep_ms(100);
            cr_assert_eq(fake_stat("binds"), 0, "nothing bound before the "
                         "last member");
        }
    }
    join_all_ok(b, 4);
    cr_assert_eq(fake_stat("binds"), 4);
    cr_assert_eq(stop_server(), 0);
}

Test(gang_kube, podgroups_from_the_api_server_set_min_member,
     .fini = cleanup_kube, .timeout = 40)
{
    char node[64], reason[256];

    start_kube();
    gang_pods("pgk", 2, 5);
    for (int i = 0; i < 200 * test_slow() && fake_stat("podgroupLists") < 1;
         i++)
        sleep_ms(25);
    cr_assert_geq(fake_stat("podgroupLists"), 1);
    for (int i = 0;
         i < 200 * test_slow() && !contains("/debug/gangs", "\"exist\":2");
         i++)
        sleep_ms(25);
    cr_assert_eq(filter("pgk", "5", 0, 0, node, reason), 1,
                 "the PodGroup's minMember 2 wins over the annotation's 5: "
                 "%s", reason);
    cr_assert(contains("/debug/gangs", "\"minMember\":2"));
    cr_assert_eq(stop_server(), 0);
}

/* ---- PodGroups watched from the API server ---- */

/* Counter b of object a in the fake's /_control/stats ("lists", "pods"). */
static long fake_stat2(const char *a, const char *b)
{
    struct buf out;
    cJSON *j;
    long v;

    buf_init(&out, BUF_UNLIMITED);
    fake_call("/_control/stats", NULL, &out);
    j = cJSON_Parse(out.data);
    v = (long)cJSON_GetNumberValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, a), b));
    cJSON_Delete(j);
    buf_fini(&out);
    return v;
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* POST /_control/podgroups (ops, or a whole set that installs the CRD). */
static void fake_podgroups(const char *body)
{
    struct buf out;

    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(fake_call("/_control/podgroups", body, &out), 200, "%s",
                 out.data);
    buf_fini(&out);
}

static void fake_podgroups_uninstall(void)
{
    struct buf out;

    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(fake_call("/_control/podgroups/uninstall", "", &out), 200);
    buf_fini(&out);
}

static void fake_fault(const char *what)
{
    char body[128];
    struct buf out;

    snprintf(body, sizeof(body), "{\"fault\":\"%s\",\"resource\":"
             "\"podgroups\"}", what);
    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(fake_call("/_control/fault", body, &out), 200);
    buf_fini(&out);
}

/* The minMember /debug/gangs shows for gang key: -1 if there is no such
 * gang, 0 if its minMember is unknown (null). */
static long gang_min(const char *key)
{
    struct buf out;
    cJSON *j, *gang;
    long v = -1;

    buf_init(&out, BUF_UNLIMITED);
    http("/debug/gangs", NULL, &out);
    j = cJSON_Parse(out.data);
    cJSON_ArrayForEach(gang, cJSON_GetObjectItem(j, "gangs")) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItem(gang,
                                                                 "gang"));

        const cJSON *min = cJSON_GetObjectItem(gang, "minMember");

        if (k && strcmp(k, key) == 0)
            v = cJSON_IsNumber(min) ? (long)min->valuedouble : 0;
    }
    cJSON_Delete(j);
    buf_fini(&out);
    return v;
}

/* Wait up to ms for the gang's minMember to be want. RET whether it is. */
static bool wait_min(const char *key, long want, int64_t ms)
{
    int64_t end = mono_ms() + ms;

    while (gang_min(key) != want && mono_ms() < end)
        sleep_ms(10);
    return gang_min(key) == want;
}

#define PG_PUT(name, min)                                                      \
    "{\"op\":\"put\",\"object\":{\"apiVersion\":\"scheduling.x-k8s.io/"        \
    "v1alpha1\",\"kind\":\"PodGroup\",\"metadata\":{\"name\":\"" name "\","    \
    "\"namespace\":\"ml\"},\"spec\":{\"minMember\":" min "}}}"

Test(gang_kube, podgroup_created_changed_deleted_reach_the_gang_by_watch,
     .fini = cleanup_kube, .timeout = 40)
{
    char node[64], reason[256];
    int64_t t0;

    start_kube();
    gang_pods("late", 2, 5);
    cr_assert(wait_min("ml/late", 5, 5000), "from the annotation");
    cr_assert_eq(filter("late", "5", 0, 0, node, reason), 0);
    cr_assert_eq(fake_stat2("lists", "podgroups"), 1);
    t0 = mono_ms();
    /* created after muster synced: seen within a second, by the watch */
    fake_podgroups("[" PG_PUT("late", "2") "]");
    cr_assert(wait_min("ml/late", 2, 1000), "minMember %ld after 1 s",
              gang_min("ml/late"));
    cr_assert_eq(filter("late", "5", 0, 0, node, reason), 1, "%s", reason);
    fake_podgroups("[" PG_PUT("late", "3") "]");
    cr_assert(wait_min("ml/late", 3, 1000), "minMember %ld after 1 s",
              gang_min("ml/late"));
    cr_assert_eq(filter("late", "5", 0, 0, node, reason), 0);
    cr_assert(strstr(reason, "(minMember 3)"), "%s", reason);
    fake_podgroups("[{\"op\":\"delete\",\"name\":\"late\",\"namespace\":"
                   "\"ml\"}]");
    cr_assert(wait_min("ml/late", 5, 1000), "back to the annotation: %ld",
              gang_min("ml/late"));
    /* past the old 5 s poll: still the one LIST, changes came by watch */
    sleep_ms(6000 - (long)(mono_ms() - t0));
    cr_assert_eq(fake_stat2("lists", "podgroups"), 1);
    cr_assert_geq(fake_stat2("watches", "podgroups"), 1);
    cr_assert_eq(stop_server(), 0);
}

Test(gang_kube, a_410_on_the_podgroups_watch_relists_and_drops_deleted_ones,
     .fini = cleanup_kube, .timeout = 40)
{
    int64_t end;

    start_kube();
    gang_pods("gone", 2, 5);
    fake_podgroups("[" PG_PUT("gone", "2") "]");
    cr_assert(wait_min("ml/gone", 2, 5000));
    cr_assert_eq(fake_stat2("lists", "podgroups"), 1);
    /* ERROR 410 in the stream: relist, nothing lost */
    fake_fault("error_event");
    end = mono_ms() + 10000;
    while (fake_stat2("lists", "podgroups") < 2 && mono_ms() < end)
        sleep_ms(20);
    cr_assert_eq(fake_stat2("lists", "podgroups"), 2);
    cr_assert(wait_min("ml/gone", 2, 1000));
    /* the DELETED is cut off with the connection and the resumed watch is
     * answered 410: only the relist can tell that ml/gone is gone */
    fake_fault("close_mid");
    fake_fault("http410");
    fake_podgroups("[{\"op\":\"delete\",\"name\":\"gone\",\"namespace\":"
                   "\"ml\"}]");
    cr_assert(wait_min("ml/gone", 5, 10000), "minMember %ld",
              gang_min("ml/gone"));
    cr_assert_eq(fake_stat2("lists", "podgroups"), 3);
    cr_assert_eq(stop_server(), 0);
}

/* How many lines of muster's log contain what. */
static int log_count(const char *what)
{
    char path[128], line[4096];
    int n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/log", srv_dir);
    f = fopen(path, "r");
    cr_assert(f, "no log %s", path);
    while (fgets(line, sizeof(line), f))
        n += strstr(line, what) != NULL;
    fclose(f);
    return n;
}

Test(gang_kube, crd_absent_at_start_is_picked_up_when_installed,
     .fini = cleanup_kube, .timeout = 40)
{
    char node[64], reason[256];
    int64_t end;

    start_kube_crd(false);
    gang_pods("pgk", 2, 5);
    cr_assert(wait_min("ml/pgk", 5, 5000));
    /* 404 every --podgroup-retry 1 s, logged once */
    end = mono_ms() + 10000;
    while (fake_stat2("lists", "podgroups") < 3 && mono_ms() < end)
        sleep_ms(50);
    cr_assert_geq(fake_stat2("lists", "podgroups"), 3);
    cr_assert_eq(fake_stat2("watches", "podgroups"), 0);
    cr_assert_eq(log_count("no PodGroup CRD"), 1);
    fake_podgroups("[{\"metadata\":{\"name\":\"pgk\",\"namespace\":\"ml\"},"
                   "\"spec\":{\"minMember\":2}}]");
    cr_assert(wait_min("ml/pgk", 2, 5000), "minMember %ld",
              gang_min("ml/pgk"));
    cr_assert_eq(filter("pgk", "5", 0, 0, node, reason), 1, "%s", reason);
    cr_assert_eq(log_count("PodGroup CRD found"), 1);
    end = mono_ms() + 5000;
    while (fake_stat2("watches", "podgroups") < 1 && mono_ms() < end)
        sleep_ms(20);
    cr_assert_geq(fake_stat2("watches", "podgroups"), 1);
    cr_assert_eq(stop_server(), 0);
}

Test(gang_kube, a_removed_crd_takes_its_podgroups_with_it,
     .fini = cleanup_kube, .timeout = 40)
{
    start_kube();
    gang_pods("pgk", 2, 5);
    cr_assert(wait_min("ml/pgk", 2, 5000), "from the PodGroup");
    cr_assert_eq(log_count("no PodGroup CRD"), 0);
    /* the watch ends, the next one and the LIST answer 404 */
    fake_podgroups_uninstall();
    cr_assert(wait_min("ml/pgk", 5, 10000), "back to the annotation: %ld",
              gang_min("ml/pgk"));
    cr_assert_eq(log_count("no PodGroup CRD"), 1);
    cr_assert_eq(stop_server(), 0);
}

/* Member i of gang: filter it and bind it to the node that passed, in
 * its own thread (joined by the caller). */
static void place(struct bind_call *b, const char *gang, int i)
{
    char node[64], reason[256];

    cr_assert_eq(filter(gang, NULL, i, 0, node, reason), 1, "%s", reason);
    bind_start(b, gang, i, node);
}

/* The soak's partial gang: pods whose PodGroup muster did not have yet
 * were read as minMember 1 and bound one by one. Now they wait for it (up
 * to GANG_PODGROUP_GRACE_MS) and are woken when it comes. */
Test(gang_kube, pods_before_their_podgroup_wait_for_it_then_bind_whole,
     .fini = cleanup_kube, .timeout = 40)
{
    struct bind_call b[2];
    char node[64], reason[256];
    int64_t end;

    start_kube();
    gang_pods("early", 2, 0);
    cr_assert(wait_min("ml/early", 0, 5000), "minMember %ld",
              gang_min("ml/early"));
    cr_assert_eq(filter("early", NULL, 0, 0, node, reason), 0);
    cr_assert_str_eq(reason, "gang ml/early: minMember unknown: no PodGroup "
                     "ml/early (yet) and no muster.dev/min-member "
                     "annotation; waiting 5s for it");
    bind_start(&b[0], "early", 0, "gpu-a");
    pthread_join(b[0].th, NULL);
    cr_assert(strstr(b[0].answer, "minMember unknown"), "%s", b[0].answer);
    cr_assert_eq(fake_stat("binds"), 0);
    cr_assert_eq(fake_stat("patches"), 0);
    fake_podgroups("[" PG_PUT("early", "2") "]");
    cr_assert(wait_min("ml/early", 2, 3000), "minMember %ld",
              gang_min("ml/early"));
    /* quorum and admission: both members woken (twice if a slow run let
     * the 5 s grace end first) */
    end = mono_ms() + 5000;
    while (fake_stat("patches") < 2 && mono_ms() < end)
        sleep_ms(20);
    cr_assert_geq(fake_stat("patches"), 2);
    place(&b[0], "early", 0);
    sleep_ms(200);
    cr_assert_eq(fake_stat("binds"), 0, "held until the second member");
    place(&b[1], "early", 1);
    join_all_ok(b, 2);
    cr_assert_eq(fake_stat("binds"), 2);
    cr_assert_eq(stop_server(), 0);
}

/* A CRD installed after muster started is found when a pod names a
 * PodGroup, not at the next retry a minute later. */
Test(gang_kube, a_pod_naming_a_podgroup_makes_muster_look_for_the_crd,
     .fini = cleanup_kube, .timeout = 40)
{
    struct bind_call b[2];
    char node[64], reason[256];
    int64_t t0;

    start_kube_with(false, "60");
    cr_assert_eq(fake_stat2("lists", "podgroups"), 1);
    fake_podgroups("[{\"metadata\":{\"name\":\"late\",\"namespace\":"
                   "\"ml\"},\"spec\":{\"minMember\":2}}]");
    gang_pods("late", 2, 0);
    cr_assert(wait_min("ml/late", 0, 5000));
    t0 = mono_ms();
    cr_assert_eq(filter("late", NULL, 0, 0, node, reason), 0);
    cr_assert(wait_min("ml/late", 2, 4000), "minMember %ld after %lld ms",
              gang_min("ml/late"), (long long)(mono_ms() - t0));
    cr_assert_eq(fake_stat2("lists", "podgroups"), 2);
    cr_assert_eq(log_count("PodGroup CRD found"), 1);
    place(&b[0], "late", 0);
    place(&b[1], "late", 1);
    join_all_ok(b, 2);
    cr_assert_eq(fake_stat("binds"), 2);
    cr_assert_eq(stop_server(), 0);
}

/* Members of gang on node in the fake's state. */
static int server_bound(const char *gang, const char *node)
{
    char want[128];
    struct buf out;
    int n = 0;

    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(fake_call("/_control/state", NULL, &out), 200);
    snprintf(want, sizeof(want), "\"nodeName\":\"%s\"", node);
    for (const char *p = out.data; (p = strstr(p, want)); p++) {
        /* the pod's name comes before its spec in the dump */
        const char *name = p;

        while (name > out.data && strncmp(name, "\"name\":", 7))
            name--;
        n += strncmp(name + 8, gang, strlen(gang)) == 0;
    }
    buf_fini(&out);
    return n;
}

/* Filter and bind members 0..n-1 of gang (annotation min), each bind from
 * its own connection; OUT the answers. */
static void schedule_gang(const char *gang, const char *min, int n,
                          struct bind_call *b)
{
    char node[64], reason[256];

    for (int i = 0; i < n; i++) {
        cr_assert_eq(filter(gang, min, i, 0, node, reason), 1, "%s", reason);
        bind_start(&b[i], gang, i, node);
    }
    for (int i = 0; i < n; i++)
        pthread_join(b[i].th, NULL);
}

static void fake_bind_fault(const char *what, int count)
{
    char body[128];
    struct buf out;

    snprintf(body, sizeof(body), "{\"fault\":\"%s\",\"resource\":\"pods\","
             "\"count\":%d}", what, count);
    buf_init(&out, BUF_UNLIMITED);
    cr_assert_eq(fake_call("/_control/fault", body, &out), 200);
    buf_fini(&out);
}

/* A release is the gang's commit: a Binding the API server failed (500),
 * or that landed with its reply lost, is tried again, not given up. */
Test(gang_kube, a_failed_binding_in_a_release_is_retried_and_the_gang_bound,
     .fini = cleanup_kube, .timeout = 40)
{
    struct bind_call b[3];

    start_kube();
    gang_pods("rb", 3, 3);
    for (int i = 0;
         i < 200 * test_slow() && !contains("/debug/gangs", "\"exist\":3");
         i++)
        sleep_ms(25);
    fake_bind_fault("bind500", 1);
    fake_bind_fault("bind_lost", 1);
    schedule_gang("rb", "3", 3, b);
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(b[i].answer, "200 {\"Error\":\"\"}", "member %d",
                         i);
    cr_assert_eq(server_bound("rb-", "gpu-a"), 3);
    cr_assert_eq(fake_stat("binds"), 5, "3 Bindings and 2 retries");
    cr_assert_eq(log_count("gang binding failed, retrying"), 2);
    cr_assert_eq(stop_server(), 0);
}

/* What cannot be helped: the API server refusing one Binding for longer
 * than the retry budget (2 s: 5 attempts) leaves the gang partly bound;
 * that member's bind fails with the API server's word, muster logs it,
 * and the member is placed when kube-scheduler brings it again. */
Test(gang_kube, a_binding_failing_past_the_retries_is_reported,
     .fini = cleanup_kube, .timeout = 40)
{
    struct bind_call b[2];
    char node[64], reason[256];
    int failed = 0, which = -1;

    start_kube();
    gang_pods("rf", 2, 2);
    for (int i = 0;
         i < 200 * test_slow() && !contains("/debug/gangs", "\"exist\":2");
         i++)
        sleep_ms(25);
    fake_bind_fault("bind500", 5);
    schedule_gang("rf", "2", 2, b);
    for (int i = 0; i < 2; i++) {
        if (strcmp(b[i].answer, "200 {\"Error\":\"\"}") == 0)
            continue;
        cr_assert(strstr(b[i].answer, "injected bind fault"), "%s",
                  b[i].answer);
        failed++;
        which = i;
    }
    cr_assert_eq(failed, 1);
    cr_assert_eq(server_bound("rf-", "gpu-a"), 1);
    cr_assert_eq(log_count("gang partly bound"), 1);
    /* kube-scheduler retries the failed member: the rest is planned and
     * bound on its own (need = minMember - bound) */
    cr_assert_eq(filter("rf", "2", which, 0, node, reason), 1, "%s", reason);
    bind_start(&b[which], "rf", which, node);
    pthread_join(b[which].th, NULL);
    cr_assert_str_eq(b[which].answer, "200 {\"Error\":\"\"}");
    cr_assert_eq(server_bound("rf-", "gpu-a"), 2);
    cr_assert_eq(stop_server(), 0);
}
