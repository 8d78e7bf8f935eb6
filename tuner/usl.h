/* Scaling models over worker counts: the Universal Scalability Law
 * X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)) and Amdahl's law (kappa = 0),
 * fitted by bounded least squares (GSL's Levenberg-Marquardt on each face of
 * the box lambda, sigma, kappa >= 0), with Wald confidence intervals. */
#ifndef TP_TUNER_USL_H
#define TP_TUNER_USL_H

#include <stddef.h>

#include "core/results.h"

/* Fewest distinct worker counts the searches fit on. */
#define TP_USL_MIN_POINTS 6

/* What the residuals are divided by.  RELATIVE (the default) divides by the
 * measured X, so every point counts the same whatever its size: tunepool's
 * throughput noise is multiplicative (a few % at any N).  ABSOLUTE minimises
 * plain residuals, as R's nls() and the usl package do. */
enum tp_usl_weights {
	TP_USL_RELATIVE,
	TP_USL_ABSOLUTE,
};

/* What the data support, from the fit and its intervals. */
enum tp_usl_shape {
	TP_USL_PEAK,		/* kappa > 0 supported, N* within the measured range */
	TP_USL_BEYOND,		/* kappa > 0 supported, N* past the largest N */
	TP_USL_NO_PEAK,		/* kappa's interval includes 0: Amdahl fits as well */
	TP_USL_LINEAR,		/* sigma and kappa both indistinguishable from 0 */
	TP_USL_FLAT,		/* X does not change with N */
	TP_USL_RETROGRADE,	/* X falls from the smallest N on */
};

/* An estimate with its 95% interval; lo/hi are NAN when there are no degrees
 * of freedom left (as many distinct points as parameters), hi INFINITY when
 * unbounded.  Bounds of the parameter (>= 0) clip the interval. */
struct tp_usl_param {
	double value, se, lo, hi;
};

struct tp_usl_fit {
	struct tp_usl_param lambda, sigma, kappa;	/* kappa = 0 for Amdahl */
	double ssr;		/* weighted residual sum of squares */
	double residual_se;	/* sqrt(ssr / dof), in the weighted scale */
	double r2;		/* on the raw scale; NAN when X has no spread */
	int dof;		/* points - parameters */
};

struct tp_usl_analysis {
	enum tp_usl_weights weights;
	size_t points, distinct;
	double n_min, n_max;
	struct tp_usl_fit usl, amdahl;
	enum tp_usl_shape shape;
	struct tp_usl_param peak_n;	/* N* = sqrt((1 - sigma) / kappa); INFINITY without kappa */
	double peak_x;		/* X at N* for PEAK/BEYOND (extrapolated for BEYOND), else NAN */
	double best_n, best_x;	/* the best fitted X over the measured N, and where */
	const char *error;	/* why tp_usl_analyze returned -1 (static text) */
};

/* Fits n[i] -> x[i] (k points, n > 0 not necessarily integer nor including
 * 1, x > 0, several points per n allowed, >= 3 distinct n).  Returns 0 and
 * fills a, or -1 with a->error saying what is wrong (nothing printed). */
int tp_usl_analyze(const double *n, const double *x, size_t k, enum tp_usl_weights w,
		   struct tp_usl_analysis *a);

/* One line a person can act on, for a (into buf). */
const char *tp_usl_verdict(const struct tp_usl_analysis *a, char *buf, size_t size);
const char *tp_usl_shape_name(enum tp_usl_shape s);
/* "relative" / "absolute" -> weights; -1 for anything else. */
int tp_usl_weights_parse(const char *s, enum tp_usl_weights *w);
const char *tp_usl_weights_name(enum tp_usl_weights w);

/* The tuner's fit (relative weights) in the results model: kind "usl" when a
 * peak is supported (peak_workers = N*; 1 when throughput falls from the
 * start) and "amdahl" otherwise (peak_workers = 0); r2 on the raw scale.
 * Returns 0, or -1 (no message) when there are too few points or the fit fails. */
int tp_usl_fit(const double *n, const double *x, size_t k, struct tp_model *m);
/* X(n) under the fitted model. */
double tp_usl_predict(const struct tp_model *m, double n);

#endif
