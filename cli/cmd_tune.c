/* `tunepool tune`: find the best configuration and write tunepool.conf; with
 * --suite, the pre-deployment run over the built-in workload classes. */
#include "cli/cmd.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "probes/machine.h"
#include "runner/inputs.h"
#include "runner/pool.h"
#include "runner/signals.h"
#include "tuner/conf.h"
#include "tuner/search.h"
#include "tuner/tune.h"
#include "workloads/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tune_args {
	struct tp_tune_opts o;
	const char *spec, *plugin, *inputs_file, *conf_path, *results_path, *suite_dir;
	const char *task_output;	/* --task-output FILE; NULL: the tasks' stdout is discarded */
	long long count;
	int suite, quiet, verbose;
	char **cmd;			/* after -- */
	int ncmd;
	char **args;			/* after ::: */
	int nargs;
};

/* A stop signal (runner/signals.h): the tuning run ends, nothing more runs. */
static void stop_tune(void *slot)
{
	tp_tune_stop(slot);
}

/* "60s", "2m" (time) or "40" (evaluations). */
static int parse_budget(const char *s, struct tp_tune_opts *o)
{
	long long n;
	double secs;

	if (!tp_parse_long(s, &n)) {
		if (n < 1 || n > 1000000)
			return -1;
		o->budget_evals = (int)n;
		return 0;
	}
	if (tp_parse_duration(s, &secs) || !(secs > 0))
		return -1;
	o->budget_s = secs;
	return 0;
}

/* The inputs: ::: ARGS, --inputs FILE, or none (count-driven built-ins). */
static int collect_inputs(struct tune_args *a, char ***out, size_t *n)
{
	struct tp_inputs *in;
	const char *line;
	size_t len, alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (a->nargs) {
		*out = a->args;
		*n = (size_t)a->nargs;
		return 0;
	}
	if (a->count > 0 && !a->inputs_file) {
		long long i;

		*out = tp_xmalloc((size_t)a->count * sizeof(**out));
		for (i = 0; i < a->count; i++)
			(*out)[i] = tp_xasprintf("%lld", i + 1);
		*n = (size_t)a->count;
		return 1;	/* owned */
	}
	if (!a->inputs_file)
		return 0;
	if (tp_inputs_from_file(&in, a->inputs_file, 1))
		return -1;
	while ((rc = tp_inputs_next(in, &line, &len)) == 1) {
		tp_grow((void **)out, &alloc, *n + 1, sizeof(**out));
		(*out)[(*n)++] = tp_xstrndup(line, len);
	}
	tp_inputs_free(in);
	if (rc < 0)
		return -1;
	if (!*n)
		return tp_usage_error("tune: no inputs in '%s'", a->inputs_file);
	return 1;
}

static void print_rec(FILE *f, const struct tp_results *r, const struct tp_tuned_conf *c)
{
	char buf[96];
	size_t i;

	fprintf(f, "recommended: %s", tp_config_format(&r->rec.config, buf, sizeof(buf)));
	if (tp_recommendation_objective(&r->rec) == TP_OBJ_LATENCY)
		fprintf(f, "  p95 %.4g s [%.4g, %.4g]\n", r->rec.value, r->rec.ci_low,
			r->rec.ci_high);
	else
		fprintf(f, "  %s %.4g [%.4g, %.4g]%s\n", r->rec.objective, r->rec.value,
			r->rec.ci_low, r->rec.ci_high,
			tp_recommendation_objective(&r->rec) == TP_OBJ_EFFICIENCY ? " tasks/s/worker"
										    : " tasks/s");
	if (*r->model.kind)
		fprintf(f, "model: %s sigma=%.4g kappa=%.4g N*=%.4g (r2 %.3f, %d worker counts)\n",
			r->model.kind, r->model.sigma, r->model.kappa, r->model.peak_workers,
			r->model.r2, r->model.points);
	if (r->rec.nnear) {
		fprintf(f, "near-equivalent:");
		for (i = 0; i < r->rec.nnear && i < 8; i++)
			fprintf(f, "%s %s", i ? "," : "",
				tp_config_format(&r->rec.near[i], buf, sizeof(buf)));
		fprintf(f, "%s\n", r->rec.nnear > 8 ? ", ..." : "");
	}
	(void)c;
}

