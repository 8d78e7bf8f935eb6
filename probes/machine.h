/* The machine: static facts from hwloc, /proc and /sys (through the fsroot),
 * the usable CPUs and memory under affinity and cgroup limits, the counters
 * that work, the fingerprint and the seeded worker counts. */
#ifndef TP_PROBES_MACHINE_H
#define TP_PROBES_MACHINE_H

#include <jansson.h>

#define TP_MAX_CACHES 8
#define TP_REASON_MAX 256

struct tp_cache_info {
	int level;		/* 1, 2, 3 (data/unified caches) */
	long long size_kb;
	int pus;		/* PUs sharing one cache of this level */
	int count;		/* caches of this level in the machine */
};

struct tp_numa_info {
	int os_index;
	long long memory_kb;
	int pus;
};

struct tp_topology {
	int packages, numa_nodes, cores, pus, smt;
	int ncaches;
	struct tp_cache_info caches[TP_MAX_CACHES];
	int nnuma;
	struct tp_numa_info *numa;	/* owned, nnuma entries */
	char cpu_model[128];
	int vm;				/* 1 when a hypervisor is detected */
	char source[TP_REASON_MAX];	/* "hwloc", "xml FILE", "synthetic DESC" */
};

struct tp_machine {
	struct tp_topology topo;

	/* min(affinity, cgroup quota of the tightest ancestor); fractional. */
	double cpus_usable;
	char cpus_usable_source[TP_REASON_MAX];
	int affinity_pus;		/* PUs in the affinity mask / cpuset */
	double cpu_quota;		/* CPUs of the tightest quota, 0 when none */

	long long mem_total_kb, mem_available_kb;
	long long mem_limit_kb;		/* tightest cgroup limit, -1 when none */
	long long mem_usage_kb;		/* cgroup usage at that level, -1 when unknown */
	long long mem_usable_kb;	/* min(available, limit - usage) */
	char mem_source[TP_REASON_MAX];

	int psi_available;
	char psi_reason[TP_REASON_MAX];	/* "unavailable: ..." when not available */
	double cpu_some_avg10, memory_some_avg10, io_some_avg10;
	double loadavg[3];
	long long open_files_max;	/* RLIMIT_NOFILE soft limit */
	long long nproc_max;		/* RLIMIT_NPROC soft limit, -1 when unlimited */
	long long pids_headroom;	/* cgroup pids.max - pids.current, -1 when no limit */

	char papi[16];			/* "presets" | "software" | "unavailable" */
	char counters_reason[TP_REASON_MAX];
	int nevents;
	char **events;			/* owned, event names that work */

	struct {
		int cpu, memory, latency, max_workers;
	} seeds;
	long long mem_per_worker_kb;	/* from --mem-per-worker, 0 when not given */

	char cgroup_version[8];		/* "v1", "v2", "none" */
	char cgroup_path[TP_REASON_MAX];/* the process's cgroup (cpu controller) */
	char fingerprint[17];		/* 16 hex digits */

	int cores_usable;		/* cores with at least one usable PU */
	char affinity_source[TP_REASON_MAX];	/* "sched affinity", "cpuset at ...", "topology" */
	/* The rule behind each seed with its numbers, for the human output. */
	char seed_formula[4][TP_REASON_MAX];	/* cpu, memory, latency, max_workers */
};

struct tp_probe_opts {
	const char *topology_xml;	/* --topology FILE.xml */
	const char *synthetic;		/* --synthetic "pack:2 core:8 pu:2" */
	long long mem_per_worker_kb;	/* --mem-per-worker, 0 = not given */
	int skip_counters;		/* do not initialise PAPI (fast path for bench) */
};

/* Fills m.  Missing sources degrade to "unavailable: reason" fields; only bad
 * user input (unreadable --topology, malformed --synthetic) fails, with a usage
 * error naming the value; returns -1 then.  Release with tp_machine_release(). */
int tp_machine_probe(struct tp_machine *m, const struct tp_probe_opts *opts);
void tp_machine_release(struct tp_machine *m);
/* The machine object of DESIGN.md (new reference). */
json_t *tp_machine_to_json(const struct tp_machine *m);

struct tp_strbuf;
/* The human summary of `tunepool probe` (appended to out), seeds with formulas. */
void tp_machine_format(const struct tp_machine *m, struct tp_strbuf *out);

/* Seed rules (documented in docs/tunepool.1): */
#define TP_SEED_LATENCY_PER_CPU 8		/* wait-bound workers per usable CPU */
#define TP_SEED_LATENCY_WORKER_KB (32LL * 1024)	/* assumed memory of a waiting worker */
#define TP_SEED_MAX_PER_CPU 32			/* max_workers bound per usable CPU */
#define TP_SEED_WORKER_KB (64LL * 1024)	/* assumed memory per worker without --mem-per-worker */
#define TP_SEED_FDS_PER_WORKER 4		/* stdin, stdout, stderr pipes and one file */
#define TP_SEED_FDS_RESERVED 64			/* kept for tunepool itself */

#endif
