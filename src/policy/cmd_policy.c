/* cmd_policy.c - placeholder until the policy loader lands (issue 2). */
#include "common.h"
#include "cmd.h"

int cmd_policy(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "muster policy: not built yet\n");
    return 1;
}
