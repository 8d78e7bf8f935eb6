/* Worker-count controllers (one registry: static, hill, gradient) and the hard
 * guards every controller's proposal goes through: memory pressure shrinks the
 * pool, CPU saturation without throughput gain blocks growth, and the width
 * never leaves [min_workers, max_workers].  Pure logic: the monitor feeds it
 * samples, so tests drive it with synthetic curves. */
#ifndef TP_RUNNER_CONTROLLER_H
#define TP_RUNNER_CONTROLLER_H

#include <stddef.h>
#include <stdio.h>

/* What the monitor measured over one interval.  Negative = unknown. */
struct tp_ctl_sample {
	double t_s;		/* end of the interval, since the run started */
	double dt_s;		/* interval length */
	int workers;		/* width in force during the interval */
	int busy;		/* workers running a task at the end */
	long long queued;	/* inputs read but not started */
	int eof;		/* every input has been read */
	long long completions;	/* tasks finished in the interval */
	double throughput;	/* completions / dt_s */
	double latency_s;	/* mean duration of those tasks, 0 when none */
	double cpu_busy;	/* 0..1 of usable CPUs */
	double cpu_own;		/* CPUs the tasks ran on (a mean over the interval) */
	double cpu_demand;	/* CPUs the tasks wanted: cpu_own plus the mean count
				 * waiting for one; both < 0 when unknown */
	double cpu_throttled;	/* fraction of the interval the cgroup was throttled */
	double psi_cpu, psi_mem, psi_io;	/* PSI "some" avg10, percent */
	long long mem_usable_kb;	/* min(MemAvailable, cgroup max - current) */
	long long mem_per_worker_kb;	/* measured footprint of one worker, 0 unknown */
	double task_cpu;	/* CPU seconds per second of task run time, over the
				 * tasks finished since the last measure (children's
				 * rusage, at least TP_MONITOR_TASK_CPU_S of run time);
				 * <= 0 unknown */
	int phase_change;	/* the inputs changed character in the interval, and
				 * the dispatcher cut the width to the usable CPUs
				 * (tp_pool_opts.phase_gate) */
};

struct tp_ctl_opts {
	int min_workers, max_workers;
	int initial;			/* starting width */
	double mem_psi_threshold;	/* PSI memory some avg10 (%) that shrinks; 0 = 10 */
	long long mem_per_worker_kb;	/* configured footprint; 0 = use the measured one */
	double cpu_saturated;		/* cpu_busy at or above this is saturated; 0 = 0.9 */
	double cpus_usable;		/* CPUs the pool may use; <= 0: no demand estimate */
	double step_per_s;		/* |change| <= max(1, step_per_s * width * t), t the
					 * time since the last change (at most 1 s); 0 = 8 */
	FILE *log;			/* --log-decisions: one JSON line per decision, or NULL */
	int cpu_bound_cap;		/* a --then stage: while its tasks are CPU-bound
					 * (tp_controller_cpu_bound) the width is usable
					 * CPUs + 1 (memory pressure may cut it) */
};

struct tp_decision {
	int workers;		/* the new width */
	int back;		/* a return to a width just measured: the step
				 * bound does not apply (the other guards do) */
	char reason[256];
};

struct tp_controller;

/* What the tasks ask of the CPUs, from one sample (tp_controller_demand). */
enum tp_demand_kind {
	TP_DEMAND_UNKNOWN = 0,	/* no runnable count, no usable CPUs, or idle pool */
	TP_DEMAND_BALANCED,	/* neither of the two below */
	TP_DEMAND_OVERLOADED,	/* CPUs saturated and tasks queueing for them */
	TP_DEMAND_WAIT_BOUND,	/* CPUs mostly idle while inputs wait for a worker */
};

struct tp_demand {
	enum tp_demand_kind kind;
	double per_worker;	/* CPUs one busy worker wants */
	int workers;		/* usable CPUs / per_worker, clamped; 0 when unknown */
};

struct tp_controller_desc {
	const char *name;
	const char *summary;
	const char *unsupported_reason;
	size_t state_size;	/* zeroed state allocated for the controller */
	int holds;		/* the width is the user's: only the memory guards
				 * move it (no start phase, no demand or CPU guards) */
	/* Proposes d->workers (any value; the guards clamp it) with d->reason. */
	void (*decide)(struct tp_controller *c, const struct tp_ctl_sample *s,
		       struct tp_decision *d);
};

