/* The one list of workloads, in `tunepool workloads` order. */
#ifndef TP_WORKLOADS_LIST_H
#define TP_WORKLOADS_LIST_H

#define TP_WORKLOADS(X) \
	X(cpu) \
	X(membw) \
	X(memlat) \
	X(io) \
	X(sleep) \
	X(lock) \
	X(mixed) \
	X(exec) \
	X(plugin) \
	X(spec)

#endif
