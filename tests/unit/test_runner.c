/* Unit tests for runner/: inputs, placeholder expansion, line forwarding,
 * backoff, and the pool under each strategy with faults, stop and resize. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "skip.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "runner/child.h"
#include "runner/inputs.h"
#include "runner/linefwd.h"
#include "runner/pool.h"
#include "runner/signals.h"
#include "runner/strategy.h"
#include "runner/template.h"
#include "workloads/workload.h"

/* ---- inputs ---- */

static void test_inputs_args_and_count(void **state)
{
	char *args[] = { "a", "", "c d" };
	struct tp_inputs *in;
	const char *l;
	size_t len;
	int i;

	(void)state;
	assert_int_equal(tp_inputs_from_args(&in, args, 3), 0);
	assert_int_equal(tp_inputs_total(in), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(tp_inputs_next(in, &l, &len), 1);
		assert_string_equal(l, args[i]);
		assert_int_equal(len, strlen(args[i]));
	}
	assert_int_equal(tp_inputs_next(in, &l, &len), 0);
	assert_int_equal(tp_inputs_rewind(in), 0);
	assert_int_equal(tp_inputs_next(in, &l, &len), 1);
	assert_string_equal(l, "a");
	tp_inputs_free(in);

	assert_int_equal(tp_inputs_from_count(&in, 1001), 0);
	for (i = 1; i <= 1001; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d", i);
		assert_int_equal(tp_inputs_next(in, &l, &len), 1);
		assert_string_equal(l, want);
		assert_int_equal(len, strlen(want));
	}
	assert_int_equal(tp_inputs_next(in, &l, &len), 0);
	assert_int_equal(tp_inputs_rewind(in), 0);
	assert_int_equal(tp_inputs_next(in, &l, &len), 1);
	assert_string_equal(l, "1");
	tp_inputs_free(in);
	assert_int_equal(tp_inputs_from_count(&in, -1), -1);
}

