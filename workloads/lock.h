/* The lock workload's bookkeeping, read by tests to check mutual exclusion. */
#ifndef TP_WORKLOADS_LOCK_H
#define TP_WORKLOADS_LOCK_H

struct tp_workload;

/* Critical sections entered, and entries that found another holder inside
 * (0 unless mutual exclusion is broken), since setup.  -1 before setup. */
int tp_lock_counts(const struct tp_workload *wl, long long *entries, long long *violations);

#endif
