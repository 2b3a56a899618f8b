/* cmd.h - the subcommands of the muster binary. Each takes the arguments
 * after its own name (argv[0] is the subcommand) and RETURNS the process
 * exit status: 0 success, 1 runtime failure, 2 bad usage or invalid input. */
#ifndef MUSTER_CMD_H
#define MUSTER_CMD_H

int cmd_policy(int argc, char **argv);   /* src/policy/cmd_policy.c */
int cmd_serve(int argc, char **argv);    /* src/http/cmd_serve.c */
int cmd_gen_cluster(int argc, char **argv); /* src/sim/cmd_gen_cluster.c */
int cmd_simulate(int argc, char **argv);  /* src/sim/cmd_simulate.c */
int cmd_trace(int argc, char **argv);     /* src/sim/cmd_trace.c */
int cmd_replay(int argc, char **argv);    /* src/sim/cmd_replay.c */
int cmd_bench(int argc, char **argv);     /* src/sim/cmd_bench.c */

#endif
