/* `tunepool run`: run jobs with a tuned pool whose width a monitor and a controller keep adjusting. */
#include "cli/cmd.h"
#include "cli/cmd_fleet.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "probes/machine.h"
#include "runner/bind.h"
#include "runner/controller.h"
#include "runner/inputs.h"
#include "runner/joblog_tsv.h"
#include "runner/journal.h"
#include "runner/monitor.h"
#include "runner/pool.h"
#include "runner/signals.h"
#include "runner/summary.h"
#include "runner/template.h"
#include "runner/stages.h"
#include "runner/strategy_persistent.h"
#include "tuner/conf.h"
#include "tuner/conf_select.h"
#include "workloads/workload.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <fcntl.h>
#include <unistd.h>

#define FAIL_KEEP 10		/* failures described in the summary */
#define FAIL_LINES 3		/* first lines of each error shown */
#define FAIL_INPUT_MAX 200	/* bytes of each failed input shown */

enum halt_when { HALT_NEVER = 0, HALT_NOW, HALT_SOON };
enum halt_what { HALT_FAIL = 0, HALT_SUCCESS, HALT_DONE };

#define SOURCES_MAX 32

/* -j forms: N, 0 (the adaptive bound), N% / +N / -N of the usable CPUs. */
enum jobs_kind { JOBS_NONE = 0, JOBS_N, JOBS_MAX, JOBS_PCT, JOBS_PLUS, JOBS_MINUS };

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
	/* issue 14: config handling */
	const char *section;		/* --section NAME of a suite.conf */
	long long mem_per_worker_kb;	/* --mem-per-worker SIZE, 0 = the conf's */
	const char *bind;		/* --bind none|core|numa, NULL = the conf's */
	/* GNU parallel's syntax (issue 13): */
	enum halt_what halt_what;
	enum jobs_kind jobs;
	double jobs_v;
	struct tp_input_source src[SOURCES_MAX];
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
	int out_errno;			/* first failed write of a task's output */
	long long undelivered;		/* tasks whose output was lost: not journaled */
	long long total;		/* inputs when known, else -1 */
	double busy_s;			/* summed task durations, for the summary */
	struct tp_template tagtpl;	/* --tagstring (argc 0 when none) */
	struct progress *bar;		/* the progress line when shown, else NULL */
	struct tp_joblog_tsv tsv;	/* --joblog-format tsv */
	int have_tsv;
	struct tp_template cmdtpl;	/* the command, for the tsv joblog's last column */
	struct procfile *pf;		/* -j FILE, else NULL */
};

/* A stop signal (runner/signals.h): start nothing more, end what runs. */
static void stop_pool(void *pool)
{
	if (pool)
		tp_pool_stop(pool);
}

