/* Bounded-memory task latency quantiles: exact while small, log buckets after. */
#include "runner/lathist.h"
#include "core/alloc.h"
#include "core/log.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static size_t bucket_of(double d)
{
	double k;

	if (!(d >= ldexp(1.0, TP_LATHIST_MIN_LOG2)))
		return 0;
	k = floor((log2(d) - TP_LATHIST_MIN_LOG2) * TP_LATHIST_PER_OCTAVE);
	if (k >= TP_LATHIST_BUCKETS - 1)
		return TP_LATHIST_BUCKETS - 1;
	return 1 + (size_t)k;
}

/* Lower edge of bucket b (b = TP_LATHIST_BUCKETS: the upper edge of the last). */
static double bucket_lo(size_t b)
{
	if (b == 0)
		return 0;
	return exp2(TP_LATHIST_MIN_LOG2 + (double)(b - 1) / TP_LATHIST_PER_OCTAVE);
}

static void to_buckets(struct tp_lathist *h)
{
	uint64_t i;

	h->bucket = tp_xcalloc(TP_LATHIST_BUCKETS, sizeof(*h->bucket));
	for (i = 0; i < h->n; i++)
		h->bucket[bucket_of(h->exact[i])]++;
	free(h->exact);
	h->exact = NULL;
}

void tp_lathist_add(struct tp_lathist *h, double d)
{
	if (!(d > 0))
		d = 0;
	if (!h->n || d < h->min)
		h->min = d;
	if (!h->n || d > h->max)
		h->max = d;
	if (!h->bucket) {
		if (h->n < TP_LATHIST_EXACT) {
			if (!h->exact)
				h->exact = tp_xmalloc(TP_LATHIST_EXACT * sizeof(*h->exact));
			h->exact[h->n++] = (float)d;
			return;
		}
		to_buckets(h);
	}
	h->bucket[bucket_of(d)]++;
	h->n++;
}

void tp_lathist_reset(struct tp_lathist *h)
{
	if (h->bucket)
		memset(h->bucket, 0, TP_LATHIST_BUCKETS * sizeof(*h->bucket));
	h->n = 0;
	h->min = h->max = 0;
}

void tp_lathist_release(struct tp_lathist *h)
{
	free(h->exact);
	free(h->bucket);
	memset(h, 0, sizeof(*h));
}

void tp_lathist_shared_add(struct tp_lathist_shared *h, double d)
{
	atomic_fetch_add_explicit(&h->bucket[bucket_of(d > 0 ? d : 0)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->n, 1, memory_order_relaxed);
}

void tp_lathist_shared_reset(struct tp_lathist_shared *h)
{
	size_t b;

	for (b = 0; b < TP_LATHIST_BUCKETS; b++)
		atomic_store_explicit(&h->bucket[b], 0, memory_order_relaxed);
	atomic_store_explicit(&h->n, 0, memory_order_relaxed);
}

uint64_t tp_lathist_shared_count(const struct tp_lathist_shared *h)
{
	return atomic_load_explicit(&h->n, memory_order_relaxed);
}

double tp_lathist_shared_quantile_high(const struct tp_lathist_shared *h, double q)
{
	uint64_t n = tp_lathist_shared_count(h), acc = 0;
	size_t b;

	if (!n)
		return 0;
	for (b = 0; b < TP_LATHIST_BUCKETS - 1; b++) {
		acc += atomic_load_explicit(&h->bucket[b], memory_order_relaxed);
		if ((double)acc > q * (double)n)
			break;
	}
	return bucket_lo(b + 1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void exact_quantiles(const struct tp_lathist *const *h, size_t n, uint64_t total,
			    const double *qs, size_t nq, double *out)
{
	double *all = tp_xmalloc(total * sizeof(*all));
	size_t i, k = 0, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < h[i]->n; j++)
			all[k++] = h[i]->exact[j];
	qsort(all, k, sizeof(*all), cmp_double);
	for (i = 0; i < nq; i++)
		out[i] = gsl_stats_quantile_from_sorted_data(all, 1, k, qs[i]);
	free(all);
}

static void bucket_quantiles(const struct tp_lathist *const *h, size_t n, const double *qs,
			     size_t nq, double lo, double hi, double *out)
{
	gsl_histogram *g = gsl_histogram_alloc(TP_LATHIST_BUCKETS);
	gsl_histogram_pdf *pdf = gsl_histogram_pdf_alloc(TP_LATHIST_BUCKETS);
	double range[TP_LATHIST_BUCKETS + 1];
	gsl_error_handler_t *old;
	size_t i, j;

	if (!g || !pdf)
		TP_BUG("out of memory for the latency histogram");
	for (j = 0; j <= TP_LATHIST_BUCKETS; j++)
		range[j] = bucket_lo(j);
	/* Sets the edges and zeroes the bins (gsl_histogram_alloc leaves them). */
	gsl_histogram_set_ranges(g, range, TP_LATHIST_BUCKETS + 1);
	for (i = 0; i < n; i++) {
		if (h[i]->bucket) {
			for (j = 0; j < TP_LATHIST_BUCKETS; j++)
				g->bin[j] += (double)h[i]->bucket[j];
		} else {
			for (j = 0; j < h[i]->n; j++)
				g->bin[bucket_of(h[i]->exact[j])] += 1;
		}
	}
	old = gsl_set_error_handler_off();
	gsl_histogram_pdf_init(pdf, g);
	for (i = 0; i < nq; i++) {
		double x = gsl_histogram_pdf_sample(pdf, qs[i]);

		out[i] = x < lo ? lo : x > hi ? hi : x;
	}
	gsl_set_error_handler(old);
	gsl_histogram_pdf_free(pdf);
	gsl_histogram_free(g);
}

uint64_t tp_lathist_quantiles(const struct tp_lathist *const *h, size_t n, const double *qs,
			      size_t nq, double *out)
{
	uint64_t total = 0;
	double lo = 0, hi = 0;
	int bucketed = 0, first = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!h[i]->n)
			continue;
		total += h[i]->n;
		bucketed |= h[i]->bucket != NULL;
		if (first || h[i]->min < lo)
			lo = h[i]->min;
		if (first || h[i]->max > hi)
			hi = h[i]->max;
		first = 0;
	}
	if (!total)
		return 0;
	if (bucketed)
		bucket_quantiles(h, n, qs, nq, lo, hi, out);
	else
		exact_quantiles(h, n, total, qs, nq, out);
	return total;
}
