/* Dynamic samplers read through the fsroot: CPU busy (/proc/stat and cgroup
 * CPU usage), cgroup cpu.stat throttling (v1 and v2), PSI cpu/memory/io
 * (avg10 and total deltas), MemAvailable and cgroup memory.current/max.  Each
 * sample turns cumulative counters into rates over the time since the last;
 * a missing source reads as -1, never as an error. */
#ifndef TP_PROBES_SAMPLER_H
#define TP_PROBES_SAMPLER_H

#include "probes/cgroup.h"
#include "probes/threadstat.h"

enum tp_psi_resource { TP_PSI_CPU, TP_PSI_MEMORY, TP_PSI_IO, TP_PSI_N };

/* Cumulative counters at one moment; -1 (or have_* == 0) where unavailable. */
struct tp_sampler_raw {
	double t_s;
	int have_stat;
	unsigned long long stat_total, stat_idle;	/* jiffies, idle includes iowait */
	long long procs_running;			/* /proc/stat procs_running, -1 unknown */
	long long cg_usage_us;				/* cgroup CPU time used */
	long long cg_periods, cg_throttled, cg_throttled_us;
	double psi_avg10[TP_PSI_N];
	long long psi_total_us[TP_PSI_N];
};

/* One interval's view.  Negative = unavailable (or, for rates, first sample). */
struct tp_sample {
	double dt_s;
	double cpu_busy_host;		/* 0..1 of every CPU in /proc/stat */
	double cpu_busy;		/* 0..1 of the usable CPUs: cgroup usage, else host */
	double cpu_throttled;		/* throttled periods / periods in the interval */
	double runnable;		/* tasks running or waiting for a CPU, host-wide, at
					 * the sample (procs_running, the reader included);
					 * -1 unknown */
	double throttled_s;		/* time throttled in the interval */
	double psi_avg10[TP_PSI_N];	/* "some" avg10, percent */
	double psi_stall_s[TP_PSI_N];	/* "some" stall time in the interval (total delta) */
	long long mem_available_kb;	/* MemAvailable */
	long long cg_mem_current_kb, cg_mem_max_kb;	/* binding cgroup level */
	long long mem_usable_kb;	/* min(MemAvailable, max - current) */
	/* With own_threads: this process's threads over the interval, as a mean
	 * count running and a mean count waiting for a CPU; -1 otherwise. */
	double own_run, own_wait;
};

struct tp_sampler {
	struct tp_cgroups cg;
	const struct tp_cgroup_hier *cpu_h;	/* NULL without a cpu cgroup */
	double cpus_usable;
	long long mem_total_kb;
	struct tp_sampler_raw prev;
	int have_prev;
	int own_threads;		/* also sample /proc/self/task (set after init) */
	struct tp_threadstat threads;
};

/* Finds the process's cgroups once (under the fsroot).  cpus_usable scales
 * cgroup CPU time into cpu_busy (<= 0: the CPUs /proc/stat lists).  Never fails. */
void tp_sampler_init(struct tp_sampler *s, double cpus_usable);
void tp_sampler_release(struct tp_sampler *s);
/* Reads everything at now_s (a monotonic time in seconds) into out.  Rates
 * need a previous sample: the first call fills only the levels. */
void tp_sampler_sample(struct tp_sampler *s, double now_s, struct tp_sample *out);
/* The raw counters alone (used by the sampler, exposed for tests). */
void tp_sampler_read_raw(struct tp_sampler *s, double now_s, struct tp_sampler_raw *raw);

/* Parsers, exposed for tests: 0 on success, -1 when the text is malformed. */
int tp_parse_proc_stat(const char *text, unsigned long long *total, unsigned long long *idle);
/* The procs_running line of /proc/stat: the count, or -1 when absent. */
long long tp_parse_procs_running(const char *text);
/* "some avg10=X ... total=Y" line of a PSI file. */
int tp_parse_psi_some(const char *text, double *avg10, long long *total_us);

#endif
