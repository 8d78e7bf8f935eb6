/* USL and Amdahl fits with GSL's nonlinear least squares (trust-region LM);
 * bounds are kept by fitting transformed parameters. */
#include "tuner/usl.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct fit_data {
	const double *n, *x;
	size_t k;
};

/* Fitted vector p -> (lambda, sigma, kappa): exp, logistic, square. */
static void unpack(const gsl_vector *p, double *lambda, double *sigma, double *kappa)
{
	*lambda = exp(gsl_vector_get(p, 0));
	*sigma = 1.0 / (1.0 + exp(-gsl_vector_get(p, 1)));
	*kappa = gsl_vector_get(p, 2) * gsl_vector_get(p, 2);
}

static double usl(double lambda, double sigma, double kappa, double n)
{
	return lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

static int residuals(const gsl_vector *p, void *data, gsl_vector *f)
{
	const struct fit_data *d = data;
	double lambda, sigma, kappa;
	size_t i;

	unpack(p, &lambda, &sigma, &kappa);
	for (i = 0; i < d->k; i++)
		gsl_vector_set(f, i, (usl(lambda, sigma, kappa, d->n[i]) - d->x[i]) / d->x[i]);
	return GSL_SUCCESS;
}

/* One LM run from (lambda0, sigma0, kappa0); returns the cost, or INFINITY. */
static double fit_from(const struct fit_data *d, double lambda0, double sigma0, double kappa0,
		       double out[3])
{
	const gsl_multifit_nlinear_type *T = gsl_multifit_nlinear_trust;
	gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_fdf fdf;
	gsl_multifit_nlinear_workspace *w;
	gsl_vector *p0 = gsl_vector_alloc(3);
	double cost = INFINITY, chisq;
	int info, status;

	memset(&fdf, 0, sizeof(fdf));
	fdf.f = residuals;
	fdf.df = NULL;		/* finite differences */
	fdf.n = d->k;
	fdf.p = 3;
	fdf.params = (void *)d;
	gsl_vector_set(p0, 0, log(lambda0));
	gsl_vector_set(p0, 1, log(sigma0 / (1.0 - sigma0)));
	gsl_vector_set(p0, 2, sqrt(kappa0));
	w = gsl_multifit_nlinear_alloc(T, &params, d->k, 3);
	gsl_multifit_nlinear_init(p0, &fdf, w);
	status = gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 1e-12, NULL, NULL, &info, w);
	if (status == GSL_SUCCESS || status == GSL_EMAXITER) {
		gsl_blas_ddot(w->f, w->f, &chisq);
		if (isfinite(chisq)) {
			cost = chisq;
			unpack(w->x, &out[0], &out[1], &out[2]);
		}
	}
	gsl_multifit_nlinear_free(w);
	gsl_vector_free(p0);
	return cost;
}

int tp_usl_fit(const double *n, const double *x, size_t k, struct tp_model *m)
{
	static const double sigmas[] = { 0.01, 0.2, 0.6 };
	static const double kappas[] = { 1e-5, 1e-3, 3e-2 };
	struct fit_data d = { n, x, k };
	gsl_error_handler_t *old;
	double best[3] = { 0, 0, 0 }, cur[3], best_cost = INFINITY, lambda0 = 0, nmax = 0;
	double mean = 0, ss_tot = 0, ss_res = 0;
	size_t i, j, distinct = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < k; i++) {
		if (!(x[i] > 0) || !(n[i] >= 1))
			return -1;
		for (j = 0; j < i && n[j] != n[i]; j++)
			;
		distinct += j == i;
		if (n[i] > nmax)
			nmax = n[i];
		/* lambda is the throughput of one worker; the smallest n says most. */
		if (x[i] / n[i] > lambda0)
			lambda0 = x[i] / n[i];
	}
	if (distinct < 3)
		return -1;
	old = gsl_set_error_handler_off();
	for (i = 0; i < sizeof(sigmas) / sizeof(sigmas[0]); i++) {
		for (j = 0; j < sizeof(kappas) / sizeof(kappas[0]); j++) {
			double c = fit_from(&d, lambda0, sigmas[i], kappas[j], cur);

			if (c < best_cost) {
				best_cost = c;
				memcpy(best, cur, sizeof(best));
			}
		}
	}
	gsl_set_error_handler(old);
	if (!isfinite(best_cost))
		return -1;
	m->lambda = best[0];
	m->sigma = best[1];
	m->kappa = best[2];
	m->points = (int)distinct;
	if (m->kappa <= 0 || sqrt((1.0 - m->sigma) / m->kappa) > 100.0 * nmax) {
		snprintf(m->kind, sizeof(m->kind), "amdahl");
		m->kappa = 0;
		m->peak_workers = 0;
	} else {
		snprintf(m->kind, sizeof(m->kind), "usl");
		m->peak_workers = sqrt((1.0 - m->sigma) / m->kappa);
	}
	for (i = 0; i < k; i++)
		mean += x[i] / (double)k;
	for (i = 0; i < k; i++) {
		double e = x[i] - tp_usl_predict(m, n[i]);

		ss_res += e * e;
		ss_tot += (x[i] - mean) * (x[i] - mean);
	}
	m->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;
	return 0;
}

double tp_usl_predict(const struct tp_model *m, double n)
{
	return usl(m->lambda, m->sigma, m->kappa, n);
}