/* The tasks' stdout is not tune's: it goes to /dev/null, or to --task-output
 * FILE, while the search runs (exec children inherit fd 1).  Returns the
 * saved stdout to restore, or -1 with an error. */
static int divert_stdout(const char *path)
{
	int saved, fd;

	fflush(stdout);
	fd = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return tp_error("cannot open '%s': %s", path ? path : "/dev/null", strerror(errno));
	saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (saved < 0 || dup2(fd, 1) < 0) {
		tp_error("cannot redirect the tasks' output: %s", strerror(errno));
		if (saved >= 0)
			close(saved);
		close(fd);
		return -1;
	}
	close(fd);
	return saved;
}

/* Puts stdout back; a failed write of the tasks' output file is an error. */
static int restore_stdout(int saved, const char *path)
{
	int rc = 0;

	if (path && fsync(1) < 0 && errno != EINVAL)
		rc = tp_error("cannot write '%s': %s", path, strerror(errno));
	if (dup2(saved, 1) < 0)
		rc = tp_error("cannot restore standard output: %s", strerror(errno));
	close(saved);
	return rc;
}

static int tune_one(struct tune_args *a, struct tp_workload *wl, char **inputs, size_t n,
		    const struct tp_machine *m, const char *conf_path, const char *results_path,
		    struct tp_results *res, struct tp_tuned_conf *conf)
{
	int interrupted = 0, saved, rc;

	if ((saved = divert_stdout(a->task_output)) < 0)
		return TP_EXIT_SYSTEM;
	rc = tp_tune(wl, inputs, n, m, &a->o, res, conf, &interrupted);
	if (restore_stdout(saved, a->task_output) && !rc)
		return TP_EXIT_SYSTEM;
	if (rc) {
		if (interrupted)
			return tp_signals_exit_code(tp_signals_caught() ? tp_signals_caught() : SIGINT);
		return tp_error_exit_code();
	}
	if (conf_path && tp_conf_write(conf_path, conf))
		return tp_error_exit_code();
	if (results_path && tp_results_write(res, results_path))
		return tp_error_exit_code();
	return interrupted ? tp_signals_exit_code(tp_signals_caught() ? tp_signals_caught() : SIGINT)
			   : TP_EXIT_OK;
}

/* The pre-deployment suite: one workload per class, small task sizes, a
 * per-workload budget that keeps the whole run under five minutes. */
static const struct {
	const char *name, *spec;
} suite[] = {
	{ "cpu", "cpu:bytes=64K" },
	{ "membw", "membw:bytes=6M" },
	{ "memlat", "memlat:bytes=4M,steps=20000" },
	{ "io", "io:bytes=16K" },
	{ "sleep", "sleep:ms=5" },
	{ "lock", "lock:cs_us=1000,wait_us=4000" },
};
#define NSUITE (sizeof(suite) / sizeof(suite[0]))

