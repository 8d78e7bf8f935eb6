/* Search strategies: one file per strategy (tuner/search_<name>.c) exporting
 * a descriptor, listed once in tuner/search_list.h; and the steps they share
 * (racing, model fit, worker refinement). */
#ifndef TP_TUNER_SEARCH_H
#define TP_TUNER_SEARCH_H

#include <stddef.h>

#include "tuner/protocol.h"
#include "tuner/recommend.h"
#include "tuner/space.h"

struct tp_search_run {
	struct tp_protocol *proto;
	const struct tp_space *space;
	struct tp_results *res;			/* == proto->res */
	struct tp_recommend_opts rec;
	const struct tp_config *warm;		/* last best (result cache), or NULL */
	int racing_repeats;			/* cap of racing rounds (10) */
	struct tp_paired paired;		/* the final race (tp_search_confirm) */
	int saturated;				/* a sweep stopped on saturated CPUs:
						 * no extension upwards */
};

struct tp_search_desc {
	const char *name;
	const char *summary;
	/* Measures configs through run->proto; the caller recommends after.
	 * Returns 0, or -1 on a system error. */
	int (*run)(struct tp_search_run *run);
	const char *unsupported_reason;
};

const struct tp_search_desc *const *tp_search_table(size_t *n);
/* The strategy named name; usage error with a suggestion and NULL when none. */
const struct tp_search_desc *tp_search_find(const char *name);
/* "auto|grid|racing|usl" (static storage). */
const char *tp_search_names(void);

/* Racing among n candidates: every candidate gets min_repeats, then rounds
 * of one more repeat each; after each round a candidate is dropped once a
 * one-sided Mann-Whitney test at alpha says it is worse than the current best
 * (or its run was stopped at twice the best's time).  Stops when one is left,
 * after racing_repeats rounds, or when the budget runs out. */
int tp_search_race(struct tp_search_run *run, const struct tp_config *cands, size_t n);
/* Fits the scaling model on the usable trials of (batch, method) with >= 6
 * worker counts into run->res->model; 0 when fitted, -1 when not. */
int tp_search_fit(struct tp_search_run *run, int batch, int method);
/* The best usable trial of (batch, method) over worker counts, or NULL. */
struct tp_trial *tp_search_best_workers(struct tp_search_run *run, int batch, int method);
/* Bisects the worker counts around the best of (batch, method) until the
 * neighbours measured are adjacent (or within 10%), at most max_steps; not
 * on a wide plateau (tp_search_wide_plateau). */
int tp_search_refine_workers(struct tp_search_run *run, int batch, int method, int max_steps);
/* Open-ended edges: while the best usable width of (batch, method) is the
 * widest measured and beat the widest at half its width or less (else the
 * next narrower) by more than the tolerance,
 * measures twice the width (at most the space's max_workers, and no more
 * workers than the usable memory holds at the widest trial's per-worker
 * memory); the same downwards (half the width, at least 1) while the best is
 * the narrowest measured and beat the next wider one.  Says which limit
 * stopped it.  0 or -1. */
int tp_search_extend_workers(struct tp_search_run *run, int batch, int method);
/* CPUs one worker keeps busy on its own (the 1-worker trial at batch 1,
 * default method), 0 when not measured.  At 0.8 and above (TP_CPU_BOUND_WORKER)
 * the tasks are CPU-bound: no search widens them past twice the CPUs. */
#define TP_CPU_BOUND_WORKER 0.8
double tp_search_worker_cpus(struct tp_search_run *run);
/* Median of counter name over t's repeats (NAN when none has it). */
double tp_trial_counter(const struct tp_trial *t, const char *name);
/* Median CPU use of t's repeats, a fraction of the usable CPUs (0 unknown). */
double tp_trial_cpu_util(const struct tp_trial *t);
/* Peak memory of one worker of t (median over repeats, KiB): a process or
 * exec worker's own peak (children included), a thread pool's peak shared
 * by its workers; 0 when unknown. */
long long tp_trial_mem_per_worker(const struct tp_trial *t);
/* The cheapest (fewest workers) trial of (batch, method) equivalent to that
 * slice's best, or NULL. */
struct tp_trial *tp_search_cheapest_workers(struct tp_search_run *run, int batch, int method);
/* 1 when that cheapest equivalent has half the best's workers or fewer: the
 * pick comes from the plateau's knee, and the widths around the best cannot
 * become it. */
int tp_search_wide_plateau(struct tp_search_run *run, int batch, int method);
/* Bisects between the cheapest equivalent and the next smaller count measured,
 * to find where the curve reaches its plateau; at most steps measurements. */
int tp_search_refine_knee(struct tp_search_run *run, int batch, int method, int steps);
/* The final race: the best, the last recommendation (run->rec.previous), up
 * to max_configs of the cheapest configs within 3 tolerances of it, the two
 * widest widths below it and the two cheapest cheaper ones within 8
 * tolerances run `rounds` paired rounds (interleaved, one repeat each per
 * round, every run the same number of tasks), and up to 4 more for those at
 * the equivalence boundary; run->rec.paired then points at run->paired, so
 * the recommendation compares them round by round.  0 or -1. */
int tp_search_confirm(struct tp_search_run *run, int rounds, int max_configs);
/* Runs d, confirms the contenders and fills the recommendation; 0 or -1
 * (none could be measured: an error naming it). */
int tp_search_execute(const struct tp_search_desc *d, struct tp_search_run *run);
/* Measures one config (the protocol's repeats); 0 or -1. */
int tp_search_measure(struct tp_search_run *run, const struct tp_config *c);

#endif
