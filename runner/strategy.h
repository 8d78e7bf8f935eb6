/* The interface between the pool and its strategies: the strategy descriptor
 * and registry, and the pool state the strategies share (task queue and
 * batches, retries, result delivery, per-worker measurements).  The shared
 * state is implemented in runner/pool.c. */
#ifndef TP_RUNNER_STRATEGY_H
#define TP_RUNNER_STRATEGY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "runner/lathist.h"
#include "runner/bind.h"
#include "runner/pool.h"

enum tp_strategy_flags {
	TP_STRAT_START = 1u << 0,	/* takes a start method (fork|spawn) */
	TP_STRAT_COMMAND = 1u << 1,	/* runs command workloads (and only those) */
	TP_STRAT_PROCESSES = 1u << 2,	/* workers are processes */
	TP_STRAT_RECORDS = 1u << 3,	/* long-lived commands fed records: a batch is the
					 * records in flight to one worker */
};

struct tp_strategy_desc {
	const char *name;
	const char *summary;
	const char *unsupported_reason;	/* NULL when it can run here */
	unsigned flags;
	/* Runs every task of p->in until done or stopped; -1 on a system error. */
	int (*run)(struct tp_pool *p);
	/* File descriptors each worker holds open in the parent, and in *fixed
	 * those of the run besides (NULL: none; the open-files limit caps the
	 * width at what they allow). */
	int (*fds_per_worker)(const struct tp_pool *p, int *fixed);
};

/* The flags of the strategy named name (0 for "thread": in-process workers),
 * TP_STRAT_UNKNOWN for a name no strategy has.  What a strategy is, is asked
 * through these, never by comparing names. */
#define TP_STRAT_UNKNOWN (1u << 31)
unsigned tp_strategy_flags(const char *name);

/* The registration table (runner/strategy_list.h order) and lookup. */
const struct tp_strategy_desc *const *tp_strategy_table(size_t *n);
const struct tp_strategy_desc *tp_strategy_find(const char *name);

/* One task handed to a worker; input points into its batch's data. */
struct tp_task {
	uint64_t seq;
	int attempt;
	size_t off, len;
	const char *input;
};

/* Up to config.batch tasks; reused from batch to batch without allocating. */
struct tp_batch {
	struct tp_task *t;
	size_t n, alloc;
	struct tp_strbuf data;
};

void tp_batch_release(struct tp_batch *b);

/* What one attempt did (the pool fills in seq, input, attempt, worker). */
struct tp_outcome {
	int ok;
	int exit_status;		/* -1 when killed or in-process */
	int term_signal;
	int timed_out;
	double start_s, duration_s;	/* start since the pool started */
	const char *err;		/* "" or a message */
	const char *out;
	size_t out_len;
	int cold;			/* ran on a worker still starting: its time
					 * includes start-up, so it stays out of the
					 * latency figures */
	/* With out_spilled, the output is in the file out_fd (from offset 0) and
	 * out is empty; tp_pool_finish_locked takes out_fd and closes it. */
	int out_spilled;
	int out_fd;
	const char *errout;		/* grouped stderr (group_stderr), or NULL */
	size_t errout_len;
};

/* Per-worker-slot measurements, written by the thread that runs the slot;
 * a cache line each so workers never share one. */
struct tp_slot_stats {
	_Alignas(64) _Atomic long long done;
	_Atomic long long failed;
	_Atomic int busy;
	struct tp_lathist lat;		/* durations of finished attempts (bounded) */
	long long rss_kb;
};

struct tp_retry;
struct tp_reorder;

enum tp_fill {
	TP_FILL_GOT,		/* tasks in the batch */
	TP_FILL_WAIT,		/* none now: retries are due later or tasks in flight may fail */
	TP_FILL_DONE,		/* no more work (inputs ended, or stopping) */
};

struct tp_pool {
	struct tp_pool_opts o;
	struct tp_bind bind;		/* o.bind's sets (issue 14) */
	const struct tp_strategy_desc *strat;
	enum tp_start_method start;
	int nslots;			/* max_workers: worker ids are 0..nslots-1 */
	_Atomic int target;
	_Atomic int stop;		/* set by tp_pool_stop (lock-free: signal-safe) */
	_Atomic int draining;		/* set by tp_pool_drain: no new inputs or retries */
	int wake[2];			/* self-pipe: stop, set_workers, thread exits */
	_Atomic int fd_cap;		/* most workers the open-files limit allows, 0 = any */
	uint64_t t0_ns;
	struct tp_slot_stats *slots;

