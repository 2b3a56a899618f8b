/* test_sim_replay.c - `muster replay` on hand-written records: the clock a
 * gang policy needs, and a gang admitted under the replayed policy. (The
 * end-to-end cases, on what `serve --record` wrote, are in
 * tests/integration/test_sim_online.c.) */
#include "common.h"
#include "sim/replay.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <criterion/criterion.h>
#include <unistd.h>

#define CLUSTER "tests/data/sim/online_cluster.json"
#define GANG_POLICY "policies/gang-topology.json"

static char *write_tmp(const char *text)
{
    char *path = xstrdup("/tmp/mu-replay-XXXXXX");
    int fd = mkstemp(path);

    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* A recorded /filter line for pod NAME of a 2-member gang "g" offered
 * nodes n-a and n-b, both passed before. */
static char *filter_line(const char *time, const char *name)
{
    return xasprintf(
        "{\"time\":\"%s\",\"verb\":\"filter\",\"status\":200,"
        "\"request\":\"{\\\"Pod\\\":{\\\"metadata\\\":{\\\"name\\\":"
        "\\\"%s\\\",\\\"namespace\\\":\\\"default\\\",\\\"uid\\\":"
        "\\\"u-%s\\\",\\\"labels\\\":{\\\"scheduling.x-k8s.io/pod-group\\\":"
        "\\\"g\\\"},\\\"annotations\\\":{\\\"muster.dev/min-member\\\":"
        "\\\"2\\\"}},\\\"spec\\\":{\\\"containers\\\":[{\\\"name\\\":\\\"c\\\","
        "\\\"resources\\\":{\\\"requests\\\":{\\\"nvidia.com/gpu\\\":"
        "\\\"8\\\"}}}]}},\\\"NodeNames\\\":[\\\"n-a\\\",\\\"n-b\\\"]}\","
        "\"response\":\"{\\\"NodeNames\\\":[\\\"n-a\\\",\\\"n-b\\\"]}\"}\n",
        time, name, name);
}

static int replay(const char *text, const char *policy, char **report,
                  struct replay_stats *st, char *err, size_t errlen)
{
    char *path = write_tmp(text);
    size_t len = 0;
    FILE *out = open_memstream(report, &len);
    int rc;

    log_set_level("error");
    rc = replay_run(path, policy, CLUSTER, out, st, err, errlen);
    fclose(out);
    unlink(path);
    free(path);
    return rc;
}

Test(replay, gang_policy_needs_the_recorded_time)
{
    char *line = filter_line("yesterday", "p-0"), *report = NULL;
    struct replay_stats st;
    char err[512] = "";

    cr_assert_eq(replay(line, GANG_POLICY, &report, &st, err, sizeof(err)),
                 MU_EINVAL);
    cr_assert(strstr(err, ":1: time: not a UTC time"), "%s", err);
    free(report);
    report = NULL;
    /* Without gangs the clock is not used. */
    cr_assert_eq(replay(line, "policies/kube-default.json", &report, &st,
                        err, sizeof(err)), MU_OK, "%s", err);
    free(report);
    free(line);
}

/* Member p-1 is seen first (refused: the gang lacks a member), p-0
 * completes it: the replay's gang table admits the gang under the new
 * policy and p-0 passes only its planned node, where serve had passed
 * both. */
Test(replay, gang_is_admitted_and_planned_under_the_replayed_policy)
{
    char *a = filter_line("2026-11-23T23:00:00.000Z", "p-1");
    char *b = filter_line("2026-11-23T23:00:00.100Z", "p-0");
    char *text = xasprintf("%s%s", a, b), *report = NULL;
    struct replay_stats st;
    char err[512] = "";

    cr_assert_eq(replay(text, GANG_POLICY, &report, &st, err, sizeof(err)),
                 MU_OK, "%s", err);
    cr_assert_eq(st.pods, 2, "%s", report);
    cr_assert(strstr(report, "default/p-0: node before (none), after n-a; "
                     "filtered differently: n-b (before: passed, after: gang "
                     "default/g: pod is planned on node n-a)"), "%s", report);
    cr_assert(strstr(report, "default/p-1: node before (none), after (none)"
                     "; filtered differently: n-a (before: passed, after: "
                     "gang default/g"), "%s", report);
    free(report);
    free(text);
    free(a);
    free(b);
}
