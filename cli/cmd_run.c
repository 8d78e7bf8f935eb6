/* `tunepool run`: run jobs with a tuned pool whose width a monitor and a controller keep adjusting. */
#include "cli/cmd.h"
#include "cli/cmd_fleet.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/opt.h"
#include "runner/bind.h"
#include "runner/journal.h"
#include "runner/run.h"
#include "runner/stages.h"
#include "tuner/conf.h"
#include "tuner/conf_select.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_halt(const char *s, struct tp_run_opts *o)
{
	const char *comma = strchr(s, ','), *val;
	size_t wl = comma ? (size_t)(comma - s) : strlen(s);
	char num[32];
	double v;

	if (wl == 5 && !strncmp(s, "never", 5) && !comma) {
		o->halt = TP_HALT_NEVER;
		return 0;
	}
	if (wl == 3 && !strncmp(s, "now", 3))
		o->halt = TP_HALT_NOW;
	else if (wl == 4 && !strncmp(s, "soon", 4))
		o->halt = TP_HALT_SOON;
	else
		return tp_usage_error("run: --halt '%s' is not now|soon[,fail=N|N%%] or never", s);
	o->halt_fail = 1;
	o->halt_pct = 0;
	o->halt_what = TP_HALT_FAIL;
	if (!comma)
		return 0;
	if (!strncmp(comma + 1, "fail=", 5)) {
		val = comma + 6;
	} else if (!strncmp(comma + 1, "success=", 8)) {
		o->halt_what = TP_HALT_SUCCESS;
		val = comma + 9;
	} else if (!strncmp(comma + 1, "done=", 5)) {
		o->halt_what = TP_HALT_DONE;
		val = comma + 6;
	} else {
		return tp_usage_error("run: --halt '%s': expected fail=, success= or done= N or N%% after the comma",
				      s);
	}
	snprintf(num, sizeof(num), "%s", val);
	if (num[0] && num[strlen(num) - 1] == '%') {
		num[strlen(num) - 1] = '\0';
		o->halt_pct = 1;
	}
	if (tp_parse_double(num, &v) || v <= 0 || (o->halt_pct && v > 100))
		return tp_usage_error("run: --halt '%s': '%s' is not a positive count or percentage",
				      s, val);
	o->halt_fail = v;
	return 0;
}

static int parse_timeout(const char *s, struct tp_run_opts *o)
{
	size_t n = strlen(s);
	double v;

	if (n && s[n - 1] == '%') {
		char buf[32];

		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 1), s);
		if (tp_parse_double(buf, &v) || v <= 0)
			return tp_usage_error("run: --timeout '%s' is not a positive percentage", s);
		o->timeout_pct = v;
		return 0;
	}
	if (tp_parse_duration(s, &v) || v <= 0)
		return tp_usage_error("run: --timeout '%s' is not a duration (30s, 500ms) or P%%", s);
	o->timeout_s = v;
	return 0;
}

static int parse_int(const char *opt, const char *s, int min, int *out)
{
	long long v;

	if (tp_parse_long(s, &v) || v < min || v > 1000000)
		return tp_usage_error("run: %s '%s' is not an integer >= %d", opt, s, min);
	*out = (int)v;
	return 0;
}

/* The widths `tunepool export --format env` writes, as defaults below the
 * command line (and above tunepool.conf): TUNEPOOL_WORKERS, _MIN_WORKERS,
 * _MAX_WORKERS.  An empty one is unset. */
static int env_defaults(struct tp_run_opts *o)
{
	static const struct { const char *name; size_t off; } ints[] = {
		{ "TUNEPOOL_WORKERS", offsetof(struct tp_run_opts, workers) },
		{ "TUNEPOOL_MIN_WORKERS", offsetof(struct tp_run_opts, min_workers) },
		{ "TUNEPOOL_MAX_WORKERS", offsetof(struct tp_run_opts, max_workers) },
	};
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int *field = (int *)((char *)o + ints[i].off);

		v = getenv(ints[i].name);
		if (*field || !v || !*v)
			continue;
		if (parse_int(ints[i].name, v, 1, field) < 0)
			return -1;
	}
	return 0;
}

