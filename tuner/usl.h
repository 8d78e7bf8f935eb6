/* Scaling models over worker counts: the Universal Scalability Law
 * X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)) and Amdahl's law (kappa = 0),
 * fitted by bounded Levenberg-Marquardt (GSL). */
#ifndef TP_TUNER_USL_H
#define TP_TUNER_USL_H

#include <stddef.h>

#include "core/results.h"

/* Fewest distinct worker counts the searches fit on. */
#define TP_USL_MIN_POINTS 6

/* Fits n[i] workers -> x[i] throughput (k points, k >= 3 distinct n, x > 0)
 * with lambda > 0, 0 <= sigma < 1, kappa >= 0 kept by a parameter transform,
 * on relative residuals.  Fills m: kind "usl", or "amdahl" when kappa is
 * negligible (no peak within 100 x the largest n; peak_workers = 0), N* =
 * sqrt((1 - sigma) / kappa), r2 on the raw scale.  Returns 0, or -1 (no
 * message) when there are too few points or the fit fails. */
int tp_usl_fit(const double *n, const double *x, size_t k, struct tp_model *m);
/* X(n) under the fitted model. */
double tp_usl_predict(const struct tp_model *m, double n);

#endif
