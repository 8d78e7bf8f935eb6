/* Statistics shared by the tuner and the reports: quantiles, MAD, confidence
 * intervals, bootstrap ratios and the Mann-Whitney U test. */
#ifndef TP_CORE_STATS_H
#define TP_CORE_STATS_H

#include <stddef.h>

struct tp_stats;

enum tp_alternative {
	TP_TWO_SIDED,
	TP_LESS,	/* a tends to be smaller than b */
	TP_GREATER,	/* a tends to be larger than b */
};

/* Quantile q in [0,1] of v (not modified), GSL's interpolation; NAN when n == 0. */
double tp_stats_quantile(const double *v, size_t n, double q);
double tp_stats_median(const double *v, size_t n);
/* Raw median absolute deviation (multiply by 1.4826 for a normal sigma). */
double tp_stats_mad(const double *v, size_t n);
/* flags[i] = 1 where |v[i] - median| > 3 * 1.4826 * MAD; returns the count. */
int tp_stats_outliers(const double *v, size_t n, int *flags);
/* n, median, 95% CI of the median (distribution-free order statistics; for
 * n < 6 the min..max range), MAD and outlier count. */
void tp_stats_summarize(const double *v, size_t n, struct tp_stats *out);

/* Mann-Whitney U test of a against b: returns the p-value for the chosen
 * alternative (exact for small samples without ties, normal approximation with
 * tie and continuity correction otherwise); *u gets U of a when u != NULL. */
double tp_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			     enum tp_alternative alt, double *u);

/* Ratio of medians median(b)/median(a) with a percentile bootstrap CI at level
 * (e.g. 0.95) over resamples draws from GSL's RNG seeded with seed.  Each
 * resample's median is drawn from the order statistics of n uniform draws
 * (exactly the distribution of resampling n values and taking the median, in
 * O(1) per resample), so the cost is O(n log n + resamples), whatever n. */
int tp_stats_bootstrap_ratio(const double *a, size_t na, const double *b, size_t nb,
			     size_t resamples, unsigned long seed, double level,
			     double *ratio, double *lo, double *hi);

/* Geometric mean of positive values; NAN when none. */
double tp_stats_geomean(const double *v, size_t n);

#endif
