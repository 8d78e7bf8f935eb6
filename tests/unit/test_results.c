/* Unit tests for core/results: JSON round trip, field-naming errors on
 * malformed or truncated files, CSV rows. */
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
#include "core/hyperfine.h"
#include "core/log.h"
#include "core/results.h"
#include "core/strbuf.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tp-test-results-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *file(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void fill(struct tp_results *r)
{
	struct tp_config c = { .workers = 4, .batch = 16, .strategy = "process", .start = "spawn" };
	struct tp_counter ctr[2] = { { "PAPI_TOT_INS", 1e9 }, { "perf::CPU-MIGRATIONS", 12 } };
	struct tp_timeline_point tl = { .t_s = 1.5, .workers = 3, .throughput = 99.5,
					.cpu_busy = 0.7, .mem_pressure = -1, .queue_depth = 4 };
	struct tp_trial *t;
	int i;

	tp_results_init(r);
	r->tool_version = strdup("9.9.9");
	r->machine = json_pack("{s:i, s:s}", "schema", 1, "fingerprint", "abc123");
	r->workload_name = strdup("cpu");
	r->workload_options = strdup("ms=5ms");
	r->input_signature = strdup("deadbeef");
	for (i = 0; i < 5; i++) {
		struct tp_repeat rep = { .wall_s = 2.0 + i * 0.01, .tasks = 200,
					 .cpu_user_s = 7.5, .cpu_sys_s = 0.25, .cpu_util = 0.97,
					 .rss_peak_kb = 4096, .ctx_switches = 30,
					 .ctx_voluntary = 20, .ctx_involuntary = 10,
					 .lat_p50_s = 0.005, .lat_p95_s = 0.007, .lat_p99_s = 0.0123456789,
					 .failures = 0, .counters = ctr, .ncounters = i ? 2 : 1 };

		rep.throughput = rep.tasks / rep.wall_s;
		t = tp_results_trial(r, &c);
		tp_trial_add_repeat(t, &rep);
	}
	tp_trial_update_stats(t);
	c.workers = 1;
	c.batch = 1;
	c.start[0] = '\0';
	strcpy(c.strategy, "thread");
	t = tp_results_trial(r, &c);
	tp_trial_add_repeat(t, &(struct tp_repeat){ .wall_s = 8, .tasks = 200, .throughput = 25 });
	tp_trial_update_stats(t);
	strcpy(r->model.kind, "usl");
	r->model.lambda = 26;
	r->model.sigma = 0.04;
	r->model.kappa = 0.001;
	r->model.peak_workers = 31;
	r->model.r2 = 0.99;
	r->model.points = 2;
	r->rec.present = 1;
	r->rec.config = r->trials[0].config;
	strcpy(r->rec.objective, "throughput");
	r->rec.value = 99;
	r->rec.ci_low = 98;
	r->rec.ci_high = 100;
	r->rec.near = calloc(1, sizeof(*r->rec.near));
	r->rec.near[0] = r->trials[1].config;
	r->rec.nnear = 1;
	tp_results_add_timeline(r, &tl);
}

