/* Unit tests for run's GNU parallel syntax in runner/: several input sources
 * (combinations, links, wrap-around), -0, --colsep, the reader thread for
 * piped inputs, the positional and slot placeholders, -X/-m/-n expansion,
 * unsupported placeholders, and the end-of-run summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "runner/inputs.h"
#include "runner/summary.h"
#include "runner/template.h"

/* Every input of in, each with its fields split by '|', joined by ' '. */
static char *drain_all(struct tp_inputs *in)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const char *l;
	size_t len, i;
	int rc;

	while ((rc = tp_inputs_next(in, &l, &len)) == 1) {
		if (sb.len)
			tp_strbuf_addch(&sb, ' ');
		for (i = 0; i < len; i++)
			tp_strbuf_addch(&sb, l[i] == TP_INPUT_FS ? '|' : l[i] == '\n' ? '/' : l[i]);
	}
	assert_int_equal(rc, 0);
	return tp_strbuf_detach(&sb);
}

static void check_sources(const struct tp_input_source *src, int n, int link, const char *want,
			  long long total)
{
	struct tp_inputs *in;
	char *got;

	assert_int_equal(tp_inputs_from_sources(&in, src, n, link, '\n'), 0);
	assert_int_equal(tp_inputs_total(in), total);
	got = drain_all(in);
	assert_string_equal(got, want);
	free(got);
	/* It rewinds to the same sequence. */
	assert_int_equal(tp_inputs_rewind(in), 0);
	got = drain_all(in);
	assert_string_equal(got, want);
	free(got);
	tp_inputs_free(in);
}

static void test_sources_combinations(void **state)
{
	char *ab[] = { "a", "b" }, *cd[] = { "c", "d" }, *x[] = { "x" }, *one23[] = { "1", "2", "3" };
	struct tp_input_source two[] = { { .args = ab, .nargs = 2 }, { .args = cd, .nargs = 2 } };
	struct tp_input_source three[] = {
		{ .args = ab, .nargs = 2 }, { .args = x, .nargs = 1 }, { .args = cd, .nargs = 2 },
	};
	struct tp_input_source linked[] = {
		{ .args = one23, .nargs = 3 }, { .args = ab, .nargs = 2, .linked = 1 },
		{ .args = x, .nargs = 1 },
	};
	struct tp_input_source empty[] = { { .args = ab, .nargs = 2 }, { .args = NULL, .nargs = 0 } };

	(void)state;
	/* The last source varies fastest, as in parallel. */
	check_sources(two, 2, 0, "a|c a|d b|c b|d", 4);
	check_sources(three, 3, 0, "a|x|c a|x|d b|x|c b|x|d", 4);
	/* --link: together, the shorter wrapping around. */
	check_sources(two, 2, 1, "a|c b|d", 2);
	check_sources(linked, 3, 0, "1|a|x 2|b|x 3|a|x", 3);
	/* An empty source: no combination at all. */
	check_sources(empty, 2, 0, "", 0);
}

