/* `tunepool bench`: measures every worker x batch x strategy x start
 * combination of one workload and writes results.json and CSV. */
#include "cli/cmd.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "core/stats.h"
#include "probes/machine.h"
#include "runner/template.h"
#include "runner/bench.h"
#include "core/fileio.h"
#include "runner/inputs.h"
#include "runner/signals.h"
#include "runner/pool.h"
#include "runner/strategy_persistent.h"
#include "workloads/workload.h"
#include "runner/strategy.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LIST 256

enum {
	OPT_PLUGIN = 256, OPT_WORKERS, OPT_BATCH, OPT_STRATEGY, OPT_START, OPT_REPEAT,
	OPT_WARMUP, OPT_SEED, OPT_CSV, OPT_COUNT, OPT_INPUTS, OPT_TIMEOUT, OPT_RETRIES,
	OPT_SHELL, OPT_MULTI, OPT_KEEP_GOING, OPT_BAR, OPT_PREPARE, OPT_CLEANUP, OPT_COMMAND,
	OPT_PERSISTENT,
};

#define MAX_COMMANDS 16

static const struct option longopts[] = {
	{ "workload", required_argument, NULL, 'w' },
	{ "plugin", required_argument, NULL, OPT_PLUGIN },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "strategy", required_argument, NULL, OPT_STRATEGY },
	{ "start", required_argument, NULL, OPT_START },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "output", required_argument, NULL, 'o' },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "inputs", required_argument, NULL, OPT_INPUTS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "shell", no_argument, NULL, OPT_SHELL },
	{ "multi-input", no_argument, NULL, OPT_MULTI },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "bar", no_argument, NULL, OPT_BAR },
	{ "prepare", required_argument, NULL, OPT_PREPARE },
	{ "cleanup", required_argument, NULL, OPT_CLEANUP },
	{ "command", required_argument, NULL, OPT_COMMAND },
	{ "persistent", required_argument, NULL, OPT_PERSISTENT },
	{ NULL, 0, NULL, 0 },
};

struct bench_args {
	const char *workload, *plugin, *output, *csv, *inputs_path;
	const char *workers, *batch, *strategy, *start;
	const char *prepare, *cleanup;
	char *commands[MAX_COMMANDS];	/* --command, each run by /bin/sh -c */
	int ncommands;
	long long count;
	long long repeat, warmup, retries;
	unsigned long seed;
	double timeout_s, timeout_pct;
	int shell, multi, keep_going, bar;
	const char *persistent;		/* --persistent FRAMING */
	char **cmd;			/* after "--" */
	int ncmd;
	char **args;			/* after ":::" */
	int nargs, have_args;
};

/* A stop signal (runner/signals.h): the repeat in flight ends, nothing more runs. */
static void stop_bench(void *b)
{
	tp_bench_stop(b);
}

static int parse_count(const char *opt, const char *v, long long min, long long *out)
{
	if (tp_parse_long(v, out) || *out < min)
		return tp_usage_error("bench: %s = '%s' is not a whole number >= %lld", opt, v, min);
	return 0;
}

static int parse_positive_list(const char *opt, const char *v, int *out, int *n)
{
	int i;

	*n = tp_parse_int_list(v, out, MAX_LIST);
	if (*n < 1)
		return tp_usage_error("bench: %s = '%s' is not a list like 1,2,4 or 1-8", opt, v);
	for (i = 0; i < *n; i++)
		if (out[i] < 1)
			return tp_usage_error("bench: %s = '%s': %d is not >= 1", opt, v, out[i]);
	return 0;
}

static int parse_timeout(const char *v, struct bench_args *a)
{
	size_t len = strlen(v);

	if (len > 1 && v[len - 1] == '%') {
		char *num = tp_xstrndup(v, len - 1);
		int rc = tp_parse_double(num, &a->timeout_pct);

		free(num);
		if (rc || a->timeout_pct <= 0)
			return tp_usage_error("bench: --timeout = '%s' is not a positive percentage", v);
		return 0;
	}
	if (tp_parse_duration(v, &a->timeout_s) || a->timeout_s <= 0)
		return tp_usage_error("bench: --timeout = '%s' is not a duration like 10s or 500ms", v);
	return 0;
}