static int run_suite(struct tune_args *a, const struct tp_machine *m)
{
	const char *dir = a->suite_dir ? a->suite_dir : "tune-results";
	struct tp_strbuf ini = TP_STRBUF_INIT, table = TP_STRBUF_INIT;
	char date[32];
	size_t i;
	int rc = TP_EXIT_OK;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return tp_error("cannot create '%s': %s", dir, strerror(errno)), TP_EXIT_SYSTEM;
	if (!a->o.budget_s && !a->o.budget_evals)
		a->o.budget_s = 35;	/* x 6 workloads, plus calibration: < 5 min */
	if (a->o.min_time_s == 0.1)
		a->o.min_time_s = 0.05;
	tp_utc_date(date, sizeof(date));
	tp_strbuf_addf(&ini, "# tunepool suite: one section per workload class\n"
		       "# machine: %s\n# date: %s\n", m->fingerprint, date);
	tp_strbuf_addf(&table, "%-8s %-34s %8s %6s %-14s %12s %s\n", "class", "workload", "workers",
		       "batch", "strategy", "tasks/s", "model");
	for (i = 0; i < NSUITE && !a->o.slot->stop; i++) {
		struct tp_workload *wl = NULL;
		struct tp_results res;
		struct tp_tuned_conf conf;
		char *cpath, *rpath, method[2 * TP_NAME_MAX + 1];
		int r;

		if (tp_workload_new(&wl, suite[i].spec)) {
			rc = tp_error_exit_code();
			continue;
		}
		if (!a->quiet)
			fprintf(stderr, "tunepool: suite %zu/%zu: %s\n", i + 1, NSUITE, suite[i].spec);
		cpath = tp_xasprintf("%s/%s.conf", dir, suite[i].name);
		rpath = tp_xasprintf("%s/%s.json", dir, suite[i].name);
		tp_results_init(&res);
		r = tune_one(a, wl, NULL, 0, m, cpath, rpath, &res, &conf);
		if (r) {
			rc = r;
			tp_strbuf_addf(&table, "%-8s %-34s failed\n", suite[i].name, suite[i].spec);
		} else {
			snprintf(method, sizeof(method), "%s%s%s", conf.strategy,
				 *conf.start ? "/" : "", conf.start);
			tp_strbuf_addf(&ini, "\n[%s]\nworkload = %s\nworkers = %d\nbatch = %d\n"
				       "strategy = %s\nstart = %s\nthroughput = %.6g\nconfig = %s\n",
				       suite[i].name, conf.workload, conf.workers, conf.batch,
				       conf.strategy, *conf.start ? conf.start : "none",
				       conf.throughput, cpath);
			tp_strbuf_addf(&table, "%-8s %-34s %8d %6d %-14s %12.4g %s\n", suite[i].name,
				       suite[i].spec, conf.workers, conf.batch, method,
				       conf.throughput, *res.model.kind ? res.model.kind : "-");
		}
		tp_results_release(&res);
		tp_workload_free(wl);
		free(cpath);
		free(rpath);
	}
	{
		char *p = tp_xasprintf("%s/suite.conf", dir), *q = tp_xasprintf("%s/summary.txt", dir);

		if (tp_write_file_atomic(p, ini.buf, ini.len) ||
		    tp_write_file_atomic(q, table.buf, table.len))
			rc = TP_EXIT_SYSTEM;
		free(p);
		free(q);
	}
	fputs(table.buf, stdout);
	printf("configs and results in %s/ (suite.conf: one section per class)\n", dir);
	tp_strbuf_release(&ini);
	tp_strbuf_release(&table);
	return rc;
}

static const struct option tune_longopts[] = {
	{ "workload", required_argument, NULL, 'w' },
	{ "plugin", required_argument, NULL, 'P' },
	{ "search", required_argument, NULL, 's' },
	{ "objective", required_argument, NULL, 'O' },
	{ "budget", required_argument, NULL, 'b' },
	{ "sample", required_argument, NULL, 'k' },
	{ "seed", required_argument, NULL, 'S' },
	{ "output", required_argument, NULL, 'o' },
	{ "results", required_argument, NULL, 'r' },
	{ "inputs", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'n' },
	{ "fresh", no_argument, NULL, 'F' },
	{ "suite", no_argument, NULL, 'U' },
	{ "max-workers", required_argument, NULL, 'M' },
	{ "min-time", required_argument, NULL, 'T' },
	{ "max-repeats", required_argument, NULL, 'R' },
	{ "shell", no_argument, NULL, 'H' },
	{ "multi-input", no_argument, NULL, 'X' },
	{ "persistent", required_argument, NULL, 'Y' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "mem-per-worker", required_argument, NULL, 'W' },
	{ "task-output", required_argument, NULL, 'A' },
	{ NULL, 0, NULL, 0 },
};