/* Long-only options past the letters. */
enum {
	OPT_MIN_WORKERS = 256, OPT_COUNT, OPT_WORKERS,
	/* GNU parallel's syntax (issue 13), one group: */
	OPT_LINK, OPT_COLSEP, OPT_DRY_RUN, OPT_TAG, OPT_TAGSTRING, OPT_SUMMARY,
	OPT_LINE_BUFFER, OPT_DELAY, OPT_NICE, OPT_MEMFREE, OPT_LOAD, OPT_STRATEGY, OPT_START,
	OPT_JOBLOG_FORMAT,
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "batch", required_argument, NULL, 'b' },
	{ "adaptive", no_argument, NULL, 'A' },
	{ "static", no_argument, NULL, 'S' },
	{ "controller", required_argument, NULL, 'C' },
	{ "min-workers", required_argument, NULL, OPT_MIN_WORKERS },
	{ "max-workers", required_argument, NULL, 'M' },
	{ "interval", required_argument, NULL, 'I' },
	{ "joblog", required_argument, NULL, 'J' },
	{ "resume", no_argument, NULL, 'r' },
	{ "resume-failed", no_argument, NULL, 'R' },
	{ "retries", required_argument, NULL, 't' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "halt", required_argument, NULL, 'H' },
	{ "keep-order", no_argument, NULL, 'k' },
	{ "bar", no_argument, NULL, 'B' },
	{ "log-decisions", required_argument, NULL, 'L' },
	{ "results", required_argument, NULL, 'o' },
	{ "inputs", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "workload", required_argument, NULL, 'w' },
	{ "plugin", required_argument, NULL, 'P' },
	{ "shell", no_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "section", required_argument, NULL, 1401 },
	{ "mem-per-worker", required_argument, NULL, 1402 },
	{ "bind", required_argument, NULL, 1403 },
	/* GNU parallel's syntax (issue 13): */
	{ "jobs", required_argument, NULL, 'j' },
	{ "arg-file", required_argument, NULL, 'a' },
	{ "null", no_argument, NULL, '0' },
	{ "link", no_argument, NULL, OPT_LINK },
	{ "colsep", required_argument, NULL, OPT_COLSEP },
	{ "max-args", required_argument, NULL, 'n' },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "tag", no_argument, NULL, OPT_TAG },
	{ "tagstring", required_argument, NULL, OPT_TAGSTRING },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "ungroup", no_argument, NULL, 'u' },
	{ "line-buffer", no_argument, NULL, OPT_LINE_BUFFER },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "nice", required_argument, NULL, OPT_NICE },
	{ "memfree", required_argument, NULL, OPT_MEMFREE },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "strategy", required_argument, NULL, OPT_STRATEGY },
	{ "start", required_argument, NULL, OPT_START },
	{ "joblog-format", required_argument, NULL, OPT_JOBLOG_FORMAT },
	{ "persistent", required_argument, NULL, 'W' },
	{ "stage", required_argument, NULL, 'Z' },
	{ NULL, 0, NULL, 0 },
};

/* What separates the command from its inputs, and how. */
static int source_mark(const char *a, int *files, int *linked)
{
	*files = !strcmp(a, "::::") || !strcmp(a, "::::+");
	*linked = !strcmp(a, ":::+") || !strcmp(a, "::::+");
	return *files || *linked || !strcmp(a, ":::");
}