static char *write_temp(const char *data, size_t n)
{
	char *path = strdup("/tmp/tp-test-inputs-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

static void test_inputs_file(void **state)
{
	char *path = write_temp("one\n\nthree\nlast", 15);
	const char *want[] = { "one", "", "three", "last" };
	struct tp_inputs *in;
	const char *l;
	size_t len;
	int i, pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(tp_inputs_from_file(&in, path, pass), 0);
		assert_int_equal(tp_inputs_total(in), pass ? 4 : -1);
		for (i = 0; i < 4; i++) {
			assert_int_equal(tp_inputs_next(in, &l, &len), 1);
			assert_string_equal(l, want[i]);
		}
		assert_int_equal(tp_inputs_next(in, &l, &len), 0);
		assert_int_equal(tp_inputs_rewind(in), pass ? 0 : -1);
		tp_inputs_free(in);
	}
	unlink(path);
	free(path);
	assert_int_equal(tp_inputs_from_file(&in, "/nonexistent/x", 0), -1);
}

static void test_inputs_long_lines(void **state)
{
	/* A line across many read chunks is whole; one over the limit is an error. */
	size_t big = 200000, n = TP_INPUT_LINE_MAX + 10;
	char *data = malloc(big + 3 + n + 1), *path;
	struct tp_inputs *in;
	const char *l;
	size_t len;

	(void)state;
	memset(data, 'x', big);
	memcpy(data + big, "\nok\n", 4);
	memset(data + big + 4, 'y', n - 1);
	data[big + 3 + n] = '\0';
	path = write_temp(data, big + 3 + n);
	assert_int_equal(tp_inputs_from_file(&in, path, 0), 0);
	assert_int_equal(tp_inputs_next(in, &l, &len), 1);
	assert_int_equal(len, big);
	assert_int_equal(tp_inputs_next(in, &l, &len), 1);
	assert_string_equal(l, "ok");
	assert_int_equal(tp_inputs_next(in, &l, &len), -1);
	tp_inputs_free(in);
	assert_int_equal(tp_inputs_from_file(&in, path, 1), -1);
	unlink(path);
	free(path);
	free(data);
}

/* ---- templates ---- */

/* Inputs held for rewinding (bench, tune) stop at a limit of lines and of
 * bytes, with a usage error naming the file and the limit. */
static void test_inputs_held_limits(void **state)
{
	char *path = write_temp("a\nbb\nccc\ndddd\n", 14);
	struct tp_inputs *in;

	(void)state;
	tp_inputs_set_held_limits(4, 1000);
	assert_int_equal(tp_inputs_from_file(&in, path, 1), 0);
	assert_int_equal(tp_inputs_total(in), 4);
	tp_inputs_free(in);
	tp_inputs_set_held_limits(3, 1000);
	tp_error_set_class(TP_EXIT_SYSTEM);
	assert_int_equal(tp_inputs_from_file(&in, path, 1), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	/* streamed inputs are not held: no limit */
	assert_int_equal(tp_inputs_from_file(&in, path, 0), 0);
	tp_inputs_free(in);
	tp_inputs_set_held_limits(100, 10);	/* 1+2+3+4 line bytes = 10 */
	assert_int_equal(tp_inputs_from_file(&in, path, 1), 0);
	tp_inputs_free(in);
	tp_inputs_set_held_limits(100, 9);
	tp_error_set_class(TP_EXIT_SYSTEM);
	assert_int_equal(tp_inputs_from_file(&in, path, 1), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	tp_inputs_set_held_limits(0, 0);	/* back to the defaults */
	assert_int_equal(tp_inputs_from_file(&in, path, 1), 0);
	tp_inputs_free(in);
	unlink(path);
	free(path);
}

static char *expand(char *const *words, int nw, int shell, const char *const *ins, int n,
		    uint64_t seq)
{
	struct tp_template t;
	struct tp_strbuf buf = TP_STRBUF_INIT, all = TP_STRBUF_INIT;
	char **argv = NULL;
	size_t alloc = 0;
	int argc, i;

	assert_int_equal(tp_template_init(&t, words, nw, shell), 0);
	argc = tp_template_expand(&t, ins, n, seq, &buf, &argv, &alloc);
	for (i = 0; i < argc; i++) {
		if (i)
			tp_strbuf_addch(&all, '|');
		tp_strbuf_adds(&all, argv[i]);
	}
	assert_null(argv[argc]);
	free(argv);
	tp_strbuf_release(&buf);
	tp_template_release(&t);
	return tp_strbuf_detach(&all);
}

static void check_expand(char *const *w, int nw, int shell, const char *in, const char *want)
{
	const char *ins[1] = { in };
	char *got = expand(w, nw, shell, ins, 1, 7);

	assert_string_equal(got, want);
	free(got);
}

static void test_template_placeholders(void **state)
{
	char *w1[] = { "echo", "{}", "{.}", "{/}", "{//}", "{/.}", "{#}" };
	char *w2[] = { "cmd", "-o", "{.}.out" };
	char *w3[] = { "echo" };
	char *w4[] = { "echo", "{", "{x}", "{}{}" };

	(void)state;
	check_expand(w1, 7, 0, "dir/sub/file.tar.gz",
		     "echo|dir/sub/file.tar.gz|dir/sub/file.tar|file.tar.gz|dir/sub|file.tar|7");
	check_expand(w1, 7, 0, "file", "echo|file|file|file|.|file|7");
	check_expand(w1, 7, 0, "/abs", "echo|/abs|/abs|abs|/|abs|7");
	check_expand(w1, 7, 0, "a.b/c", "echo|a.b/c|a.b/c|c|a.b|c|7");
	check_expand(w2, 3, 0, "x.txt", "cmd|-o|x.out");
	/* No placeholder: the input is appended as one argument. */
	check_expand(w3, 1, 0, "a b; rm -rf /", "echo|a b; rm -rf /");
	check_expand(w4, 4, 0, "v", "echo|{|{x}|vv");
}

static void test_template_shell_and_multi(void **state)
{
	char *w1[] = { "echo", "{}", ">", "{.}.log" };
	char *w2[] = { "wc", "-l" };
	char *w3[] = { "cp", "{}", "dest/" };
	const char *ins[3] = { "a.txt", "it's", "c" };
	char *got;

	(void)state;
	/* Shell mode quotes replacements, so input never becomes shell syntax. */
	check_expand(w1, 4, 1, "x; rm y", "/bin/sh|-c|echo 'x; rm y' > 'x; rm y'.log");
	check_expand(w2, 2, 1, "it's", "/bin/sh|-c|wc -l 'it'\\''s'");
	/* Inside the script's own quotes the input is quoted for that context. */
	{
		char *sq[] = { "echo '{}'" }, *dq[] = { "echo \"{}\"" }, *cm[] = { "echo # {}" };
		char *sub[] = { "echo \"$(echo {})\"" }, *bt[] = { "echo `echo {}`" };

		check_expand(sq, 1, 1, "';x'", "/bin/sh|-c|echo ''\\'';x'\\'''");
		check_expand(dq, 1, 1, "$(x)\"`\\", "/bin/sh|-c|echo \"\\$(x)\\\"\\`\\\\\"");
		check_expand(cm, 1, 1, "a\ntouch x", "/bin/sh|-c|echo # ");
		check_expand(sub, 1, 1, "a\"b", "/bin/sh|-c|echo \"$(echo 'a\"b')\"");
		check_expand(bt, 1, 1, "`$\\'", "/bin/sh|-c|echo `echo '\\`\\$\\\\'\\\\'''`");
	}
	got = expand(w2, 2, 0, ins, 3, 1);
	assert_string_equal(got, "wc|-l|a.txt|it's|c");
	free(got);
	/* A word with a placeholder repeats per input (parallel -X). */
	got = expand(w3, 3, 0, ins, 3, 1);
	assert_string_equal(got, "cp|a.txt|it's|c|dest/");
	free(got);
}

/* ---- stop signals ---- */

static int stops_seen;

static void count_stop(void *ctx)
{
	(void)ctx;
	stops_seen++;
}

static void test_stop_signals(void **state)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	struct sigaction before, after;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], NULL, &before);
		stops_seen = 0;
		tp_signals_push(count_stop, NULL);
		assert_int_equal(tp_signals_caught(), 0);
		raise(sigs[i]);
		assert_int_equal(stops_seen, 1);
		assert_int_equal(tp_signals_caught(), sigs[i]);
		tp_signals_pop();
		/* Popped: the disposition from before is back; the signal is still known. */
		sigaction(sigs[i], NULL, &after);
		assert_ptr_equal((void *)after.sa_handler, (void *)before.sa_handler);
		assert_int_equal(tp_signals_caught(), sigs[i]);
	}
	assert_int_equal(tp_signals_exit_code(SIGINT), 130);
	assert_int_equal(tp_signals_exit_code(SIGTERM), 130);
	assert_int_equal(tp_signals_exit_code(SIGHUP), 129);
	assert_int_equal(tp_signals_exit_code(SIGQUIT), 131);
	assert_int_equal(tp_signals_exit_code(SIGPIPE), 141);
}

/* ---- line forwarding and backoff ---- */

static char lines_seen[8][64];
static int nlines;

static void collect_line(void *ctx, const char *line)
{
	(void)ctx;
	if (nlines < 8)
		snprintf(lines_seen[nlines], sizeof(lines_seen[0]), "%s", line);
	nlines++;
}

