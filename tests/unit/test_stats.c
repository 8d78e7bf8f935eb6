/* Unit tests for core/stats: quantiles, MAD, median CIs, Mann-Whitney U
 * against published values, bootstrap ratios, geometric mean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "core/results.h"
#include "core/stats.h"

#define near(x, want, tol) assert_true(fabs((x) - (want)) <= (tol))

static void test_quantiles(void **state)
{
	const double v[] = { 5, 1, 4, 2, 3 };
	const double even[] = { 10, 40, 20, 30 };

	(void)state;
	near(tp_stats_median(v, 5), 3, 1e-12);
	near(tp_stats_quantile(v, 5, 0.25), 2, 1e-12);
	near(tp_stats_quantile(v, 5, 0.1), 1.4, 1e-12);	/* (n-1)q = 0.4 */
	near(tp_stats_quantile(v, 5, 0), 1, 1e-12);
	near(tp_stats_quantile(v, 5, 1), 5, 1e-12);
	near(tp_stats_median(even, 4), 25, 1e-12);
	/* input untouched */
	assert_true(v[0] == 5 && v[4] == 3);
	assert_true(isnan(tp_stats_median(v, 0)));
}

static void test_mad_and_outliers(void **state)
{
	const double v[] = { 1, 1, 2, 2, 4, 6, 9 };
	const double w[] = { 100, 101, 99, 100, 102, 98, 100, 160 };
	const double same[] = { 7, 7, 7, 7, 8 };
	int flags[8];

	(void)state;
	near(tp_stats_mad(v, 7), 1, 1e-12);
	assert_int_equal(tp_stats_outliers(w, 8, flags), 1);
	assert_int_equal(flags[7], 1);
	assert_int_equal(flags[0], 0);
	/* zero MAD flags nothing rather than everything off the median */
	assert_int_equal(tp_stats_outliers(same, 5, NULL), 0);
}

static void test_summarize_ci_ranks(void **state)
{
	double v[20];
	struct tp_stats s;
	int i;

	(void)state;
	/* Order-statistic CIs of the median from binomial tables:
	 * n = 10 -> x(2)..x(9); n = 20 -> x(6)..x(15). */
	for (i = 0; i < 20; i++)
		v[i] = 20 - i;	/* x(k) = k */
	tp_stats_summarize(v + 10, 10, &s);	/* values 1..10 */
	assert_int_equal(s.n, 10);
	near(s.median, 5.5, 1e-12);
	near(s.ci_low, 2, 1e-12);
	near(s.ci_high, 9, 1e-12);
	tp_stats_summarize(v, 20, &s);
	near(s.ci_low, 6, 1e-12);
	near(s.ci_high, 15, 1e-12);
	/* small n: the range */
	tp_stats_summarize(v, 3, &s);
	near(s.ci_low, 18, 1e-12);
	near(s.ci_high, 20, 1e-12);
	near(s.median, 19, 1e-12);
}

static void test_mann_whitney_exact(void **state)
{
	/* Hollander & Wolfe (1973) p. 69, the example of R's wilcox.test:
	 * W = 35, one-sided p = 0.1272. */
	const double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
	const double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
	const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
	double u, p;

	(void)state;
	p = tp_stats_mann_whitney(x, 10, y, 5, TP_GREATER, &u);
	near(u, 35, 1e-12);
	near(p, 0.1272, 5e-5);
	p = tp_stats_mann_whitney(x, 10, y, 5, TP_TWO_SIDED, NULL);
	near(p, 0.2544, 1e-4);
	/* Complete separation of 3 and 3: 1 / C(6,3) = 0.05 one-sided. */
	near(tp_stats_mann_whitney(a, 3, b, 3, TP_LESS, &u), 0.05, 1e-12);
	near(u, 0, 1e-12);
	near(tp_stats_mann_whitney(a, 3, b, 3, TP_TWO_SIDED, NULL), 0.1, 1e-12);
	near(tp_stats_mann_whitney(a, 3, b, 3, TP_GREATER, NULL), 1, 1e-12);
	near(tp_stats_mann_whitney(b, 3, a, 3, TP_GREATER, &u), 0.05, 1e-12);
	near(u, 9, 1e-12);
}

static void test_mann_whitney_ties(void **state)
{
	/* Ties: normal approximation with tie and continuity corrections, as
	 * R's wilcox.test(a, b, exact = FALSE): W = 4.5, p = 0.06477. */
	const double a[] = { 1, 2, 2, 3, 4 }, b[] = { 2, 3, 5, 6, 7, 8 };
	double u, p;

	(void)state;
	p = tp_stats_mann_whitney(a, 5, b, 6, TP_TWO_SIDED, &u);
	near(u, 4.5, 1e-12);
	near(p, 0.064769, 1e-5);
	near(tp_stats_mann_whitney(a, 5, b, 6, TP_LESS, NULL), 0.032384, 1e-5);
	near(tp_stats_mann_whitney(a, 5, b, 6, TP_GREATER, NULL), 0.978900, 1e-5);
	/* identical samples: no evidence at all */
	near(tp_stats_mann_whitney(a, 5, a, 5, TP_TWO_SIDED, NULL), 1, 1e-12);
}

