/* The tuning driver: inputs sample, space, cache, evaluator, search,
 * recommendation, and the tuned config. */
#include "tuner/tune.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "probes/machine.h"
#include "runner/template.h"
#include "runner/bind.h"
#include "runner/pool.h"
#include "runner/signals.h"
#include "runner/strategy_persistent.h"
#include "tuner/cache.h"
#include "tuner/evaluate.h"
#include "tuner/search.h"
#include "tuner/space.h"
#include "workloads/workload.h"
#include "runner/strategy.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* Inputs per trial assumed for count-driven built-in workloads (bounds batch). */
#define TP_COUNT_INPUTS 1024


void tp_tune_opts_init(struct tp_tune_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->search = "auto";
	o->objective = TP_OBJ_THROUGHPUT;
	o->seed = 1;
	o->min_time_s = 0.1;
	o->max_repeats = 10;
}

void tp_tune_stop(struct tp_tune_slot *slot)
{
	struct tp_pool_evaluator *pe;
	struct tp_protocol *p;

	slot->stop = 1;
	pe = slot->eval;
	p = slot->proto;
	if (p) {
		p->interrupted = 1;
		p->exhausted = 1;
	}
	if (pe)
		tp_pool_evaluator_stop(pe);
}

struct sized {
	char *input;
	long long size;
	size_t index;
};

static int by_size(const void *a, const void *b)
{
	const struct sized *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

char **tp_sample_inputs(char *const *in, size_t n, size_t k, unsigned long seed)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	char **out = tp_xmalloc((k ? k : 1) * sizeof(*out));
	struct sized *s = tp_xmalloc(n * sizeof(*s));
	int files = 1;
	size_t i;

	gsl_rng_set(rng, seed);
	for (i = 0; i < n; i++) {
		struct stat st;

		s[i].input = in[i];
		s[i].index = i;
		s[i].size = 0;
		if (files && !stat(in[i], &st) && S_ISREG(st.st_mode))
			s[i].size = (long long)st.st_size;
		else
			files = 0;
	}
	if (files) {
		/* One input from each stratum of ascending size. */
		qsort(s, n, sizeof(*s), by_size);
		for (i = 0; i < k; i++) {
			size_t lo = i * n / k, hi = (i + 1) * n / k;

			out[i] = s[lo + gsl_rng_uniform_int(rng, hi - lo)].input;
		}
	} else {
		gsl_ran_choose(rng, out, k, (void *)in, n, sizeof(*out));
	}
	free(s);
	gsl_rng_free(rng);
	return out;
}

/* The workload signature the cache is keyed by: the workload, its options,
 * the inputs, and what changes the measurements (objective, trial length). */
static char *signature(const struct tp_workload *wl, char *const *inputs, size_t n,
		       const struct tp_tune_opts *o, char *insig, size_t insig_size)
{
	char *desc = tp_workload_describe(wl), *sig;
	unsigned long long h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		h = tp_cache_hash(h, inputs[i], strlen(inputs[i]) + 1);
	snprintf(insig, insig_size, "%016llx:%zu", h, n);
	sig = tp_xasprintf("%s|%s|%s|%g|%d%s%s", desc, n ? insig : "count",
			   tp_objective_name(o->objective), o->min_time_s, o->max_workers,
			   o->persistent ? "|persistent:" : "", o->persistent ? o->persistent : "");
	free(desc);
	return sig;
}

static void fill_conf(struct tp_tuned_conf *c, const struct tp_workload *wl,
		      const struct tp_machine *m, const struct tp_space *s,
		      struct tp_protocol *p, const struct tp_results *r, long long mem_per_worker_kb)
{
	const struct tp_trial *t = tp_protocol_find(p, &r->rec.config);
	char *desc = tp_workload_describe(wl);

