/* Unit tests for runner/controller and its controllers, driven by synthetic
 * throughput curves (flat, peaked, phase change, noisy, 2-core saturation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/log.h"
#include "runner/controller.h"

#define DT 0.25
#define MAXW 64

/* A throughput curve: tasks/s at width w and time t. */
typedef double (*curve_fn)(int w, double t);

static double usl(int w, double lambda, double sigma, double kappa)
{
	return lambda * w / (1 + sigma * (w - 1) + kappa * w * (w - 1));
}

static double flat(int w, double t) { (void)w; (void)t; return 100; }
static double peaked(int w, double t) { (void)t; return usl(w, 50, 0.05, 0.01); }	/* N* ~ 9.7 */
static double phase(int w, double t)
{
	return t < 60 ? usl(w, 50, 0.05, 0.01) : usl(w, 80, 0.1, 0.1);	/* then N* = 3 */
}
static double linear(int w, double t) { (void)t; return 50.0 * w; }	/* sleep tasks */
static double lock5(int w, double t) { (void)t; return fmin(100.0 * w, 500); }	/* best: 5 */
/* CPU-bound on 2 cores, spinning waiters beyond: more collapses throughput. */
static double spin2(int w, double t)
{
	(void)t;
	return 100.0 * (w < 2 ? w : 2) / (1 + 0.3 * (w > 2 ? w - 2 : 0));
}
static double twocore(int w, double t)
{
	(void)t;
	return 100.0 * (w < 2 ? w : 2) / (1 + 0.02 * (w > 2 ? w - 2 : 0));
}

/* The three phases of bench/phases.sh: sleep tasks (linear), then spinning
 * waiters on a lock (best 1, collapsing as 1/w beyond), then a sleeping lock
 * held 2 ms of every 10 (best 5 and up). */
#define PHASE_S 20.0
static double three(int w, double t)
{
	if (t < PHASE_S)
		return 50.0 * w;
	if (t < 2 * PHASE_S)
		return 4000.0 / (1 + 0.5 * (w - 1));
	return fmin(100.0 * w, 500);
}

static double peak_of(curve_fn f, double t)
{
	double best = 0;
	int w;

	for (w = 1; w <= MAXW; w++)
		best = fmax(best, f(w, t));
	return best;
}

static unsigned long long rng = 88172645463325252ULL;