/* One option into a: 0, or the exit code of a bad value.  One switch on
 * purpose (~110 lines): a case per option, each its own check. */
static int tune_option(int c, struct tune_args *a)
{
	long long v;
	double d;

	switch (c) {
	case 'w':
		a->spec = optarg;
		break;
	case 'P':
		a->plugin = optarg;
		break;
	case 's':
		if (!tp_search_find(optarg))
			return TP_EXIT_USAGE;
		a->o.search = optarg;
		break;
	case 'O':
		if (tp_objective_parse(optarg, &a->o.objective))
			return tp_usage_error("tune: --objective '%s' is not throughput, "
					      "latency or efficiency", optarg), TP_EXIT_USAGE;
		break;
	case 'b':
		if (parse_budget(optarg, &a->o))
			return tp_usage_error("tune: --budget '%s' is neither a time (60s, 2m) "
					      "nor a number of runs (40)", optarg), TP_EXIT_USAGE;
		if (a->o.budget_evals == 1)
			return tp_usage_error("tune: --budget '%s' is too small: measuring one "
					      "config takes 2 runs (a warm-up and a measured "
					      "run); give at least 2", optarg), TP_EXIT_USAGE;
		break;
	case 'k':
		if (tp_parse_long(optarg, &v) || v < 1)
			return tp_usage_error("tune: --sample '%s' is not a positive count",
					      optarg), TP_EXIT_USAGE;
		a->o.sample = v;
		break;
	case 'S':
		if (tp_parse_long(optarg, &v) || v < 0)
			return tp_usage_error("tune: --seed '%s' is not a number", optarg),
			       TP_EXIT_USAGE;
		a->o.seed = (unsigned long)v;
		break;
	case 'o':
		a->conf_path = a->suite_dir = optarg;
		break;
	case 'r':
		a->results_path = optarg;
		break;
	case 'i':
		a->inputs_file = optarg;
		break;
	case 'n':
		if (tp_parse_long(optarg, &v) || v < 1 || v > 10000000)
			return tp_usage_error("tune: --count '%s' is not a count (1..1e7)",
					      optarg), TP_EXIT_USAGE;
		a->count = v;
		break;
	case 'F':
		a->o.fresh = 1;
		break;
	case 'U':
		a->suite = 1;
		break;
	case 'M':
		if (tp_parse_long(optarg, &v) || v < 1 || v > 1000000)
			return tp_usage_error("tune: --max-workers '%s' is not a count",
					      optarg), TP_EXIT_USAGE;
		a->o.max_workers = (int)v;
		break;
	case 'T':
		if (tp_parse_duration(optarg, &d) || !(d > 0) || d > 3600)
			return tp_usage_error("tune: --min-time '%s' is not a duration",
					      optarg), TP_EXIT_USAGE;
		a->o.min_time_s = d;
		break;
	case 'R':
		if (tp_parse_long(optarg, &v) || v < 2 || v > 1000)
			return tp_usage_error("tune: --max-repeats '%s' is not 2..1000",
					      optarg), TP_EXIT_USAGE;
		a->o.max_repeats = (int)v;
		break;
	case 'H':
		a->o.shell = 1;
		break;
	case 'X':
		a->o.multi_input = 1;
		break;
	case 'Y':
		a->o.persistent = optarg;
		break;
	case 'q':
		a->quiet = 1;
		break;
	case 'v':
		a->verbose = 1;
		break;
	case 'W':
		if (tp_parse_size(optarg, &d) || d < 1024 || d > 1e18)
			return tp_usage_error("tune: --mem-per-worker '%s' is not a size of at "
					      "least 1K (examples: 512M, 2G)", optarg), TP_EXIT_USAGE;
		a->o.mem_per_worker_kb = (long long)(d / 1024);
		break;
	case 'A':
		a->task_output = optarg;
		break;
	default:
		return TP_EXIT_USAGE;
	}
	return 0;
}