static void test_linefwd(void **state)
{
	struct tp_linefwd f = { 0 };

	(void)state;
	nlines = 0;
	tp_linefwd_feed(&f, "one\ntw", 6, collect_line, NULL);
	assert_int_equal(nlines, 1);
	tp_linefwd_feed(&f, "o\nthree\n\nfo", 11, collect_line, NULL);
	assert_int_equal(nlines, 4);
	tp_linefwd_flush(&f, collect_line, NULL);
	assert_int_equal(nlines, 5);
	assert_string_equal(lines_seen[0], "one");
	assert_string_equal(lines_seen[1], "two");
	assert_string_equal(lines_seen[2], "three");
	assert_string_equal(lines_seen[3], "");
	assert_string_equal(lines_seen[4], "fo");
	tp_linefwd_release(&f);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_true(tp_backoff_delay(0.1, 1, 0.5) == 0);
	assert_true(tp_backoff_delay(0, 3, 0.5) == 0);
	/* attempt 2: d = base, spread over [d/2, d) */
	assert_true(tp_backoff_delay(0.1, 2, 0.0) > 0.0499 && tp_backoff_delay(0.1, 2, 0.0) < 0.0501);
	assert_true(tp_backoff_delay(0.1, 2, 0.999) < 0.1);
	/* doubles per attempt */
	assert_true(tp_backoff_delay(0.1, 4, 0.0) > 0.1999 && tp_backoff_delay(0.1, 4, 0.0) < 0.2001);
	/* capped */
	assert_true(tp_backoff_delay(1, 60, 0.999) <= 60.0);
}

/* ---- the pool ---- */

struct collect {
	int n, ok, failed, nonfinal, timed_out, last_signal, max_attempt;
	uint64_t last_seq;
	int in_order;
	unsigned char seen[4096];
	int stop_after;
	struct tp_pool *pool;
	char first_err[256];
	int grow_at, grow_to;
	int max_worker;
	int late_max_worker;		/* highest worker id after grow_at + 20 */
	char out[64];			/* grouped stdout, concatenated */
};

static void on_result(void *ctx, const struct tp_task_result *r, int final)
{
	struct collect *c = ctx;

	if (!final) {
		c->nonfinal++;
		return;
	}
	c->n++;
	if (r->ok)
		c->ok++;
	else
		c->failed++;
	if (!r->ok && !c->first_err[0])
		snprintf(c->first_err, sizeof(c->first_err), "%s", r->err);
	if (r->timed_out)
		c->timed_out++;
	if (r->term_signal)
		c->last_signal = r->term_signal;
	if (r->attempt > c->max_attempt)
		c->max_attempt = r->attempt;
	if (r->worker > c->max_worker)
		c->max_worker = r->worker;
	if (c->grow_at && c->n > c->grow_at + 20 && r->worker > c->late_max_worker)
		c->late_max_worker = r->worker;
	if (r->out && strlen(c->out) + r->out_len < sizeof(c->out))
		strncat(c->out, r->out, r->out_len);
	if (r->seq <= c->last_seq)
		c->in_order = 0;
	c->last_seq = r->seq;
	if (r->seq < sizeof(c->seen))
		c->seen[r->seq]++;
	if (c->stop_after && c->n == c->stop_after)
		tp_pool_stop(c->pool);
	if (c->grow_at && c->n == c->grow_at)
		tp_pool_set_workers(c->pool, c->grow_to);
}

/* A tiny in-process workload: counts calls; input "f" fails, "h" hangs. */
static atomic_int calls;

static int tiny_process(struct tp_workload *wl, void *ws, const char *input, char *err,
			size_t errlen)
{
	(void)wl;
	(void)ws;
	atomic_fetch_add(&calls, 1);
	if (!strcmp(input, "f")) {
		snprintf(err, errlen, "tiny: '%s' fails", input);
		return -1;
	}
	if (!strcmp(input, "h"))
		tp_sleep_s(0.6);
	return 0;
}

static const struct tp_workload_desc tiny_desc = {
	.name = "tiny",
	.summary = "test",
	.task_class = TP_CLASS_CPU,
	.process = tiny_process,
};

static struct tp_workload tiny_wl = { .desc = &tiny_desc, .spec = "tiny" };

static int slow_process(struct tp_workload *wl, void *ws, const char *input, char *err,
			size_t errlen)
{
	(void)wl;
	(void)ws;
	(void)input;
	(void)err;
	(void)errlen;
	tp_sleep_s(0.002);
	return 0;
}

static const struct tp_workload_desc slow_desc = {
	.name = "slow",
	.summary = "test",
	.task_class = TP_CLASS_LATENCY,
	.process = slow_process,
};

static struct tp_workload slow_wl = { .desc = &slow_desc, .spec = "slow" };

static int run_pool(struct tp_pool_opts *o, struct tp_inputs *in, struct collect *c,
		    struct tp_repeat *rep, int *interrupted)
{
	struct tp_pool *p;
	int rc;

	o->hooks.ctx = c;
	o->hooks.on_result = on_result;
	o->quiet_warnings = 1;
	c->in_order = 1;
	assert_int_equal(tp_pool_new(&p, o), 0);
	c->pool = p;
	rc = tp_pool_run(p, in, rep, interrupted);
	tp_pool_free(p);
	return rc;
}

static void opts_init(struct tp_pool_opts *o, const char *strategy, int workers, int batch,
		      struct tp_workload *wl)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->config.strategy, sizeof(o->config.strategy), "%s", strategy);
	o->config.workers = workers;
	o->config.batch = batch;
	o->workload = wl;
}

