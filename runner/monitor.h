/* The monitor: every interval it samples the machine (probes/sampler) and the
 * pool (queue depth, completions/s, task latency), records a timeline point
 * into the results, and feeds the controller, whose decision resizes the pool. */
#ifndef TP_RUNNER_MONITOR_H
#define TP_RUNNER_MONITOR_H

#include "core/results.h"
#include "probes/sampler.h"
#include "runner/controller.h"
#include "runner/pool.h"

/* Where the monitor reads the pool and applies the width (tp_pool_snapshot and
 * tp_pool_set_workers in a run; a fake pool in tests). */
struct tp_monitor_source {
	void *ctx;
	void (*snapshot)(void *ctx, struct tp_pool_snapshot *s);
	void (*set_workers)(void *ctx, int workers);
};

/* Task run time that makes one measure of the tasks' CPU (tp_ctl_sample.task_cpu). */
#define TP_MONITOR_TASK_CPU_S 0.25

struct tp_monitor_opts {
	double interval_s;		/* 0 = 0.25 */
	/* Ticks come early once early_n tasks finished (0 = 64, < 0 = never),
	 * but at most every min_interval_s (0 = interval_s / 5): fast tasks are
	 * measured and steered several times an interval, slow ones once.  The
	 * timeline keeps one point per interval. */
	int early_n;
	double min_interval_s;
	double cpus_usable;		/* scales cgroup CPU time; 0 = host CPUs */
	int own_threads;		/* the tasks run on this process's threads: their
					 * CPU demand comes from /proc/self/task */
	int own_children;		/* the tasks are this process's short-lived
					 * children (exec): the CPUs they ran on come from
					 * rusage (reaped children), so another
					 * job's load does not read as theirs */
	struct tp_controller *ctl;	/* NULL: observe only (never resizes) */
	struct tp_results *results;	/* timeline goes here; NULL: none */
	struct tp_monitor_source src;
};

struct tp_monitor;

/* Creates a monitor (no thread yet).  Free with tp_monitor_free(). */
struct tp_monitor *tp_monitor_new(const struct tp_monitor_opts *opts);
/* Starts the sampling thread; returns 0 or -1 with an error. */
int tp_monitor_start(struct tp_monitor *m);
/* Stops and joins the thread (if started); safe to call twice. */
void tp_monitor_stop(struct tp_monitor *m);
void tp_monitor_free(struct tp_monitor *m);
/* A task finished after duration_s (any thread); the early_n-th since the
 * last tick wakes the thread. */
void tp_monitor_task_done(struct tp_monitor *m, double duration_s);
/* One sampling step at now_s (monotonic seconds): what the thread does each
 * interval; tests call it directly.  Fills *out when out != NULL. */
void tp_monitor_tick(struct tp_monitor *m, double now_s, struct tp_ctl_sample *out);
/* Samples taken, and the width last applied (0 before the first decision). */
long long tp_monitor_ticks(const struct tp_monitor *m);
int tp_monitor_workers(const struct tp_monitor *m);

#endif