/* Splits off "-- COMMAND ..." and "::: ARGS ..." before getopt sees argv. */
static char **split_argv(int argc, char **argv, struct bench_args *a, int *nopt)
{
	char **opt = tp_xcalloc((size_t)argc + 1, sizeof(*opt));
	int i, n = 0, end = argc;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			end = i;
			a->cmd = argv + i + 1;
			a->ncmd = argc - i - 1;
			break;
		}
	for (i = 0; i < end; i++) {
		if (!strcmp(argv[i], ":::")) {
			a->have_args = 1;
			a->args = argv + i + 1;
			a->nargs = end - i - 1;
			break;
		}
		opt[n++] = argv[i];
	}
	/* "-- CMD {} ::: a b" puts the inputs after the command. */
	for (i = 0; i < a->ncmd; i++)
		if (!strcmp(a->cmd[i], ":::")) {
			if (a->have_args)
				break;
			a->have_args = 1;
			a->args = a->cmd + i + 1;
			a->nargs = a->ncmd - i - 1;
			a->ncmd = i;
			break;
		}
	*nopt = n;
	return opt;
}

static int parse_args(int argc, char **argv, struct bench_args *a)
{
	char **opt;
	int nopt, c, rc = -1;
	long long v;

	memset(a, 0, sizeof(*a));
	a->count = -1;
	a->repeat = 5;
	a->warmup = 1;
	a->seed = 1;
	opt = split_argv(argc, argv, a, &nopt);
	optind = 0;
	while ((c = tp_cli_getopt(nopt, opt, "w:o:", longopts, "bench")) != -1) {
		switch (c) {
		case 'w': a->workload = optarg; break;
		case OPT_PLUGIN: a->plugin = optarg; break;
		case OPT_WORKERS: a->workers = optarg; break;
		case OPT_BATCH: a->batch = optarg; break;
		case OPT_STRATEGY: a->strategy = optarg; break;
		case OPT_START: a->start = optarg; break;
		case 'o': a->output = optarg; break;
		case OPT_CSV: a->csv = optarg; break;
		case OPT_INPUTS: a->inputs_path = optarg; break;
		case OPT_SHELL: a->shell = 1; break;
		case OPT_MULTI: a->multi = 1; break;
		case OPT_KEEP_GOING: a->keep_going = 1; break;
		case OPT_BAR: a->bar = 1; break;
		case OPT_PREPARE: a->prepare = optarg; break;
		case OPT_CLEANUP: a->cleanup = optarg; break;
		case OPT_COMMAND:
			if (a->ncommands == MAX_COMMANDS) {
				tp_usage_error("bench: at most %d --command options", MAX_COMMANDS);
				goto out;
			}
			if (!*optarg || strlen(optarg) >= TP_COMMAND_MAX) {
				tp_usage_error("bench: --command '%.40s%s' must be 1 to %d characters "
					       "(put a longer one in a script)", optarg,
					       strlen(optarg) > 40 ? "..." : "", TP_COMMAND_MAX - 1);
				goto out;
			}
			for (v = 0; v < a->ncommands; v++)
				if (!strcmp(a->commands[v], optarg)) {
					tp_usage_error("bench: --command '%s' is given twice", optarg);
					goto out;
				}
			a->commands[a->ncommands++] = optarg;
			break;
		case OPT_PERSISTENT: a->persistent = optarg; break;
		case OPT_REPEAT:
			if (parse_count("--repeat", optarg, 1, &a->repeat))
				goto out;
			break;
		case OPT_WARMUP:
			if (parse_count("--warmup", optarg, 0, &a->warmup))
				goto out;
			break;
		case OPT_RETRIES:
			if (parse_count("--retries", optarg, 0, &a->retries))
				goto out;
			break;
		case OPT_COUNT:
			if (parse_count("--count", optarg, 1, &a->count))
				goto out;
			break;
		case OPT_SEED:
			if (parse_count("--seed", optarg, 0, &v))
				goto out;
			a->seed = (unsigned long)v;
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, a))
				goto out;
			break;
		default:
			goto out;
		}
	}
	/* `tunepool bench cpu:bytes=4K ...`: a bare WORKLOAD is -w. */
	if (optind < nopt && !a->workload) {
		a->workload = opt[optind++];
	}
	if (optind < nopt) {
		tp_usage_error("bench: unexpected argument '%s'", opt[optind]);
		goto out;
	}
	if (!!a->workload + !!a->plugin + (a->ncmd > 0) + (a->ncommands > 0) != 1) {
		tp_usage_error("bench: give one workload: -w NAME[:key=value,...], --plugin LIB.so[:arg], "
			       "-- COMMAND ARGS... or --command 'CMD' (repeated to compare commands)");
		goto out;
	}
	if ((a->count > 0) + a->have_args + !!a->inputs_path > 1) {
		tp_usage_error("bench: give one input source: --count N, ::: ARGS or --inputs FILE");
		goto out;
	}
	if (a->have_args && a->nargs < 1) {
		tp_usage_error("bench: ':::' needs at least one argument");
		goto out;
	}
	rc = 0;
