/* The bench engine: every valid worker x batch x strategy x start
 * combination of one workload, warm-ups and repeats interleaved in a seeded
 * random order, each run through the pool, collected into the results model. */
#include "runner/bench.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/registry.h"
#include "runner/child.h"
#include "runner/inputs.h"
#include "runner/signals.h"
#include "runner/strategy.h"
#include "workloads/hash.h"
#include "workloads/workload.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;


#define FAIL_REASON_MAX 240

struct tp_bench {
	struct tp_bench_opts o;
	struct tp_config *configs;
	size_t n, alloc;
	struct tp_bench_slot slot;
	char (*fail)[FAIL_REASON_MAX];	/* per plan config, "" until a task fails */
	char run_fail[FAIL_REASON_MAX];	/* first failure of the run in flight */
};

static const struct tp_strategy_desc *find_strategy(const char *name)
{
	size_t n;
	const struct tp_strategy_desc *const *tab = tp_strategy_table(&n);

	return tp_registry_lookup((const void *const *)tab, n, name, "strategy");
}

static int check_start(const char *name)
{
	enum tp_start_method m;

	return *name ? tp_start_parse(name, &m) : tp_usage_error("bench: empty start method");
}

static void plan_add(struct tp_bench *b, const struct tp_config *c)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (tp_config_equal(&b->configs[i], c))
			return;
	tp_grow((void **)&b->configs, &b->alloc, b->n + 1, sizeof(*b->configs));
	b->configs[b->n++] = *c;
}

int tp_bench_new(struct tp_bench **out, const struct tp_bench_opts *opts)
{
	struct tp_bench *b = tp_xcalloc(1, sizeof(*b));
	int s, t, w, k;

	*out = NULL;
	b->o = *opts;
	if (opts->repeat < 1 || opts->warmup < 0 || opts->nworkers < 1 || opts->nbatches < 1 ||
	    opts->nstrategies < 1) {
		free(b);
		return tp_usage_error("bench: nothing to run (repeat, workers, batch and strategy "
				      "need at least one value)");
	}
	for (t = 0; t < opts->nstarts; t++)
		if (check_start(opts->starts[t]))
			goto fail;
	for (s = 0; s < opts->nstrategies * (opts->ncommands > 0 ? opts->ncommands : 1); s++) {
		int ci = s / opts->nstrategies;
		const struct tp_strategy_desc *d = find_strategy(opts->strategies[s % opts->nstrategies]);
		struct tp_workload *wl = opts->ncommands > 0 ? opts->cmd_workloads[ci] : opts->workload;
		int uses_start, nst = 1, warned = 0;

		if (!d)
			goto fail;
		uses_start = !!(d->flags & TP_STRAT_START);
		if (uses_start) {
			if (opts->nstarts < 1) {
				tp_usage_error("bench: strategy '%s' needs a start method (--start fork,spawn)",
					       d->name);
				goto fail;
			}
			nst = opts->nstarts;
		}
		for (t = 0; t < nst; t++)
			for (w = 0; w < opts->nworkers; w++)
				for (k = 0; k < opts->nbatches; k++) {
					struct tp_config c;
					const char *why;

					memset(&c, 0, sizeof(c));
					c.workers = opts->workers[w];
					c.batch = opts->batches[k];
					if ((d->flags & TP_STRAT_COMMAND) && !opts->pool.multi_input &&
					    !(d->flags & TP_STRAT_RECORDS))
						c.batch = 1;
					snprintf(c.strategy, sizeof(c.strategy), "%s", d->name);
					snprintf(c.start, sizeof(c.start), "%s",
						 uses_start ? opts->starts[t] : "");
					if (opts->ncommands > 0)
						snprintf(c.command, sizeof(c.command), "%s",
							 opts->cmd_names[ci]);
					if (!tp_pool_config_valid(&c, wl, opts->pool.multi_input,
								  &why)) {
						if (!warned++)
							tp_warn("bench: strategy '%s' skipped for workload '%s': %s",
								d->name, wl->desc->name, why);
						continue;
					}
					plan_add(b, &c);
				}
	}
	if (!b->n) {
		tp_usage_error("bench: no valid configuration for workload '%s' with the strategies given",
			       opts->workload->desc->name);
		goto fail;
	}
	b->fail = tp_xcalloc(b->n, sizeof(*b->fail));
	*out = b;
	return 0;
fail:
	tp_bench_free(b);
	return -1;
}

const struct tp_config *tp_bench_configs(const struct tp_bench *b, size_t *n)
{
	*n = b->n;
	return b->configs;
}

