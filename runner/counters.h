/* Counters of one pool run: PAPI perf:: software events where they work,
 * rusage-derived counters otherwise; they never fail a run. */
#ifndef TP_RUNNER_COUNTERS_H
#define TP_RUNNER_COUNTERS_H

#include <sys/resource.h>

#include "core/results.h"

#define TP_COUNTERS_MAX 8

struct tp_counters {
	int papi_set;			/* PAPI event set, -1 when not used */
	int nevents;
	char names[TP_COUNTERS_MAX][64];
	long long values[TP_COUNTERS_MAX];
	int running;
	char source[160];		/* what is counted, or why PAPI is not used */
};

/* Starts PAPI counting on the calling thread (children inherit) when
 * available; otherwise does nothing. */
void tp_counters_start(struct tp_counters *c);
void tp_counters_stop(struct tp_counters *c);
/* Appends the counters to rep: the PAPI events read, or rusage deltas
 * (self + children) named "rusage::nvcsw", ...; rep->counters_source says
 * which, and why PAPI's were not recorded. */
void tp_counters_fill(const struct tp_counters *c, const struct rusage *self0,
		      const struct rusage *child0, const struct rusage *self1,
		      const struct rusage *child1, struct tp_repeat *rep);
/* Appends one counter to rep->counters (malloc'd; the caller frees it). */
void tp_counters_add(struct tp_repeat *rep, const char *name, double value);

#endif
