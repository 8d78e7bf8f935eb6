/* The search strategy table and the steps strategies share. */
#include "tuner/search.h"
#include "tuner/search_list.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/stats.h"
#include "tuner/usl.h"
#include "runner/strategy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DECLARE(n) extern const struct tp_search_desc tp_search_##n;
TP_SEARCHES(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_search_##n,
static const struct tp_search_desc *const table[] = { TP_SEARCHES(ENTRY) };
#undef ENTRY
#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct tp_search_desc *const *tp_search_table(size_t *n)
{
	*n = NTABLE;
	return table;
}

const char *tp_search_names(void)
{
	static char names[128];

	return tp_registry_names((const void *const *)table, NTABLE, names, sizeof(names));
}

const struct tp_search_desc *tp_search_find(const char *name)
{
	return tp_registry_lookup((const void *const *)table, NTABLE, name, "search");
}

int tp_search_measure(struct tp_search_run *run, const struct tp_config *c)
{
	if (!tp_space_allows(run->space, c))
		return 0;
	return tp_protocol_measure(run->proto, c, 1);
}

int tp_search_race(struct tp_search_run *run, const struct tp_config *cands, size_t n)
{
	struct tp_protocol *p = run->proto;
	struct tp_config *alive = tp_xmalloc((n ? n : 1) * sizeof(*alive));
	size_t nalive = 0, i, j;
	int rounds = 0, cap = run->racing_repeats > 0 ? run->racing_repeats : 10, rc = 0;
	int saved_max = p->o.max_repeats;

	for (i = 0; i < n; i++)
		if (tp_space_allows(run->space, &cands[i]))
			alive[nalive++] = cands[i];
	/* Everyone gets the minimum first, without waiting for a tight CI. */
	p->o.max_repeats = p->o.min_repeats;
	p->stop_slow = 1;
	rc = tp_protocol_measure(p, alive, nalive);
	p->o.max_repeats = saved_max;
	while (!rc && nalive > 1 && rounds < cap && !tp_protocol_exhausted(p)) {
		struct tp_trial *best = NULL;
		double bs = -INFINITY;

		for (i = 0; i < nalive; i++) {
			struct tp_trial *t = tp_protocol_find(p, &alive[i]);
			double sc = tp_protocol_score(p, t);

			if (tp_protocol_usable(p, t) && sc > bs) {
				bs = sc;
				best = t;
			}
		}
		if (!best)
			break;
		for (i = j = 0; i < nalive; i++) {
			struct tp_trial *t = tp_protocol_find(p, &alive[i]);

			if (t != best && (!tp_protocol_usable(p, t) ||
					  tp_trial_worse(p, t, best, run->rec.alpha)))
				continue;
			alive[j++] = alive[i];
		}
		nalive = j;
		if (nalive <= 1)
			break;
		/* Candidates whose CIs are already tight and equivalent stop too:
		 * more runs will not separate them. */
		for (i = 0, j = 0; i < nalive; i++) {
			struct tp_trial *t = tp_protocol_find(p, &alive[i]);

			if ((int)t->nrepeats < saved_max)
				j++;
		}
		if (!j)
			break;
		rc = tp_protocol_round(p, alive, nalive);
		rounds++;
	}
	p->stop_slow = 0;
	free(alive);
	return rc;
}

/* Usable trials of (batch, method), in ascending workers. */
static size_t collect(struct tp_search_run *run, int batch, int method, struct tp_trial **out,
		      size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < run->res->ntrials && n < max; i++) {
		struct tp_trial *t = &run->res->trials[i];

		if (t->config.batch != batch ||
		    tp_space_method_index(run->space, &t->config) != method ||
		    !tp_protocol_usable(run->proto, t) || !tp_space_allows(run->space, &t->config))
			continue;
		for (j = n; j > 0 && out[j - 1]->config.workers > t->config.workers; j--)
			out[j] = out[j - 1];
		out[j] = t;
		n++;
	}
	return n;
}

