/* Objective and tie-break: the best config, the cheapest one not
 * significantly worse, and the near-equivalent list. */
#ifndef TP_TUNER_RECOMMEND_H
#define TP_TUNER_RECOMMEND_H

#include "tuner/protocol.h"

struct tp_space;

struct tp_recommend_opts {
	double alpha;		/* Mann-Whitney level (0.05) */
	double tolerance;	/* within this fraction of the best's median (0.03) */
};

void tp_recommend_opts_init(struct tp_recommend_opts *o);

/* 1 when trial a is significantly worse than trial b on the objective: its
 * median score is below b's and a one-sided Mann-Whitney test rejects at
 * alpha. */
int tp_trial_worse(struct tp_protocol *p, const struct tp_trial *a, const struct tp_trial *b,
		   double alpha);
/* 1 when a is equivalent to the best b: a's median score is at least
 * (1 - tolerance) of b's; or, when the noise is wider than that, at least
 * (1 - 3 tolerance) of b's, not significantly worse (Mann-Whitney) and with
 * overlapping 95% CIs of the median. */
int tp_trial_equivalent(struct tp_protocol *p, const struct tp_trial *a,
			const struct tp_trial *b, const struct tp_recommend_opts *o);
/* The usable trial with the highest median score (ties: cheaper), or NULL. */
struct tp_trial *tp_best_trial(struct tp_protocol *p, const struct tp_space *s);
/* Cost order: fewer workers, then less memory (rss differing by > 20%), then
 * smaller batch, then the space's method order.  <0, 0, >0. */
int tp_trial_cost_cmp(const struct tp_space *s, const struct tp_trial *a,
		      const struct tp_trial *b);
/* Fills p->res->rec: the cheapest equivalent of the best, its objective value
 * and CI, and the other equivalents as near_equivalent.  -1 when no trial is
 * usable. */
int tp_recommend(struct tp_protocol *p, const struct tp_space *s,
		 const struct tp_recommend_opts *o);

#endif
