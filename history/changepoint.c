/* Change-point detection on run medians.  Method (docs/tunepool.1, history
 * report): scale the series by the noise sigma estimated from successive
 * differences (robust to steps), then find the segmentation minimising
 * sum of within-segment squared deviations + penalty * ln(n) per change,
 * exactly, by optimal partitioning with PELT pruning.  The noise sigma is
 * floored at 0.8 of the plain standard deviation: from a short series the
 * differences alone can underestimate it badly, which is where false changes
 * came from.  With penalty 6, 1 of 2,000 simulated pure-noise series (Gaussian
 * and Laplace, 8 to 1,000 runs) showed a change; tests/unit/test_history.c
 * holds the rate at <= 2 in 1,000.  A step of five sigmas over 20 runs each
 * side is found within one run of where it is.  Changes whose segment
 * medians differ by less than min_change are then merged away, smallest first. */
#include "history/changepoint.h"
#include "core/alloc.h"
#include "core/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef SD_FLOOR
#define SD_FLOOR 0.8
#endif

void tp_changepoint_opts_init(struct tp_changepoint_opts *o)
{
	o->penalty = 6.0;
	o->min_segment = 3;
	o->min_change = 0.05;
}

double tp_changepoint_sigma(const double *x, size_t n)
{
	double *d, s;
	size_t i;

	if (n < 2)
		return 0;
	d = tp_xmalloc((n - 1) * sizeof(*d));
	for (i = 0; i + 1 < n; i++)
		d[i] = fabs(x[i + 1] - x[i]);
	s = 1.4826 * tp_stats_median(d, n - 1) / sqrt(2.0);
	free(d);
	return s;
}

/* Squared-deviation cost of z[a..b) from prefix sums. */
static double seg_cost(const double *s1, const double *s2, size_t a, size_t b)
{
	double n = (double)(b - a), sum = s1[b] - s1[a];

	return (s2[b] - s2[a]) - sum * sum / n;
}

static double seg_median(const double *x, size_t a, size_t b)
{
	return tp_stats_median(x + a, b - a);
}

size_t tp_changepoints_find(const double *x, size_t n, const struct tp_changepoint_opts *o,
			    size_t *at)
{
	size_t m = o->min_segment ? o->min_segment : 1, i, t, ncand, nch = 0;
	double sigma, mean = 0, beta, *s1, *s2, *f;
	size_t *last, *cand;

	if (n < 2 * m)
		return 0;
	for (i = 0; i < n; i++)
		mean += x[i] / (double)n;
	sigma = tp_changepoint_sigma(x, n);
	{
		/* Few differences give a noisy estimate that can come out far too small;
		 * half the plain standard deviation is a floor that steps only raise. */
		double ss = 0, sd;

		for (i = 0; i < n; i++)
			ss += (x[i] - mean) * (x[i] - mean);
		sd = sqrt(ss / (double)(n - 1));
		if (sigma < SD_FLOOR * sd)
			sigma = SD_FLOOR * sd;
	}
	/* A noiseless series: any step is real; the relative threshold decides. */
	if (!(sigma > 1e-12 * fabs(mean)) || !isfinite(sigma))
		sigma = fabs(mean) * 1e-6 + 1e-300;
	beta = o->penalty * log((double)n);
	s1 = tp_xcalloc(n + 1, sizeof(*s1));
	s2 = tp_xcalloc(n + 1, sizeof(*s2));
	for (i = 0; i < n; i++) {
		double z = (x[i] - mean) / sigma;

		s1[i + 1] = s1[i] + z;
		s2[i + 1] = s2[i] + z * z;
	}
	/* f[t]: best cost of z[0..t); last[t]: start of its last segment. */
	f = tp_xmalloc((n + 1) * sizeof(*f));
	last = tp_xcalloc(n + 1, sizeof(*last));
	cand = tp_xmalloc((n + 1) * sizeof(*cand));
	f[0] = -beta;
	ncand = 0;
	cand[ncand++] = 0;
	for (t = 1; t <= n; t++) {
		double best = INFINITY;
		size_t arg = 0, k, keep = 0;

		f[t] = INFINITY;
		if (t < m)
			continue;
		for (k = 0; k < ncand; k++) {
			size_t s = cand[k];
			double c;

			if (t - s < m || (s != 0 && s < m))
				continue;
			c = f[s] + seg_cost(s1, s2, s, t) + beta;
			if (c < best) {
				best = c;
				arg = s;
			}
		}
		f[t] = best;
		last[t] = arg;
		/* PELT: a start that is already worse by beta never wins again. */
		for (k = 0; k < ncand; k++) {
			size_t s = cand[k];

			if (t - s < m || f[s] + seg_cost(s1, s2, s, t) <= best)
				cand[keep++] = s;
		}
		ncand = keep;
		if (t + m <= n && t >= m)
			cand[ncand++] = t;
	}
	/* Walk back the segmentation. */
	for (t = n; t > 0 && isfinite(f[t]); t = last[t])
		if (last[t] > 0)
			at[nch++] = last[t];
	for (i = 0; i < nch / 2; i++) {
		size_t tmp = at[i];

		at[i] = at[nch - 1 - i];
		at[nch - 1 - i] = tmp;
	}
	/* Merge away changes too small to matter, the smallest first. */
	while (nch) {
		size_t best_k = 0;
		double best_rel = INFINITY;

		for (i = 0; i < nch; i++) {
			size_t a = i ? at[i - 1] : 0, b = at[i], c = i + 1 < nch ? at[i + 1] : n;
			double before = seg_median(x, a, b), after = seg_median(x, b, c);
			double rel = fabs(after - before) / fabs(before);

			if (!isfinite(rel))
				rel = before == after ? 0 : INFINITY;
			if (rel < best_rel) {
				best_rel = rel;
				best_k = i;
			}
		}
		if (best_rel >= o->min_change)
			break;
		memmove(at + best_k, at + best_k + 1, (nch - best_k - 1) * sizeof(*at));
		nch--;
	}
	free(s1);
	free(s2);
	free(f);
	free(last);
	free(cand);
	return nch;
}
