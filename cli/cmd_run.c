/* `tunepool run`: run jobs with a tuned pool whose width a monitor and a controller keep adjusting. */
#include "cli/cmd.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "probes/machine.h"
#include "runner/controller.h"
#include "runner/inputs.h"
#include "runner/journal.h"
#include "runner/monitor.h"
#include "runner/pool.h"
#include "runner/stages.h"
#include "runner/strategy_persistent.h"
#include "tuner/conf.h"
#include "workloads/workload.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <fcntl.h>
#include <unistd.h>

#define FAIL_KEEP 10		/* failures described in the summary */
#define FAIL_LINES 3		/* first lines of each error shown */
#define FAIL_INPUT_MAX 200	/* bytes of each failed input shown */

enum halt_when { HALT_NEVER = 0, HALT_NOW, HALT_SOON };

struct run_opts {
	const char *config, *controller, *joblog, *log_decisions, *results;
	const char *inputs_file, *workload_spec, *plugin;
	long long count;
	int workers, batch, min_workers, max_workers;
	int adaptive;		/* 1 adaptive, 0 static, -1 not said */
	enum tp_resume_mode resume;
	int retries;
	double timeout_s, timeout_pct, interval_s;
	enum halt_when halt;
	double halt_fail;	/* count, or percent when halt_pct */
	int halt_pct;
	int keep_order, bar, shell, quiet;
	const char *persistent;	/* --persistent FRAMING (runner/strategy_persistent.c) */
	int stage;		/* --stage K (hidden): this run is stage K of a --then pipeline */
};

struct failure {
	uint64_t seq;
	char *input;
	char *err;
};

/* The run's shared state: hooks run on one pool thread at a time. */
struct run_ctx {
	struct run_opts *o;
	char *command;			/* what the journal hash covers */
	struct tp_journal journal;
	int have_journal;
	struct tp_journal_index index;
	double epoch0;			/* wall clock at the pool's start */
	struct tp_monitor *mon;
	struct tp_pool *pool;
	long long done, failed, skipped_resume;
	struct failure fails[FAIL_KEEP];
	int nfails;
	volatile sig_atomic_t halted;	/* --halt tripped */
	int journal_error;
	int exec;			/* a command per input */
};

static struct tp_pool *volatile signal_pool;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
	if (signal_pool)
		tp_pool_stop(signal_pool);
}

static int parse_halt(const char *s, struct run_opts *o)
{
	const char *comma = strchr(s, ',');
	size_t wl = comma ? (size_t)(comma - s) : strlen(s);
	char num[32];
	double v;

	if (wl == 5 && !strncmp(s, "never", 5) && !comma) {
		o->halt = HALT_NEVER;
		return 0;
	}
	if (wl == 3 && !strncmp(s, "now", 3))
		o->halt = HALT_NOW;
	else if (wl == 4 && !strncmp(s, "soon", 4))
		o->halt = HALT_SOON;
	else
		return tp_usage_error("run: --halt '%s' is not now|soon[,fail=N|N%%] or never", s);
	o->halt_fail = 1;
	o->halt_pct = 0;
	if (!comma)
		return 0;
	if (strncmp(comma + 1, "fail=", 5))
		return tp_usage_error("run: --halt '%s': expected fail=N or fail=N%% after the comma", s);
	snprintf(num, sizeof(num), "%s", comma + 6);
	if (num[0] && num[strlen(num) - 1] == '%') {
		num[strlen(num) - 1] = '\0';
		o->halt_pct = 1;
	}
	if (tp_parse_double(num, &v) || v <= 0 || (o->halt_pct && v > 100))
		return tp_usage_error("run: --halt '%s': fail='%s' is not a positive count or percentage",
				      s, comma + 6);
	o->halt_fail = v;
	return 0;
}

static int parse_timeout(const char *s, struct run_opts *o)
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

