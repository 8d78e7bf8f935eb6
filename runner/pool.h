/* The pool: runs N tasks of one workload under one configuration (workers,
 * batch, strategy, start), measures the run, and can be resized while it runs.
 * This header is the contract the tuner, `bench` and `run` build on. */
#ifndef TP_RUNNER_POOL_H
#define TP_RUNNER_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/results.h"

struct tp_workload;
struct tp_inputs;
struct tp_pool;

#define TP_TASK_ERR_MAX 1024

/* What one task did.  Pointers are valid only during the callback. */
struct tp_task_result {
	uint64_t seq;		/* 1-based input number ({#}) */
	const char *input;
	int ok;
	int exit_status;	/* exit code, -1 when killed by a signal or in-process */
	int term_signal;	/* signal that ended it, 0 if none */
	int timed_out;
	int attempt;		/* 1 for the first try */
	int worker;		/* worker id, 0-based */
	double start_s;		/* since the pool started */
	double duration_s;
	const char *err;	/* "" when ok; at most TP_TASK_ERR_MAX bytes */
	const char *out;	/* grouped stdout of an exec task, NULL when not captured
				 * or spilled (see on_output) */
	size_t out_len;
	int out_errno;		/* != 0: copying its spilled output to stdout failed
				 * (EPIPE, ENOSPC, ...): the output was not delivered */
	const char *errout;	/* the task's whole stderr with group_stderr (final
				 * attempts only), else NULL */
	size_t errout_len;
};

/* Grouped stdout held in memory per task; past it, a task's output spills to
 * an unlinked temp file in $TMPDIR and is copied out when the task ends. */
#define TP_POOL_OUT_MEM (1 << 20)

/* Hooks called by the pool from one thread at a time (never concurrently). */
struct tp_pool_hooks {
	void *ctx;
	/* Every finished task (after its last attempt, and for each retried attempt
	 * with final = 0).  Results arrive in completion order unless keep_order. */
	void (*on_result)(void *ctx, const struct tp_task_result *r, int final);
	/* Return 1 to skip an input without running it (resume). */
	int (*should_skip)(void *ctx, uint64_t seq, const char *input);
	/* A line a worker wrote on stderr, tagged with its id; never split. */
	void (*on_worker_log)(void *ctx, int worker, const char *line);
	/* A task's grouped output that spilled past TP_POOL_OUT_MEM, in chunks,
	 * whole and just before its final on_result (whose out is then NULL).
	 * NULL: the chunks go to standard output (stdio), as on_result would. */
	void (*on_output)(void *ctx, const struct tp_task_result *r, const char *buf, size_t len);
	/* exec: return 0 to hold new starts for now (--memfree, --load); asked
	 * again every TP_POOL_GATE_RETRY_S.  NULL: always start. */
	int (*may_start)(void *ctx);
};

#define TP_POOL_GATE_RETRY_S 0.25
/* How a persistent worker (strategy `persistent`) is fed: one record per
 * input on its stdin, one answer per input on its stdout. */
enum tp_framing {
	TP_FRAMING_LINES = 0,	/* a line each way; the answer line is the result */
	TP_FRAMING_JSON,	/* JSON Lines: {"seq","input"} -> {"seq","ok","result"|"error"} */
};

enum tp_start_method {
	TP_START_NONE = 0,	/* thread and exec strategies */
	TP_START_FORK,
	TP_START_SPAWN,
};

/* The start methods of process workers, one table (struct tp_named entries,
 * fork then spawn).  tp_start_parse takes "fork" or "spawn" ("" is spawn, the
 * default); on a miss it prints a usage error with a suggestion and returns -1.
 * tp_start_name gives "fork", "spawn", or "" for TP_START_NONE. */
const void *const *tp_start_table(size_t *n);
int tp_start_parse(const char *name, enum tp_start_method *out);
const char *tp_start_name(enum tp_start_method m);