struct tp_trial *tp_search_best_workers(struct tp_search_run *run, int batch, int method)
{
	struct tp_trial *ts[256], *best = NULL;
	double bs = -INFINITY;
	size_t n = collect(run, batch, method, ts, 256), i;

	for (i = 0; i < n; i++) {
		double sc = tp_protocol_score(run->proto, ts[i]);

		if (sc > bs) {
			bs = sc;
			best = ts[i];
		}
	}
	return best;
}

int tp_search_fit(struct tp_search_run *run, int batch, int method)
{
	struct tp_trial *ts[256];
	double nv[256], xv[256];
	struct tp_model m;
	size_t n = collect(run, batch, method, ts, 256), i;

	if (n < TP_USL_MIN_POINTS)
		return -1;
	for (i = 0; i < n; i++) {
		nv[i] = ts[i]->config.workers;
		xv[i] = ts[i]->stats.median;
	}
	if (tp_usl_fit(nv, xv, n, &m))
		return -1;
	run->res->model = m;
	return 0;
}

int tp_search_refine_workers(struct tp_search_run *run, int batch, int method, int max_steps)
{
	int step;

	for (step = 0; step < max_steps && !tp_protocol_exhausted(run->proto); step++) {
		struct tp_trial *ts[256], *best = tp_search_best_workers(run, batch, method);
		size_t n = collect(run, batch, method, ts, 256), i;
		int lo = 0, hi = 0, w, cand[2], nc = 0, k;
		struct tp_config c;

		/* On a wide plateau (mix: 76, 91 and 108 were 14 s of a 30 s
		 * tune, all within 1% of 64 and 128, where 32 was the pick)
		 * refine_knee refines what matters. */
		if (!best || tp_search_wide_plateau(run, batch, method))
			return 0;
		w = best->config.workers;
		for (i = 0; i < n; i++) {
			if (ts[i]->config.workers < w)
				lo = ts[i]->config.workers;
			if (ts[i]->config.workers > w && !hi)
				hi = ts[i]->config.workers;
		}
		/* Canonical midpoints toward each measured neighbour while the
		 * gap is > 10%. */
		if (lo && (w - lo) > 0.1 * w && (cand[nc] = tp_space_between(run->space, lo, w)))
			nc++;
		if (hi && (hi - w) > 0.1 * w && (cand[nc] = tp_space_between(run->space, w, hi)))
			nc++;
		if (!nc)
			return 0;
		c = best->config;
		for (k = 0; k < nc; k++) {
			c.workers = cand[k];
			if (tp_search_measure(run, &c))
				return -1;
		}
	}
	return 0;
}

double tp_trial_counter(const struct tp_trial *t, const char *name)
{
	double v[64];
	size_t i, j, n = 0;

	for (i = 0; t && i < t->nrepeats && n < 64; i++)
		for (j = 0; j < t->repeats[i].ncounters; j++)
			if (!strcmp(t->repeats[i].counters[j].name, name)) {
				v[n++] = t->repeats[i].counters[j].value;
				break;
			}
	return n ? tp_stats_median(v, n) : NAN;
}

double tp_trial_cpu_util(const struct tp_trial *t)
{
	double v[64];
	size_t i, n = t && t->nrepeats < 64 ? t->nrepeats : 64;

	if (!t || !t->nrepeats)
		return 0;
	for (i = 0; i < n; i++)
		v[i] = t->repeats[i].cpu_util;
	return tp_stats_median(v, n);
}

long long tp_trial_mem_per_worker(const struct tp_trial *t)
{
	double v[64];
	size_t i, n = t && t->nrepeats < 64 ? t->nrepeats : 64;
	long long rss;

	if (!t || !t->nrepeats)
		return 0;
	for (i = 0; i < n; i++)
		v[i] = (double)t->repeats[i].rss_peak_kb;
	rss = (long long)tp_stats_median(v, n);
	return tp_strategy_flags(t->config.strategy) == 0 && t->config.workers > 0 ? rss / t->config.workers
									       : rss;
}