	/* Everything below is guarded by lock (hooks are called with it held). */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* thread workers waiting for retries */
	struct tp_inputs *in;
	uint64_t next_seq;
	_Atomic int eof;
	int input_error;
	_Atomic long long inflight;	/* tasks handed out, not resolved */
	struct tp_retry *retries;	/* sorted by due time */
	long long nretries;
	struct tp_reorder *reorder;
	unsigned rng;
	_Atomic long long inputs_read, skipped, queued_retries;
	unsigned long long cls;		/* phase gate: the class of the last input */
	long long cls_run;		/* inputs in a row of that class */
	_Atomic long long phase_changes;
	_Atomic int work_done;		/* fill returned DONE with nothing in flight */
	/* --timeout P%: the successful durations, for their running median. */
	struct tp_lathist_shared succ_lat;
	int system_error;		/* a strategy hit a system error */
	double worker_start_sum;	/* process strategy: spawn -> ready seconds */
	long long worker_starts;
	/* persistent strategy: tasks each worker finished once ready, over the
	 * seconds from its ready time to its last answer, summed over workers
	 * (steady-state throughput without start-up and init). */
	double steady_rate_sum;
	long long steady_tasks;
};

/* Seconds since the pool started. */
double tp_pool_elapsed(const struct tp_pool *p);
/* Wakes the pool's event loop (async-signal-safe). */
void tp_pool_wake(struct tp_pool *p);
/* Drains the self-pipe. */
void tp_pool_drain_wake(struct tp_pool *p);
int tp_pool_stopping(const struct tp_pool *p);

/* Takes up to max tasks (lock held): due retries first, then new inputs.
 * *due_s gets the time (tp_pool_elapsed scale) of the next retry for WAIT, or
 * 0 when only an event can bring work. */
enum tp_fill tp_pool_fill_locked(struct tp_pool *p, struct tp_batch *b, size_t max, double *due_s);
enum tp_fill tp_pool_fill(struct tp_pool *p, struct tp_batch *b, size_t max, double *due_s);

/* Resolves one attempt of task t run by worker (lock held): records the
 * measurements, then delivers the result or queues a retry. */
void tp_pool_finish_locked(struct tp_pool *p, int worker, const struct tp_task *t,
			   const struct tp_outcome *o);
void tp_pool_finish(struct tp_pool *p, int worker, const struct tp_task *t,
		    const struct tp_outcome *o);
/* Only the measurements of a successful attempt, without the lock: for thread
 * workers when no hook needs the result (see tp_pool_needs_delivery).  The
 * caller resolves such tasks in bulk with tp_pool_resolved(). */
void tp_pool_record_ok(struct tp_pool *p, int worker, double duration_s);
/* 1 when successful results must go through tp_pool_finish (hooks, order). */
int tp_pool_needs_delivery(const struct tp_pool *p);
void tp_pool_resolved(struct tp_pool *p, long long n);
/* A task that never ran (its worker died first) goes back to the queue with
 * the same attempt number. */
void tp_pool_requeue(struct tp_pool *p, const struct tp_task *t);
/* The timeout in force now (timeout_s and timeout_pct), 0 = none. */
double tp_pool_timeout(struct tp_pool *p);

/* A worker could not start for want of file descriptors (err: EMFILE or
 * ENFILE) while `running` others run: the width is capped at those (a
 * warning, once) and 0 returned; -1 with an error when none runs. */
int tp_pool_fd_shrink(struct tp_pool *p, int running, int err);

/* Forwards one line of a worker's stderr through the hook (never split). */
void tp_pool_worker_log(struct tp_pool *p, int worker, const char *line);

/* Delay before attempt (2 = first retry): base * 2^(attempt-2), with jitter u
 * in [0,1) spreading it over [d/2, d); capped at 60 s. */
double tp_backoff_delay(double base_s, int attempt, double u);

/* Exit description for a wait status ("exit status 3", "killed by signal 11
 * (SIGSEGV)") into buf. */
void tp_describe_status(int status, char *buf, size_t size);

#endif
