/* Unit tests for runner/lathist: bounded-memory latency quantiles against the
 * exact ones on known distributions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runner/lathist.h"

static const double qs[3] = { 0.50, 0.95, 0.99 };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Spreads v over nh recorders round-robin and checks the three quantiles
 * against the exact ones within rel. */
static void check(const double *v, size_t n, size_t nh, double rel)
{
	struct tp_lathist *h = calloc(nh, sizeof(*h));
	const struct tp_lathist **hp = calloc(nh, sizeof(*hp));
	double *sorted = malloc(n * sizeof(*sorted)), out[3];
	size_t i;

	assert_non_null(h);
	assert_non_null(hp);
	assert_non_null(sorted);
	for (i = 0; i < n; i++)
		tp_lathist_add(&h[i % nh], v[i]);
	for (i = 0; i < nh; i++)
		hp[i] = &h[i];
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	assert_int_equal(tp_lathist_quantiles(hp, nh, qs, 3, out), n);
	for (i = 0; i < 3; i++) {
		double want = gsl_stats_quantile_from_sorted_data(sorted, 1, n, qs[i]);

		if (fabs(out[i] - want) > rel * want)
			fail_msg("q%.2f of %zu: %.9g, exact %.9g (off %.3f%%)", qs[i], n, out[i],
				 want, 100 * fabs(out[i] - want) / want);
	}
	for (i = 0; i < nh; i++)
		tp_lathist_release(&h[i]);
	free(h);
	free(hp);
	free(sorted);
}

/* Below the cap every duration is kept: the quantiles are GSL's on the sorted data. */
static void test_small_is_exact(void **state)
{
	double v[500];
	size_t i;

	(void)state;
	for (i = 0; i < 500; i++)
		v[i] = (float)(0.001 * (double)((i * 7919) % 500 + 1));
	check(v, 500, 3, 1e-12);
}

/* A log-normal spread over three decades, 200,000 tasks on 4 workers: bucketed,
 * within 1% of the exact quantiles; so are uniform, exponential and 40 ns tasks. */
static void test_lognormal(void **state)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	size_t n = 200000, i;
	double *v = malloc(n * sizeof(*v));

	(void)state;
	gsl_rng_set(r, 42);
	for (i = 0; i < n; i++)
		v[i] = gsl_ran_lognormal(r, log(0.02), 0.8);
	check(v, n, 4, 0.01);
	/* Uniform 1..2 ms and an exponential: the same. */
	for (i = 0; i < n; i++)
		v[i] = 0.001 + 0.001 * gsl_rng_uniform(r);
	check(v, n, 4, 0.01);
	for (i = 0; i < n; i++)
		v[i] = gsl_ran_exponential(r, 0.005);
	check(v, n, 7, 0.01);
	/* In-process tasks of tens of nanoseconds. */
	for (i = 0; i < n; i++)
		v[i] = 4e-8 * (1 + 0.1 * gsl_rng_uniform(r));
	check(v, n, 2, 0.01);
	free(v);
	gsl_rng_free(r);
}

/* Every task alike (a sleep): the clamp to the observed range makes it exact. */
static void test_constant(void **state)
{
	struct tp_lathist h = { 0 };
	const struct tp_lathist *hp = &h;
	double out[3];
	int i;

	(void)state;
	for (i = 0; i < 50000; i++)
		tp_lathist_add(&h, 0.02);
	assert_int_equal(tp_lathist_quantiles(&hp, 1, qs, 3, out), 50000);
	for (i = 0; i < 3; i++)
		assert_true(fabs(out[i] - 0.02) < 1e-9);
	tp_lathist_release(&h);
}

/* Memory stays bounded: past the cap the durations become bucket counts;
 * reset keeps the buckets and empties them; zero and negative durations count. */
static void test_bounded_and_reset(void **state)
{
	struct tp_lathist h = { 0 }, e = { 0 };
	const struct tp_lathist *hp[2] = { &h, &e };
	double out[3];
	int i;

	(void)state;
	for (i = 0; i < TP_LATHIST_EXACT; i++)
		tp_lathist_add(&h, 0.001);
	assert_non_null(h.exact);
	assert_null(h.bucket);
	tp_lathist_add(&h, 0.001);
	assert_null(h.exact);
	assert_non_null(h.bucket);
	for (i = 0; i < 100000; i++)
		tp_lathist_add(&h, i % 2 ? 0.001 : 0.004);
	assert_null(h.exact);
	/* A recorder still exact merges with a bucketed one. */
	for (i = 0; i < 10; i++)
		tp_lathist_add(&e, 0.004);
	assert_int_equal(tp_lathist_quantiles(hp, 2, qs, 3, out), TP_LATHIST_EXACT + 1 + 100000 + 10);
	assert_true(out[0] >= 0.001 && out[0] <= 0.004);
	assert_true(fabs(out[1] - 0.004) < 0.004 * 0.025);
	tp_lathist_reset(&h);
	assert_int_equal(h.n, 0);
	assert_non_null(h.bucket);
	tp_lathist_add(&h, -1);
	tp_lathist_add(&h, 0);
	tp_lathist_add(&h, 1e9);
	hp[1] = NULL;
	assert_int_equal(tp_lathist_quantiles(hp, 1, qs, 3, out), 3);
	assert_true(out[0] >= 0 && out[2] <= 1e9);
	/* Nothing recorded: 0 and out untouched. */
	tp_lathist_reset(&h);
	out[0] = -5;
	assert_int_equal(tp_lathist_quantiles(hp, 1, qs, 1, out), 0);
	assert_true(out[0] == -5);
	tp_lathist_release(&h);
	tp_lathist_release(&e);
}

/* The shared recorder (the pool's --timeout P% median): an upper bound of
 * the median within one bucket, from several threads' worth of adds; the
 * same after a reset and refill; empty reads 0. */
static void test_shared_median(void **state)
{
	static struct tp_lathist_shared h;
	double q;
	int i, round;

	(void)state;
	assert_true(tp_lathist_shared_quantile_high(&h, 0.5) == 0);
	for (round = 0; round < 2; round++) {
		tp_lathist_shared_reset(&h);
		/* 1..999 ms, uniform: the median is 500 ms */
		for (i = 1; i < 1000; i++)
			tp_lathist_shared_add(&h, i / 1000.0);
		assert_int_equal(tp_lathist_shared_count(&h), 999);
		q = tp_lathist_shared_quantile_high(&h, 0.5);
		assert_true(q >= 0.500 && q <= 0.500 * 1.023);
		q = tp_lathist_shared_quantile_high(&h, 0.95);
		assert_true(q >= 0.950 && q <= 0.950 * 1.023);
	}
	tp_lathist_shared_add(&h, -1);	/* counts as 0 */
	assert_int_equal(tp_lathist_shared_count(&h), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_is_exact),
		cmocka_unit_test(test_lognormal),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_bounded_and_reset),
		cmocka_unit_test(test_shared_median),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