struct tp_controller {
	const struct tp_controller_desc *desc;
	struct tp_ctl_opts opts;
	void *state;		/* the controller's own, state_size bytes */
	int workers;		/* the width last decided */
	long long steps;
	/* Guard memory: throughput before and after the last growth. */
	int grew_from, grew_to;
	double tput_before, tput_after;
	int after_n;
	double changed_t;	/* when the width last changed */
	/* Demand memory: the last wait-bound jump, the throughput before it,
	 * the samples judged since, and its verdict (0 pending, 1 confirmed,
	 * -1 refuted). */
	int jump_from, jump_to, jump_n, jump_verdict;
	double jump_tput;
	double last_per;	/* CPUs per busy worker at the last sample with tasks */
	/* The start phase (tp_controller_starting): the width doubles while
	 * inputs wait, the CPUs idle and each doubling pays. */
	int start_done;
	int start_from;		/* the width before the last doubling, 0 none yet */
	double start_tput;	/* throughput measured at start_from */
	long long start_n;	/* completions at the current width since it settled */
	double start_t;		/* and the time they took */
	int start_recheck;	/* a loss at this width was measured once and discarded */
	int start_bracketed;	/* it ended with its width's neighbours measured
				 * within a factor of 2 (or at the top of the
				 * range): nothing near is worth probing at once */
	double lat;		/* recent mean task duration */
	/* The last overload cut, judged like a jump: from, to, the throughput
	 * before it, samples since, verdict (0 pending, 1 confirmed, -1 refuted:
	 * no more cuts from that width until the inputs change). */
	int cut_from, cut_to, cut_n, cut_verdict;
	int overloaded_n;	/* consecutive samples that showed an overload */
	double cut_tput;
	int worse_at;		/* a width measured worse than a narrower one (the start
				 * phase or a jump went back from it); 0 none */
	int cpu_bound;		/* cpu_bound_cap's verdict: 1 CPU-bound, 0 not, -1 not judged */
	double task_cpu;	/* the last tp_ctl_sample.task_cpu measured; 0 none */
};

/* Finds the controller named name (usage error with a suggestion when none)
 * and creates it.  Free with tp_controller_free(). */
int tp_controller_new(struct tp_controller **out, const char *name, const struct tp_ctl_opts *opts);
void tp_controller_free(struct tp_controller *c);
/* One interval: the controller proposes, the guards correct, the result is
 * clamped to [min, max], logged with its reason, and returned. */
int tp_controller_step(struct tp_controller *c, const struct tp_ctl_sample *s,
		       struct tp_decision *d);
/* The registration table, in list order. */
const struct tp_controller_desc *const *tp_controller_table(size_t *n);
/* Classifies sample s.  Overloaded: the tasks keep at least max(1, usable / 2)
 * CPUs' worth of threads waiting for a CPU while more workers than CPUs are
 * busy and they run on cpu_saturated (0.9) of the usable CPUs (a runnable
 * count on idle CPUs is a burst of process start-ups); each busy worker then
 * wants demand / busy CPUs (at most 1).
 * Wait-bound: the tasks want less than half the usable CPUs while inputs are
 * queued (or every worker is busy); each worker wants demand / busy.  The
 * width is usable / per worker, clamped.  When the monitor cannot see the
 * tasks' threads (they run in child processes) the demand is the host's
 * runnable count, where other processes' load reads as the tasks': that errs
 * towards fewer workers, and the controller probes back up. */
void tp_controller_demand(const struct tp_controller *c, const struct tp_ctl_sample *s,
			  struct tp_demand *out);
/* Judges sample s for cpu_bound_cap and remembers the verdict: CPU-bound
 * when the tasks ran on at least a quarter of a CPU each while they ran
 * (s->task_cpu) or the demand estimate says overloaded; wait-bound again
 * below a tenth (of the share of a CPU a runnable task gets when the CPUs
 * are saturated: usable / runnable).  A sample without a measure keeps the last verdict (-1 at
 * the start: not judged; the guard then lets the width grow no further than
 * the cap, nor cuts it).  Returns it. */
int tp_controller_cpu_bound(struct tp_controller *c, const struct tp_ctl_sample *s,
			    const struct tp_demand *dm);
/* The cap of a CPU-bound stage: floor(usable CPUs) + 1 (2 when unknown). */
int tp_controller_cpu_cap(const struct tp_controller *c);
/* 1 while the start phase runs: the monitor then samples once per round of
 * completions (a width's worth), not only every interval. */
int tp_controller_starting(const struct tp_controller *c);
/* x clamped to the controller's bounds. */
int tp_controller_clamp(const struct tp_controller *c, int x);
/* The largest change allowed over dt_s from width w (at least 1). */
int tp_controller_max_step(const struct tp_controller *c, int w, double dt_s);
/* The time the step bound allows for at sample s: since the last change,
 * at least s->dt_s, at most 1 s. */
double tp_controller_budget_s(const struct tp_controller *c, const struct tp_ctl_sample *s);

#endif
