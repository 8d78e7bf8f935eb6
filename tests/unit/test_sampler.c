/* Unit tests for probes/sampler on fake /proc and cgroup trees (v1, v2, none)
 * under tests/fixtures/sampler: two snapshots one second apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "skip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/fsroot.h"
#include "probes/sampler.h"
#include "probes/threadstat.h"

#include <time.h>

#ifndef TP_FIXTURES
#define TP_FIXTURES "tests/fixtures/sampler"
#endif

static void use_root(const char *name)
{
	char buf[512];
	const char *fx = getenv("FIXTURES");	/* set by tests/run-unit.sh */

	if (fx)
		snprintf(buf, sizeof(buf), "%s/sampler/%s", fx, name);
	else
		snprintf(buf, sizeof(buf), "%s/%s", TP_FIXTURES, name);
	setenv("TUNEPOOL_FSROOT", buf, 1);
	tp_fsroot_reset();
}

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static void test_parsers(void **state)
{
	unsigned long long total, idle;
	double avg;
	long long tot;

	(void)state;
	assert_int_equal(tp_parse_proc_stat("cpu  10 0 5 80 5 0 0 0 3 0\n", &total, &idle), 0);
	assert_int_equal((int)total, 100);	/* guest not counted twice */
	assert_int_equal((int)idle, 85);
	assert_int_equal(tp_parse_proc_stat("cpu0 1 2 3 4\n", &total, &idle), -1);
	assert_int_equal(tp_parse_proc_stat("cpu  1 2\n", &total, &idle), -1);
	assert_int_equal((int)tp_parse_procs_running("cpu  1 2 3 4\nctxt 9\nprocs_running 17\nprocs_blocked 2\n"), 17);
	assert_int_equal((int)tp_parse_procs_running("cpu  1 2 3 4\nprocs_blocked 2\n"), -1);
	assert_int_equal((int)tp_parse_procs_running("cpu  1 2 3 4\nprocs_running x\n"), -1);
	assert_int_equal(tp_parse_psi_some("some avg10=1.50 avg60=0.00 avg300=0.00 total=77\n", &avg, &tot), 0);
	near(avg, 1.5);
	assert_int_equal((int)tot, 77);
	assert_int_equal(tp_parse_psi_some("full avg10=1.50 total=77\n", &avg, &tot), -1);
	assert_int_equal(tp_parse_psi_some("some avg10=x total=1\n", &avg, &tot), -1);
}

static void test_v2(void **state)
{
	struct tp_sampler s;
	struct tp_sample a, b;

	(void)state;
	use_root("v2-t0");
	tp_sampler_init(&s, 2.0);
	assert_non_null(s.cpu_h);
	tp_sampler_sample(&s, 100.0, &a);
	/* First sample: levels only. */
	assert_true(a.dt_s < 0);
	assert_true(a.cpu_busy < 0 && a.cpu_throttled < 0);
	near(a.psi_avg10[TP_PSI_CPU], 5.0);
	assert_true(a.mem_available_kb == 12000000);
	assert_true(a.cg_mem_current_kb == 262144);
	assert_true(a.cg_mem_max_kb == 1048576);
	assert_true(a.mem_usable_kb == 1048576 - 262144);

	use_root("v2-t1");
	tp_sampler_sample(&s, 101.0, &b);
	near(b.dt_s, 1.0);
	near(b.cpu_busy_host, 0.8);		/* 400 busy of 500 jiffies */
	near(b.cpu_busy, 0.75);			/* 1.5 s of CPU over 1 s on 2 CPUs */
	near(b.runnable, 9.0);			/* procs_running */
	near(b.cpu_throttled, 0.5);		/* 5 of 10 periods */
	near(b.throttled_s, 0.25);
	near(b.psi_avg10[TP_PSI_CPU], 12.5);
	near(b.psi_avg10[TP_PSI_MEMORY], 20.0);
	near(b.psi_avg10[TP_PSI_IO], 0.2);
	near(b.psi_stall_s[TP_PSI_CPU], 0.3);
	near(b.psi_stall_s[TP_PSI_MEMORY], 0.2);
	near(b.psi_stall_s[TP_PSI_IO], 0.05);
	assert_true(b.mem_available_kb == 11000000);
	assert_true(b.cg_mem_current_kb == 786432);
	assert_true(b.mem_usable_kb == 262144);	/* the cgroup binds, not MemAvailable */
}

