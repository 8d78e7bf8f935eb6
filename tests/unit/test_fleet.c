/* Unit tests for fleet/: the Slurm --mem of the export, memory_base in the
 * conf, running client commands, and the per-class merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "fleet/merge.h"
#include "fleet/slurm.h"
#include "tuner/conf.h"
#include "tuner/export.h"

static void test_slurm_mem(void **state)
{
	struct tp_tuned_conf c;

	(void)state;
	tp_conf_init(&c);
	c.workers = 4;
	c.memory_per_worker_kb = 2000;
	assert_int_equal(tp_export_slurm_mem_mb(&c), 0);	/* no measured base */
	c.memory_base_kb = 10000;
	/* (10000 + 4 x 2000) x 1.25 = 22500 KB -> 22 MB rounded up */
	assert_int_equal(tp_export_slurm_mem_mb(&c), 22);
	c.memory_per_worker_kb = 0;
	assert_int_equal(tp_export_slurm_mem_mb(&c), 13);	/* 12500 KB */
}

static void test_conf_memory_base(void **state)
{
	struct tp_tuned_conf a, b;
	struct tp_strbuf sb = TP_STRBUF_INIT;

	(void)state;
	tp_conf_init(&a);
	snprintf(a.fingerprint, sizeof(a.fingerprint), "00ff00ff00ff00ff");
	tp_conf_format(&a, &sb);
	assert_null(strstr(sb.buf, "memory_base"));	/* unknown: not written */
	tp_strbuf_reset(&sb);
	a.memory_base_kb = 5856;
	tp_conf_format(&a, &sb);
	assert_non_null(strstr(sb.buf, "memory_base = 5856K\n"));
	assert_int_equal(tp_conf_parse(sb.buf, "x.conf", &b), 0);
	assert_int_equal(b.memory_base_kb, 5856);
	tp_strbuf_release(&sb);
}

static void test_exec(void **state)
{
	char *ok[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char *missing[] = { "tunepool-no-such-command", NULL };
	struct tp_strbuf out = TP_STRBUF_INIT, err = TP_STRBUF_INIT;

	(void)state;
	assert_int_equal(tp_fleet_exec(ok, &out, &err), 3);
	assert_string_equal(out.buf, "out\n");
	assert_string_equal(err.buf, "err\n");
	assert_int_equal(tp_fleet_exec(ok, NULL, NULL), 3);
	tp_log_set_quiet(2);
	assert_int_equal(tp_fleet_exec(missing, &out, NULL), -1);
	tp_log_set_quiet(0);
	tp_strbuf_release(&out);
	tp_strbuf_release(&err);
}

/* A node's results: throughput scale x (1, 1.9, 2.5) at workers 1, 2, 4. */
static void write_node(const char *dir, const char *name, const char *fp, double scale,
		       int rec_workers, const char *options)
{
	static const double curve[] = { 1, 1.9, 2.5 };
	static const int workers[] = { 1, 2, 4 };
	struct tp_results r;
	char path[512];
	size_t i, k;

	tp_results_init(&r);
	r.tool_version = strdup("test");
	r.machine = json_pack("{s:s, s:f, s:{s:i}}", "fingerprint", fp, "cpus_usable", 2.0,
			      "memory", "usable_kb", 1000000);
	r.workload_name = strdup("sleep");
	r.workload_options = strdup(options);
	r.input_signature = strdup("count");
	for (i = 0; i < 3; i++) {
		struct tp_config c = { .workers = workers[i], .batch = 1, .strategy = "thread" };
		struct tp_trial *t = tp_results_trial(&r, &c);

		for (k = 0; k < 6; k++) {
			struct tp_repeat rep = { 0 };

			rep.throughput = 100 * curve[i] * scale * (1 + 0.002 * (double)k);
			rep.tasks = 100;
			rep.wall_s = 100 / rep.throughput;
			rep.rss_peak_kb = 4000;
			tp_trial_add_repeat(t, &rep);
		}
		tp_trial_update_stats(t);
	}
	r.rec.present = 1;
	r.rec.config = r.trials[rec_workers == 1 ? 0 : rec_workers == 2 ? 1 : 2].config;
	snprintf(r.rec.objective, sizeof(r.rec.objective), "throughput");
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	assert_int_equal(tp_results_write(&r, path), 0);
	tp_results_release(&r);
}

static char *slurp(const char *path)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;

	assert_int_equal(tp_read_file(path, &sb), 0);
	return tp_strbuf_detach(&sb);
}