struct tp_pool_opts {
	struct tp_config config;	/* workers, batch, strategy name, start name */
	int min_workers, max_workers;	/* bounds for tp_pool_set_workers (0 = config.workers) */
	struct tp_workload *workload;	/* instantiated workload (options parsed) */
	double timeout_s;		/* per task, 0 = none.  thread strategy: a thread
					 * cannot be killed, so the task is reported timed
					 * out and its thread abandoned (replaced; it exits
					 * when the task returns) */
	double timeout_pct;		/* P% of the median successful task time, 0 = off */
	double kill_grace_s;		/* SIGTERM -> SIGKILL, default 2 s */
	int retries;			/* extra attempts after a failure */
	double backoff_s;		/* first retry delay, doubled each time, jittered */
	int keep_order;			/* deliver results in input order */
	int group_output;		/* capture each exec task's stdout (forwarded whole) */
	int shell;			/* exec through /bin/sh -c */
	int multi_input;		/* exec: a batch of B inputs to one invocation */
	int quiet_warnings;		/* no fork-with-threads warning (tests) */
	double cpus_usable;		/* for cpu_util; 0 = online CPUs */
	int phase_gate;			/* adaptive runs: when the inputs change character
					 * (tp_pool_input_class) after a long run of one,
					 * cut the width to the usable CPUs so the new
					 * kind of task starts few; the controller grows
					 * it back when the tasks wait on something else */
	const char *worker_exe;		/* process/spawn: a binary with the hidden `worker`
					 * mode (NULL = /proc/self/exe) */
	int bind;			/* enum tp_bind_mode (runner/bind.h): thread and
					 * exec workers bound per slot; 0 = none */
	/* exec, GNU parallel compatibility (run): */
	int fields;			/* inputs hold fields split by TP_INPUT_FS */
	const char *shell_path;		/* the shell for shell mode (NULL = /bin/sh) */
	int task_env;			/* set PARALLEL_SEQ and PARALLEL_JOBSLOT per task */
	int async_inputs;		/* exec: a pipe is read in its own thread, so a slow
					 * producer never holds up running tasks */
	int group_stderr;		/* exec: a task's stderr is held and delivered whole
					 * with its result (errout), not forwarded by line */
	int line_buffer;		/* exec: stdout forwarded by whole lines as they come
					 * (not grouped; needs group_output) */
	double start_delay_s;		/* exec: at least this long between task starts */
	double ramp_s;			/* exec: the first round's starts spread evenly over
					 * this long (tune: a short run measures the
					 * staggered steady state the job reaches, not
					 * workers that all wait, then all compute) */
	int multi_join;			/* exec, multi_input: -m (inputs joined in one word)
					 * rather than -X (the word repeated per input) */
	enum tp_framing framing;	/* persistent strategy: the records' framing */
	struct tp_pool_hooks hooks;
};

/* Live numbers for the monitor and the progress line. */
struct tp_pool_snapshot {
	int workers;			/* target width */
	int busy;			/* workers running a task now */
	long long queued;		/* inputs read but not started */
	long long done, failed, skipped;
	long long inputs_read;
	int eof;			/* all inputs read */
	double elapsed_s;
	long long phase_changes;	/* changes of input class seen by the phase gate */
};

/* The class of an input line: a hash of the line with every run of digits
 * read as one digit, so "f001.txt" and "f002.txt" are one class and
 * "sleep:ms=20" and "lock:cs_us=50" two. */
unsigned long long tp_pool_input_class(const char *line, size_t len);

/* 1 when config c can run workload wl (NULL: any non-command workload),
 * else 0 with *why saying what is wrong (static text).  Lets bench and tune
 * skip invalid combinations without an error message. */
int tp_pool_config_valid(const struct tp_config *c, const struct tp_workload *wl,
			 int multi_input, const char **why);

/* Validates opts (strategy/start/workload compatible) and creates the pool;
 * usage errors name the bad value.  Free with tp_pool_free(). */
int tp_pool_new(struct tp_pool **out, const struct tp_pool_opts *opts);
/* Runs every input to completion (or until tp_pool_stop), filling rep with the
 * measurements of this run (rep->counters is malloc'd: free() it).  Returns
 * 0 when the pool ran (tasks may have
 * failed: see rep->failures), -1 on a system error, and sets *interrupted
 * when stopped early. */
int tp_pool_run(struct tp_pool *p, struct tp_inputs *in, struct tp_repeat *rep, int *interrupted);
/* Changes the target width within [min_workers, max_workers]; thread-safe. */
void tp_pool_set_workers(struct tp_pool *p, int workers);
/* Stops dispatch; running tasks are ended (SIGTERM to their process group,
 * then SIGKILL after the grace period) and not reported as finished; thread
 * workers finish their task (abandoned after the grace period).  Results of
 * finished tasks are always delivered.  Async-signal-safe (a flag and a
 * self-pipe write). */
void tp_pool_stop(struct tp_pool *p);
/* Stops dispatch only: no new inputs are read and queued retries do not
 * start (a failure from now on is final); running tasks finish and are
 * delivered, then tp_pool_run returns without *interrupted.  For --halt soon.
 * Thread-safe, and callable from a hook. */
void tp_pool_drain(struct tp_pool *p);
void tp_pool_snapshot(struct tp_pool *p, struct tp_pool_snapshot *s);
void tp_pool_free(struct tp_pool *p);

/* Threads abandoned (a task or an init past its timeout or a stop) that are
 * still inside the workload's code: while > 0 the workload must not be freed
 * (its library unloaded under them); the process exits soon after anyway. */
int tp_pool_abandoned(void);
/* Keeps wl (never freed, still reachable) when tp_pool_abandoned() says its
 * code may still be running. */
void tp_pool_keep_workload(struct tp_workload *wl);

#endif