void tp_bench_free(struct tp_bench *b)
{
	if (!b)
		return;
	free(b->configs);
	free(b->fail);
	free(b);
}

void tp_bench_slot_stop(struct tp_bench_slot *slot)
{
	struct tp_pool *p;

	slot->stop = 1;
	p = slot->pool;
	if (p)
		tp_pool_stop(p);
}

void tp_bench_stop(struct tp_bench *b)
{
	tp_bench_slot_stop(&b->slot);
}

/* The slot changes with the stop signals blocked, so a handler never stops
 * a pool that is being freed. */
static void slot_set(struct tp_bench_slot *slot, struct tp_pool *p, int *stopped)
{
	sigset_t block, old;

	tp_signals_fill(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	slot->pool = p;
	*stopped = slot->stop;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int tp_bench_run_one(const struct tp_pool_opts *base, struct tp_workload *wl,
		     struct tp_inputs *in, const struct tp_config *c, struct tp_repeat *rep,
		     int *interrupted, struct tp_bench_slot *slot)
{
	struct tp_pool_opts opts = *base;
	struct tp_pool *p;
	int rc, stopped = 0;

	*interrupted = 0;
	memset(rep, 0, sizeof(*rep));
	opts.config = *c;
	opts.workload = wl;
	if (tp_inputs_rewind(in))
		return tp_error("bench: cannot rewind the inputs for another run");
	if (tp_pool_new(&p, &opts))
		return -1;
	if (slot)
		slot_set(slot, p, &stopped);
	if (stopped) {
		*interrupted = 1;
		rc = 0;
	} else {
		rc = tp_pool_run(p, in, rep, interrupted);
	}
	if (slot)
		slot_set(slot, NULL, &stopped);
	tp_pool_free(p);
	return rc;
}

static size_t plan_index(const struct tp_bench *b, const struct tp_config *c)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (tp_config_equal(&b->configs[i], c))
			return i;
	return b->n;
}

/* Trials in plan order (they were added in run order). */
static void sort_trials(const struct tp_bench *b, struct tp_results *r)
{
	size_t i, j;

	for (i = 1; i < r->ntrials; i++) {
		struct tp_trial t = r->trials[i];
		size_t ti = plan_index(b, &t.config);

		for (j = i; j > 0 && plan_index(b, &r->trials[j - 1].config) > ti; j--)
			r->trials[j] = r->trials[j - 1];
		r->trials[j] = t;
	}
}

/* The workload a config runs: its command's, or the only one. */
static struct tp_workload *config_workload(const struct tp_bench *b, const struct tp_config *c)
{
	int i;

	for (i = 0; i < b->o.ncommands; i++)
		if (!strcmp(b->o.cmd_names[i], c->command))
			return b->o.cmd_workloads[i];
	return b->o.workload;
}

const char *tp_bench_failure(const struct tp_bench *b, const struct tp_config *c)
{
	size_t i = plan_index(b, c);

	return i < b->n && b->fail[i][0] ? b->fail[i] : NULL;
}

/* The pool's hook: the first failed task of a run, in words; the caller's
 * own hook (if any) still sees every result. */
static void note_result(void *ctx, const struct tp_task_result *t, int final)
{
	struct tp_bench *b = ctx;

	if (b->o.pool.hooks.on_result)
		b->o.pool.hooks.on_result(b->o.pool.hooks.ctx, t, final);
	if (!final || t->ok || b->run_fail[0])
		return;
	{
		char what[64];
		size_t len = 0;

		if (t->timed_out)
			snprintf(what, sizeof(what), "timed out after %.3g s", t->duration_s);
		else if (t->term_signal)
			snprintf(what, sizeof(what), "killed by signal %d", t->term_signal);
		else if (t->exit_status >= 0)
			snprintf(what, sizeof(what), "exit status %d", t->exit_status);
		else
			snprintf(what, sizeof(what), "failed");
		while (t->err[len] && t->err[len] != '\n' && len < 120)
			len++;
		/* The pool's err already starts with the status when it has one. */
		if (len)
			snprintf(b->run_fail, sizeof(b->run_fail), "input '%.60s': %.*s",
				 t->input ? t->input : "", (int)len, t->err);
		else
			snprintf(b->run_fail, sizeof(b->run_fail), "input '%.60s': %s",
				 t->input ? t->input : "", what);
	}
}

/* --prepare / --cleanup: /bin/sh -c cmd, waited for, outside the timing.
 * Returns 0, or 1 after an error naming the command and what it did. */
static int run_hook_command(const char *opt, const char *cmd, const struct tp_config *c)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL }, name[96], what[64];
	posix_spawnattr_t attr;
	pid_t pid;
	int err, status;

	tp_child_attr_init(&attr);
	err = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (err) {
		tp_error("bench: cannot run %s '%s': %s", opt, cmd, strerror(err));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			tp_error("bench: cannot wait for %s '%s': %s", opt, cmd, strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(status));
	else
		snprintf(what, sizeof(what), "killed by signal %d", WTERMSIG(status));
	tp_error("bench: %s '%s' failed (%s) around a run of %s; stopping", opt, cmd, what,
		 tp_config_format(c, name, sizeof(name)));
	return 1;
}

