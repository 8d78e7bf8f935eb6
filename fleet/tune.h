/* `fleet tune`: one sbatch array, one exclusive task per node, each running
 * `tunepool tune` there into DIR/<node>.json and .conf; then the merge. */
#ifndef TP_FLEET_TUNE_H
#define TP_FLEET_TUNE_H

#include <stddef.h>

#include "fleet/merge.h"

struct tp_fleet_tune_opts {
	char *const *tune_args;		/* for `tunepool tune` on every node */
	size_t ntune_args;
	const char *dir;		/* -o DIR, shared by every node */
	const char *partition, *constraint, *nodes;	/* NULL = not given */
	int no_wait;
	double poll_max_s;		/* longest interval between polls (30 s) */
	double barrier_s;		/* how long a task waits for the others (600 s) */
	int bar;			/* progress line even when not on a terminal */
	struct tp_fleet_merge_opts merge;
};

void tp_fleet_tune_opts_init(struct tp_fleet_tune_opts *o);

struct tp_fleet_tune_result {
	char jobid[32];
	size_t ntasks, nok, nfailed;
	int interrupted;		/* SIGINT: the job was cancelled */
	struct tp_fleet_merge_summary merged;
};

/* Submits, waits (unless no_wait) and merges into DIR/classes.  Prints the
 * failures of single nodes and the merge summary on stdout.  Returns 0 when
 * the job ran (see r for failed nodes), -1 on an error. */
int tp_fleet_tune(const struct tp_fleet_tune_opts *o, struct tp_fleet_tune_result *r);

#endif
