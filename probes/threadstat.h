/* What this process's threads ran and waited for a CPU, from
 * /proc/self/task/TID/schedstat read through the fsroot: the measure of a
 * pool's CPU demand that other processes' load does not pollute. */
#ifndef TP_PROBES_THREADSTAT_H
#define TP_PROBES_THREADSTAT_H

#include <stddef.h>

struct tp_threadstat_entry {
	long tid;
	unsigned long long run_ns, wait_ns;
};

struct tp_threadstat {
	struct tp_threadstat_entry *e;	/* sorted by tid */
	size_t n, cap;
	int have_prev;
};

void tp_threadstat_init(struct tp_threadstat *t);
void tp_threadstat_release(struct tp_threadstat *t);
/* Seconds the threads ran and waited runnable since the previous call, summed
 * over the threads alive now (one born since counts whole; one gone since is
 * missed).  The first call sets the baseline and gives 0.  Returns 0, or -1
 * when /proc/self/task cannot be read (then *run_s = *wait_s = -1). */
int tp_threadstat_sample(struct tp_threadstat *t, double *run_s, double *wait_s);
/* "run_ns wait_ns slices" of a schedstat file; 0, or -1 when malformed. */
int tp_parse_schedstat(const char *text, unsigned long long *run_ns, unsigned long long *wait_ns);

#endif
