/* main.c - argv dispatch to the subcommands. */
#include "common.h"
#include "cmd.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cmd_serve, "answer kube-scheduler's extender callbacks over HTTP"},
    {"policy", cmd_policy, "policy check FILE: validate and print a policy"},
    {"gen-cluster", cmd_gen_cluster,
     "print a synthetic cluster (kubectl get nodes -o json form)"},
    {"simulate", cmd_simulate,
     "replay a job trace over a cluster in virtual time"},
    {"trace", cmd_trace,
     "trace import --format itp|alibaba-openb IN: convert a public trace"},
    {"replay", cmd_replay,
     "re-run callbacks recorded by serve --record against another policy"},
    {"bench", cmd_bench, "compare policies over traces: tables, plots, report"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: muster COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-12s %s\n", "version", "print the version");
    fprintf(out, "\n'muster COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("muster %s\n", MUSTER_VERSION);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "muster: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