out:
	free(opt);
	return rc;
}

/* Outputs that would be refused, or that alias the inputs or each other,
 * are refused before any measurement. */
static int check_paths(const struct bench_args *a)
{
	const struct tp_path_role roles[] = {
		{ "--inputs", a->inputs_path }, { "-o", a->output }, { "--csv", a->csv },
	};

	return tp_output_check("-o", a->output) || tp_output_check("--csv", a->csv) ||
	       tp_paths_check_distinct(roles, 3) ? -1 : 0;
}

static int open_inputs(const struct bench_args *a, struct tp_inputs **in)
{
	if (a->count > 0)
		return tp_inputs_from_count(in, a->count);
	if (a->have_args)
		return tp_inputs_from_args(in, a->args, a->nargs);
	if (a->inputs_path)
		return tp_inputs_from_file(in, a->inputs_path, 1);
	if (isatty(0))
		return tp_usage_error("bench: no inputs: give --count N, ::: ARGS, --inputs FILE "
				      "or pipe them on standard input");
	return tp_inputs_from_file(in, "-", 1);
}

/* 1, 2, 4, ... up to the probe's seed for the workload's task class. */
static int default_workers(const struct tp_machine *m, enum tp_task_class cls, int *out)
{
	int seed = cls == TP_CLASS_CPU ? m->seeds.cpu
		 : cls == TP_CLASS_MEMORY ? m->seeds.memory
		 : m->seeds.latency;
	int n = 0, w;

	if (seed < 1)
		seed = 1;
	if (m->seeds.max_workers > 0 && seed > m->seeds.max_workers)
		seed = m->seeds.max_workers;
	for (w = 1; w < seed && n < MAX_LIST - 1; w *= 2)
		out[n++] = w;
	out[n++] = seed;
	return n;
}

static void progress(void *ctx, const struct tp_bench_progress *p)
{
	char name[96];

	(void)ctx;
	fprintf(stderr, "\r\033[Kbench: run %d/%d %s%s: %.1f tasks/s", p->run, p->runs,
		tp_config_format(p->config, name, sizeof(name)), p->warmup ? " (warm-up)" : "",
		p->rep->throughput);
	fflush(stderr);
}

/* The median of a counter over a trial's repeats (NAN when none has it). */
static double counter_median(const struct tp_trial *t, const char *name)
{
	double *v = tp_xcalloc(t->nrepeats + 1, sizeof(*v)), m = NAN;
	size_t j, k, n = 0;

	for (j = 0; j < t->nrepeats; j++)
		for (k = 0; k < t->repeats[j].ncounters; k++)
			if (!strcmp(t->repeats[j].counters[k].name, name))
				v[n++] = t->repeats[j].counters[k].value;
	if (n)
		m = tp_stats_median(v, n);
	free(v);
	return m;
}

/* Persistent workers: their tasks/s is the steady state; what starting them
 * cost is shown apart, with the wall-clock rate it gives. */