static double gauss(void)
{
	double u1, u2;

	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	u1 = ((rng >> 11) + 1.0) / 9007199254740993.0;
	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	u2 = ((rng >> 11) + 1.0) / 9007199254740993.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

struct sim {
	const char *ctl;
	curve_fn f;
	int initial, minw, maxw;
	double seconds, noise, from_s;	/* measure from from_s to the end */
	double cpu_busy;		/* fed as is; -1 unknown */
	curve_fn demand;		/* CPUs the tasks want at w (2 usable); NULL unknown */
	/* results over [from_s, seconds] */
	int mode, lo, hi, changes, final;
	double frac_at_mode, mean_tput, peak;
	int trace[1024];		/* width in force at each step */
	double done;			/* tasks completed over the whole run */
};

static void simulate(struct sim *m)
{
	struct tp_ctl_opts o = { .min_workers = m->minw, .max_workers = m->maxw,
				 .initial = m->initial, .cpus_usable = m->demand ? 2 : 0,
				 .log = getenv("TP_CTL_TRACE") ? stderr : NULL };
	struct tp_controller *c;
	struct tp_decision d;
	int hist[MAXW + 1] = { 0 };
	int w = m->initial, prev = -1, n = 0, i;
	double t, sum = 0;

	rng = 88172645463325252ULL;
	m->done = 0;
	assert_int_equal(tp_controller_new(&c, m->ctl, &o), 0);
	m->lo = MAXW + 1;
	m->hi = 0;
	m->changes = 0;
	for (t = DT; t <= m->seconds + 1e-9; t += DT) {
		double x = m->f(w, t) * (1 + m->noise * gauss());
		struct tp_ctl_sample s = {
			.t_s = t, .dt_s = DT, .workers = w, .busy = w, .queued = 1000,
			.completions = (long long)llround(fmax(x, 0) * DT),
			.cpu_busy = m->cpu_busy, .cpu_throttled = -1,
			.psi_cpu = -1, .psi_mem = -1, .psi_io = -1, .mem_usable_kb = -1,
		};

		s.throughput = s.completions / DT;
		s.latency_s = w / m->f(w, t);
		s.cpu_own = s.cpu_demand = -1;
		if (m->demand) {
			s.cpu_demand = m->demand(w, t);
			s.cpu_own = fmin(s.cpu_demand, 2);
		}
		if (llround(t / DT) < 1024)
			m->trace[llround(t / DT)] = w;
		m->done += m->f(w, t) * DT;
		if (t > m->from_s) {
			hist[w]++;
			n++;
			sum += m->f(w, t);
			if (w < m->lo)
				m->lo = w;
			if (w > m->hi)
				m->hi = w;
			if (prev >= 0 && w != prev)
				m->changes++;
			prev = w;
		}
		w = tp_controller_step(c, &s, &d);
		assert_true(w >= m->minw && w <= m->maxw);
		assert_true(d.reason[0] != '\0');
	}
	m->final = w;
	m->mode = 1;
	for (i = 1; i <= MAXW; i++)
		if (hist[i] > hist[m->mode])
			m->mode = i;
	m->frac_at_mode = (double)hist[m->mode] / n;
	m->mean_tput = sum / n;
	m->peak = peak_of(m->f, m->seconds);
	tp_controller_free(c);
}

/* Seconds after t0 until the width enters [lo, hi] and stays there for 80%
 * of the samples up to t1. */
static double settle_time(const struct sim *m, double t0, double t1, int lo, int hi)
{
	int k0 = (int)llround(t0 / DT) + 1, k1 = (int)llround(t1 / DT), k, j;

	for (k = k0; k <= k1; k++) {
		int in = 0;

		for (j = k; j <= k1; j++)
			in += m->trace[j] >= lo && m->trace[j] <= hi;
		if (m->trace[k] >= lo && m->trace[k] <= hi && in >= 0.8 * (k1 - k + 1))
			return (k - k0 + 1) * DT;
	}
	return INFINITY;
}

/* CPU demand for three(): sleep tasks want almost none, spinning waiters a
 * whole CPU each, the sleeping lock almost none. */
static double three_demand(int w, double t)
{
	return t >= PHASE_S && t < 2 * PHASE_S ? w : 0.002 * w;
}

/* Wait-bound tasks whose best is 4 workers (a disk that thrashes beyond):
 * the demand estimate says "more", the throughput says "no". */
static double disk4(int w, double t) { (void)t; return w <= 4 ? 100.0 * w : 400.0 / (1 + 0.1 * (w - 4)); }
/* Sleepers with one stalled sample (a twentieth of the rate) every 1.5 s,
 * so that some stall hits the hill at home. */
static double stalls(int w, double t) { return (fmod(t, 1.5) > 0.6 && fmod(t, 1.5) < 0.8 ? 2.5 : 50.0) * w; }

/* One stalled sample at home is not a phase change: the hill measures
 * again and stays (a search from the stalled sample found 2 better than
 * 8 and kept it). */
static void test_hill_stall(void **state)
{
	struct sim m = { .ctl = "hill", .f = stalls, .initial = 64, .minw = 1, .maxw = 64,
			 .seconds = 30, .noise = 0.02, .cpu_busy = -1 };
	int k;

	(void)state;
	simulate(&m);
	/* from 3 s on: first the hill's own probes of the bounds (64 -> 1 -> 64) */
	for (k = (int)(3 / DT); k < (int)(30 / DT); k++)
		if (m.trace[k] < 48)
			fail_msg("one stalled sample in 6: width %d at %.2f s", m.trace[k], k * DT);
}

/* Sleepers whose round at 0.5 s stalled (a twentieth of the rate). */
static double stall_once(int w, double t) { return (t > 0.4 && t < 0.6 ? 2.5 : 50.0) * w; }
static double tiny_demand(int w, double t) { (void)t; return 0.002 * w; }

static void test_demand_classify(void **state)
{
	struct tp_ctl_opts o = { .min_workers = 1, .max_workers = 64, .initial = 16, .cpus_usable = 2 };
	struct tp_ctl_sample spin = { .workers = 64, .busy = 64, .cpu_own = 2, .cpu_demand = 64 };
	struct tp_ctl_sample sleep = { .workers = 16, .busy = 16, .queued = 5, .cpu_own = 0.05,
				       .cpu_demand = 0.06 };
	struct tp_ctl_sample half = { .workers = 8, .busy = 8, .cpu_own = 2, .cpu_demand = 6 };
	struct tp_ctl_sample fed = { .workers = 2, .busy = 2, .cpu_own = 2, .cpu_demand = 2.2 };
	struct tp_ctl_sample idle = sleep;
	struct tp_controller *c;
	struct tp_demand d;

	(void)state;
	assert_int_equal(tp_controller_new(&c, "hill", &o), 0);
	tp_controller_demand(c, &spin, &d);
	assert_int_equal(d.kind, TP_DEMAND_OVERLOADED);
	assert_int_equal(d.workers, 2);			/* one CPU per spinning worker */
	tp_controller_demand(c, &half, &d);
	assert_int_equal(d.kind, TP_DEMAND_OVERLOADED);
	assert_int_equal(d.workers, 3);			/* 0.75 CPU each: ceil(2 / 0.75) */
	tp_controller_demand(c, &sleep, &d);
	assert_int_equal(d.kind, TP_DEMAND_WAIT_BOUND);
	assert_int_equal(d.workers, 64);		/* 2 / 0.00375 > max */
	tp_controller_demand(c, &fed, &d);
	assert_int_equal(d.kind, TP_DEMAND_BALANCED);
	idle.queued = 0;
	idle.busy = 10;				/* no backlog: idle workers */
	tp_controller_demand(c, &idle, &d);
	assert_int_equal(d.kind, TP_DEMAND_BALANCED);
	idle.cpu_demand = -1;
	tp_controller_demand(c, &idle, &d);
	assert_int_equal(d.kind, TP_DEMAND_UNKNOWN);
	tp_controller_free(c);
	o.cpus_usable = 0;
	assert_int_equal(tp_controller_new(&c, "hill", &o), 0);
	tp_controller_demand(c, &spin, &d);
	assert_int_equal(d.kind, TP_DEMAND_UNKNOWN);
	tp_controller_free(c);
}

/* With the demand estimate, a phase change is answered within a few steps:
 * wait-bound sleep tasks jump to the bound, spinning waiters are cut to the
 * CPUs at once, the sleeping lock jumps back up. */
static void test_demand_phases(void **state)
{
	const char *ctls[] = { "hill", "gradient" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct sim m = { .ctl = ctls[i], .f = three, .demand = three_demand, .initial = 16,
				 .minw = 1, .maxw = 64, .seconds = 3 * PHASE_S, .noise = 0.05,
				 .cpu_busy = -1 };
		int k0 = (int)llround(PHASE_S / DT), k;

		simulate(&m);
		print_message("%s with demand: widths %d %d | %d %d %d | %d %d %d\n", ctls[i],
			      m.trace[1], m.trace[2], m.trace[k0 + 1], m.trace[k0 + 2], m.trace[k0 + 3],
			      m.trace[2 * k0 + 1], m.trace[2 * k0 + 2], m.trace[2 * k0 + 3]);
		assert_int_equal(m.trace[2], 64);		/* 16 x 4 after one step */
		/* Overloaded: cut within two steps (a probe under way may first
		 * return to its home), and kept cut. */
		for (k = k0 + 3; k < 2 * k0; k++)
			assert_true(m.trace[k] <= 3);
		/* wait-bound again: jump (the hill measures a sudden fall twice) */
		assert_true(m.trace[2 * k0 + 3] >= 5);
		assert_true(m.trace[2 * k0 + 4] >= 5);
	}
}

/* An overload needs two samples in a row and tasks that each want a CPU;
 * a cut that loses throughput (tasks that wait and compute by turns: the
 * queue was what kept the CPUs busy) goes back, and is not made again. */
static void test_overload_cut_judged(void **state)
{
	struct tp_ctl_opts o = { .min_workers = 1, .max_workers = 64, .initial = 16, .cpus_usable = 2 };
	struct tp_ctl_sample s = { .dt_s = 0.25, .workers = 16, .busy = 16, .queued = 100,
				   .cpu_own = 2, .cpu_demand = 14, .cpu_busy = 1, .cpu_throttled = -1,
				   .psi_cpu = -1, .psi_mem = -1, .psi_io = -1, .mem_usable_kb = -1,
				   .latency_s = 0.06, .completions = 60, .throughput = 240 };
	struct tp_ctl_sample mixed = s;
	struct tp_controller *c;
	struct tp_decision d;
	struct tp_demand dm;
	int w, k;

	(void)state;
	assert_int_equal(tp_controller_new(&c, "hill", &o), 0);
	mixed.cpu_demand = 8;	/* half of the busy workers runnable: they also wait */
	tp_controller_demand(c, &mixed, &dm);
	assert_int_not_equal(dm.kind, TP_DEMAND_OVERLOADED);
	s.t_s = 0.25;
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 16);		/* one instant of 14 runnable: not yet */
	s.t_s = 0.5;
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 3);			/* two in a row: ceil(2 / 0.875) */
	assert_non_null(strstr(d.reason, "overloaded"));
	s.workers = s.busy = 3;
	s.cpu_demand = 2.5;
	s.t_s = 0.75;
	s.throughput = 200;			/* the wider width's tasks still ending */
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 3);
	s.t_s = 1.0;
	s.throughput = 70;
	s.completions = 17;
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 16);		/* 240 -> 70/s: back */
	assert_non_null(strstr(d.reason, "lost throughput"));
	s.workers = s.busy = 16;
	s.cpu_demand = 14;
	s.throughput = 240;
	s.completions = 60;
	for (k = 0; k < 4; k++) {
		s.t_s += 0.25;
		w = tp_controller_step(c, &s, &d);
		s.workers = s.busy = w;
		assert_true(w >= 16);		/* refuted: no cut from there again */
	}
	tp_controller_free(c);

	/* The same overload from tasks that sleep 30 ms and then compute
	 * (each on 0.13 of a CPU over its run, queueing included): 16 keep
	 * the 2 CPUs busy, the queue's 0.875 per worker would say 3.  40
	 * workers are cut to 16. */
	assert_int_equal(tp_controller_new(&c, "hill", &o), 0);
	s.workers = s.busy = 40;
	s.cpu_demand = 35;
	s.task_cpu = 0.13;
	s.t_s = 0.25;
	assert_int_equal(tp_controller_step(c, &s, &d), 40);
	s.task_cpu = -1;			/* measured once, remembered */
	s.t_s = 0.5;
	assert_int_equal(tp_controller_step(c, &s, &d), 16);
	assert_non_null(strstr(d.reason, "a task uses 0.13"));
	tp_controller_free(c);
}