/* The command line into a: 0, or the exit code of a usage error. */
static int parse_tune_args(int argc, char **argv, struct tune_args *a)
{
	int c, nopt = argc, rc;
	size_t i;

	memset(a, 0, sizeof(*a));
	tp_tune_opts_init(&a->o);
	a->conf_path = "tunepool.conf";
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--")) {
			nopt = (int)i;
			a->cmd = argv + i + 1;
			a->ncmd = argc - (int)i - 1;
			break;
		}
	}
	optind = 0;
	while ((c = tp_cli_getopt(nopt, argv, "w:s:b:o:qv", tune_longopts, "tune")) != -1) {
		if ((rc = tune_option(c, a)))
			return rc;
	}
	/* Positionals: [SPEC] [::: INPUTS...]; after --: COMMAND ... [::: INPUTS...]. */
	for (i = (size_t)optind; i < (size_t)nopt; i++) {
		if (!strcmp(argv[i], ":::")) {
			a->args = argv + i + 1;
			a->nargs = nopt - (int)i - 1;
			break;
		}
		if (a->spec || a->suite)
			return tp_usage_error("tune: unexpected argument '%s'", argv[i]),
			       TP_EXIT_USAGE;
		a->spec = argv[i];
	}
	for (i = 0; i < (size_t)a->ncmd; i++) {
		if (!strcmp(a->cmd[i], ":::")) {
			if (a->nargs)
				return tp_usage_error("tune: ':::' given twice"), TP_EXIT_USAGE;
			a->args = a->cmd + i + 1;
			a->nargs = a->ncmd - (int)i - 1;
			a->ncmd = (int)i;
			break;
		}
	}
	if (a->ncmd == 0 && a->cmd && !a->spec && !a->plugin)
		return tp_usage_error("tune: no command after '--'"), TP_EXIT_USAGE;
	return 0;
}


static int run_tune(int argc, char **argv)
{
	struct tune_args a;
	struct tp_probe_opts popts;
	struct tp_machine m;
	struct tp_workload *wl = NULL;
	struct tp_results res;
	struct tp_tuned_conf conf;
	struct tp_tune_slot slot;
	char **inputs = NULL;
	size_t ninputs = 0, i;
	int owned, rc;

	if ((rc = parse_tune_args(argc, argv, &a)))
		return rc;
	tp_log_set_quiet(a.quiet || (!a.verbose && !isatty(STDERR_FILENO)));

	if (!a.suite) {
		const struct tp_path_role roles[] = {
			{ "--inputs", a.inputs_file }, { "-o", a.conf_path },
			{ "--results", a.results_path },
		};

		if (tp_output_check("-o", a.conf_path) || tp_output_check("--results", a.results_path) ||
		    tp_paths_check_distinct(roles, 3))
			return tp_error_exit_code();
	}
	memset(&popts, 0, sizeof(popts));
	popts.skip_counters = 1;
	popts.mem_per_worker_kb = a.o.mem_per_worker_kb;
	if (tp_machine_probe(&m, &popts))
		return tp_error_exit_code();
	memset(&slot, 0, sizeof(slot));
	a.o.slot = &slot;
	if (a.suite) {
		if (a.spec || a.ncmd || a.plugin) {
			rc = (tp_usage_error("tune: --suite takes no workload"), TP_EXIT_USAGE);
		} else {
			tp_signals_push(stop_tune, &slot);
			rc = run_suite(&a, &m);
			tp_signals_pop();
		}
		tp_machine_release(&m);
		return rc;
	}
	if (tp_workload_from_cli(&wl, a.spec, a.plugin, a.cmd, a.ncmd, "tune")) {
		tp_machine_release(&m);
		return tp_error_exit_code();
	}
	owned = collect_inputs(&a, &inputs, &ninputs);
	if (owned < 0) {
		rc = tp_error_exit_code();
		goto out;
	}
	if ((wl->desc->flags & TP_WL_COMMAND) && !ninputs) {
		tp_usage_error("tune: a command needs inputs: ::: ARGS, --inputs FILE or --count N");
		rc = TP_EXIT_USAGE;
		goto out;
	}
	tp_results_init(&res);
	tp_signals_push(stop_tune, &slot);
	rc = tune_one(&a, wl, inputs, ninputs, &m, a.conf_path, a.results_path, &res, &conf);
	tp_signals_pop();
	if (!rc) {
		print_rec(stdout, &res, &conf);
		printf("wrote %s%s%s\n", a.conf_path, a.results_path ? " and " : "",
		       a.results_path ? a.results_path : "");
	}
	tp_results_release(&res);
out:
	if (tp_pool_abandoned()) {
		tp_pool_keep_workload(wl);	/* its code may still run in an abandoned thread */
		wl = NULL;
	}
	if (owned > 0) {
		for (i = 0; i < ninputs; i++)
			free(inputs[i]);
		free(inputs);
	}
	tp_workload_free(wl);
	tp_machine_release(&m);
	return rc;
}

