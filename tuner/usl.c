/* USL and Amdahl fits: bounded least squares by GSL's Levenberg-Marquardt on
 * each face of the box lambda, sigma, kappa >= 0, Wald intervals from the
 * Jacobian, and the reading of what the data support. */
#include "tuner/usl.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum { P_LAMBDA, P_SIGMA, P_KAPPA, NPARAM };

/* One face of the box: which of sigma, kappa are free (lambda always is). */
struct fit_data {
	const double *n, *x;
	size_t k;
	enum tp_usl_weights weights;
	int free_sigma, free_kappa;
};

static double usl(double lambda, double sigma, double kappa, double n)
{
	return lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

static double weight(const struct fit_data *d, size_t i)
{
	return d->weights == TP_USL_RELATIVE ? 1.0 / d->x[i] : 1.0;
}

/* Fitted vector -> (lambda, sigma, kappa), fixed ones 0. */
static void unpack(const struct fit_data *d, const gsl_vector *p, double q[NPARAM])
{
	size_t j = 0;

	q[P_LAMBDA] = gsl_vector_get(p, j++);
	q[P_SIGMA] = d->free_sigma ? gsl_vector_get(p, j++) : 0.0;
	q[P_KAPPA] = d->free_kappa ? gsl_vector_get(p, j++) : 0.0;
}

/* Outside the box the denominator can reach 0: a large finite residual keeps
 * LM's step rejected instead of feeding it infinities. */
static int residuals(const gsl_vector *p, void *data, gsl_vector *f)
{
	const struct fit_data *d = data;
	double q[NPARAM];
	size_t i;

	unpack(d, p, q);
	for (i = 0; i < d->k; i++) {
		double n = d->n[i], den = 1.0 + q[P_SIGMA] * (n - 1.0) + q[P_KAPPA] * n * (n - 1.0);
		double r = den > 1e-12 ? (q[P_LAMBDA] * n / den - d->x[i]) * weight(d, i) : 1e100;

		gsl_vector_set(f, i, isfinite(r) ? r : 1e100);
	}
	return GSL_SUCCESS;
}

/* Row i of the Jacobian over all three parameters (weighted). */
static void jac_row(const struct fit_data *d, const double q[NPARAM], size_t i, double row[NPARAM])
{
	double n = d->n[i], den = 1.0 + q[P_SIGMA] * (n - 1.0) + q[P_KAPPA] * n * (n - 1.0);
	double w = weight(d, i), g = q[P_LAMBDA] * n / (den * den);

	row[P_LAMBDA] = w * n / den;
	row[P_SIGMA] = -w * g * (n - 1.0);
	row[P_KAPPA] = -w * g * n * (n - 1.0);
}

static int jacobian(const gsl_vector *p, void *data, gsl_matrix *J)
{
	const struct fit_data *d = data;
	double q[NPARAM], row[NPARAM];
	size_t i, j;

	unpack(d, p, q);
	for (i = 0; i < d->k; i++) {
		jac_row(d, q, i, row);
		j = 0;
		gsl_matrix_set(J, i, j++, isfinite(row[P_LAMBDA]) ? row[P_LAMBDA] : 0);
		if (d->free_sigma)
			gsl_matrix_set(J, i, j++, isfinite(row[P_SIGMA]) ? row[P_SIGMA] : 0);
		if (d->free_kappa)
			gsl_matrix_set(J, i, j++, isfinite(row[P_KAPPA]) ? row[P_KAPPA] : 0);
	}
	return GSL_SUCCESS;
}

/* Weighted SSR at q. */
static double cost_at(const struct fit_data *d, const double q[NPARAM])
{
	double s = 0;
	size_t i;

	for (i = 0; i < d->k; i++) {
		double den = 1.0 + q[P_SIGMA] * (d->n[i] - 1.0) + q[P_KAPPA] * d->n[i] * (d->n[i] - 1.0);
		double r;

		if (!(den > 0))
			return INFINITY;
		r = (q[P_LAMBDA] * d->n[i] / den - d->x[i]) * weight(d, i);
		s += r * r;
	}
	return s;
}

/* For fixed sigma and kappa X is linear in lambda: the least-squares lambda. */
static double best_lambda(const struct fit_data *d, double sigma, double kappa)
{
	double num = 0, den = 0;
	size_t i;

	for (i = 0; i < d->k; i++) {
		double g = usl(1.0, sigma, kappa, d->n[i]) * weight(d, i);

		num += g * d->x[i] * weight(d, i);
		den += g * g;
	}
	return den > 0 ? num / den : 0;
}

/* One LM run on d's face from q0; *q gets the result.  Returns the cost, or
 * INFINITY when it failed or left the box. */
static double fit_from(const struct fit_data *d, const double q0[NPARAM], double q[NPARAM])
{
	gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_fdf fdf;
	gsl_multifit_nlinear_workspace *w;
	size_t np = 1 + (size_t)d->free_sigma + (size_t)d->free_kappa, j = 0;
	gsl_vector *p0 = gsl_vector_alloc(np);
	double cost = INFINITY;
	int info, status;

	memset(&fdf, 0, sizeof(fdf));
	fdf.f = residuals;
	fdf.df = jacobian;
	fdf.n = d->k;
	fdf.p = np;
	fdf.params = (void *)d;
	gsl_vector_set(p0, j++, q0[P_LAMBDA]);
	if (d->free_sigma)
		gsl_vector_set(p0, j++, q0[P_SIGMA]);
	if (d->free_kappa)
		gsl_vector_set(p0, j++, q0[P_KAPPA]);
	w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, d->k, np);
	gsl_multifit_nlinear_init(p0, &fdf, w);
	status = gsl_multifit_nlinear_driver(500, 1e-12, 1e-12, 1e-14, NULL, NULL, &info, w);
	if (status == GSL_SUCCESS || status == GSL_EMAXITER || status == GSL_ENOPROG) {
		unpack(d, w->x, q);
		if (q[P_LAMBDA] > 0 && q[P_SIGMA] >= 0 && q[P_KAPPA] >= 0)
			cost = cost_at(d, q);
	}
	gsl_multifit_nlinear_free(w);
	gsl_vector_free(p0);
	return isfinite(cost) ? cost : INFINITY;
}

