/* Unit tests for tuner/conf.c and the export formats: round trip, bad lines
 * named with file and line, golden files of every format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

#define GOLDEN "tests/golden/export/"

static void test_round_trip(void **state)
{
	struct tp_tuned_conf a, b;
	struct tp_strbuf sb = TP_STRBUF_INIT;

	(void)state;
	tp_conf_init(&a);
	snprintf(a.workload, sizeof(a.workload), "sleep:ms=20ms");
	snprintf(a.date, sizeof(a.date), "2026-11-21T10:00:00Z");
	a.workers = 48;
	a.batch = 2;
	snprintf(a.strategy, sizeof(a.strategy), "process");
	snprintf(a.start, sizeof(a.start), "fork");
	snprintf(a.bind, sizeof(a.bind), "numa");
	a.min_workers = 2;
	a.max_workers = 96;
	a.memory_per_worker_kb = 2048;
	a.interval_ms = 100;
	snprintf(a.model_kind, sizeof(a.model_kind), "amdahl");
	a.usl_sigma = 0.125;
	a.usl_kappa = 0;
	a.peak_workers = 0;
	a.throughput = 2345.5;
	snprintf(a.fingerprint, sizeof(a.fingerprint), "00ff00ff00ff00ff");
	a.cpus_usable = 1.5;
	a.memory_usable_kb = 123456;

	tp_conf_format(&a, &sb);
	assert_int_equal(tp_conf_parse(sb.buf, "mem.conf", &b), 0);
	assert_string_equal(b.workload, a.workload);
	assert_string_equal(b.date, a.date);
	assert_int_equal(b.workers, 48);
	assert_int_equal(b.batch, 2);
	assert_string_equal(b.strategy, "process");
	assert_string_equal(b.start, "fork");
	assert_string_equal(b.bind, "numa");
	assert_int_equal(b.min_workers, 2);
	assert_int_equal(b.max_workers, 96);
	assert_int_equal(b.memory_per_worker_kb, 2048);
	assert_int_equal(b.interval_ms, 100);
	assert_string_equal(b.model_kind, "amdahl");
	assert_true(b.usl_sigma == 0.125 && b.usl_kappa == 0);
	assert_true(b.throughput == 2345.5);
	assert_true(isnan(b.throughput_ci_low));
	assert_string_equal(b.fingerprint, a.fingerprint);
	assert_true(b.cpus_usable == 1.5);
	assert_int_equal(b.memory_usable_kb, 123456);
	tp_strbuf_release(&sb);
}

static void test_defaults_follow_workers(void **state)
{
	struct tp_tuned_conf c;

	(void)state;
	assert_int_equal(tp_conf_parse("[run]\nworkers = 12\n", "x.conf", &c), 0);
	assert_int_equal(c.workers, 12);
	assert_int_equal(c.max_workers, 12);
	assert_int_equal(c.min_workers, 1);
	assert_string_equal(c.strategy, "thread");
	assert_string_equal(c.start, "");
	assert_string_equal(c.controller, "hill");
}

/* Runs tp_conf_parse on text with stderr captured; returns the message. */
static char *parse_error(const char *text)
{
	static char msg[1024];
	struct tp_tuned_conf c;
	char path[] = "/tmp/tp-test-conf-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	size_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	assert_int_equal(tp_conf_parse(text, "bad.conf", &c), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(path, "r");
	n = fread(msg, 1, sizeof(msg) - 1, f);
	msg[n] = '\0';
	fclose(f);
	close(fd);
	unlink(path);
	return msg;
}

static void test_bad_lines_named(void **state)
{
	char *m;

	(void)state;
	m = parse_error("[run]\nworkers = 4\nbatch = abc\n");
	assert_non_null(strstr(m, "'bad.conf': line 3: batch = 'abc' is not a number"));
	m = parse_error("# c\n\n[run]\nworkers = 0\n");
	assert_non_null(strstr(m, "line 4: workers = '0' is out of range"));
	m = parse_error("[run]\nstrategy = green\n");
	assert_non_null(strstr(m, "line 2: strategy = 'green'"));
	m = parse_error("[run]\nworkrs = 3\n");
	assert_non_null(strstr(m, "line 2: unknown key 'workrs'"));
	m = parse_error("[runn]\nworkers = 3\n");
	assert_non_null(strstr(m, "unknown section '[runn]'"));
	m = parse_error("[run]\nworkers = 4\njunk\n");
	assert_non_null(strstr(m, "line 3: not an INI line"));
	m = parse_error("[bounds]\nmemory_per_worker = lots\n");
	assert_non_null(strstr(m, "memory_per_worker = 'lots' is not a size"));
	m = parse_error("[run]\nworkers = 8\n[bounds]\nmax_workers = 4\n");
	assert_non_null(strstr(m, "max_workers = 4 is below workers = 8"));
	m = parse_error("[run]\nstrategy = process\n");
	assert_non_null(strstr(m, "needs start"));
}

static void test_export_golden(void **state)
{
	struct tp_tuned_conf c;
	const struct tp_export_desc *const *tab;
	size_t n, i;

	(void)state;
	assert_int_equal(tp_conf_read(GOLDEN "tunepool.conf", &c), 0);
	tab = tp_export_table(&n);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		struct tp_strbuf got = TP_STRBUF_INIT, want = TP_STRBUF_INIT;
		char *path = NULL;

		assert_true(asprintf(&path, GOLDEN "%s.out", tab[i]->name) > 0);
		assert_int_equal(tp_read_file(path, &want), 0);
		assert_int_equal(tab[i]->write(&c, &got), 0);
		if (strcmp(got.buf, want.buf))
			fail_msg("export '%s' differs from %s:\n%s", tab[i]->name, path, got.buf);
		free(path);
		tp_strbuf_release(&got);
		tp_strbuf_release(&want);
	}
	assert_non_null(tp_export_find("slurm"));
	tp_log_set_quiet(2);
	assert_null(tp_export_find("yaml"));
	tp_log_set_quiet(0);
}

static void test_export_cpus(void **state)
{
	struct tp_tuned_conf c;

	(void)state;
	tp_conf_init(&c);
	c.workers = 64;
	c.cpus_usable = 2.5;
	assert_int_equal(tp_export_cpus(&c), 3);
	c.workers = 2;
	assert_int_equal(tp_export_cpus(&c), 2);
	c.cpus_usable = 0;
	c.workers = 9;
	assert_int_equal(tp_export_cpus(&c), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_defaults_follow_workers),
		cmocka_unit_test(test_bad_lines_named),
		cmocka_unit_test(test_export_golden),
		cmocka_unit_test(test_export_cpus),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
