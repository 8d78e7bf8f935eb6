/* Task latency in bounded memory: exact durations up to a small cap, then a
 * log-bucketed histogram (32 buckets per octave), so the pool's p50/p95/p99
 * cost the same memory at 10^3 and 10^9 tasks. */
#ifndef TP_RUNNER_LATHIST_H
#define TP_RUNNER_LATHIST_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

/* Exact durations kept per recorder before it switches to buckets. */
#define TP_LATHIST_EXACT 1024
/* Buckets: [0, 2^-30 s = 0.9 ns) then 32 per octave up to 2^18 s (larger
 * values land in the last one); relative width 2.2%, 12 KiB per recorder. */
#define TP_LATHIST_PER_OCTAVE 32
#define TP_LATHIST_MIN_LOG2 (-30)
#define TP_LATHIST_OCTAVES 48
#define TP_LATHIST_BUCKETS (1 + TP_LATHIST_PER_OCTAVE * TP_LATHIST_OCTAVES)

/* One recorder: written by one thread at a time; zero-initialised is empty. */
struct tp_lathist {
	float *exact;		/* the first durations, NULL once bucketed */
	uint64_t *bucket;	/* TP_LATHIST_BUCKETS counts, NULL until needed */
	uint64_t n;
	double min, max;
};

/* Adds one duration in seconds (negative counts as 0). */
void tp_lathist_add(struct tp_lathist *h, double d);
/* Empties it, keeping what it allocated. */
void tp_lathist_reset(struct tp_lathist *h);
void tp_lathist_release(struct tp_lathist *h);

/* Quantiles qs[0..nq-1] (each in [0,1)) of the union of n recorders into
 * out[]: exact (GSL's interpolation on the sorted durations) while every
 * recorder still holds its durations, else from the merged buckets (GSL's
 * histogram inverse CDF, interpolated inside a bucket and clamped to the
 * observed min..max).  Returns the number of durations (0: out untouched). */
/* A recorder many threads add to at once (lock-free, relaxed atomics): the
 * same buckets, without the exact phase.  The pool's running median of task
 * durations (--timeout P%) is one.  Zero-initialised is empty. */
struct tp_lathist_shared {
	_Atomic uint64_t bucket[TP_LATHIST_BUCKETS];
	_Atomic uint64_t n;
};
void tp_lathist_shared_add(struct tp_lathist_shared *h, double d);
void tp_lathist_shared_reset(struct tp_lathist_shared *h);
uint64_t tp_lathist_shared_count(const struct tp_lathist_shared *h);
/* The upper edge of the bucket that holds quantile q (in [0,1)): an upper
 * bound within one bucket (2.2%) of the true quantile; 0 when empty. */
double tp_lathist_shared_quantile_high(const struct tp_lathist_shared *h, double q);

uint64_t tp_lathist_quantiles(const struct tp_lathist *const *h, size_t n, const double *qs,
			      size_t nq, double *out);

#endif
