/* Talking to Slurm: its client commands run as child processes (sbatch,
 * scontrol, sinfo, scancel), one array submission, and polling the array with
 * one scontrol call per round and a growing interval. */
#ifndef TP_FLEET_SLURM_H
#define TP_FLEET_SLURM_H

#include <stddef.h>

struct tp_strbuf;

/* Runs argv[0] (searched in PATH) with argv, no stdin; its stdout is appended
 * to out and its stderr to err (either may be NULL: discarded).  Returns the
 * exit status (0..255), or -1 with an error printed when it cannot be started
 * or was killed by a signal. */
int tp_fleet_exec(char *const argv[], struct tp_strbuf *out, struct tp_strbuf *err);

/* Node names of an expression ("n[1-3],m1"), expanded by `scontrol show
 * hostnames`; a new NULL-terminated array (free with tp_fleet_names_free). */
char **tp_fleet_hostnames(const char *expr, size_t *n);
/* Nodes that can take a job: `sinfo -N` of partition (NULL: every partition)
 * that are not down, drained or failing, and have feature (NULL: any). */
char **tp_fleet_usable_nodes(const char *partition, const char *feature, size_t *n);
void tp_fleet_names_free(char **names);
/* "a,b": the usable nodes of partition not in want ("" when none), for
 * sbatch --exclude so that an array runs only on want; NULL on error. */
char *tp_fleet_exclude_for(const char *partition, char *const *want, size_t nwant);

/* Submits script with `sbatch --parsable` and args before it; the job id goes
 * into jobid.  Returns 0, or -1 with sbatch's own message in the error. */
int tp_fleet_sbatch(char *const *args, size_t nargs, const char *script,
		    char *jobid, size_t size);
/* One exclusive, one-task-per-node job array, as fleet tune and run --slurm
 * submit it: logs LOGDIR/JOB_TASK.out|.err, the partition, feature and
 * excluded nodes when given.  array is "--array=..."; no_requeue asks Slurm
 * not to requeue behind the caller's back.  Returns tp_fleet_sbatch's. */
struct tp_fleet_array {
	const char *array, *job_name, *logdir, *script;
	const char *partition, *constraint, *exclude;	/* NULL or "": not given */
	int no_requeue;
};
int tp_fleet_submit_array(const struct tp_fleet_array *a, char *jobid, size_t size);

/* Cancels the whole job (every array task); errors are warnings. */
void tp_fleet_scancel(const char *jobid);

enum tp_task_state {
	TP_TASK_PENDING,
	TP_TASK_RUNNING,
	TP_TASK_DONE,		/* COMPLETED */
	TP_TASK_FAILED,		/* FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OOM, ... */
	TP_TASK_UNKNOWN,	/* no longer known to Slurm (purged) */
};

struct tp_fleet_task {
	enum tp_task_state state;
	char slurm_state[32];	/* "COMPLETED", "NODE_FAIL", ... */
	char node[64];		/* BatchHost, "" before it runs */
	int exit_code;		/* of the batch script, -1 when unknown */
	int signal;		/* that ended it, 0 when none */
};

/* One scontrol round over the array jobid: fills tasks[0..n) by array index
 * (indexes absent from the answer keep their state).  Returns 0, or -1 when
 * scontrol failed for another reason than a purged job. */
int tp_fleet_poll(const char *jobid, struct tp_fleet_task *tasks, size_t n);

/* Called after every round with the tasks so far; returns nonzero to stop. */
typedef int (*tp_fleet_progress_fn)(const struct tp_fleet_task *tasks, size_t n, void *arg);

/* Polls until every task has ended: the first round after 0.2 s, then each
 * interval 1.5 times longer up to max_interval_s (one call per round for the
 * whole array, never per task).  Returns 0 when all ended, 1 when stop was
 * requested by progress or by tp_fleet_wait_stop() (the job is left as it
 * is), -1 on error. */
int tp_fleet_wait(const char *jobid, struct tp_fleet_task *tasks, size_t n,
		  double max_interval_s, tp_fleet_progress_fn progress, void *arg);
/* Async-signal-safe: the next round of tp_fleet_wait returns 1 (SIGINT). */
void tp_fleet_wait_stop(void);

/* "pending", "running", ... for messages. */
const char *tp_fleet_task_state_name(enum tp_task_state s);

/* The absolute path of the running tunepool binary (the nodes run the same
 * one through the shared filesystem); static storage. */
const char *tp_fleet_self_path(void);

#endif