double tp_search_worker_cpus(struct tp_search_run *run)
{
	struct tp_config c1 = tp_space_config(run->space, 1, 1, 0);
	const struct tp_trial *one = tp_protocol_find(run->proto, &c1);

	return one && tp_protocol_usable(run->proto, one) ?
	       tp_trial_cpu_util(one) * run->space->cpu_count : 0;
}

/* The width to extend to from the edge trial e (dir +1 up, -1 down), or 0
 * when a hard limit binds (said once). */
static int extend_target(struct tp_search_run *run, const struct tp_trial *e, int dir)
{
	const struct tp_space *s = run->space;
	int w = e->config.workers, next;
	long long mpw;

	if (dir < 0)
		return w > 1 ? w / 2 : 0;
	if (w >= 2 * s->cpu_count && tp_search_worker_cpus(run) >= TP_CPU_BOUND_WORKER) {
		tp_info("CPU-bound tasks (%.2f CPUs per worker): not extending past %d workers",
			tp_search_worker_cpus(run), w);
		return 0;
	}
	if (w >= s->max_workers) {
		tp_info("the best width %d is the hard limit (%s): not extending", w, s->limit_reason);
		return 0;
	}
	next = w > s->max_workers / 2 ? s->max_workers : 2 * w;
	mpw = tp_trial_mem_per_worker(e);
	if (s->mem_usable_kb > 0 && mpw > 0 && (long long)next * mpw > s->mem_usable_kb) {
		long long fit = s->mem_usable_kb / mpw;

		if (fit <= w) {
			tp_info("the best width %d is the memory limit (usable %lld KiB / %lld KiB per worker): not extending",
				w, s->mem_usable_kb, mpw);
			return 0;
		}
		next = (int)fit;
	}
	return next;
}

/* What the edge's gain is judged against: the widest width measured at half
 * the edge's or less (dir +1; the narrowest at twice or more, dir -1), else
 * the next one.  A doubling's gain stands out of the noise where a step of
 * sqrt 2 on a loaded machine may not. */
static struct tp_trial *inner_of(struct tp_trial **ts, size_t n, int dir)
{
	size_t i;

	if (dir > 0) {
		for (i = n - 1; i-- > 0;)
			if (2 * ts[i]->config.workers <= ts[n - 1]->config.workers)
				return ts[i];
		return ts[n - 2];
	}
	for (i = 1; i < n; i++)
		if (ts[i]->config.workers >= 2 * ts[0]->config.workers)
			return ts[i];
	return ts[1];
}

/* The score of t's last repeat (NAN without one). */
static double last_score(struct tp_protocol *p, const struct tp_trial *t)
{
	return t && t->nrepeats ? tp_objective_score(p->o.objective, &t->config,
						     &t->repeats[t->nrepeats - 1])
				: NAN;
}

/* 1 when the edge e beats the inner width i beyond noise, 0 when not, -1 on
 * a system error.  By the tolerance, on the medians; a gain under
 * SMALL_GAIN_TOLS tolerances also in a paired round, the two run once more
 * back to back: a machine speeding up (another job's load ebbing) makes the
 * wider width, measured later, look better (400 x sleep 0.03: 128 over 64
 * by 5%, and the edge went on to 256 and 400, 8 s of a 14 s tune). */
#define SMALL_GAIN_TOLS 4
static int clear_gain(struct tp_search_run *run, const struct tp_trial *e, const struct tp_trial *i)
{
	struct tp_protocol *p = run->proto;
	double tol = run->rec.tolerance, em = tp_protocol_score(p, e), im = tp_protocol_score(p, i);
	struct tp_config cs[2];

	if (!(em > im * (1 + tol)))
		return 0;
	if (em > im * (1 + SMALL_GAIN_TOLS * tol))
		return 1;
	cs[0] = i->config;	/* measuring moves the trials */
	cs[1] = e->config;
	if (tp_protocol_round(p, cs, 2))
		return -1;
	e = tp_protocol_find(p, &cs[1]);
	i = tp_protocol_find(p, &cs[0]);
	return last_score(p, e) > last_score(p, i) * (1 + tol) &&
	       tp_protocol_score(p, e) > tp_protocol_score(p, i) * (1 + tol);
}

