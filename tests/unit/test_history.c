/* Unit tests for history/: change points on synthetic steps and pure noise,
 * the schema, its migrations and the refusals on open (SQLite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "history/changepoint.h"
#include "history/db.h"
#include "history/schema.h"

/* level[k] for segment k of len points each, Gaussian noise of sd rel*level. */
static void series(gsl_rng *r, double *x, const double *level, size_t nseg, size_t len,
		   double rel)
{
	size_t k, i;

	for (k = 0; k < nseg; k++)
		for (i = 0; i < len; i++)
			x[k * len + i] = level[k] * (1 + gsl_ran_gaussian(r, rel));
}

static void test_one_step_found(void **state)
{
	const double level[] = { 100, 85 };
	struct tp_changepoint_opts o;
	double x[40];
	size_t at[40], n, seed;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	tp_changepoint_opts_init(&o);
	for (seed = 1; seed <= 50; seed++) {
		gsl_rng_set(r, seed);
		series(r, x, level, 2, 20, 0.03);
		n = tp_changepoints_find(x, 40, &o, at);
		assert_int_equal(n, 1);
		assert_true(at[0] >= 19 && at[0] <= 21);
	}
	gsl_rng_free(r);
}

static void test_two_steps_found(void **state)
{
	const double level[] = { 100, 130, 95 };
	struct tp_changepoint_opts o;
	double x[45];
	size_t at[45], n, seed;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	tp_changepoint_opts_init(&o);
	for (seed = 1; seed <= 50; seed++) {
		gsl_rng_set(r, seed);
		series(r, x, level, 3, 15, 0.03);
		n = tp_changepoints_find(x, 45, &o, at);
		assert_int_equal(n, 2);
		/* within one run of the true change */
		assert_true(at[0] >= 14 && at[0] <= 16);
		assert_true(at[1] >= 29 && at[1] <= 31);
	}
	gsl_rng_free(r);
}

/* The penalty alone (no minimum change) keeps pure noise free of change
 * points: 9,200 series of Gaussian, Laplace and Student t (5 df) noise,
 * 6 to 1,000 runs; not one change (history/changepoint.c has the simulation
 * this penalty was chosen on: none in 104,000). */
static double noise(gsl_rng *r, size_t kind)
{
	return kind == 0 ? gsl_ran_gaussian(r, 3) : kind == 1 ? gsl_ran_laplace(r, 2) :
	       2 * gsl_ran_tdist(r, 5);
}

static void test_noise_yields_none(void **state)
{
	const size_t lens[] = { 6, 8, 12, 20, 30, 50, 100, 200, 400, 1000 };
	struct tp_changepoint_opts o;
	double *x = malloc(1000 * sizeof(*x));
	size_t *at = malloc(1000 * sizeof(*at));
	size_t li, seed, i, found = 0, tried = 0;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	tp_changepoint_opts_init(&o);
	o.min_change = 0;
	for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
		/* 1,000 series of each length; of 1,000 runs, 200 (they cost the most) */
		for (seed = 1; seed <= (lens[li] < 1000 ? 1000u : 200u); seed++) {
			size_t n;

			gsl_rng_set(r, seed * 7919 + li);
			for (i = 0; i < lens[li]; i++)
				x[i] = 100 + noise(r, seed % 3);
			n = tp_changepoints_find(x, lens[li], &o, at);
			if (n)
				print_message("noise series %zu (%zu runs, kind %zu): %zu changes\n",
					      seed, lens[li], seed % 3, n);
			found += n;
			tried++;
		}
	assert_int_equal(tried, 9200);
	assert_int_equal(found, 0);
	free(x);
	free(at);
	gsl_rng_free(r);
}

static void test_small_or_short_changes_ignored(void **state)
{
	const double level[] = { 100, 102 };
	struct tp_changepoint_opts o;
	double x[60], y[30];
	size_t at[60], i;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	tp_changepoint_opts_init(&o);
	/* A clear but 2% step: real, yet below the 5% that matters. */
	gsl_rng_set(r, 3);
	series(r, x, level, 2, 30, 0.002);
	assert_int_equal(tp_changepoints_find(x, 60, &o, at), 0);
	o.min_change = 0.01;
	assert_int_equal(tp_changepoints_find(x, 60, &o, at), 1);
	assert_int_equal(at[0], 30);
	/* One outlier run is not a change: segments need 3 runs. */
	tp_changepoint_opts_init(&o);
	for (i = 0; i < 30; i++)
		y[i] = 100 + (i % 3) * 0.5;
	y[12] = 60;
	assert_int_equal(tp_changepoints_find(y, 30, &o, at), 0);
	/* A noiseless step still counts. */
	for (i = 0; i < 30; i++)
		y[i] = i < 10 ? 50 : 40;
	assert_int_equal(tp_changepoints_find(y, 30, &o, at), 1);
	assert_int_equal(at[0], 10);
	/* Too short to say anything. */
	assert_int_equal(tp_changepoints_find(y, 5, &o, at), 0);
	gsl_rng_free(r);
}