/* Everything from the first ::: / :::: on is inputs: sources into o->src. */
static int parse_sources(int argc, char **argv, int first, struct tp_run_opts *o)
{
	int i = first;

	while (i < argc) {
		int files, linked, j;

		source_mark(argv[i], &files, &linked);
		for (j = i + 1; j < argc && !source_mark(argv[j], &(int){ 0 }, &(int){ 0 }); j++)
			;
		if (files) {
			int k;

			if (j == i + 1)
				return tp_usage_error("run: '%s' needs a file", argv[i]);
			for (k = i + 1; k < j; k++) {
				if (o->nsrc >= TP_RUN_SOURCES_MAX)
					return tp_usage_error("run: more than %d input sources", TP_RUN_SOURCES_MAX);
				o->src[o->nsrc].path = argv[k];
				o->src[o->nsrc++].linked = linked && k == i + 1;
			}
		} else {
			if (o->nsrc >= TP_RUN_SOURCES_MAX)
				return tp_usage_error("run: more than %d input sources", TP_RUN_SOURCES_MAX);
			o->src[o->nsrc].args = argv + i + 1;
			o->src[o->nsrc].nargs = j - i - 1;
			o->src[o->nsrc++].linked = linked;
		}
		i = j;
	}
	return 0;
}

/* One sequence on purpose (~150 lines): the option switch, then the checks
 * between options; each case is one line. */