int tp_search_extend_workers(struct tp_search_run *run, int batch, int method)
{
	int dir;

	for (dir = 1; dir >= -1; dir -= 2) {
		while (!tp_protocol_exhausted(run->proto)) {
			struct tp_trial *ts[256], *best = tp_search_best_workers(run, batch, method);
			size_t n = collect(run, batch, method, ts, 256);
			struct tp_trial *edge, *inner;
			struct tp_config c;
			int w, gain;

			if (!best || n < 2)
				break;
			edge = dir > 0 ? ts[n - 1] : ts[0];
			inner = inner_of(ts, n, dir);
			/* The best sits at the edge and still gains beyond noise. */
			if (edge != best || (dir > 0 && run->saturated))
				break;
			c = edge->config;
			if ((gain = clear_gain(run, edge, inner)) < 0)
				return -1;
			if (!gain || !(edge = tp_protocol_find(run->proto, &c)))
				break;
			if (!(w = extend_target(run, edge, dir)))
				break;
			c = edge->config;	/* measuring moves the trials */
			c.workers = w;
			if (tp_protocol_find(run->proto, &c) || !tp_space_allows(run->space, &c))
				break;
			tp_info("the best width %d is the %s edge and still gains: measuring %d",
				edge->config.workers, dir > 0 ? "upper" : "lower", w);
			if (tp_search_measure(run, &c))
				return -1;
		}
	}
	return 0;
}

/* The cheapest trial of (batch, method) equivalent to that slice's best. */
struct tp_trial *tp_search_cheapest_workers(struct tp_search_run *run, int batch, int method)
{
	struct tp_trial *best = tp_search_best_workers(run, batch, method), *pick = best;
	size_t i;

	if (!best)
		return NULL;
	for (i = 0; i < run->res->ntrials; i++) {
		struct tp_trial *t = &run->res->trials[i];

		if (t->config.batch == batch && tp_space_method_index(run->space, &t->config) == method &&
		    tp_protocol_usable(run->proto, t) && tp_space_allows(run->space, &t->config) &&
		    tp_trial_equivalent(run->proto, t, best, &run->rec) &&
		    t->config.workers < pick->config.workers)
			pick = t;
	}
	return pick;
}

int tp_search_wide_plateau(struct tp_search_run *run, int batch, int method)
{
	struct tp_trial *best = tp_search_best_workers(run, batch, method);
	struct tp_trial *pick = tp_search_cheapest_workers(run, batch, method);

	return best && pick && 2 * pick->config.workers <= best->config.workers;
}

/* Bisects below the cheapest equivalent: where the curve reaches the plateau. */
int tp_search_refine_knee(struct tp_search_run *run, int batch, int method, int steps)
{
	int k;

	for (k = 0; k < steps && !tp_protocol_exhausted(run->proto); k++) {
		struct tp_trial *pick = tp_search_cheapest_workers(run, batch, method);
		struct tp_config c;
		int lo = 0, w;
		size_t i;

		if (!pick)
			return 0;
		c = pick->config;
		w = c.workers;
		for (i = 0; i < run->res->ntrials; i++) {
			const struct tp_trial *t = &run->res->trials[i];

			if (t->config.batch == batch && tp_space_method_index(run->space, &t->config) == method &&
			    tp_protocol_usable(run->proto, t) && t->config.workers < w &&
			    t->config.workers > lo)
				lo = t->config.workers;
		}
		if (!lo || (w - lo) <= 0.1 * w || !(c.workers = tp_space_between(run->space, lo, w)))
			return 0;
		if (tp_search_measure(run, &c))
			return -1;
	}
	return 0;
}