/* A jump the throughput refutes is not repeated: the controller settles
 * near the best of 4 and moves no more than it does without the estimate
 * (its own probes), rather than jumping up and falling back again. */
static void test_demand_jump_refuted(void **state)
{
	const char *ctls[] = { "hill", "gradient" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct sim m = { .ctl = ctls[i], .f = disk4, .demand = tiny_demand, .initial = 4,
				 .minw = 1, .maxw = 64, .seconds = 60, .noise = 0.03, .from_s = 30,
				 .cpu_busy = -1 };
		struct sim blind = m;

		blind.demand = NULL;
		simulate(&m);
		simulate(&blind);
		print_message("%s disk4: with demand %d..%d, %d changes, %.0f/s; without %d..%d, %d changes; best %.0f/s\n",
			      ctls[i], m.lo, m.hi, m.changes, m.mean_tput, blind.lo, blind.hi,
			      blind.changes, m.peak);
		assert_true(m.hi <= 8);
		assert_true(m.mean_tput >= 0.9 * m.peak);
		assert_true(m.changes <= blind.changes + 2);
	}
}

/* A wait-bound curve from 2 workers: doubling steps reach the bound of 64
 * within seconds, not a minute of +1 steps. */
static void test_fast_climb(void **state)
{
	const char *ctls[] = { "hill", "gradient" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct sim m = { .ctl = ctls[i], .f = linear, .initial = 2, .minw = 1, .maxw = 64,
				 .seconds = 20, .noise = 0.05, .cpu_busy = -1 };
		double t;

		simulate(&m);
		t = settle_time(&m, 0, 20, 48, 64);
		print_message("%s climb 2 -> 48..64: %.2fs\n", ctls[i], t);
		assert_true(t <= 3.0);
	}
}