static int parse_args(int argc, char **argv, struct tp_run_opts *o, int *cmd_start, int *cmd_end,
		      int *in_start)
{
	int c, i, optc = argc;

	memset(o, 0, sizeof(*o));
	o->adaptive = -1;
	o->count = -1;
	optind = 0;
	/* Everything after the first ::: or :::: is inputs, '--' or not: the
	 * options end there, and at the command's first word ('+'). */
	*in_start = -1;
	for (i = 1; i < argc; i++) {
		int f, l;

		if (source_mark(argv[i], &f, &l)) {
			optc = i;
			*in_start = i;
			break;
		}
	}
	while ((c = tp_cli_getopt(optc, argv, "+j:b:kw:qa:0Xmn:u", longopts, "run")) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case OPT_WORKERS: if (parse_int("--workers", optarg, 1, &o->workers)) return -1; break;
		case 'j': if (tp_run_parse_jobs(optarg, o)) return -1; break;
		case 'b': if (parse_int("--batch", optarg, 1, &o->batch)) return -1; break;
		case 'A': o->adaptive = 1; break;
		case 'S': o->adaptive = 0; break;
		case 'C': o->controller = optarg; break;
		case OPT_MIN_WORKERS: if (parse_int("--min-workers", optarg, 1, &o->min_workers)) return -1; break;
		case 'M': if (parse_int("--max-workers", optarg, 1, &o->max_workers)) return -1; break;
		case 'I':
			if (tp_parse_duration(optarg, &o->interval_s) || o->interval_s < 0.01 ||
			    o->interval_s > 60)
				return tp_usage_error("run: --interval '%s' is not a duration between 10ms and 60s",
						      optarg);
			break;
		case 'J': o->joblog = optarg; break;
		case 'r': o->resume = TP_RESUME_ALL; break;
		case 'R': o->resume = TP_RESUME_FAILED; break;
		case 't': if (parse_int("--retries", optarg, 0, &o->retries)) return -1; break;
		case 'T': if (parse_timeout(optarg, o)) return -1; break;
		case 'H': if (parse_halt(optarg, o)) return -1; break;
		case 'k': o->keep_order = 1; break;
		case 'B': o->bar = 1; break;
		case 'L': o->log_decisions = optarg; break;
		case 'o': o->results = optarg; break;
		case 'i': o->inputs_file = optarg; break;
		case OPT_COUNT: {
			long long v;

			if (tp_parse_long(optarg, &v) || v < 0)
				return tp_usage_error("run: --count '%s' is not a count", optarg);
			o->count = v;
			break;
		}
		case 'w': o->workload_spec = optarg; break;
		case 'P': o->plugin = optarg; break;
		case 's': o->shell = 1; break;
		case 'q': o->quiet = 1; break;
		case 1401: o->section = optarg; break;
		case 1403: {
			enum tp_bind_mode m;

			if (tp_bind_parse(optarg, &m))
				return tp_usage_error("run: --bind '%s' is not none, core or numa", optarg);
			o->bind = optarg;
			break;
		}
		case 1402: {
			double bytes;

			if (tp_parse_size(optarg, &bytes) || bytes < 1024 || bytes > 1e18)
				return tp_usage_error("run: --mem-per-worker '%s' is not a size of at least 1K (examples: 512M, 2G)",
						      optarg);
			o->mem_per_worker_kb = (long long)(bytes / 1024);
			break;
		}
		/* GNU parallel's syntax (issue 13): */
		case 'a':
			if (o->nsrc >= TP_RUN_SOURCES_MAX)
				return tp_usage_error("run: more than %d input sources", TP_RUN_SOURCES_MAX);
			o->src[o->nsrc++].path = optarg;
			break;
		case '0': o->null_sep = 1; break;
		case OPT_LINK: o->link = 1; break;
		case OPT_COLSEP:
			if (!*optarg)
				return tp_usage_error("run: --colsep '' is empty");
			o->colsep = optarg;	/* checked when the inputs are open */
			break;
		case 'X': case 'm': o->multi = c; break;
		case 'n': if (parse_int("--max-args", optarg, 1, &o->max_args)) return -1; break;
		case OPT_DRY_RUN: o->dry_run = 1; break;
		case OPT_TAG: o->tag = 1; break;
		case OPT_TAGSTRING: o->tagstring = optarg; break;
		case OPT_SUMMARY: o->summary = 1; break;
		case 'u': o->ungroup = 1; break;
		case OPT_LINE_BUFFER: o->line_buffer = 1; break;
		case OPT_DELAY:
			if (tp_parse_duration(optarg, &o->delay_s) || o->delay_s < 0 || o->delay_s > 86400)
				return tp_usage_error("run: --delay '%s' is not a duration (0.5, 200ms, 2s)", optarg);
			break;
		case OPT_NICE:
			if (parse_int("--nice", optarg, 0, &o->nice) || o->nice > 19)
				return tp_usage_error("run: --nice '%s' is not a niceness from 0 to 19", optarg);
			o->have_nice = 1;
			break;
		case OPT_MEMFREE:
			if (tp_parse_size(optarg, &o->memfree_bytes) || o->memfree_bytes <= 0)
				return tp_usage_error("run: --memfree '%s' is not a size (500M, 2G)", optarg);
			break;
		case OPT_LOAD:
			if (tp_parse_double(optarg, &o->load_max) || o->load_max <= 0)
				return tp_usage_error("run: --load '%s' is not a positive load average", optarg);
			break;
		case OPT_STRATEGY: o->strategy = optarg; break;
		case OPT_START: o->start = optarg; break;
		case OPT_JOBLOG_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "tsv"))
				return tp_usage_error("run: --joblog-format '%s' is not json or tsv", optarg);
			o->joblog_tsv = !strcmp(optarg, "tsv");
			break;
		case 'W': o->persistent = optarg; break;
		case 'Z': if (parse_int("--stage", optarg, 1, &o->stage)) return -1; break;
		default: return -1;
		}
	}
	*cmd_start = optind;
	*cmd_end = optc;
	if (*in_start >= 0 && parse_sources(argc, argv, *in_start, o) < 0)
		return -1;
	if (o->section && !o->config)
		return tp_usage_error("run: --section NAME needs --config suite.conf");
	if (o->resume && !o->joblog)
		return tp_usage_error("run: --resume and --resume-failed need --joblog FILE");
	if ((o->workload_spec != NULL) + (o->plugin != NULL) + (*cmd_end > *cmd_start) > 1)
		return tp_usage_error("run: give one of -w WORKLOAD, --plugin LIB or -- COMMAND");
	if (!o->workload_spec && !o->plugin && *cmd_end <= *cmd_start)
		return tp_usage_error("run: no command; see 'tunepool help run'");
	if ((o->nsrc > 0) + (o->inputs_file != NULL) + (o->count >= 0) > 1)
		return tp_usage_error("run: give one of '::: INPUTS', -a FILE, --inputs FILE or --count N");
	if (o->min_workers && o->max_workers && o->min_workers > o->max_workers)
		return tp_usage_error("run: --min-workers %d is above --max-workers %d", o->min_workers,
				      o->max_workers);
	if (o->joblog_tsv && !o->joblog)
		return tp_usage_error("run: --joblog-format tsv needs --joblog FILE");
	if (o->joblog_tsv && o->resume)
		return tp_usage_error("run: --resume reads the JSON journal; drop --joblog-format tsv");
	if (o->ungroup + o->line_buffer > 1)
		return tp_usage_error("run: give one of -u/--ungroup and --line-buffer");
	if ((o->ungroup || o->line_buffer) && (o->keep_order || o->tag || o->tagstring))
		return tp_usage_error("run: -u and --line-buffer print output as it comes: "
				      "-k, --tag and --tagstring need it grouped");
	if ((o->multi || o->max_args > 1) && o->batch)
		return tp_usage_error("run: -X, -m and -n set how many inputs a command takes; drop --batch");
	return 0;
}

