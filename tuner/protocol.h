/* The measurement protocol: configs are measured through an evaluator (the
 * pool in production, synthetic functions in tests) with a warm-up, repeats
 * until the 95% CI of the median throughput is tight or a cap is reached,
 * seeded random interleaving, MAD outliers flagged and kept, and a budget of
 * time or evaluations. */
#ifndef TP_TUNER_PROTOCOL_H
#define TP_TUNER_PROTOCOL_H

#include <stddef.h>

#include "core/results.h"

/* enum tp_objective and its parse/name pair live with the results model
 * (core/results.h): reports read a recommendation's objective too. */

/* Measures one run of c into out (zeroed by the caller).  Returns 0, 1 when
 * the run was stopped early because its rate fell below stop_below_rate (out
 * holds what was done), or -1 when c cannot run (message printed). */
typedef int (*tp_eval_fn)(void *ctx, const struct tp_config *c, struct tp_repeat *out);

struct tp_evaluator {
	void *ctx;
	tp_eval_fn eval;
	/* Set by the protocol before each call: a run slower than this many
	 * tasks/s (half the best's, as in "2x the best's time") may stop. 0 = no. */
	double stop_below_rate;
	/* Set by the final race: every run does at least this many tasks
	 * (rounded up to whole rounds; 0 = its calibrated count), so a fixed
	 * per-run cost (start-up, the last task's tail) weighs the same for
	 * every rival instead of favouring the ones calibrated to longer runs.
	 * Evaluators without a task count ignore it. */
	long long min_tasks;
};

struct tp_protocol_opts {
	int warmup;		/* discarded runs on the first use of each method (1) */
	int min_repeats;	/* 3 */
	int max_repeats;	/* cap (10) */
	double ci_target;	/* CI half-width / median to stop at (0.02) */
	double agree;		/* past min_repeats, stop once the repeats span at
				 * most this share of their median (0 = off: ci_target) */
	unsigned long seed;	/* interleaving order */
	double budget_s;	/* 0 = none */
	int budget_evals;	/* evaluator calls, warm-ups included; 0 = none */
	enum tp_objective objective;
};

/* Defaults named above. */
void tp_protocol_opts_init(struct tp_protocol_opts *o);

struct tp_protocol {
	struct tp_protocol_opts o;
	struct tp_evaluator *ev;
	struct tp_results *res;		/* trials land here (not owned) */
	void *rng;			/* gsl_rng */
	double t0;
	int evals;			/* evaluator calls so far */
	int measured;			/* repeats added in this session */
	int exhausted;			/* the budget ran out (or interrupted) */
	int interrupted;		/* SIGINT: nothing more runs */
	int stop_slow;			/* racing: runs below half the best rate stop */
	char warmed[8][2 * TP_NAME_MAX];	/* methods already warmed up */
	int nwarmed;
	unsigned char *flags;		/* per trial index: TP_TRIAL_* */
	size_t nflags;
};

enum {
	TP_TRIAL_STOPPED = 1,	/* a run was stopped below the rate floor */
	TP_TRIAL_FAILED = 2,	/* the config cannot run, or tasks failed */
};

/* res keeps every trial (cached ones may be there already). */
void tp_protocol_init(struct tp_protocol *p, const struct tp_protocol_opts *o,
		      struct tp_evaluator *ev, struct tp_results *res);
void tp_protocol_release(struct tp_protocol *p);

/* 1 once the time or evaluation budget is spent. */
int tp_protocol_exhausted(struct tp_protocol *p);
/* Measures each config of cs until its CI is tight (>= min_repeats) or it
 * has max_repeats, interleaving the configs in a seeded random order each
 * round.  Stops early when the budget runs out.  Returns 0; -1 only when the
 * evaluator hit a system error (every config failing is not an error). */
int tp_protocol_measure(struct tp_protocol *p, const struct tp_config *cs, size_t n);
/* One more repeat of each config of cs, in a seeded random order. */
int tp_protocol_round(struct tp_protocol *p, const struct tp_config *cs, size_t n);

/* The trial of c, or NULL when never measured. */
struct tp_trial *tp_protocol_find(struct tp_protocol *p, const struct tp_config *c);
/* Flags (TP_TRIAL_*) of trial t. */
unsigned tp_protocol_flags(struct tp_protocol *p, const struct tp_trial *t);
/* 1 when t has repeats and is neither stopped nor failed. */
int tp_protocol_usable(struct tp_protocol *p, const struct tp_trial *t);
/* Objective score of one repeat (higher is better: throughput, 1/p95 latency,
 * throughput per worker). */
double tp_objective_score(enum tp_objective o, const struct tp_config *c,
			  const struct tp_repeat *r);
/* The scores of t's repeats into a new array (free() it); *n gets the count. */
double *tp_protocol_scores(struct tp_protocol *p, const struct tp_trial *t, size_t *n);
/* The median of t's repeat scores (NAN without repeats), their lowest and
 * highest in lo and hi. */
double tp_protocol_score_range(struct tp_protocol *p, const struct tp_trial *t, double *lo,
			       double *hi);
/* Median score of t (NAN when it has no repeats). */
double tp_protocol_score(struct tp_protocol *p, const struct tp_trial *t);

#endif