/* First FAIL_LINES lines of err, each indented, into sb. */
static void add_first_lines(struct tp_strbuf *sb, const char *err)
{
	int lines = 0;

	while (err && *err && lines < FAIL_LINES) {
		size_t n = strcspn(err, "\n");

		tp_strbuf_addf(sb, "    %.*s\n", (int)n, err);
		err += n + (err[n] == '\n');
		lines++;
	}
}

static void check_halt(struct run_ctx *c)
{
	const struct run_opts *o = c->o;
	long long finished = c->done + c->failed;
	int trip;

	if (o->halt == HALT_NEVER || c->halted || !c->failed)
		return;
	trip = o->halt_pct ? 100.0 * c->failed / (finished ? finished : 1) >= o->halt_fail
			   : c->failed >= o->halt_fail;
	if (!trip)
		return;
	c->halted = 1;
	tp_warn("run: halting (%s) after %lld failed task%s", o->halt == HALT_NOW ? "now" : "soon",
		c->failed, c->failed == 1 ? "" : "s");
	/* now: end running tasks too; soon: start nothing more, let running
	 * tasks finish (the unread inputs stay unread: a resume runs them). */
	if (c->pool)
		(o->halt == HALT_NOW ? tp_pool_stop : tp_pool_drain)(c->pool);
}

static void on_result(void *ctx, const struct tp_task_result *r, int final)
{
	struct run_ctx *c = ctx;

	if (!final)
		return;
	if (r->out && r->out_len)
		fwrite(r->out, 1, r->out_len, stdout);
	fflush(stdout);
	if (c->mon)
		tp_monitor_task_done(c->mon, r->duration_s);
	if (c->have_journal && !c->journal_error) {
		struct tp_journal_record jr = {
			.seq = r->seq, .input = r->input,
			.hash = tp_journal_hash(c->command, r->input),
			.start = c->epoch0 + r->start_s, .duration_s = r->duration_s,
			.ok = r->ok, .exit_status = r->exit_status, .term_signal = r->term_signal,
			.timed_out = r->timed_out, .attempt = r->attempt,
			.error = r->ok ? NULL : r->err, .stage = c->o->stage,
		};

		if (tp_journal_append(&c->journal, &jr) < 0) {
			c->journal_error = 1;
			if (c->pool)
				tp_pool_stop(c->pool);
		}
	}
	if (r->ok) {
		c->done++;
		return;
	}
	c->failed++;
	if (c->nfails < FAIL_KEEP) {
		struct failure *f = &c->fails[c->nfails++];
		struct tp_strbuf sb = TP_STRBUF_INIT;

		if (r->err && *r->err)	/* the pool's message already names the cause */
			tp_strbuf_adds(&sb, r->err);
		else if (r->timed_out)
			tp_strbuf_adds(&sb, "timed out");
		else if (r->term_signal)
			tp_strbuf_addf(&sb, "killed by signal %d (%s)", r->term_signal,
				       strsignal(r->term_signal));
		else if (r->exit_status >= 0)
			tp_strbuf_addf(&sb, "exit status %d", r->exit_status);
		else
			tp_strbuf_adds(&sb, "failed");
		if (r->attempt > 1)
			tp_strbuf_addf(&sb, " (attempt %d)", r->attempt);
		f->seq = r->seq;
		f->input = tp_xstrdup(r->input ? r->input : "");
		f->err = tp_strbuf_detach(&sb);
	}
	check_halt(c);
}

static int should_skip(void *ctx, uint64_t seq, const char *input)
{
	struct run_ctx *c = ctx;

	if (c->halted || got_signal)
		return 1;
	if (c->o->resume != TP_RESUME_NONE &&
	    tp_journal_index_take(&c->index, tp_journal_hash(c->command, input), c->o->resume)) {
		c->skipped_resume++;
		return 1;
	}
	return 0;
}

/* The width to start from without -j or a conf: the probe's seed for the
 * workload's class when adaptive (wait-bound, commands and other unknown work
 * start at the latency seed: a controller sheds surplus workers faster than
 * it grows from 2, and too few workers cost most), else the cpu seed. */