/* Outputs the writers would refuse, and files named twice (an output over
 * an input, the journal as the results), are refused before anything runs. */
static int check_paths(const struct tp_run_opts *o)
{
	const struct tp_path_role roles[] = {
		{ "--inputs", o->inputs_file }, { "--config", o->config }, { "--joblog", o->joblog },
		{ "--results", o->results }, { "--log-decisions", o->log_decisions },
	};

	return tp_output_check("--joblog", o->joblog) || tp_output_check("--results", o->results) ||
	       tp_output_check("--log-decisions", o->log_decisions) ||
	       tp_paths_check_distinct(roles, 5) ? -1 : 0;
}

struct conf_check {
	const struct tp_tuned_conf *conf;
	const char *path;
};

/* The conf's machine check, called by the engine once it probed. */
static void check_machine(void *ctx, const char *fingerprint)
{
	const struct conf_check *cc = ctx;

	tp_conf_check_machine(cc->conf, cc->path, fingerprint);
}

/* The values of the conf the engine uses, as plain fields (runner/run.h). */
static void conf_to_run(const struct tp_tuned_conf *c, struct tp_run_conf *r)
{
	r->workers = c->workers;
	r->batch = c->batch;
	r->min_workers = c->min_workers;
	r->max_workers = c->max_workers;
	r->max_given = c->max_given;
	r->memory_per_worker_kb = c->memory_per_worker_kb;
	r->interval_ms = c->interval_ms;
	snprintf(r->strategy, sizeof(r->strategy), "%s", c->strategy);
	snprintf(r->start, sizeof(r->start), "%s", c->start);
	snprintf(r->bind, sizeof(r->bind), "%s", c->bind);
	snprintf(r->framing, sizeof(r->framing), "%s", c->framing);
	snprintf(r->controller, sizeof(r->controller), "%s", c->controller);
}

/* Parses, reads the conf, and hands the run to the engine (runner/run.c). */
static int run_run(int argc, char **argv)
{
	struct tp_run_opts o;
	struct tp_tuned_conf conf;
	struct conf_check cc = { &conf, NULL };
	int cmd_start = 0, cmd_end = 0, in_start = -1;

	/* --slurm: the same job spread over a Slurm array (cli/cmd_fleet.c, fleet/). */
	if (tp_cmd_run_wants_slurm(argc, argv))
		return tp_cmd_run_slurm(argc, argv);
	tp_conf_init(&conf);
	if (parse_args(argc, argv, &o, &cmd_start, &cmd_end, &in_start) < 0)
		return TP_EXIT_USAGE;
	if (env_defaults(&o) < 0)
		return TP_EXIT_USAGE;
	if (check_paths(&o) < 0)
		return tp_error_exit_code();
	if (o.config && tp_conf_read_select(o.config, o.section, &conf) < 0)
		return tp_error_exit_code();
	o.cmd = argv + cmd_start;
	o.ncmd = cmd_end - cmd_start;
	conf_to_run(&conf, &o.conf);
	cc.path = o.config;
	o.check_machine = check_machine;
	o.check_ctx = &cc;
	return tp_run(&o);
}