/* The bounded minimum lies in the interior of one face of the box (a free
 * parameter at 0 is a face of fewer free ones), so the best feasible
 * interior fit over the faces is the bounded fit; a lower-dimensional face
 * wins ties, so a parameter the data put at 0 is exactly 0. */
static double fit_box(struct fit_data *d, int allow_kappa, double nmax, double q[NPARAM])
{
	static const double sigmas[] = { 0.01, 0.1, 0.5 };
	static const double kappas[] = { 0.01, 0.3, 3.0 };	/* times 1 / nmax^2 */
	double best = INFINITY, cur[NPARAM], q0[NPARAM], scale = 0;
	int face;
	size_t i, j;

	for (i = 0; i < d->k; i++)
		scale += d->x[i] * weight(d, i) * d->x[i] * weight(d, i);

	/* Faces in order of fewer free parameters: {}, {sigma}, {kappa}, {sigma, kappa}. */
	for (face = 0; face < 4; face++) {
		d->free_sigma = face == 1 || face == 3;
		d->free_kappa = face >= 2;
		if (d->free_kappa && !allow_kappa)
			break;
		for (i = 0; i < (d->free_sigma ? 3u : 1u); i++) {
			for (j = 0; j < (d->free_kappa ? 3u : 1u); j++) {
				double c;

				q0[P_SIGMA] = d->free_sigma ? sigmas[i] : 0;
				q0[P_KAPPA] = d->free_kappa ? kappas[j] / (nmax * nmax) : 0;
				q0[P_LAMBDA] = best_lambda(d, q0[P_SIGMA], q0[P_KAPPA]);
				if (face == 0) {
					memcpy(cur, q0, sizeof(cur));
					c = cost_at(d, cur);
				} else {
					c = fit_from(d, q0, cur);
				}
				/* Strictly better by more than rounding. */
				if (c < best * (1 - 1e-10) - 1e-20 * scale) {
					best = c;
					memcpy(q, cur, sizeof(cur));
				}
			}
		}
	}
	/* A parameter whose whole effect over the measured N is rounding is 0. */
	if (isfinite(best) && q[P_SIGMA] * nmax < 1e-9)
		q[P_SIGMA] = 0;
	if (isfinite(best) && q[P_KAPPA] * nmax * nmax < 1e-9)
		q[P_KAPPA] = 0;
	return isfinite(best) ? cost_at(d, q) : best;
}

static double t_quantile(int dof)
{
	return dof > 0 ? gsl_cdf_tdist_Pinv(0.975, (double)dof) : NAN;
}

static void set_param(struct tp_usl_param *p, double v, double var, double t)
{
	p->value = v;
	p->se = var >= 0 ? sqrt(var) : NAN;
	p->lo = v - t * p->se;
	p->hi = v + t * p->se;
	if (p->lo < 0)
		p->lo = 0;	/* the bound */
	if (!isfinite(t))
		p->lo = p->hi = p->se = NAN;
}