static int parse_halt(const char *s, struct run_opts *o)
{
	const char *comma = strchr(s, ','), *val;
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
	o->halt_what = HALT_FAIL;
	if (!comma)
		return 0;
	if (!strncmp(comma + 1, "fail=", 5)) {
		val = comma + 6;
	} else if (!strncmp(comma + 1, "success=", 8)) {
		o->halt_what = HALT_SUCCESS;
		val = comma + 9;
	} else if (!strncmp(comma + 1, "done=", 5)) {
		o->halt_what = HALT_DONE;
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

/* The widths `tunepool export --format env` writes, as defaults below the
 * command line (and above tunepool.conf): TUNEPOOL_WORKERS, _MIN_WORKERS,
 * _MAX_WORKERS.  An empty one is unset. */
static int env_defaults(struct run_opts *o)
{
	static const struct { const char *name; size_t off; } ints[] = {
		{ "TUNEPOOL_WORKERS", offsetof(struct run_opts, workers) },
		{ "TUNEPOOL_MIN_WORKERS", offsetof(struct run_opts, min_workers) },
		{ "TUNEPOOL_MAX_WORKERS", offsetof(struct run_opts, max_workers) },
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
	long long n = o->halt_what == HALT_FAIL ? c->failed
		    : o->halt_what == HALT_SUCCESS ? c->done : finished;
	int trip;

	if (o->halt == HALT_NEVER || c->halted || !n)
		return;
	/* A percentage is of all tasks when the total is known (parallel's
	 * reading), else of those finished so far. */
	trip = o->halt_pct ? 100.0 * n / (c->total > 0 ? c->total : finished ? finished : 1)
			     >= o->halt_fail
			   : n >= o->halt_fail;
	if (!trip)
		return;
	c->halted = 1;
	if (o->halt_what == HALT_FAIL)
		tp_warn("run: halting (%s) after %lld failed task%s",
			o->halt == HALT_NOW ? "now" : "soon", c->failed, c->failed == 1 ? "" : "s");
	/* now: end running tasks too; soon: start nothing more, let running
	 * tasks finish (the unread inputs stay unread: a resume runs them). */
	if (c->pool)
		(o->halt == HALT_NOW ? tp_pool_stop : tp_pool_drain)(c->pool);
}

/* --tag / --tagstring: each line of out prefixed with the tag and a tab. */
static void write_tagged_to(FILE *f, const char *tag, const char *out, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(out + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (out + i)) + 1 : len - i;

		fputs(tag, f);
		fputc('\t', f);
		fwrite(out + i, 1, n, f);
		i += n;
	}
}

static void write_tagged(const char *tag, const char *out, size_t len)
{
	write_tagged_to(stdout, tag, out, len);
}

/* --memfree / --load: may another task start now?  (/proc, read only
 * when asked for; a source that cannot be read never holds a start.) */
static int may_start(void *ctx)
{
	const struct run_ctx *c = ctx;
	char line[256];
	FILE *f;

	if (c->o->memfree_bytes > 0 && (f = fopen("/proc/meminfo", "r"))) {
		long long kb = -1;

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
				break;
		fclose(f);
		if (kb >= 0 && kb * 1024.0 < c->o->memfree_bytes)
			return 0;
	}
	if (c->o->load_max > 0 && (f = fopen("/proc/loadavg", "r"))) {
		double l1 = -1;

		if (fscanf(f, "%lf", &l1) != 1)
			l1 = -1;
		fclose(f);
		if (l1 >= c->o->load_max)
			return 0;
	}
	return 1;
}

/* The --tag text of an input: its fields joined by spaces (as parallel
 * 20221122 does), or --tagstring. */
static char *make_tag(const struct run_ctx *c, const struct tp_task_result *r)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const char *p;

	if (c->tagtpl.argc) {
		char **argv = NULL;
		size_t alloc = 0;
		struct tp_strbuf buf = TP_STRBUF_INIT;
		const char *in = r->input;

		tp_template_expand_slot(&c->tagtpl, &in, 1, r->seq, r->worker + 1, &buf, &argv,
					&alloc);
		tp_strbuf_adds(&sb, argv[0]);
		free(argv);
		tp_strbuf_release(&buf);
		return tp_strbuf_detach(&sb);
	}
	for (p = r->input; *p; p++)
		tp_strbuf_addch(&sb, *p == TP_INPUT_FS ? ' ' : *p);
	return tp_strbuf_detach(&sb);
}

struct progress;
static void progress_clear(struct progress *p);
static void progress_redraw(struct progress *p);

static void on_result(void *ctx, const struct tp_task_result *r, int final)
{
	struct run_ctx *c = ctx;

	int out_errno = r->out_errno;

	if (!final)
		return;
	c->busy_s += r->duration_s;
	if (c->bar)
		progress_clear(c->bar);
	if (!out_errno && r->out && r->out_len) {
		if (c->o->tag || c->tagtpl.argc) {
			char *tag = make_tag(c, r);

			write_tagged(tag, r->out, r->out_len);
			free(tag);
		} else {
			fwrite(r->out, 1, r->out_len, stdout);
		}
	}
	errno = 0;
	if (!out_errno && (fflush(stdout) == EOF || ferror(stdout)))
		out_errno = errno ? errno : EIO;
	if (out_errno) {
		/* Its output is lost: not journaled, so --resume runs it again; and
		 * nothing more is started, whose output would be lost too. */
		if (!c->out_errno)
			tp_error("run: cannot write the output of task %" PRIu64 " ('%.*s') to standard "
				 "output: %s; stopping", r->seq, FAIL_INPUT_MAX, r->input ? r->input : "",
				 strerror(out_errno));
		c->out_errno = out_errno;
		c->undelivered++;
		if (c->pool)
			tp_pool_stop(c->pool);
		if (c->bar)
			progress_redraw(c->bar);
		return;
	}
	if (r->errout && r->errout_len) {	/* grouped stderr, after stdout as in parallel */
		if (c->o->tag || c->tagtpl.argc) {
			char *tag = make_tag(c, r);

			write_tagged_to(stderr, tag, r->errout, r->errout_len);
			free(tag);
		} else {
			fwrite(r->errout, 1, r->errout_len, stderr);
		}
		fflush(stderr);
	}
	if (c->bar)
		progress_redraw(c->bar);
	if (c->mon)
		tp_monitor_task_done(c->mon, r->duration_s);
	if (c->have_tsv && !c->journal_error) {
		struct tp_strbuf buf = TP_STRBUF_INIT, line = TP_STRBUF_INIT;
		char **argv = NULL;
		size_t alloc = 0;
		const char *in = r->input;
		int n = tp_template_expand_slot(&c->cmdtpl, &in, 1, r->seq, r->worker + 1, &buf,
						&argv, &alloc), k;
		struct tp_joblog_tsv_row row = {
			.seq = r->seq, .start_epoch = c->epoch0 + r->start_s,
			.runtime_s = r->duration_s, .exit_status = r->exit_status,
			.term_signal = r->term_signal, .received = r->out_len,
		};

		for (k = c->cmdtpl.shell ? 2 : 0; k < n; k++) {
			if (line.len)
				tp_strbuf_addch(&line, ' ');
			tp_strbuf_adds(&line, argv[k]);
		}
		row.command = line.len ? line.buf : "";
		if (tp_joblog_tsv_append(&c->tsv, &row) < 0) {
			c->journal_error = 1;
			if (c->pool)
				tp_pool_stop(c->pool);
		}
		free(argv);
		tp_strbuf_release(&buf);
		tp_strbuf_release(&line);
	}
	if (c->have_journal && !c->journal_error) {
		struct tp_journal_record jr = {
			.seq = r->seq, .input = r->input,
			.hash = tp_journal_hash(c->command, r->input),
			.start = c->epoch0 + r->start_s, .duration_s = r->duration_s,
			.ok = r->ok, .exit_status = r->exit_status, .term_signal = r->term_signal,
			.timed_out = r->timed_out, .attempt = r->attempt,
			.error = r->ok ? NULL : r->err, .stage = c->o->stage,
			/* A stage's output is the next stage's input: kept for --resume. */
			.answer = c->o->stage && r->ok ? r->out : NULL, .answer_len = r->out_len,
		};

		if (tp_journal_append(&c->journal, &jr) < 0) {
			c->journal_error = 1;
			if (c->pool)
				tp_pool_stop(c->pool);
		}
	}
	if (r->ok) {
		c->done++;
		if (c->o->halt_what != HALT_FAIL)
			check_halt(c);
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

	if (c->halted || tp_signals_caught())
		return 1;
	if (c->o->resume != TP_RESUME_NONE && tp_stages_feeds_next()) {
		/* A --then stage feeds the next one what it answered last time. */
		const char *ans;
		size_t len;

		if (tp_journal_index_take_answer(&c->index, tp_journal_hash(c->command, input),
						 tp_journal_stage_seq(c->o->stage, seq), c->o->resume,
						 &ans, &len)) {
			c->skipped_resume++;
			if (tp_stages_refeed(ans, len) < 0)
				c->journal_error = 1;
			return 1;
		}
	} else if (c->o->resume != TP_RESUME_NONE &&
		   tp_journal_index_take(&c->index, tp_journal_hash(c->command, input),
					 tp_journal_stage_seq(c->o->stage, seq), c->o->resume)) {
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

/* Usable memory / the memory one worker needs caps the width (issue 14). */
static void mem_cap(const struct run_opts *o, long long per_worker_kb, long long usable_kb,
		    struct tp_pool_opts *po)
{
	long long cap;

	if (per_worker_kb <= 0 || usable_kb <= 0)
		return;
	cap = usable_kb / per_worker_kb;
	if (cap < 1)
		cap = 1;
	if (cap >= po->max_workers && cap >= po->config.workers)
		return;
	if (!o->quiet)
		tp_warn("run: usable memory %lld KiB / %lld KiB per worker caps the width at %lld%s",
			usable_kb, per_worker_kb, cap,
			po->config.workers > cap ? " (below the starting width)" : "");
	if (po->max_workers > cap)
		po->max_workers = (int)cap;
	if (po->config.workers > cap)
		po->config.workers = (int)cap;
	if (po->min_workers > po->max_workers)
		po->min_workers = po->max_workers;
}

static void on_worker_log(void *ctx, int worker, const char *line)
{
	struct run_ctx *c = ctx;

	if (c->bar)
		progress_clear(c->bar);
	/* A command's own stderr passes through as it is, whole lines only. */
	if (c->exec)
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "[worker %d] %s\n", worker, line);
	if (c->bar)
		progress_redraw(c->bar);
}

static int read_procfile(const char *path, char *buf, size_t size);
static int parse_jobs(const char *s, struct run_opts *o);
static int jobs_width(const struct run_opts *o, double cpus, int bound, long long total);

/* -j FILE: a thread looks at the file four times a second; what it holds
 * is the width (static) or the controller's upper bound (--adaptive). */
struct procfile {
	struct run_ctx *c;
	double cpus;
	int bound;
	_Atomic int width;
	struct timespec mtime;
	off_t size;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
};

static int procfile_changed(struct procfile *pf)
{
	struct stat st;

	if (stat(pf->c->o->procfile, &st) < 0)
		return 0;
	if (st.st_mtim.tv_sec == pf->mtime.tv_sec && st.st_mtim.tv_nsec == pf->mtime.tv_nsec &&
	    st.st_size == pf->size)
		return 0;
	pf->mtime = st.st_mtim;
	pf->size = st.st_size;
	return 1;
}

static void *procfile_main(void *arg)
{
	struct procfile *pf = arg;
	struct timespec ts;

	pthread_mutex_lock(&pf->lock);
	while (!pf->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pf->wake, &pf->lock, &ts);
		if (pf->stop || !procfile_changed(pf))
			continue;
		{
			struct run_opts tmp = *pf->c->o;
			struct tp_pool_snapshot snap;
			char buf[64];
			int w;

			tmp.procfile = "";	/* the content is a -j form, not a file again */
			if (read_procfile(pf->c->o->procfile, buf, sizeof(buf)) < 0 ||
			    parse_jobs(buf, &tmp) < 0)
				continue;	/* said; the width stays */
			w = jobs_width(&tmp, pf->cpus, pf->bound, pf->c->total);
			if (w > pf->bound)
				w = pf->bound;
			atomic_store(&pf->width, w);
			tp_pool_snapshot(pf->c->pool, &snap);
			tp_pool_set_workers(pf->c->pool, pf->c->o->adaptive && snap.workers < w ? snap.workers : w);
		}
	}
	pthread_mutex_unlock(&pf->lock);
	return NULL;
}

static void mon_snapshot(void *ctx, struct tp_pool_snapshot *s)
{
	tp_pool_snapshot(((struct run_ctx *)ctx)->pool, s);
}

static void mon_set_workers(void *ctx, int w)
{
	struct run_ctx *c = ctx;

	if (c->pf) {	/* the file's width holds (static) or bounds (adaptive) */
		int pw = atomic_load(&c->pf->width);

		w = c->o->adaptive && w < pw ? w : pw;
	}
	tp_pool_set_workers(c->pool, w);
}

/* The progress line: its own thread, stderr only.  Task output clears it
 * first and redraws it after, so the two never share a line. */
struct progress {
	struct tp_pool *pool;
	long long total;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_mutex_t out_lock;	/* one writer of the terminal at a time */
	int drawn;			/* columns of the line on screen */
	int stop;
};

static void progress_print_locked(struct progress *p, int final)
{
	struct tp_pool_snapshot s;
	long long fin;
	double rate;
	int n;

	tp_pool_snapshot(p->pool, &s);
	fin = s.done + s.failed;
	rate = s.elapsed_s > 0 ? fin / s.elapsed_s : 0;
	if (p->total >= 0) {
		long long left = p->total - fin - s.skipped;
		char eta[32] = "?";

		if (rate > 0 && left >= 0)
			snprintf(eta, sizeof(eta), "%.0fs", left / rate);
		n = fprintf(stderr, "\r%lld/%lld done, %lld failed, %.1f/s, ETA %s, %d workers", fin,
			    p->total, s.failed, rate, eta, s.workers);
	} else {
		n = fprintf(stderr, "\r%lld done (total unknown), %lld failed, %.1f/s, %d workers", fin,
			    s.failed, rate, s.workers);
	}
	if (n > 1 && n - 1 < p->drawn)	/* a shorter line: blank the rest */
		fprintf(stderr, "%*s", p->drawn - (n - 1), "");
	p->drawn = n > 1 ? n - 1 : 0;
	if (final) {
		fputc('\n', stderr);
		p->drawn = 0;
	}
	fflush(stderr);
}

static void progress_print(struct progress *p, int final)
{
	pthread_mutex_lock(&p->out_lock);
	progress_print_locked(p, final);
	pthread_mutex_unlock(&p->out_lock);
}

/* Takes the terminal and blanks the line; progress_redraw gives it back. */
static void progress_clear(struct progress *p)
{
	pthread_mutex_lock(&p->out_lock);
	if (p->drawn) {
		fprintf(stderr, "\r%*s\r", p->drawn, "");
		fflush(stderr);
		p->drawn = 0;
	}
}

static void progress_redraw(struct progress *p)
{
	progress_print_locked(p, 0);
	pthread_mutex_unlock(&p->out_lock);
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

/* The first line of a procfile, trimmed, into buf: 0 or -1 with an error. */
static int read_procfile(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return tp_usage_error("run: cannot read -j file '%s': %s", path, strerror(errno));
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	memmove(buf, buf + strspn(buf, " \t"), strlen(buf + strspn(buf, " \t")) + 1);
	return 0;
}

/* -j N | 0 | N% | +N | -N (the last three of the usable CPUs). */
static int parse_jobs(const char *s, struct run_opts *o)
{
	size_t n = strlen(s);
	char buf[32];
	double v;

	if (n && s[n - 1] == '%') {
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 1), s);
		if (tp_parse_double(buf, &v) || v <= 0 || v > 100000)
			return tp_usage_error("run: -j '%s' is not a positive percentage of the usable CPUs", s);
		o->jobs = JOBS_PCT;
	} else if (s[0] == '+' || s[0] == '-') {
		if (tp_parse_double(s + 1, &v) || v < 0 || v > 100000 || v != floor(v))
			return tp_usage_error("run: -j '%s' is not +N or -N (CPUs more or fewer than usable)", s);
		o->jobs = s[0] == '+' ? JOBS_PLUS : JOBS_MINUS;
	} else {
		if (!o->procfile && s[strspn(s, "0123456789")] && access(s, F_OK) == 0) {
			/* parallel's procfile: a -j form in a file, re-read as it changes. */
			char buf[64];

			if (read_procfile(s, buf, sizeof(buf)) < 0)
				return -1;
			o->procfile = s;
			if (parse_jobs(buf, o) < 0)
				return tp_usage_error("run: -j '%s': the file holds '%s', not N, 0, N%%, +N or -N",
						      s, buf);
			return 0;
		}
		if (parse_int("-j", s, 0, &o->workers))
			return -1;
		o->jobs = o->workers ? JOBS_N : JOBS_MAX;
		return 0;
	}
	o->jobs_v = v;
	return 0;
}

/* The width a -j form asks for, given the usable CPUs and the bound. */
static int jobs_width(const struct run_opts *o, double cpus, int bound, long long total)
{
	int c = cpus > 0 ? (int)ceil(cpus) : 1, w;

	switch (o->jobs) {
	case JOBS_PCT: w = (int)floor(cpus * o->jobs_v / 100); break;
	case JOBS_PLUS: w = c + (int)o->jobs_v; break;
	case JOBS_MINUS: w = c - (int)o->jobs_v; break;
	case JOBS_MAX: w = total > 0 && total < bound ? (int)total : bound; break;
	default: w = o->workers; break;
	}
	return w < 1 ? 1 : w;
}

/* What separates the command from its inputs, and how. */
static int source_mark(const char *a, int *files, int *linked)
{
	*files = !strcmp(a, "::::") || !strcmp(a, "::::+");
	*linked = !strcmp(a, ":::+") || !strcmp(a, "::::+");
	return *files || *linked || !strcmp(a, ":::");
}

/* Everything from the first ::: / :::: on is inputs: sources into o->src. */
static int parse_sources(int argc, char **argv, int first, struct run_opts *o)
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
				if (o->nsrc >= SOURCES_MAX)
					return tp_usage_error("run: more than %d input sources", SOURCES_MAX);
				o->src[o->nsrc].path = argv[k];
				o->src[o->nsrc++].linked = linked && k == i + 1;
			}
		} else {
			if (o->nsrc >= SOURCES_MAX)
				return tp_usage_error("run: more than %d input sources", SOURCES_MAX);
			o->src[o->nsrc].args = argv + i + 1;
			o->src[o->nsrc].nargs = j - i - 1;
			o->src[o->nsrc++].linked = linked;
		}
		i = j;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct run_opts *o, int *cmd_start, int *cmd_end,
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
		case 'j': if (parse_jobs(optarg, o)) return -1; break;
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
			if (o->nsrc >= SOURCES_MAX)
				return tp_usage_error("run: more than %d input sources", SOURCES_MAX);
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
static int check_paths(const struct run_opts *o)
{
	const struct tp_path_role roles[] = {
		{ "--inputs", o->inputs_file }, { "--config", o->config }, { "--joblog", o->joblog },
		{ "--results", o->results }, { "--log-decisions", o->log_decisions },
	};

	return tp_output_check("--joblog", o->joblog) || tp_output_check("--results", o->results) ||
	       tp_output_check("--log-decisions", o->log_decisions) ||
	       tp_paths_check_distinct(roles, 5) ? -1 : 0;
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

/* What makes one command word a shell command line. */
#define SHELL_CHARS " \t\n|&;<>()$`\\\"'*?[]~#="

/* Inputs per command with -X/-m when the total is unknown, and the cap. */
#define MULTI_BATCH 1000

/* 1 when name is a bash function in the environment (export -f name). */
static int is_exported_function(const char *name)
{
	char *var = tp_xasprintf("BASH_FUNC_%s%%%%", name);
	int found = getenv(var) != NULL;

	free(var);
	return found;
}

/* $PARALLEL_SHELL, else $SHELL, else /bin/sh. */
static const char *shell_path(void)
{
	const char *s = getenv("PARALLEL_SHELL");

	if (!s || !*s)
		s = getenv("SHELL");
	return s && *s ? s : "/bin/sh";
}

/* --dry-run: each command as it would run, one a line; nothing runs. */
static int dry_run(const struct run_opts *o, const struct tp_workload *wl, struct tp_inputs *in)
{
	struct tp_template t;
	struct tp_strbuf buf = TP_STRBUF_INIT, line = TP_STRBUF_INIT;
	char **argv = NULL, **held = NULL;
	size_t alloc = 0, nheld = 0, held_alloc = 0, per = 1, k;
	uint64_t seq = 1, first = 1;
	const char *l;
	size_t len;
	int rc, n, i;

	if (!(wl->desc->flags & TP_WL_COMMAND))
		return tp_usage_error("run: --dry-run needs a command");
	if (o->multi || o->max_args > 1)
		per = o->max_args ? (size_t)o->max_args : MULTI_BATCH;
	tp_template_init(&t, wl->argv, wl->argc, o->shell);
	t.fields = o->nsrc > 1 || o->colsep;
	t.shell_path = shell_path();
	t.join = o->multi == 'm';
	for (;;) {
		rc = tp_inputs_next(in, &l, &len);
		if (rc == 1) {
			tp_grow((void **)&held, &held_alloc, nheld + 1, sizeof(*held));
			held[nheld++] = tp_xstrndup(l, len);
			seq++;
		}
		if (nheld && (rc != 1 || nheld == per)) {
			n = tp_template_expand_slot(&t, (const char *const *)held, (int)nheld, first, 1,
						    &buf, &argv, &alloc);
			tp_strbuf_reset(&line);
			if (o->shell) {
				tp_strbuf_adds(&line, argv[2]);
			} else {
				for (i = 0; i < n; i++) {
					if (i)
						tp_strbuf_addch(&line, ' ');
					if (!*argv[i] || argv[i][strcspn(argv[i], SHELL_CHARS)])
						tp_shell_quote(&line, argv[i]);
					else
						tp_strbuf_adds(&line, argv[i]);
				}
			}
			tp_strbuf_addch(&line, '\n');
			fwrite(line.buf, 1, line.len, stdout);
			for (k = 0; k < nheld; k++)
				free(held[k]);
			nheld = 0;
			first = seq;
		}
		if (rc != 1)
			break;
	}
	free(held);
	free(argv);
	tp_strbuf_release(&buf);
	tp_strbuf_release(&line);
	tp_template_release(&t);
	if (rc < 0)
		return tp_error_exit_code();
	if (fflush(stdout) || ferror(stdout))
		return tp_error("cannot write the commands: %s", strerror(errno)) ? TP_EXIT_SYSTEM : 0;
	return TP_EXIT_OK;
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
	FILE *declog = NULL;
	int cmd_start = 0, cmd_end = 0, in_start = -1, interrupted = 0, have_machine = 0, show_bar = 0;
	int rc = TP_EXIT_SYSTEM, i, pool_ret;
	const char *ctl_name;
	struct timeval tv;
	struct tp_run_summary summary;
	struct procfile pf;
	char sep;

	/* --slurm: the same job spread over a Slurm array (cli/cmd_fleet.c, fleet/). */
	if (tp_cmd_run_wants_slurm(argc, argv))
		return tp_cmd_run_slurm(argc, argv);

	memset(&ctx, 0, sizeof(ctx));
	memset(&rep, 0, sizeof(rep));
	memset(&prog, 0, sizeof(prog));
	memset(&pf, 0, sizeof(pf));
	tp_results_init(&res);
	tp_journal_index_init(&ctx.index);
	tp_conf_init(&conf);
	if (parse_args(argc, argv, &o, &cmd_start, &cmd_end, &in_start) < 0)
		return TP_EXIT_USAGE;
	ctx.o = &o;
	if (env_defaults(&o) < 0)
		return TP_EXIT_USAGE;
	if (check_paths(&o) < 0)
		return tp_error_exit_code();
	/* --nice: relative, as nice -n; before any thread or task exists, so
	 * all inherit it. */
	errno = 0;
	if (o.have_nice &&
	    setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + o.nice) < 0 && !o.quiet)
		tp_warn("run: cannot set niceness %d: %s", o.nice, strerror(errno));
	if (o.config && tp_conf_read_select(o.config, o.section, &conf) < 0)
		return tp_error_exit_code();
	if (o.adaptive < 0)
		o.adaptive = !o.procfile;	/* a procfile sets the width, as in parallel */

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
		if (tp_template_check(argv + cmd_start, cmd_end - cmd_start) < 0)
			return TP_EXIT_USAGE;
		/* One word with shell syntax is a shell command line, as in parallel;
		 * several words stay a direct exec. */
		if (cmd_end - cmd_start == 1 && argv[cmd_start][strcspn(argv[cmd_start], SHELL_CHARS)])
			o.shell = 1;
		/* A bash function exported with export -f runs through the shell too. */
		if (is_exported_function(argv[cmd_start]))
			o.shell = 1;
		if (tp_workload_new_exec(&wl, argv + cmd_start, cmd_end - cmd_start) < 0)
			return tp_error_exit_code();
		ctx.command = join_command(argv + cmd_start, cmd_end - cmd_start,
					   o.shell ? "sh -c" : "");
	}
	if (o.tagstring) {
		char *ts = (char *)o.tagstring;

		if (tp_template_check(&ts, 1) < 0) {
			rc = TP_EXIT_USAGE;
			goto out;
		}
		tp_template_init(&ctx.tagtpl, &ts, 1, 0);
		ctx.tagtpl.fields = o.nsrc > 1 || o.colsep;
	}

	ctx.exec = (wl->desc->flags & TP_WL_COMMAND) != 0;

	/* The inputs, streamed (several sources are read whole: they combine). */
	sep = o.null_sep ? '\0' : '\n';
	if (o.nsrc > 1)
		i = tp_inputs_from_sources(&in, o.src, o.nsrc, o.link, sep);
	else if (o.nsrc == 1 && o.src[0].path)
		i = tp_inputs_from_file_sep(&in, o.src[0].path, 0, sep);
	else if (o.nsrc == 1)
		i = tp_inputs_from_args(&in, o.src[0].args, o.src[0].nargs);
	else if (o.inputs_file)
		i = tp_inputs_from_file_sep(&in, o.inputs_file, 0, sep);
	else if (o.count >= 0)
		i = tp_inputs_from_count(&in, o.count);
	else
		i = tp_inputs_from_file_sep(&in, "-", 0, sep);
	if (i < 0) {
		rc = tp_error_exit_code();
		goto out;
	}
	if (o.colsep && tp_inputs_set_colsep(in, o.colsep) < 0) {
		rc = TP_EXIT_USAGE;
		goto out;
	}
	ctx.total = tp_inputs_total(in);
	(void)in_start;
	if (o.dry_run) {
		rc = dry_run(&o, wl, in);
		goto out;
	}

	/* Width and bounds: options, then tunepool.conf, then the probe. */
	if (o.adaptive || !o.workers || o.config || o.mem_per_worker_kb ||
	    (o.jobs && o.jobs != JOBS_N)) {	/* memory cap, fingerprint, -j forms */
		if (tp_machine_probe(&machine, &popts) == 0)
			have_machine = 1;
	}
	if (o.jobs && o.jobs != JOBS_N)
		o.workers = jobs_width(&o, have_machine ? machine.cpus_usable : 1,
				       o.max_workers ? o.max_workers
				       : have_machine && machine.seeds.max_workers > 0
				       ? machine.seeds.max_workers : 64, ctx.total);
	memset(&po, 0, sizeof(po));
	po.config.workers = o.workers ? o.workers : o.config ? conf.workers
			  : have_machine ? start_seed(&machine, wl, o.adaptive && o.stage < 2) : 1;
	/* A command takes one input per invocation: the batch of a config tuned for
	 * in-process work does not apply to it. */
	po.config.batch = o.batch ? o.batch
			: o.config && !(wl->desc->flags & TP_WL_COMMAND) ? conf.batch : 1;
	if (o.multi || o.max_args > 1) {
		/* -n N per command; -X/-m alone: the inputs spread evenly over
		 * the width, as parallel does (E2BIG fails the task, named). */
		int w = po.config.workers > 0 ? po.config.workers : 1;

		po.multi_input = 1;
		po.config.batch = o.max_args ? o.max_args
				: ctx.total > 0 ? (int)((ctx.total + w - 1) / w) : MULTI_BATCH;
		if (po.config.batch > MULTI_BATCH)
			po.config.batch = MULTI_BATCH;
		if (po.config.batch < 1)
			po.config.batch = 1;
	}
	snprintf(po.config.strategy, sizeof(po.config.strategy), "%s",
		 (wl->desc->flags & TP_WL_COMMAND) ? "exec"
		 : o.config && conf.strategy[0] && strcmp(conf.strategy, "exec") ? conf.strategy
		 : "thread");
	if (!(wl->desc->flags & TP_WL_COMMAND) && o.config && !strcmp(po.config.strategy, "process"))
		snprintf(po.config.start, sizeof(po.config.start), "%s", conf.start);
	if (o.strategy)	/* checked with the workload by tp_pool_new */
		snprintf(po.config.strategy, sizeof(po.config.strategy), "%s", o.strategy);
	if (o.start)
		snprintf(po.config.start, sizeof(po.config.start), "%s", o.start);
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
		       : o.config && conf.max_given ? conf.max_workers
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
	if (o.procfile) {
		/* The file may raise the width later: room up to the bound. */
		int bound = o.max_workers ? o.max_workers
			  : have_machine && machine.seeds.max_workers > 0 ? machine.seeds.max_workers : 64;

		po.min_workers = o.min_workers ? o.min_workers : 1;
		po.max_workers = bound > po.config.workers ? bound : po.config.workers;
	}
	if (o.config && have_machine && !o.quiet)
		tp_conf_check_machine(&conf, o.config, machine.fingerprint);
	mem_cap(&o, o.mem_per_worker_kb ? o.mem_per_worker_kb : o.config ? conf.memory_per_worker_kb : 0,
		have_machine ? machine.mem_usable_kb : 0, &po);
	{
		enum tp_bind_mode bm = TP_BIND_NONE;

		tp_bind_parse(o.bind ? o.bind : o.config ? conf.bind : "none", &bm);
		po.bind = (int)bm;
	}
	po.workload = wl;
	po.timeout_s = o.timeout_s;
	po.timeout_pct = o.timeout_pct;
	po.kill_grace_s = 2.0;
	po.retries = o.retries;
	po.backoff_s = o.retries ? 0.1 : 0;
	po.keep_order = o.keep_order;
	po.group_output = 1;
	po.shell = o.shell;
	po.fields = o.nsrc > 1 || o.colsep;
	po.shell_path = shell_path();
	po.task_env = 1;
	po.async_inputs = !strcmp(po.config.strategy, "exec");
	po.group_output = !o.ungroup;
	po.line_buffer = o.line_buffer;
	po.group_stderr = !o.ungroup && !o.line_buffer;
	po.start_delay_s = o.delay_s;
	po.multi_join = o.multi == 'm';
	if (o.memfree_bytes > 0 || o.load_max > 0)
		po.hooks.may_start = may_start;
	po.cpus_usable = have_machine ? machine.cpus_usable : 0;
	po.hooks.ctx = &ctx;
	po.hooks.on_result = on_result;
	po.hooks.should_skip = should_skip;
	po.hooks.on_worker_log = on_worker_log;

	/* Journal and resume. */
	if (o.joblog && o.joblog_tsv) {
		if (!ctx.exec) {
			rc = TP_EXIT_USAGE;
			tp_usage_error("run: --joblog-format tsv needs a command");
			goto out;
		}
		if (tp_joblog_tsv_open(&ctx.tsv, o.joblog) < 0)
			goto out;
		ctx.have_tsv = 1;
		tp_template_init(&ctx.cmdtpl, wl->argv, wl->argc, o.shell);
		ctx.cmdtpl.fields = po.fields;
		ctx.cmdtpl.shell_path = po.shell_path;
	} else if (o.joblog) {
		if (o.resume && tp_journal_index_load(&ctx.index, o.joblog) < 0) {
			rc = tp_error_exit_code();
			goto out;
		}
		if (ctx.index.torn && !o.quiet)
			tp_warn("run: journal '%s': ignoring a torn last line", o.joblog);
		if (tp_journal_open_stage(&ctx.journal, o.joblog, o.stage) < 0) {
			rc = tp_error_exit_code();	/* 2: held by another run */
			goto out;
		}
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
	co.mem_per_worker_kb = o.mem_per_worker_kb ? o.mem_per_worker_kb
			     : o.config ? conf.memory_per_worker_kb : 0;
	co.log = declog;
	co.cpu_bound_cap = o.stage > 0;	/* a --then stage (runner/stages.h) */
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
	mo.own_children = !strcmp(po.config.strategy, "exec");	/* issue 14 */
	mo.ctl = ctl;
	mo.results = &res;
	mo.src.ctx = &ctx;
	mo.src.snapshot = mon_snapshot;
	mo.src.set_workers = mon_set_workers;
	mon = tp_monitor_new(&mo);
	ctx.mon = mon;

	tp_signals_push(stop_pool, pool);

	gettimeofday(&tv, NULL);
	ctx.epoch0 = tv.tv_sec + tv.tv_usec / 1e6;
	if (tp_monitor_start(mon) < 0)
		goto restore;
	show_bar = o.bar || (!o.quiet && isatty(STDERR_FILENO));
	if (show_bar) {
		prog.pool = pool;
		prog.total = tp_inputs_total(in);
		pthread_mutex_init(&prog.lock, NULL);
		pthread_mutex_init(&prog.out_lock, NULL);
		pthread_cond_init(&prog.wake, NULL);
		if (pthread_create(&prog.thread, NULL, progress_main, &prog))
			show_bar = 0;
		else
			ctx.bar = &prog;
	}
	if (o.procfile) {
		pf.c = &ctx;
		pf.cpus = have_machine ? machine.cpus_usable : 1;
		pf.bound = po.max_workers;
		atomic_store(&pf.width, po.config.workers);
		procfile_changed(&pf);	/* what was read at the start */
		pthread_mutex_init(&pf.lock, NULL);
		pthread_cond_init(&pf.wake, NULL);
		if (!pthread_create(&pf.thread, NULL, procfile_main, &pf))
			ctx.pf = &pf;
	}
	pool_ret = tp_pool_run(pool, in, &rep, &interrupted);
	if (ctx.pf) {
		pthread_mutex_lock(&pf.lock);
		pf.stop = 1;
		pthread_cond_signal(&pf.wake);
		pthread_mutex_unlock(&pf.lock);
		pthread_join(pf.thread, NULL);
		ctx.pf = NULL;
	}
	tp_monitor_stop(mon);
	if (show_bar) {
		pthread_mutex_lock(&prog.lock);
		prog.stop = 1;
		pthread_cond_signal(&prog.wake);
		pthread_mutex_unlock(&prog.lock);
		pthread_join(prog.thread, NULL);
		ctx.bar = NULL;
		progress_print(&prog, 1);
	}
	fflush(stdout);
	tp_run_summary_fill(&summary, &rep, &res, ctx.done, ctx.failed, ctx.skipped_resume,
			    ctx.busy_s, po.config.workers);
	summary.stage = o.stage;	/* a --then stage: its own lines (runner/summary.h) */
	if (o.summary || (!o.quiet && isatty(STDERR_FILENO)))
		tp_run_summary_print(&summary, stderr);
	res.run_summary = tp_run_summary_to_json(&summary);

	if (ctx.have_journal) {
		ctx.have_journal = 0;
		if (tp_journal_close(&ctx.journal) < 0)
			ctx.journal_error = 1;
	}
	errno = 0;
	if (declog && (fflush(declog) == EOF || ferror(declog))) {
		tp_error("cannot write '%s': %s", o.log_decisions, strerror(errno ? errno : EIO));
		ctx.journal_error = 1;
	}
	if (ctx.have_tsv) {
		ctx.have_tsv = 0;
		if (tp_joblog_tsv_close(&ctx.tsv) < 0)
			ctx.journal_error = 1;
	}
	if (o.results) {
		struct tp_config cfg = po.config;

		cfg.workers = tp_monitor_workers(mon) ? tp_monitor_workers(mon) : cfg.workers;
		if (write_results(o.results, &o, &machine, have_machine, wl->desc->name, ctx.command,
				  &cfg, &rep, &res) < 0)
			ctx.journal_error = 1;
	}

	if (ctx.out_errno) {
		tp_warn("run: %lld task%s lost %s output and %s not journaled; --resume runs %s again",
			ctx.undelivered, ctx.undelivered == 1 ? "" : "s",
			ctx.undelivered == 1 ? "its" : "their", ctx.undelivered == 1 ? "is" : "are",
			ctx.undelivered == 1 ? "it" : "them");
		rc = TP_EXIT_SYSTEM;
	} else if (ctx.journal_error) {
		rc = TP_EXIT_SYSTEM;
	} else if (pool_ret < 0) {
		rc = tp_error_exit_code();	/* 2 for a bad input line, 3 for the system */
	} else if (tp_signals_caught() || (interrupted && !ctx.halted)) {
		int sig = tp_signals_caught() ? tp_signals_caught() : SIGINT;

		if (!o.quiet)
			tp_warn("run: interrupted by SIG%s: %lld done, %lld failed; the journal has every "
				"finished task", sigabbrev_np(sig), ctx.done, ctx.failed);
		rc = tp_signals_exit_code(sig);
	} else if (ctx.failed && !(ctx.halted && o.halt_what == HALT_SUCCESS)) {
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
	tp_signals_pop();
out:
	if (ctx.have_journal)
		tp_journal_close(&ctx.journal);
	tp_monitor_free(mon);
	tp_pool_free(pool);
	tp_controller_free(ctl);
	if (declog)
		fclose(declog);
	tp_inputs_free(in);
	if (!tp_pool_abandoned())
		tp_workload_free(wl);
	else	/* its code may still run in an abandoned thread: kept, reachable */
		tp_pool_keep_workload(wl);
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
	tp_template_release(&ctx.tagtpl);
	tp_template_release(&ctx.cmdtpl);
	if (ctx.have_tsv)
		tp_joblog_tsv_close(&ctx.tsv);
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
		"                       the task class: latency for commands, cpu with --static)\n"
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