static void print_startup(const struct tp_results *r)
{
	size_t i;
	char name[96];

	for (i = 0; i < r->ntrials; i++) {
		const struct tp_trial *t = &r->trials[i];
		double st = counter_median(t, "pool::worker_start_s");

		if (!(tp_strategy_flags(t->config.strategy) & TP_STRAT_RECORDS) || !t->nrepeats ||
		    isnan(st))
			continue;
		printf("%s: start-up and init %.3f s per worker (median), apart from the "
		       "steady tasks/s; %.1f tasks/s over the whole wall time\n",
		       tp_config_format(&t->config, name, sizeof(name)), st,
		       counter_median(t, "pool::wall_throughput"));
	}
}

/* Mean and sample standard deviation, min and max of the throughputs. */
static void spread(const struct tp_trial *t, double *mean, double *sd, double *min, double *max)
{
	double sum = 0, ss = 0;
	size_t j;

	*mean = *sd = *min = *max = NAN;
	for (j = 0; j < t->nrepeats; j++) {
		double x = t->repeats[j].throughput;

		sum += x;
		*min = j ? fmin(*min, x) : x;
		*max = j ? fmax(*max, x) : x;
	}
	if (!t->nrepeats)
		return;
	*mean = sum / (double)t->nrepeats;
	for (j = 0; j < t->nrepeats; j++)
		ss += (t->repeats[j].throughput - *mean) * (t->repeats[j].throughput - *mean);
	*sd = t->nrepeats > 1 ? sqrt(ss / (double)(t->nrepeats - 1)) : 0;
}

static long long trial_failures(const struct tp_trial *t)
{
	long long failed = 0;
	size_t j;

	for (j = 0; j < t->nrepeats; j++)
		failed += t->repeats[j].failures;
	return failed;
}

/* The best is the highest median among configs whose tasks all succeeded: a
 * config that fails fast is not fast. */
static void print_table(const struct tp_results *r, const struct tp_bench *b)
{
	size_t i, j, best = r->ntrials;
	double best_median = -1;
	int any_failed = 0;

	for (i = 0; i < r->ntrials; i++)
		if (r->trials[i].nrepeats && !trial_failures(&r->trials[i]) &&
		    r->trials[i].stats.median > best_median) {
			best_median = r->trials[i].stats.median;
			best = i;
		}
	printf("%-28s %14s  %-21s %-19s %9s %9s %8s %7s %6s\n", "config", "median tasks/s",
	       "95% CI", "mean +- sd", "min", "max", "p95 ms", "repeats", "failed");
	for (i = 0; i < r->ntrials; i++) {
		const struct tp_trial *t = &r->trials[i];
		double *p95 = tp_xcalloc(t->nrepeats + 1, sizeof(*p95)), mean, sd, mn, mx;
		long long failed = trial_failures(t);
		char name[96], ci[64], ms[64];

		for (j = 0; j < t->nrepeats; j++)
			p95[j] = t->repeats[j].lat_p95_s * 1e3;
		spread(t, &mean, &sd, &mn, &mx);
		snprintf(ci, sizeof(ci), "[%.1f, %.1f]", t->stats.ci_low, t->stats.ci_high);
		snprintf(ms, sizeof(ms), "%.1f +- %.1f", mean, sd);
		printf("%-28s %14.1f  %-21s %-19s %9.1f %9.1f %8.3f %7zu %6lld%s\n",
		       tp_config_format(&t->config, name, sizeof(name)), t->stats.median, ci, ms,
		       mn, mx, t->nrepeats ? tp_stats_median(p95, t->nrepeats) : NAN, t->nrepeats,
		       failed, i == best ? "  <- best" : failed ? "  (tasks failed)" : "");
		any_failed |= failed > 0;
		free(p95);
	}
	print_startup(r);
	if (!any_failed)
		return;
	printf("\nfailures (configs with failed tasks are never the best):\n");
	for (i = 0; i < r->ntrials; i++) {
		const struct tp_trial *t = &r->trials[i];
		long long failed = trial_failures(t), tasks = 0;
		const char *why = b ? tp_bench_failure(b, &t->config) : NULL;
		char name[96];

		if (!failed)
			continue;
		for (j = 0; j < t->nrepeats; j++)
			tasks += t->repeats[j].tasks;
		printf("  %s: %lld of %lld tasks failed; first: %s\n",
		       tp_config_format(&t->config, name, sizeof(name)), failed, tasks,
		       why ? why : "no reason recorded");
	}
}