static int start_seed(const struct tp_machine *m, const struct tp_workload *wl, int adaptive)
{
	enum tp_task_class cls = wl->desc->task_class;
	int seed = !adaptive || cls == TP_CLASS_CPU ? m->seeds.cpu
		 : cls == TP_CLASS_MEMORY ? m->seeds.memory
		 : m->seeds.latency;

	return seed > 0 ? seed : 1;
}

static void on_worker_log(void *ctx, int worker, const char *line)
{
	struct run_ctx *c = ctx;

	/* A command's own stderr passes through as it is, whole lines only. */
	if (c->exec)
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "[worker %d] %s\n", worker, line);
}

static void mon_snapshot(void *ctx, struct tp_pool_snapshot *s)
{
	tp_pool_snapshot(ctx, s);
}

static void mon_set_workers(void *ctx, int w)
{
	tp_pool_set_workers(ctx, w);
}

/* The progress line: its own thread, stderr only. */
struct progress {
	struct tp_pool *pool;
	long long total;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
};

static void progress_print(struct progress *p, int final)
{
	struct tp_pool_snapshot s;
	long long fin;
	double rate;

	tp_pool_snapshot(p->pool, &s);
	fin = s.done + s.failed;
	rate = s.elapsed_s > 0 ? fin / s.elapsed_s : 0;
	if (p->total >= 0) {
		long long left = p->total - fin - s.skipped;
		char eta[32] = "?";

		if (rate > 0 && left >= 0)
			snprintf(eta, sizeof(eta), "%.0fs", left / rate);
		fprintf(stderr, "\r%lld/%lld done, %lld failed, %.1f/s, ETA %s, %d workers   ", fin,
			p->total, s.failed, rate, eta, s.workers);
	} else {
		fprintf(stderr, "\r%lld done (total unknown), %lld failed, %.1f/s, %d workers   ", fin,
			s.failed, rate, s.workers);
	}
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 500000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->lock);
		progress_print(p, 0);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "workers", required_argument, NULL, 'j' },
	{ "batch", required_argument, NULL, 'b' },
	{ "adaptive", no_argument, NULL, 'A' },
	{ "static", no_argument, NULL, 'S' },
	{ "controller", required_argument, NULL, 'C' },
	{ "min-workers", required_argument, NULL, 'm' },
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
	{ "count", required_argument, NULL, 'n' },
	{ "workload", required_argument, NULL, 'w' },
	{ "plugin", required_argument, NULL, 'P' },
	{ "shell", no_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "persistent", required_argument, NULL, 'W' },
	{ "stage", required_argument, NULL, 'Z' },
	{ NULL, 0, NULL, 0 },
};

static int parse_args(int argc, char **argv, struct run_opts *o, int *cmd_start, int *cmd_end,
		      int *in_start)
{
	int c, i;

	memset(o, 0, sizeof(*o));
	o->adaptive = -1;
	o->count = -1;
	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "j:b:kw:q", longopts, "run")) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'j': if (parse_int("--workers", optarg, 1, &o->workers)) return -1; break;
		case 'b': if (parse_int("--batch", optarg, 1, &o->batch)) return -1; break;
		case 'A': o->adaptive = 1; break;
		case 'S': o->adaptive = 0; break;
		case 'C': o->controller = optarg; break;
		case 'm': if (parse_int("--min-workers", optarg, 1, &o->min_workers)) return -1; break;
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
		case 'n': {
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
		case 'W': o->persistent = optarg; break;
		case 'Z': if (parse_int("--stage", optarg, 1, &o->stage)) return -1; break;
		default: return -1;
		}
	}
	*cmd_start = optind;
	*cmd_end = argc;
	*in_start = -1;
	for (i = optind; i < argc; i++)
		if (!strcmp(argv[i], ":::")) {
			*cmd_end = i;
			*in_start = i + 1;
			break;
		}
	if (o->resume && !o->joblog)
		return tp_usage_error("run: --resume and --resume-failed need --joblog FILE");
	if ((o->workload_spec != NULL) + (o->plugin != NULL) + (*cmd_end > *cmd_start) > 1)
		return tp_usage_error("run: give one of -w WORKLOAD, --plugin LIB or -- COMMAND");
	if (!o->workload_spec && !o->plugin && *cmd_end <= *cmd_start)
		return tp_usage_error("run: no command; see 'tunepool help run'");
	if ((*in_start >= 0) + (o->inputs_file != NULL) + (o->count >= 0) > 1)
		return tp_usage_error("run: give one of '::: INPUTS', --inputs FILE or --count N");
	if (o->min_workers && o->max_workers && o->min_workers > o->max_workers)
		return tp_usage_error("run: --min-workers %d is above --max-workers %d", o->min_workers,
				      o->max_workers);
	return 0;
}