static void test_pool_thread_counts(void **state)
{
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr, batch;

	(void)state;
	for (batch = 1; batch <= 64; batch *= 8) {
		memset(&c, 0, sizeof(c));
		atomic_store(&calls, 0);
		opts_init(&o, "thread", 3, batch, &tiny_wl);
		assert_int_equal(tp_inputs_from_count(&in, 1000), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(intr, 0);
		assert_int_equal(atomic_load(&calls), 1000);
		assert_int_equal(c.n, 1000);
		assert_int_equal(c.ok, 1000);
		assert_int_equal(rep.tasks, 1000);
		assert_int_equal(rep.failures, 0);
		assert_true(rep.wall_s > 0 && rep.throughput > 0);
		assert_true(rep.lat_p50_s <= rep.lat_p95_s && rep.lat_p95_s <= rep.lat_p99_s);
		assert_true(rep.ncounters > 0);
		for (int i = 1; i <= 1000; i++)
			assert_int_equal(c.seen[i], 1);
		free(rep.counters);
		tp_inputs_free(in);
	}
}

static void test_pool_thread_keep_order_and_failures(void **state)
{
	char *args[] = { "a", "f", "h", "b", "f", "c" };
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr;

	(void)state;
	memset(&c, 0, sizeof(c));
	opts_init(&o, "thread", 3, 1, &tiny_wl);
	o.keep_order = 1;
	o.retries = 1;
	assert_int_equal(tp_inputs_from_args(&in, args, 6), 0);
	assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.in_order, 1);
	assert_int_equal(c.failed, 2);
	assert_int_equal(c.nonfinal, 2);	/* each "f" failed twice */
	assert_int_equal(c.max_attempt, 2);
	assert_int_equal(rep.failures, 2);
	assert_string_equal(c.first_err, "tiny: 'f' fails");
	free(rep.counters);
	tp_inputs_free(in);
}

static void test_pool_thread_timeout(void **state)
{
	char *args[] = { "a", "h", "b" };
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr;

	(void)state;
	memset(&c, 0, sizeof(c));
	opts_init(&o, "thread", 1, 3, &tiny_wl);
	o.timeout_s = 0.1;
	assert_int_equal(tp_inputs_from_args(&in, args, 3), 0);
	assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
	/* The hung task is reported, the rest of its batch runs on a new thread. */
	assert_int_equal(c.n, 3);
	assert_int_equal(c.timed_out, 1);
	assert_int_equal(c.ok, 2);
	assert_non_null(strstr(c.first_err, "timed out"));
	free(rep.counters);
	tp_inputs_free(in);
	tp_sleep_s(0.6);	/* let the abandoned thread return */
}

static void test_pool_stop_and_grow(void **state)
{
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr;
	const char *strategies[] = { "thread", "exec" };
	char *argv[] = { "/bin/true" };
	struct tp_workload *ex;
	int s;

	(void)state;
	assert_int_equal(tp_workload_new_exec(&ex, argv, 1), 0);
	for (s = 0; s < 2; s++) {
		/* stop after 20 results: interrupted, nothing after the stop is lost */
		memset(&c, 0, sizeof(c));
		c.stop_after = 20;
		opts_init(&o, strategies[s], 2, 1, s ? ex : &tiny_wl);
		assert_int_equal(tp_inputs_from_count(&in, 100000), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(intr, 1);
		assert_true(c.n >= 20 && c.n < 100000);
		assert_int_equal(rep.tasks, c.n);
		free(rep.counters);
		tp_inputs_free(in);

		/* grow from 1 to 3 workers while running */
		memset(&c, 0, sizeof(c));
		c.grow_at = 5;
		c.grow_to = 3;
		opts_init(&o, strategies[s], 1, 1, s ? ex : &slow_wl);
		o.max_workers = 4;
		assert_int_equal(tp_inputs_from_count(&in, 200), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(c.n, 200);
		assert_int_equal(c.max_worker, 2);
		free(rep.counters);
		tp_inputs_free(in);
	}
	tp_workload_free(ex);
}

static struct tp_workload *exec_wl(const char *script)
{
	char *argv[] = { "sh", "-c", (char *)script, "sh", "{}" };
	struct tp_workload *wl;

	assert_int_equal(tp_workload_new_exec(&wl, argv, 5), 0);
	return wl;
}

static void test_pool_exec_faults(void **state)
{
	struct tp_workload *wl;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr;
	char *dir, tmpl[] = "/tmp/tp-test-retry-XXXXXX", script[512];

	(void)state;
	/* exit codes and crashes */
	wl = exec_wl("case $1 in 3) exit 3;; 5) echo boom >&2; kill -SEGV $$;; esac; exit 0");
	memset(&c, 0, sizeof(c));
	opts_init(&o, "exec", 2, 1, wl);
	assert_int_equal(tp_inputs_from_count(&in, 6), 0);
	assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.failed, 2);
	assert_int_equal(c.last_signal, SIGSEGV);
	assert_int_equal(rep.failures, 2);
	free(rep.counters);
	tp_inputs_free(in);
	tp_workload_free(wl);

	/* a hang ended by the timeout (SIGTERM to the group) */
	wl = exec_wl("if [ $1 = 2 ]; then sleep 30; fi");
	memset(&c, 0, sizeof(c));
	opts_init(&o, "exec", 2, 1, wl);
	o.timeout_s = 0.3;
	assert_int_equal(tp_inputs_from_count(&in, 3), 0);
	{
		double t0 = tp_now_s();

		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_true(tp_now_s() - t0 < 10);
	}
	assert_int_equal(c.n, 3);
	assert_int_equal(c.timed_out, 1);
	assert_int_equal(c.failed, 1);
	free(rep.counters);
	tp_inputs_free(in);
	tp_workload_free(wl);

	/* a retry that succeeds on the second attempt */
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	snprintf(script, sizeof(script),
		 "f=%s/m$1; if [ -e $f ]; then exit 0; fi; : > $f; exit 1", dir);
	wl = exec_wl(script);
	memset(&c, 0, sizeof(c));
	opts_init(&o, "exec", 2, 1, wl);
	o.retries = 2;
	o.backoff_s = 0.01;
	assert_int_equal(tp_inputs_from_count(&in, 4), 0);
	assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.ok, 4);
	assert_int_equal(c.nonfinal, 4);
	assert_int_equal(c.max_attempt, 2);
	free(rep.counters);
	tp_inputs_free(in);
	tp_workload_free(wl);
	snprintf(script, sizeof(script), "rm -rf '%s'", dir);
	assert_int_equal(system(script), 0);
}