/* Adds c to the race unless it is there, not allowed or the race is full. */
static void race_add(struct tp_search_run *run, const struct tp_config *c)
{
	struct tp_paired *pr = &run->paired;
	int i;

	if (pr->n >= TP_PAIRED_MAX || !tp_space_allows(run->space, c))
		return;
	for (i = 0; i < pr->n; i++)
		if (tp_config_equal(&pr->configs[i], c))
			return;
	pr->configs[pr->n] = *c;
	for (i = 0; i < TP_PAIRED_ROUNDS; i++)
		pr->rep[pr->n][i] = -1;
	pr->n++;
}

/* The cheapest usable configs scoring at least floor * bs, cheaper than best
 * when cheaper is set, at most max of them, into the race. */
static void race_add_cheapest(struct tp_search_run *run, const struct tp_trial *best, double floor,
			      int cheaper, int max)
{
	struct tp_protocol *p = run->proto;
	double bs = tp_protocol_score(p, best);
	struct tp_trial *ts[TP_PAIRED_MAX];
	int n = 0, j;
	size_t i;

	if (max > TP_PAIRED_MAX)
		max = TP_PAIRED_MAX;
	for (i = 0; i < run->res->ntrials; i++) {
		struct tp_trial *t = &run->res->trials[i];

		if (t == best || !tp_protocol_usable(p, t) || !tp_space_allows(run->space, &t->config) ||
		    !(tp_protocol_score(p, t) >= floor * bs) ||
		    (cheaper && tp_trial_cost_cmp(run->space, t, best) >= 0))
			continue;
		for (j = n; j > 0 && tp_trial_cost_cmp(run->space, t, ts[j - 1]) < 0; j--)
			if (j < max)
				ts[j] = ts[j - 1];
		if (j < max) {
			ts[j] = t;
			if (n < max)
				n++;
		}
	}
	for (j = 0; j < n; j++)
		race_add(run, &ts[j]->config);
}

/* The n widest widths measured below the narrowest racer's at batch 1 under
 * the default method, whatever they scored: a burst of another job during
 * their exploration repeats can put them anywhere (half speed on 2 CPUs).
 * Below the narrowest, not below the best: on a plateau the widths between
 * the cheapest equivalent and the best cannot become the pick. */
static void race_add_narrower(struct tp_search_run *run, const struct tp_trial *best, int n)
{
	int below = best->config.workers, i;

	for (i = 0; i < run->paired.n; i++) {
		const struct tp_config *c = &run->paired.configs[i];

		if (c->batch == 1 && tp_space_method_index(run->space, c) == 0 && c->workers < below)
			below = c->workers;
	}

	while (n-- > 0) {
		int w = 0;
		size_t i;

		for (i = 0; i < run->res->ntrials; i++) {
			const struct tp_trial *t = &run->res->trials[i];

			if (t->config.batch == 1 && tp_space_method_index(run->space, &t->config) == 0 &&
			    tp_protocol_usable(run->proto, t) && t->config.workers < below &&
			    t->config.workers > w)
				w = t->config.workers;
		}
		if (!w)
			return;
		below = w;
		{
			struct tp_config c = tp_space_config(run->space, w, 1, 0);

			race_add(run, &c);
		}
	}
}

/* The next width measured above best's at batch 1 under the default method,
 * when its runs got less CPU than the best's: more workers that use less
 * CPU were starved by another job's burst (the width that saturates the
 * CPUs then looks worse than one that does not). */
#define RACE_STARVED 0.9	/* the wider's CPU use below this share of the best's */

static void race_add_wider(struct tp_search_run *run, const struct tp_trial *best)
{
	const struct tp_trial *wider = NULL;
	int w = 0;
	size_t i;

	for (i = 0; i < run->res->ntrials; i++) {
		const struct tp_trial *t = &run->res->trials[i];

		if (t->config.batch == 1 && tp_space_method_index(run->space, &t->config) == 0 &&
		    tp_protocol_usable(run->proto, t) && t->config.workers > best->config.workers &&
		    (!w || t->config.workers < w)) {
			w = t->config.workers;
			wider = t;
		}
	}
	if (wider && tp_trial_cpu_util(wider) < RACE_STARVED * tp_trial_cpu_util(best)) {
		struct tp_config c = tp_space_config(run->space, w, 1, 0);

		race_add(run, &c);
	}
}