static void test_round_trip(void **state)
{
	struct tp_results a, b;
	const struct tp_repeat *p;
	char buf[64];

	(void)state;
	fill(&a);
	assert_int_equal(tp_results_write(&a, file("a.json")), 0);
	tp_results_init(&b);
	assert_int_equal(tp_results_read(&b, file("a.json")), 0);
	assert_string_equal(b.tool_version, "9.9.9");
	assert_string_equal(json_string_value(json_object_get(b.machine, "fingerprint")), "abc123");
	assert_string_equal(b.workload_name, "cpu");
	assert_string_equal(b.workload_options, "ms=5ms");
	assert_string_equal(b.input_signature, "deadbeef");
	assert_int_equal(b.ntrials, 2);
	assert_string_equal(tp_config_format(&b.trials[0].config, buf, sizeof(buf)),
			    "w=4 b=16 process/spawn");
	assert_string_equal(tp_config_format(&b.trials[1].config, buf, sizeof(buf)),
			    "w=1 b=1 thread");
	assert_int_equal(b.trials[0].nrepeats, 5);
	p = &b.trials[0].repeats[4];
	assert_true(p->wall_s == a.trials[0].repeats[4].wall_s);
	assert_true(p->throughput == a.trials[0].repeats[4].throughput);
	assert_true(fabs(p->lat_p99_s - 0.0123456789) < 1e-15);
	assert_int_equal(p->rss_peak_kb, 4096);
	assert_int_equal(p->ctx_involuntary, 10);
	assert_int_equal(p->ncounters, 2);
	assert_string_equal(p->counters[1].name, "perf::CPU-MIGRATIONS");
	assert_true(p->counters[1].value == 12);
	assert_int_equal(b.trials[0].repeats[0].ncounters, 1);
	assert_true(b.trials[0].stats.median == a.trials[0].stats.median);
	assert_true(b.trials[0].stats.ci_low == a.trials[0].stats.ci_low);
	assert_int_equal(b.trials[0].stats.n, 5);
	assert_string_equal(b.model.kind, "usl");
	assert_true(b.model.sigma == 0.04 && b.model.kappa == 0.001);
	assert_int_equal(b.rec.present, 1);
	assert_true(tp_config_equal(&b.rec.config, &a.rec.config));
	assert_int_equal(b.rec.nnear, 1);
	assert_true(tp_config_equal(&b.rec.near[0], &a.trials[1].config));
	assert_int_equal(b.ntimeline, 1);
	assert_int_equal(b.timeline[0].workers, 3);
	assert_true(b.timeline[0].mem_pressure == -1);

	/* writing what was read gives the same bytes */
	assert_int_equal(tp_results_write(&b, file("b.json")), 0);
	{
		struct tp_strbuf x = TP_STRBUF_INIT, y = TP_STRBUF_INIT;

		assert_int_equal(tp_read_file(file("a.json"), &x), 0);
		assert_int_equal(tp_read_file(file("b.json"), &y), 0);
		assert_string_equal(x.buf, y.buf);
		tp_strbuf_release(&x);
		tp_strbuf_release(&y);
	}
	tp_results_release(&a);
	tp_results_release(&b);
	assert_int_equal(a.ntrials, 0);
	tp_results_release(&a);	/* twice is fine */
}

static void test_stats_and_trial_lookup(void **state)
{
	struct tp_results r;
	struct tp_config c = { .workers = 2, .batch = 1, .strategy = "thread" };
	struct tp_trial *t;
	const double tput[] = { 100, 101, 99, 100, 102, 98, 100, 400 };
	size_t i;

	(void)state;
	tp_results_init(&r);
	t = tp_results_trial(&r, &c);
	for (i = 0; i < 8; i++)
		tp_trial_add_repeat(t, &(struct tp_repeat){ .throughput = tput[i], .wall_s = 1 });
	assert_ptr_equal(tp_results_trial(&r, &c), t);
	assert_int_equal(r.ntrials, 1);
	tp_trial_update_stats(t);
	assert_int_equal(t->stats.n, 8);
	assert_true(t->stats.median == 100);
	assert_int_equal(t->stats.outliers, 1);
	assert_int_equal(t->repeats[7].outlier, 1);
	assert_int_equal(t->repeats[0].outlier, 0);
	tp_results_release(&r);
}

