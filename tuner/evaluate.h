/* The production evaluator: measures a config by running the pool over a
 * calibrated number of sample inputs. */
#ifndef TP_TUNER_EVALUATE_H
#define TP_TUNER_EVALUATE_H

#include <stddef.h>

#include "runner/pool.h"
#include "tuner/protocol.h"

struct tp_pool_eval_entry;

/* The counter each measured run gets: the host's CPUs busy over the run
 * (/proc/stat), 0..1, whoever kept them busy. */
#define TP_HOST_CPU_BUSY "host::cpu_busy"

struct tp_pool_evaluator {
	struct tp_evaluator ev;		/* hand &ev to the protocol */
	struct tp_pool_opts base;	/* workload, cpus_usable, shell, ... */
	char **inputs;			/* the sample (owned copies); NULL = "1".."n" */
	size_t ninputs;
	double min_time_s;		/* target length of one run (pyperf's min_time) */
	long long max_tasks;		/* cap per run */
	long long job_tasks;		/* the inputs are the whole job: no run does more
					 * (than one round of workers x batch); 0 = no cap */
	struct tp_pool_eval_entry *sizes;	/* tasks per config, fixed at its first run */
	size_t nsizes;
	long long calibrated;		/* tasks for min_time at the first config */
	int interrupted;		/* SIGINT: stop everything */
	struct tp_pool *volatile pool;	/* in flight, for stopping */
};

/* The whole job's rate (job tasks) projected from a shorter run of c: the
 * run as measured, ramp and tail included, then the job's remaining tasks at
 * the run's full-pool rate: the completions while every worker was busy,
 * from the start that filled the pool (the round's last) to the run's last
 * start, over that window, at most cpu_rate (the tasks/s the usable CPUs
 * allow at the run's CPU time per task; 0 = unknown: a first round that
 * computed during the ramp counts its completions in the window, 15% high
 * on 128 workers of a wait-then-compute task).  A run of a few rounds
 * otherwise weighs its fixed cost far more than the job does, and widths
 * run at different task counts compare those costs (400 x sleep 0.03 on 64
 * workers: 128 tasks in 0.10 s, 1270/s; the job, 1540/s).  0 when the run
 * cannot tell (one round or less, times missing).  start (sorted here) and
 * end are the n tasks' start and completion times. */
double tp_job_rate(const struct tp_config *c, long long job, long long tasks, double wall_s,
		   double cpu_rate, double *start, const double *end, size_t n);

/* base is copied (its workload is borrowed and must outlive pe); inputs are
 * copied (n = 0: the count inputs "1".."n" of built-in workloads). */
void tp_pool_evaluator_init(struct tp_pool_evaluator *pe, const struct tp_pool_opts *base,
			    char *const *inputs, size_t n, double min_time_s);
void tp_pool_evaluator_release(struct tp_pool_evaluator *pe);
/* Async-signal-safe: stops the run in flight and every later one. */
void tp_pool_evaluator_stop(struct tp_pool_evaluator *pe);

#endif