static void test_sigma_robust_to_steps(void **state)
{
	const double level[] = { 100, 200, 100 };
	double x[300];
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double s;

	(void)state;
	gsl_rng_set(r, 11);
	series(r, x, level, 3, 100, 0.0);
	assert_true(tp_changepoint_sigma(x, 300) == 0);
	series(r, x, level, 3, 100, 0.01);
	/* Noise sd is 1 on the 100 segments and 2 on the 200 one. */
	s = tp_changepoint_sigma(x, 300);
	assert_true(s > 0.9 && s < 1.8);
	assert_true(tp_changepoint_sigma(x, 1) == 0);
	gsl_rng_free(r);
}

/* ---- schema ---- */

static char dbpath[256];

static int setup_db(void **state)
{
	(void)state;
	snprintf(dbpath, sizeof(dbpath), "%s/tp-history-unit-%d.db",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	return 0;
}

static int teardown_db(void **state)
{
	char p[300];

	(void)state;
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

static long long count(struct tp_db *db, const char *sql)
{
	long long n = -1;

	assert_int_equal(tp_db_query_int(db, sql, 0, NULL, &n), 0);
	return n;
}

static void test_fresh_schema(void **state)
{
	struct tp_db db;

	(void)state;
	assert_int_equal(tp_history_db_open(&db, dbpath, 5), 0);
	assert_int_equal(tp_history_schema_version(&db), TP_HISTORY_SCHEMA);
	assert_int_equal(count(&db, "SELECT count(*) FROM tp_runs"), 0);
	assert_int_equal(count(&db, "SELECT count(*) FROM tp_tags"), 0);
	assert_int_equal(count(&db, "SELECT count(*) FROM tp_schema"), 1);
	tp_db_close(&db);
	/* Opening again changes nothing. */
	assert_int_equal(tp_history_db_open(&db, dbpath, 5), 0);
	assert_int_equal(count(&db, "SELECT count(*) FROM tp_schema"), 1);
	assert_int_equal(count(&db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
				    "name = 'tp_runs_series'"), 1);
	tp_db_close(&db);
}

static void test_migration_keeps_rows(void **state)
{
	struct tp_db db;
	const char *ins = "INSERT INTO tp_runs (content_hash, kind, source, machine_class, workload, "
			  "workload_options, input_signature, tool_version, run_date, added_date, "
			  "commit_id, branch, document) VALUES ('h1', 'bench', 'a.json', 'fp', 'cpu', "
			  "'', '', '0.1.0', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'abc', "
			  "'main', '{}')";

	(void)state;
	/* A database left at version 1 by an older tunepool... */
	assert_int_equal(tp_db_open(&db, dbpath, 5), 0);
	assert_int_equal(tp_history_schema_version(&db), 0);
	assert_int_equal(tp_history_migrate(&db, 1), 0);
	assert_int_equal(tp_history_schema_version(&db), 1);
	assert_int_equal(tp_db_exec(&db, ins, 0, NULL, NULL), 0);
	assert_int_equal(count(&db, "SELECT count(*) FROM sqlite_master WHERE name = 'tp_tags'"), 0);
	tp_db_close(&db);
	/* ...is brought up to date on open, its rows kept. */
	assert_int_equal(tp_history_db_open(&db, dbpath, 5), 0);
	assert_int_equal(tp_history_schema_version(&db), TP_HISTORY_SCHEMA);
	assert_int_equal(count(&db, "SELECT count(*) FROM tp_runs WHERE commit_id = 'abc'"), 1);
	assert_int_equal(tp_db_exec(&db, "INSERT INTO tp_tags (run_id, key, value) VALUES (1, 'k', "
					 "'v')", 0, NULL, NULL), 0);
	tp_db_close(&db);
}

static void test_refusals(void **state)
{
	struct tp_db db;
	FILE *f;

	(void)state;
	tp_log_set_quiet(2);
	/* Written by a newer tunepool. */
	assert_int_equal(tp_history_db_open(&db, dbpath, 5), 0);
	assert_int_equal(tp_db_exec(&db, "UPDATE tp_schema SET version = 99", 0, NULL, NULL), 0);
	tp_db_close(&db);
	tp_error_set_class(0);
	assert_int_equal(tp_history_db_open(&db, dbpath, 5), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	teardown_db(state);
	/* Another program's database. */
	assert_int_equal(tp_db_open(&db, dbpath, 5), 0);
	assert_int_equal(tp_db_exec(&db, "CREATE TABLE accounts (id INTEGER)", 0, NULL, NULL), 0);
	tp_db_close(&db);
	assert_int_equal(tp_history_db_open(&db, dbpath, 5), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	teardown_db(state);
	/* Not a database at all. */
	f = fopen(dbpath, "w");
	assert_non_null(f);
	fputs("this is not a database, it is a text file long enough to have a header......\n"
	      "..........................................................................\n", f);
	fclose(f);
	assert_int_equal(tp_history_db_open(&db, dbpath, 5), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	tp_log_set_quiet(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_step_found),
		cmocka_unit_test(test_two_steps_found),
		cmocka_unit_test(test_noise_yields_none),
		cmocka_unit_test(test_small_or_short_changes_ignored),
		cmocka_unit_test(test_sigma_robust_to_steps),
		cmocka_unit_test_setup_teardown(test_fresh_schema, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_migration_keeps_rows, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_refusals, setup_db, teardown_db),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