/* Writes text to name, reads it, and checks the error message mentions want. */
static void expect_bad(const char *text, const char *want)
{
	struct tp_results r;
	char errfile[160], *msg;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int saved, ret;
	FILE *f;

	assert_int_equal(tp_write_file_atomic(file("bad.json"), text, strlen(text)), 0);
	snprintf(errfile, sizeof(errfile), "%s/stderr", dir);
	fflush(stderr);
	saved = dup(2);
	f = freopen(errfile, "w", stderr);
	assert_non_null(f);
	tp_results_init(&r);
	ret = tp_results_read(&r, file("bad.json"));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(ret, -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	assert_int_equal(r.ntrials, 0);
	assert_int_equal(tp_read_file(errfile, &sb), 0);
	msg = sb.buf;
	if (!strstr(msg, want))
		fail_msg("wanted '%s' in: %s", want, msg);
	assert_non_null(strstr(msg, "bad.json"));
	tp_strbuf_release(&sb);
}

#define HEAD "{\"schema\":1,\"tool\":{\"name\":\"tunepool\",\"version\":\"1\"},\"machine\":null," \
	     "\"workload\":{\"name\":\"cpu\",\"options\":\"\",\"input_signature\":\"\"},"
#define REP(wall) "{\"wall_s\":" wall ",\"tasks\":10,\"throughput\":5,\"cpu_user_s\":1," \
		  "\"cpu_sys_s\":0,\"rss_peak_kb\":1,\"ctx_switches\":2,\"counters\":{},\"failures\":0}"
#define TRIAL(w, reps) "{\"config\":{\"workers\":" w ",\"batch\":1,\"strategy\":\"thread\"," \
		       "\"start\":\"\"},\"repeats\":[" reps "]}"

static void test_malformed(void **state)
{
	(void)state;
	expect_bad(HEAD "\"trials\":[" TRIAL("1", REP("1")) "," TRIAL("2", REP("1")) ","
		   TRIAL("3", REP("1")) "," TRIAL("4", REP("\"x\"")) "]}",
		   "cannot read '");
	expect_bad(HEAD "\"trials\":[" TRIAL("1", REP("1")) "," TRIAL("2", REP("1")) ","
		   TRIAL("3", REP("1")) "," TRIAL("4", REP("\"x\"")) "]}",
		   "': trials[3].repeats[0].wall_s is not a number");
	expect_bad(HEAD "\"trials\":[" TRIAL("1", REP("1") "," REP("-1")) "]}",
		   "trials[0].repeats[1].wall_s is -1, not a number >= 0");
	expect_bad(HEAD "\"trials\":[" TRIAL("0", REP("1")) "]}",
		   "trials[0].config.workers is 0, not an integer >= 1");
	expect_bad(HEAD "\"trials\":[" TRIAL("1", REP("1")) "," TRIAL("1", REP("1")) "]}",
		   "trials[1].config repeats the config w=1 b=1 thread of trials[0]");
	expect_bad(HEAD "\"trials\":{}}", "trials is not an array");
	expect_bad(HEAD "\"trials\":[3]}", "trials[0] is not an object");
	expect_bad("{\"schema\":1}", "tool is missing");
	expect_bad("{\"schema\":7}", "schema 7 is newer");
	expect_bad("[1,2]", "not a JSON object");
	expect_bad(HEAD "\"trials\":[{\"config\":{\"workers\":1,\"batch\":1,\"strategy\":\"thread\"},"
		   "\"repeats\":[{\"wall_s\":1}]}]}", "trials[0].repeats[0].tasks is missing");
	expect_bad(HEAD "\"trials\":[],\"recommendation\":{\"config\":{\"workers\":2,"
		   "\"batch\":1.5,\"strategy\":\"thread\"},\"objective\":\"throughput\"}}",
		   "recommendation.config.batch is not an integer");
	expect_bad(HEAD "\"trials\":[],\"timeline\":[{\"t_s\":0,\"workers\":1},{\"t_s\":\"a\"}]}",
		   "timeline[1].t_s is not a number");
	expect_bad(HEAD "\"trials\":[" TRIAL("1", "{\"wall_s\":1,\"tasks\":10,\"throughput\":5,"
		   "\"cpu_user_s\":1,\"cpu_sys_s\":0,\"rss_peak_kb\":1,\"ctx_switches\":2,"
		   "\"counters\":{\"PAPI_TOT_CYC\":\"many\"},\"failures\":0}") "]}",
		   "trials[0].repeats[0].counters.PAPI_TOT_CYC is not a number");
	/* truncated file: the parser's position */
	expect_bad(HEAD "\"trials\":[" TRIAL("1", REP("1")), "line 1 column");
	expect_bad("", "line ");
}

static void test_missing_file(void **state)
{
	struct tp_results r;
	int saved = dup(2);

	(void)state;
	assert_non_null(freopen("/dev/null", "w", stderr));
	tp_results_init(&r);
	assert_int_equal(tp_results_read(&r, file("nope.json")), -1);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
}

static void test_optional_fields(void **state)
{
	const char *text = HEAD "\"trials\":[" TRIAL("2", REP("1") "," REP("2") "," REP("3")) "]}";
	struct tp_results r;

	(void)state;
	assert_int_equal(tp_write_file_atomic(file("min.json"), text, strlen(text)), 0);
	tp_results_init(&r);
	assert_int_equal(tp_results_read(&r, file("min.json")), 0);
	assert_int_equal(r.ntrials, 1);
	/* stats computed when the file leaves them out */
	assert_int_equal(r.trials[0].stats.n, 3);
	assert_true(r.trials[0].stats.median == 5);
	assert_true(isnan(r.trials[0].repeats[0].lat_p50_s));
	assert_int_equal(r.rec.present, 0);
	assert_null(r.machine);
	assert_true(r.model.kind[0] == '\0');
	assert_int_equal(r.summary.present, 0);
	assert_null(r.run_summary);
	tp_results_release(&r);
}

#define SUMMARY "\"summary\":{\"elapsed_s\":3.5,\"ok\":147,\"failed\":3,\"skipped\":0," \
		"\"throughput\":42.5,\"width\":{\"start\":2,\"end\":3,\"min\":1,\"peak\":4," \
		"\"mean\":2.25,\"changes\":6},\"cpu_util\":null,\"busy_s\":8," \
		"\"efficiency\":0.75}"

/* The end-of-run summary `run` writes is read back field by field, survives
 * a write, and is validated with the field named. */
static void test_summary(void **state)
{
	const char *text = HEAD "\"trials\":[]," SUMMARY "}";
	struct tp_results r, b;

	(void)state;
	assert_int_equal(tp_write_file_atomic(file("sum.json"), text, strlen(text)), 0);
	tp_results_init(&r);
	assert_int_equal(tp_results_read(&r, file("sum.json")), 0);
	assert_int_equal(r.summary.present, 1);
	assert_true(r.summary.elapsed_s == 3.5);
	assert_int_equal(r.summary.ok, 147);
	assert_int_equal(r.summary.failed, 3);
	assert_int_equal(r.summary.skipped, 0);
	assert_true(r.summary.throughput == 42.5);
	assert_int_equal(r.summary.width_start, 2);
	assert_int_equal(r.summary.width_end, 3);
	assert_int_equal(r.summary.width_min, 1);
	assert_int_equal(r.summary.width_peak, 4);
	assert_int_equal(r.summary.width_changes, 6);
	assert_true(r.summary.width_mean == 2.25);
	assert_true(isnan(r.summary.cpu_util));		/* null: unknown */
	assert_true(r.summary.busy_s == 8);
	assert_true(r.summary.efficiency == 0.75);
	assert_int_equal(tp_results_write(&r, file("sum2.json")), 0);
	tp_results_init(&b);
	assert_int_equal(tp_results_read(&b, file("sum2.json")), 0);
	assert_int_equal(b.summary.present, 1);
	assert_int_equal(b.summary.width_changes, 6);
	assert_true(b.summary.efficiency == 0.75);
	tp_results_release(&b);
	tp_results_release(&r);

	/* a summary without the width object: the widths are unknown */
	text = HEAD "\"trials\":[],\"summary\":{\"elapsed_s\":1,\"ok\":1,\"failed\":0}}";
	assert_int_equal(tp_write_file_atomic(file("sum3.json"), text, strlen(text)), 0);
	tp_results_init(&r);
	assert_int_equal(tp_results_read(&r, file("sum3.json")), 0);
	assert_int_equal(r.summary.present, 1);
	assert_int_equal(r.summary.width_peak, -1);
	assert_int_equal(r.summary.width_changes, -1);
	assert_true(isnan(r.summary.width_mean) && isnan(r.summary.efficiency));
	tp_results_release(&r);

	expect_bad(HEAD "\"trials\":[],\"summary\":[]}", "summary is not an object");
	expect_bad(HEAD "\"trials\":[],\"summary\":{\"elapsed_s\":1,\"failed\":0}}",
		   "summary.ok is missing");
	expect_bad(HEAD "\"trials\":[],\"summary\":{\"elapsed_s\":1,\"ok\":1,\"failed\":0,"
		   "\"width\":{\"peak\":\"x\"}}}", "summary.width.peak is not an integer");
	expect_bad(HEAD "\"trials\":[],\"summary\":{\"elapsed_s\":1,\"ok\":1,\"failed\":0,"
		   "\"cpu_util\":50}}", "summary.cpu_util is 50, not a fraction from 0 to 1");
	expect_bad(HEAD "\"trials\":[],\"summary\":{\"elapsed_s\":-2,\"ok\":1,\"failed\":0}}",
		   "summary.elapsed_s is -2, not a number >= 0");
}

static int starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)))
		fail_msg("wanted '%s' at the start of: %.200s", prefix, s);
	return 1;
}

