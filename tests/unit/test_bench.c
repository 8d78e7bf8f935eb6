/* Unit tests for runner/bench.c: the plan of valid configs, interleaved
 * seeded run order, warm-ups, failures, stopping and input signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/results.h"
#include "runner/bench.h"
#include "runner/inputs.h"
#include "runner/strategy.h"
#include "workloads/workload.h"

static char *strategies_all[] = { "thread", "process", "exec" };
static char *starts_both[] = { "fork", "spawn" };
static int workers12[] = { 1, 2 };
static int batch14[] = { 1, 4 };

struct seen {
	int calls, warmups, stop_after;
	struct tp_bench *b;
	char order[64][64];
};

static void on_progress(void *ctx, const struct tp_bench_progress *p)
{
	struct seen *s = ctx;

	if (s->calls < 64)
		tp_config_format(p->config, s->order[s->calls], sizeof(s->order[0]));
	s->calls++;
	s->warmups += p->warmup;
	assert_true(p->run == s->calls);
	assert_true(p->run <= p->runs);
	if (s->stop_after && s->calls == s->stop_after)
		tp_bench_stop(s->b);
}

static void opts_init(struct tp_bench_opts *o, struct tp_workload *wl, struct tp_inputs *in)
{
	memset(o, 0, sizeof(*o));
	o->workload = wl;
	o->inputs = in;
	o->workers = workers12;
	o->nworkers = 2;
	o->batches = batch14;
	o->nbatches = 2;
	o->strategies = strategies_all;
	o->nstrategies = 3;
	o->starts = starts_both;
	o->nstarts = 2;
	o->repeat = 2;
	o->warmup = 1;
	o->seed = 1;
	o->pool.quiet_warnings = 1;
	o->pool.kill_grace_s = 1;
}

static size_t count_strategy(const struct tp_config *c, size_t n, const char *name,
			     const char *start)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!strcmp(c[i].strategy, name) && (!start || !strcmp(c[i].start, start)))
			k++;
	return k;
}

static void test_plan(void **state)
{
	struct tp_workload *wl, *cmd, *spec;
	struct tp_bench_opts o;
	struct tp_bench *b;
	const struct tp_config *c;
	char *argv[] = { "/bin/true", NULL };
	size_t n, i, procs;

	(void)state;
	tp_log_set_quiet(2);
	assert_int_equal(tp_workload_new(&wl, "sleep:ms=0"), 0);
	opts_init(&o, wl, NULL);
	assert_int_equal(tp_bench_new(&b, &o), 0);
	c = tp_bench_configs(b, &n);
	/* thread: 2 workers x 2 batches; process: x 2 starts (where this build
	 * has it); exec skipped. */
	procs = tp_strategy_find("process")->unsupported_reason ? 0 : 4;
	assert_int_equal(n, 4 + 2 * procs);
	assert_int_equal(count_strategy(c, n, "thread", ""), 4);
	assert_int_equal(count_strategy(c, n, "process", "fork"), procs);
	assert_int_equal(count_strategy(c, n, "process", "spawn"), procs);
	assert_int_equal(count_strategy(c, n, "exec", NULL), 0);
	for (i = 0; i < n; i++)
		assert_true(c[i].workers >= 1 && c[i].batch >= 1);
	tp_bench_free(b);

	/* A command runs under exec only, batch 1 unless multi_input. */
	assert_int_equal(tp_workload_new_exec(&cmd, argv, 1), 0);
	opts_init(&o, cmd, NULL);
	assert_int_equal(tp_bench_new(&b, &o), 0);
	c = tp_bench_configs(b, &n);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].strategy, "exec");
	assert_int_equal(c[0].batch, 1);
	assert_string_equal(c[0].start, "");
	tp_bench_free(b);
	o.pool.multi_input = 1;
	assert_int_equal(tp_bench_new(&b, &o), 0);
	tp_bench_configs(b, &n);
	assert_int_equal(n, 4);
	tp_bench_free(b);

	/* Only process for a command: nothing valid is a usage error. */
	o.strategies = strategies_all + 1;
	o.nstrategies = 1;
	assert_int_equal(tp_bench_new(&b, &o), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);

	/* Threads-only workloads skip process. */
	assert_int_equal(tp_workload_new(&spec, "spec"), 0);
	opts_init(&o, spec, NULL);
	assert_int_equal(tp_bench_new(&b, &o), 0);
	c = tp_bench_configs(b, &n);
	assert_int_equal(n, 4);
	assert_int_equal(count_strategy(c, n, "thread", ""), 4);
	tp_bench_free(b);

	/* Unknown names are usage errors. */
	{
		char *bad_strategy[] = { "thraed" };
		char *bad_start[] = { "clone" };

		opts_init(&o, wl, NULL);
		o.strategies = bad_strategy;
		o.nstrategies = 1;
		assert_int_equal(tp_bench_new(&b, &o), -1);
		assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
		opts_init(&o, wl, NULL);
		o.starts = bad_start;
		o.nstarts = 1;
		assert_int_equal(tp_bench_new(&b, &o), -1);
		assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
		opts_init(&o, wl, NULL);
		o.repeat = 0;
		assert_int_equal(tp_bench_new(&b, &o), -1);
	}
	tp_log_set_quiet(0);
	tp_workload_free(spec);
	tp_workload_free(cmd);
	tp_workload_free(wl);
}

/* Runs sleep:ms=0 over 10 inputs on threads, workers 1,2 x batch 1,4. */
static int run_bench(const char *spec, unsigned long seed, int keep_going, int stop_after,
		     struct seen *s, struct tp_results *r, int *interrupted)
{
	struct tp_workload *wl;
	struct tp_inputs *in;
	struct tp_bench_opts o;
	struct tp_bench *b;
	int rc;