/* The phases of bench/phases.sh, 20 s each: after each change of phase the
 * width is back in the good range within a few seconds and the run does at
 * least 85% of the tasks that the best width of each phase would. */
static void test_phase_reconvergence(void **state)
{
	const char *ctls[] = { "hill", "gradient" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct sim m = { .ctl = ctls[i], .f = three, .initial = 16, .minw = 1, .maxw = 64,
				 .seconds = 3 * PHASE_S, .noise = 0.05, .cpu_busy = -1 };
		double t1, t2, t3, oracle = PHASE_S * (50.0 * 64 + 4000 + 500);

		simulate(&m);
		t1 = settle_time(&m, 0, PHASE_S, 48, 64);
		t2 = settle_time(&m, PHASE_S, 2 * PHASE_S, 1, 2);
		t3 = settle_time(&m, 2 * PHASE_S, 3 * PHASE_S, 5, 64);
		print_message("%s phases: to 48..64 %.2fs, to 1..2 %.2fs, to 5+ %.2fs; %.0f%% of the oracle's tasks\n",
			      ctls[i], t1, t2, t3, 100 * m.done / oracle);
		assert_true(t1 <= 3.0);
		assert_true(t2 <= 4.0);
		assert_true(t3 <= 4.0);
		assert_true(m.done >= 0.85 * oracle);
	}
}