static char *join_command(char **argv, int n, const char *prefix)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int i;

	tp_strbuf_adds(&sb, prefix);
	for (i = 0; i < n; i++) {
		if (i || *prefix)
			tp_strbuf_addch(&sb, ' ');
		tp_strbuf_adds(&sb, argv[i]);
	}
	return tp_strbuf_detach(&sb);
}

static int write_results(const char *path, const struct run_opts *o, struct tp_machine *m,
			 int have_machine, const char *wl_name, const char *command,
			 const struct tp_config *cfg, const struct tp_repeat *rep,
			 struct tp_results *res)
{
	struct tp_trial *t;

	res->tool_version = tp_xstrdup(TP_VERSION);
	if (have_machine)
		res->machine = tp_machine_to_json(m);
	res->workload_name = tp_xstrdup(wl_name);
	res->workload_options = tp_xstrdup(command);
	res->input_signature = tp_xstrdup(o->inputs_file ? o->inputs_file : "run");
	t = tp_results_trial(res, cfg);
	tp_trial_add_repeat(t, rep);
	tp_trial_update_stats(t);
	return tp_results_write(res, path);
}

static int run_run(int argc, char **argv)
{
	struct run_opts o;
	struct run_ctx ctx;
	struct tp_tuned_conf conf;
	struct tp_machine machine;
	struct tp_probe_opts popts = { .skip_counters = 1 };
	struct tp_workload *wl = NULL;
	struct tp_inputs *in = NULL;
	struct tp_pool_opts po;
	struct tp_pool *pool = NULL;
	struct tp_controller *ctl = NULL;
	struct tp_ctl_opts co;
	struct tp_monitor *mon = NULL;
	struct tp_monitor_opts mo;
	struct tp_results res;
	struct tp_repeat rep;
	struct progress prog;
	struct sigaction sa, old_int, old_term;
	FILE *declog = NULL;
	int cmd_start = 0, cmd_end = 0, in_start = -1, interrupted = 0, have_machine = 0, show_bar = 0;
	int rc = TP_EXIT_SYSTEM, i, pool_ret;
	const char *ctl_name;
	struct timeval tv;

	memset(&ctx, 0, sizeof(ctx));
	memset(&rep, 0, sizeof(rep));
	memset(&prog, 0, sizeof(prog));
	tp_results_init(&res);
	tp_journal_index_init(&ctx.index);
	tp_conf_init(&conf);
	if (parse_args(argc, argv, &o, &cmd_start, &cmd_end, &in_start) < 0)
		return TP_EXIT_USAGE;
	ctx.o = &o;
	if (o.config && tp_conf_read(o.config, &conf) < 0)
		return tp_error_exit_code();
	if (o.adaptive < 0)
		o.adaptive = 1;

	/* The workload. */
	if (o.workload_spec) {
		if (tp_workload_new(&wl, o.workload_spec) < 0)
			return tp_error_exit_code();
		ctx.command = join_command(NULL, 0, o.workload_spec);
	} else if (o.plugin) {
		if (tp_workload_new_plugin(&wl, o.plugin) < 0)
			return tp_error_exit_code();
		ctx.command = tp_xasprintf("plugin:%s", o.plugin);
	} else {
		if (tp_workload_new_exec(&wl, argv + cmd_start, cmd_end - cmd_start) < 0)
			return tp_error_exit_code();
		ctx.command = join_command(argv + cmd_start, cmd_end - cmd_start,
					   o.shell ? "sh -c" : "");
	}

	ctx.exec = (wl->desc->flags & TP_WL_COMMAND) != 0;

	/* The inputs, streamed. */
	if (in_start >= 0)
		i = tp_inputs_from_args(&in, argv + in_start, argc - in_start);
	else if (o.inputs_file)
		i = tp_inputs_from_file(&in, o.inputs_file, 0);
	else if (o.count >= 0)
		i = tp_inputs_from_count(&in, o.count);
	else
		i = tp_inputs_from_file(&in, "-", 0);
	if (i < 0) {
		rc = tp_error_exit_code();
		goto out;
	}

	/* Width and bounds: options, then tunepool.conf, then the probe. */
	if (o.adaptive || !o.workers) {
		if (tp_machine_probe(&machine, &popts) == 0)
			have_machine = 1;
	}
	memset(&po, 0, sizeof(po));
	po.config.workers = o.workers ? o.workers : o.config ? conf.workers
			  : have_machine ? start_seed(&machine, wl, o.adaptive && o.stage < 2) : 1;
	/* A command takes one input per invocation: the batch of a config tuned for
	 * in-process work does not apply to it. */
	po.config.batch = o.batch ? o.batch
			: o.config && !(wl->desc->flags & TP_WL_COMMAND) ? conf.batch : 1;
	snprintf(po.config.strategy, sizeof(po.config.strategy), "%s",
		 (wl->desc->flags & TP_WL_COMMAND) ? "exec"
		 : o.config && conf.strategy[0] && strcmp(conf.strategy, "exec") ? conf.strategy
		 : "thread");
	if (!(wl->desc->flags & TP_WL_COMMAND) && o.config && !strcmp(po.config.strategy, "process"))
		snprintf(po.config.start, sizeof(po.config.start), "%s", conf.start);
	/* Persistent workers: --persistent, or a conf tuned with them. */
	if (!o.persistent && o.config && !strcmp(conf.strategy, "persistent") &&
	    (wl->desc->flags & TP_WL_COMMAND))
		o.persistent = conf.framing[0] ? conf.framing : "lines";
	if (o.persistent) {
		if (tp_persistent_setup(wl, o.persistent, o.shell, &po) < 0) {
			rc = tp_error_exit_code();
			goto out;
		}
		if (!o.batch)
			po.config.batch = o.config && !strcmp(conf.strategy, "persistent") ? conf.batch : 1;
		ctx.exec = 0;	/* stderr lines carry the worker's slot */
		free(ctx.command);
		ctx.command = join_command(argv + cmd_start, cmd_end - cmd_start,
					   tp_framing_name(po.framing));	/* other hashes */
	}
	po.min_workers = o.min_workers ? o.min_workers : o.config ? conf.min_workers : 1;
	po.max_workers = o.max_workers ? o.max_workers
		       : o.config && conf.max_workers ? conf.max_workers
		       : have_machine && machine.seeds.max_workers > 0 ? machine.seeds.max_workers : 64;
	if (!o.adaptive)
		po.min_workers = po.max_workers = po.config.workers;
	if (!o.workers && !o.config && po.min_workers <= po.max_workers) {
		/* A seed is only a start: it moves into the bounds, not they to it. */
		if (po.config.workers > po.max_workers)
			po.config.workers = po.max_workers;
		if (po.config.workers < po.min_workers)
			po.config.workers = po.min_workers;
	}
	if (po.config.workers < po.min_workers)
		po.min_workers = po.config.workers;
	if (po.config.workers > po.max_workers)
		po.max_workers = po.config.workers;
	po.workload = wl;
	po.timeout_s = o.timeout_s;
	po.timeout_pct = o.timeout_pct;
	po.kill_grace_s = 2.0;
	po.retries = o.retries;
	po.backoff_s = o.retries ? 0.1 : 0;
	po.keep_order = o.keep_order;
	po.group_output = 1;
	po.shell = o.shell;
	po.cpus_usable = have_machine ? machine.cpus_usable : 0;
	po.hooks.ctx = &ctx;
	po.hooks.on_result = on_result;
	po.hooks.should_skip = should_skip;
	po.hooks.on_worker_log = on_worker_log;

	/* Journal and resume. */
	if (o.joblog) {
		if (o.resume && tp_journal_index_load(&ctx.index, o.joblog) < 0) {
			rc = tp_error_exit_code();
			goto out;
		}
		if (ctx.index.torn && !o.quiet)
			tp_warn("run: journal '%s': ignoring a torn last line", o.joblog);
		if (tp_journal_open(&ctx.journal, o.joblog) < 0)
			goto out;
		ctx.have_journal = 1;
	}

	/* Controller and monitor. */
	ctl_name = o.controller ? o.controller : !o.adaptive ? "static"
		 : o.config && conf.controller[0] && strcmp(conf.controller, "none") ? conf.controller
		 : "hill";
	if (!o.adaptive && o.controller && strcmp(o.controller, "static")) {
		rc = TP_EXIT_USAGE;
		tp_usage_error("run: --static holds the width; controller '%s' needs --adaptive",
			       o.controller);
		goto out;
	}
	if (o.log_decisions) {
		/* Never truncate a file through a symlink planted at the path. */
		int fd = open(o.log_decisions, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			      0644);

		if (fd < 0 || !(declog = fdopen(fd, "w"))) {
			tp_error("cannot open '%s': %s", o.log_decisions, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	memset(&co, 0, sizeof(co));
	co.min_workers = po.min_workers;
	co.max_workers = po.max_workers;
	co.initial = po.config.workers;
	co.cpus_usable = po.cpus_usable;
	co.mem_per_worker_kb = o.config ? conf.memory_per_worker_kb : 0;
	co.log = declog;
	if (o.config && !o.controller && o.adaptive) {
		/* A conf may name a controller this runner lacks: fall back, say so. */
		size_t n, k;
		const struct tp_controller_desc *const *tab = tp_controller_table(&n);

		for (k = 0; k < n && strcmp(tab[k]->name, ctl_name); k++)
			;
		if (k == n) {
			if (!o.quiet)
				tp_warn("'%s': controller = '%s' is not one of this runner's; using 'hill'",
					o.config, ctl_name);
			ctl_name = "hill";
		}
	}
	if (tp_controller_new(&ctl, ctl_name, &co) < 0) {
		rc = tp_error_exit_code();
		goto out;
	}

	/* A controller that resizes can take a cut at a change of input class. */
	po.phase_gate = strcmp(ctl_name, "static") != 0;
	if (tp_pool_new(&pool, &po) < 0) {
		rc = tp_error_exit_code();
		goto out;
	}
	ctx.pool = pool;

	memset(&mo, 0, sizeof(mo));
	mo.interval_s = o.interval_s ? o.interval_s
		      : o.config && conf.interval_ms > 0 ? conf.interval_ms / 1000.0 : 0.25;
	mo.cpus_usable = po.cpus_usable;
	mo.own_threads = !strcmp(po.config.strategy, "thread");
	mo.ctl = ctl;
	mo.results = &res;
	mo.src.ctx = pool;
	mo.src.snapshot = mon_snapshot;
	mo.src.set_workers = mon_set_workers;
	mon = tp_monitor_new(&mo);
	ctx.mon = mon;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signal_pool = pool;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	gettimeofday(&tv, NULL);
	ctx.epoch0 = tv.tv_sec + tv.tv_usec / 1e6;
	if (tp_monitor_start(mon) < 0)
		goto restore;
	show_bar = o.bar || (!o.quiet && isatty(STDERR_FILENO));
	if (show_bar) {
		prog.pool = pool;
		prog.total = tp_inputs_total(in);
		pthread_mutex_init(&prog.lock, NULL);
		pthread_cond_init(&prog.wake, NULL);
		if (pthread_create(&prog.thread, NULL, progress_main, &prog))
			show_bar = 0;
	}
	pool_ret = tp_pool_run(pool, in, &rep, &interrupted);
	tp_monitor_stop(mon);
	if (show_bar) {
		pthread_mutex_lock(&prog.lock);
		prog.stop = 1;
		pthread_cond_signal(&prog.wake);
		pthread_mutex_unlock(&prog.lock);
		pthread_join(prog.thread, NULL);
		progress_print(&prog, 1);
	}
	fflush(stdout);

	if (ctx.have_journal) {
		ctx.have_journal = 0;
		if (tp_journal_close(&ctx.journal) < 0)
			ctx.journal_error = 1;
	}
	if (o.results) {
		struct tp_config cfg = po.config;

		cfg.workers = tp_monitor_workers(mon) ? tp_monitor_workers(mon) : cfg.workers;
		if (write_results(o.results, &o, &machine, have_machine, wl->desc->name, ctx.command,
				  &cfg, &rep, &res) < 0)
			ctx.journal_error = 1;
	}

	if (ctx.journal_error) {
		rc = TP_EXIT_SYSTEM;
	} else if (pool_ret < 0) {
		rc = tp_error_exit_code();	/* 2 for a bad input line, 3 for the system */
	} else if (got_signal || (interrupted && !ctx.halted)) {
		if (!o.quiet)
			tp_warn("run: interrupted: %lld done, %lld failed; the journal has every finished task",
				ctx.done, ctx.failed);
		rc = TP_EXIT_INTERRUPTED;
	} else if (ctx.failed) {
		struct tp_strbuf sb = TP_STRBUF_INIT;

		if (o.stage)
			tp_strbuf_addf(&sb, "stage %d ('%s'): ", o.stage, ctx.command);
		tp_strbuf_addf(&sb, "%lld of %lld task%s failed:\n", ctx.failed, ctx.done + ctx.failed,
			       ctx.done + ctx.failed == 1 ? "" : "s");
		for (i = 0; i < ctx.nfails; i++) {
			const char *nl = strchr(ctx.fails[i].err, '\n');

			/* Inputs can be huge: the summary shows their start. */
			tp_strbuf_addf(&sb, "  #%" PRIu64 " '%.*s%s': %.*s\n", ctx.fails[i].seq,
				       FAIL_INPUT_MAX, ctx.fails[i].input,
				       strlen(ctx.fails[i].input) > FAIL_INPUT_MAX ? "..." : "",
				       (int)(nl ? nl - ctx.fails[i].err : (long)strlen(ctx.fails[i].err)),
				       ctx.fails[i].err);
			if (nl)
				add_first_lines(&sb, nl + 1);
		}
		if (ctx.failed > ctx.nfails)
			tp_strbuf_addf(&sb, "  ... and %lld more\n", ctx.failed - ctx.nfails);
		fputs(sb.buf, stderr);
		tp_strbuf_release(&sb);
		rc = TP_EXIT_NEGATIVE;
	} else {
		rc = TP_EXIT_OK;
	}

restore:
	signal_pool = NULL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	if (ctx.have_journal)
		tp_journal_close(&ctx.journal);
	tp_monitor_free(mon);
	tp_pool_free(pool);
	tp_controller_free(ctl);
	if (declog)
		fclose(declog);
	tp_inputs_free(in);
	tp_workload_free(wl);
	if (have_machine)
		tp_machine_release(&machine);
	tp_journal_index_release(&ctx.index);
	tp_results_release(&res);
	free(rep.counters);
	for (i = 0; i < ctx.nfails; i++) {
		free(ctx.fails[i].input);
		free(ctx.fails[i].err);
	}
	free(ctx.command);
	return rc;
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
		 "                    [--controller hill|gradient|static] [--joblog FILE] [--resume|--resume-failed]\n"
		 "                    [--retries N] [--timeout T|P%] [--halt now|soon,fail=N|N%] [--keep-order] [--bar]\n"
		 "                    [--log-decisions FILE] [--results FILE]\n"
		 "                    (-- COMMAND ARGS... | -w WORKLOAD | --plugin LIB.so[:ARG])\n"
		 "                    [::: INPUTS... | --inputs FILE | --count N | < inputs]",
	.help =
		"Runs COMMAND once per input (GNU parallel placeholders {} {.} {/} {//} {/.} {#}),\n"
		"or a built-in (-w) or plugin workload, with a pool whose width a monitor keeps\n"
		"adjusting from what it measures (throughput, latency, CPU, PSI, memory).\n"
		"\n"
		"width:\n"
		"  --config FILE        tunepool.conf from 'tunepool tune' ([run], [bounds], [monitor])\n"
		"  -j, --workers N      starting width (default: the conf, else the probe's seed for\n"
		"                       the task class: latency for commands, cpu with --static)\n"
		"  -b, --batch B        inputs handed to a worker at once (default 1)\n"
		"  --adaptive           let the controller resize the pool (default)\n"
		"  --static             hold the width given\n"
		"  --controller NAME    hill (throughput climber, default), gradient (latency,\n"
		"                       Little's law) or static; memory and CPU guards apply to all\n"
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
		"  --halt now|soon,fail=N|N%   stop after failures (now: end running tasks)\n"
		"  -k, --keep-order     print outputs in input order\n"
		"  --shell              run the command through /bin/sh -c (inputs quoted)\n"
		"  --bar                progress line on stderr even when it is not a terminal\n"
		"  --results FILE       results.json with the timeline, for 'tunepool report'\n"
		"  -q, --quiet          no warnings or progress\n"
		"persistent workers and stages:\n"
		"  --persistent lines|json   start COMMAND once per worker and feed it one record\n"
		"                       per input on stdin, one answer per input on stdout\n"
		"                       (json: {\"seq\",\"input\"} -> {\"seq\",\"ok\",\"result\"|\"error\"});\n"
		"                       a crash fails only the input in flight (see --retries)\n"
		"  -- CMD1 ... --then CMD2 ...   stages: CMD1's output lines are CMD2's inputs,\n"
		"                       each stage its own pool and width (the options apply to\n"
		"                       every stage; not with --resume yet)\n"
		"inputs: '::: A B C', --inputs FILE (one per line, streamed), --count N, or stdin.\n"
		"Each task's output is printed whole, never interleaved.  Ctrl-C or SIGTERM stops\n"
		"dispatch, ends running tasks, flushes the journal and exits 130.\n"
		"exit: 0 all ok, 1 some task failed (summary on stderr), 2 bad usage, 3 system error.\n"
		"\n"
		"examples:\n"
		"  tunepool run -- gzip -k {} ::: *.log\n"
		"  find . -name '*.png' | tunepool run --joblog jobs.jsonl -- optipng {}\n"
		"  tunepool run --joblog jobs.jsonl --resume --inputs list.txt -- ./process {}\n"
		"  tunepool run --config tunepool.conf --log-decisions why.jsonl -w sleep:ms=20 --count 1000\n"
		"  tunepool run --persistent json -k -- python3 worker.py < inputs.txt\n"
		"  tunepool run -k -- sh -c 'sleep 0.2; echo $0' {} --then gzip -6 -k {} ::: data/*\n",
	.run = run_pipeline,
	.hidden = 0,
};