int tp_bench_run(struct tp_bench *b, struct tp_results *r, int *interrupted)
{
	int rounds = b->o.warmup + b->o.repeat, round, ret = 0, failed = 0, run = 0, done = 0;
	size_t *order = tp_xmalloc(b->n * sizeof(*order)), k;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	struct tp_pool_opts pool = b->o.pool;
	int hook;

	*interrupted = 0;
	pool.hooks.on_result = note_result;
	pool.hooks.ctx = b;
	gsl_rng_set(rng, b->o.seed);
	for (k = 0; k < b->n; k++)
		order[k] = k;
	for (round = 0; round < rounds && !done; round++) {
		/* A fresh order each round: drift in the machine's state spreads
		 * over every config instead of biasing those run last. */
		gsl_ran_shuffle(rng, order, b->n, sizeof(*order));
		for (k = 0; k < b->n && !done; k++) {
			const struct tp_config *c = &b->configs[order[k]];
			struct tp_bench_progress pr;
			struct tp_repeat rep;
			int intr = 0;
			char name[96];

			if (b->slot.stop) {
				*interrupted = done = 1;
				break;
			}
			if (b->o.prepare && (hook = run_hook_command("--prepare", b->o.prepare, c))) {
				ret = hook;
				done = 1;
				break;
			}
			b->run_fail[0] = '\0';
			if (tp_bench_run_one(&pool, config_workload(b, c), b->o.inputs, c, &rep, &intr,
					     &b->slot)) {
				free(rep.counters);	/* a failed run may have filled them */
				ret = -1;
				done = 1;
				break;
			}
			if (b->o.cleanup && !intr &&
			    (hook = run_hook_command("--cleanup", b->o.cleanup, c))) {
				free(rep.counters);
				ret = hook;
				done = 1;
				break;
			}
			if (intr) {
				free(rep.counters);
				*interrupted = done = 1;
				break;
			}
			if (rep.failures && !b->fail[order[k]][0])
				memcpy(b->fail[order[k]], b->run_fail, sizeof(b->run_fail));
			run++;
			pr = (struct tp_bench_progress){ .run = run, .runs = rounds * (int)b->n,
							 .warmup = round < b->o.warmup,
							 .config = c, .rep = &rep };
			if (b->o.on_progress)
				b->o.on_progress(b->o.ctx, &pr);
			if (round >= b->o.warmup) {
				struct tp_trial *t = tp_results_trial(r, c);

				tp_trial_add_repeat(t, &rep);
				tp_trial_update_stats(t);
			}
			free(rep.counters);
			if (rep.failures) {
				failed = 1;
				if (!b->o.keep_going) {
					tp_error("bench: %lld of %lld tasks failed under %s (first: %s); "
						 "stopping (--keep-going measures the rest)",
						 rep.failures, rep.tasks,
						 tp_config_format(c, name, sizeof(name)),
						 b->run_fail[0] ? b->run_fail : "no reason given");
					done = 1;
				}
			}
		}
	}
	sort_trials(b, r);
	gsl_rng_free(rng);
	free(order);
	return ret ? ret : failed;
}

int tp_bench_input_signature(struct tp_inputs *in, char *buf, size_t size)
{
	const char *line;
	size_t len;
	uint64_t h = 0;
	long long count = 0;
	int rc;

	if (tp_inputs_rewind(in))
		return tp_error("bench: the inputs cannot be read twice");
	while ((rc = tp_inputs_next(in, &line, &len)) == 1) {
		h = tp_hash_bytes(line, len, h ^ (uint64_t)len);
		count++;
	}
	if (rc < 0)
		return -1;
	if (tp_inputs_rewind(in))
		return tp_error("bench: the inputs cannot be read twice");
	snprintf(buf, size, "%016llx:%lld", (unsigned long long)h, count);
	return 0;
}
