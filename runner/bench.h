/* The bench engine: every valid worker x batch x strategy x start
 * combination of one workload, warm-ups and repeats interleaved in a seeded
 * random order, each run through the pool, collected into the results model. */
#ifndef TP_RUNNER_BENCH_H
#define TP_RUNNER_BENCH_H

#include <signal.h>
#include <stddef.h>

#include "core/results.h"
#include "runner/pool.h"

struct tp_bench;
struct tp_inputs;
struct tp_workload;

/* After every run (warm-ups included), from the thread calling tp_bench_run. */
struct tp_bench_progress {
	int run, runs;			/* 1-based run number, total runs planned */
	int warmup;			/* this run was a warm-up (not recorded) */
	const struct tp_config *config;
	const struct tp_repeat *rep;	/* its measurements */
};

struct tp_bench_opts {
	struct tp_workload *workload;	/* set up by the pool each run */
	struct tp_inputs *inputs;	/* must rewind (held lines, a list, a count) */
	const int *workers;
	int nworkers;
	const int *batches;
	int nbatches;
	char *const *strategies;	/* "thread", "process", "exec" */
	int nstrategies;
	char *const *starts;		/* "fork", "spawn": process only */
	int nstarts;
	int repeat, warmup;		/* recorded and discarded runs per config */
	unsigned long seed;		/* of the interleaving order (GSL mt19937) */
	int keep_going;			/* go on after a run with failed tasks */
	/* Several commands compared in one bench (interleaved, same inputs):
	 * every config runs once per command, config.command naming it; NULL /
	 * 0 for one workload.  workload is then the first of them. */
	struct tp_workload *const *cmd_workloads;
	char *const *cmd_names;		/* < TP_COMMAND_MAX bytes each, distinct */
	int ncommands;
	const char *prepare, *cleanup;	/* /bin/sh -c commands before and after every
					 * run (warm-ups too), not timed; NULL = none */
	/* Copied into every run's pool options (timeout, retries, shell,
	 * multi_input, cpus_usable, hooks); config and workload are set here. */
	struct tp_pool_opts pool;
	void (*on_progress)(void *ctx, const struct tp_bench_progress *p);
	void *ctx;
};

/* Plans the valid configs: start applies to process only; a command
 * workload runs under exec only and exec runs commands only; a
 * TP_WL_NO_PROCESS workload skips process; without multi_input exec batches
 * are 1.  Skipped strategies are named in a warning; unknown strategy or
 * start names, and a plan left empty, are usage errors.  Free with
 * tp_bench_free(). */
int tp_bench_new(struct tp_bench **out, const struct tp_bench_opts *opts);
/* The planned configs, in plan order. */
const struct tp_config *tp_bench_configs(const struct tp_bench *b, size_t *n);
/* Runs the plan into r (one trial per config, repeats in run order, stats
 * updated).  Returns 0 when every run finished, 1 when tasks failed (and,
 * without keep_going, the bench stopped after that run) or --prepare /
 * --cleanup failed (the bench stops, with an error), -1 on a system
 * error.  *interrupted is set when tp_bench_stop ended it: the run in flight
 * is dropped, every finished repeat is kept. */
int tp_bench_run(struct tp_bench *b, struct tp_results *r, int *interrupted);
/* Why tasks of config c failed, the first failure seen ("input 'x': exit
 * status 1: first stderr line"), or NULL when none failed.  Valid until
 * tp_bench_free. */
const char *tp_bench_failure(const struct tp_bench *b, const struct tp_config *c);
/* Stops the bench: the pool in flight stops and no run starts.
 * Async-signal-safe. */
void tp_bench_stop(struct tp_bench *b);
void tp_bench_free(struct tp_bench *b);

/* Where a signal handler finds the pool in flight (see tp_bench_slot_stop). */
struct tp_bench_slot {
	struct tp_pool *volatile pool;
	volatile sig_atomic_t stop;
};

/* Async-signal-safe: sets slot->stop and stops the pool in flight. */
void tp_bench_slot_stop(struct tp_bench_slot *slot);

/* One measured run of config c (what the bench repeats, and an evaluator for
 * the tuner): a pool from base with c and wl, inputs rewound first.
 * Returns 0 (tasks may have failed: rep->failures; free rep->counters), -1 on
 * an error; *interrupted is set when slot->stop ended or prevented the run.
 * slot may be NULL. */
int tp_bench_run_one(const struct tp_pool_opts *base, struct tp_workload *wl,
		     struct tp_inputs *in, const struct tp_config *c, struct tp_repeat *rep,
		     int *interrupted, struct tp_bench_slot *slot);

/* "HASH16:COUNT" of the inputs (each line and its length), then rewinds;
 * -1 when they cannot be read or rewound. */
int tp_bench_input_signature(struct tp_inputs *in, char *buf, size_t size);

#endif