	assert_int_equal(tp_workload_new(&wl, spec), 0);
	assert_int_equal(tp_inputs_from_count(&in, 10), 0);
	opts_init(&o, wl, in);
	o.strategies = strategies_all;
	o.nstrategies = 1;
	o.seed = seed;
	o.keep_going = keep_going;
	o.on_progress = on_progress;
	o.ctx = s;
	memset(s, 0, sizeof(*s));
	s->stop_after = stop_after;
	assert_int_equal(tp_bench_new(&b, &o), 0);
	s->b = b;
	tp_results_init(r);
	tp_log_set_quiet(2);
	rc = tp_bench_run(b, r, interrupted);
	tp_log_set_quiet(0);
	tp_bench_free(b);
	tp_inputs_free(in);
	tp_workload_free(wl);
	return rc;
}

static void test_run_interleaved(void **state)
{
	struct seen s1, s2, s3;
	struct tp_results r;
	int intr, i, same;
	size_t k;

	(void)state;
	assert_int_equal(run_bench("sleep:ms=0", 1, 0, 0, &s1, &r, &intr), 0);
	assert_int_equal(intr, 0);
	/* (1 warm-up + 2 repeats) x 4 configs, the warm-ups first. */
	assert_int_equal(s1.calls, 12);
	assert_int_equal(s1.warmups, 4);
	assert_int_equal(r.ntrials, 4);
	for (k = 0; k < r.ntrials; k++) {
		assert_int_equal(r.trials[k].nrepeats, 2);
		assert_int_equal(r.trials[k].repeats[0].tasks, 10);
		assert_int_equal(r.trials[k].repeats[0].failures, 0);
		assert_true(r.trials[k].repeats[0].throughput > 0);
		assert_true(r.trials[k].stats.n == 2);
	}
	/* Trials come back in plan order: workers 1 before 2, batch 1 before 4. */
	assert_int_equal(r.trials[0].config.workers, 1);
	assert_int_equal(r.trials[0].config.batch, 1);
	assert_int_equal(r.trials[3].config.workers, 2);
	assert_int_equal(r.trials[3].config.batch, 4);
	tp_results_release(&r);

	/* The order is the seed's: the same seed repeats it, another changes it. */
	run_bench("sleep:ms=0", 1, 0, 0, &s2, &r, &intr);
	tp_results_release(&r);
	run_bench("sleep:ms=0", 7, 0, 0, &s3, &r, &intr);
	tp_results_release(&r);
	same = 1;
	for (i = 0; i < 12; i++) {
		assert_string_equal(s1.order[i], s2.order[i]);
		same &= !strcmp(s1.order[i], s3.order[i]);
	}
	assert_false(same);
	/* Each round runs every config once: repeats are interleaved. */
	for (i = 0; i < 12; i += 4) {
		int j, m;

		for (j = i; j < i + 4; j++)
			for (m = i; m < j; m++)
				assert_string_not_equal(s1.order[j], s1.order[m]);
	}
}

static void test_failures(void **state)
{
	struct tp_results r;
	struct seen s;
	int intr;

	(void)state;
	/* Inputs 5 and 10 fail: the bench stops after the first run. */
	assert_int_equal(run_bench("sleep:ms=0,fail_every=5", 1, 0, 0, &s, &r, &intr), 1);
	assert_int_equal(s.calls, 1);
	tp_results_release(&r);
	/* --keep-going measures everything and still reports the failures. */
	assert_int_equal(run_bench("sleep:ms=0,fail_every=5", 1, 1, 0, &s, &r, &intr), 1);
	assert_int_equal(s.calls, 12);
	assert_int_equal(r.ntrials, 4);
	assert_int_equal(r.trials[0].repeats[0].failures, 2);
	tp_results_release(&r);
}

static void test_stop(void **state)
{
	struct tp_results r;
	struct seen s;
	size_t k, total = 0;

	(void)state;
	/* Stopped after the 6th run: 4 warm-ups and 2 repeats are kept. */
	int intr;

	assert_int_equal(run_bench("sleep:ms=0", 3, 0, 6, &s, &r, &intr), 0);
	assert_int_equal(intr, 1);
	assert_int_equal(s.calls, 6);
	for (k = 0; k < r.ntrials; k++)
		total += r.trials[k].nrepeats;
	assert_int_equal(total, 2);
	tp_results_release(&r);
}

static void test_signature(void **state)
{
	char *a[] = { "x", "y", "z" }, *b[] = { "x", "y", "w" };
	struct tp_inputs *in;
	char s1[64], s2[64], s3[64];
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(tp_inputs_from_args(&in, a, 3), 0);
	assert_int_equal(tp_bench_input_signature(in, s1, sizeof(s1)), 0);
	/* Rewound afterwards: the first input comes next. */
	assert_int_equal(tp_inputs_next(in, &line, &len), 1);
	assert_memory_equal(line, "x", 1);
	assert_int_equal(tp_bench_input_signature(in, s2, sizeof(s2)), 0);
	assert_string_equal(s1, s2);
	assert_non_null(strstr(s1, ":3"));
	tp_inputs_free(in);
	assert_int_equal(tp_inputs_from_args(&in, b, 3), 0);
	assert_int_equal(tp_bench_input_signature(in, s3, sizeof(s3)), 0);
	assert_string_not_equal(s1, s3);
	tp_inputs_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_run_interleaved),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