static double *throughputs_of(const struct tp_trial *t)
{
	double *v = tp_xcalloc(t->nrepeats + 1, sizeof(*v));
	size_t j;

	for (j = 0; j < t->nrepeats; j++)
		v[j] = t->repeats[j].throughput;
	return v;
}

/* Several commands: per config, the fastest command (median, tasks all
 * succeeded) and how many times as fast it ran as each other, with the
 * bootstrap CI of the ratio of medians. */
static void print_command_summary(const struct tp_results *r)
{
	size_t i, j;

	for (i = 0; i < r->ntrials; i++) {
		const struct tp_trial *t = &r->trials[i], *best = NULL;
		struct tp_config key = t->config, other;
		char name[96];
		int first = 1;

		if (!*t->config.command)
			return;
		for (j = 0; j < i; j++) {
			other = r->trials[j].config;
			memcpy(other.command, key.command, sizeof(other.command));
			if (tp_config_equal(&other, &key))
				break;
		}
		if (j < i)
			continue;	/* this config was summarised already */
		for (j = i; j < r->ntrials; j++) {
			const struct tp_trial *u = &r->trials[j];

			other = u->config;
			memcpy(other.command, key.command, sizeof(other.command));
			if (tp_config_equal(&other, &key) && u->nrepeats && !trial_failures(u) &&
			    (!best || u->stats.median > best->stats.median))
				best = u;
		}
		if (!best)
			continue;
		memset(key.command, 0, sizeof(key.command));
		for (j = i; j < r->ntrials; j++) {
			const struct tp_trial *u = &r->trials[j];
			double *vb, *vu, ratio, lo, hi;

			other = u->config;
			memset(other.command, 0, sizeof(other.command));
			if (u == best || !tp_config_equal(&other, &key) || !u->nrepeats)
				continue;
			if (first) {
				printf("\n%s: '%s' is the fastest\n", tp_config_format(&key, name,
				       sizeof(name)), best->config.command);
				first = 0;
			}
			vb = throughputs_of(best);
			vu = throughputs_of(u);
			if (tp_stats_bootstrap_ratio(vu, u->nrepeats, vb, best->nrepeats, 10000, 1,
						     0.95, &ratio, &lo, &hi))
				ratio = lo = hi = NAN;
			printf("  %.2fx (95%% CI %.2f to %.2f) as fast as '%s'%s\n", ratio, lo, hi,
			       u->config.command, trial_failures(u) ? " (its tasks failed)" : "");
			free(vb);
			free(vu);
		}
	}
}

/* The counters the runs recorded, added to the machine object: the probe
 * skipped initialising PAPI to stay fast. */
static void note_counters(struct tp_results *r)
{
	json_t *names = json_array();
	size_t i, j, k, n;

	for (i = 0; i < r->ntrials; i++)
		for (j = 0; j < r->trials[i].nrepeats; j++)
			for (k = 0; k < r->trials[i].repeats[j].ncounters; k++) {
				const char *name = r->trials[i].repeats[j].counters[k].name;
				int seen = 0;

				for (n = 0; n < json_array_size(names); n++)
					seen |= !strcmp(json_string_value(json_array_get(names, n)), name);
				if (!seen)
					json_array_append_new(names, json_string(name));
			}
	if (r->machine)
		json_object_set_new(r->machine, "counters_recorded", names);
	else
		json_decref(names);
}

static int write_results(struct tp_results *r, const struct bench_args *a)
{
	int rc = 0;

	note_counters(r);
	if (a->output && tp_results_write(r, a->output))
		rc = -1;
	if (a->csv && tp_results_write_csv(r, a->csv))
		rc = -1;
	return rc;
}

static int quiet_stdout(void)
{
	int saved, null;

	fflush(stdout);
	saved = dup(1);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || null < 0) {
		if (saved >= 0)
			close(saved);
		if (null >= 0)
			close(null);
		return -1;
	}
	dup2(null, 1);
	close(null);
	return saved;
}

