/* Change points in a series of run medians: optimal partitioning (PELT) of
 * the series, its outliers limited, scaled by a robust noise estimate, with a
 * penalty that keeps pure noise free of change points, then a minimum
 * relative change. */
#ifndef TP_HISTORY_CHANGEPOINT_H
#define TP_HISTORY_CHANGEPOINT_H

#include <stddef.h>

struct tp_changepoint_opts {
	/* Penalty per change point in units of the noise variance, times ln(n). */
	double penalty;
	size_t min_segment;	/* fewest points on each side of a change */
	double min_change;	/* relative change of segment medians that matters */
};

/* Defaults: penalty 8 ln(n), segments of at least 3 points, 5% change. */
void tp_changepoint_opts_init(struct tp_changepoint_opts *o);

/* Robust noise sigma of x: 1.4826 * median |x[i+1] - x[i]| / sqrt(2), which
 * steps barely move.  0 when n < 2.  (tp_changepoints_find floors it; see
 * changepoint.c.) */
double tp_changepoint_sigma(const double *x, size_t n);

/* Finds the change points of x[0..n): at[k] is the index of the first point
 * after the k-th change (at must hold n entries).  Returns how many. */
size_t tp_changepoints_find(const double *x, size_t n, const struct tp_changepoint_opts *o,
			    size_t *at);

#endif