static void test_merge(void **state)
{
	char dir[] = "/tmp/tp-test-fleet.XXXXXX", out[600], *paths[5], *text;
	static const char *const names[] = { "a1", "a2", "a3", "b1", "b2" };
	struct tp_fleet_merge_opts o;
	struct tp_fleet_merge_summary sum;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	struct tp_tuned_conf c;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_node(dir, "a1", "aaaa", 1.0, 4, "sleep:ms=1");
	write_node(dir, "a2", "aaaa", 1.01, 4, "sleep:ms=1");
	write_node(dir, "a3", "aaaa", 0.6, 4, "sleep:ms=1");	/* slow */
	write_node(dir, "b1", "bbbb", 2.0, 4, "sleep:ms=1");
	write_node(dir, "b2", "bbbb", 2.0, 2, "sleep:ms=1");	/* prefers 2, keeps 4 */
	for (i = 0; i < 5; i++) {
		paths[i] = malloc(600);
		snprintf(paths[i], 600, "%s/%s.json", dir, names[i]);
	}
	snprintf(out, sizeof(out), "%s/classes", dir);
	tp_fleet_merge_opts_init(&o);
	assert_int_equal(tp_fleet_merge(paths, 5, out, &o, &sb, &sum), 0);
	assert_int_equal(sum.nodes, 5);
	assert_int_equal(sum.classes, 2);
	assert_int_equal(sum.slow, 1);
	assert_non_null(strstr(sb.buf, "slow node a3"));
	snprintf(out, sizeof(out), "%s/classes/bbbb.conf", dir);
	assert_int_equal(tp_conf_read(out, &c), 0);
	assert_int_equal(c.workers, 4);		/* b2's own best keeps 2.5/1.9 of it */
	snprintf(out, sizeof(out), "%s/classes/index.tsv", dir);
	text = slurp(out);
	assert_non_null(strstr(text, "a3\taaaa\taaaa.conf\t"));
	assert_non_null(strstr(text, "\tslow\n"));
	free(text);

	/* A workload that differs is refused, naming the file. */
	write_node(dir, "b2", "bbbb", 2.0, 2, "sleep:ms=9");
	tp_log_set_quiet(2);
	tp_strbuf_reset(&sb);
	assert_int_equal(tp_fleet_merge(paths, 5, out, &o, &sb, &sum), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	assert_int_equal(tp_fleet_merge(paths, 0, out, &o, &sb, &sum), -1);
	tp_log_set_quiet(0);
	for (i = 0; i < 5; i++) {
		unlink(paths[i]);
		free(paths[i]);
	}
	snprintf(out, sizeof(out), "rm -rf '%s'", dir);
	assert_int_equal(system(out), 0);
	tp_strbuf_release(&sb);
}

/* Enough files that the loader runs on threads (run under TSan too). */
static void test_merge_many(void **state)
{
	char dir[] = "/tmp/tp-test-fleet-many.XXXXXX", out[600], *paths[48];
	struct tp_fleet_merge_opts o;
	struct tp_fleet_merge_summary sum;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 48; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%02zu", i);
		write_node(dir, name, i % 2 ? "odd" : "even", i == 7 ? 0.5 : 1.0, 4, "sleep:ms=1");
		paths[i] = malloc(600);
		snprintf(paths[i], 600, "%s/%s.json", dir, name);
	}
	snprintf(out, sizeof(out), "%s/classes", dir);
	tp_fleet_merge_opts_init(&o);
	assert_int_equal(tp_fleet_merge(paths, 48, out, &o, &sb, &sum), 0);
	assert_int_equal(sum.nodes, 48);
	assert_int_equal(sum.classes, 2);
	assert_int_equal(sum.slow, 1);
	assert_non_null(strstr(sb.buf, "slow node n07"));
	/* A bad file among many is still named. */
	assert_int_equal(tp_write_file_atomic(paths[30], "{", 1), 0);
	tp_log_set_quiet(2);
	assert_int_equal(tp_fleet_merge(paths, 48, out, &o, &sb, &sum), -1);
	tp_log_set_quiet(0);
	for (i = 0; i < 48; i++)
		free(paths[i]);
	snprintf(out, sizeof(out), "rm -rf '%s'", dir);
	assert_int_equal(system(out), 0);
	tp_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slurm_mem),
		cmocka_unit_test(test_conf_memory_base),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
