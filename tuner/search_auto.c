/* auto, the default: probe-seeded coarse geometric sweep of workers, model
 * fit, local refinement, batch sweep at the best workers, then a race of
 * strategies and start methods among the survivors. */
#include "tuner/search.h"

#include "core/stats.h"
#include "core/log.h"
#include "tuner/evaluate.h"
#include "tuner/usl.h"

#include <math.h>
#include <string.h>

/* The CPUs a run kept busy, as a fraction of the usable ones, from which a
 * width that gains nothing shows the CPUs saturated: widening stops there. */
#define AUTO_CPU_SATURATED 0.85
/* Exploration's repeats when two agree (see run_auto). */
#define AUTO_EXPLORE_REPEATS 2
/* 1 when t, at or past the CPU count, shows the CPUs saturated: its own CPU
 * use, tasks that each keep a CPU busy (TP_CPU_BOUND_WORKER: another job's
 * load then explains a run's CPU share below AUTO_CPU_SATURATED, and more
 * workers only queue), or the host's CPUs busy over its runs, whoever's. */
static int cpu_saturated(struct tp_search_run *run, const struct tp_trial *t, double *per_worker)
{
	const struct tp_space *s = run->space;

	double host = tp_trial_counter(t, TP_HOST_CPU_BUSY);

	*per_worker = tp_search_worker_cpus(run);
	return t->config.workers >= s->cpu_count &&
	       (tp_trial_cpu_util(t) >= AUTO_CPU_SATURATED || *per_worker >= TP_CPU_BOUND_WORKER ||
		host >= AUTO_CPU_SATURATED);
}

/* 1 when the step from w0 (scoring sc0) to w past the CPU count scaled
 * nearly linearly: wait-bound work, whose widths in between can wait for
 * the refinement around the best. */
#define AUTO_LINEAR 0.9
static int linear_step(const struct tp_space *s, int w0, double sc0, int w, double sc)
{
	return w0 > 0 && w > s->cpu_count && sc0 > 0 &&
	       sc >= AUTO_LINEAR * sc0 * (double)w / w0;
}

/* The index before the first width of at least w, so that the loop's next
 * step measures it (the last index when none is). */
static int skip_to(const struct tp_space *s, int i, int w)
{
	while (i + 1 < s->nworkers && s->workers[i + 1] < w)
		i++;
	return i;
}

/* Workers ascending until two steps in a row fail to beat the best by the
 * tolerance (a plateau or a decline), always reaching the CPU count; one
 * such step past the CPU count suffices when the CPUs are saturated (the
 * tasks are CPU-bound: more workers only queue for them).  Past the CPU
 * count, a step that scaled nearly linearly doubles the next width.  Then
 * the edge extends while the best sits there and still gains. */
static int sweep_workers(struct tp_search_run *run)
{
	const struct tp_space *s = run->space;
	double best = 0, prev = 0;
	int i, w, flat = 0, prev_w = 0;

	for (i = 0; i < s->nworkers && !tp_protocol_exhausted(run->proto); i++) {
		struct tp_config c = tp_space_config(s, s->workers[i], 1, 0);
		struct tp_trial *t;
		double sc, per;

		if (tp_search_measure(run, &c))
			return -1;
		t = tp_protocol_find(run->proto, &c);
		sc = tp_protocol_usable(run->proto, t) ? tp_protocol_score(run->proto, t) : 0;
		if (t && s->workers[i] >= 2 * s->cpu_count && cpu_saturated(run, t, &per) &&
		    per >= TP_CPU_BOUND_WORKER) {
			/* A gain past twice the CPUs on CPU-bound tasks is noise: each
			 * worker wants a CPU of its own. */
			tp_info("tasks that keep %.2f CPUs busy each: not widening past %d workers on %d CPUs",
				per, s->workers[i], s->cpu_count);
			run->saturated = 1;
			break;
		}
		if (sc > best * (1 + run->rec.tolerance)) {
			flat = 0;
		} else if (t && cpu_saturated(run, t, &per)) {
			tp_info("%d workers gain nothing with the CPUs saturated (%.0f%% of %d, %.2f CPUs per worker alone): not widening",
				s->workers[i], 100 * tp_trial_cpu_util(t), s->cpu_count, per);
			run->saturated = 1;
			break;
		} else if (++flat >= 2 && s->workers[i] >= s->cpu_count) {
			break;
		}
		if (sc > best)
			best = sc;
		w = s->workers[i];
		if (linear_step(s, prev_w, prev, w, sc))
			i = skip_to(s, i, 2 * w);
		prev_w = w;
		prev = sc;
	}
	if (tp_search_extend_workers(run, 1, 0))
		return -1;
	/* The last best from the result cache, when the sweep skipped it. */
	if (run->warm) {
		struct tp_config c = tp_space_config(s, run->warm->workers, 1, 0);

		if (tp_search_measure(run, &c))
			return -1;
	}
	return 0;
}

/* Batches 2, 4, ... at w until two in a row fail to improve by the tolerance. */
static int sweep_batch(struct tp_search_run *run, int w)
{
	const struct tp_space *s = run->space;
	struct tp_config c = tp_space_config(s, w, 1, 0);
	struct tp_trial *t = tp_protocol_find(run->proto, &c);
	double best = t ? tp_protocol_score(run->proto, t) : 0;
	int i, flat = 0;

	for (i = 1; i < s->nbatches && flat < 2 && !tp_protocol_exhausted(run->proto); i++) {
		double sc;

		if (s->batches[i] > tp_space_batch_max(s, w))
			break;
		c.batch = s->batches[i];
		if (tp_search_measure(run, &c))
			return -1;
		t = tp_protocol_find(run->proto, &c);
		sc = tp_protocol_usable(run->proto, t) ? tp_protocol_score(run->proto, t) : 0;
		if (sc > best * (1 + run->rec.tolerance)) {
			flat = 0;
			best = sc;
		} else {
			flat++;
		}
	}
	return 0;
}