static void test_registry(void **state)
{
	size_t n;
	const struct tp_controller_desc *const *t = tp_controller_table(&n);
	struct tp_ctl_opts o = { .min_workers = 1, .max_workers = 4, .initial = 2 };
	struct tp_controller *c;

	(void)state;
	assert_true(n > 0);
	assert_string_equal(t[0]->name, "hill");	/* the default comes first */
	assert_int_equal(tp_controller_new(&c, "hil", &o), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	assert_null(c);
	o.min_workers = 5;
	assert_int_equal(tp_controller_new(&c, "hill", &o), -1);
	o.min_workers = 1;
	o.initial = 9;
	assert_int_equal(tp_controller_new(&c, "static", &o), 0);
	assert_int_equal(c->workers, 4);	/* initial clamped */
	tp_controller_free(c);
}

static void test_static_holds(void **state)
{
	struct sim m = { .ctl = "static", .f = peaked, .initial = 3, .minw = 1, .maxw = 64,
			 .seconds = 30, .noise = 0.1, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	assert_int_equal(m.lo, 3);
	assert_int_equal(m.hi, 3);
}

/* Static holds even where the demand estimate would jump (wait-bound tasks
 * on idle CPUs) and the start phase would double: 3 throughout. */
static void test_static_holds_against_demand(void **state)
{
	struct sim m = { .ctl = "static", .f = linear, .demand = tiny_demand, .initial = 3,
			 .minw = 1, .maxw = 64, .seconds = 20, .noise = 0.05, .cpu_busy = 0.05 };
	int k;

	(void)state;
	simulate(&m);
	for (k = 1; k < 80; k++)
		if (m.trace[k] != 3)
			fail_msg("static moved to %d at step %d", m.trace[k], k);
}

/* The start phase: inputs wait, the CPUs idle, each doubling pays: the
 * width reaches the useful range within about a second; a doubling that
 * does not pay goes back, and the controller takes over from there. */
static void test_start_phase(void **state)
{
	const char *ctls[] = { "hill", "gradient" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct sim m = { .ctl = ctls[i], .f = linear, .initial = 2, .minw = 1, .maxw = 64,
				 .seconds = 10, .noise = 0.05, .cpu_busy = 0.1 };
		struct sim d4 = { .ctl = ctls[i], .f = disk4, .initial = 1, .minw = 1, .maxw = 64,
				  .seconds = 10, .noise = 0.02, .cpu_busy = 0.1 };
		double t;

		simulate(&m);
		t = settle_time(&m, 0, 10, 48, 64);
		print_message("%s start 2 -> 48..64: %.2fs\n", ctls[i], t);
		if (t > 1.5)
			fail_msg("%s: 2 -> 48..64 took %.2fs with the start phase", ctls[i], t);
		simulate(&d4);
		print_message("%s disk4 start: %d %d %d %d %d\n", ctls[i], d4.trace[1], d4.trace[2],
			      d4.trace[3], d4.trace[4], d4.trace[5]);
		/* CPUs under a quarter busy: 1 -> 4 pays; 16 does not (133 < 1.2 x
		 * 400), measured again: back to 4 */
		assert_int_equal(d4.trace[2], 4);
		assert_int_equal(d4.trace[3], 16);
		assert_int_equal(d4.trace[4], 16);
		assert_int_equal(d4.trace[5], 4);
	}
	/* One stalled round after the first doubling (the disk held an fsync):
	 * measured again, the doubling paid, and the start goes on. */
	{
		struct sim m = { .ctl = "hill", .f = stall_once, .initial = 2, .minw = 1, .maxw = 64,
				 .seconds = 10, .noise = 0.02, .cpu_busy = 0.1 };

		simulate(&m);
		assert_int_equal(m.trace[2], 32);
		assert_int_equal(m.trace[3], 32);
		if (m.trace[4] < 64)
			fail_msg("after a stall at 32 the start went to %d", m.trace[4]);
	}
	/* CPUs busy (or unknown): no start phase, the controller's own climb. */
	{
		struct sim m = { .ctl = "hill", .f = linear, .initial = 2, .minw = 1, .maxw = 64,
				 .seconds = 10, .noise = 0.05, .cpu_busy = 0.8 };

		simulate(&m);
		assert_true(m.trace[2] <= 4);
	}
}

/* A new hill controller's first sample: both of 2 workers just ended a
 * task of lat seconds, t seconds in, the tasks using cpu_own CPUs.  The
 * width it goes to; *c stays for the next samples. */
static int first_step(struct tp_controller **c, const struct tp_ctl_opts *o,
		      struct tp_ctl_sample *s, double cpu_own, double t, double lat,
		      struct tp_decision *d)
{
	assert_int_equal(tp_controller_new(c, "hill", o), 0);
	s->workers = 2;
	s->busy = 0;
	s->completions = 2;
	s->cpu_own = cpu_own;
	s->t_s = s->dt_s = t;
	s->latency_s = lat;
	return tp_controller_step(*c, s, d);
}

/* The start phase, sample by sample: a round of completions that leaves
 * every worker between tasks still counts as a full pool, and past a step
 * that paid, busy CPUs do not end it (the gain test does). */
static void test_start_phase_samples(void **state)
{
	struct tp_ctl_opts o = { .min_workers = 1, .max_workers = 256, .initial = 2, .cpus_usable = 2 };
	struct tp_ctl_sample s = { .dt_s = 0.025, .workers = 2, .busy = 0, .queued = 0,
				   .cpu_own = 0.2, .cpu_demand = 0.2, .cpu_busy = 0.1,
				   .cpu_throttled = -1, .psi_cpu = -1, .psi_mem = -1, .psi_io = -1,
				   .mem_usable_kb = -1, .latency_s = 0.022, .completions = 2 };
	struct tp_controller *c;
	struct tp_decision d;
	int w;

	(void)state;
	w = first_step(&c, &o, &s, 0.2, 0.025, 0.015, &d);
	assert_int_equal(w, 8);			/* both ended, none restarted yet */
	assert_non_null(strstr(d.reason, "widen to 8"));
	s.workers = s.busy = 8;
	s.completions = 0;
	s.t_s = 0.035;				/* within a task's duration: settle */
	assert_int_equal(tp_controller_step(c, &s, &d), 8);
	s.t_s = 0.07;
	s.dt_s = 0.03;
	s.completions = 8;
	s.cpu_own = 1.8;			/* 90% of the CPUs: spawning fast */
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 16);		/* 8 paid (80 -> 267/s): the gain judges */
	assert_true(tp_controller_starting(c));
	tp_controller_free(c);

	/* Sleepers on idle CPUs (3% of them at 2 workers, 31 ms each): the
	 * first step goes to 64, where they would use about all of them
	 * (each step costs a 31 ms round); the next quadruples at most. */
	w = first_step(&c, &o, &s, 0.06, 0.032, 0.031, &d);
	assert_int_equal(w, 64);
	assert_non_null(strstr(d.reason, "widen to 64"));
	s.workers = s.busy = 64;
	s.completions = 64;
	s.cpu_own = 0.24;
	s.t_s = 0.066;
	s.dt_s = 0.034;
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 256);		/* 2 -> 64 paid; 12% of the CPUs: x4 */
	tp_controller_free(c);
	/* Their first round read with its exec and loading, 5.5% (11% of one
	 * CPU): still 64, where they would use the CPUs 1.8 times over. */
	assert_int_equal(first_step(&c, &o, &s, 0.11, 0.033, 0.031, &d), 64);
	tp_controller_free(c);
	/* The same share from 5 ms tasks: a round costs little, the first step
	 * stops where they would use about half of the CPUs. */
	assert_int_equal(first_step(&c, &o, &s, 0.06, 0.021, 0.005, &d), 32);
	tp_controller_free(c);

	/* A database write on half-busy CPUs (48%): its first round of 3 ms
	 * tasks is too short to rate (scheduler noise), the next 20 ms decide:
	 * the first step doubles. */
	assert_int_equal(first_step(&c, &o, &s, 0.96, 0.004, 0.003, &d), 2);
	assert_non_null(strstr(d.reason, "measure 2"));
	s.completions = 12;
	s.t_s = 0.024;
	s.dt_s = 0.02;
	assert_int_equal(tp_controller_step(c, &s, &d), 4);
	tp_controller_free(c);
}