	tp_conf_init(c);
	snprintf(c->workload, sizeof(c->workload), "%s", desc);
	free(desc);
	tp_utc_date(c->date, sizeof(c->date));
	snprintf(c->objective, sizeof(c->objective), "%s", tp_objective_name(p->o.objective));
	c->workers = r->rec.config.workers;
	c->batch = r->rec.config.batch;
	snprintf(c->strategy, sizeof(c->strategy), "%s", r->rec.config.strategy);
	snprintf(c->start, sizeof(c->start), "%s", r->rec.config.start);
	c->min_workers = 1;
	/* The hard limit of the space, not the widest width measured: run's
	 * controller may go there (the inputs of this tuning run do not bind it). */
	c->max_workers = s->hard_max > c->workers ? s->hard_max : c->workers;
	c->memory_per_worker_kb = mem_per_worker_kb;
	snprintf(c->complete, sizeof(c->complete), "%s", r->rec.incomplete ? "false" : "true");
	if (t) {
		if (mem_per_worker_kb <= 0)
			c->memory_per_worker_kb = tp_trial_mem_per_worker(t);
		if (c->memory_per_worker_kb > 0 && m->mem_usable_kb > 0 &&
		    m->mem_usable_kb / c->memory_per_worker_kb < c->max_workers)
			c->max_workers = (int)(m->mem_usable_kb / c->memory_per_worker_kb);
		if (c->max_workers < c->workers)
			c->max_workers = c->workers;
		c->throughput = t->stats.median;
		c->throughput_ci_low = t->stats.ci_low;
		c->throughput_ci_high = t->stats.ci_high;
	}
	c->interval_ms = 500;
	snprintf(c->model_kind, sizeof(c->model_kind), "%s", r->model.kind);
	if (*r->model.kind) {
		c->usl_sigma = r->model.sigma;
		c->usl_kappa = r->model.kappa;
		c->peak_workers = r->model.peak_workers;
	}
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", m->fingerprint);
	c->cpus_usable = m->cpus_usable;
	c->memory_usable_kb = m->mem_usable_kb > 0 ? m->mem_usable_kb : 0;
}

/* Binding races: paired rounds of the pick, unbound against each mode
 * worth trying; a mode must beat unbound by the tolerance in the median of
 * the per-round ratios. */
#define BIND_ROUNDS 5

static const char *race_bind(struct tp_pool_evaluator *pe, struct tp_protocol *p,
			     const struct tp_space_seed *seed, const struct tp_config *c, double tol)
{
	const char *modes[3], *pick = "none";
	double ratio[3][BIND_ROUNDS], best = 1 + tol;
	int n = tp_space_bind_modes(seed, modes), r, k;

	/* binding is tried for thread workers and exec children only */
	if (n < 2 || (tp_strategy_flags(c->strategy) & (TP_STRAT_START | TP_STRAT_RECORDS | TP_STRAT_UNKNOWN)))
		return "none";
	for (r = 0; r < BIND_ROUNDS && !tp_protocol_exhausted(p); r++) {
		double base = 0;

		for (k = 0; k < n; k++) {
			struct tp_repeat rep;
			enum tp_bind_mode bm = TP_BIND_NONE;

			memset(&rep, 0, sizeof(rep));
			tp_bind_parse(modes[k], &bm);
			pe->base.bind = (int)bm;
			if (pe->ev.eval(pe->ev.ctx, c, &rep)) {
				free(rep.counters);
				pe->base.bind = 0;
				return "none";
			}
			free(rep.counters);
			if (!k)
				base = rep.throughput;
			ratio[k][r] = base > 0 ? rep.throughput / base : 0;
		}
	}
	pe->base.bind = 0;
	for (k = 1; k < n && r >= 3; k++) {
		double m = tp_stats_median(ratio[k], (size_t)r);

		tp_info("bind = %s: %.3f of unbound over %d paired rounds", modes[k], m, r);
		if (m > best) {
			best = m;
			pick = modes[k];
		}
	}
	return pick;
}

