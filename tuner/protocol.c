/* Measurement protocol: warm-up, repeats to a CI target, interleaving, budget. */
#include "tuner/protocol.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/timeutil.h"

#include <gsl/gsl_randist.h>
#include "core/registry.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void tp_protocol_opts_init(struct tp_protocol_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->warmup = 1;
	o->min_repeats = 3;
	o->max_repeats = 10;
	o->ci_target = 0.02;
	o->seed = 1;
	o->objective = TP_OBJ_THROUGHPUT;
}

void tp_protocol_init(struct tp_protocol *p, const struct tp_protocol_opts *o,
		      struct tp_evaluator *ev, struct tp_results *res)
{
	memset(p, 0, sizeof(*p));
	p->o = *o;
	if (p->o.min_repeats < 1)
		p->o.min_repeats = 1;
	if (p->o.max_repeats < p->o.min_repeats)
		p->o.max_repeats = p->o.min_repeats;
	p->ev = ev;
	p->res = res;
	p->rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(p->rng, o->seed);
	p->t0 = tp_now_s();
}

void tp_protocol_release(struct tp_protocol *p)
{
	if (p->rng)
		gsl_rng_free(p->rng);
	free(p->flags);
	memset(p, 0, sizeof(*p));
}

int tp_protocol_exhausted(struct tp_protocol *p)
{
	if (!p->exhausted &&
	    ((p->o.budget_evals > 0 && p->evals >= p->o.budget_evals) ||
	     (p->o.budget_s > 0 && tp_now_s() - p->t0 >= p->o.budget_s)))
		p->exhausted = 1;
	return p->exhausted;
}

struct tp_trial *tp_protocol_find(struct tp_protocol *p, const struct tp_config *c)
{
	size_t i;

	for (i = 0; i < p->res->ntrials; i++)
		if (tp_config_equal(&p->res->trials[i].config, c))
			return &p->res->trials[i];
	return NULL;
}

static unsigned char *flag_of(struct tp_protocol *p, const struct tp_trial *t)
{
	size_t i = (size_t)(t - p->res->trials);

	if (i >= p->nflags) {
		size_t n = p->res->ntrials > i + 1 ? p->res->ntrials : i + 1;

		p->flags = tp_xrealloc(p->flags, n);
		memset(p->flags + p->nflags, 0, n - p->nflags);
		p->nflags = n;
	}
	return &p->flags[i];
}

unsigned tp_protocol_flags(struct tp_protocol *p, const struct tp_trial *t)
{
	return *flag_of(p, t);
}

int tp_protocol_usable(struct tp_protocol *p, const struct tp_trial *t)
{
	return t && t->nrepeats > 0 && !tp_protocol_flags(p, t);
}

double tp_objective_score(enum tp_objective o, const struct tp_config *c,
			  const struct tp_repeat *r)
{
	switch (o) {
	case TP_OBJ_LATENCY:
		return r->lat_p95_s > 0 ? 1.0 / r->lat_p95_s : 0;
	case TP_OBJ_EFFICIENCY:
		return r->throughput / (c->workers > 0 ? c->workers : 1);
	default:
		return r->throughput;
	}
}

double *tp_protocol_scores(struct tp_protocol *p, const struct tp_trial *t, size_t *n)
{
	double *v = tp_xmalloc((t->nrepeats ? t->nrepeats : 1) * sizeof(*v));
	size_t i;

	for (i = 0; i < t->nrepeats; i++)
		v[i] = tp_objective_score(p->o.objective, &t->config, &t->repeats[i]);
	*n = t->nrepeats;
	return v;
}

double tp_protocol_score(struct tp_protocol *p, const struct tp_trial *t)
{
	size_t n;
	double *v, m;

	if (!t || !t->nrepeats)
		return NAN;
	v = tp_protocol_scores(p, t, &n);
	m = tp_stats_median(v, n);
	free(v);
	return m;
}

/* The best usable throughput measured so far: the rate floor is half of it. */
static double best_rate(struct tp_protocol *p)
{
	double best = 0;
	size_t i;

	for (i = 0; i < p->res->ntrials; i++) {
		const struct tp_trial *t = &p->res->trials[i];

		if (t->nrepeats >= 2 && tp_protocol_usable(p, t) &&
		    t->stats.median > best)
			best = t->stats.median;
	}
	return best;
}

/* One evaluator call.  Returns 1 when a repeat was added, 0 when not (budget,
 * failure), -1 on a system error. */