/* The work of one race run: the most tasks a racer's run did, at most 4
 * times the best's (a wide batch's floor of 2 batches per worker must not
 * make every run long). */
static long long race_tasks(struct tp_search_run *run, const struct tp_trial *best)
{
	long long most = 0, cap = 0;
	size_t k;
	int i;

	for (k = 0; k < best->nrepeats; k++)
		if (best->repeats[k].tasks > cap)
			cap = best->repeats[k].tasks;
	cap *= 4;
	for (i = 0; i < run->paired.n; i++) {
		const struct tp_trial *t = tp_protocol_find(run->proto, &run->paired.configs[i]);

		for (k = 0; t && k < t->nrepeats; k++)
			if (t->repeats[k].tasks > most)
				most = t->repeats[k].tasks;
	}
	return most < cap ? most : cap;
}

/* One paired round over the live racers; records which repeat each added.
 * 0, 1 when fewer than two are live, -1 on a system error. */
static int race_round(struct tp_search_run *run, const int *live)
{
	struct tp_protocol *p = run->proto;
	struct tp_paired *pr = &run->paired;
	struct tp_config cs[TP_PAIRED_MAX];
	size_t before[TP_PAIRED_MAX];
	int idx[TP_PAIRED_MAX], m = 0, i, r = pr->rounds;

	for (i = 0; i < pr->n; i++) {
		struct tp_trial *t;

		if (!live[i])
			continue;
		t = tp_protocol_find(p, &pr->configs[i]);
		before[m] = t ? t->nrepeats : 0;
		idx[m] = i;
		cs[m++] = pr->configs[i];
	}
	if (m < 2)
		return 1;	/* nothing to pair */
	if (tp_protocol_round(p, cs, (size_t)m))
		return -1;
	for (i = 0; i < m; i++) {
		struct tp_trial *t = tp_protocol_find(p, &cs[i]);

		if (t && t->nrepeats == before[i] + 1)
			pr->rep[idx[i]][r] = (int)before[i];
	}
	pr->rounds++;
	return 0;
}

/* Before the paired ratios count (TP_PAIRED_MIN_ROUNDS), a live racer
 * leaves when both its last paired run and the median of all its runs fall
 * below `floor` of the best live racer's: two measurements taken at different moments agree
 * that it is far behind (a burst of another job would have to hit both). */
static void drop_far_behind(struct tp_search_run *run, int *live, double floor)
{
	struct tp_protocol *p = run->proto;
	struct tp_paired *pr = &run->paired;
	int r = pr->rounds - 1, i;
	double last_best = 0, med_best = 0, last[TP_PAIRED_MAX], med[TP_PAIRED_MAX];

	for (i = 0; i < pr->n; i++) {
		struct tp_trial *t = tp_protocol_find(p, &pr->configs[i]);
		int k = pr->rep[i][r];

		last[i] = med[i] = 0;
		if (!live[i] || !tp_protocol_usable(p, t) || k < 0 || (size_t)k >= t->nrepeats)
			continue;
		last[i] = tp_objective_score(p->o.objective, &t->config, &t->repeats[k]);
		med[i] = tp_protocol_score(p, t);
		last_best = last[i] > last_best ? last[i] : last_best;
		med_best = med[i] > med_best ? med[i] : med_best;
	}
	for (i = 0; i < pr->n; i++)
		if (live[i] && last[i] > 0 && last[i] < floor * last_best && med[i] < floor * med_best)
			live[i] = 0;
}

/* The index of the cheapest live rival cheaper than ref whose paired ratio
 * to it is at least `at` (the pick, should the race end now); -1 if none. */
