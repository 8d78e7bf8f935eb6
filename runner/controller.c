/* The controller registry, the hard guards around every proposal, and the decision log. */
#include "runner/controller.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/registry.h"
#include "runner/ctl_list.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DECLARE(n) extern const struct tp_controller_desc tp_controller_##n;
TP_CONTROLLERS(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_controller_##n,
static const struct tp_controller_desc *const table[] = { TP_CONTROLLERS(ENTRY) };
#undef ENTRY
#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct tp_controller_desc *const *tp_controller_table(size_t *n)
{
	*n = NTABLE;
	return table;
}

int tp_controller_new(struct tp_controller **out, const char *name, const struct tp_ctl_opts *opts)
{
	const struct tp_controller_desc *d =
		tp_registry_lookup((const void *const *)table, NTABLE, name, "controller");
	struct tp_controller *c;

	*out = NULL;
	if (!d)
		return -1;
	if (d->unsupported_reason)
		return tp_usage_error("controller '%s' is unavailable: %s", name, d->unsupported_reason);
	if (opts->min_workers < 1 || opts->max_workers < opts->min_workers)
		return tp_usage_error("controller bounds min_workers=%d max_workers=%d are not 1 <= min <= max",
				      opts->min_workers, opts->max_workers);
	c = tp_xcalloc(1, sizeof(*c));
	c->desc = d;
	c->opts = *opts;
	if (c->opts.mem_psi_threshold <= 0)
		c->opts.mem_psi_threshold = 10.0;
	if (c->opts.cpu_saturated <= 0)
		c->opts.cpu_saturated = 0.9;
	if (c->opts.step_per_s <= 0)
		c->opts.step_per_s = 8.0;
	c->state = d->state_size ? tp_xcalloc(1, d->state_size) : NULL;
	c->workers = tp_controller_clamp(c, opts->initial > 0 ? opts->initial : opts->min_workers);
	c->cpu_bound = -1;	/* not judged */
	*out = c;
	return 0;
}

void tp_controller_free(struct tp_controller *c)
{
	if (!c)
		return;
	free(c->state);
	free(c);
}

int tp_controller_clamp(const struct tp_controller *c, int x)
{
	if (x < c->opts.min_workers)
		return c->opts.min_workers;
	if (x > c->opts.max_workers)
		return c->opts.max_workers;
	return x;
}

int tp_controller_max_step(const struct tp_controller *c, int w, double dt_s)
{
	double step = c->opts.step_per_s * (w > 1 ? w : 1) * (dt_s > 0 ? dt_s : 0.25);

	return step < 1 ? 1 : (int)step;
}

double tp_controller_budget_s(const struct tp_controller *c, const struct tp_ctl_sample *s)
{
	double t = s->t_s - c->changed_t;

	if (t < s->dt_s)
		t = s->dt_s;
	return t > 1.0 ? 1.0 : t;
}

/* Runnable tasks per busy worker for an overload: most of them want a CPU. */
#define CTL_OVERLOAD_PER_WORKER 0.75

void tp_controller_demand(const struct tp_controller *c, const struct tp_ctl_sample *s,
			  struct tp_demand *out)
{
	double u = c->opts.cpus_usable, per;
	int backlog = s->queued > 0 || (s->busy > 0 && s->busy >= s->workers);

	out->kind = TP_DEMAND_UNKNOWN;
	out->per_worker = 0;
	out->workers = 0;
	if (u <= 0 || s->cpu_own < 0 || s->cpu_demand < 0 || s->busy <= 0)
		return;
	out->kind = TP_DEMAND_BALANCED;
	per = s->cpu_demand / s->busy;
	/* Queueing for CPUs that are not busy is someone's start-up, not ours:
	 * overloaded needs them saturated too, and tasks that each keep a CPU
	 * busy (or spin): tasks that also wait queue for the CPUs in bursts,
	 * and cutting the width to their mean demand leaves the CPUs idle
	 * between the bursts (sleep 30 ms + gzip: 16 workers -> 5 halved the
	 * rate). */
	if (s->cpu_demand - s->cpu_own >= (u / 2 > 1 ? u / 2 : 1) && s->busy > u &&
	    s->cpu_own >= c->opts.cpu_saturated * u && per >= CTL_OVERLOAD_PER_WORKER) {
		out->kind = TP_DEMAND_OVERLOADED;
		out->per_worker = per > 1 ? 1 : per;
	} else if (s->cpu_demand < 0.5 * u && backlog) {
		out->kind = TP_DEMAND_WAIT_BOUND;
		out->per_worker = per;
	} else {
		return;
	}
	out->workers = out->per_worker * c->opts.max_workers <= u
			       ? c->opts.max_workers
			       : tp_controller_clamp(c, (int)ceil(u / out->per_worker - 1e-9));
}

/* A wait-bound jump is due when the tasks want far fewer CPUs than there are
 * and the tasks changed, not the width: the width did not change over the
 * interval, or each worker's demand fell fourfold (a width alone does not
 * do that); and the last jump, if any, was confirmed.  A sample at an
 * unchanged width that is not wait-bound (a new phase) forgets the last jump.
 * The sample in which the dispatcher cut the width mixes two phases: it
 * waits for the next. */
static int waitbound_jump(struct tp_controller *c, const struct tp_ctl_sample *s,
			  const struct tp_demand *dm)
{
	int steady = c->changed_t < s->t_s - s->dt_s || c->steps == 1;
	double per = c->last_per;

	if (s->completions <= 0 || dm->kind == TP_DEMAND_UNKNOWN)
		return 0;
	c->last_per = s->cpu_demand / s->busy;
	if (s->phase_change)
		return 0;	/* the sample mixes the old tasks with the new */
	if (dm->kind == TP_DEMAND_WAIT_BOUND && per > 0 && 4 * c->last_per <= per)
		steady = 1;
	if (!steady)
		return 0;
	if (dm->kind != TP_DEMAND_WAIT_BOUND) {
		c->jump_to = 0;
		return 0;
	}
	return (!c->jump_to || c->jump_verdict > 0) && dm->workers >= 2 * s->workers;
}

/* Judges a pending jump on the first sample at its width with enough tasks
 * (at most the third): it must raise throughput by a fifth, or the width
 * goes back where it came from.  1 when it sends the width back. */
static int judge_jump(struct tp_controller *c, const struct tp_ctl_sample *s, struct tp_decision *d)
{
	if (!c->jump_to || c->jump_verdict)
		return 0;
	if (s->workers != c->jump_to) {
		/* A guard or the controller moved on: fewer workers refute it. */
		c->jump_verdict = s->workers < c->jump_to ? -1 : 1;
		return 0;
	}
	if (s->completions < 10 && ++c->jump_n < 3)
		return 0;
	if (s->throughput >= 1.2 * c->jump_tput) {
		c->jump_verdict = 1;
		return 0;
	}
	c->jump_verdict = -1;
	c->worse_at = c->jump_to;
	d->workers = c->jump_from;
	snprintf(d->reason, sizeof(d->reason),
		 "demand: the jump %d -> %d gained no throughput (%.1f -> %.1f/s): back to %d",
		 c->jump_from, c->jump_to, c->jump_tput, s->throughput, c->jump_from);
	return 1;
}

/* Judges a pending overload cut on the second sample at its width with tasks
 * (the first still holds the wider width's tasks), at most the fourth: the
 * queue it removed must not have been what kept the CPUs busy (tasks that
 * wait and compute by turns).  Losing a tenth of the throughput sends the
 * width back.  1 when it does. */
#define CTL_CUT_KEEP 0.9

static int judge_cut(struct tp_controller *c, const struct tp_ctl_sample *s, struct tp_decision *d)
{
	if (!c->cut_to || c->cut_verdict)
		return 0;
	if (s->workers != c->cut_to) {
		c->cut_verdict = 1;	/* moved on: nothing to judge */
		return 0;
	}
	if (++c->cut_n < 2 || (s->completions < 5 && c->cut_n < 4))
		return 0;
	if (s->throughput >= CTL_CUT_KEEP * c->cut_tput) {
		c->cut_verdict = 1;
		return 0;
	}
	c->cut_verdict = -1;
	d->workers = c->cut_from;
	snprintf(d->reason, sizeof(d->reason),
		 "guard: the overload cut %d -> %d lost throughput (%.1f -> %.1f/s): back to %d",
		 c->cut_from, c->cut_to, c->cut_tput, s->throughput, c->cut_from);
	return 1;
}

/* Remembers the throughput around the last growth for the saturation guard. */
static void track_growth(struct tp_controller *c, const struct tp_ctl_sample *s)
{
	if (s->completions <= 0)
		return;
	if (s->workers != c->grew_to)
		return;
	/* Skip the first interval after the change: it mixes both widths. */
	if (c->after_n++ == 0)
		return;
	c->tput_after = c->after_n == 2 ? s->throughput
					: 0.7 * c->tput_after + 0.3 * s->throughput;
}

static void log_decision(const struct tp_controller *c, const struct tp_ctl_sample *s, int from,
			 const struct tp_decision *d)
{
	json_t *o;
	char *line;

	if (!c->opts.log)
		return;
	o = json_pack("{s:f, s:s, s:i, s:i, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:I}",
		      "t", s->t_s, "controller", c->desc->name, "from", from, "to", d->workers,
		      "reason", d->reason, "throughput", s->throughput, "latency", s->latency_s,
		      "cpu_busy", s->cpu_busy, "cpu_own", s->cpu_own, "cpu_demand", s->cpu_demand,
		      "psi_memory", s->psi_mem,
		      "queued", (json_int_t)s->queued);
	line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (line) {
		fputs(line, c->opts.log);
		fputc('\n', c->opts.log);
		fflush(c->opts.log);
	}
	free(line);
	json_decref(o);
}

/* A memory pressure (PSI) or usable memory below one worker's footprint:
 * shrink by a quarter.  1 when it binds. */
static int memory_guard(struct tp_controller *c, const struct tp_ctl_sample *s, int cur, int *want,
			struct tp_decision *d)
{
	long long mpw = c->opts.mem_per_worker_kb > 0 ? c->opts.mem_per_worker_kb
						       : s->mem_per_worker_kb;
	int shrink = cur / 4 > 1 ? cur / 4 : 1;

	if (!(s->psi_mem >= c->opts.mem_psi_threshold ||
	      (s->mem_usable_kb >= 0 && mpw > 0 && s->mem_usable_kb < mpw)))
		return 0;
	if (*want > cur - shrink)
		*want = cur - shrink;
	if (s->psi_mem >= c->opts.mem_psi_threshold)
		snprintf(d->reason, sizeof(d->reason),
			 "guard: memory pressure (psi memory some avg10 %.1f%% >= %.1f%%): shrink",
			 s->psi_mem, c->opts.mem_psi_threshold);
	else
		snprintf(d->reason, sizeof(d->reason),
			 "guard: usable memory %lld KiB < one more worker's %lld KiB: shrink",
			 s->mem_usable_kb, mpw);
	return 1;
}

/* Workers queue for saturated CPUs: more of them only add switching (and
 * spinning waiters starve the holder).  Cut to the demand's width at once.
 * 1 when it binds. */
static int overload_guard(struct tp_controller *c, const struct tp_ctl_sample *s,
			  const struct tp_demand *dm, int cur, int *want, struct tp_decision *d)
{
	int to = dm->workers;

	c->overloaded_n = dm->kind == TP_DEMAND_OVERLOADED ? c->overloaded_n + 1 : 0;
	/* The runnable count per worker counts the queue: tasks that also
	 * wait (sleep 30 ms + gzip: 0.79 of a CPU each at 40 workers, so 3)
	 * need more workers than that to keep the CPUs busy.  Each task's
	 * own CPU share (its CPU over its run time, queueing included, so an
	 * upper bound on the width needed) says how many. */
	if (c->task_cpu > 0 && c->opts.cpus_usable > 0) {
		double need = ceil(c->opts.cpus_usable / c->task_cpu - 1e-9);

		if (need > to)
			to = tp_controller_clamp(c, (int)fmin(need, c->opts.max_workers));
	}
	if (dm->kind != TP_DEMAND_OVERLOADED || !(2 * cur > 3 * to) || *want <= to)
		return 0;
	/* One sample's runnable count is an instant: tasks started together
	 * compute together at first.  Two in a row are an overload. */
	if (c->overloaded_n < 2)
		return 0;
	if (c->cut_verdict < 0 && cur >= c->cut_to && cur <= c->cut_from)
		return 0;	/* a cut from here was measured to lose */
	*want = to;
	c->jump_to = 0;
	c->cut_from = cur;
	c->cut_to = to;
	c->cut_tput = s->throughput;
	c->cut_n = 0;
	c->cut_verdict = 0;
	snprintf(d->reason, sizeof(d->reason),
		 "guard: cpu overloaded (%d busy workers want %.1f CPUs, run on %.1f of %.3g; a task uses %.2f): shrink to %d",
		 s->busy, s->cpu_demand, s->cpu_own, c->opts.cpus_usable, c->task_cpu, to);
	return 1;
}

/* A new phase waits on something other than the CPUs: jump towards the
 * width that would keep them busy, fourfold at most; judge_jump judges it
 * from the next samples.  1 when it jumps. */
static int demand_jump(struct tp_controller *c, const struct tp_ctl_sample *s,
		       const struct tp_demand *dm, int cur, int *want, struct tp_decision *d)
{
	int to;

	if (!waitbound_jump(c, s, dm) || *want >= 4 * cur)
		return 0;
	to = dm->workers < 4 * cur ? dm->workers : 4 * cur;
	/* Not to or past a width measured worse: what waits is a lock, a
	 * database or a disk that more workers only queue on. */
	if (c->worse_at > cur && to >= c->worse_at)
		to = c->worse_at - 1;
	if (to < 2 * cur)
		return 0;
	*want = to;
	c->jump_from = cur;
	c->jump_to = *want;
	c->jump_tput = s->throughput;
	c->jump_n = 0;
	c->jump_verdict = 0;
	snprintf(d->reason, sizeof(d->reason),
		 "demand: a wait-bound phase (%d busy workers want %.2f of %.3g CPUs, latency %.3gs, queue %lld): jump to %d",
		 s->busy, s->cpu_demand, c->opts.cpus_usable, s->latency_s, s->queued, *want);
	return 1;
}

/* Growth blocked on saturated (or throttled) CPUs once the last growth was
 * measured to gain nothing. */
#define CTL_SATURATION_GAIN 1.05	/* the last growth must have gained 5% */
#define CTL_THROTTLED 0.2		/* of the interval throttled by the cgroup */

static void saturation_guard(struct tp_controller *c, const struct tp_ctl_sample *s, int cur,
			     int *want, struct tp_decision *d)
{
	if (!(*want > cur && c->grew_to == cur && c->grew_from < cur && c->after_n >= 2 &&
	      (s->cpu_busy >= c->opts.cpu_saturated || s->cpu_throttled >= CTL_THROTTLED) &&
	      c->tput_after < c->tput_before * CTL_SATURATION_GAIN))
		return;
	*want = cur;
	snprintf(d->reason, sizeof(d->reason),
		 "guard: cpu saturated (busy %.0f%%, throttled %.0f%%) and growth %d->%d gained no throughput (%.1f->%.1f/s): hold",
		 100 * s->cpu_busy, s->cpu_throttled > 0 ? 100 * s->cpu_throttled : 0.0,
		 c->grew_from, c->grew_to, c->tput_before, c->tput_after);
}

/* The start phase: TCP's slow start for a pool.  While inputs wait, every
 * worker is busy and the tasks leave CPUs idle, the width doubles (quadruples
 * on nearly idle CPUs) once a width's worth of tasks has finished at it
 * (samples come per round of completions, tp_controller_starting), as long
 * as each step pays. */
#define CTL_START_CPU_IDLE 0.8	/* busy below 80% of the usable CPUs: room to double into (the gain test says whether it paid) */
#define CTL_START_GAIN 1.2	/* a doubling that pays raises throughput by a fifth */
#define CTL_START_KEEP 1.05	/* below this gain the doubling goes back */
#define CTL_START_MIN_TASKS 4	/* completions that measure a width, at least (after the first step) */
#define CTL_START_MIN_S 0.02	/* and the seconds, at least: a round of 3 ms tasks is scheduler noise */
#define CTL_START_FAST_IDLE 0.25	/* below this share of the CPUs the width quadruples */
#define CTL_START_FIRST_MAX 16	/* the first step multiplies the width by at most this */
#define CTL_START_FIRST_SHARE 0.75	/* ... while the projected share of the CPUs stays at most this */
/* For tasks of CTL_START_LONG_S or more: twice the CPUs.  The first round's
 * share includes the first tasks' exec and loading (2 x sh -c 'sleep 0.03'
 * read 5-6% of 2 CPUs where their 1.2 ms of CPU a task makes 3.6%): at 1.5
 * they stopped at 32, a 50 ms round short of 64 in a 0.27 s job. */
#define CTL_START_BOLD_SHARE 2.0
#define CTL_START_LONG_S 0.02	/* tasks this long: twice both (each step costs a task's duration) */

int tp_controller_starting(const struct tp_controller *c)
{
	return !c->start_done && !c->desc->holds;
}

static int start_end(struct tp_controller *c, const char *why, int back_to, struct tp_decision *d)
{
	c->start_done = 1;
	if (!back_to)
		return 0;	/* the controller decides from this sample */
	c->worse_at = c->workers;
	d->workers = back_to;
	d->back = 1;
	snprintf(d->reason, sizeof(d->reason), "start: %s: back to %d, the controller takes over",
		 why, back_to);
	return 1;
}

/* The width to double to from cur: within max_workers and the memory. */
static int start_next(const struct tp_controller *c, const struct tp_ctl_sample *s, int cur,
		      double used)
{
	long long mpw = c->opts.mem_per_worker_kb > 0 ? c->opts.mem_per_worker_kb
						       : s->mem_per_worker_kb;
	long long next = (used < CTL_START_FAST_IDLE ? 4LL : 2LL) * cur, f = 4;
	/* Each step costs a round of tasks at the narrower width: for tasks
	 * of CTL_START_LONG_S or more that round is a tenth of a 400-task
	 * job, so the first step may go to where the CPUs saturate, and the
	 * gain test catches an overshoot.  Shorter tasks step for little. */
	int bold = c->lat >= CTL_START_LONG_S;
	long long fmax = bold ? 2 * CTL_START_FIRST_MAX : CTL_START_FIRST_MAX;
	double share = bold ? CTL_START_BOLD_SHARE : CTL_START_FIRST_SHARE;

	/* The first step from nearly idle CPUs: the largest power of two up to
	 * fmax that keeps the tasks' projected share of the CPUs (width x
	 * share per worker, Little's law) at most share, so a pool of
	 * sleepers reaches its range in one or two steps, not three. */
	if (!c->start_from && used > 0 && used < CTL_START_FAST_IDLE) {
		while (f < fmax && 2 * f * used <= share)
			f *= 2;
		if (f * cur > next)
			next = f * cur;
	}

	if (next > c->opts.max_workers)
		next = c->opts.max_workers;
	if (mpw > 0 && s->mem_usable_kb >= 0 && next > cur + s->mem_usable_kb / mpw)
		next = cur + s->mem_usable_kb / mpw;
	return (int)next;
}

/* The completions that measure width cur: a round of it, and at least
 * CTL_START_MIN_TASKS once a gain is judged.  The first width has no gain
 * to judge (its rate is only the baseline), so its first round decides:
 * a stage whose consumer waits for it must not idle through a second. */
static int start_tasks(const struct tp_controller *c, int cur)
{
	return c->start_from && cur < CTL_START_MIN_TASKS ? CTL_START_MIN_TASKS : cur;
}

/* 1 when it decided d (the step bound does not apply), 0 to let the
 * controller decide. */
static int start_step(struct tp_controller *c, const struct tp_ctl_sample *s, struct tp_decision *d)
{
	int cur = s->workers, waiting = s->queued > 0 || !s->eof;
	/* Every worker busy, or inputs queued for the free ones.  The sample
	 * comes as a round of completions lands, when the workers that ran them
	 * may be between tasks: they count as busy. */
	long long ended = s->completions < s->workers ? s->completions : s->workers;
	int full = s->busy + ended + 1 + s->workers / 8 >= s->workers || s->queued > 0, next;
	double rate, used;

	if (!tp_controller_starting(c))
		return 0;
	if (s->latency_s > 0)
		c->lat = c->lat > 0 ? 0.5 * c->lat + 0.5 * s->latency_s : s->latency_s;
	if (s->phase_change || s->cpu_busy < 0)
		return start_end(c, "", 0, d);	/* nothing to judge "idle CPUs" by */
	/* The tasks' own CPUs when the monitor sees them, else the machine's. */
	used = s->cpu_own >= 0 && c->opts.cpus_usable > 0 ? s->cpu_own / c->opts.cpus_usable
							   : s->cpu_busy;
	/* Tasks started before the last change end until one duration after
	 * it, and the new workers are still starting: judged after that. */
	if (c->start_from && waiting && s->t_s - c->changed_t < c->lat) {
		snprintf(d->reason, sizeof(d->reason), "start: settle at %d", cur);
		return 1;
	}
	/* Busy CPUs end it at the first width; past a step that paid, the gain
	 * test judges (wait-bound tasks that spawn fast keep the CPUs busy and
	 * still gain from width). */
	if (used >= CTL_START_CPU_IDLE && !c->start_from)
		return start_end(c, "", 0, d);
	if (!waiting || !full)
		return start_end(c, "", 0, d);	/* the width keeps up with the inputs */
	c->start_n += s->completions;
	c->start_t += s->dt_s;
	if (c->start_n < start_tasks(c, cur) || c->start_t < CTL_START_MIN_S) {
		snprintf(d->reason, sizeof(d->reason), "start: measure %d", cur);
		return 1;
	}
	rate = c->start_n / c->start_t;
	if (c->start_from && rate < CTL_START_GAIN * c->start_tput) {
		char why[128];

		snprintf(why, sizeof(why), "%d -> %d gained too little (%.1f -> %.1f/s)", c->start_from,
			 cur, c->start_tput, rate);
		if (rate < CTL_START_KEEP * c->start_tput && !c->start_recheck) {
			/* One round can be a stall (an fsync that waits 100 ms for
			 * the disk: 4 x dd read 38/s where 2 did 645/s), and going
			 * back marks the width worse for the rest of the run: the
			 * loss is measured again, afresh, before it counts. */
			c->start_recheck = 1;
			c->start_n = 0;
			c->start_t = 0;
			snprintf(d->reason, sizeof(d->reason), "start: %s: measuring %d again", why,
				 cur);
			return 1;
		}
		if (rate < CTL_START_KEEP * c->start_tput) {
			c->start_bracketed = cur <= 2 * c->start_from;
			return start_end(c, why, c->start_from, d);
		}
		return start_end(c, why, 0, d);
	}
	next = start_next(c, s, cur, used);
	if (next <= cur) {
		c->start_bracketed = c->start_from > 0;
		return start_end(c, "", 0, d);
	}
	snprintf(d->reason, sizeof(d->reason),
		 "start: inputs wait and the tasks use %.0f%% of the CPUs: %d does %.1f/s%s, widen to %d",
		 100 * used, cur, rate, c->start_from ? " (it paid)" : "", next);
	c->start_from = cur;
	c->start_tput = rate;
	c->start_n = 0;
	c->start_t = 0;
	c->start_recheck = 0;
	d->workers = next;
	return 1;
}

/* The step bound: |change| <= max(1, step_per_s x width x time since the
 * last change); returns, or urgent decisions, go where they were sent. */
static int bound_step(const struct tp_controller *c, const struct tp_ctl_sample *s, int cur,
		      int want, int urgent, const struct tp_decision *d)
{
	int step = tp_controller_max_step(c, cur, tp_controller_budget_s(c, s));

	if ((d->back && want == d->workers) || urgent)
		step = abs(want - cur);
	if (want > cur + step)
		want = cur + step;
	if (want < cur - step)
		want = cur - step;
	return want;
}

#define CTL_CPU_BOUND 0.25	/* CPUs one running task uses: CPU-bound at or above */
#define CTL_CPU_FREE 0.1	/* and wait-bound again below */

int tp_controller_cpu_bound(struct tp_controller *c, const struct tp_ctl_sample *s,
			    const struct tp_demand *dm)
{
	double u = c->opts.cpus_usable, share = 1;

	if (dm && dm->kind == TP_DEMAND_OVERLOADED)
		return c->cpu_bound = 1;
	if (s->task_cpu <= 0)
		return c->cpu_bound;
	/* On saturated CPUs a runnable task gets u / runnable of one: a CPU-bound
	 * task then reads as a waiting one.  Freeing needs the tasks to stay
	 * below the threshold on the share they could have had. */
	if (u > 0 && s->cpu_busy >= c->opts.cpu_saturated && s->cpu_demand > u)
		share = u / s->cpu_demand;
	if (s->task_cpu >= CTL_CPU_BOUND)
		c->cpu_bound = 1;
	else if (s->task_cpu < CTL_CPU_FREE * share)
		c->cpu_bound = 0;
	return c->cpu_bound;
}

int tp_controller_cpu_cap(const struct tp_controller *c)
{
	double u = c->opts.cpus_usable;

	return (u >= 1 ? (int)floor(u + 1e-9) : 1) + 1;
}

/* A CPU-bound stage runs at the cap: fewer leaves a CPU idle while a task
 * starts or writes, more only queues for the CPUs (and multiplies memory). */
static int pin_at_cap(struct tp_controller *c, const struct tp_ctl_sample *s, int cap, int cur,
		      int *want, struct tp_decision *d)
{
	(void)c;
	if (*want == cap)
		return 0;
	*want = cap;
	snprintf(d->reason, sizeof(d->reason),
		 "guard: a CPU-bound stage (each task on %.2f CPUs while it runs): hold at usable CPUs + 1 = %d (from %d)",
		 s->task_cpu, cap, cur);
	return 1;
}

/* A CPU-bound stage of a pipeline stays near the CPUs: width beyond
 * usable + 1 only queues its tasks for them (and multiplies their memory).
 * 1 when it binds. */
static int cpu_cap_guard(struct tp_controller *c, const struct tp_ctl_sample *s,
			 const struct tp_demand *dm, int cur, int *want, struct tp_decision *d)
{
	int cap = tp_controller_cpu_cap(c), bound;

	if (!c->opts.cpu_bound_cap || c->desc->holds)
		return 0;
	bound = tp_controller_cpu_bound(c, s, dm);	/* every sample judges */
	if (bound > 0)
		return pin_at_cap(c, s, cap, cur, want, d);
	if (*want <= cap)
		return 0;
	if (bound < 0) {
		/* Not judged yet: no growth past the cap (nor a cut). */
		if (*want <= cur)
			return 0;
		*want = cap > cur ? cap : cur;
		snprintf(d->reason, sizeof(d->reason),
			 "guard: a stage whose tasks' CPU is not measured yet: no growth past usable CPUs + 1 = %d",
			 cap);
		return 1;
	}
	if (!bound)
		return 0;
	return pin_at_cap(c, s, cap, cur, want, d);
}

/* Clamps, remembers growth for the saturation guard, logs, applies. */
static int commit(struct tp_controller *c, const struct tp_ctl_sample *s, int cur, int want,
		  size_t len, struct tp_decision *d)
{
	if (want != tp_controller_clamp(c, want) && len + 24 < sizeof(d->reason))
		snprintf(d->reason + strlen(d->reason), sizeof(d->reason) - strlen(d->reason),
			 " (clamped to %d..%d)", c->opts.min_workers, c->opts.max_workers);
	want = tp_controller_clamp(c, want);
	if (want > cur) {
		c->grew_from = cur;
		c->grew_to = want;
		c->tput_before = s->throughput;
		c->after_n = 0;
	}
	d->workers = want;
	if (want != cur)
		c->changed_t = s->t_s;
	if (!d->reason[0])
		snprintf(d->reason, sizeof(d->reason), "hold");
	if (s->phase_change && strlen(d->reason) + 64 < sizeof(d->reason))
		strcat(d->reason, "; the inputs changed character: the dispatcher cut the width");
	log_decision(c, s, cur, d);
	c->workers = want;
	return want;
}

int tp_controller_step(struct tp_controller *c, const struct tp_ctl_sample *s, struct tp_decision *d)
{
	int cur = s->workers > 0 ? s->workers : c->workers;
	int want, urgent = 0, mem;
	struct tp_demand dm;
	size_t len;

	c->steps++;
	tp_controller_demand(c, s, &dm);
	if (s->task_cpu > 0)
		c->task_cpu = s->task_cpu;
	if (s->phase_change) {
		c->jump_to = c->cut_to = 0;	/* a new phase: the last jump or cut says nothing of it */
		c->task_cpu = 0;
	}
	track_growth(c, s);
	d->workers = cur;
	d->back = 0;
	d->reason[0] = '\0';
	if (start_step(c, s, d)) {
		urgent = 1;
	} else {
		c->desc->decide(c, s, d);
		if (!c->desc->holds && (judge_jump(c, s, d) || judge_cut(c, s, d)))
			urgent = 1;
	}
	want = d->workers;
	len = strlen(d->reason);
	if ((mem = memory_guard(c, s, cur, &want, d)) || c->desc->holds)
		;	/* a held width answers to the memory guards only */
	else if (overload_guard(c, s, &dm, cur, &want, d))
		urgent = 1;
	else if (!urgent && demand_jump(c, s, &dm, cur, &want, d))
		urgent = 1;
	else
		saturation_guard(c, s, cur, &want, d);
	if (!mem && cpu_cap_guard(c, s, &dm, cur, &want, d))
		urgent = 1;	/* memory pressure's cut stands */
	want = bound_step(c, s, cur, want, urgent, d);
	return commit(c, s, cur, want, len, d);
}