/* A lock that serves 5 at most, on CPUs a third busy: the start phase
 * doubles 2 -> 4 -> 8, 16 gains nothing, back to 8.  Its measured
 * neighbours bracket the width within a factor of 2, so the hill holds
 * (for HILL_HOLD_MIN_S) before it probes: on a short job a probe costs more
 * than it could find.  A start whose last step quadrupled (disk4 on idle
 * CPUs) left a wide gap, and the hill probes at once. */
static void test_start_bracket_holds(void **state)
{
	struct sim m = { .ctl = "hill", .f = lock5, .initial = 2, .minw = 1, .maxw = 64,
			 .seconds = 10, .noise = 0.02, .cpu_busy = 0.3 };
	struct sim d4 = { .ctl = "hill", .f = disk4, .initial = 1, .minw = 1, .maxw = 64,
			  .seconds = 10, .noise = 0.02, .cpu_busy = 0.1 };
	int k, back = 0, moved = 0;

	(void)state;
	simulate(&m);
	for (k = 1; k < 40 && !back; k++)
		if (m.trace[k] == 16 && m.trace[k + 1] == 8)
			back = k + 1;
	if (!back)
		fail_msg("the start phase did not go 2 -> 16 and back to 8: %d %d %d %d %d",
			 m.trace[1], m.trace[2], m.trace[3], m.trace[4], m.trace[5]);
	for (k = back; k < back + (int)(2.0 / DT); k++)
		if (m.trace[k] != 8)
			fail_msg("the hill probed %d at step %d, within 2 s of the start's end (%d)",
				 m.trace[k], k, back);
	for (k = back; k < 39; k++)
		moved |= m.trace[k] != 8;
	assert_true(moved);	/* after the hold it probes */
	simulate(&d4);
	assert_int_equal(d4.trace[5], 4);	/* 16, measured twice, went back to 4 */
	moved = 0;
	for (k = 6; k < 6 + (int)(2.0 / DT); k++)
		moved |= d4.trace[k] != 4;
	assert_true(moved);
}