static char *write_file(const char *data, size_t len)
{
	char *path = strdup("/tmp/tp-unit-psyntax.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_sources_files_null_colsep(void **state)
{
	char *p1 = write_file("x\ny\n", 4), *p0 = write_file("a b\0c\nd\0", 8);
	char *z[] = { "z" };
	struct tp_input_source src[] = { { .path = p1 }, { .args = z, .nargs = 1 } };
	struct tp_input_source bad[] = { { .path = "/nonexistent/tp" }, { .args = z, .nargs = 1 } };
	struct tp_inputs *in;
	char *got;

	(void)state;
	check_sources(src, 2, 0, "x|z y|z", 2);
	/* A file that cannot be read is a usage error naming it. */
	assert_int_equal(tp_inputs_from_sources(&in, bad, 2, 0, '\n'), -1);
	assert_int_equal(tp_error_exit_code(), 2);
	/* -0: NUL ends an input, newlines are part of it. */
	assert_int_equal(tp_inputs_from_file_sep(&in, p0, 0, '\0'), 0);
	got = drain_all(in);
	assert_string_equal(got, "a b c/d");
	free(got);
	tp_inputs_free(in);
	/* --colsep: a literal string, the columns become fields. */
	{
		char *rows[] = { "k1::v1", "k2::v2::w", "plain", "" };

		assert_int_equal(tp_inputs_from_args(&in, rows, 4), 0);
		tp_inputs_set_colsep(in, "::");
		got = drain_all(in);
		assert_string_equal(got, "k1|v1 k2|v2|w plain ");
		free(got);
		tp_inputs_free(in);
	}
	/* ... or a regex as parallel's, Perl escapes included. */
	{
		char *rows[] = { "a  b\tc", "d e", "f" };

		assert_int_equal(tp_inputs_from_args(&in, rows, 3), 0);
		assert_int_equal(tp_inputs_set_colsep(in, "\\s+"), 0);
		got = drain_all(in);
		assert_string_equal(got, "a|b|c d|e f");
		free(got);
		assert_int_equal(tp_inputs_set_colsep(in, "("), -1);
		assert_int_equal(tp_error_exit_code(), 2);
		tp_inputs_free(in);
	}
	unlink(p1);
	unlink(p0);
	free(p1);
	free(p0);
}

static atomic_int notified;

static void on_notify(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&notified, 1);
}

/* A pipe gets a reader thread: next() never blocks, AGAIN until a line comes. */
static void test_inputs_async_pipe(void **state)
{
	int fds[2], saved = dup(0), rc, spins = 0;
	struct tp_inputs *in;
	const char *l;
	size_t len;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(dup2(fds[0], 0), 0);
	close(fds[0]);
	assert_int_equal(tp_inputs_from_file(&in, "-", 0), 0);
	assert_int_equal(tp_inputs_async(in, on_notify, NULL), 1);
	assert_int_equal(tp_inputs_next(in, &l, &len), TP_INPUTS_AGAIN);
	assert_int_equal(write(fds[1], "one\ntw", 6), 6);
	while ((rc = tp_inputs_next(in, &l, &len)) == TP_INPUTS_AGAIN && spins++ < 2000)
		usleep(1000);
	assert_int_equal(rc, 1);
	assert_string_equal(l, "one");
	assert_true(atomic_load(&notified) >= 1);
	assert_int_equal(tp_inputs_next(in, &l, &len), TP_INPUTS_AGAIN);
	assert_int_equal(write(fds[1], "o\n", 2), 2);
	close(fds[1]);
	spins = 0;
	while ((rc = tp_inputs_next(in, &l, &len)) == TP_INPUTS_AGAIN && spins++ < 2000)
		usleep(1000);
	assert_int_equal(rc, 1);
	assert_string_equal(l, "two");
	spins = 0;
	while ((rc = tp_inputs_next(in, &l, &len)) == TP_INPUTS_AGAIN && spins++ < 2000)
		usleep(1000);
	assert_int_equal(rc, 0);
	tp_inputs_free(in);
	/* Freed while its reader waits for data: its stop pipe ends it. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(dup2(fds[0], 0), 0);
	close(fds[0]);
	assert_int_equal(tp_inputs_from_file(&in, "-", 0), 0);
	assert_int_equal(tp_inputs_async(in, on_notify, NULL), 1);
	usleep(10000);
	tp_inputs_free(in);
	close(fds[1]);
	dup2(saved, 0);
	close(saved);
	/* A list needs no thread. */
	{
		char *a[] = { "x" };

		assert_int_equal(tp_inputs_from_args(&in, a, 1), 0);
		assert_int_equal(tp_inputs_async(in, on_notify, NULL), 0);
		tp_inputs_free(in);
	}
}

/* words expanded for inputs (fields split by '|'), argv joined by ' ' with
 * each word in [brackets]. */
static char *expand(char **words, int nw, int fields, int join, const char **ins, int n,
		    int slot)
{
	struct tp_template t;
	struct tp_strbuf buf = TP_STRBUF_INIT, all = TP_STRBUF_INIT;
	char **argv = NULL, *conv[8];
	size_t alloc = 0;
	int argc, i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		char *p;

		conv[i] = strdup(ins[i]);
		for (p = conv[i]; *p; p++)
			if (*p == '|')
				*p = TP_INPUT_FS;
	}
	assert_int_equal(tp_template_check(words, nw), 0);
	assert_int_equal(tp_template_init(&t, words, nw, 0), 0);
	t.fields = fields;
	t.join = join;
	argc = tp_template_expand_slot(&t, (const char *const *)conv, n, 7, slot, &buf, &argv,
				       &alloc);
	for (i = 0; i < argc; i++)
		tp_strbuf_addf(&all, "%s[%s]", i ? " " : "", argv[i]);
	assert_null(argv[argc]);
	for (i = 0; i < n; i++)
		free(conv[i]);
	free(argv);
	tp_strbuf_release(&buf);
	tp_template_release(&t);
	return tp_strbuf_detach(&all);
}

#define EXPECT(want, words, fields, join, slot, ...)                                           \
	do {                                                                                   \
		const char *ins_[] = { __VA_ARGS__ };                                          \
		char *got_ = expand(words, (int)(sizeof(words) / sizeof(words[0])), fields,   \
				    join, ins_, (int)(sizeof(ins_) / sizeof(ins_[0])), slot);  \
		assert_string_equal(got_, want);                                               \
		free(got_);                                                                    \
	} while (0)

