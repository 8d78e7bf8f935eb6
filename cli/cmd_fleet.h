/* The --slurm entry of `tunepool run`, parsed here and run by fleet/. */
#ifndef TP_CLI_CMD_FLEET_H
#define TP_CLI_CMD_FLEET_H

/* 1 when run's argv asks for --slurm (before any "--"). */
int tp_cmd_run_wants_slurm(int argc, char **argv);
/* `tunepool run --slurm ...`: argv[0] is "run"; returns an exit code. */
int tp_cmd_run_slurm(int argc, char **argv);

#endif