/* The batch that won at the cheapest width w, tried at the widths measured
 * between w and the best width at batch 1: the cheapest width equivalent at
 * batch 1 may sit a few percent below the plateau, and the batch gain does
 * not close that gap, so the final race needs (wider, best batch) too. */
static int batch_across(struct tp_search_run *run, int w)
{
	const struct tp_space *s = run->space;
	struct tp_trial *top = tp_search_best_workers(run, 1, 0), *bb = NULL;
	double bs = -INFINITY;
	int i, topw, batch;

	for (i = 0; i < s->nbatches; i++) {
		struct tp_config c = tp_space_config(s, w, s->batches[i], 0);
		struct tp_trial *t = tp_protocol_find(run->proto, &c);

		if (tp_protocol_usable(run->proto, t) && tp_protocol_score(run->proto, t) > bs) {
			bs = tp_protocol_score(run->proto, t);
			bb = t;
		}
	}
	if (!top || !bb || bb->config.batch == 1 || top->config.workers <= w)
		return 0;
	topw = top->config.workers;	/* measuring moves the trials */
	batch = bb->config.batch;
	for (i = 0; i < s->nworkers + 64 && !tp_protocol_exhausted(run->proto); i++) {
		struct tp_config c;
		size_t k;
		int next = 0;

		/* the next width measured at batch 1 above w, up to the best's */
		for (k = 0; k < run->res->ntrials; k++) {
			const struct tp_config *tc = &run->res->trials[k].config;

			if (tc->batch == 1 && tp_space_method_index(s, tc) == 0 && tc->workers > w &&
			    tc->workers <= topw && (!next || tc->workers < next))
				next = tc->workers;
		}
		if (!next)
			break;
		w = next;
		c = tp_space_config(s, w, batch, 0);
		if (tp_space_allows(s, &c) && tp_search_measure(run, &c))
			return -1;
	}
	return 0;
}

/* Sweep, model, refinement and batch sweep under the default method. */
static int explore(struct tp_search_run *run)
{
	const struct tp_space *s = run->space;
	struct tp_trial *pick;
	int w;

	if (sweep_workers(run))
		return -1;
	if (!tp_search_fit(run, 1, 0) && tp_model_kind_of(&run->res->model) == TP_MODEL_USL &&
	    !tp_search_wide_plateau(run, 1, 0)) {
		double peak = run->res->model.peak_workers;
		struct tp_config c = tp_space_config(s, tp_space_snap(s, peak), 1, 0);

		if (c.workers >= 1 && c.workers <= s->max_workers && tp_search_measure(run, &c))
			return -1;
	}
	if (tp_search_refine_workers(run, 1, 0, 3) || tp_search_refine_knee(run, 1, 0, 4))
		return -1;
	pick = tp_search_cheapest_workers(run, 1, 0);
	if (!pick)
		return 0;
	w = pick->config.workers;	/* measuring moves the trials */
	if (sweep_batch(run, w))
		return -1;
	return batch_across(run, w);
}

static int run_auto(struct tp_search_run *run)
{
	const struct tp_space *s = run->space;
	struct tp_config cands[32];
	struct tp_trial *best, *eq[3];
	size_t n = 0, i, j;
	struct tp_protocol_opts saved = run->proto->o;
	int m, rc;

	/* Exploration takes the minimum repeats, or two that agree within two
	 * tolerances; the race and the confirmation that follow spend repeats on
	 * the contenders only. */
	if (saved.min_repeats > AUTO_EXPLORE_REPEATS) {
		run->proto->o.min_repeats = AUTO_EXPLORE_REPEATS;
		run->proto->o.agree = 2 * run->rec.tolerance;
	}
	run->proto->o.max_repeats = saved.min_repeats;
	rc = explore(run);
	run->proto->o = saved;
	if (rc)
		return -1;

	/* Survivors: configs equivalent to the best so far (cheapest first, at
	 * most 3), and the two cheapest under every other method. */
	best = tp_best_trial(run->proto, s);
	if (!best)
		return 0;
	for (i = 0; i < run->res->ntrials; i++) {
		struct tp_trial *t = &run->res->trials[i];

		if (!tp_protocol_usable(run->proto, t) || !tp_space_allows(s, &t->config) ||
		    !tp_trial_equivalent(run->proto, t, best, &run->rec))
			continue;
		for (j = n; j > 0 && tp_trial_cost_cmp(s, t, eq[j - 1]) < 0; j--)
			if (j < 3)
				eq[j] = eq[j - 1];
		if (j < 3) {
			eq[j] = t;
			if (n < 3)
				n++;
		}
	}
	for (i = 0; i < n; i++)
		cands[i] = eq[i]->config;
	for (m = 1; m < s->nmethods; m++) {
		size_t k, base = n;

		for (k = 0; k < base && k < 2; k++) {
			struct tp_config c = cands[k];

			c = tp_space_config(s, c.workers, c.batch, m);
			cands[n++] = c;
		}
	}
	/* With one method the final race (tp_search_confirm) compares the
	 * equivalents, paired; a race here would only measure them twice. */
	return n > 1 && s->nmethods > 1 ? tp_search_race(run, cands, n) : 0;
}

const struct tp_search_desc tp_search_auto = {
	.name = "auto",
	.summary = "sweep workers, fit USL, refine, sweep batch, race strategies (default)",
	.run = run_auto,
};
