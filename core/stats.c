/* Statistics shared by the tuner and the reports: quantiles, MAD, confidence
 * intervals, bootstrap ratios and the Mann-Whitney U test. */
#include "core/stats.h"
#include "core/alloc.h"
#include "core/results.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAD_TO_SIGMA 1.4826
/* Exact U distribution up to this many values in each sample (as R does). */
#define EXACT_MAX 50

static double *sorted_copy(const double *v, size_t n)
{
	double *s = tp_xmalloc((n ? n : 1) * sizeof(*s));

	if (n)
		memcpy(s, v, n * sizeof(*s));
	gsl_sort(s, 1, n);
	return s;
}

double tp_stats_quantile(const double *v, size_t n, double q)
{
	double *s, x;

	if (!n)
		return NAN;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	s = sorted_copy(v, n);
	x = gsl_stats_quantile_from_sorted_data(s, 1, n, q);
	free(s);
	return x;
}

double tp_stats_median(const double *v, size_t n)
{
	return tp_stats_quantile(v, n, 0.5);
}

double tp_stats_mad(const double *v, size_t n)
{
	double med, *dev, m;
	size_t i;

	if (!n)
		return NAN;
	med = tp_stats_median(v, n);
	dev = tp_xmalloc(n * sizeof(*dev));
	for (i = 0; i < n; i++)
		dev[i] = fabs(v[i] - med);
	m = tp_stats_median(dev, n);
	free(dev);
	return m;
}

int tp_stats_outliers(const double *v, size_t n, int *flags)
{
	double med, limit;
	int count = 0;
	size_t i;

	if (!n)
		return 0;
	med = tp_stats_median(v, n);
	limit = 3 * MAD_TO_SIGMA * tp_stats_mad(v, n);
	for (i = 0; i < n; i++) {
		/* A zero MAD (most values equal) would flag any difference at all. */
		int out = limit > 0 && fabs(v[i] - med) > limit;

		if (flags)
			flags[i] = out;
		count += out;
	}
	return count;
}

/* The 1-based rank k of the lower bound of the distribution-free 95% CI of
 * the median, [x(k), x(n-k+1)]: the largest k with P(Bin(n, 1/2) < k) <= 2.5%. */
static size_t median_ci_rank(size_t n)
{
	size_t k = 1;

	while (k < n / 2 && gsl_cdf_binomial_P((unsigned)k, 0.5, (unsigned)n) <= 0.025)
		k++;
	return k;
}

void tp_stats_summarize(const double *v, size_t n, struct tp_stats *out)
{
	double *s;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n) {
		out->median = out->ci_low = out->ci_high = out->mad = NAN;
		return;
	}
	s = sorted_copy(v, n);
	out->median = gsl_stats_median_from_sorted_data(s, 1, n);
	if (n < 6) {
		out->ci_low = s[0];
		out->ci_high = s[n - 1];
	} else {
		size_t k = median_ci_rank(n);

		out->ci_low = s[k - 1];
		out->ci_high = s[n - k];
	}
	free(s);
	out->mad = tp_stats_mad(v, n);
	out->outliers = tp_stats_outliers(v, n, NULL);
}

struct ranked {
	double x;
	int from_a;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	return (a->x > b->x) - (a->x < b->x);
}

/* Counts of the rank-sum statistic U for samples of m and n without ties:
 * f[m][n][u] = f[m-1][n][u-n] + f[m][n-1][u], returned as probabilities. */
static double *exact_u_distribution(size_t m, size_t n)
{
	size_t umax = m * n, i, j, u;
	/* Two rows over i of tables indexed [j][u]. */
	size_t row = (n + 1) * (umax + 1);
	double *prev = tp_xcalloc(row, sizeof(double));
	double *cur = tp_xcalloc(row, sizeof(double));
	double *p, total = 0;

#define AT(t, jj, uu) (t)[(jj) * (umax + 1) + (uu)]
	for (j = 0; j <= n; j++)
		AT(prev, j, 0) = 1;	/* i = 0: one arrangement, U = 0 */
	for (i = 1; i <= m; i++) {
		memset(cur, 0, row * sizeof(double));
		AT(cur, 0, 0) = 1;
		for (j = 1; j <= n; j++)
			for (u = 0; u <= i * j; u++) {
				/* the largest value is from a (beats all j of b) or from b */
				double c = AT(cur, j - 1, u);

				if (u >= j)
					c += AT(prev, j, u - j);
				AT(cur, j, u) = c;
			}
		p = prev;
		prev = cur;
		cur = p;
	}
	p = tp_xmalloc((umax + 1) * sizeof(double));
	for (u = 0; u <= umax; u++)
		total += AT(prev, n, u);
	for (u = 0; u <= umax; u++)
		p[u] = AT(prev, n, u) / total;
#undef AT
	free(prev);
	free(cur);
	return p;
}

static double exact_p(size_t m, size_t n, double ustat, enum tp_alternative alt)
{
	double *dist = exact_u_distribution(m, n);
	size_t umax = m * n, u, q = (size_t)llround(ustat);
	double le = 0, ge = 0, p;

	for (u = 0; u <= umax; u++) {
		if (u <= q)
			le += dist[u];
		if (u >= q)
			ge += dist[u];
	}
	free(dist);
	switch (alt) {
	case TP_LESS:
		p = le;
		break;
	case TP_GREATER:
		p = ge;
		break;
	default:
		p = 2 * (le < ge ? le : ge);
		break;
	}
	return p > 1 ? 1 : p;
}