static void test_v1(void **state)
{
	struct tp_sampler s;
	struct tp_sample a, b;

	(void)state;
	use_root("v1-t0");
	tp_sampler_init(&s, 2.0);
	assert_non_null(s.cpu_h);
	tp_sampler_sample(&s, 5.0, &a);
	assert_true(a.psi_avg10[TP_PSI_MEMORY] < 0);	/* no PSI in this tree */
	use_root("v1-t1");
	tp_sampler_sample(&s, 6.0, &b);
	near(b.cpu_busy_host, 0.5);
	near(b.cpu_busy, 0.25);			/* cpuacct.usage: 0.5 s on 2 CPUs */
	assert_true(b.runnable < 0);		/* no procs_running line */
	near(b.cpu_throttled, 0.5);
	near(b.throttled_s, 0.3);		/* throttled_time is in ns */
	assert_true(b.psi_stall_s[TP_PSI_CPU] < 0);
	/* "unlimited" (a huge limit) is no limit: MemAvailable is what is usable. */
	assert_true(b.cg_mem_max_kb < 0);
	assert_true(b.cg_mem_current_kb == 204800);
	assert_true(b.mem_usable_kb == 2900000);
}

static void test_nothing_available(void **state)
{
	struct tp_sampler s;
	struct tp_sample a, b;
	int i;

	(void)state;
	use_root("empty");
	tp_sampler_init(&s, 0);
	assert_null(s.cpu_h);
	tp_sampler_sample(&s, 1.0, &a);
	tp_sampler_sample(&s, 2.0, &b);
	near(b.dt_s, 1.0);
	assert_true(b.cpu_busy < 0 && b.cpu_busy_host < 0 && b.cpu_throttled < 0 && b.runnable < 0);
	for (i = 0; i < TP_PSI_N; i++)
		assert_true(b.psi_avg10[i] < 0 && b.psi_stall_s[i] < 0);
	assert_true(b.mem_available_kb < 0 && b.mem_usable_kb < 0 && b.cg_mem_current_kb < 0);
}

/* This process's threads: a 30 ms CPU spin shows as run time, in seconds; a
 * missing /proc/self/task (a fixture root) reads as unavailable. */
static void test_threadstat(void **state)
{
	struct tp_threadstat t;
	unsigned long long run, wait;
	struct timespec t0, t1;
	double r, w;

	(void)state;
	assert_int_equal(tp_parse_schedstat("123 456 7\n", &run, &wait), 0);
	assert_true(run == 123 && wait == 456);
	assert_int_equal(tp_parse_schedstat("123\n", &run, &wait), -1);
	assert_int_equal(tp_parse_schedstat("x 1 2\n", &run, &wait), -1);

	setenv("TUNEPOOL_FSROOT", "/", 1);
	tp_fsroot_reset();
	tp_threadstat_init(&t);
	if (tp_threadstat_sample(&t, &r, &w) < 0) {
		TP_SKIP("kernel: no /proc/self/task/N/schedstat");
		return;
	}
	assert_true(r == 0 && w == 0);			/* the baseline */
	/* Spin for 30 ms of this thread's CPU time, however loaded the machine. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	while ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6 < 30);
	assert_int_equal(tp_threadstat_sample(&t, &r, &w), 0);
	assert_true(r >= 0.025 && r < 60.0);		/* the spin, give or take a tick */
	assert_true(w >= 0);
	tp_threadstat_release(&t);

	use_root("empty");
	tp_threadstat_init(&t);
	assert_int_equal(tp_threadstat_sample(&t, &r, &w), -1);
	assert_true(r < 0 && w < 0);
	tp_threadstat_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_nothing_available),
		cmocka_unit_test(test_threadstat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
