/* Unit tests for tuner/usl.c and tuner/modeldata.c: the two published data
 * sets (expected values from R's nls(..., algorithm = "port", lower = 0)),
 * and every edge case the fits must answer honestly. */
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
#include "tuner/modeldata.h"
#include "tuner/usl.h"

/* Gunther, Guerrilla Capacity Planning, as shipped in the R package usl. */
static const double sdm_n[] = { 1, 18, 36, 72, 108, 144, 216 };
static const double sdm_x[] = { 64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2 };
static const double ray_n[] = { 1, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64 };
static const double ray_x[] = { 20, 78, 130, 170, 190, 200, 210, 230, 260, 280, 310 };

static double usl(double l, double s, double k, double n)
{
	return l * n / (1 + s * (n - 1) + k * n * (n - 1));
}

static void assert_near(double got, double want, double rel, const char *what)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("%s = %.6g, want %.6g within %g%%", what, got, want, rel * 100);
}

static void test_sdm91_absolute_matches_r(void **state)
{
	struct tp_usl_analysis a;
	char buf[512];

	(void)state;
	assert_int_equal(tp_usl_analyze(sdm_n, sdm_x, 7, TP_USL_ABSOLUTE, &a), 0);
	/* R: l 89.99523 s 0.02772847 k 1.043655e-04 N* 96.51956; se s 9.122e-03 k 1.988e-05 */
	assert_near(a.usl.sigma.value, 0.02773, 0.02, "sigma");
	assert_near(a.usl.kappa.value, 1.044e-4, 0.02, "kappa");
	assert_near(a.peak_n.value, 96.5, 0.02, "N*");
	assert_near(a.usl.lambda.value, 89.995, 0.02, "lambda");
	assert_near(a.usl.sigma.se, 9.122e-3, 0.02, "se(sigma)");
	assert_near(a.usl.kappa.se, 1.988e-5, 0.02, "se(kappa)");
	assert_int_equal(a.usl.dof, 4);
	assert_int_equal(a.shape, TP_USL_PEAK);
	assert_true(a.peak_n.lo < 96.5 && a.peak_n.hi > 96.5 && isfinite(a.peak_n.hi));
	assert_true(a.usl.kappa.lo > 0);
	assert_true(a.usl.r2 > 0.98 && a.usl.r2 < 1);
	assert_true(a.amdahl.r2 < a.usl.r2);
	assert_near(a.peak_x, usl(89.995, 0.02773, 1.0437e-4, 96.52), 0.005, "peak X");
	assert_non_null(strstr(tp_usl_verdict(&a, buf, sizeof(buf)), "peaks near N = 96.5"));
}

static void test_raytracer_has_no_peak(void **state)
{
	struct tp_usl_analysis a;
	char buf[512];

	(void)state;
	/* R: l 21.84884 s 0.05777077 k 0 (at the bound), se s 1.329e-02 k 1.179e-04 */
	assert_int_equal(tp_usl_analyze(ray_n, ray_x, 11, TP_USL_ABSOLUTE, &a), 0);
	assert_near(a.usl.sigma.value, 0.0578, 0.02, "sigma");
	assert_true(a.usl.kappa.value == 0);
	assert_near(a.usl.sigma.se, 1.329e-2, 0.02, "se(sigma)");
	assert_near(a.usl.kappa.se, 1.179e-4, 0.02, "se(kappa)");
	assert_int_equal(a.shape, TP_USL_NO_PEAK);
	assert_true(isinf(a.peak_n.value) && isinf(a.peak_n.hi));
	assert_non_null(strstr(tp_usl_verdict(&a, buf, sizeof(buf)),
			       "no peak within the measured range (Amdahl fits as well)"));
	/* Relative weights put a small kappa in (N* ~ 748): the interval
	 * includes 0, so no peak is stated, and the tuner's model is Amdahl. */
	assert_int_equal(tp_usl_analyze(ray_n, ray_x, 11, TP_USL_RELATIVE, &a), 0);
	assert_true(a.usl.kappa.value > 0 && a.usl.kappa.lo == 0);
	assert_int_equal(a.shape, TP_USL_NO_PEAK);
	{
		struct tp_model m;

		assert_int_equal(tp_usl_fit(ray_n, ray_x, 11, &m), 0);
		assert_string_equal(m.kind, "amdahl");
		assert_true(m.peak_workers == 0 && m.kappa == 0);
	}
}

