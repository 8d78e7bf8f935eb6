/* hyperfine's --export-json (one object per command, with its run times,
 * exit codes and, for --parameter-scan/--parameter-list, its parameters),
 * read in one place for model and compare. */
#ifndef TP_CORE_HYPERFINE_H
#define TP_CORE_HYPERFINE_H

#include <jansson.h>
#include <stddef.h>

#include "core/results.h"

struct tp_hyperfine_param {
	char *name, *value;	/* hyperfine writes values as strings */
};

struct tp_hyperfine_command {
	char *command;
	double mean, stddev, median, min, max;	/* seconds; NAN when absent */
	double *times;				/* seconds, one per run (owned) */
	size_t ntimes;
	int *exit_codes;			/* ntimes entries or NULL (owned) */
	struct tp_hyperfine_param *params;	/* owned */
	size_t nparams;
};

struct tp_hyperfine {
	struct tp_hyperfine_command *commands;	/* owned */
	size_t ncommands;
};

/* Does doc look like a hyperfine export (an object with a "results" array
 * whose entries have "command")? */
int tp_hyperfine_detect(const json_t *doc);
/* Fills h from doc; errors are usage errors naming path and the field
 * ("'h.json': results[2].times[0] is not a positive number").  Returns 0 or -1. */
int tp_hyperfine_from_json(struct tp_hyperfine *h, const json_t *doc, const char *path);
/* Reads and parses path. */
int tp_hyperfine_read(struct tp_hyperfine *h, const char *path);
/* The value of parameter name of c, or NULL. */
const char *tp_hyperfine_param(const struct tp_hyperfine_command *c, const char *name);
/* Each command as one trial of r (initialised by the caller): config
 * {workers = its position from 1, batch 1, strategy "hyperfine"}, one repeat
 * per run with wall_s = the time, tasks 1, throughput 1/time, failures 1 for
 * a non-zero exit code; workload "hyperfine" with no options. */
void tp_hyperfine_to_results(const struct tp_hyperfine *h, struct tp_results *r);
/* Frees everything; h is left empty.  NULL-safe. */
void tp_hyperfine_release(struct tp_hyperfine *h);

#endif