static int run_one(struct tp_protocol *p, const struct tp_config *c, int keep)
{
	struct tp_repeat rep;
	struct tp_trial *t;
	char buf[96];
	int rc;

	if (tp_protocol_exhausted(p))
		return 0;
	memset(&rep, 0, sizeof(rep));
	p->ev->stop_below_rate = keep && p->stop_slow ? best_rate(p) / 2 : 0;
	rc = p->ev->eval(p->ev->ctx, c, &rep);
	p->evals++;
	if (!keep) {
		free(rep.counters);
		return rc < 0 ? 0 : 1;
	}
	if (rc < 0 && p->exhausted) {	/* interrupted: not the config's fault */
		free(rep.counters);
		return 0;
	}
	t = tp_results_trial(p->res, c);
	if (rc < 0) {
		*flag_of(p, t) |= TP_TRIAL_FAILED;
		tp_warn("config %s cannot run; left out", tp_config_format(c, buf, sizeof(buf)));
		free(rep.counters);
		return 0;
	}
	if (rep.wall_s > 0 && rep.throughput <= 0)
		rep.throughput = (double)rep.tasks / rep.wall_s;
	tp_trial_add_repeat(t, &rep);
	free(rep.counters);
	tp_trial_update_stats(t);
	if (rc == 1)
		*flag_of(p, t) |= TP_TRIAL_STOPPED;
	if (rep.failures > 0)
		*flag_of(p, t) |= TP_TRIAL_FAILED;
	p->measured++;
	return 1;
}

/* Warm-up: the first run of each strategy/start method is discarded. */
static int warm(struct tp_protocol *p, const struct tp_config *c)
{
	char key[2 * TP_NAME_MAX];
	int i;

	snprintf(key, sizeof(key), "%s/%s", c->strategy, c->start);
	for (i = 0; i < p->nwarmed; i++)
		if (!strcmp(p->warmed[i], key))
			return 0;
	if (p->nwarmed < 8)
		snprintf(p->warmed[p->nwarmed++], sizeof(p->warmed[0]), "%s", key);
	for (i = 0; i < p->o.warmup; i++) {
		struct tp_repeat rep;
		int rc;

		if (tp_protocol_exhausted(p))
			return 0;
		memset(&rep, 0, sizeof(rep));
		p->ev->stop_below_rate = 0;
		rc = p->ev->eval(p->ev->ctx, c, &rep);
		p->evals++;
		free(rep.counters);
		if (rc < 0)	/* the method cannot run: its measured runs will say so */
			break;
	}
	return 0;
}

double tp_protocol_score_range(struct tp_protocol *p, const struct tp_trial *t, double *lo,
			       double *hi)
{
	size_t n, i;
	double *v = tp_protocol_scores(p, t, &n), m;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
	m = n ? tp_stats_median(v, n) : NAN;
	free(v);
	return m;
}

/* 1 when t's repeats span at most o.agree of their median score. */
static int repeats_agree(struct tp_protocol *p, const struct tp_trial *t)
{
	double lo, hi, m = tp_protocol_score_range(p, t, &lo, &hi);

	return m > 0 && hi - lo <= p->o.agree * m;
}

static int needs_more(struct tp_protocol *p, const struct tp_config *c)
{
	struct tp_trial *t = tp_protocol_find(p, c);
	double half;

	if (!t)
		return 1;
	if (tp_protocol_flags(p, t))
		return 0;
	if ((int)t->nrepeats < p->o.min_repeats)
		return 1;
	if ((int)t->nrepeats >= p->o.max_repeats)
		return 0;
	if (p->o.agree > 0)
		return !repeats_agree(p, t);
	half = (t->stats.ci_high - t->stats.ci_low) / 2;
	return !(t->stats.median > 0 && half <= p->o.ci_target * t->stats.median);
}

static void shuffle(struct tp_protocol *p, size_t *idx, size_t n)
{
	gsl_ran_shuffle(p->rng, idx, n, sizeof(*idx));
}

int tp_protocol_round(struct tp_protocol *p, const struct tp_config *cs, size_t n)
{
	size_t *idx = tp_xmalloc((n ? n : 1) * sizeof(*idx)), i;
	int rc = 0;

	for (i = 0; i < n; i++)
		idx[i] = i;
	shuffle(p, idx, n);
	for (i = 0; i < n && !rc; i++) {
		struct tp_trial *t = tp_protocol_find(p, &cs[idx[i]]);

		if (t && tp_protocol_flags(p, t))
			continue;
		if (warm(p, &cs[idx[i]]) < 0 || run_one(p, &cs[idx[i]], 1) < 0)
			rc = -1;
	}
	free(idx);
	return rc;
}

int tp_protocol_measure(struct tp_protocol *p, const struct tp_config *cs, size_t n)
{
	size_t *idx = tp_xmalloc((n ? n : 1) * sizeof(*idx)), m, i;
	int rc = 0;

	while (!rc && !tp_protocol_exhausted(p)) {
		for (m = 0, i = 0; i < n; i++)
			if (needs_more(p, &cs[i]))
				idx[m++] = i;
		if (!m)
			break;
		shuffle(p, idx, m);
		for (i = 0; i < m && !rc; i++)
			if (warm(p, &cs[idx[i]]) < 0 || run_one(p, &cs[idx[i]], 1) < 0)
				rc = -1;
	}
	free(idx);
	return rc;
}