/* Methods the pool cannot run for this workload leave the space quietly. */
static void drop_invalid_methods(struct tp_space *s, const struct tp_workload *wl,
				 int multi_input)
{
	int i, j;

	for (i = j = 0; i < s->nmethods; i++) {
		struct tp_config c = tp_space_config(s, 1, 1, i);
		const char *why = NULL;

		if (!tp_pool_config_valid(&c, wl, multi_input, &why)) {
			tp_info("not tuning %s%s%s: %s", c.strategy, *c.start ? "/" : "", c.start,
				why ? why : "not supported");
			continue;
		}
		s->methods[j++] = s->methods[i];
	}
	if (j)
		s->nmethods = j;
}

/* Points slot at the run in flight with the stop signals blocked, so a handler
 * never follows a pointer being replaced; returns slot->stop. */
static int slot_set(struct tp_tune_slot *slot, struct tp_pool_evaluator *pe,
		    struct tp_protocol *proto)
{
	sigset_t block, old;
	int stop;

	if (!slot)
		return 0;
	tp_signals_fill(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	slot->eval = pe;
	slot->proto = proto;
	stop = slot->stop;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return stop;
}

/* The parameter space for this machine and workload: the probe's seed with
 * the caller's bounds, persistent workers as the one method when asked,
 * less the methods the pool cannot run it with. */
static int build_space(struct tp_space *space, struct tp_space_seed *seed, struct tp_pool_opts *base,
		       struct tp_workload *wl, const struct tp_machine *m,
		       const struct tp_tune_opts *o, size_t nsample)
{
	tp_space_seed_from_machine(seed, m, wl->desc,
				   nsample ? (long long)nsample : TP_COUNT_INPUTS);
	if (o->max_workers > 0)
		seed->max_workers = o->max_workers;
	if (o->mem_per_worker_kb > 0)
		seed->mem_per_worker_kb = o->mem_per_worker_kb;
	tp_space_build(space, seed);
	if (o->persistent) {
		/* One method: the command's persistent workers; batch = records in
		 * flight per worker, measured like a pool's chunksize. */
		if (tp_persistent_setup(wl, o->persistent, o->shell, base) < 0)
			return -1;
		space->nmethods = 1;
		snprintf(space->methods[0].strategy, sizeof(space->methods[0].strategy), "persistent");
		space->methods[0].start[0] = '\0';
	}
	drop_invalid_methods(space, wl, o->multi_input);
	if ((wl->desc->flags & TP_WL_COMMAND) && !o->multi_input && !o->persistent)
		space->nbatches = 1;	/* one input per command invocation */
	return 0;
}

/* The cache keeps trials only; the rest of the results is this run's. */
static void results_header(struct tp_results *res, struct tp_workload *wl,
			   const struct tp_machine *m, const char *insig)
{
	free(res->rec.near);
	memset(&res->rec, 0, sizeof(res->rec));
	memset(&res->model, 0, sizeof(res->model));
	if (res->machine)
		json_decref(res->machine);
	res->machine = tp_machine_to_json(m);
	free(res->workload_name);
	free(res->workload_options);
	free(res->input_signature);
	res->workload_name = tp_xstrdup(wl->desc->name);
	res->workload_options = tp_workload_describe(wl);
	res->input_signature = tp_xstrdup(insig);
}

int tp_tune(struct tp_workload *wl, char *const *inputs, size_t ninputs,
	    const struct tp_machine *m, const struct tp_tune_opts *o, struct tp_results *res,
	    struct tp_tuned_conf *conf, int *interrupted)
{
	const struct tp_search_desc *d = tp_search_find(o->search ? o->search : "auto");
	char **sample = NULL, *sig, *cache = NULL, insig[64];
	size_t nsample = ninputs;
	struct tp_space_seed seed;
	struct tp_space space;
	struct tp_protocol_opts po;
	struct tp_protocol proto;
	struct tp_pool_evaluator pe;
	struct tp_pool_opts base;
	struct tp_search_run run;
	struct tp_config warm;
	int rc = -1, have_warm = 0;
	struct rusage ru;
	long long base_kb = 0;