/* Covariance s^2 (J'J)^-1 over np = 2 (Amdahl) or 3 parameters at q; cov is
 * NAN-filled when J'J is singular or no degrees of freedom are left. */
static void covariance(const struct fit_data *d, const double q[NPARAM], size_t np, double ssr,
		       int dof, double cov[NPARAM][NPARAM])
{
	gsl_matrix *jtj = gsl_matrix_calloc(np, np);
	double row[NPARAM];
	size_t i, a, b;
	int ok = dof > 0;

	for (a = 0; a < NPARAM; a++)
		for (b = 0; b < NPARAM; b++)
			cov[a][b] = NAN;
	for (i = 0; i < d->k; i++) {
		jac_row(d, q, i, row);
		for (a = 0; a < np; a++)
			for (b = 0; b < np; b++)
				*gsl_matrix_ptr(jtj, a, b) += row[a] * row[b];
	}
	/* GSL's error handler is off: the caller (tp_usl_analyze) turned it off. */
	if (ok && gsl_linalg_cholesky_decomp1(jtj) == GSL_SUCCESS &&
	    gsl_linalg_cholesky_invert(jtj) == GSL_SUCCESS) {
		for (a = 0; a < np; a++)
			for (b = 0; b < np; b++)
				cov[a][b] = gsl_matrix_get(jtj, a, b) * ssr / dof;
	}
	gsl_matrix_free(jtj);
}

static void fill_fit(const struct fit_data *d, const double q[NPARAM], size_t np, double ssr,
		     double ss_tot, struct tp_usl_fit *f)
{
	double cov[NPARAM][NPARAM], raw = 0, t;
	size_t i;

	f->ssr = ssr;
	f->dof = (int)d->k - (int)np;
	f->residual_se = f->dof > 0 ? sqrt(ssr / f->dof) : NAN;
	covariance(d, q, np, ssr, f->dof, cov);
	t = t_quantile(f->dof);
	set_param(&f->lambda, q[P_LAMBDA], cov[P_LAMBDA][P_LAMBDA], t);
	set_param(&f->sigma, q[P_SIGMA], cov[P_SIGMA][P_SIGMA], t);
	if (np == NPARAM)
		set_param(&f->kappa, q[P_KAPPA], cov[P_KAPPA][P_KAPPA], t);
	else
		f->kappa = (struct tp_usl_param){ 0, 0, 0, 0 };
	for (i = 0; i < d->k; i++) {
		double e = d->x[i] - usl(q[P_LAMBDA], q[P_SIGMA], q[P_KAPPA], d->n[i]);

		raw += e * e;
	}
	f->r2 = ss_tot > 0 ? 1.0 - raw / ss_tot : NAN;
}

/* Supported: positive with an interval that excludes 0. */
static int supported(const struct tp_usl_param *p)
{
	return p->value > 0 && p->lo > 0;
}

static void classify(struct tp_usl_analysis *a, const struct fit_data *d, const double q[NPARAM],
		     int flat)
{
	const struct tp_usl_fit *u = &a->usl;
	double cov[NPARAM][NPARAM], t = t_quantile(u->dof), peak;
	int exact = u->dof <= 0;

	a->peak_n = (struct tp_usl_param){ INFINITY, NAN, NAN, NAN };
	a->peak_x = NAN;
	if (flat) {
		a->shape = TP_USL_FLAT;
		a->best_n = a->n_min;
		return;
	}
	peak = u->kappa.value > 0 && u->sigma.value < 1 ?
	       sqrt((1 - u->sigma.value) / u->kappa.value) : INFINITY;
	if (u->sigma.value >= 1 || peak <= a->n_min) {
		a->shape = TP_USL_RETROGRADE;
		a->best_n = a->n_min;
		if (isfinite(peak))
			a->peak_n.value = peak;
		return;
	}
	if (!isfinite(peak) && u->kappa.hi > 0 && u->sigma.value < 1) {
		a->peak_n.lo = sqrt((1 - u->sigma.value) / u->kappa.hi);
		a->peak_n.hi = INFINITY;
	}
	if (isfinite(peak)) {
		/* Delta method on log N* = (log(1 - sigma) - log kappa) / 2. */
		double gs = -0.5 / (1 - u->sigma.value), gk = -0.5 / u->kappa.value, var, sd;

		covariance(d, q, NPARAM, u->ssr, u->dof, cov);
		var = gs * gs * cov[P_SIGMA][P_SIGMA] + 2 * gs * gk * cov[P_SIGMA][P_KAPPA] +
		      gk * gk * cov[P_KAPPA][P_KAPPA];
		sd = sqrt(var);
		a->peak_n.value = peak;
		a->peak_n.se = peak * sd;
		a->peak_n.lo = peak * exp(-t * sd);
		a->peak_n.hi = peak * exp(t * sd);
		/* Unsupported kappa: all the data say is that no peak comes before
		 * the N that kappa's upper bound would put it at. */
		if (!supported(&u->kappa)) {
			a->peak_n.lo = sqrt((1 - u->sigma.value) / u->kappa.hi);
			a->peak_n.hi = INFINITY;
		}
		if (exact)
			a->peak_n.lo = a->peak_n.hi = NAN;
	}
	if (isfinite(peak) && (supported(&u->kappa) || (exact && u->kappa.value > 0))) {
		a->shape = peak <= a->n_max ? TP_USL_PEAK : TP_USL_BEYOND;
		a->peak_x = usl(u->lambda.value, u->sigma.value, u->kappa.value, peak);
		a->best_n = peak <= a->n_max ? peak : a->n_max;
	} else if (supported(&u->sigma) || (exact && u->sigma.value > 0) ||
		   supported(&a->amdahl.sigma)) {
		a->shape = TP_USL_NO_PEAK;
		a->best_n = a->n_max;
	} else {
		a->shape = TP_USL_LINEAR;
		a->best_n = a->n_max;
	}
}

