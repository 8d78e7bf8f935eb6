/* `tunepool bench`: measures every worker x batch x strategy x start
 * combination of one workload and writes results.json and CSV. */
#include "cli/cmd.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/results.h"
#include "core/stats.h"
#include "probes/machine.h"
#include "runner/bench.h"
#include "runner/inputs.h"
#include "runner/pool.h"
#include "runner/strategy_persistent.h"
#include "workloads/workload.h"

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
	OPT_SHELL, OPT_MULTI, OPT_KEEP_GOING, OPT_BAR,
	OPT_PERSISTENT,
};

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
	{ "persistent", required_argument, NULL, OPT_PERSISTENT },
	{ NULL, 0, NULL, 0 },
};

struct bench_args {
	const char *workload, *plugin, *output, *csv, *inputs_path;
	const char *workers, *batch, *strategy, *start;
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

static struct tp_bench *current_bench;

static void on_signal(int sig)
{
	(void)sig;
	if (current_bench)
		tp_bench_stop(current_bench);
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
	if (!!a->workload + !!a->plugin + (a->ncmd > 0) != 1) {
		tp_usage_error("bench: give one workload: -w NAME[:key=value,...], --plugin LIB.so[:arg] "
			       "or -- COMMAND ARGS...");
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

		if (strcmp(t->config.strategy, "persistent") || !t->nrepeats || isnan(st))
			continue;
		printf("%s: start-up and init %.3f s per worker (median), apart from the "
		       "steady tasks/s; %.1f tasks/s over the whole wall time\n",
		       tp_config_format(&t->config, name, sizeof(name)), st,
		       counter_median(t, "pool::wall_throughput"));
	}
}

static void print_table(const struct tp_results *r)
{
	size_t i, j, best = r->ntrials;
	double best_median = -1;

	for (i = 0; i < r->ntrials; i++)
		if (r->trials[i].nrepeats && r->trials[i].stats.median > best_median) {
			best_median = r->trials[i].stats.median;
			best = i;
		}
	printf("%-28s %14s  %-25s %8s %7s %6s\n", "config", "median tasks/s", "95% CI",
	       "p95 ms", "repeats", "failed");
	for (i = 0; i < r->ntrials; i++) {
		const struct tp_trial *t = &r->trials[i];
		double *p95 = tp_xcalloc(t->nrepeats + 1, sizeof(*p95));
		long long failed = 0;
		char name[96], ci[64];

		for (j = 0; j < t->nrepeats; j++) {
			p95[j] = t->repeats[j].lat_p95_s * 1e3;
			failed += t->repeats[j].failures;
		}
		snprintf(ci, sizeof(ci), "[%.1f, %.1f]", t->stats.ci_low, t->stats.ci_high);
		printf("%-28s %14.1f  %-25s %8.3f %7zu %6lld%s\n",
		       tp_config_format(&t->config, name, sizeof(name)), t->stats.median, ci,
		       t->nrepeats ? tp_stats_median(p95, t->nrepeats) : NAN, t->nrepeats, failed,
		       i == best ? "  <- best" : "");
		free(p95);
	}
	print_startup(r);
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

static int bench_run(int argc, char **argv)
{
	struct bench_args a;
	struct tp_workload *wl = NULL;
	struct tp_inputs *in = NULL;
	struct tp_machine m;
	struct tp_probe_opts po;
	struct tp_bench_opts bo;
	struct tp_bench *b = NULL;
	struct tp_results res;
	struct sigaction sa, old_int, old_term;
	int workers[MAX_LIST], batches[MAX_LIST], nworkers, nbatches = 1;
	char *strategies[16], *starts[16], *sstore = NULL, *tstore = NULL, *desc, sig[64];
	int interrupted = 0, rc, ret = TP_EXIT_USAGE, probed = 0, saved_stdout;

	tp_results_init(&res);
	if (parse_args(argc, argv, &a) ||
	    tp_workload_from_cli(&wl, a.workload, a.plugin, a.cmd, a.ncmd, "bench"))
		goto out;
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
	bo.inputs = in;
	bo.workers = workers;
	bo.nworkers = nworkers;
	bo.batches = batches;
	bo.nbatches = nbatches;
	bo.strategies = strategies;
	bo.starts = starts;
	bo.repeat = (int)a.repeat;
	bo.warmup = (int)a.warmup;
	bo.seed = a.seed;
	bo.keep_going = a.keep_going;
	bo.pool.timeout_s = a.timeout_s;
	bo.pool.timeout_pct = a.timeout_pct;
	bo.pool.kill_grace_s = 2;
	bo.pool.retries = (int)a.retries;
	bo.pool.backoff_s = 0.1;
	bo.pool.shell = a.shell;
	bo.pool.multi_input = a.multi;
	bo.pool.cpus_usable = m.cpus_usable;
	if (a.bar || isatty(2))
		bo.on_progress = progress;
	if (tp_bench_new(&b, &bo))
		goto out;

	res.tool_version = tp_xstrdup(TP_VERSION);
	res.machine = tp_machine_to_json(&m);
	res.workload_name = tp_xstrdup(wl->desc->name);
	desc = tp_workload_describe(wl);
	res.workload_options = tp_xstrdup(desc + strlen(wl->desc->name) + 1);
	free(desc);
	res.input_signature = tp_xstrdup(sig);

	/* Commands' output would bury the table: their stdout goes to /dev/null
	 * while they run (the cost of writing it is still paid). */
	saved_stdout = quiet_stdout();
	current_bench = b;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = tp_bench_run(b, &res, &interrupted);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	current_bench = NULL;
	restore_stdout(saved_stdout);
	if (bo.on_progress)
		fprintf(stderr, "\n");

	print_table(&res);
	if (write_results(&res, &a))
		goto fail;
	if (interrupted) {
		tp_warn("bench: interrupted; results hold every finished repeat");
		ret = TP_EXIT_INTERRUPTED;
	} else if (rc < 0) {
		goto fail;
	} else {
		ret = rc ? TP_EXIT_NEGATIVE : TP_EXIT_OK;
	}
	goto out;
fail:
	ret = tp_error_exit_code();
out:
	tp_bench_free(b);
	tp_results_release(&res);
	if (probed)
		tp_machine_release(&m);
	tp_inputs_free(in);
	tp_workload_free(wl);
	free(sstore);
	free(tstore);
	return ret;
}

const struct tp_cmd_desc tp_cmd_bench = {
	.name = "bench",
	.summary = "measure worker x batch x strategy combinations of a workload",
	.usage = "tunepool bench WORKLOAD [--workers LIST] [--batch LIST] [--strategy LIST] "
		 "[--start LIST] [--repeat N] [--warmup N] [-o results.json] [--csv FILE]",
	.help =
	"Runs every valid combination of the lists given (start applies to the\n"
	"process strategy only, exec to commands only), --warmup discarded runs and\n"
	"--repeat measured runs of each, interleaved in a random order (--seed).\n"
	"Prints the median tasks/s with its 95% CI per config; -o writes results.json,\n"
	"--csv one row per repeat.\n\n"
	"WORKLOAD (one of):\n"
	"  -w, --workload NAME[:k=v,...]   a built-in workload (see 'tunepool workloads')\n"
	"  --plugin LIB.so[:arg]          a plugin (include/tunepool/plugin.h)\n"
	"  -- COMMAND ARGS...             a command per input; {} {.} {/} {//} {#}\n"
	"inputs (one of; default: standard input):\n"
	"  --count N | ::: ARGS... | --inputs FILE ('-' is standard input)\n"
	"configurations:\n"
	"  --workers LIST      worker counts, e.g. 1,2,4 or 1-8 (default: 1, 2, 4 ... up\n"
	"                      to the probe's seed for the workload's class)\n"
	"  --batch LIST        tasks per dispatch (default 1; exec: 1 unless --multi-input)\n"
	"  --strategy LIST     thread, process, exec, persistent (default thread;\n"
	"                      commands: exec, or persistent with --persistent)\n"
	"  --persistent lines|json   COMMAND started once per worker and fed one record\n"
	"                      per input; tasks/s is the steady state, start-up and init\n"
	"                      are reported apart (pool::worker_start_s); batch = records\n"
	"                      in flight per worker\n"
	"  --start LIST        fork, spawn: how process workers start (default spawn)\n"
	"  --repeat N          measured runs per config (default 5)\n"
	"  --warmup N          discarded runs per config first (default 1)\n"
	"  --seed N            seed of the run order (default 1)\n"
	"runs:\n"
	"  --timeout T|P%      per task: 10s, 500ms, or P% of the median task time\n"
	"  --retries N         extra attempts of a failed task\n"
	"  --shell             run commands through /bin/sh -c\n"
	"  --multi-input       a batch of inputs goes to one command invocation\n"
	"  --keep-going        measure every config even after tasks fail (exit 1)\n"
	"  --bar               progress line on stderr even when it is not a terminal\n"
	"output:\n"
	"  -o, --output FILE   results.json (written atomically)\n"
	"  --csv FILE          one row per repeat\n\n"
	"examples:\n"
	"  tunepool bench -w cpu:bytes=4K --count 100000 --workers 1,2 --batch 1,16 \\\n"
	"      --strategy thread,process --start fork,spawn -o results.json --csv results.csv\n"
	"  tunepool bench --count 500 --workers 1,2 -- /bin/echo {}\n"
	"  tunepool bench --plugin ./build/plugins/upper.so --count 1000\n"
	"exit: 0 ok, 1 tasks failed, 2 bad usage, 3 system error, 130 interrupted\n"
	"(results then hold every finished repeat).\n",
	.run = bench_run,
};
