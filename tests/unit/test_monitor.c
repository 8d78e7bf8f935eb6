/* Unit tests for runner/monitor with a fake pool and the sampler fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/results.h"
#include "core/timeutil.h"
#include "probes/fsroot.h"
#include "runner/monitor.h"

struct fake_pool {
	struct tp_pool_snapshot snap;
	int set_calls, last_set;
};

static void fake_snapshot(void *ctx, struct tp_pool_snapshot *s)
{
	*s = ((struct fake_pool *)ctx)->snap;
}

static void fake_set(void *ctx, int w)
{
	struct fake_pool *p = ctx;

	p->set_calls++;
	p->last_set = w;
	p->snap.workers = w;
}

static void use_root(const char *name)
{
	char buf[512];
	const char *fx = getenv("FIXTURES");

	snprintf(buf, sizeof(buf), "%s/sampler/%s", fx ? fx : "tests/fixtures", name);
	setenv("TUNEPOOL_FSROOT", buf, 1);
	tp_fsroot_reset();
}

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static void test_tick_feeds_sample_and_timeline(void **state)
{
	struct fake_pool fp = { .snap = { .workers = 4, .busy = 4, .queued = 30 } };
	struct tp_results res;
	struct tp_monitor_opts o = { .interval_s = 0.25, .cpus_usable = 2.0, .results = &res,
				     .src = { &fp, fake_snapshot, fake_set } };
	struct tp_monitor *m;
	struct tp_ctl_sample cs;

	(void)state;
	tp_results_init(&res);
	use_root("v2-t0");
	m = tp_monitor_new(&o);
	tp_monitor_tick(m, 10.0, &cs);		/* baseline */
	assert_int_equal(res.ntimeline, 0);
	fp.snap.done = 18;
	fp.snap.failed = 2;
	fp.snap.queued = 12;
	tp_monitor_task_done(m, 0.1);
	tp_monitor_task_done(m, 0.3);
	use_root("v2-t1");
	tp_monitor_tick(m, 11.0, &cs);
	near(cs.dt_s, 1.0);
	near(cs.t_s, 1.0);
	assert_int_equal(cs.completions, 20);
	near(cs.throughput, 20.0);
	near(cs.latency_s, 0.2);
	assert_int_equal(cs.queued, 12);
	near(cs.cpu_busy, 0.75);
	near(cs.cpu_throttled, 0.5);
	near(cs.psi_mem, 20.0);
	assert_true(cs.mem_usable_kb == 262144);
	/* The cgroup grew by 512 MiB while 4 workers ran: 128 MiB each. */
	assert_true(cs.mem_per_worker_kb == 131072);
	assert_int_equal(res.ntimeline, 1);
	near(res.timeline[0].t_s, 1.0);
	assert_int_equal(res.timeline[0].workers, 4);
	near(res.timeline[0].throughput, 20.0);
	near(res.timeline[0].mem_pressure, 20.0);
	near(res.timeline[0].queue_depth, 12);
	assert_int_equal(fp.set_calls, 0);	/* observe only */
	tp_monitor_free(m);
	tp_results_release(&res);
}

/* Exec tasks: the CPUs they ran on come from their rusage once reaped, so
 * another job's load (the fixture's busy /proc/stat) is not theirs: a child
 * burning CPU shows, an idle interval shows nothing. */
