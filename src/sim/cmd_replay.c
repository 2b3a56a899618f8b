/* cmd_replay.c - `muster replay FILE --policy P --cluster SNAP`. */
#include "common.h"
#include "cmd.h"
#include "sim/replay.h"

static void replay_usage(FILE *out)
{
    fprintf(out, "usage: muster replay FILE --policy P --cluster SNAP\n\n"
            "Re-run the callbacks recorded by `muster serve --record FILE` "
            "against policy P,\nstarting from cluster snapshot SNAP (the "
            "recorded binds are applied in order),\nand print every pod whose "
            "decision differs: the node chosen before and after,\nand the "
            "nodes the two policies filtered differently.\n");
}

int cmd_replay(int argc, char **argv)
{
    const char *file = NULL, *policy = NULL, *cluster = NULL;
    struct replay_stats st;
    char err[512];
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            replay_usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--policy") && i + 1 < argc)
            policy = argv[++i];
        else if (!strcmp(argv[i], "--cluster") && i + 1 < argc)
            cluster = argv[++i];
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else {
            fprintf(stderr, "muster replay: unexpected '%s'\n", argv[i]);
            replay_usage(stderr);
            return 2;
        }
    }
    if (!file || !policy || !cluster) {
        replay_usage(stderr);
        return 2;
    }
    rc = replay_run(file, policy, cluster, stdout, &st, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "muster replay: %s\n", err);
        return rc == MU_EIO ? 1 : 2;
    }
    return 0;
}
