/* The engine of `tunepool run`: inputs, workload, pool, controller, monitor,
 * journal and resume, halt policy, which setting wins (options, then
 * tunepool.conf, then the probe), the progress line and the summaries.
 * cli/cmd_run.c parses the command line into struct tp_run_opts and calls
 * tp_run(); runner/ never reads a conf itself (layers: HACKING.md). */
#ifndef TP_RUNNER_RUN_H
#define TP_RUNNER_RUN_H

#include "core/results.h"
#include "runner/inputs.h"
#include "runner/journal.h"

/* The values of a tunepool.conf that `run` uses (tuner/conf.h's struct
 * tp_tuned_conf, copied by the CLI). */
struct tp_run_conf {
	int workers, batch, min_workers, max_workers;
	int max_given;			/* max_workers read from the file */
	long long memory_per_worker_kb;	/* 0 = unknown */
	int interval_ms;
	char strategy[TP_NAME_MAX], start[TP_NAME_MAX], bind[TP_NAME_MAX];
	char framing[TP_NAME_MAX], controller[TP_NAME_MAX];
};

enum tp_halt_when { TP_HALT_NEVER = 0, TP_HALT_NOW, TP_HALT_SOON };
enum tp_halt_what { TP_HALT_FAIL = 0, TP_HALT_SUCCESS, TP_HALT_DONE };

#define TP_RUN_SOURCES_MAX 32

/* -j forms: N, 0 (the adaptive bound), N% / +N / -N of the usable CPUs. */
enum tp_jobs_kind { TP_JOBS_NONE = 0, TP_JOBS_N, TP_JOBS_MAX, TP_JOBS_PCT, TP_JOBS_PLUS, TP_JOBS_MINUS };

/* What the CLI parsed (cli/cmd_run.c), and the conf it read: plain values. */
struct tp_run_opts {
	char **cmd;		/* COMMAND ARGS... (ncmd words; 0 with -w or --plugin) */
	int ncmd;
	struct tp_run_conf conf;	/* tunepool.conf's values when config != NULL */
	/* Called once the machine is probed, with a conf: warns when the conf
	 * was tuned on another machine (tuner/conf_select.c); may be NULL. */
	void (*check_machine)(void *ctx, const char *fingerprint);
	void *check_ctx;
	const char *config, *controller, *joblog, *log_decisions, *results;
	const char *inputs_file, *workload_spec, *plugin;
	long long count;
	int workers, batch, min_workers, max_workers;
	int adaptive;		/* 1 adaptive, 0 static, -1 not said */
	enum tp_resume_mode resume;
	int retries;
	double timeout_s, timeout_pct, interval_s;
	enum tp_halt_when halt;
	double halt_fail;	/* count, or percent when halt_pct */
	int halt_pct;
	int keep_order, bar, shell, quiet;
	/* issue 14: config handling */
	const char *section;		/* --section NAME of a suite.conf */
	long long mem_per_worker_kb;	/* --mem-per-worker SIZE, 0 = the conf's */
	const char *bind;		/* --bind none|core|numa, NULL = the conf's */
	/* GNU parallel's syntax (issue 13): */
	enum tp_halt_what halt_what;
	enum tp_jobs_kind jobs;
	double jobs_v;
	struct tp_input_source src[TP_RUN_SOURCES_MAX];
	int nsrc, link, null_sep, multi, max_args, dry_run, tag, summary;
	const char *colsep, *tagstring;
	int ungroup, line_buffer, nice, have_nice;
	double delay_s, memfree_bytes, load_max;
	const char *strategy, *start;
	int joblog_tsv;
	const char *procfile;	/* -j FILE: the -j form in a file, re-read while running */
	const char *persistent;	/* --persistent FRAMING (runner/strategy_persistent.c) */
	int stage;		/* --stage K (hidden): this run is stage K of a --then pipeline */
};

/* Parses a -j form (N | 0 | N% | +N | -N | FILE) into o->jobs, o->jobs_v,
 * o->workers and o->procfile: 0, or -1 with a usage error. */
int tp_run_parse_jobs(const char *s, struct tp_run_opts *o);

/* Runs the job o describes: an exit code of core/log.h (0 all ok, 1 some
 * task failed, 2 bad usage or input, 3 system failure, 128+N on signal N). */
int tp_run(const struct tp_run_opts *o);

#endif