static void restore_stdout(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, 1);
	close(saved);
}

#define KILL_GRACE_S 2		/* SIGTERM to SIGKILL for a task past --timeout */
#define RETRY_BACKOFF_S 0.1	/* the first pause before a --retries attempt */

/* The trial grid's run options that come straight from the arguments. */
static void bench_pool_opts(struct tp_bench_opts *bo, const struct bench_args *a,
			    const struct tp_machine *m)
{
	bo->repeat = (int)a->repeat;
	bo->warmup = (int)a->warmup;
	bo->seed = a->seed;
	bo->keep_going = a->keep_going;
	bo->prepare = a->prepare;
	bo->cleanup = a->cleanup;
	bo->pool.timeout_s = a->timeout_s;
	bo->pool.timeout_pct = a->timeout_pct;
	bo->pool.kill_grace_s = KILL_GRACE_S;
	bo->pool.retries = (int)a->retries;
	bo->pool.backoff_s = RETRY_BACKOFF_S;
	bo->pool.shell = a->shell;
	bo->pool.shell_path = tp_shell_path();
	bo->pool.multi_input = a->multi;
	bo->pool.cpus_usable = m->cpus_usable;
	if (a->bar || isatty(2))
		bo->on_progress = progress;
}

/* What results.json says about the machine, the workload and the inputs. */
static void results_header(struct tp_results *res, const struct bench_args *a,
			   const struct tp_workload *wl, const struct tp_machine *m, const char *sig)
{
	res->tool_version = tp_xstrdup(TP_VERSION);
	res->machine = tp_machine_to_json(m);
	res->workload_name = tp_xstrdup(wl->desc->name);
	if (a->ncommands) {
		struct tp_strbuf names = TP_STRBUF_INIT;
		int k;

		for (k = 0; k < a->ncommands; k++)
			tp_strbuf_addf(&names, "%s%s", k ? " ;; " : "", a->commands[k]);
		res->workload_options = tp_strbuf_detach(&names);
	} else {
		char *desc = tp_workload_describe(wl);

		res->workload_options = tp_xstrdup(desc + strlen(wl->desc->name) + 1);
		free(desc);
	}
	res->input_signature = tp_xstrdup(sig);
}

/* The workload: one per --command (each run through /bin/sh -c), or the
 * one WORKLOAD, plugin or command of the arguments. */
static int bench_workloads(struct bench_args *a, struct tp_workload **cmd_wls,
			   struct tp_workload **wl)
{
	int k;

	for (k = 0; k < a->ncommands; k++)
		if (tp_workload_from_cli(&cmd_wls[k], NULL, NULL, &a->commands[k], 1, "bench"))
			return -1;
	if (a->ncommands) {
		*wl = cmd_wls[0];
		a->shell = 1;
		return 0;
	}
	return tp_workload_from_cli(wl, a->workload, a->plugin, a->cmd, a->ncmd, "bench");
}

/* The table, the results file and the exit code of a finished (or
 * interrupted) grid. */
static int bench_report(struct tp_results *res, struct tp_bench *b, const struct bench_args *a,
			int rc, int interrupted)
{
	print_table(res, b);
	print_command_summary(res);
	if (fflush(stdout) || ferror(stdout)) {
		/* The table is the result: a full disk or a closed pipe is a failure. */
		tp_error("cannot write the table to standard output: %s", strerror(errno));
		write_results(res, a);
		return tp_error_exit_code();
	}
	if (write_results(res, a))
		return tp_error_exit_code();
	if (interrupted) {
		int sig = tp_signals_caught() ? tp_signals_caught() : SIGINT;

		tp_warn("bench: interrupted by SIG%s; results hold every finished repeat",
			sigabbrev_np(sig));
		return tp_signals_exit_code(sig);
	}
	if (rc < 0)
		return tp_error_exit_code();
	return rc ? TP_EXIT_NEGATIVE : TP_EXIT_OK;
}

