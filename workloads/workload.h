/* The workload descriptor (one file per workload, listed in workloads/list.h)
 * and workload instances: a descriptor plus parsed options and shared state. */
#ifndef TP_WORKLOADS_WORKLOAD_H
#define TP_WORKLOADS_WORKLOAD_H

#include <stddef.h>

#include "core/opt.h"

struct tp_workload;

/* Task class, used by the probe seeds and the tuner's search space. */
enum tp_task_class {
	TP_CLASS_CPU,		/* compute-bound: about usable CPUs */
	TP_CLASS_MEMORY,	/* bandwidth/latency-bound: a share per NUMA node */
	TP_CLASS_LATENCY,	/* wait-bound (sleep, network, lock waits): beyond the CPUs */
	TP_CLASS_IO,
	TP_CLASS_MIXED,
	TP_CLASS_UNKNOWN,	/* commands and plugins */
};

enum tp_workload_flags {
	TP_WL_COMMAND = 1u << 0,	/* runs a command per input: exec strategy only */
	TP_WL_NO_PROCESS = 1u << 1,	/* needs shared memory between workers: threads only */
};

struct tp_workload_desc {
	const char *name;
	const char *summary;
	const struct tp_opt *opts;		/* ends with TP_OPT_END; may be NULL */
	const char *unsupported_reason;		/* NULL when it can run here */
	enum tp_task_class task_class;
	unsigned flags;
	/* Parent, once per run before workers start (shared state in wl->shared). */
	int (*setup)(struct tp_workload *wl);
	void (*teardown)(struct tp_workload *wl);
	/* Once per worker thread or process; *wstate is that worker's. */
	int (*worker_init)(struct tp_workload *wl, void **wstate);
	/* One task: 0, or -1 with a message of at most errlen bytes in err. */
	int (*process)(struct tp_workload *wl, void *wstate, const char *input, char *err,
		       size_t errlen);
	void (*worker_fini)(struct tp_workload *wl, void *wstate);
	/* Optional: process() that also gives the task's result, valid until the
	 * next call in this worker (*out NULL: none); strategies use it when set. */
	int (*process_result)(struct tp_workload *wl, void *wstate, const char *input,
			      const char **out, size_t *outlen, char *err, size_t errlen);
	/* Frees what the constructor put in wl->priv (plugin handle); may be NULL. */
	void (*release)(struct tp_workload *wl);
};

/* Fault injection every built-in workload accepts (options fail_every,
 * crash_every, hang_every, hang_s, flaky_dir), for fault tests. */
struct tp_workload_faults {
	long long fail_every, crash_every, hang_every;
	double hang_s;
	const char *flaky_dir;		/* points into the option set; "" = off */
	unsigned long long calls;	/* tasks seen by this instance (atomic) */
};

struct tp_workload {
	const struct tp_workload_desc *desc;
	struct tp_optset opts;		/* parsed against desc->opts */
	char *spec;			/* as given: "cpu:bytes=4K", "plugin:LIB.so:arg" */
	int argc;			/* exec: the command template */
	char **argv;
	void *shared;			/* set by setup, freed by teardown */
	void *priv;			/* the descriptor's own (plugin handle, ...) */
	struct tp_opt *opt_table;	/* desc->opts + the fault options (owned) */
	struct tp_workload_faults faults;
};

/* "NAME[:key=value,...]" of a built-in workload; usage errors name the bad
 * name (with a suggestion) or option.  Free with tp_workload_free(). */
int tp_workload_new(struct tp_workload **out, const char *spec);
/* --plugin LIB.so[:arg]: dlopen(RTLD_NOW|RTLD_LOCAL), ABI checked. */
int tp_workload_new_plugin(struct tp_workload **out, const char *lib_and_arg);
/* -- COMMAND ARGS...: a command template with {} {.} {/} {//} {#}. */
int tp_workload_new_exec(struct tp_workload **out, char *const *argv, int argc);
/* The WORKLOAD of bench, tune and run: a command (the words after --) when
 * ncmd > 0, else --plugin LIB.so[:arg], else -w NAME[:opts]; sub names the
 * subcommand in the usage error given when none is there. */
int tp_workload_from_cli(struct tp_workload **out, const char *spec, const char *plugin,
			 char *const *cmd, int ncmd, const char *sub);
void tp_workload_free(struct tp_workload *wl);
/* Canonical text naming the workload and every option value (for results and
 * cache keys); free() it. */
char *tp_workload_describe(const struct tp_workload *wl);
/* The registration table, in list order. */
const struct tp_workload_desc *const *tp_workload_table(size_t *n);

/* The fault options every built-in workload accepts, ending in TP_OPT_END. */
const struct tp_opt *tp_workload_fault_opts(void);
/* Called first by every process(): 0 to go on; -1 with err set when the
 * options say this task fails.  It may also hang (hang_s) or, in a process
 * worker, raise SIGSEGV.  The task number is the input when it is a decimal
 * number (--count N), else this instance's call count. */
int tp_workload_inject(struct tp_workload *wl, const char *input, char *err, size_t errlen);

/* Shared state for workers started with `spawn`, which inherit nothing: the
 * parent's setup publishes a short value (a path, "fd") under the workload's
 * name in the environment, and a worker process reads its parent's value.
 * Returns NULL when the parent published nothing.  Not thread-safe: setup only. */
void tp_workload_share_set(const struct tp_workload *wl, const char *value);
const char *tp_workload_share_get(const struct tp_workload *wl);

#endif