double tp_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			     enum tp_alternative alt, double *u)
{
	size_t n = na + nb, i, j;
	struct ranked *all;
	double rank_sum = 0, ties = 0, ua, z, sigma, corr, p;
	int tied = 0;

	if (u)
		*u = NAN;
	if (!na || !nb)
		return NAN;
	all = tp_xmalloc(n * sizeof(*all));
	for (i = 0; i < na; i++)
		all[i] = (struct ranked){ a[i], 1 };
	for (i = 0; i < nb; i++)
		all[na + i] = (struct ranked){ b[i], 0 };
	qsort(all, n, sizeof(*all), cmp_ranked);
	for (i = 0; i < n; i = j) {
		double mid, t;

		for (j = i + 1; j < n && all[j].x == all[i].x; j++)
			;
		mid = (double)(i + 1 + j) / 2;	/* mean of ranks i+1 .. j */
		t = (double)(j - i);
		if (t > 1) {
			tied = 1;
			ties += t * t * t - t;
		}
		for (size_t k = i; k < j; k++)
			if (all[k].from_a)
				rank_sum += mid;
	}
	free(all);
	ua = rank_sum - (double)na * (na + 1) / 2;
	if (u)
		*u = ua;
	if (!tied && na < EXACT_MAX && nb < EXACT_MAX)
		return exact_p(na, nb, ua, alt);

	z = ua - (double)na * nb / 2;
	sigma = sqrt((double)na * nb / 12 *
		     ((n + 1) - ties / ((double)n * (n - 1))));
	if (sigma == 0)
		return 1;
	switch (alt) {
	case TP_LESS:
		corr = -0.5;
		break;
	case TP_GREATER:
		corr = 0.5;
		break;
	default:
		corr = z > 0 ? 0.5 : (z < 0 ? -0.5 : 0);
		break;
	}
	z = (z - corr) / sigma;
	switch (alt) {
	case TP_LESS:
		p = gsl_cdf_ugaussian_P(z);
		break;
	case TP_GREATER:
		p = gsl_cdf_ugaussian_Q(z);
		break;
	default:
		p = 2 * fmin(gsl_cdf_ugaussian_P(z), gsl_cdf_ugaussian_Q(z));
		break;
	}
	return p > 1 ? 1 : p;
}

/* Median of n draws with replacement from s (sorted), drawn in O(1) from the
 * order statistics of the draws instead of by drawing n indices.  A draw is
 * s[floor(n U)] with U uniform on (0,1); floor and s are monotone, so the k-th
 * smallest of the n drawn values is s[floor(n U(k))], U(k) the k-th smallest of
 * n uniforms, which is Beta(k, n-k+1).  Given U(k) = u, the other n-k draws
 * above it are uniform on (u,1), so U(k+1) = u + (1-u) Beta(1, n-k).  The
 * median is the m-th value (n odd, m = (n+1)/2) or the mean of the m-th and
 * (m+1)-th (n even, m = n/2), as gsl_stats_median takes it: the same
 * distribution as resampling n values and selecting, at 3 RNG draws instead
 * of n, which is what makes `history check` over a pooled history of
 * thousands of repeats per config take milliseconds. */
static double resample_median(gsl_rng *rng, const double *s, size_t n)
{
	size_t m = n % 2 ? (n + 1) / 2 : n / 2, i, j;
	double u, u2;

	if (n == 1)
		return s[0];
	u = gsl_ran_beta(rng, (double)m, (double)(n - m + 1));
	i = (size_t)((double)n * u);
	if (i > n - 1)
		i = n - 1;
	if (n % 2)
		return s[i];
	/* min of n-m uniforms on (0,1): 1 - V^(1/(n-m)), V uniform on (0,1] */
	u2 = u + (1 - u) * -expm1(log(gsl_rng_uniform_pos(rng)) / (double)(n - m));
	j = (size_t)((double)n * u2);
	if (j > n - 1)
		j = n - 1;
	if (j < i)
		j = i;
	return (s[i] + s[j]) / 2;
}

int tp_stats_bootstrap_ratio(const double *a, size_t na, const double *b, size_t nb,
			     size_t resamples, unsigned long seed, double level,
			     double *ratio, double *lo, double *hi)
{
	double ma, mb, *ratios, *sa, *sb;
	gsl_rng *rng;
	size_t i, kept = 0;

	*ratio = *lo = *hi = NAN;
	if (!na || !nb || !resamples || !(level > 0 && level < 1))
		return -1;
	ma = tp_stats_median(a, na);
	mb = tp_stats_median(b, nb);
	if (!(ma != 0))
		return -1;
	*ratio = mb / ma;
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	ratios = tp_xmalloc(resamples * sizeof(*ratios));
	sa = sorted_copy(a, na);
	sb = sorted_copy(b, nb);
	for (i = 0; i < resamples; i++) {
		double ra = resample_median(rng, sa, na);
		double rb = resample_median(rng, sb, nb);

		if (ra != 0)
			ratios[kept++] = rb / ra;
	}
	gsl_rng_free(rng);
	free(sa);
	free(sb);
	if (kept) {
		gsl_sort(ratios, 1, kept);
		*lo = gsl_stats_quantile_from_sorted_data(ratios, 1, kept, (1 - level) / 2);
		*hi = gsl_stats_quantile_from_sorted_data(ratios, 1, kept, 1 - (1 - level) / 2);
	}
	free(ratios);
	return kept ? 0 : -1;
}

double tp_stats_geomean(const double *v, size_t n)
{
	double sum = 0;
	size_t i, used = 0;

	for (i = 0; i < n; i++)
		if (v[i] > 0 && isfinite(v[i])) {
			sum += log(v[i]);
			used++;
		}
	return used ? exp(sum / (double)used) : NAN;
}
