/* cmd_policy.c - `muster policy`: check a policy file, list the plugins. */
#include "common.h"
#include "cmd.h"
#include "policy/policy.h"

static void policy_usage(FILE *out)
{
    fprintf(out,
            "usage: muster policy check FILE   validate FILE and print the "
            "effective policy\n"
            "       muster policy list         list the filter and score "
            "plugins\n");
}

static int policy_check(const char *path)
{
    struct policy *pol = NULL;
    char err[512];
    int rc;

    rc = policy_load(path, &pol, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "muster: %s\n", err);
        return 2;
    }
    rc = policy_print(pol, stdout);
    policy_free(pol);
    if (rc) {
        fprintf(stderr, "muster: cannot print the policy: %s\n",
                mu_strerror(rc));
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static int policy_list(void)
{
    printf("filter plugins (in \"filters\", run in order, first failure "
           "wins):\n");
    for (size_t i = 0; i < filter_plugin_count(); i++) {
        const struct filter_plugin *fp = filter_plugin_at(i);

        printf("  %-24s %s\n", fp->name, fp->summary);
    }
    printf("\nscore plugins (in \"scores\", each 0..%d, times its weight):\n",
           SCORE_MAX);
    for (size_t i = 0; i < score_plugin_count(); i++) {
        const struct score_plugin *sp = score_plugin_at(i);

        printf("  %-24s %s\n", sp->name, sp->summary);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

int cmd_policy(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
                      !strcmp(argv[1], "help"))) {
        policy_usage(stdout);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "check") == 0)
        return policy_check(argv[2]);
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return policy_list();
    policy_usage(stderr);
    return 2;
}