/* A --then pipeline: this process runs its first stage, the next stages run
 * in a process of their own (runner/stages.c). */
static int run_pipeline(int argc, char **argv)
{
	struct tp_stages st;
	int rc;

	if (tp_stages_split(argc, argv, &st) < 0)
		return tp_error_exit_code();
	rc = run_run(st.argc, st.argv);
	rc = tp_stages_finish(&st, rc);
	tp_stages_release(&st);
	return rc;
}

const struct tp_cmd_desc tp_cmd_run = {
	.name = "run",
	.summary = "run jobs with a tuned, self-adjusting pool",
	.usage = "tunepool run [--config tunepool.conf] [--workers N] [--batch B] [--adaptive|--static]\n"
		 "                    [--controller {names:controllers}] [--joblog FILE] [--resume|--resume-failed]\n"
		 "                    [--retries N] [--timeout T|P%] [--halt now|soon,fail=N|N%] [--keep-order] [--bar]\n"
		 "                    [--log-decisions FILE] [--results FILE]\n"
		 "                    (-- COMMAND ARGS... | -w WORKLOAD | --plugin LIB.so[:ARG])\n"
		 "                    [::: INPUTS... | --inputs FILE | --count N | < inputs]\n"
		 "       GNU parallel's syntax: tunepool run [-j N|0|N%|+N|-N] [-k] [-X|-m|-n N] [--tag]\n"
		 "                    COMMAND ARGS... ::: A B :::+ C D :::: FILE ...  (see below)",
	.help =
		"Runs COMMAND once per input (GNU parallel placeholders {} {.} {/} {//} {/.} {#}),\n"
		"or a built-in (-w) or plugin workload, with a pool whose width a monitor keeps\n"
		"adjusting from what it measures (throughput, latency, CPU, PSI, memory).\n"
		"\n"
		"width:\n"
		"  --config FILE        tunepool.conf from 'tunepool tune' ([run], [bounds], [monitor])\n"
		"  --section NAME       with --config suite.conf ('tune --suite'): its class NAME\n"
		"  --mem-per-worker SIZE  memory one worker needs (default: the conf's); the width\n"
		"                       stays within usable memory / SIZE\n"
		"  --bind MODE          none, core or numa (default: the conf's bind): worker i\n"
		"                       (a thread, or each exec child) runs on the i-th core/node\n"
		"  -j, --workers N      starting width (default: the conf, else the probe's seed for\n"
		"                       the task class: cpu for commands, widened while they wait)\n"
		"  -b, --batch B        inputs handed to a worker at once (default 1)\n"
		"  --adaptive           let the controller resize the pool (default)\n"
		"  --static             hold the width given\n"
		"  --controller NAME    one of (default hill; memory and CPU guards apply to all):\n"
		"                         {list:controllers}\n"
		"  --min-workers N, --max-workers N   bounds (default: the conf, else 1 and the probe's)\n"
		"  --interval DUR       monitor sampling period (default 250ms; sooner, down to a\n"
		"                       fifth of it, once 64 tasks finished)\n"
		"  --log-decisions FILE every controller decision with its reason, JSON Lines\n"
		"tasks:\n"
		"  --joblog FILE        journal: one JSON line per finished task, flushed per task\n"
		"  --resume             skip inputs the journal shows finished (same command + input)\n"
		"  --resume-failed      skip those that finished ok, run the failed ones again\n"
		"  --retries N          extra attempts after a failure, with backoff\n"
		"  --timeout T|P%       per task: a duration, or P% of the median successful time\n"
		"                       (once 5 tasks have succeeded)\n"
		"  --halt now|soon,fail=N|N%   stop after failures (now: end running tasks);\n"
		"                       also success=, done=; N% of all tasks when known\n"
		"  -k, --keep-order     print outputs in input order\n"
		"  --shell              run the command through the shell (inputs quoted; the shell\n"
		"                       is $PARALLEL_SHELL, else $SHELL, else /bin/sh)\n"
		"  --bar                progress line on stderr even when it is not a terminal\n"
		"  --results FILE       results.json with the timeline, for 'tunepool report'\n"
		"  -q, --quiet          no warnings or progress\n"
		"  --slurm --shared DIR one job across a Slurm cluster: see 'tunepool help fleet'\n"
		"  --summary            the end-of-run summary on stderr even off a terminal\n"
		"GNU parallel's syntax (man tunepool, \"COMING FROM GNU PARALLEL\"):\n"
		"  ::: A B, :::: FILE, :::+ / ::::+ (linked), -a FILE, --link   several sources,\n"
		"                       every combination; all after the first ::: is inputs\n"
		"  {} {.} {/} {//} {/.} {#} {%} {N} {N.} {N/} {N//} {N/.}   placeholders\n"
		"  -0, --null           inputs end with NUL;  --colsep REGEX  columns are {1} {2} ...\n"
		"  -j, --jobs N|0|N%|+N|-N|FILE   width (0: the bound; % + -: of the usable CPUs;\n"
		"                       FILE: one of those, read again when it changes)\n"
		"  -X, -m, -n N         several inputs per command (word repeated / joined / N)\n"
		"  --tag, --tagstring STR    prefix output lines;  -u, --line-buffer  ungrouped\n"
		"  --dry-run            print the commands;  --delay DUR  between starts\n"
		"  --nice N, --memfree SIZE, --load N   niceness; start only with that much free\n"
		"                       memory / below that load;  --strategy, --start  (-w)\n"
		"  --joblog-format tsv  --joblog in parallel's format (not for --resume)\n"
		"  one word with shell syntax, or an exported bash function, runs through\n"
		"  $PARALLEL_SHELL, else $SHELL, else /bin/sh; several words run directly.\n"
		"persistent workers and stages:\n"
		"  --persistent lines|json   start COMMAND once per worker and feed it one record\n"
		"                       per input on stdin, one answer per input on stdout\n"
		"                       (json: {\"seq\",\"input\"} -> {\"seq\",\"ok\",\"result\"|\"error\"});\n"
		"                       a crash fails only the input in flight (see --retries)\n"
		"  -- CMD1 ... --then CMD2 ...   stages: CMD1's output lines are CMD2's inputs,\n"
		"                       each stage its own pool and width (the same options for\n"
		"                       every stage; a CPU-bound stage stays at CPUs + 1);\n"
		"                       --resume continues each input from its last stage;\n"
		"                       --results r.json writes r.json, r.stage2.json, ...\n"
		"inputs: '::: A B C', --inputs FILE (one per line, streamed), --count N, or stdin.\n"
		"Each task's output is printed whole, never interleaved.  Ctrl-C or SIGTERM stops\n"
		"dispatch, ends running tasks, flushes the journal and exits 130 (SIGHUP 129,\n"
		"SIGQUIT 131, SIGPIPE 141).  An output that cannot be written stops the run (exit\n"
		"3); that task is not journaled, so --resume runs it again.\n"
		"exit: 0 all ok, 1 some task failed (summary on stderr), 2 bad usage, 3 system error.\n"
		"\n"
		"examples:\n"
		"  tunepool run -- gzip -k {} ::: *.log\n"
		"  find . -name '*.png' | tunepool run --joblog jobs.jsonl -- optipng {}\n"
		"  tunepool run --joblog jobs.jsonl --resume --inputs list.txt -- ./process {}\n"
		"  tunepool run --config tunepool.conf --log-decisions why.jsonl -w sleep:ms=20 --count 1000\n"
		"  tunepool run -k echo {1} {2} ::: a b ::: c d\n"
		"  tunepool run --persistent json -k -- python3 worker.py < inputs.txt\n"
		"  tunepool run -k -- sh -c 'sleep 0.2; echo $0' {} --then gzip -6 -k {} ::: data/*\n",
	.run = run_pipeline,
	.hidden = 0,
};