static int bench_run(int argc, char **argv)
{
	struct bench_args a;
	struct tp_workload *wl = NULL, *cmd_wls[MAX_COMMANDS] = { NULL };
	struct tp_inputs *in = NULL;
	struct tp_machine m;
	struct tp_probe_opts po;
	struct tp_bench_opts bo;
	struct tp_bench *b = NULL;
	struct tp_results res;
	int workers[MAX_LIST], batches[MAX_LIST], nworkers, nbatches = 1;
	char *strategies[16], *starts[16], *sstore = NULL, *tstore = NULL, sig[64];
	int interrupted = 0, rc, ret = TP_EXIT_USAGE, probed = 0, saved_stdout, k;

	tp_results_init(&res);
	if (parse_args(argc, argv, &a))
		goto out;
	if (bench_workloads(&a, cmd_wls, &wl))
		goto out;
	if (check_paths(&a))
		goto fail;
	memset(&bo, 0, sizeof(bo));
	if (a.workers && parse_positive_list("--workers", a.workers, workers, &nworkers))
		goto out;
	batches[0] = 1;
	if (a.batch && parse_positive_list("--batch", a.batch, batches, &nbatches))
		goto out;
	/* --persistent: the command's persistent workers (also with --strategy
	 * exec,persistent, to compare them with a process per input). */
	if (a.persistent && tp_persistent_setup(wl, a.persistent, a.shell, &bo.pool) < 0)
		goto out;
	bo.nstrategies = tp_split_list(a.strategy ? a.strategy
					: a.persistent ? "persistent"
					: (wl->desc->flags & TP_WL_COMMAND) ? "exec" : "thread",
				       strategies, 16, &sstore);
	bo.nstarts = tp_split_list(a.start ? a.start : "spawn", starts, 16, &tstore);
	if (bo.nstrategies < 0 || bo.nstarts < 0) {
		tp_usage_error("bench: too many strategies or start methods in '%s'",
			       bo.nstrategies < 0 ? a.strategy : a.start);
		goto out;
	}
	if (open_inputs(&a, &in))
		goto out;
	memset(&po, 0, sizeof(po));
	po.skip_counters = 1;
	if (tp_machine_probe(&m, &po))
		goto out;
	probed = 1;
	if (!a.workers)
		nworkers = default_workers(&m, wl->desc->task_class, workers);
	if (tp_bench_input_signature(in, sig, sizeof(sig)))
		goto fail;

	bo.workload = wl;
	bo.cmd_workloads = cmd_wls;
	bo.cmd_names = a.commands;
	bo.ncommands = a.ncommands;
	bo.inputs = in;
	bo.workers = workers;
	bo.nworkers = nworkers;
	bo.batches = batches;
	bo.nbatches = nbatches;
	bo.strategies = strategies;
	bo.starts = starts;
	bench_pool_opts(&bo, &a, &m);
	if (tp_bench_new(&b, &bo))
		goto out;

	results_header(&res, &a, wl, &m, sig);

	/* Commands' output would bury the table: their stdout goes to /dev/null
	 * while they run (the cost of writing it is still paid). */
	saved_stdout = quiet_stdout();
	tp_signals_push(stop_bench, b);
	rc = tp_bench_run(b, &res, &interrupted);
	tp_signals_pop();
	restore_stdout(saved_stdout);
	if (bo.on_progress)
		fprintf(stderr, "\n");

	ret = bench_report(&res, b, &a, rc, interrupted);
	goto out;
fail:
	ret = tp_error_exit_code();
out:
	tp_bench_free(b);
	tp_results_release(&res);
	if (probed)
		tp_machine_release(&m);
	tp_inputs_free(in);
	if (a.ncommands) {
		for (k = 0; k < a.ncommands; k++)
			tp_workload_free(cmd_wls[k]);
	} else if (!tp_pool_abandoned()) {
		tp_workload_free(wl);
	} else {	/* its code may still run in an abandoned thread: kept, reachable */
		tp_pool_keep_workload(wl);
	}
	free(sstore);
	free(tstore);
	return ret;
}