static int cheapest_equal(struct tp_search_run *run, const int *live, struct tp_trial *ref,
			  double at)
{
	struct tp_protocol *p = run->proto;
	struct tp_paired *pr = &run->paired;
	struct tp_trial *best = ref;
	int i, k = -1;

	for (i = 0; i < pr->n; i++) {
		struct tp_trial *t = tp_protocol_find(p, &pr->configs[i]);
		double ratio, worse;

		if (live[i] && t != ref && tp_protocol_usable(p, t) &&
		    tp_paired_ratio(p, pr, t, ref, &ratio, &worse) && ratio >= at &&
		    tp_trial_cost_cmp(run->space, t, best) < 0) {
			best = t;
			k = i;
		}
	}
	return k;
}

/* 1 when t's paired ratios to ref lie within tol / RACE_SETTLED of each
 * other, all on one side of the equivalence line: on data this steady more
 * rounds would not carry the median across it (a burst in any round
 * spreads them, and the rival races on). */
#define RACE_SETTLED 3

/* ... or so noisy that their median absolute deviation exceeds the
 * tolerance (fsync'ing writers): then the median of 3 more rounds would
 * still err by about half the band those rounds are to decide (1 - 2 tol ..
 * 1 - tol/2), and they would only spend time (fileio: 6 runs, 0.7 s of a
 * 5 s tune); the median of these decides.  One burst among agreeing rounds
 * leaves the deviation small: the rival races on. */
static int settled(struct tp_search_run *run, struct tp_trial *t, struct tp_trial *ref)
{
	double tol = run->rec.tolerance, at = TP_PAIRED_EQUIVALENT(tol), lo, hi, mad;

	return tp_paired_range(run->proto, &run->paired, t, ref, &lo, &hi, &mad) &&
	       ((hi - lo <= tol / RACE_SETTLED && (hi < at || lo >= at)) || mad > tol);
}

/* From TP_PAIRED_MIN_ROUNDS rounds on: which rivals race on (see
 * tp_search_confirm).  Returns how many besides the race's best do, -1 when there is no best. */
static int judge_rivals(struct tp_search_run *run, int *live, int rounds)
{
	struct tp_protocol *p = run->proto;
	struct tp_paired *pr = &run->paired;
	struct tp_trial *ref = tp_paired_best(p, run->space, pr), *pt;
	double tol = run->rec.tolerance;
	int others = 0, i, pick;

	if (!ref)
		return -1;
	pick = cheapest_equal(run, live, ref, 1 - tol / 2);
	pt = pick >= 0 ? tp_protocol_find(p, &pr->configs[pick]) : NULL;
	for (i = 0; i < pr->n; i++) {
		struct tp_trial *t = tp_protocol_find(p, &pr->configs[i]);
		double ratio, worse;

		if (t == ref) {
			live[i] = 1;
			continue;
		}
		if (!live[i])
			continue;
		if (!tp_protocol_usable(p, t) || !tp_paired_ratio(p, pr, t, ref, &ratio, &worse))
			live[i] = 0;
		else if ((ratio < 1 - 3 * tol && worse < run->rec.alpha) || ratio < 1 - 8 * tol)
			live[i] = 0;	/* clearly worse: not even near */
		else if (pr->rounds >= rounds &&
			 (settled(run, t, ref) ||
			  (i != pick && !(ratio >= 1 - 2 * tol && ratio < 1 - tol / 2)) ||
			  (pt && tp_trial_cost_cmp(run->space, t, pt) > 0)))
			live[i] = 0;	/* decided, or costlier than the pick: not the pick */
		others += live[i];
	}
	return others;
}