static void test_mann_whitney_large(void **state)
{
	double a[60], b[60], p;
	int i;

	(void)state;
	for (i = 0; i < 60; i++) {
		a[i] = i;
		b[i] = i + 0.5;
	}
	/* Nearly identical large samples: p near 1; shifted by half: p tiny. */
	p = tp_stats_mann_whitney(a, 60, b, 60, TP_TWO_SIDED, NULL);
	assert_true(p > 0.8 && p <= 1);
	for (i = 0; i < 60; i++)
		b[i] = i + 30.5;
	p = tp_stats_mann_whitney(a, 60, b, 60, TP_TWO_SIDED, NULL);
	assert_true(p < 1e-5);
}

static void test_bootstrap_ratio(void **state)
{
	double a[40], b[40], r, lo, hi, r2, lo2, hi2;
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		/* deterministic spread around 100 and 80 */
		a[i] = 100 + ((i * 37) % 11) - 5;
		b[i] = 80 + ((i * 53) % 9) - 4;
	}
	assert_int_equal(tp_stats_bootstrap_ratio(a, 40, b, 40, 10000, 42, 0.95, &r, &lo, &hi), 0);
	near(r, 0.8, 1e-12);
	assert_true(lo <= 0.8 && hi >= 0.8);
	assert_true(lo > 0.7 && hi < 0.9);
	/* same seed, same interval */
	assert_int_equal(tp_stats_bootstrap_ratio(a, 40, b, 40, 10000, 42, 0.95, &r2, &lo2, &hi2), 0);
	assert_true(lo == lo2 && hi == hi2);
	assert_int_equal(tp_stats_bootstrap_ratio(a, 0, b, 40, 100, 1, 0.95, &r, &lo, &hi), -1);
}

/* The bootstrap draws each resample's median from order statistics rather
 * than by resampling: its distribution must be the one of resampling n values
 * and taking the median, enumerated here over all n^n index tuples (n odd and
 * even, ties included).  A resamples = 1 call gives lo = hi = one draw of
 * median(b)/median(a), with a = {1}; 20,000 seeds give its distribution. */
static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

static void check_resample_median_distribution(const double *b, size_t n)
{
	enum { DRAWS = 20000, MAXV = 64 };
	double values[MAXV], exact[MAXV] = { 0 }, seen[MAXV] = { 0 }, one = 1;
	size_t nvalues = 0, idx[8] = { 0 }, total = 1, t, i, k;
	double cum_exact = 0, cum_seen = 0, worst = 0;

	for (i = 0; i < n; i++)
		total *= n;
	for (t = 0; t < total; t++) {
		double draw[8], med;
		size_t r = t;

		for (i = 0; i < n; i++) {
			idx[i] = r % n;
			r /= n;
			draw[i] = b[idx[i]];
		}
		qsort(draw, n, sizeof(double), cmp_double);
		med = n % 2 ? draw[n / 2] : (draw[n / 2 - 1] + draw[n / 2]) / 2;
		for (k = 0; k < nvalues && values[k] != med; k++)
			;
		if (k == nvalues) {
			assert_true(nvalues < MAXV);
			values[nvalues++] = med;
		}
		exact[k] += 1.0 / (double)total;
	}
	for (t = 0; t < DRAWS; t++) {
		double r, lo, hi;

		assert_int_equal(tp_stats_bootstrap_ratio(&one, 1, b, n, 1, 1000 + t, 0.95,
							  &r, &lo, &hi), 0);
		assert_true(lo == hi);
		for (k = 0; k < nvalues && values[k] != lo; k++)
			;
		assert_true(k < nvalues);	/* a value resampling can give */
		seen[k] += 1.0 / DRAWS;
	}
	/* Kolmogorov distance over the sorted support; 1.95 / sqrt(DRAWS) = 0.0138
	 * is the 0.1% critical value, a wrong Beta parameter is off by > 0.05. */
	for (i = 0; i < nvalues; i++) {
		size_t lo_k = 0;

		for (k = 1; k < nvalues; k++)
			if (values[k] < values[lo_k])
				lo_k = k;
		cum_exact += exact[lo_k];
		cum_seen += seen[lo_k];
		worst = fmax(worst, fabs(cum_exact - cum_seen));
		values[lo_k] = INFINITY;
	}
	assert_true(worst < 0.0138);
}

static void test_bootstrap_median_distribution(void **state)
{
	const double odd[] = { 3, 1, 4, 1, 5 }, even[] = { 2, 7, 1, 8, 2, 8 };

	(void)state;
	check_resample_median_distribution(odd, 5);
	check_resample_median_distribution(even, 6);
}

static void test_geomean(void **state)
{
	const double v[] = { 1, 2, 4 }, w[] = { 1, -1, 0 };

	(void)state;
	near(tp_stats_geomean(v, 3), 2, 1e-12);
	near(tp_stats_geomean(w, 3), 1, 1e-12);
	assert_true(isnan(tp_stats_geomean(v, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_mad_and_outliers),
		cmocka_unit_test(test_summarize_ci_ranks),
		cmocka_unit_test(test_mann_whitney_exact),
		cmocka_unit_test(test_mann_whitney_ties),
		cmocka_unit_test(test_mann_whitney_large),
		cmocka_unit_test(test_bootstrap_ratio),
		cmocka_unit_test(test_bootstrap_median_distribution),
		cmocka_unit_test(test_geomean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