static void test_hill_flat(void **state)
{
	struct sim m = { .ctl = "hill", .f = flat, .initial = 4, .minw = 1, .maxw = 64,
			 .seconds = 120, .noise = 0.1, .from_s = 30, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	/* Nothing to gain: it stays put, apart from short probes. */
	assert_true(m.frac_at_mode >= 0.8);
	assert_true(m.mode >= 3 && m.mode <= 6);
}

static void test_hill_peaked(void **state)
{
	struct sim m = { .ctl = "hill", .f = peaked, .initial = 1, .minw = 1, .maxw = 64,
			 .seconds = 120, .noise = 0.05, .from_s = 40, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	print_message("hill peaked: mode %d (%.0f%%), mean %.1f of peak %.1f, changes %d\n",
		      m.mode, 100 * m.frac_at_mode, m.mean_tput, m.peak, m.changes);
	assert_true(m.mode >= 6 && m.mode <= 16);
	assert_true(m.mean_tput >= 0.93 * m.peak);
	assert_true(m.frac_at_mode >= 0.75);
}

static void test_hill_noisy(void **state)
{
	struct sim m = { .ctl = "hill", .f = peaked, .initial = 2, .minw = 1, .maxw = 64,
			 .seconds = 180, .noise = 0.25, .from_s = 60, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	print_message("hill noisy: mode %d (%.0f%%), mean %.1f of peak %.1f, changes %d\n",
		      m.mode, 100 * m.frac_at_mode, m.mean_tput, m.peak, m.changes);
	assert_true(m.mean_tput >= 0.88 * m.peak);
	assert_true(m.frac_at_mode >= 0.7);
}

static void test_hill_phase_change(void **state)
{
	struct sim m = { .ctl = "hill", .f = phase, .initial = 2, .minw = 1, .maxw = 64,
			 .seconds = 120, .noise = 0.05, .from_s = 80, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	print_message("hill phase: mode %d (%.0f%%), mean %.1f of peak %.1f\n", m.mode,
		      100 * m.frac_at_mode, m.mean_tput, m.peak);
	assert_true(m.mode >= 2 && m.mode <= 5);
	assert_true(m.mean_tput >= 0.9 * m.peak);
}

static void test_hill_linear_grows(void **state)
{
	struct sim m = { .ctl = "hill", .f = linear, .initial = 2, .minw = 1, .maxw = 48,
			 .seconds = 20, .noise = 0.05, .from_s = 15, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	assert_int_equal(m.mode, 48);
}

/* The .NET thread pool's failure: on 2 cores noise makes it wander between 2
 * and many threads.  The gated climber stays near 2 and does not swing. */
static void test_hill_two_cores_no_oscillation(void **state)
{
	struct sim m = { .ctl = "hill", .f = twocore, .initial = 2, .minw = 1, .maxw = 64,
			 .seconds = 180, .noise = 0.2, .from_s = 30, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	print_message("hill 2 cores: mode %d (%.0f%%) range %d..%d changes %d\n", m.mode,
		      100 * m.frac_at_mode, m.lo, m.hi, m.changes);
	assert_true(m.mode >= 2 && m.mode <= 4);
	assert_true(m.hi <= 8);
	assert_true(m.frac_at_mode >= 0.75);
}

static void test_gradient_linear_grows(void **state)
{
	struct sim m = { .ctl = "gradient", .f = linear, .initial = 2, .minw = 1, .maxw = 48,
			 .seconds = 20, .noise = 0.05, .from_s = 15, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	assert_int_equal(m.mode, 48);
}

static void test_gradient_lock(void **state)
{
	struct sim m = { .ctl = "gradient", .f = lock5, .initial = 16, .minw = 1, .maxw = 64,
			 .seconds = 60, .noise = 0.05, .from_s = 20, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	print_message("gradient lock: mode %d (%.0f%%) range %d..%d mean %.1f/%.1f\n", m.mode,
		      100 * m.frac_at_mode, m.lo, m.hi, m.mean_tput, m.peak);
	assert_true(m.mode >= 5 && m.mode <= 8);
	assert_true(m.mean_tput >= 0.93 * m.peak);
	assert_true(m.frac_at_mode >= 0.6);
}

static void test_gradient_spin_collapse(void **state)
{
	struct sim m = { .ctl = "gradient", .f = spin2, .initial = 8, .minw = 1, .maxw = 64,
			 .seconds = 60, .noise = 0.05, .from_s = 20, .cpu_busy = -1 };

	(void)state;
	simulate(&m);
	print_message("gradient spin: mode %d (%.0f%%) range %d..%d mean %.1f/%.1f\n", m.mode,
		      100 * m.frac_at_mode, m.lo, m.hi, m.mean_tput, m.peak);
	assert_true(m.mode >= 2 && m.mode <= 3);
	assert_true(m.mean_tput >= 0.8 * m.peak);
}

static void test_guard_memory_pressure(void **state)
{
	struct tp_ctl_opts o = { .min_workers = 2, .max_workers = 32, .initial = 16 };
	struct tp_ctl_sample s = { .dt_s = DT, .queued = 100, .completions = 10, .throughput = 40,
				   .latency_s = 0.4, .cpu_busy = -1, .cpu_throttled = -1,
				   .psi_cpu = -1, .psi_io = -1, .mem_usable_kb = -1 };
	struct tp_controller *c;
	struct tp_decision d;
	int w = 16, i;

	(void)state;
	assert_int_equal(tp_controller_new(&c, "gradient", &o), 0);
	s.psi_mem = 35;
	for (i = 0; i < 20; i++) {
		int prev = w;

		s.t_s += DT;
		s.workers = s.busy = w;
		w = tp_controller_step(c, &s, &d);
		assert_true(w < prev || w == 2);
		assert_non_null(strstr(d.reason, "memory pressure"));
	}
	assert_int_equal(w, 2);	/* never below min_workers */
	tp_controller_free(c);

	/* Usable memory below one more worker's footprint shrinks too. */
	assert_int_equal(tp_controller_new(&c, "static", &o), 0);
	s.psi_mem = -1;
	s.mem_usable_kb = 1000;
	s.mem_per_worker_kb = 4096;
	s.workers = 16;
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 12);
	assert_non_null(strstr(d.reason, "usable memory"));
	s.mem_usable_kb = 1 << 20;
	s.workers = w;
	assert_int_equal(tp_controller_step(c, &s, &d), 16);
	tp_controller_free(c);
}

static void test_guard_cpu_saturated(void **state)
{
	struct tp_ctl_opts o = { .min_workers = 1, .max_workers = 64, .initial = 2 };
	struct tp_ctl_sample s = { .dt_s = DT, .queued = 100, .completions = 25, .throughput = 100,
				   .latency_s = 0.02, .cpu_busy = 1.0, .cpu_throttled = -1,
				   .psi_cpu = -1, .psi_mem = -1, .psi_io = -1, .mem_usable_kb = -1 };
	struct tp_controller *c;
	struct tp_decision d;
	int w = 2, i, blocked = 0;

	(void)state;
	/* gradient sees constant latency and would grow forever; the guard stops
	 * it once a growth is measured to gain nothing on a saturated CPU. */
	assert_int_equal(tp_controller_new(&c, "gradient", &o), 0);
	for (i = 0; i < 40; i++) {
		s.t_s += DT;
		s.workers = s.busy = w;
		w = tp_controller_step(c, &s, &d);
		if (strstr(d.reason, "cpu saturated"))
			blocked++;
	}
	assert_true(blocked > 0);
	assert_true(w <= 3);
	tp_controller_free(c);
}

/* A --then stage (cpu_bound_cap): tasks measured CPU-bound hold it at usable
 * CPUs + 1 whatever the controller wants; measured wait-bound free it; before
 * any measure it may not grow past the cap (but is not cut). */
static void test_guard_cpu_bound_stage(void **state)
{
	struct tp_ctl_opts o = { .min_workers = 1, .max_workers = 64, .initial = 2,
				 .cpus_usable = 2, .cpu_bound_cap = 1 };
	struct tp_ctl_sample s = { .dt_s = DT, .queued = 100, .completions = 25, .throughput = 100,
				   .latency_s = 0.02, .cpu_busy = 0.3, .cpu_own = -1, .cpu_demand = -1,
				   .cpu_throttled = -1, .psi_cpu = -1, .psi_mem = -1, .psi_io = -1,
				   .mem_usable_kb = -1 };
	struct tp_controller *c;
	struct tp_decision d;
	int w = 2, i, peak = 0;

	(void)state;
	assert_int_equal(tp_controller_cpu_cap(&(struct tp_controller){ .opts = o }), 3);
	/* gradient with constant latency grows without end: not judged, it stops at 3. */
	assert_int_equal(tp_controller_new(&c, "gradient", &o), 0);
	for (i = 0; i < 20; i++) {
		s.t_s += DT;
		s.workers = s.busy = w;
		w = tp_controller_step(c, &s, &d);
		peak = w > peak ? w : peak;
	}
	assert_int_equal(peak, 3);
	assert_non_null(strstr(d.reason, "not measured yet"));
	/* Measured wait-bound: free to grow past it. */
	s.task_cpu = 0.02;
	for (i = 0; i < 20; i++) {
		s.t_s += DT;
		s.workers = s.busy = w;
		w = tp_controller_step(c, &s, &d);
	}
	assert_true(w > 3);
	/* Measured CPU-bound: cut back to 3 at once, and held there. */
	s.task_cpu = 0.9;
	s.t_s += DT;
	s.workers = s.busy = w;
	w = tp_controller_step(c, &s, &d);
	assert_int_equal(w, 3);
	assert_non_null(strstr(d.reason, "CPU-bound stage"));
	s.task_cpu = -1;	/* no new measure: the verdict stays */
	for (i = 0; i < 20; i++) {
		s.t_s += DT;
		s.workers = s.busy = w;
		w = tp_controller_step(c, &s, &d);
		assert_true(w <= 3);
	}
	tp_controller_free(c);
	/* Not a stage: the same samples grow past it. */
	o.cpu_bound_cap = 0;
	s.task_cpu = 0.9;
	w = 2;
	assert_int_equal(tp_controller_new(&c, "gradient", &o), 0);
	for (i = 0; i < 20; i++) {
		s.t_s += DT;
		s.workers = s.busy = w;
		w = tp_controller_step(c, &s, &d);
	}
	assert_true(w > 3);
	tp_controller_free(c);
}

static void test_decision_log(void **state)
{
	FILE *f = tmpfile();
	struct tp_ctl_opts o = { .min_workers = 1, .max_workers = 8, .initial = 2, .log = f };
	struct tp_ctl_sample s = { .dt_s = DT, .queued = 100, .completions = 25, .throughput = 100,
				   .latency_s = 0.02, .cpu_busy = -1, .cpu_throttled = -1,
				   .psi_cpu = -1, .psi_mem = -1, .psi_io = -1, .mem_usable_kb = -1 };
	struct tp_controller *c;
	struct tp_decision d;
	char line[1024];
	int i, lines = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(tp_controller_new(&c, "hill", &o), 0);
	for (i = 0; i < 5; i++) {
		s.t_s += DT;
		s.workers = c->workers;
		tp_controller_step(c, &s, &d);
	}
	tp_controller_free(c);
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);

		assert_non_null(j);
		assert_non_null(json_string_value(json_object_get(j, "reason")));
		assert_true(json_is_integer(json_object_get(j, "to")));
		json_decref(j);
		lines++;
	}
	assert_int_equal(lines, 5);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_guard_cpu_bound_stage),
		cmocka_unit_test(test_static_holds),
		cmocka_unit_test(test_static_holds_against_demand),
		cmocka_unit_test(test_start_phase),
		cmocka_unit_test(test_start_phase_samples),
		cmocka_unit_test(test_start_bracket_holds),
		cmocka_unit_test(test_hill_stall),
		cmocka_unit_test(test_hill_flat),
		cmocka_unit_test(test_hill_peaked),
		cmocka_unit_test(test_hill_noisy),
		cmocka_unit_test(test_hill_phase_change),
		cmocka_unit_test(test_hill_linear_grows),
		cmocka_unit_test(test_hill_two_cores_no_oscillation),
		cmocka_unit_test(test_gradient_linear_grows),
		cmocka_unit_test(test_gradient_lock),
		cmocka_unit_test(test_gradient_spin_collapse),
		cmocka_unit_test(test_fast_climb),
		cmocka_unit_test(test_phase_reconvergence),
		cmocka_unit_test(test_guard_memory_pressure),
		cmocka_unit_test(test_guard_cpu_saturated),
		cmocka_unit_test(test_decision_log),
		cmocka_unit_test(test_demand_classify),
		cmocka_unit_test(test_demand_phases),
		cmocka_unit_test(test_demand_jump_refuted),
		cmocka_unit_test(test_overload_cut_judged),
	};

	tp_log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