const struct tp_cmd_desc tp_cmd_bench = {
	.name = "bench",
	.summary = "measure worker x batch x strategy combinations of a workload",
	.usage = "tunepool bench WORKLOAD [--workers LIST] [--batch LIST] [--strategy LIST] "
		 "[--start LIST] [--repeat N] [--warmup N] [--command CMD]... [--prepare CMD] "
		 "[--cleanup CMD] "
		 "[-o results.json] [--csv FILE]",
	.help =
	"Runs every valid combination of the lists given (start applies to the\n"
	"process strategy only, exec to commands only), --warmup discarded runs and\n"
	"--repeat measured runs of each, interleaved in a random order (--seed).\n"
	"Prints per config the median tasks/s with its 95% CI, mean +- sd, min and max;\n"
	"configs whose tasks failed are never marked best, and the first failure of\n"
	"each is printed (input, exit status or signal, first stderr line).\n"
	"-o writes results.json, --csv one row per repeat.\n\n"
	"WORKLOAD (one of):\n"
	"  -w, --workload NAME[:k=v,...]   a built-in workload (see 'tunepool workloads')\n"
	"  --plugin LIB.so[:arg]          a plugin (include/tunepool/plugin.h)\n"
	"  -- COMMAND ARGS...             a command per input; {} {.} {/} {//} {#}\n"
	"  --command 'CMD' ...            several commands compared (each through\n"
	"                                 /bin/sh -c), interleaved on the same inputs;\n"
	"                                 prints how many times as fast the fastest ran\n"
	"inputs (one of; default: standard input):\n"
	"  --count N | ::: ARGS... | --inputs FILE ('-' is standard input)\n"
	"configurations:\n"
	"  --workers LIST      worker counts, e.g. 1,2,4 or 1-8 (default: 1, 2, 4 ... up\n"
	"                      to the probe's seed for the workload's class)\n"
	"  --batch LIST        tasks per dispatch (default 1; exec: 1 unless --multi-input)\n"
	"  --strategy LIST     some of (default thread; commands: exec, or persistent\n"
	"                      with --persistent):\n"
	"                        {list:strategies}\n"
	"  --persistent lines|json   COMMAND started once per worker and fed one record\n"
	"                      per input; tasks/s is the steady state, start-up and init\n"
	"                      are reported apart (pool::worker_start_s); batch = records\n"
	"                      in flight per worker\n"
	"  --start LIST        how process workers start (default spawn):\n"
	"                        {list:starts}\n"
	"  --repeat N          measured runs per config (default 5)\n"
	"  --warmup N          discarded runs per config first (default 1)\n"
	"  --seed N            seed of the run order (default 1)\n"
	"runs:\n"
	"  --timeout T|P%      per task: 10s, 500ms, or P% of the median task time\n"
	"  --retries N         extra attempts of a failed task\n"
	"  --shell             run commands through /bin/sh -c\n"
	"  --multi-input       a batch of inputs goes to one command invocation\n"
	"  --keep-going        measure every config even after tasks fail (exit 1)\n"
	"  --prepare CMD       /bin/sh -c CMD before every run (warm-ups too), not timed;\n"
	"                      e.g. to drop caches or reset a database (fails: exit 1)\n"
	"  --cleanup CMD       /bin/sh -c CMD after every run, not timed\n"
	"  --bar               progress line on stderr even when it is not a terminal\n"
	"output:\n"
	"  -o, --output FILE   results.json (written atomically)\n"
	"  --csv FILE          one row per repeat\n\n"
	"examples:\n"
	"  tunepool bench -w cpu:bytes=4K --count 100000 --workers 1,2 --batch 1,16 \\\n"
	"      --strategy thread,process --start fork,spawn -o results.json --csv results.csv\n"
	"  tunepool bench --count 500 --workers 1,2 -- /bin/echo {}\n"
	"  tunepool bench --plugin ./build/plugins/upper.so --count 1000\n"
	"  tunepool bench --workers 2 --command 'gzip -1 -c {} >/dev/null' \\\n"
	"      --command 'gzip -9 -c {} >/dev/null' ::: data/*\n"
	"exit: 0 ok, 1 tasks failed, 2 bad usage, 3 system error, 130 interrupted\n"
	"(results then hold every finished repeat).\n",
	.run = bench_run,
};