/* X = 100/N: throughput falls from the start; the best is the smallest N. */
static void test_retrograde(void **state)
{
	double n[8], x[8];
	struct tp_usl_analysis a;
	struct tp_model m;
	int i;

	(void)state;
	for (i = 0; i < 8; i++) {
		n[i] = i + 1;
		x[i] = 100.0 / n[i];
	}
	assert_int_equal(tp_usl_analyze(n, x, 8, TP_USL_RELATIVE, &a), 0);
	assert_int_equal(a.shape, TP_USL_RETROGRADE);
	assert_true(a.best_n == 1);
	assert_near(a.best_x, 100, 1e-6, "best X");
	assert_int_equal(tp_usl_fit(n, x, 8, &m), 0);
	assert_string_equal(m.kind, "usl");
	assert_true(m.peak_workers == 1);
	assert_near(tp_usl_predict(&m, 1), 100, 1e-6, "X(1)");
	/* Without N = 1 the best is the smallest measured N. */
	assert_int_equal(tp_usl_analyze(n + 2, x + 2, 6, TP_USL_ABSOLUTE, &a), 0);
	assert_int_equal(a.shape, TP_USL_RETROGRADE);
	assert_true(a.best_n == 3);
}

/* X = 100 at every N: no spread, so no R2 and no invented peak. */
static void test_flat(void **state)
{
	double n[8], x[8];
	struct tp_usl_analysis a;
	struct tp_model m;
	int i;

	(void)state;
	for (i = 0; i < 8; i++) {
		n[i] = 1 << i;
		x[i] = 100;
	}
	x[3] = 100.00000000000001;
	assert_int_equal(tp_usl_analyze(n, x, 8, TP_USL_RELATIVE, &a), 0);
	assert_int_equal(a.shape, TP_USL_FLAT);
	assert_true(isnan(a.usl.r2));
	assert_true(isinf(a.peak_n.value));
	assert_true(a.best_n == 1);
	assert_int_equal(tp_usl_fit(n, x, 8, &m), 0);
	assert_string_equal(m.kind, "amdahl");
	assert_true(m.peak_workers == 0);
	assert_near(m.sigma, 1, 1e-6, "sigma");
}

/* X = 10 N: no contention, no coherency: linear, a bounded answer. */
static void test_linear(void **state)
{
	double n[6] = { 1, 2, 4, 8, 16, 32 }, x[6];
	struct tp_usl_analysis a;
	int i, w;

	(void)state;
	for (i = 0; i < 6; i++)
		x[i] = 10 * n[i];
	for (w = 0; w < 2; w++) {
		assert_int_equal(tp_usl_analyze(n, x, 6, (enum tp_usl_weights)w, &a), 0);
		assert_int_equal(a.shape, TP_USL_LINEAR);
		assert_true(a.usl.sigma.value == 0 && a.usl.kappa.value == 0);
		assert_near(a.usl.lambda.value, 10, 1e-9, "lambda");
		assert_true(a.best_n == 32);
		assert_true(a.usl.r2 > 0.999999);
	}
}

/* Three points: the fit is exact, no degrees of freedom, no intervals. */
static void test_three_points(void **state)
{
	double n[3] = { 1, 8, 32 }, x[3];
	struct tp_usl_analysis a;
	char buf[512];
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		x[i] = usl(10, 0.05, 0.002, n[i]);
	assert_int_equal(tp_usl_analyze(n, x, 3, TP_USL_RELATIVE, &a), 0);
	assert_int_equal(a.usl.dof, 0);
	assert_true(isnan(a.usl.sigma.lo) && isnan(a.usl.kappa.hi) && isnan(a.peak_n.lo));
	assert_near(a.peak_n.value, sqrt(0.95 / 0.002), 1e-4, "N*");
	assert_int_equal(a.shape, TP_USL_PEAK);
	assert_non_null(strstr(tp_usl_verdict(&a, buf, sizeof(buf)), "no intervals"));
	/* Two distinct N are not enough. */
	n[2] = 8;
	assert_int_equal(tp_usl_analyze(n, x, 3, TP_USL_RELATIVE, &a), -1);
	assert_non_null(strstr(a.error, "3 distinct N"));
	/* Nor are zero or negative values. */
	n[2] = 0;
	assert_int_equal(tp_usl_analyze(n, x, 3, TP_USL_RELATIVE, &a), -1);
}

/* Non-integer N without N = 1 and several rows per N: lambda is fitted. */
static void test_fractional_n_without_one(void **state)
{
	double n[12], x[12];
	struct tp_usl_analysis a;
	int i;

	(void)state;
	for (i = 0; i < 12; i++) {
		n[i] = 2.5 + 7.3 * (i / 2);	/* 2.5 to 39 */
		x[i] = usl(10, 0.05, 0.002, n[i]) * (i % 2 ? 1.01 : 0.99);
	}
	assert_int_equal(tp_usl_analyze(n, x, 12, TP_USL_ABSOLUTE, &a), 0);
	assert_int_equal((int)a.distinct, 6);
	assert_near(a.usl.lambda.value, 10, 0.03, "lambda");
	assert_near(a.usl.sigma.value, 0.05, 0.15, "sigma");
	assert_near(a.peak_n.value, sqrt(0.95 / 0.002), 0.05, "N*");
	assert_int_equal(a.shape, TP_USL_PEAK);
}

