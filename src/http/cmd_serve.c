/* cmd_serve.c - placeholder until the service lands (issue 3). */
#include "common.h"
#include "cmd.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "muster serve: not built yet\n");
    return 1;
}