static void test_own_children_cpu(void **state)
{
	struct fake_pool fp = { .snap = { .workers = 4, .busy = 4, .queued = 30 } };
	struct tp_monitor_opts o = { .interval_s = 0.25, .cpus_usable = 2.0, .own_children = 1,
				     .src = { &fp, fake_snapshot, fake_set } };
	struct tp_monitor *m;
	struct tp_ctl_sample cs;
	double first;
	pid_t pid;
	int st;

	(void)state;
	use_root("v2-t0");
	m = tp_monitor_new(&o);
	tp_monitor_tick(m, 10.0, &cs);		/* baseline */
	pid = fork();
	if (pid == 0) {
		/* 0.2 s of CPU, however long a loaded machine takes to give it */
		volatile unsigned long x = 0;
		struct timespec ts;

		do {
			x++;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		} while (ts.tv_sec + ts.tv_nsec / 1e9 < 0.2);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	fp.snap.done = 4;
	tp_monitor_task_done(m, 0.2);
	use_root("v2-t1");
	tp_monitor_tick(m, 11.0, &cs);		/* 1 s: about 0.2 CPU-seconds */
	if (!(cs.cpu_own > 0.1 && cs.cpu_own < 0.5))
		fail_msg("a child's 0.2 CPU-s over 1 s read as %.3f CPUs", cs.cpu_own);
	first = cs.cpu_own;
	fp.snap.done = 8;
	tp_monitor_task_done(m, 0.2);
	tp_monitor_tick(m, 12.0, &cs);		/* nothing reaped: falls, averaged */
	if (!(cs.cpu_own >= 0 && cs.cpu_own < first))
		fail_msg("an interval with nothing reaped read %.3f CPUs after %.3f", cs.cpu_own, first);
	tp_monitor_free(m);
}

static void test_controller_resizes_pool(void **state)
{
	struct fake_pool fp = { .snap = { .workers = 8, .busy = 8, .queued = 100 } };
	struct tp_ctl_opts co = { .min_workers = 1, .max_workers = 16, .initial = 8 };
	struct tp_controller *c;
	struct tp_monitor_opts o = { .interval_s = 0.25, .src = { &fp, fake_snapshot, fake_set } };
	struct tp_monitor *m;
	int i;

	(void)state;
	use_root("v2-t0");	/* PSI memory 0 here; then 20% in t1 */
	assert_int_equal(tp_controller_new(&c, "static", &co), 0);
	o.ctl = c;
	m = tp_monitor_new(&o);
	tp_monitor_tick(m, 0.0, NULL);
	use_root("v2-t1");
	for (i = 1; i <= 3; i++) {
		fp.snap.done += 10;
		tp_monitor_tick(m, 0.25 * i, NULL);
	}
	/* Memory pressure (20% >= 10%) made the static controller's guard shrink. */
	assert_true(fp.set_calls >= 1);
	assert_true(fp.last_set < 8);
	assert_int_equal(tp_monitor_workers(m), fp.last_set);
	tp_monitor_free(m);
	tp_controller_free(c);
}

static void test_thread_runs_and_stops(void **state)
{
	struct fake_pool fp = { .snap = { .workers = 2 } };
	struct tp_monitor_opts o = { .interval_s = 0.01, .src = { &fp, fake_snapshot, fake_set } };
	struct tp_monitor *m;

	(void)state;
	use_root("empty");
	m = tp_monitor_new(&o);
	assert_int_equal(tp_monitor_start(m), 0);
	usleep(50000);
	tp_monitor_stop(m);
	/* The first tick happens at start; more depend on load, so only >= 1. */
	assert_true(tp_monitor_ticks(m) >= 1);
	tp_monitor_stop(m);	/* twice is fine */
	tp_monitor_free(m);
}

/* Polls for up to 20 s until the monitor thread has ticked n times. */
static void wait_ticks(struct tp_monitor *m, long long n)
{
	int i;

	for (i = 0; i < 2000 && tp_monitor_ticks(m) < n; i++)
		usleep(10000);
}

/* early_n finished tasks bring the next tick before the interval ends; the
 * timeline still gets one point per interval. */
static void test_early_tick(void **state)
{
	struct fake_pool fp = { .snap = { .workers = 2 } };
	struct tp_results res;
	struct tp_monitor_opts o = { .interval_s = 60, .early_n = 5, .min_interval_s = 0.01,
				     .results = &res, .src = { &fp, fake_snapshot, fake_set } };
	struct tp_monitor *m;
	int i;

	(void)state;
	use_root("empty");
	tp_results_init(&res);
	m = tp_monitor_new(&o);
	assert_int_equal(tp_monitor_start(m), 0);
	/* The thread's first tick (at start) takes what finished before it. */
	wait_ticks(m, 1);
	for (i = 0; i < 4; i++)
		tp_monitor_task_done(m, 0.01);
	usleep(100000);
	assert_true(tp_monitor_ticks(m) == 1);	/* 4 < early_n: waits for the interval */
	tp_monitor_task_done(m, 0.01);
	/* Polls for up to 20 s: the interval (60 s) cannot be what ticks. */
	wait_ticks(m, 2);
	tp_monitor_stop(m);
	assert_int_equal(tp_monitor_ticks(m), 2);
	tp_monitor_free(m);

	/* Ticks 50 ms apart, interval 250 ms: a timeline point every fifth. */
	o.interval_s = 0.25;
	o.min_interval_s = 0;
	m = tp_monitor_new(&o);
	for (i = 0; i <= 20; i++) {
		fp.snap.done = 10 * i;
		tp_monitor_tick(m, 100.0 + 0.05 * i, NULL);
	}
	assert_int_equal(res.ntimeline, 4);
	near(res.timeline[0].throughput, 200.0);
	near(res.timeline[3].t_s, 1.0);
	tp_monitor_free(m);
	tp_results_release(&res);

	/* A width change between points is recorded when it is seen, with the
	 * width that ran until then; a run that stays at 8 is 8 throughout. */
	tp_results_init(&res);
	fp.snap.workers = 8;
	m = tp_monitor_new(&o);
	for (i = 0; i <= 20; i++) {
		if (i == 7)
			fp.snap.workers = 3;
		fp.snap.done = 10 * i;
		tp_monitor_tick(m, 200.0 + 0.05 * i, NULL);
	}
	assert_int_equal(res.ntimeline, 4);	/* 0.25, 0.35, 0.6, 0.85 */
	assert_int_equal(res.timeline[0].workers, 8);	/* 0.25 s */
	near(res.timeline[1].t_s, 0.35);		/* the change, seen at tick 7 */
	assert_int_equal(res.timeline[1].workers, 8);
	assert_int_equal(res.timeline[2].workers, 3);	/* 0.6 s: one interval on */
	near(res.timeline[2].t_s, 0.6);
	assert_int_equal(res.timeline[3].workers, 3);
	tp_monitor_free(m);
	tp_results_release(&res);
}

/* Tasks four times longer than the last tick's mean (a new phase) bring the
 * next tick early, at slow rates too; a stop adds a last timeline point. */
static void test_odd_tasks_tick_early(void **state)
{
	struct fake_pool fp = { .snap = { .workers = 2 } };
	struct tp_results res;
	struct tp_monitor_opts o = { .interval_s = 60, .early_n = 1000, .min_interval_s = 0.01,
				     .results = &res, .src = { &fp, fake_snapshot, fake_set } };
	struct tp_monitor *m;
	int i;

	(void)state;
	use_root("empty");
	tp_results_init(&res);
	m = tp_monitor_new(&o);
	/* A first tick by hand sets the reference: tasks of 10 ms. */
	tp_monitor_task_done(m, 0.01);
	tp_monitor_tick(m, tp_now_s(), NULL);
	assert_int_equal(tp_monitor_start(m), 0);
	wait_ticks(m, 2);
	for (i = 0; i < 3; i++)
		tp_monitor_task_done(m, 0.011);		/* like the reference: no wake */
	for (i = 0; i < 3; i++)
		tp_monitor_task_done(m, 0.2);		/* 3 odd ones: not yet */
	usleep(100000);
	assert_true(tp_monitor_ticks(m) == 2);
	tp_monitor_task_done(m, 0.2);			/* the fourth: wake */
	wait_ticks(m, 3);
	assert_int_equal(tp_monitor_ticks(m), 3);	/* long before the 60 s interval */
	fp.snap.done = 7;
	tp_monitor_stop(m);
	assert_int_equal(tp_monitor_ticks(m), 3);	/* the last step is not a tick */
	assert_true(res.ntimeline >= 1);		/* but it closed the timeline */
	assert_true(res.timeline[res.ntimeline - 1].throughput > 0);
	tp_monitor_free(m);
	tp_results_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tick_feeds_sample_and_timeline),
		cmocka_unit_test(test_controller_resizes_pool),
		cmocka_unit_test(test_thread_runs_and_stops),
		cmocka_unit_test(test_early_tick),
		cmocka_unit_test(test_own_children_cpu),
		cmocka_unit_test(test_odd_tasks_tick_early),
	};

	tp_log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
