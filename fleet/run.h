/* `run --slurm`: one job across nodes.  The inputs are split into slices in
 * a shared directory, one sbatch array runs `tunepool run` per slice (each on
 * a whole node, with its class's conf), journals and outputs stay per slice,
 * and the end merges them: one journal, one summary per node, --resume that
 * resubmits only the slices that did not finish. */
#ifndef TP_FLEET_RUN_H
#define TP_FLEET_RUN_H

#include <stddef.h>

struct tp_fleet_run_opts {
	const char *dir;			/* --shared DIR */
	size_t slices;				/* 0: one per usable node */
	const char *partition, *constraint, *nodes;	/* NULL = not given */
	const char *confs;			/* CONFDIR of fleet merge, or NULL */
	int no_wait, resume, bar;
	double poll_max_s;
	char *const *run_args;			/* options for each slice's run */
	size_t nrun_args;
	char *const *command;			/* COMMAND ARGS... */
	size_t ncommand;
	char *const *args;			/* ::: inputs, when given */
	size_t nargs;
	const char *inputs_file;		/* --inputs FILE ("-": stdin), or NULL */
};

void tp_fleet_run_opts_init(struct tp_fleet_run_opts *o);

struct tp_fleet_run_result {
	char jobid[32];				/* "" when nothing was submitted */
	size_t inputs, done, failed, missing, twice;
	size_t slices, incomplete;
	int interrupted;
};

/* Runs (or resumes) the job; outputs not yet printed go to stdout, the
 * summary to stderr.  Returns 0 when the job ran (see r), -1 on an error. */
int tp_fleet_run(const struct tp_fleet_run_opts *o, struct tp_fleet_run_result *r);

/* The conf for this machine in confdir: <fingerprint>.conf of the probe when
 * present, else the conf index.tsv names for node; "" when none. */
int tp_fleet_conf_for(const char *confdir, const char *node, char *path, size_t size);

#endif
