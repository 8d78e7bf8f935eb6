/* The pool evaluator: trial sizes calibrated so a run lasts about min_time
 * (as pyperf calibrates loops), a watchdog that stops runs below the racing
 * rate floor, and pool setup and teardown per run. */
#include "tuner/evaluate.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/strbuf.h"
#include "probes/fsroot.h"
#include "probes/sampler.h"
#include "runner/counters.h"
#include "runner/inputs.h"
#include "runner/strategy.h"

#include <errno.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tp_pool_eval_entry {
	struct tp_config config;
	long long tasks;
	double rate;			/* throughput of its first run */
};

struct watchdog {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done, fired;
	double deadline_s;		/* CLOCK_MONOTONIC seconds */
	struct tp_pool *pool;
};

static void *watch(void *arg)
{
	struct watchdog *w = arg;
	struct timespec ts;
	double now;

	pthread_mutex_lock(&w->lock);
	while (!w->done) {
		now = tp_now_s();
		if (now >= w->deadline_s) {
			w->fired = 1;
			tp_pool_stop(w->pool);
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(w->deadline_s - now);
		ts.tv_nsec += (long)(fmod(w->deadline_s - now, 1.0) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int make_inputs(struct tp_pool_evaluator *pe, long long tasks, struct tp_inputs **in)
{
	char **lines;
	long long i;
	int rc;

	if (!pe->inputs)
		return tp_inputs_from_count(in, tasks);
	lines = tp_xmalloc((size_t)tasks * sizeof(*lines));
	for (i = 0; i < tasks; i++)
		lines[i] = pe->inputs[(size_t)i % pe->ninputs];
	rc = tp_inputs_from_list(in, lines, (size_t)tasks);
	free(lines);
	return rc;
}

/* The host's /proc/stat CPU counters (total, idle); 0 or -1. */
static int host_cpu(unsigned long long *total, unsigned long long *idle)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int rc = tp_fsroot_read("/proc/stat", &sb) || tp_parse_proc_stat(sb.buf, total, idle) ? -1 : 0;

	tp_strbuf_release(&sb);
	return rc;
}

/* Rounds tasks up to whole rounds of workers x batch: every worker gets the
 * same number of batches, so no run ends on a partial round where most
 * workers sit idle.  Without it a short run of uniform tasks (20 ms sleeps,
 * 100 ms runs) measures the remainder of tasks / workers rather than the
 * config: 107 tasks on 32 workers take four rounds, 128 take four too, and
 * widths or batches that differ only by that remainder look 20% apart. */
static double round_of(const struct tp_config *c)
{
	return (double)(c->workers > 0 ? c->workers : 1) * (c->batch > 0 ? c->batch : 1);
}

/* Start and completion times of one run's tasks (one final result per
 * input: cap is the run's inputs), for tp_job_rate. */
struct done_times {
	double *start, *end;
	size_t n, cap;
};

static void note_done(void *ctx, const struct tp_task_result *r, int final)
{
	struct done_times *d = ctx;

	if (!final || d->n >= d->cap)
		return;
	d->start[d->n] = r->start_s;
	d->end[d->n++] = r->start_s + r->duration_s;
}

/* See evaluate.h. */
double tp_job_rate(const struct tp_config *c, long long job, long long tasks, double wall_s,
		   double cpu_rate, double *start, const double *end, size_t n)
{
	size_t k = (size_t)round_of(c), i, in = 0;
	double a, b, rate;

	if (job <= tasks || n <= k || n != (size_t)tasks || !(wall_s > 0))
		return 0;
	gsl_sort(start, 1, n);
	a = start[k - 1];
	b = start[n - 1];
	for (i = 0; i < n; i++)
		in += end[i] > a && end[i] <= b;
	if (!(b > a) || !in)
		return 0;
	rate = (double)in / (b - a);
	if (cpu_rate > 0 && rate > cpu_rate)
		rate = cpu_rate;
	return (double)job / (wall_s + (double)(job - tasks) / rate);
}

/* A task's latency alone, from the widths measured so far: the least
 * workers x batch / rate (Little's law; a width past saturation queues, and
 * reads longer).  0 before any.  A run that projects the job, on more
 * workers than CPUs, spreads its first round's starts over it (pool
 * ramp_s): tasks started together wait together and then compete for the
 * CPUs together, and two rounds of 16 workers of sleep 0.03 + gzip on 2
 * CPUs read 205/s where the job, staggered within a few rounds, does 284/s.
 * On as many workers as CPUs nothing competes, and the ramp would only
 * lengthen the run. */
static double task_latency(const struct tp_pool_evaluator *pe)
{
	double l = 0;
	size_t i;

	for (i = 0; i < pe->nsizes; i++) {
		const struct tp_pool_eval_entry *e = &pe->sizes[i];
		double x = e->rate > 0 ? round_of(&e->config) / e->rate : 0;

		if (x > 0 && (l == 0 || x < l))
			l = x;
	}
	return l;
}

/* One pool run of c over tasks inputs.  0, 1 (stopped by the watchdog), -1. */
static int run_pool(struct tp_pool_evaluator *pe, const struct tp_config *c, long long tasks,
		    double stop_below_rate, struct tp_repeat *out)
{
	struct tp_pool_opts o = pe->base;
	struct tp_inputs *in = NULL;
	struct tp_pool *pool = NULL;
	struct watchdog w;
	pthread_t th;
	int interrupted = 0, rc, watching = 0, have_host;
	unsigned long long tot0 = 0, idle0 = 0, tot1 = 0, idle1 = 0;
	struct done_times done = { 0 };
	double cpus;
	int project;

	if (pe->interrupted)
		return -1;
	o.config = *c;
	o.min_workers = o.max_workers = 0;
	cpus = o.cpus_usable > 0 ? o.cpus_usable : (double)sysconf(_SC_NPROCESSORS_ONLN);
	/* a run shorter than the job projects it; persistent workers are
	 * ranked by their steady state (pool.c) */
	project = pe->job_tasks > tasks && !o.hooks.on_result &&
		  !(tp_strategy_flags(c->strategy) & TP_STRAT_RECORDS);
	o.ramp_s = project && c->workers > cpus ? task_latency(pe) : 0;
	if (project) {
		o.hooks.on_result = note_done;
		o.hooks.ctx = &done;
	}
	if (make_inputs(pe, tasks, &in))
		return -1;
	if (tp_pool_new(&pool, &o)) {
		tp_inputs_free(in);
		return -1;
	}
	pe->pool = pool;
	if (project) {
		done.cap = (size_t)tasks;
		done.start = tp_xmalloc(done.cap * sizeof(*done.start));
		done.end = tp_xmalloc(done.cap * sizeof(*done.end));
	}
	memset(&w, 0, sizeof(w));
	if (stop_below_rate > 0) {
		pthread_mutex_init(&w.lock, NULL);
		pthread_cond_init(&w.cond, NULL);
		w.pool = pool;
		w.deadline_s = tp_now_s() + (double)tasks / stop_below_rate;
		watching = !pthread_create(&th, NULL, watch, &w);
	}
	memset(out, 0, sizeof(*out));
	have_host = !host_cpu(&tot0, &idle0);
	rc = tp_pool_run(pool, in, out, &interrupted);
	/* How busy the whole machine was: saturated CPUs, ours or another
	 * job's, are why a width past them gains nothing. */
	if (!rc && have_host && !host_cpu(&tot1, &idle1) && tot1 > tot0)
		tp_counters_add(out, TP_HOST_CPU_BUSY,
				1.0 - (double)(idle1 - idle0) / (double)(tot1 - tot0));
	if (watching) {
		pthread_mutex_lock(&w.lock);
		w.done = 1;
		pthread_cond_signal(&w.cond);
		pthread_mutex_unlock(&w.lock);
		pthread_join(th, NULL);
		pthread_mutex_destroy(&w.lock);
		pthread_cond_destroy(&w.cond);
	}
	pe->pool = NULL;
	tp_pool_free(pool);
	tp_inputs_free(in);
	if (!rc && !interrupted) {
		double cpu_s = out->cpu_user_s + out->cpu_sys_s, jr;

		jr = tp_job_rate(c, pe->job_tasks, out->tasks, out->wall_s,
				 cpu_s > 0 && cpus > 0 ? cpus * (double)out->tasks / cpu_s : 0,
				 done.start, done.end, done.n);

		if (jr > 0) {
			tp_counters_add(out, "pool::wall_throughput", out->throughput);
			out->throughput = jr;
		}
	}
	free(done.start);
	free(done.end);
	if (rc)
		return -1;
	if (interrupted && !w.fired)
		return -1;	/* SIGINT */
	return w.fired && interrupted ? 1 : 0;
}

/* Trial sizes are kept per worker count, so the batch sizes and methods
 * compared at one width run the same number of tasks (the tail of a run,
 * where workers go idle, weighs the same). */
static struct tp_pool_eval_entry *entry(struct tp_pool_evaluator *pe, const struct tp_config *c)
{
	size_t i;

	for (i = 0; i < pe->nsizes; i++)
		if (pe->sizes[i].config.workers == c->workers)
			return &pe->sizes[i];
	return NULL;
}

static long long full_rounds(const struct tp_pool_evaluator *pe, const struct tp_config *c,
			     long long tasks)
{
	long long round = (long long)round_of(c);
	long long up = (tasks + round - 1) / round * round;

	return up <= pe->max_tasks ? up : tasks;
}

static long long clamp_tasks(const struct tp_pool_evaluator *pe, const struct tp_config *c,
			     double want)
{
	double floor_tasks = 2.0 * c->workers * c->batch;	/* >= 2 batches per worker */
	long long up;

	if (want < floor_tasks)
		want = floor_tasks;
	if (want < 8)
		want = 8;
	if (want > (double)pe->max_tasks)
		want = (double)pe->max_tasks;
	up = full_rounds(pe, c, (long long)ceil(want));
	/* A run longer than the job measures a steady state the job never
	 * reaches (and costs more than running it): its inputs, partial last
	 * round and all, as the job runs them, or one round when a round is
	 * wider.  Whole rounds of a job-sized run would pass it (200 inputs
	 * on 91 workers: 273). */
	if (pe->job_tasks > 0 && up > pe->job_tasks)
		return pe->job_tasks > (long long)round_of(c) ? pe->job_tasks : (long long)round_of(c);
	return up;
}

/* First run ever: double the tasks until a run lasts min_time (not recorded). */
static int calibrate(struct tp_pool_evaluator *pe, const struct tp_config *c)
{
	long long tasks = clamp_tasks(pe, c, 0);
	int i;

	for (i = 0; i < 12; i++) {
		struct tp_repeat rep;
		double grow;

		if (run_pool(pe, c, tasks, 0, &rep) < 0)
			return -1;
		free(rep.counters);
		if (rep.wall_s >= pe->min_time_s || tasks >= pe->max_tasks)
			break;
		grow = rep.wall_s > 0 ? 1.2 * pe->min_time_s / rep.wall_s : 10;
		grow = clamp_tasks(pe, c, (double)tasks * (grow < 2 ? 2 : grow > 10 ? 10 : grow));
		if ((long long)grow <= tasks)
			break;	/* the whole job is shorter than min_time */
		tasks = (long long)grow;
	}
	pe->calibrated = tasks;
	return 0;
}

/* A run that would do EVAL_JOB_SHARE of the job or more does the whole job
 * when that is estimated to take EVAL_JOB_RUN_S or less: what the job's
 * start, ramp and tail cost is then measured, not projected (tp_job_rate),
 * for at most 1 / share times the run's cost (400 x sleep 0.03 on 64 and
 * 128 workers, whose two rounds are 128 and 256 tasks; the dispatcher's
 * bursts make a projection from two rounds of 91 or 108 workers 10-13%
 * high).  The job's time is estimated optimistically, from the nearest
 * width's rate scaled up for a wider width and not down for a narrower one:
 * a wait-bound sweep doubles the rate per step, and a plateau keeps it (91
 * between 64 and 128); elsewhere, where steps are x2 at most, a whole-job
 * run takes twice EVAL_JOB_RUN_S at most. */
#define EVAL_JOB_SHARE 0.25
#define EVAL_JOB_RUN_S 0.3

/* Tasks for a config never run: from the measured config nearest in workers
 * (same method first), scaled down when c has fewer workers, so a slow config
 * never gets a fast config's task count; the whole job when that is near. */
static long long estimate(struct tp_pool_evaluator *pe, const struct tp_config *c)
{
	const struct tp_pool_eval_entry *near = NULL;
	double best = INFINITY, rate, job_scale = 1;
	long long tasks;
	size_t i;

	for (i = 0; i < pe->nsizes; i++) {
		const struct tp_pool_eval_entry *e = &pe->sizes[i];
		double d = fabs(log((double)e->config.workers / c->workers)) +
			   (strcmp(e->config.strategy, c->strategy) ? 0.5 : 0) +
			   fabs(log((double)e->config.batch / c->batch)) * 0.1;

		if (e->rate > 0 && d < best) {
			best = d;
			near = e;
		}
	}
	if (!near)
		return clamp_tasks(pe, c, (double)pe->calibrated);
	rate = near->rate;
	if (c->workers < near->config.workers)
		rate *= (double)c->workers / near->config.workers;
	else
		job_scale = (double)c->workers / near->config.workers;
	tasks = clamp_tasks(pe, c, pe->min_time_s * rate);
	if (pe->job_tasks > 0 && (double)tasks >= EVAL_JOB_SHARE * (double)pe->job_tasks &&
	    (double)pe->job_tasks <= EVAL_JOB_RUN_S * near->rate * job_scale)
		return clamp_tasks(pe, c, (double)pe->job_tasks);
	return tasks;
}

static int pool_eval(void *ctx, const struct tp_config *c, struct tp_repeat *out)
{
	struct tp_pool_evaluator *pe = ctx;
	struct tp_pool_eval_entry *e;
	long long tasks;
	int rc;

	if (!pe->calibrated && calibrate(pe, c))
		return -1;
	e = entry(pe, c);
	if (!e) {
		tasks = estimate(pe, c);
		pe->sizes = tp_xrealloc(pe->sizes, (pe->nsizes + 1) * sizeof(*pe->sizes));
		e = &pe->sizes[pe->nsizes++];
		memset(e, 0, sizeof(*e));
		e->config = *c;
		e->tasks = tasks;
	}
	tasks = e->tasks > clamp_tasks(pe, c, 0) ? e->tasks : clamp_tasks(pe, c, 0);
	if (pe->ev.min_tasks > tasks)
		tasks = pe->ev.min_tasks;
	rc = run_pool(pe, c, clamp_tasks(pe, c, (double)tasks), pe->ev.stop_below_rate, out);
	if (rc == 0 && e->rate == 0)
		e->rate = out->throughput;
	return rc;
}

void tp_pool_evaluator_init(struct tp_pool_evaluator *pe, const struct tp_pool_opts *base,
			    char *const *inputs, size_t n, double min_time_s)
{
	size_t i;

	memset(pe, 0, sizeof(*pe));
	pe->base = *base;
	pe->base.quiet_warnings = 1;
	if (n) {
		pe->inputs = tp_xmalloc(n * sizeof(*pe->inputs));
		for (i = 0; i < n; i++)
			pe->inputs[i] = tp_xstrdup(inputs[i]);
		pe->ninputs = n;
	}
	pe->min_time_s = min_time_s > 0 ? min_time_s : 0.1;
	pe->max_tasks = 1000000;
	pe->ev.ctx = pe;
	pe->ev.eval = pool_eval;
}

void tp_pool_evaluator_release(struct tp_pool_evaluator *pe)
{
	size_t i;

	for (i = 0; i < pe->ninputs; i++)
		free(pe->inputs[i]);
	free(pe->inputs);
	free(pe->sizes);
	memset(pe, 0, sizeof(*pe));
}

void tp_pool_evaluator_stop(struct tp_pool_evaluator *pe)
{
	struct tp_pool *p = pe->pool;

	pe->interrupted = 1;
	if (p)
		tp_pool_stop(p);
}
