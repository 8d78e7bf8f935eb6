/* Unit tests for runner/run: the -j forms, and tp_run called as the CLI
 * calls it: which setting wins (an option over the conf's plain values), the
 * conf's machine check called once the machine is probed (and not with -q),
 * the halt policy's exit code, and a bad command refused with 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "runner/run.h"

static void test_run_parse_jobs(void **state)
{
	struct tp_run_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(tp_run_parse_jobs("50%", &o), 0);
	assert_int_equal(o.jobs, TP_JOBS_PCT);
	assert_true(o.jobs_v == 50);
	assert_int_equal(tp_run_parse_jobs("+2", &o), 0);
	assert_int_equal(o.jobs, TP_JOBS_PLUS);
	assert_int_equal(tp_run_parse_jobs("-1", &o), 0);
	assert_int_equal(o.jobs, TP_JOBS_MINUS);
	assert_int_equal(tp_run_parse_jobs("0", &o), 0);
	assert_int_equal(o.jobs, TP_JOBS_MAX);
	assert_int_equal(tp_run_parse_jobs("7", &o), 0);
	assert_int_equal(o.jobs, TP_JOBS_N);
	assert_int_equal(o.workers, 7);
	assert_int_equal(tp_run_parse_jobs("seven", &o), -1);
	assert_int_equal(tp_run_parse_jobs("101x%", &o), -1);
}

/* A static run of -w sleep:ms=1 over --count n, results into path. */
static void base_opts(struct tp_run_opts *o, const char *path, long long n)
{
	memset(o, 0, sizeof(*o));
	o->workload_spec = "sleep:ms=1";
	o->count = n;
	o->adaptive = 0;
	o->quiet = 1;
	o->results = path;
	o->stage = 0;
}

/* The width results.json records for the run's trial. */
static int results_workers(const char *path)
{
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *w = json_object_get(json_object_get(json_array_get(json_object_get(doc, "trials"), 0),
						    "config"), "workers");
	int v = w ? (int)json_integer_value(w) : -1;

	json_decref(doc);
	return v;
}

static int checks;
static char seen[32];

static void check_machine(void *ctx, const char *fingerprint)
{
	(void)ctx;
	checks++;
	snprintf(seen, sizeof(seen), "%s", fingerprint);
}

static void test_run_setting_wins(void **state)
{
	char dir[] = "/tmp/tp-test-run-XXXXXX", path[64];
	struct tp_run_opts o;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.json", dir);

	/* The conf's width, when no option says one. */
	base_opts(&o, path, 6);
	o.config = "tuned.conf";	/* only named: the CLI read it */
	o.conf.workers = 3;
	o.conf.batch = 1;
	o.check_machine = check_machine;
	assert_int_equal(tp_run(&o), TP_EXIT_OK);
	assert_int_equal(results_workers(path), 3);
	assert_int_equal(checks, 0);	/* -q: no machine check */

	/* An option over the conf; the machine check once it probed. */
	o.workers = 2;
	o.quiet = 0;
	assert_int_equal(tp_run(&o), TP_EXIT_OK);
	assert_int_equal(results_workers(path), 2);
	assert_int_equal(checks, 1);
	assert_int_equal((int)strlen(seen), 16);

	/* No conf: no check, and the option's width. */
	base_opts(&o, path, 4);
	o.workers = 1;
	o.check_machine = check_machine;
	assert_int_equal(tp_run(&o), TP_EXIT_OK);
	assert_int_equal(results_workers(path), 1);
	assert_int_equal(checks, 1);
	unlink(path);
	rmdir(dir);
}

static void test_run_exit_codes(void **state)
{
	char *bad[] = { (char *)"echo", (char *)"{=uc=}" }, *fail[] = { (char *)"false" };
	char *args[] = { (char *)"a", (char *)"b", (char *)"c" };
	struct tp_run_opts o;

	(void)state;
	/* A command with a placeholder run does not support: bad usage. */
	base_opts(&o, NULL, -1);
	o.workload_spec = NULL;
	o.cmd = bad;
	o.ncmd = 2;
	o.nsrc = 1;
	o.src[0].args = args;
	o.src[0].nargs = 3;
	o.workers = 1;
	assert_int_equal(tp_run(&o), TP_EXIT_USAGE);

	/* Every task fails: 1, also when --halt now,fail=1 stops the run early. */
	o.cmd = fail;
	o.ncmd = 1;
	assert_int_equal(tp_run(&o), TP_EXIT_NEGATIVE);
	o.halt = TP_HALT_NOW;
	o.halt_fail = 1;
	o.halt_what = TP_HALT_FAIL;
	assert_int_equal(tp_run(&o), TP_EXIT_NEGATIVE);
	/* ... but not when the halt was on success and it came first. */
	o.cmd = (char *[]){ (char *)"true" };
	o.halt_what = TP_HALT_SUCCESS;
	assert_int_equal(tp_run(&o), TP_EXIT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_parse_jobs),
		cmocka_unit_test(test_run_setting_wins),
		cmocka_unit_test(test_run_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