	*interrupted = 0;
	if (!d)
		return -1;
	/* The runner's own memory (probe, topology, inputs) before any trial:
	 * the base a batch allocation needs under the workers' memory. */
	if (!getrusage(RUSAGE_SELF, &ru))
		base_kb = ru.ru_maxrss;
	if (o->sample > 0 && (size_t)o->sample < ninputs) {
		sample = tp_sample_inputs(inputs, ninputs, (size_t)o->sample, o->seed);
		nsample = (size_t)o->sample;
	}
	memset(&base, 0, sizeof(base));
	if (build_space(&space, &seed, &base, wl, m, o, nsample)) {
		free(sample);
		return -1;
	}

	sig = signature(wl, sample ? sample : inputs, nsample, o, insig, sizeof(insig));
	cache = tp_cache_path(m->fingerprint, sig);
	free(sig);
	if (cache && !o->fresh && tp_cache_load(cache, res)) {
		if (res->rec.present) {
			warm = res->rec.config;
			have_warm = 1;
		}
		tp_info("reusing %zu cached trials from '%s'", res->ntrials, cache);
	}
	results_header(res, wl, m, nsample ? insig : "count");

	base.workload = wl;
	base.cpus_usable = m->cpus_usable;
	base.shell = o->shell;
	base.shell_path = tp_shell_path();	/* the shell run will use */
	base.multi_input = o->multi_input;
	tp_pool_evaluator_init(&pe, &base, sample ? sample : inputs, nsample, o->min_time_s);
	if (!sample && nsample)
		pe.job_tasks = (long long)nsample;	/* the inputs are the job */

	tp_protocol_opts_init(&po);
	po.seed = o->seed;
	po.budget_s = o->budget_s;
	po.budget_evals = o->budget_evals;
	po.objective = o->objective;
	if (o->max_repeats > 0)
		po.max_repeats = o->max_repeats;
	tp_protocol_init(&proto, &po, &pe.ev, res);

	memset(&run, 0, sizeof(run));
	run.proto = &proto;
	run.space = &space;
	run.res = res;
	tp_recommend_opts_init(&run.rec);
	run.warm = have_warm && tp_space_allows(&space, &warm) ? &warm : NULL;

	if (slot_set(o->slot, &pe, &proto)) {
		pe.interrupted = 1;	/* stopped before this run began */
		rc = -1;
	} else {
		rc = tp_search_execute(d, &run);
	}
	slot_set(o->slot, NULL, NULL);
	*interrupted = pe.interrupted;
	if (!rc) {
		res->rec.incomplete = proto.exhausted && !proto.interrupted;
		if (res->rec.incomplete)
			tp_warn("tune: the budget ran out before the search ended: %d workers is provisional "
				"(complete = false); raise --budget for a final answer", res->rec.config.workers);
		fill_conf(conf, wl, m, &space, &proto, res, o->mem_per_worker_kb);
		conf->memory_base_kb = base_kb;
		snprintf(conf->bind, sizeof(conf->bind), "%s",
			 race_bind(&pe, &proto, &seed, &res->rec.config, run.rec.tolerance));
		if (tp_strategy_flags(conf->strategy) & TP_STRAT_RECORDS)
			snprintf(conf->framing, sizeof(conf->framing), "%s",
				 tp_framing_name(base.framing));
		if (cache)
			tp_cache_store(cache, res);
	}
	tp_info("%s search: %d runs in %.1f s", d->name, proto.evals, tp_now_s() - proto.t0);
	tp_protocol_release(&proto);
	tp_pool_evaluator_release(&pe);
	free(sample);
	free(cache);
	return rc;
}