static void test_template_positional_and_slot(void **state)
{
	char *pos[] = { "echo", "{2}-{1}", "{3}" };
	char *mods[] = { "{1.}", "{1/}", "{2//}", "{2/.}" };
	char *all[] = { "e", "{}" };
	char *none[] = { "e" };
	char *seqslot[] = { "e", "{#}/{%}" };
	char *embedded[] = { "e", "x{}y" };

	(void)state;
	EXPECT("[echo] [b-a] []", pos, 1, 0, 1, "a|b");
	EXPECT("[a] [a.b] [x/y] [z]", mods, 1, 0, 1, "a.b|x/y/z.w");
	/* {} of several fields: a word each (argv form); appended when none. */
	EXPECT("[e] [a] [b]", all, 1, 0, 1, "a|b");
	EXPECT("[e] [a] [b] [c]", none, 1, 0, 1, "a|b|c");
	/* {#} and {%} alone append nothing, as in parallel. */
	EXPECT("[e] [7/3]", seqslot, 0, 0, 3, "in");
	/* Without fields an input's separator byte is just a byte. */
	EXPECT("[e] [x\x1fy]", all, 0, 0, 1, "x|y");
	/* -X repeats the word per input, -m joins the inputs into it. */
	EXPECT("[e] [xay] [xby]", embedded, 0, 0, 1, "a", "b");
	EXPECT("[e] [xa by]", embedded, 0, 1, 1, "a", "b");
	EXPECT("[e] [a] [b]", all, 0, 1, 1, "a", "b");
	/* -n 2: positions index the inputs of the command. */
	EXPECT("[echo] [d-c] []", pos, 0, 0, 1, "c", "d");
}

static void test_template_unsupported(void **state)
{
	static const char *const bad[] = { "{=uc=}", "x{+/}y", "{##}", "{0}", "{-1}", "{1+.}",
					   "{..}", "{/#}", "{2%}" };
	static const char *const fine[] = { "{}", "{x}", "{a,b}", "${0}", "${HOME}", "{ echo; }",
					     "awk '{print $1}'", "{1..3}", "{12}", "{%}", "{/.}" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *w[] = { "echo", (char *)bad[i] };

		assert_int_equal(tp_template_check(w, 2), -1);
		assert_int_equal(tp_error_exit_code(), 2);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		char *w[] = { "echo", (char *)fine[i] };

		assert_int_equal(tp_template_check(w, 2), 0);
	}
}

static void test_summary(void **state)
{
	struct tp_repeat rep = { .wall_s = 10, .cpu_util = 0.5 };
	struct tp_results res;
	struct tp_timeline_point tl[] = {
		{ .t_s = 2, .workers = 2 }, { .t_s = 4, .workers = 4 }, { .t_s = 10, .workers = 4 },
	};
	struct tp_run_summary s;
	json_t *j;
	char buf[1024];
	FILE *f;

	(void)state;
	tp_results_init(&res);
	res.timeline = tl;
	res.ntimeline = 3;
	tp_run_summary_fill(&s, &rep, &res, 18, 2, 0, 30.0, 2);
	assert_int_equal(s.ok, 18);
	assert_true(s.throughput > 1.99 && s.throughput < 2.01);
	/* time-weighted: 2 s at 2, 2 s at 4, 6 s at 4 */
	assert_true(s.width_mean > 3.59 && s.width_mean < 3.61);
	assert_int_equal(s.width_peak, 4);
	assert_int_equal(s.width_changes, 1);
	assert_true(s.efficiency > 0.83 && s.efficiency < 0.84);
	j = tp_run_summary_to_json(&s);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "failed")), 2);
	json_decref(j);
	f = fmemopen(buf, sizeof(buf), "w");
	tp_run_summary_print(&s, f);
	fclose(f);
	assert_non_null(strstr(buf, "18 ok, 2 failed"));
	assert_non_null(strstr(buf, "peak 4"));
	assert_non_null(strstr(buf, "cpu 50%"));
	/* Without a timeline the starting width stands in. */
	tp_run_summary_fill(&s, &rep, NULL, 1, 0, 0, 0, 3);
	assert_int_equal(s.width_peak, 3);
	res.timeline = NULL;
	res.ntimeline = 0;
	tp_results_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources_combinations),
		cmocka_unit_test(test_sources_files_null_colsep),
		cmocka_unit_test(test_inputs_async_pipe),
		cmocka_unit_test(test_template_positional_and_slot),
		cmocka_unit_test(test_template_unsupported),
		cmocka_unit_test(test_summary),
	};

	tp_log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
