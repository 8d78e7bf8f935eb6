/* The recommendation: the cheapest config whose objective is not
 * significantly worse than the best's. */
#include "tuner/recommend.h"

#include "core/alloc.h"
#include "core/stats.h"
#include "tuner/space.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tp_recommend_opts_init(struct tp_recommend_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->alpha = 0.05;
	o->tolerance = 0.03;
}

int tp_trial_worse(struct tp_protocol *p, const struct tp_trial *a, const struct tp_trial *b,
		   double alpha)
{
	size_t na, nb;
	double *va, *vb, pv;
	int worse;

	if (!(tp_protocol_score(p, a) < tp_protocol_score(p, b)))
		return 0;
	va = tp_protocol_scores(p, a, &na);
	vb = tp_protocol_scores(p, b, &nb);
	pv = tp_stats_mann_whitney(va, na, vb, nb, TP_LESS, NULL);
	worse = pv < alpha;
	free(va);
	free(vb);
	return worse;
}

static int paired_index(const struct tp_paired *pr, const struct tp_trial *t)
{
	int i;

	if (!pr || !t)
		return -1;
	for (i = 0; i < pr->n; i++)
		if (tp_config_equal(&pr->configs[i], &t->config))
			return i;
	return -1;
}

/* Paired rounds rather than the medians of all repeats: a trial's repeats
 * from the exploration were taken at other moments than its rival's, and on
 * a shared machine those moments differ by more than the tolerance (another
 * job's burst halves a memory-bound config for a second).  Within a round
 * the rivals ran back to back, so the ratio cancels what they shared.
 * a's score / b's in each round both ran, into v (TP_PAIRED_ROUNDS); the
 * count, and in *below the rounds where a scored below b. */
static unsigned paired_values(struct tp_protocol *p, const struct tp_paired *pr,
			      const struct tp_trial *a, const struct tp_trial *b, double *v,
			      unsigned *below)
{
	int ia = paired_index(pr, a), ib = paired_index(pr, b), r;
	unsigned n = 0;

	*below = 0;
	if (ia < 0 || ib < 0)
		return 0;
	for (r = 0; r < pr->rounds && r < TP_PAIRED_ROUNDS; r++) {
		int ra = pr->rep[ia][r], rb = pr->rep[ib][r];
		double sa, sb;

		if (ra < 0 || rb < 0 || (size_t)ra >= a->nrepeats || (size_t)rb >= b->nrepeats)
			continue;
		sa = tp_objective_score(p->o.objective, &a->config, &a->repeats[ra]);
		sb = tp_objective_score(p->o.objective, &b->config, &b->repeats[rb]);
		if (!(sb > 0))
			continue;
		v[n++] = sa / sb;
		*below += sa < sb;
	}
	return n;
}

int tp_paired_ratio(struct tp_protocol *p, const struct tp_paired *pr, const struct tp_trial *a,
		    const struct tp_trial *b, double *ratio, double *worse)
{
	double v[TP_PAIRED_ROUNDS];
	unsigned below, n = paired_values(p, pr, a, b, v, &below);

	if (n < TP_PAIRED_MIN_ROUNDS)
		return 0;
	*ratio = tp_stats_median(v, n);
	/* P(at least `below` of n fair coin flips), the one-sided sign test. */
	*worse = below ? gsl_cdf_binomial_Q(below - 1, 0.5, n) : 1.0;
	return (int)n;
}