/* Noisy data: a real peak is found with an interval that covers it; an
 * Amdahl curve's noise does not become a stated peak. */
static void test_noisy(void **state)
{
	static const double ns[] = { 1, 2, 4, 8, 12, 16, 24, 32, 48, 64 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double n[10], x[10], want = sqrt(0.95 / 0.002);
	struct tp_usl_analysis a;
	int i, seed, covered = 0, stated = 0;

	(void)state;
	for (seed = 1; seed <= 10; seed++) {
		gsl_rng_set(rng, (unsigned long)seed);
		for (i = 0; i < 10; i++) {
			n[i] = ns[i];
			x[i] = usl(100, 0.05, 0.002, ns[i]) * (1 + gsl_ran_gaussian(rng, 0.05));
		}
		assert_int_equal(tp_usl_analyze(n, x, 10, TP_USL_RELATIVE, &a), 0);
		assert_int_equal(a.shape, TP_USL_PEAK);
		assert_true(a.peak_n.lo <= a.peak_n.value && a.peak_n.value <= a.peak_n.hi);
		covered += a.peak_n.lo <= want && want <= a.peak_n.hi;
		for (i = 0; i < 10; i++)
			x[i] = usl(100, 0.1, 0, ns[i]) * (1 + gsl_ran_gaussian(rng, 0.05));
		assert_int_equal(tp_usl_analyze(n, x, 10, TP_USL_RELATIVE, &a), 0);
		stated += a.shape == TP_USL_PEAK;
		assert_true(a.usl.sigma.lo <= a.usl.sigma.value && a.usl.sigma.value <= a.usl.sigma.hi);
	}
	/* 95% intervals: allow one miss in ten of each. */
	if (covered < 9 || stated > 1)
		fail_msg("N* interval covered the truth %d/10 times; an Amdahl curve got a peak "
			 "%d/10 times", covered, stated);
	gsl_rng_free(rng);
}

static const char *write_tmp(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tp-usl-%d-%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (int)getpid(), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_model_data_formats(void **state)
{
	struct tp_model_data d;
	struct tp_model_data_opts o = { NULL, NULL };
	const char *p;

	(void)state;
	tp_model_data_init(&d);
	p = write_tmp("a.csv", "# comment\nN, X\n1,10\n2,\"19.5\"\r\n\n4,35\n");
	assert_int_equal(tp_model_data_read(&d, p, &o), 0);
	assert_int_equal((int)d.k, 3);
	assert_true(d.x[1] == 19.5 && d.n[2] == 4);
	unlink(p);
	tp_model_data_release(&d);
	p = write_tmp("bom.csv", "\xef\xbb\xbfN,X\r\n1,10\r\n2,19\r\n");
	assert_int_equal(tp_model_data_read(&d, p, &o), 0);
	assert_int_equal((int)d.k, 2);
	unlink(p);
	tp_model_data_release(&d);
	p = write_tmp("b.csv", "users,rate\n1,10\n2,abc\n");
	assert_int_equal(tp_model_data_read(&d, p, &o), -1);	/* no N column */
	o.xcol = "users";
	o.ycol = "rate";
	assert_int_equal(tp_model_data_read(&d, p, &o), -1);	/* line 3 */
	unlink(p);
	tp_model_data_release(&d);
	o.xcol = o.ycol = NULL;
	p = write_tmp("h.json", "{\"results\": ["
		      "{\"command\": \"a 1\", \"mean\": 0.5, \"median\": 0.5, \"times\": [0.4, 0.6], "
		      "\"exit_codes\": [0, 0], \"parameters\": {\"t\": \"1\"}},"
		      "{\"command\": \"a 2\", \"mean\": 0.25, \"median\": 0.25, \"times\": [0.2, 0.3], "
		      "\"exit_codes\": [0, 1], \"parameters\": {\"t\": \"2\"}}]}");
	assert_int_equal(tp_model_data_read(&d, p, &o), 0);
	assert_int_equal((int)d.k, 2);
	assert_true(d.n[1] == 2 && d.x[1] == 4);
	assert_string_equal(d.format, "hyperfine");
	tp_model_data_release(&d);
	o.ycol = "time";	/* one point per successful run */
	assert_int_equal(tp_model_data_read(&d, p, &o), 0);
	assert_int_equal((int)d.k, 3);
	assert_true(fabs(d.x[2] - 5) < 1e-12);
	tp_model_data_release(&d);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdm91_absolute_matches_r),
		cmocka_unit_test(test_raytracer_has_no_peak),
		cmocka_unit_test(test_retrograde),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_three_points),
		cmocka_unit_test(test_fractional_n_without_one),
		cmocka_unit_test(test_noisy),
		cmocka_unit_test(test_model_data_formats),
	};

	tp_log_set_quiet(2);
	return cmocka_run_group_tests_name("usl", tests, NULL, NULL);
}