int tp_usl_analyze(const double *n, const double *x, size_t k, enum tp_usl_weights w,
		   struct tp_usl_analysis *a)
{
	struct fit_data d = { n, x, k, w, 1, 1 };
	gsl_error_handler_t *old;
	double q[NPARAM] = { 0, 0, 0 }, qa[NPARAM] = { 0, 0, 0 }, cu, ca;
	double mean = 0, ss_tot = 0, xmin = INFINITY, xmax = 0;
	size_t i, j;
	int flat;

	memset(a, 0, sizeof(*a));
	a->weights = w;
	a->points = k;
	a->n_min = INFINITY;
	for (i = 0; i < k; i++) {
		if (!(n[i] > 0) || !isfinite(n[i])) {
			a->error = "N must be a positive number";
			return -1;
		}
		if (!(x[i] > 0) || !isfinite(x[i])) {
			a->error = "X must be a positive number";
			return -1;
		}
		for (j = 0; j < i && n[j] != n[i]; j++)
			;
		a->distinct += j == i;
		a->n_min = fmin(a->n_min, n[i]);
		a->n_max = fmax(a->n_max, n[i]);
		xmin = fmin(xmin, x[i]);
		xmax = fmax(xmax, x[i]);
		mean += x[i];
	}
	if (a->distinct < 3) {
		a->error = "a fit needs at least 3 distinct N";
		return -1;
	}
	mean /= (double)k;
	for (i = 0; i < k; i++)
		ss_tot += (x[i] - mean) * (x[i] - mean);
	/* No spread: the range, not a sum of squares around a rounded mean. */
	flat = xmax - xmin <= 1e-9 * xmax;
	if (flat)
		ss_tot = 0;
	old = gsl_set_error_handler_off();
	cu = fit_box(&d, 1, a->n_max, q);
	ca = fit_box(&d, 0, a->n_max, qa);
	gsl_set_error_handler(old);
	if (!isfinite(cu) || !isfinite(ca)) {
		a->error = "the fit did not converge";
		return -1;
	}
	old = gsl_set_error_handler_off();
	fill_fit(&d, q, NPARAM, cu, ss_tot, &a->usl);
	fill_fit(&d, qa, 2, ca, ss_tot, &a->amdahl);
	classify(a, &d, q, flat);
	gsl_set_error_handler(old);
	a->best_x = usl(q[P_LAMBDA], q[P_SIGMA], q[P_KAPPA], a->best_n);
	if (flat)
		a->best_x = mean;
	return 0;
}

static const char *const shape_names[] = {
	[TP_USL_PEAK] = "peak",
	[TP_USL_BEYOND] = "peak_beyond_range",
	[TP_USL_NO_PEAK] = "no_peak",
	[TP_USL_LINEAR] = "linear",
	[TP_USL_FLAT] = "flat",
	[TP_USL_RETROGRADE] = "retrograde",
};

const char *tp_usl_shape_name(enum tp_usl_shape s)
{
	return shape_names[s];
}

static const char *const weight_names[] = {
	[TP_USL_RELATIVE] = "relative",
	[TP_USL_ABSOLUTE] = "absolute",
};