static void test_csv(void **state)
{
	struct tp_results r;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char *line2;
	int lines = 0;
	const char *s;

	(void)state;
	fill(&r);
	assert_int_equal(tp_results_write_csv(&r, file("r.csv")), 0);
	assert_int_equal(tp_read_file(file("r.csv"), &sb), 0);
	for (s = sb.buf; *s; s++)
		lines += *s == '\n';
	assert_int_equal(lines, 1 + 5 + 1);
	assert_true(starts_with(sb.buf, "config_workers,config_batch,config_strategy,config_start,"
					"repeat,wall_s,tasks,throughput,"));
	assert_non_null(strstr(sb.buf, ",PAPI_TOT_INS,perf::CPU-MIGRATIONS\n"));
	line2 = strchr(sb.buf, '\n') + 1;
	assert_true(starts_with(line2, "4,16,process,spawn,0,2,200,100,7.5,0.25,0.97,4096,30,20,10,"
				       "0.005,0.007,0.0123456789,0,0,1000000000,\n"));
	assert_non_null(strstr(sb.buf, "\n1,1,thread,,0,8,200,25,0,0,0,0,0,0,0,0,0,0,0,0,,\n"));
	tp_strbuf_release(&sb);
	tp_results_release(&r);
}

/* A config's command survives the JSON round trip and keeps configs apart. */
static void test_config_command(void **state)
{
	struct tp_results r, b;
	struct tp_config c = { .workers = 2, .batch = 1, .strategy = "exec" };
	struct tp_repeat rep = { .wall_s = 1, .tasks = 10, .throughput = 10 };
	json_t *j;
	char buf[96];

	(void)state;
	tp_results_init(&r);
	tp_trial_add_repeat(tp_results_trial(&r, &c), &rep);
	strcpy(c.command, "gzip -1 {}");
	tp_trial_add_repeat(tp_results_trial(&r, &c), &rep);
	assert_int_equal((int)r.ntrials, 2);
	tp_trial_update_stats(&r.trials[0]);
	tp_trial_update_stats(&r.trials[1]);
	assert_string_equal(tp_config_format(&c, buf, sizeof(buf)), "w=2 b=1 exec: gzip -1 {}");
	j = tp_results_to_json(&r);
	assert_null(json_object_get(json_object_get(json_array_get(json_object_get(j, "trials"), 0),
						    "config"), "command"));
	tp_results_init(&b);
	assert_int_equal(tp_results_from_json(&b, j, "x.json"), 0);
	assert_string_equal(b.trials[0].config.command, "");
	assert_string_equal(b.trials[1].config.command, "gzip -1 {}");
	json_decref(j);
	tp_results_release(&b);
	tp_results_release(&r);
}

