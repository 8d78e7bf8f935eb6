/* Objective and tie-break: the best config, the cheapest one not
 * significantly worse, and the near-equivalent list. */
#ifndef TP_TUNER_RECOMMEND_H
#define TP_TUNER_RECOMMEND_H

#include "tuner/protocol.h"

struct tp_space;

/* The final race's paired rounds: configs measured one repeat each per
 * round, interleaved in a seeded random order, so a round's repeats share the
 * machine's state (another job's burst slows them all).  rep[i][r] is the
 * index in config i's trial of its repeat of round r, or -1. */
#define TP_PAIRED_MAX 10
#define TP_PAIRED_ROUNDS 12
/* Paired rounds before a paired ratio or the race's best counts. */
#define TP_PAIRED_MIN_ROUNDS 3
/* The paired median ratio at and above which a config is equivalent to the race's best. */
#define TP_PAIRED_EQUIVALENT(tol) (1.0 - 2.0 / 3 * (tol))

struct tp_paired {
	struct tp_config configs[TP_PAIRED_MAX];
	int rep[TP_PAIRED_MAX][TP_PAIRED_ROUNDS];
	int n, rounds;
};

struct tp_recommend_opts {
	double alpha;		/* Mann-Whitney level (0.05) */
	double tolerance;	/* within this fraction of the best's median (0.03) */
	/* The final race (NULL: none yet): configs in it are compared by the
	 * median of their per-round ratios, and its best is the reference. */
	const struct tp_paired *paired;
	/* The last recommendation (result cache), kept while it is near the
	 * best (NULL: none). */
	const struct tp_config *previous;
};

void tp_recommend_opts_init(struct tp_recommend_opts *o);

/* 1 when trial a is significantly worse than trial b on the objective: its
 * median score is below b's and a one-sided Mann-Whitney test rejects at
 * alpha. */
int tp_trial_worse(struct tp_protocol *p, const struct tp_trial *a, const struct tp_trial *b,
		   double alpha);
/* Median over the rounds both a and b ran in o->paired of a's score / b's,
 * into *ratio, and into *worse the p-value of a sign test that a is worse
 * (rounds where a scored below b); returns the rounds paired, 0 when fewer
 * than 3 (a or b not in the race). */
int tp_paired_ratio(struct tp_protocol *p, const struct tp_paired *pr, const struct tp_trial *a,
		    const struct tp_trial *b, double *ratio, double *worse);
/* The lowest and highest of those per-round ratios and their median
 * absolute deviation; the rounds, 0 as above. */
int tp_paired_range(struct tp_protocol *p, const struct tp_paired *pr, const struct tp_trial *a,
		    const struct tp_trial *b, double *lo, double *hi, double *mad);
/* 1 when a is equivalent to the best b.  When both ran >= 3 paired rounds of
 * the final race: the median of a's per-round ratios to b is at least
 * TP_PAIRED_EQUIVALENT(tolerance).  Otherwise: a's median score is at least (1 - tolerance)
 * of b's; or, when the noise is wider than that, at least (1 - 3 tolerance)
 * of b's, not significantly worse (Mann-Whitney) and with overlapping 95% CIs
 * of the median. */
int tp_trial_equivalent(struct tp_protocol *p, const struct tp_trial *a,
			const struct tp_trial *b, const struct tp_recommend_opts *o);
/* 1 when a is within noise of b (near_equivalent): equivalent, or paired
 * with a median ratio of at least (1 - 3 tolerance) that a sign test at
 * alpha does not call worse. */
int tp_trial_near(struct tp_protocol *p, const struct tp_trial *a, const struct tp_trial *b,
		  const struct tp_recommend_opts *o);
/* The usable trial with the highest median score (ties: cheaper), or NULL. */
struct tp_trial *tp_best_trial(struct tp_protocol *p, const struct tp_space *s);
/* The final race's best: the usable config of pr with the highest median
 * over its >= 3 paired rounds, or NULL. */
struct tp_trial *tp_paired_best(struct tp_protocol *p, const struct tp_space *s,
				const struct tp_paired *pr);
/* Cost order: fewer workers, then less memory (rss differing by > 20%), then
 * smaller batch, then the space's method order.  <0, 0, >0. */
int tp_trial_cost_cmp(const struct tp_space *s, const struct tp_trial *a,
		      const struct tp_trial *b);
/* Fills p->res->rec: the cheapest equivalent of the best (the previous
 * recommendation instead while it is near the best: re-running does not flip
 * between equivalent winners), its objective value and CI, and as
 * near_equivalent every other config near the pick or the best.  The best is
 * the final race's (highest median over its paired rounds) when there was
 * one, else the highest median.  -1 when no trial is usable. */
int tp_recommend(struct tp_protocol *p, const struct tp_space *s,
		 const struct tp_recommend_opts *o);

#endif