int tp_usl_weights_parse(const char *s, enum tp_usl_weights *w)
{
	size_t i;

	for (i = 0; i < sizeof(weight_names) / sizeof(weight_names[0]); i++) {
		if (!strcmp(s, weight_names[i])) {
			*w = (enum tp_usl_weights)i;
			return 0;
		}
	}
	return -1;
}

const char *tp_usl_weights_name(enum tp_usl_weights w)
{
	return weight_names[w];
}

const char *tp_usl_verdict(const struct tp_usl_analysis *a, char *buf, size_t size)
{
	const struct tp_usl_fit *u = &a->usl;
	const char *exact = u->dof <= 0 ? " (an exact fit through 3 points, no intervals: "
					  "measure more N before relying on it)" : "";
	double ceiling = a->amdahl.sigma.value > 0 ? a->amdahl.lambda.value / a->amdahl.sigma.value :
			 INFINITY;

	switch (a->shape) {
	case TP_USL_PEAK:
		if (isfinite(a->peak_n.lo) && isfinite(a->peak_n.hi))
			snprintf(buf, size, "throughput peaks near N = %.3g (95%% CI %.3g to %.3g) at "
				 "about %.4g; more than that loses throughput, so cap at %.0f%s",
				 a->peak_n.value, a->peak_n.lo, a->peak_n.hi, a->peak_x,
				 floor(a->peak_n.value), exact);
		else
			snprintf(buf, size, "throughput peaks near N = %.3g at about %.4g; more "
				 "than that loses throughput, so cap at %.0f%s", a->peak_n.value,
				 a->peak_x, floor(a->peak_n.value), exact);
		break;
	case TP_USL_BEYOND:
		snprintf(buf, size, "no peak within the measured range: the fit extrapolates one at "
			 "N = %.3g, past the largest measured N = %g; measure up to there before "
			 "relying on it%s", a->peak_n.value, a->n_max, exact);
		break;
	case TP_USL_NO_PEAK:
		if (isfinite(ceiling))
			snprintf(buf, size, "no peak within the measured range (Amdahl fits as well): "
				 "throughput keeps rising with diminishing returns towards "
				 "lambda/sigma = %.4g; N = %g gives about %.4g%s", ceiling, a->n_max,
				 a->best_x, exact);
		else
			snprintf(buf, size, "no peak within the measured range (Amdahl fits as well): "
				 "N = %g gives about %.4g%s", a->n_max, a->best_x, exact);
		break;
	case TP_USL_LINEAR:
		snprintf(buf, size, "throughput grows about linearly up to the largest measured N = %g "
			 "(no contention measured): measure larger N to find the limit%s",
			 a->n_max, exact);
		break;
	case TP_USL_FLAT:
		snprintf(buf, size, "throughput does not change with N (%.4g at every N): more "
			 "workers buy nothing, use the smallest N = %g", a->best_x, a->n_min);
		break;
	case TP_USL_RETROGRADE:
		snprintf(buf, size, "throughput falls as N grows from the smallest measured N = %g: "
			 "use %g worker%s%s, parallelism only costs here", a->n_min,
			 a->n_min, a->n_min == 1 ? "" : "s", a->n_min > 1 ? " (or fewer)" : "");
		break;
	}
	return buf;
}

int tp_usl_fit(const double *n, const double *x, size_t k, struct tp_model *m)
{
	struct tp_usl_analysis a;
	const struct tp_usl_fit *f;
	int usl_kind;

	memset(m, 0, sizeof(*m));
	if (tp_usl_analyze(n, x, k, TP_USL_RELATIVE, &a))
		return -1;
	/* A peak the data support (not one past 100x the largest N), or a fall
	 * from the start, is a USL; anything else is Amdahl. */
	usl_kind = a.shape == TP_USL_PEAK || a.shape == TP_USL_RETROGRADE ||
		   (a.shape == TP_USL_BEYOND && a.peak_n.value <= 100.0 * a.n_max);
	f = usl_kind ? &a.usl : &a.amdahl;
	snprintf(m->kind, sizeof(m->kind), "%s", tp_model_kind_name(usl_kind ? TP_MODEL_USL : TP_MODEL_AMDAHL));
	m->lambda = f->lambda.value;
	m->sigma = f->sigma.value;
	m->kappa = f->kappa.value;
	m->peak_workers = a.shape == TP_USL_RETROGRADE ? a.n_min : usl_kind ? a.peak_n.value : 0;
	m->r2 = f->r2;
	m->points = (int)a.distinct;
	return 0;
}

double tp_usl_predict(const struct tp_model *m, double n)
{
	return usl(m->lambda, m->sigma, m->kappa, n);
}