/* hyperfine's export: each command a trial, each run a repeat of 1/time. */
static void test_hyperfine(void **state)
{
	const char *text = "{\"results\": [{\"command\": \"a\", \"mean\": 0.5, \"times\": [0.25, 0.5],"
			   " \"exit_codes\": [0, 2]}, {\"command\": \"b\", \"times\": [1.0],"
			   " \"parameters\": {\"n\": \"4\"}}]}";
	struct tp_hyperfine h;
	struct tp_results r;
	json_t *doc = json_loads(text, 0, NULL), *bad;

	(void)state;
	assert_true(tp_hyperfine_detect(doc));
	assert_int_equal(tp_hyperfine_from_json(&h, doc, "h.json"), 0);
	assert_int_equal((int)h.ncommands, 2);
	assert_string_equal(tp_hyperfine_param(&h.commands[1], "n"), "4");
	assert_null(tp_hyperfine_param(&h.commands[0], "n"));
	assert_true(isnan(h.commands[1].mean));
	tp_results_init(&r);
	tp_hyperfine_to_results(&h, &r);
	assert_string_equal(r.workload_name, "hyperfine");
	assert_int_equal((int)r.ntrials, 2);
	assert_int_equal(r.trials[0].config.workers, 1);
	assert_int_equal(r.trials[1].config.workers, 2);
	assert_true(r.trials[0].repeats[0].throughput == 4 && r.trials[0].repeats[1].failures == 1);
	tp_results_release(&r);
	tp_hyperfine_release(&h);
	json_decref(doc);
	/* A bad run time is named with its place. */
	bad = json_loads("{\"results\": [{\"command\": \"a\", \"times\": [0.1, -1]}]}", 0, NULL);
	assert_int_equal(tp_hyperfine_from_json(&h, bad, "h.json"), -1);
	json_decref(bad);
	bad = json_loads("{\"trials\": []}", 0, NULL);
	assert_false(tp_hyperfine_detect(bad));
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_stats_and_trial_lookup),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_optional_fields),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_config_command),
		cmocka_unit_test(test_hyperfine),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
