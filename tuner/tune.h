/* One tuning run end to end: sample the inputs, seed the space from the
 * probe, reuse the result cache, search, recommend, and produce the
 * tunepool.conf and results of DESIGN.md. */
#ifndef TP_TUNER_TUNE_H
#define TP_TUNER_TUNE_H

#include <stddef.h>

#include "core/results.h"
#include "tuner/conf.h"
#include "tuner/protocol.h"

struct tp_machine;
struct tp_workload;

struct tp_tune_opts {
	const char *search;		/* "auto" (default when NULL) */
	enum tp_objective objective;
	double budget_s;		/* 0 = none */
	int budget_evals;		/* 0 = none */
	long long sample;		/* --sample K, 0 = every input */
	unsigned long seed;
	int fresh;			/* ignore the result cache */
	int max_workers;		/* 0 = from the probe */
	double min_time_s;		/* length of one run (0.1 s) */
	int max_repeats;		/* repeat cap (10) */
	int shell, multi_input;		/* exec options passed to the pool */
	struct tp_tune_slot *slot;	/* where a stop signal finds the run; NULL: none */
	long long mem_per_worker_kb;	/* --mem-per-worker: overrides the measured one; 0 = measure */
	const char *persistent;		/* --persistent FRAMING: the command's persistent
					 * workers are the one method tuned (NULL: off) */
};

/* Where a signal handler finds the tuning run in flight; owned by the caller
 * (zeroed), shared by every tp_tune() of a command (tune --suite). */
struct tp_tune_slot {
	struct tp_pool_evaluator *volatile eval;
	struct tp_protocol *volatile proto;
	volatile int stop;		/* set once: no later run starts either */
};

void tp_tune_opts_init(struct tp_tune_opts *o);

/* Picks k of the n inputs (k < n) into a new array of pointers into in (free()
 * the array only): seeded random; when every input names a regular file, one
 * from each of k strata of ascending file size. */
char **tp_sample_inputs(char *const *in, size_t n, size_t k, unsigned long seed);

/* Tunes wl on m over inputs (NULL, 0: the count inputs of built-in workloads).
 * Fills res (initialised by the caller) with the machine, workload, every
 * trial, the model and the recommendation, and conf with the tuned config.
 * Returns 0, -1 on an error (usage or system class set), or 130-style
 * interruption reported as -1 with *interrupted set. */
int tp_tune(struct tp_workload *wl, char *const *inputs, size_t ninputs,
	    const struct tp_machine *m, const struct tp_tune_opts *o, struct tp_results *res,
	    struct tp_tuned_conf *conf, int *interrupted);
/* Async-signal-safe: stops the tuning run in flight, and every later one
 * given the same slot (runner/signals.h calls it for each stop signal). */
void tp_tune_stop(struct tp_tune_slot *slot);

#endif
