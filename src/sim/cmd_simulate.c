/* cmd_simulate.c - `muster simulate`: flags in, a simulation run, the
 * summary table out. */
#include "common.h"
#include "cmd.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "util/log.h"

static void sim_usage(FILE *out)
{
    fprintf(out,
            "usage: muster simulate --cluster FILE --trace FILE --policy FILE\n"
            "                       [--out DIR] [--time-scale F | --load X]\n"
            "                       [--skip-bad-lines] [--pick-extender] [--quiet]\n\n"
            "Replay a job trace over a cluster snapshot in virtual time with "
            "the same\nfilter, score and gang code as `muster serve`.\n"
            "  --cluster FILE    nodes (and bound pods) as `kubectl get "
            "nodes,pods -A -o json`\n"
            "  --trace FILE      CSV: job_id,submit_time,num_pods,"
            "gpus_per_pod,duration\n"
            "                    [,cpu_per_pod,memory_per_pod,min_member,"
            "priority,queue,user]\n"
            "  --policy FILE     a policy, as for serve "
            "(policies/kube-default.json: no gangs)\n"
            "  --out DIR         write jobs.csv, pods.csv, timeline.csv, "
            "summary.json\n"
            "  --time-scale F    multiply inter-arrival gaps by F (0.5: twice "
            "as dense)\n"
            "  --load X          scale arrivals so that the offered GPU load "
            "is X (0.9: 90%%)\n"
            "  --skip-bad-lines  skip malformed trace lines (counted) instead "
            "of refusing\n"
            "  --pick-extender   choose nodes by the 0..10 score /prioritize "
            "answers (what\n"
            "                    kube-scheduler sees; ties to the smallest "
            "name) instead of\n"
            "                    the full-resolution total\n"
            "  --quiet           no progress bar\n");
}

static int sim_flag(struct sim_opts *o, const char *flag, const char *val)
{
    if (!strcmp(flag, "--cluster"))
        o->cluster_path = val;
    else if (!strcmp(flag, "--trace"))
        o->trace_path = val;
    else if (!strcmp(flag, "--policy"))
        o->policy_path = val;
    else if (!strcmp(flag, "--out"))
        o->out_dir = val;
    else if (!strcmp(flag, "--time-scale"))
        return trace_parse_pos(val, &o->time_scale);
    else if (!strcmp(flag, "--load"))
        return trace_parse_pos(val, &o->load);
    else
        return MU_ENOENT;
    return MU_OK;
}

static int sim_args(int argc, char **argv, struct sim_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc;

        if (!strcmp(a, "--skip-bad-lines") || !strcmp(a, "--quiet") ||
            !strcmp(a, "--pick-extender")) {
            *(a[2] == 's' ? &o->skip_bad : a[2] == 'q' ? &o->quiet
                                                       : &o->pick_extender) =
                true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "muster simulate: %s needs a value\n", a);
            return MU_EINVAL;
        }
        rc = sim_flag(o, a, argv[++i]);
        if (rc == MU_ENOENT)
            fprintf(stderr, "muster simulate: unknown flag %s\n", a);
        else if (rc)
            fprintf(stderr, "muster simulate: %s %s: not a positive number "
                    "up to 1000000\n", a, argv[i]);
        if (rc)
            return MU_EINVAL;
    }
    if (!o->cluster_path || !o->trace_path || !o->policy_path) {
        fprintf(stderr, "muster simulate: --cluster, --trace and --policy "
                "are required\n");
        return MU_EINVAL;
    }
    if (o->time_scale > 0 && o->load > 0) {
        fprintf(stderr, "muster simulate: give --time-scale or --load, not "
                "both\n");
        return MU_EINVAL;
    }
    return MU_OK;
}

int cmd_simulate(int argc, char **argv)
{
    struct sim_opts o = {0};
    struct sim_summary sum;
    char err[512];
    int rc;

    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        sim_usage(stdout);
        return 0;
    }
    if (sim_args(argc, argv, &o)) {
        sim_usage(stderr);
        return 2;
    }
    /* Per-gang info lines would drown the summary: warnings and up. */
    if (log_threshold < LOG_WARN)
        log_set_level("warn");
    rc = sim_run(&o, &sum, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "muster simulate: %s\n", err);
        return rc == MU_EINVAL ? 2 : 1;
    }
    sim_summary_print(&sum, stdout);
    return 0;
}
