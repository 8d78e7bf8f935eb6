/* Unit tests for the persistent strategy (runner/strategy_persistent.c):
 * framing names, one process per slot, growing and retiring workers (a
 * retired worker sees end of file and leaves on its own), records in flight,
 * and the steady-state figures bench and tune rank by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/results.h"
#include "runner/inputs.h"
#include "runner/pool.h"
#include "runner/strategy_persistent.h"
#include "workloads/workload.h"

struct seen {
	struct tp_pool *pool;
	int n, ok, max_worker, late_max_worker;
	int grow_at, grow_to, shrink_at, shrink_to;
	char last[64];
};

static void on_result(void *ctx, const struct tp_task_result *r, int final)
{
	struct seen *s = ctx;

	if (!final)
		return;
	s->n++;
	s->ok += r->ok;
	if (r->worker > s->max_worker)
		s->max_worker = r->worker;
	if (s->shrink_at && s->n > s->shrink_at + 10 && r->worker > s->late_max_worker)
		s->late_max_worker = r->worker;
	if (r->out)
		snprintf(s->last, sizeof(s->last), "%.*s", (int)r->out_len, r->out);
	if (s->grow_at && s->n == s->grow_at)
		tp_pool_set_workers(s->pool, s->grow_to);
	if (s->shrink_at && s->n == s->shrink_at)
		tp_pool_set_workers(s->pool, s->shrink_to);
}

/* A lines worker that notes its start and its end-of-file exit in log. */
static struct tp_workload *worker(const char *log, const char *extra)
{
	char *script, *argv[3];
	struct tp_workload *wl;

	script = malloc(512);
	snprintf(script, 512,
		 "echo start >> %s; %s while IFS= read -r x; do sleep 0.005; echo \"r$x\"; done; "
		 "echo eof >> %s", log, extra, log);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = script;
	assert_int_equal(tp_workload_new_exec(&wl, argv, 3), 0);
	free(script);
	return wl;
}

static int count_lines(const char *path, const char *word)
{
	FILE *f = fopen(path, "r");
	char line[64];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, word, strlen(word));
	fclose(f);
	return n;
}

static int run(struct tp_workload *wl, int workers, int max, int batch, long long count,
	       struct seen *s, struct tp_repeat *rep)
{
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_pool *p;
	int intr, rc;

	memset(&o, 0, sizeof(o));
	snprintf(o.config.strategy, sizeof(o.config.strategy), "persistent");
	o.config.workers = workers;
	o.config.batch = batch;
	o.max_workers = max;
	o.workload = wl;
	o.framing = TP_FRAMING_LINES;
	o.hooks.ctx = s;
	o.hooks.on_result = on_result;
	o.kill_grace_s = 2;
	assert_int_equal(tp_inputs_from_count(&in, count), 0);
	assert_int_equal(tp_pool_new(&p, &o), 0);
	s->pool = p;
	rc = tp_pool_run(p, in, rep, &intr);
	assert_int_equal(intr, 0);
	tp_pool_free(p);
	tp_inputs_free(in);
	return rc;
}

static double counter(const struct tp_repeat *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->ncounters; i++)
		if (!strcmp(rep->counters[i].name, name))
			return rep->counters[i].value;
	return -1;
}

static void test_framing_names(void **state)
{
	enum tp_framing f;

	(void)state;
	assert_int_equal(tp_framing_parse("lines", &f), 0);
	assert_int_equal(f, TP_FRAMING_LINES);
	assert_int_equal(tp_framing_parse("json", &f), 0);
	assert_int_equal(f, TP_FRAMING_JSON);
	assert_string_equal(tp_framing_name(TP_FRAMING_JSON), "json");
	assert_int_equal(tp_framing_parse("xml", &f), -1);
}

static void test_grow_and_retire(void **state)
{
	char log[] = "/tmp/tp-persistent-log.XXXXXX";
	struct tp_workload *wl;
	struct tp_repeat rep;
	struct seen s;
	int fd = mkstemp(log);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	wl = worker(log, "");
	/* 1 worker grows to 3, then shrinks to 1: the retired two get EOF and
	 * leave on their own; nothing is lost; only worker 0 answers late. */
	memset(&s, 0, sizeof(s));
	s.grow_at = 10;
	s.grow_to = 3;
	s.shrink_at = 100;
	s.shrink_to = 1;
	assert_int_equal(run(wl, 1, 4, 1, 200, &s, &rep), 0);
	assert_int_equal(s.n, 200);
	assert_int_equal(s.ok, 200);
	assert_int_equal(s.max_worker, 2);
	assert_int_equal(s.late_max_worker, 0);
	/* one process per slot (three), each ended by end of file, none killed */
	assert_int_equal(count_lines(log, "start"), 3);
	assert_int_equal(count_lines(log, "eof"), 3);
	assert_true(counter(&rep, "pool::worker_start_s") >= 0);
	free(rep.counters);
	tp_workload_free(wl);
	unlink(log);
}

static void test_batch_and_steady_rate(void **state)
{
	char log[] = "/tmp/tp-persistent-log.XXXXXX";
	struct tp_workload *wl;
	struct tp_repeat rep;
	struct seen s;
	int fd = mkstemp(log);
	double steady, wall;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* 0.3 s of start-up, then ~5 ms per record, 8 records in flight */
	wl = worker(log, "sleep 0.3;");
	memset(&s, 0, sizeof(s));
	assert_int_equal(run(wl, 1, 1, 8, 64, &s, &rep), 0);
	assert_int_equal(s.ok, 64);
	assert_string_equal(s.last, "r64\n");
	steady = counter(&rep, "pool::steady_throughput");
	wall = counter(&rep, "pool::wall_throughput");
	assert_true(counter(&rep, "pool::worker_start_s") >= 0.29);
	/* the ranked throughput is the steady one: the 63 answers after the
	 * first over the wall time less the 0.3 s start-up, at least; the wall
	 * rate holds the start-up */
	assert_true(steady > 0 && rep.throughput == steady);
	assert_true(steady > 60 / (rep.wall_s - 0.28));
	assert_true(wall < steady);
	assert_int_equal(count_lines(log, "start"), 1);
	free(rep.counters);
	tp_workload_free(wl);
	unlink(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing_names),
		cmocka_unit_test(test_grow_and_retire),
		cmocka_unit_test(test_batch_and_steady_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