int tp_paired_range(struct tp_protocol *p, const struct tp_paired *pr, const struct tp_trial *a,
		    const struct tp_trial *b, double *lo, double *hi, double *mad)
{
	double v[TP_PAIRED_ROUNDS];
	unsigned below, n = paired_values(p, pr, a, b, v, &below), i;

	if (n < TP_PAIRED_MIN_ROUNDS)
		return 0;
	*mad = tp_stats_mad(v, n);
	*lo = *hi = v[0];
	for (i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
	return (int)n;
}

int tp_trial_near(struct tp_protocol *p, const struct tp_trial *a, const struct tp_trial *b,
		  const struct tp_recommend_opts *o)
{
	double r, w;

	if (tp_trial_equivalent(p, a, b, o))
		return 1;
	return tp_paired_ratio(p, o->paired, a, b, &r, &w) &&
	       r >= 1.0 - 3 * o->tolerance && w >= o->alpha;
}

int tp_trial_equivalent(struct tp_protocol *p, const struct tp_trial *a,
			const struct tp_trial *b, const struct tp_recommend_opts *o)
{
	double sa = tp_protocol_score(p, a), sb = tp_protocol_score(p, b);
	struct tp_stats qa, qb;
	double *va, *vb, r, w;
	size_t na, nb;

	if (a == b)
		return 1;
	if (tp_paired_ratio(p, o->paired, a, b, &r, &w))
		return r >= TP_PAIRED_EQUIVALENT(o->tolerance);
	if (sa >= (1.0 - o->tolerance) * sb)
		return 1;
	if (!(sa >= (1.0 - 3 * o->tolerance) * sb) || tp_trial_worse(p, a, b, o->alpha))
		return 0;
	/* Noisier than the tolerance: equivalent while the CIs still overlap. */
	va = tp_protocol_scores(p, a, &na);
	vb = tp_protocol_scores(p, b, &nb);
	tp_stats_summarize(va, na, &qa);
	tp_stats_summarize(vb, nb, &qb);
	free(va);
	free(vb);
	return qa.ci_high >= qb.ci_low;
}

static double median_rss(const struct tp_trial *t)
{
	double *v = tp_xmalloc((t->nrepeats ? t->nrepeats : 1) * sizeof(*v)), m;
	size_t i;

	for (i = 0; i < t->nrepeats; i++)
		v[i] = (double)t->repeats[i].rss_peak_kb;
	m = t->nrepeats ? tp_stats_median(v, t->nrepeats) : 0;
	free(v);
	return m;
}

int tp_trial_cost_cmp(const struct tp_space *s, const struct tp_trial *a,
		      const struct tp_trial *b)
{
	double ra, rb;

	if (a->config.workers != b->config.workers)
		return a->config.workers < b->config.workers ? -1 : 1;
	ra = median_rss(a);
	rb = median_rss(b);
	if (ra > 0 && rb > 0 && (ra > 1.2 * rb || rb > 1.2 * ra))
		return ra < rb ? -1 : 1;
	if (a->config.batch != b->config.batch)
		return a->config.batch < b->config.batch ? -1 : 1;
	return tp_space_method_index(s, &a->config) - tp_space_method_index(s, &b->config);
}

/* Trials with a single repeat (racing stopped them) do not set the best,
 * unless a budget that ran out left nothing else. */
static int eligible(struct tp_protocol *p, const struct tp_trial *t)
{
	size_t i;

	if (!tp_protocol_usable(p, t))
		return 0;
	if (t->nrepeats >= 2 || p->o.min_repeats < 2)
		return 1;
	for (i = 0; i < p->res->ntrials; i++)
		if (p->res->trials[i].nrepeats >= 2 && tp_protocol_usable(p, &p->res->trials[i]))
			return 0;
	return 1;
}

struct tp_trial *tp_best_trial(struct tp_protocol *p, const struct tp_space *s)
{
	struct tp_trial *best = NULL;
	double bs = -INFINITY;
	size_t i;

	for (i = 0; i < p->res->ntrials; i++) {
		struct tp_trial *t = &p->res->trials[i];
		double sc;

		if (!eligible(p, t) || (s && !tp_space_allows(s, &t->config)))
			continue;
		sc = tp_protocol_score(p, t);
		if (sc > bs || (sc == bs && best && tp_trial_cost_cmp(s, t, best) < 0)) {
			bs = sc;
			best = t;
		}
	}
	return best;
}

struct tp_trial *tp_paired_best(struct tp_protocol *p, const struct tp_space *s,
				const struct tp_paired *pr)
{
	struct tp_trial *best = NULL;
	double bs = -INFINITY;
	int i, r;

	for (i = 0; pr && i < pr->n; i++) {
		struct tp_trial *t = tp_protocol_find(p, &pr->configs[i]);
		double v[TP_PAIRED_ROUNDS], m;
		size_t n = 0;

		if (!t || !eligible(p, t) || (s && !tp_space_allows(s, &t->config)))
			continue;
		for (r = 0; r < pr->rounds && r < TP_PAIRED_ROUNDS; r++)
			if (pr->rep[i][r] >= 0 && (size_t)pr->rep[i][r] < t->nrepeats)
				v[n++] = tp_objective_score(p->o.objective, &t->config,
							    &t->repeats[pr->rep[i][r]]);
		if (n < TP_PAIRED_MIN_ROUNDS)
			continue;
		m = tp_stats_median(v, n);
		if (m > bs || (m == bs && best && tp_trial_cost_cmp(s, t, best) < 0)) {
			bs = m;
			best = t;
		}
	}
	return best;
}

int tp_recommend(struct tp_protocol *p, const struct tp_space *s,
		 const struct tp_recommend_opts *o)
{
	struct tp_recommendation *rec = &p->res->rec;
	struct tp_trial *best = tp_best_trial(p, s), *pick, *prev, *race;
	struct tp_stats st;
	size_t i, n;
	double *v;

	free(rec->near);
	memset(rec, 0, sizeof(*rec));
	if (!best)
		return -1;
	race = tp_paired_best(p, s, o->paired);
	if (race)
		best = race;
	pick = best;
	for (i = 0; i < p->res->ntrials; i++) {
		struct tp_trial *t = &p->res->trials[i];

		if (eligible(p, t) && (!s || tp_space_allows(s, &t->config)) &&
		    tp_trial_equivalent(p, t, best, o) && tp_trial_cost_cmp(s, t, pick) < 0)
			pick = t;
	}
	/* Hysteresis: the last winner stays until the data call it worse than
	 * the best (not near it): an equivalent challenger is no reason to flip. */
	prev = o->previous ? tp_protocol_find(p, o->previous) : NULL;
	if (prev && eligible(p, prev) && (!s || tp_space_allows(s, &prev->config)) &&
	    tp_trial_near(p, prev, best, o))
		pick = prev;
	rec->present = 1;
	rec->config = pick->config;
	snprintf(rec->objective, sizeof(rec->objective), "%s", tp_objective_name(p->o.objective));
	v = tp_protocol_scores(p, pick, &n);
	tp_stats_summarize(v, n, &st);
	free(v);
	if (p->o.objective == TP_OBJ_LATENCY) {	/* report seconds, not 1/s */
		rec->value = st.median > 0 ? 1.0 / st.median : NAN;
		rec->ci_low = st.ci_high > 0 ? 1.0 / st.ci_high : NAN;
		rec->ci_high = st.ci_low > 0 ? 1.0 / st.ci_low : NAN;
	} else {
		rec->value = st.median;
		rec->ci_low = st.ci_low;
		rec->ci_high = st.ci_high;
	}
	for (i = 0; i < p->res->ntrials; i++) {
		struct tp_trial *t = &p->res->trials[i];

		if (t == pick || !eligible(p, t) || (s && !tp_space_allows(s, &t->config)) ||
		    !(tp_trial_near(p, t, best, o) || tp_trial_near(p, t, pick, o)))
			continue;
		rec->near = tp_xrealloc(rec->near, (rec->nnear + 1) * sizeof(*rec->near));
		rec->near[rec->nnear++] = t->config;
	}
	return 0;
}