/* The tunepool binary beside this test (build/tests/../tunepool), for spawn. */
static char worker_exe[4096];

static struct tp_workload *builtin(const char *spec)
{
	struct tp_workload *wl;

	assert_int_equal(tp_workload_new(&wl, spec), 0);
	return wl;
}

static void test_pool_process_faults(void **state)
{
	const char *starts[] = { "fork", "spawn" };
	struct tp_workload *wl;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr, st;
	char dir[] = "/tmp/tp-test-flaky-XXXXXX", spec[256];

	(void)state;
	if (access(worker_exe, X_OK))
		fail_msg("the worker binary '%s' is missing: the unit tests need it built", worker_exe);
	assert_non_null(mkdtemp(dir));
	for (st = 0; st < 2; st++) {
		/* a crash kills the worker: the task fails with SIGSEGV, the rest of
		 * its batch is requeued on a new worker; non-zero results too */
		wl = builtin("sleep:ms=0,crash_every=7,fail_every=5");
		memset(&c, 0, sizeof(c));
		opts_init(&o, "process", 2, 4, wl);
		snprintf(o.config.start, sizeof(o.config.start), "%s", starts[st]);
		o.worker_exe = worker_exe;
		assert_int_equal(tp_inputs_from_count(&in, 20), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(c.n, 20);
		/* 7 and 14 crash; 5, 10, 15, 20 fail */
		assert_int_equal(c.failed, 6);
		assert_int_equal(c.last_signal, SIGSEGV);
		for (int i = 1; i <= 20; i++)
			assert_int_equal(c.seen[i], 1);
		free(rep.counters);
		tp_inputs_free(in);
		tp_workload_free(wl);

		/* a hang ended by the timeout; a retry that succeeds the 2nd time */
		snprintf(spec, sizeof(spec), "sleep:ms=0,hang_every=3,hang_s=30,flaky_dir=%s", dir);
		wl = builtin(spec);
		memset(&c, 0, sizeof(c));
		opts_init(&o, "process", 2, 2, wl);
		snprintf(o.config.start, sizeof(o.config.start), "%s", starts[st]);
		o.worker_exe = worker_exe;
		o.timeout_s = 0.3;
		o.retries = 1;
		assert_int_equal(tp_inputs_from_count(&in, 4), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(c.n, 4);
		assert_int_equal(c.ok, 3);
		assert_int_equal(c.timed_out, 1);
		assert_int_equal(c.max_attempt, 2);
		free(rep.counters);
		tp_inputs_free(in);
		tp_workload_free(wl);
		snprintf(spec, sizeof(spec), "rm -f %s/*", dir);
		assert_int_equal(system(spec), 0);

		/* stop and resize */
		wl = builtin("sleep:ms=2");
		memset(&c, 0, sizeof(c));
		c.grow_at = 5;
		c.grow_to = 3;
		opts_init(&o, "process", 1, 1, wl);
		snprintf(o.config.start, sizeof(o.config.start), "%s", starts[st]);
		o.worker_exe = worker_exe;
		o.max_workers = 3;
		assert_int_equal(tp_inputs_from_count(&in, 200), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(c.n, 200);
		assert_int_equal(c.max_worker, 2);
		assert_true(rep.rss_peak_kb > 0);
		free(rep.counters);
		tp_inputs_free(in);
		memset(&c, 0, sizeof(c));
		c.stop_after = 10;
		assert_int_equal(tp_inputs_from_count(&in, 100000), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(intr, 1);
		assert_int_equal(rep.tasks, c.n);
		free(rep.counters);
		tp_inputs_free(in);
		tp_workload_free(wl);
	}
	rmdir(dir);
}

static void test_pool_shrink(void **state)
{
	const char *strategies[] = { "thread", "exec", "process" };
	char *argv[] = { "sh", "-c", "sleep 0.002", "sh" };
	struct tp_workload *ex, *sl;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr, s;

	(void)state;
	assert_int_equal(tp_workload_new_exec(&ex, argv, 4), 0);
	assert_int_equal(tp_workload_new(&sl, "sleep:ms=2"), 0);
	for (s = 0; s < 3; s++) {
		/* 3 workers shrink to 1: the others leave after their task */
		memset(&c, 0, sizeof(c));
		c.grow_at = 5;
		c.grow_to = 1;
		opts_init(&o, strategies[s], 3, 1, s == 0 ? &slow_wl : s == 1 ? ex : sl);
		if (s == 2) {
			strcpy(o.config.start, "fork");
			o.worker_exe = worker_exe;
		}
		assert_int_equal(tp_inputs_from_count(&in, 60), 0);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
		assert_int_equal(c.n, 60);
		assert_int_equal(c.max_worker, 2);
		assert_int_equal(c.late_max_worker, 0);
		free(rep.counters);
		tp_inputs_free(in);
	}
	tp_workload_free(ex);
	tp_workload_free(sl);
}

static void test_pool_exec_grouped_output(void **state)
{
	char *argv[] = { "sh", "-c", "printf '%s.' \"$1\"; echo to-stderr >&2", "sh", "{}" };
	struct tp_workload *wl;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr;

	(void)state;
	assert_int_equal(tp_workload_new_exec(&wl, argv, 5), 0);
	memset(&c, 0, sizeof(c));
	opts_init(&o, "exec", 3, 1, wl);
	o.group_output = 1;
	o.keep_order = 1;
	assert_int_equal(tp_inputs_from_count(&in, 9), 0);
	assert_int_equal(run_pool(&o, in, &c, &rep, &intr), 0);
	assert_int_equal(c.n, 9);
	assert_int_equal(c.in_order, 1);
	/* each task's stdout arrives whole with its own result, in input order */
	assert_string_equal(c.out, "1.2.3.4.5.6.7.8.9.");
	free(rep.counters);
	tp_inputs_free(in);
	tp_workload_free(wl);
}

static void note_start(void *ctx, const struct tp_task_result *r, int final)
{
	double *st = ctx;

	if (final && r->seq >= 1 && r->seq <= 8)
		st[r->seq - 1] = r->start_s;
}

static int cmp_start(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ramp_s spreads the first round's starts evenly over it (tune's runs on
 * more workers than CPUs); later rounds start as slots free up. */
static void test_pool_exec_ramp(void **state)
{
	char *argv[] = { "true", "{}" };
	struct tp_workload *wl;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct tp_pool *p;
	double st[8];
	int intr, ramp;

	(void)state;
	assert_int_equal(tp_workload_new_exec(&wl, argv, 2), 0);
	for (ramp = 0; ramp <= 1; ramp++) {
		memset(st, 0, sizeof(st));
		opts_init(&o, "exec", 4, 1, wl);
		o.ramp_s = ramp ? 0.4 : 0;
		o.quiet_warnings = 1;
		o.hooks.on_result = note_start;
		o.hooks.ctx = st;
		assert_int_equal(tp_inputs_from_count(&in, 8), 0);
		assert_int_equal(tp_pool_new(&p, &o), 0);
		assert_int_equal(tp_pool_run(p, in, &rep, &intr), 0);
		tp_pool_free(p);
		assert_int_equal(rep.tasks, 8);
		qsort(st, 8, sizeof(*st), cmp_start);
		if (ramp) {
			/* the 2nd, 3rd and 4th starts at 0.1, 0.2 and 0.3 s at the earliest */
			assert_true(st[1] >= 0.1 && st[2] >= 0.2 && st[3] >= 0.3);
			assert_true(st[0] < 0.1);
		} else {
			assert_true(st[3] < 0.1);
		}
		free(rep.counters);
		tp_inputs_free(in);
	}
	tp_workload_free(wl);
}

/* Grouped output past TP_POOL_OUT_MEM: spilled, then handed over whole
 * through on_output before its result. */
struct spill_seen {
	size_t bytes[8];		/* by seq: through on_output */
	size_t mem[8];			/* by seq: in r->out */
	int bad_byte, order_ok, n;
	uint64_t last;
	uint64_t output_of;		/* seq of the output chunks being received */
};

static void spill_output(void *ctx, const struct tp_task_result *r, const char *buf, size_t len)
{
	struct spill_seen *ss = ctx;
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != (char)('a' + r->seq))
			ss->bad_byte = 1;
	ss->bytes[r->seq] += len;
	ss->output_of = r->seq;
}

static void spill_result(void *ctx, const struct tp_task_result *r, int final)
{
	struct spill_seen *ss = ctx;

	if (!final)
		return;
	ss->n++;
	if (r->seq <= ss->last || (ss->bytes[r->seq] && ss->output_of != r->seq))
		ss->order_ok = 0;
	ss->last = r->seq;
	ss->mem[r->seq] = r->out ? r->out_len : 0;
	ss->output_of = 0;
}

static void test_pool_exec_output_spill(void **state)
{
	/* input N prints N MB of one letter: 'a' + its seq */
	char *av[] = { "sh", "-c",
		       "head -c $(($1 * 1000000)) /dev/zero | tr '\\0' $(echo abcdefgh | cut -c$(($2 + 1)))",
		       "sh", "{}", "{#}" };
	char *args[] = { "1", "3", "0", "2" };
	char *old_tmp = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	struct tp_workload *wl;
	struct spill_seen ss;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct tp_pool *p;
	int intr, pass;

	(void)state;
	assert_int_equal(tp_workload_new_exec(&wl, av, 6), 0);
	for (pass = 0; pass < 2; pass++) {
		/* pass 1: no temp dir to spill to: held in memory, still whole */
		if (pass)
			setenv("TMPDIR", "/nonexistent-tp-dir", 1);
		memset(&ss, 0, sizeof(ss));
		ss.order_ok = 1;
		opts_init(&o, "exec", 4, 1, wl);
		o.group_output = 1;
		o.keep_order = 1;
		o.quiet_warnings = 1;
		o.hooks.ctx = &ss;
		o.hooks.on_result = spill_result;
		o.hooks.on_output = spill_output;
		assert_int_equal(tp_inputs_from_args(&in, args, 4), 0);
		assert_int_equal(tp_pool_new(&p, &o), 0);
		assert_int_equal(tp_pool_run(p, in, &rep, &intr), 0);
		tp_pool_free(p);
		tp_inputs_free(in);
		free(rep.counters);
		assert_int_equal(ss.n, 4);
		assert_int_equal(ss.order_ok, 1);
		assert_int_equal(ss.bad_byte, 0);
		/* 1 MB fits in memory; 3 and 2 MB spill unless there is nowhere to */
		assert_int_equal(ss.mem[1], 1000000);
		assert_int_equal(ss.mem[2] + ss.bytes[2], 3000000);
		assert_int_equal(ss.mem[3], 0);
		assert_int_equal(ss.mem[4] + ss.bytes[4], 2000000);
		assert_int_equal(ss.bytes[2], pass ? 0 : 3000000);
		assert_int_equal(ss.bytes[4], pass ? 0 : 2000000);
	}
	if (old_tmp)
		setenv("TMPDIR", old_tmp, 1);
	else
		unsetenv("TMPDIR");
	free(old_tmp);
	tp_workload_free(wl);
}

/* ---- out of file descriptors ---- */

static int eaten[4096], neaten;

/* After the first result, every free descriptor is taken: the next worker
 * or task to start meets EMFILE. */
static void eat_fds_result(void *ctx, const struct tp_task_result *r, int final)
{
	on_result(ctx, r, final);
	if (final && ((struct collect *)ctx)->n == 1)
		while (neaten < 4096 && (eaten[neaten] = dup(0)) >= 0)
			neaten++;
}

static double counter(const struct tp_repeat *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->ncounters; i++)
		if (!strcmp(rep->counters[i].name, name))
			return rep->counters[i].value;
	return -1;
}

/* In a child with a low open-files limit: the strategy's pool, its
 * descriptors taken away mid-run.  0 when every task ran, else the step. */
static int emfile_child(const char *strategy)
{
	struct rlimit rl = { 96, 96 };
	struct tp_workload *wl;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct tp_pool *p;
	struct collect c;
	char *argv[] = { "sh", "-c", "sleep 0.01", "sh", "{}" };
	int intr, rc = 0, exec = !strcmp(strategy, "exec");

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 77;
	if (exec ? tp_workload_new_exec(&wl, argv, 5) : tp_workload_new(&wl, "sleep:ms=2,crash_every=10"))
		return 1;
	memset(&c, 0, sizeof(c));
	opts_init(&o, strategy, 4, 1, wl);
	if (!exec) {
		strcpy(o.config.start, "fork");
		o.quiet_warnings = 1;
	}
	o.hooks.ctx = &c;
	o.hooks.on_result = eat_fds_result;
	tp_inputs_from_count(&in, 40);
	if (tp_pool_new(&p, &o) < 0)
		return 2;
	c.pool = p;
	if (tp_pool_run(p, in, &rep, &intr) < 0)
		rc = 3;
	else if (c.n != 40 || c.failed != (exec ? 0 : 4) || intr)
		rc = 4;
	else if (neaten < 1)
		rc = 5;
	else if (counter(&rep, "pool::fd_cap_workers") < 1 || counter(&rep, "pool::fd_cap_workers") > 3)
		rc = 6;
	return rc;
}

/* Out of descriptors at spawn time (EMFILE): the pool narrows to the
 * workers it has, every task still runs, nothing fails for it. */
static void test_pool_emfile_shrinks(void **state)
{
	const char *strategies[] = { "exec", "process" };
	int s, status;
	pid_t pid;

	(void)state;
	for (s = 0; s < 2; s++) {
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			tp_log_set_quiet(2);
			_exit(emfile_child(strategies[s]));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 77)
			TP_SKIP("kernel: setrlimit(RLIMIT_NOFILE) refused to lower the limit");
		if (WEXITSTATUS(status))
			fail_msg("%s: step %d failed", strategies[s], WEXITSTATUS(status));
	}
}

/* Runs exec tasks (exits, a crash, a timeout, grouped output) and forked
 * process workers; 0 when every result is right, else the failing step.
 * No cmocka asserts: it also runs in a forked child. */
static int pool_child_checks(void)
{
	char *ex_argv[] = { "sh", "-c",
			    "case $1 in 3) exit 3;; 5) kill -SEGV $$;; 7) sleep 30;; esac; printf %s. $1",
			    "sh", "{}" };
	struct tp_workload *ex = NULL, *sl = NULL;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct tp_pool *p;
	struct collect c;
	int intr, rc = 0;

	if (tp_workload_new_exec(&ex, ex_argv, 5) < 0)
		return 1;
	memset(&c, 0, sizeof(c));
	c.in_order = 1;
	opts_init(&o, "exec", 3, 1, ex);
	o.group_output = 1;
	o.keep_order = 1;
	o.timeout_s = 0.3;
	o.hooks.ctx = &c;
	o.hooks.on_result = on_result;
	tp_inputs_from_count(&in, 8);
	if (tp_pool_new(&p, &o) < 0)
		rc = 2;
	else if (tp_pool_run(p, in, &rep, &intr) < 0)
		rc = 3;
	else if (c.n != 8 || c.failed != 3 || c.timed_out != 1 || !c.in_order)
		rc = 4;
	else if (strcmp(c.out, "1.2.4.6.8."))
		rc = 5;
	if (!rc)
		free(rep.counters);
	tp_pool_free(p);
	tp_inputs_free(in);
	tp_workload_free(ex);
	if (rc)
		return rc;
	if (access(worker_exe, X_OK))
		return 9;	/* the worker binary must be built first */

	if (tp_workload_new(&sl, "sleep:ms=1,crash_every=9") < 0)
		return 6;
	memset(&c, 0, sizeof(c));
	opts_init(&o, "process", 2, 2, sl);
	strcpy(o.config.start, "fork");
	o.worker_exe = worker_exe;
	o.quiet_warnings = 1;
	o.hooks.ctx = &c;
	o.hooks.on_result = on_result;
	tp_inputs_from_count(&in, 30);
	if (tp_pool_new(&p, &o) < 0)
		rc = 7;
	else if (tp_pool_run(p, in, &rep, &intr) < 0)
		rc = 8;
	else if (c.n != 30 || c.failed != 3 || c.last_signal != SIGSEGV)
		rc = 9;
	if (!rc)
		free(rep.counters);
	tp_pool_free(p);
	tp_inputs_free(in);
	tp_workload_free(sl);
	return rc;
}

/* From now on pidfd_open fails with ENOSYS in this process, as under
 * valgrind or on Linux < 5.3; -1 when seccomp is not available. */
static int deny_pidfd_open(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pidfd_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Without pidfd_open, children are watched through SIGCHLD: exec tasks and
 * process workers run and are reaped as with pidfds. */
static void test_pool_without_pidfd(void **state)
{
	struct tp_child ch;
	struct pollfd pfd;
	struct rusage ru;
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	posix_spawnattr_t attr;
	int status = 0, rc;
	pid_t pid;

	(void)state;
	/* The test hook: a child gets no pidfd, the SIGCHLD pipe tells its exit. */
	tp_child_force_sigchld(1);
	tp_child_attr_init(&attr);
	assert_int_equal(tp_child_spawn(&ch, "/bin/sh", 0, argv, NULL, &attr), 0);
	assert_int_equal(ch.pidfd, -1);
	assert_true(tp_child_sigchld_fd() >= 0);
	for (rc = 0; !rc;) {
		pfd.fd = tp_child_sigchld_fd();
		pfd.events = POLLIN;
		do	/* SIGCHLD itself interrupts poll */
			rc = poll(&pfd, 1, 10000);
		while (rc < 0 && errno == EINTR);
		assert_int_equal(rc, 1);
		rc = 0;
		tp_child_sigchld_ack();
		rc = tp_child_reap(&ch, &status, &ru);
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	posix_spawnattr_destroy(&attr);
	assert_int_equal(pool_child_checks(), 0);
	tp_child_force_sigchld(0);

	/* The real thing: a process where pidfd_open is ENOSYS. */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (deny_pidfd_open() < 0)
			_exit(77);
		if (syscall(__NR_pidfd_open, getpid(), 0) >= 0 || errno != ENOSYS)
			_exit(76);
		tp_log_set_quiet(2);
		_exit(pool_child_checks());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		TP_SKIP("kernel: no seccomp filters to make pidfd_open ENOSYS");
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A bad input found while the pool runs is a usage error for the caller,
 * whichever thread read it (thread workers read inputs themselves). */
static void test_pool_input_error_class(void **state)
{
	const char *strategies[] = { "thread", "exec" };
	size_t n = TP_INPUT_LINE_MAX + 10;
	char *data = malloc(n + 8), *path, *argv[] = { "true" };
	struct tp_workload *ex;
	struct tp_pool_opts o;
	struct tp_inputs *in;
	struct tp_repeat rep;
	struct collect c;
	int intr, s;

	(void)state;
	memcpy(data, "1\n2\n", 4);
	memset(data + 4, 'x', n);
	data[4 + n] = '\n';
	path = write_temp(data, n + 5);
	assert_int_equal(tp_workload_new_exec(&ex, argv, 1), 0);
	for (s = 0; s < 2; s++) {
		memset(&c, 0, sizeof(c));
		opts_init(&o, strategies[s], 2, 1, s ? ex : &tiny_wl);
		assert_int_equal(tp_inputs_from_file(&in, path, 0), 0);
		tp_error_set_class(TP_EXIT_SYSTEM);
		assert_int_equal(run_pool(&o, in, &c, &rep, &intr), -1);
		assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
		assert_int_equal(c.n, 2);
		free(rep.counters);
		tp_inputs_free(in);
	}
	tp_workload_free(ex);
	unlink(path);
	free(path);
	free(data);
}

static void test_pool_config_valid(void **state)
{
	struct tp_config c = { .workers = 2, .batch = 1, .strategy = "thread" };
	struct tp_workload *ex;
	char *argv[] = { "true" };
	const char *why;
	struct tp_pool *p;
	struct tp_pool_opts o;

	(void)state;
	assert_int_equal(tp_workload_new_exec(&ex, argv, 1), 0);
	assert_int_equal(tp_pool_config_valid(&c, &tiny_wl, 0, &why), 1);
	assert_int_equal(tp_pool_config_valid(&c, ex, 0, &why), 0);
	strcpy(c.strategy, "exec");
	assert_int_equal(tp_pool_config_valid(&c, ex, 0, &why), 1);
	c.batch = 4;
	assert_int_equal(tp_pool_config_valid(&c, ex, 0, &why), 0);
	assert_int_equal(tp_pool_config_valid(&c, ex, 1, &why), 1);
	strcpy(c.strategy, "thread");
	strcpy(c.start, "fork");
	assert_int_equal(tp_pool_config_valid(&c, &tiny_wl, 0, &why), 0);
	opts_init(&o, "thraed", 1, 1, &tiny_wl);
	assert_int_equal(tp_pool_new(&p, &o), -1);
	tp_workload_free(ex);
}

/* Input classes: digit runs are one digit, anything else tells lines apart. */
static void test_input_class(void **state)
{
#define CLS(x) tp_pool_input_class(x, strlen(x))
	(void)state;
	assert_true(CLS("data/f001.txt") == CLS("data/f2.txt"));
	assert_true(CLS("sleep:ms=20") == CLS("sleep:ms=2000"));
	assert_true(CLS("sleep:ms=20") != CLS("lock:cs_us=20"));
	assert_true(CLS("a.jpg") != CLS("b.jpg"));
	assert_true(CLS("12") == CLS("987654"));
	assert_true(CLS("") != CLS("0"));
	assert_true(tp_pool_input_class("ab\0c", 4) != CLS("ab"));
#undef CLS
}

int main(int argc, char **argv)
{
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inputs_args_and_count),
		cmocka_unit_test(test_inputs_file),
		cmocka_unit_test(test_inputs_long_lines),
		cmocka_unit_test(test_inputs_held_limits),
		cmocka_unit_test(test_template_placeholders),
		cmocka_unit_test(test_template_shell_and_multi),
		cmocka_unit_test(test_stop_signals),
		cmocka_unit_test(test_linefwd),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_pool_config_valid),
		cmocka_unit_test(test_pool_thread_counts),
		cmocka_unit_test(test_pool_thread_keep_order_and_failures),
		cmocka_unit_test(test_pool_thread_timeout),
		cmocka_unit_test(test_pool_stop_and_grow),
		cmocka_unit_test(test_pool_exec_faults),
		cmocka_unit_test(test_pool_process_faults),
		cmocka_unit_test(test_pool_shrink),
		cmocka_unit_test(test_pool_exec_grouped_output),
		cmocka_unit_test(test_pool_exec_ramp),
		cmocka_unit_test(test_pool_input_error_class),
		cmocka_unit_test(test_pool_without_pidfd),
		cmocka_unit_test(test_pool_exec_output_spill),
		cmocka_unit_test(test_pool_emfile_shrinks),
		cmocka_unit_test(test_input_class),
	};

	snprintf(worker_exe, sizeof(worker_exe), "%.*s/../tunepool",
		 slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");

	return cmocka_run_group_tests(tests, NULL, NULL);
}