/* The final race.  Its rivals: the best; the last recommendation; the
 * cheapest configs within 3 tolerances of it (what the tie-break picks from);
 * the two widest widths below its own and the two cheapest cheaper configs
 * within 8 tolerances, whose exploration repeats may have been taken in
 * someone else's burst.  They run `rounds` paired rounds with equal work, and
 * up to 3 more for the ones whose ratio to the race's best sits at the
 * equivalence boundary (1 - 2 tol .. 1 - tol/2) and for the cheapest one
 * above it (the pick, should it hold): the comparison that decides the pick
 * is the best-measured one, unless its ratios have settled (settled()).
 * Rivals costlier than that pick leave then: they cannot become it (mix, 23
 * picked: 27 and 32 raced 3 more rounds, 2.7 s of a 17 s tune).
 * From the third round on, a rival below
 * 1 - 8 tol, or below 1 - 3 tol with a sign test calling it worse, leaves;
 * before that, one far behind (drop_far_behind). */
int tp_search_confirm(struct tp_search_run *run, int rounds, int max_configs)
{
	struct tp_protocol *p = run->proto;
	struct tp_paired *pr = &run->paired;
	struct tp_trial *best = tp_best_trial(p, run->space);
	double tol = run->rec.tolerance;
	int live[TP_PAIRED_MAX], i, rc = 0;

	memset(pr, 0, sizeof(*pr));
	run->rec.paired = NULL;
	if (!best)
		return 0;
	race_add(run, &best->config);
	if (run->rec.previous && tp_protocol_usable(p, tp_protocol_find(p, run->rec.previous)))
		race_add(run, run->rec.previous);
	race_add_cheapest(run, best, 1 - 3 * tol, 0, max_configs);
	race_add_narrower(run, best, 2);
	race_add_cheapest(run, best, 1 - 8 * tol, 1, 2);
	race_add_wider(run, best);
	for (i = 0; i < pr->n; i++)
		live[i] = 1;
	run->rec.paired = pr;
	p->ev->min_tasks = race_tasks(run, best);
	while (!rc && pr->rounds < rounds + 3 && pr->rounds < TP_PAIRED_ROUNDS &&
	       !tp_protocol_exhausted(p)) {
		if (pr->rounds > 0 && pr->rounds < TP_PAIRED_MIN_ROUNDS)
			drop_far_behind(run, live, 1 - 5 * tol);
		if (pr->rounds >= TP_PAIRED_MIN_ROUNDS && judge_rivals(run, live, rounds) <= 0)
			break;
		rc = race_round(run, live);
	}
	p->ev->min_tasks = 0;
	return rc < 0 ? -1 : 0;
}

/* A budget spent before any config had a measured run (a time budget
 * shorter than the calibration and warm-up): one measured run of the seed
 * config past it, the last recommendation or else the CPU count at batch 1,
 * so a tune always recommends something it measured. */
static int measure_seed(struct tp_search_run *run)
{
	struct tp_protocol *p = run->proto;
	struct tp_protocol_opts saved = p->o;
	const struct tp_space *s = run->space;
	struct tp_config c;
	int w = s->cpu_count < s->max_workers ? s->cpu_count : s->max_workers, rc;

	if (p->interrupted || tp_best_trial(p, s))
		return 0;
	c = run->warm ? *run->warm : tp_space_config(s, w > 0 ? w : 1, 1, 0);
	tp_info("the budget ran out before a measured run; measuring %s once",
		tp_config_format(&c, (char[96]){ 0 }, 96));
	p->o.budget_s = 0;
	p->o.budget_evals = 0;
	p->o.min_repeats = p->o.max_repeats = 1;
	p->exhausted = 0;
	rc = tp_search_measure(run, &c);
	p->o = saved;
	p->exhausted = 1;
	return rc;
}

int tp_search_execute(const struct tp_search_desc *d, struct tp_search_run *run)
{
	run->rec.previous = run->warm;
	if (d->run(run) || tp_search_confirm(run, 3, 3) || measure_seed(run))
		return -1;
	if (tp_recommend(run->proto, run->space, &run->rec))
		return tp_error("no configuration could be measured%s",
				tp_protocol_exhausted(run->proto) ? " within the budget; raise --budget" : "");
	return 0;
}
