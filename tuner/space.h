/* The parameter space of a tuning run: worker counts aligned to the machine's
 * topology, batch sizes, pool strategies and start methods valid for the
 * workload, and the constraints that every config must meet. */
#ifndef TP_TUNER_SPACE_H
#define TP_TUNER_SPACE_H

#include <stddef.h>

#include "core/results.h"
#include "workloads/workload.h"

struct tp_machine;

#define TP_SPACE_MAX_WORKERS 64		/* candidate worker counts */
#define TP_SPACE_MAX_BATCHES 8		/* 1 .. 128 */
#define TP_SPACE_MAX_METHODS 4

/* What the space is seeded from: the probe and the workload. */
struct tp_space_seed {
	double cpus_usable;		/* fractional under a quota */
	int pus, cores, numa_nodes;
	int cores_per_l3;		/* physical cores sharing one L3; 0 = unknown */
	int cores_per_numa;		/* 0 = unknown */
	long long mem_usable_kb;	/* 0 = unknown */
	long long mem_per_worker_kb;	/* 0 = unknown */
	long long open_files_max;	/* RLIMIT_NOFILE; 0 = unknown */
	long long procs_max;		/* processes still allowed: RLIMIT_NPROC, cgroup
					 * pids.max - pids.current; 0 = unknown */
	int max_workers;		/* hard cap (probe seed or --max-workers); 0 = derive */
	enum tp_task_class task_class;
	unsigned wl_flags;		/* TP_WL_COMMAND, TP_WL_NO_PROCESS */
	long long ninputs;		/* inputs per trial; 0 = unbounded */
};

struct tp_method {
	char strategy[TP_NAME_MAX];
	char start[TP_NAME_MAX];
};

struct tp_space {
	int workers[TP_SPACE_MAX_WORKERS];	/* ascending, distinct, <= max_workers */
	int nworkers;
	int batches[TP_SPACE_MAX_BATCHES];	/* ascending powers of two from 1 */
	int nbatches;
	struct tp_method methods[TP_SPACE_MAX_METHODS];	/* the default first */
	int nmethods;
	int max_workers;			/* the hard limit: no search measures past it */
	int hard_max;				/* the same without the inputs' bound: the
						 * machine's (and --max-workers'), for run */
	int edge;				/* the widest candidate; searches extend past
						 * it (x2) while throughput still rises */
	char limit_reason[96];			/* what sets max_workers */
	long long mem_usable_kb;		/* 0 = unknown: bounds the extension */
	long long ninputs;
	int cpu_count;				/* ceil(cpus_usable) */
	int wait_bound;				/* candidates go past the CPU count */
};

/* Builds the space.  Worker candidates: 1, cores per L3, cores per NUMA node,
 * physical cores, PUs, floor and ceil of a fractional quota, geometric steps
 * (ratio about sqrt 2) up to the edge: twice the CPU count for CPU-bound work
 * (also its hard limit), and for wait-bound classes (latency, io, mixed,
 * unknown) max(16, 8 x CPUs).  The edge of wait-bound work is no limit: its
 * hard limit (max_workers, limit_reason) is the least of usable memory / the
 * per-worker memory, open files / 4, the processes still allowed, the inputs,
 * seed->max_workers and 1024; searches extend past the edge while throughput
 * rises (tp_search_extend_workers).  Batches 1, 2, 4, ... up to ninputs / (4 x workers).
 * Methods: exec for commands; thread, then process/fork and process/spawn
 * unless the workload needs threads. */
void tp_space_build(struct tp_space *s, const struct tp_space_seed *seed);
/* Canonical worker counts, the only ones searches measure: the space's
 * candidates, every count up to 8, and past 8 the ladder round(8 x 2^(k/4))
 * (10, 11, 13, 16, 19, 23, 27, 32, 38, 45, 54, 64, ...).  Independent runs
 * then measure the same widths, and a refinement cannot invent a 29 that
 * differs from a 27 by noise only.  The canonical count strictly between lo
 * and hi nearest their midpoint, or 0 when there is none. */
int tp_space_between(const struct tp_space *s, int lo, int hi);
/* The canonical count nearest w (ties: the smaller), within 1..max_workers. */
int tp_space_snap(const struct tp_space *s, double w);
/* The CPU bindings worth trying for this machine into modes (at most 3):
 * "none" always; "core" with SMT (workers apart on cores) or several NUMA
 * nodes; "numa" with several NUMA nodes.  Returns the count: 1 means
 * binding cannot matter and tune does not try it. */
int tp_space_bind_modes(const struct tp_space_seed *seed, const char *modes[3]);
/* Fills seed from a probed machine and a workload descriptor. */
void tp_space_seed_from_machine(struct tp_space_seed *seed, const struct tp_machine *m,
				const struct tp_workload_desc *wd, long long ninputs);
/* Largest batch the space allows at workers: ninputs / (4 x workers), >= 1. */
int tp_space_batch_max(const struct tp_space *s, int workers);
/* 1 when c meets the constraints (1 <= workers <= max_workers, 1 <= batch <=
 * ninputs / workers, a method of the space), else 0. */
int tp_space_allows(const struct tp_space *s, const struct tp_config *c);
/* Every config of the space (workers x batches allowed x methods) in a new
 * array (free() it); returns the count. */
size_t tp_space_grid(const struct tp_space *s, struct tp_config **out);
/* The config (workers, batch, methods[method]). */
struct tp_config tp_space_config(const struct tp_space *s, int workers, int batch, int method);
/* Index of the method of c in s, or -1. */
int tp_space_method_index(const struct tp_space *s, const struct tp_config *c);

#endif