const struct tp_cmd_desc tp_cmd_tune = {
	.name = "tune",
	.summary = "find the best configuration and write tunepool.conf",
	.usage = "tunepool tune WORKLOAD [--search {names:searches}] "
		 "[--objective {names:objectives}] [--budget 60s|40] [--sample K] "
		 "[--seed N] [-o tunepool.conf] [--results results.json]\n"
		 "       tunepool tune --suite [-o DIR]",
	.help = "WORKLOAD: -w NAME[:key=value,...] (or NAME as the first argument), --plugin "
		"LIB.so[:arg],\n"
		"  or -- COMMAND ARGS... with inputs (::: ARGS, --inputs FILE, --count N)\n"
		"\noptions:\n"
		"  -s, --search S       one of (default auto):\n"
		"                         {list:searches}\n"
		"      --objective O    one of:\n"
		"                         {list:objectives}\n"
		"  -b, --budget B       time (60s, 2m) or runs (40, at least 2); default: until the\n"
		"                       search ends; one config is measured even past a time budget\n"
		"      --sample K       tune on K of the inputs (seeded; stratified by file size)\n"
		"      --seed N         seed of sampling and interleaving (default 1)\n"
		"  -o, --output FILE    tunepool.conf to write (default tunepool.conf); DIR with --suite\n"
		"      --results FILE   results.json with every trial, the model, the recommendation\n"
		"      --fresh          ignore the result cache ($XDG_CACHE_HOME/tunepool)\n"
		"      --max-workers N  cap the worker counts tried\n"
		"      --min-time T     length of one measured run (default 100ms)\n"
		"      --max-repeats N  repeat cap per config (default 10; CI target 2%)\n"
		"      --mem-per-worker SIZE  memory one worker needs (512M): bounds the widths\n"
		"                       tried and is written to the conf (default: measured)\n"
		"      --task-output FILE  keep the tasks' standard output there (default: discarded)\n"
		"      --suite          tune cpu, membw, memlat, io, sleep and lock (< 5 min)\n"
		"      --persistent lines|json   tune the command's persistent workers (started\n"
		"                       once each, fed records); start-up and init are timed\n"
		"                       apart from the steady tasks/s; the conf says\n"
		"                       strategy = persistent and its framing\n"
		"  -q, --quiet          no progress on stderr\n"
		"\nexamples:\n"
		"  tunepool tune -w sleep:ms=20 --budget 30s\n"
		"  tunepool tune --search grid -w lock:cs_mode=sleep,cs_us=2000,wait_us=8000 --results r.json\n"
		"  tunepool tune --budget 40 --sample 50 -- gzip -6 -c {} ::: data/*\n"
		"  tunepool tune --suite -o tune-results\n",
	.run = run_tune,
};
