/* `tunepool run`'s engine (runner/run.h): the run the CLI parsed, from the
 * inputs to the exit code. */
#include "runner/run.h"
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
#include "runner/joblog_tsv.h"
#include "runner/monitor.h"
#include "runner/pool.h"
#include "runner/signals.h"
#include "runner/stages.h"
#include "runner/summary.h"
#include "runner/template.h"
#include "runner/strategy_persistent.h"
#include "workloads/workload.h"

#include <errno.h>
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
#define BOUND_FALLBACK 64	/* the upper bound when the probe has no seed */
#define KILL_GRACE_S 2.0	/* SIGTERM to SIGKILL for a task past --timeout */
#define RETRY_BACKOFF_S 0.1	/* the first pause before a --retries attempt */
#define INTERVAL_S 0.25		/* the monitor's period without --interval or a conf */

struct failure {
	uint64_t seq;
	char *input;
	char *err;
};

/* The run's shared state: hooks run on one pool thread at a time. */
struct run_ctx {
	struct tp_run_opts *o;
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
	const struct tp_run_opts *o = c->o;
	long long finished = c->done + c->failed;
	long long n = o->halt_what == TP_HALT_FAIL ? c->failed
		    : o->halt_what == TP_HALT_SUCCESS ? c->done : finished;
	int trip;

	if (o->halt == TP_HALT_NEVER || c->halted || !n)
		return;
	/* A percentage is of all tasks when the total is known (parallel's
	 * reading), else of those finished so far. */
	trip = o->halt_pct ? 100.0 * n / (c->total > 0 ? c->total : finished ? finished : 1)
			     >= o->halt_fail
			   : n >= o->halt_fail;
	if (!trip)
		return;
	c->halted = 1;
	if (o->halt_what == TP_HALT_FAIL)
		tp_warn("run: halting (%s) after %lld failed task%s",
			o->halt == TP_HALT_NOW ? "now" : "soon", c->failed, c->failed == 1 ? "" : "s");
	/* now: end running tasks too; soon: start nothing more, let running
	 * tasks finish (the unread inputs stay unread: a resume runs them). */
	if (c->pool)
		(o->halt == TP_HALT_NOW ? tp_pool_stop : tp_pool_drain)(c->pool);
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

/* --joblog-format tsv: the task's row in parallel's format. */
static void append_tsv(struct run_ctx *c, const struct tp_task_result *r)
{
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

/* --joblog: the task's JSON line; a failed write stops the run. */
static void append_journal(struct run_ctx *c, const struct tp_task_result *r)
{
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

/* One of the first FAIL_KEEP failures, kept for the summary. */
static void keep_failure(struct run_ctx *c, const struct tp_task_result *r)
{
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
	if (c->have_tsv && !c->journal_error)
		append_tsv(c, r);
	if (c->have_journal && !c->journal_error)
		append_journal(c, r);
	if (r->ok) {
		c->done++;
		if (c->o->halt_what != TP_HALT_FAIL)
			check_halt(c);
		return;
	}
	c->failed++;
	if (c->nfails < FAIL_KEEP)
		keep_failure(c, r);
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
	/* Unknown tasks under a controller start at the CPUs: its start phase
	 * doubles the width per round of completions while inputs wait and the
	 * CPUs idle, so wait-bound tasks reach the wide range in a few rounds,
	 * and CPU-bound, lock- or disk-bound ones never start past their best. */
	int seed = !adaptive || cls == TP_CLASS_CPU || cls == TP_CLASS_UNKNOWN ? m->seeds.cpu
		 : cls == TP_CLASS_MEMORY ? m->seeds.memory
		 : m->seeds.latency;

	return seed > 0 ? seed : 1;
}

/* Usable memory / the memory one worker needs caps the width (issue 14). */
static void mem_cap(const struct tp_run_opts *o, long long per_worker_kb, long long usable_kb,
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
static int jobs_width(const struct tp_run_opts *o, double cpus, int bound, long long total);

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
			struct tp_run_opts tmp = *pf->c->o;
			struct tp_pool_snapshot snap;
			char buf[64];
			int w;

			tmp.procfile = "";	/* the content is a -j form, not a file again */
			if (read_procfile(pf->c->o->procfile, buf, sizeof(buf)) < 0 ||
			    tp_run_parse_jobs(buf, &tmp) < 0)
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
int tp_run_parse_jobs(const char *s, struct tp_run_opts *o)
{
	size_t n = strlen(s);
	char buf[32];
	double v;

	if (n && s[n - 1] == '%') {
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 1), s);
		if (tp_parse_double(buf, &v) || v <= 0 || v > 100000)
			return tp_usage_error("run: -j '%s' is not a positive percentage of the usable CPUs", s);
		o->jobs = TP_JOBS_PCT;
	} else if (s[0] == '+' || s[0] == '-') {
		if (tp_parse_double(s + 1, &v) || v < 0 || v > 100000 || v != floor(v))
			return tp_usage_error("run: -j '%s' is not +N or -N (CPUs more or fewer than usable)", s);
		o->jobs = s[0] == '+' ? TP_JOBS_PLUS : TP_JOBS_MINUS;
	} else {
		if (!o->procfile && s[strspn(s, "0123456789")] && access(s, F_OK) == 0) {
			/* parallel's procfile: a -j form in a file, re-read as it changes. */
			char buf[64];

			if (read_procfile(s, buf, sizeof(buf)) < 0)
				return -1;
			o->procfile = s;
			if (tp_run_parse_jobs(buf, o) < 0)
				return tp_usage_error("run: -j '%s': the file holds '%s', not N, 0, N%%, +N or -N",
						      s, buf);
			return 0;
		}
		long long w;

		if (tp_parse_long(s, &w) || w < 0 || w > 1000000)
			return tp_usage_error("run: %s '%s' is not an integer >= %d", "-j", s, 0);
		o->workers = (int)w;
		o->jobs = o->workers ? TP_JOBS_N : TP_JOBS_MAX;
		return 0;
	}
	o->jobs_v = v;
	return 0;
}

/* The width a -j form asks for, given the usable CPUs and the bound. */
static int jobs_width(const struct tp_run_opts *o, double cpus, int bound, long long total)
{
	int c = cpus > 0 ? (int)ceil(cpus) : 1, w;

	switch (o->jobs) {
	case TP_JOBS_PCT: w = (int)floor(cpus * o->jobs_v / 100); break;
	case TP_JOBS_PLUS: w = c + (int)o->jobs_v; break;
	case TP_JOBS_MINUS: w = c - (int)o->jobs_v; break;
	case TP_JOBS_MAX: w = total > 0 && total < bound ? (int)total : bound; break;
	default: w = o->workers; break;
	}
	return w < 1 ? 1 : w;
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

static int write_results(const char *path, const struct tp_run_opts *o, struct tp_machine *m,
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

/* --dry-run: each command as it would run, one a line; nothing runs. */
static int dry_run(const struct tp_run_opts *o, const struct tp_workload *wl, struct tp_inputs *in)
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
	t.shell_path = tp_shell_path();
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

/* One run's state: what tp_run's phases build, use and release. */
struct run {
	struct tp_run_opts o;		/* a copy: the defaults get filled in */
	struct tp_run_conf conf;
	struct run_ctx ctx;		/* what the pool's hooks see */
	struct tp_machine machine;
	int have_machine;
	struct tp_workload *wl;
	struct tp_inputs *in;
	struct tp_pool_opts po;
	struct tp_pool *pool;
	struct tp_controller *ctl;
	const char *ctl_name;
	struct tp_monitor *mon;
	FILE *declog;
	struct tp_results res;
	struct tp_repeat rep;
	struct progress prog;
	int show_bar;
	struct procfile pf;
	int interrupted;
	int rc;				/* the exit code once a phase stops the run */
};

/* The probe's upper bound for the width, else BOUND_FALLBACK. */
static int probe_bound(const struct run *r)
{
	return r->have_machine && r->machine.seeds.max_workers > 0 ? r->machine.seeds.max_workers
								    : BOUND_FALLBACK;
}

/* The workload: -w, --plugin or the command (a shell line when it must be). */
static int run_workload(struct run *r)
{
	if (r->o.workload_spec) {
		if (tp_workload_new(&r->wl, r->o.workload_spec) < 0)
			return r->rc = tp_error_exit_code(), -1;
		r->ctx.command = join_command(NULL, 0, r->o.workload_spec);
	} else if (r->o.plugin) {
		if (tp_workload_new_plugin(&r->wl, r->o.plugin) < 0)
			return r->rc = tp_error_exit_code(), -1;
		r->ctx.command = tp_xasprintf("plugin:%s", r->o.plugin);
	} else {
		if (tp_template_check(r->o.cmd, r->o.ncmd) < 0)
			return r->rc = TP_EXIT_USAGE, -1;
		/* One word with shell syntax is a shell command line, as in parallel;
		 * several words stay a direct exec. */
		if (r->o.ncmd == 1 && r->o.cmd[0][strcspn(r->o.cmd[0], SHELL_CHARS)])
			r->o.shell = 1;
		/* A bash function exported with export -f runs through the shell too. */
		if (is_exported_function(r->o.cmd[0]))
			r->o.shell = 1;
		if (tp_workload_new_exec(&r->wl, r->o.cmd, r->o.ncmd) < 0)
			return r->rc = tp_error_exit_code(), -1;
		r->ctx.command = join_command(r->o.cmd, r->o.ncmd,
					   r->o.shell ? "sh -c" : "");
	}
	if (r->o.tagstring) {
		char *ts = (char *)r->o.tagstring;

		if (tp_template_check(&ts, 1) < 0) {
			r->rc = TP_EXIT_USAGE;
			return -1;
		}
		tp_template_init(&r->ctx.tagtpl, &ts, 1, 0);
		r->ctx.tagtpl.fields = r->o.nsrc > 1 || r->o.colsep;
	}

	r->ctx.exec = (r->wl->desc->flags & TP_WL_COMMAND) != 0;
	return 0;
}

/* The inputs, streamed (several sources are read whole: they combine);
 * --dry-run ends the run here. */
static int run_inputs(struct run *r)
{
	char sep;
	int i;

	sep = r->o.null_sep ? '\0' : '\n';
	if (r->o.nsrc > 1)
		i = tp_inputs_from_sources(&r->in, r->o.src, r->o.nsrc, r->o.link, sep);
	else if (r->o.nsrc == 1 && r->o.src[0].path)
		i = tp_inputs_from_file_sep(&r->in, r->o.src[0].path, 0, sep);
	else if (r->o.nsrc == 1)
		i = tp_inputs_from_args(&r->in, r->o.src[0].args, r->o.src[0].nargs);
	else if (r->o.inputs_file)
		i = tp_inputs_from_file_sep(&r->in, r->o.inputs_file, 0, sep);
	else if (r->o.count >= 0)
		i = tp_inputs_from_count(&r->in, r->o.count);
	else
		i = tp_inputs_from_file_sep(&r->in, "-", 0, sep);
	if (i < 0) {
		r->rc = tp_error_exit_code();
		return -1;
	}
	if (r->o.colsep && tp_inputs_set_colsep(r->in, r->o.colsep) < 0) {
		r->rc = TP_EXIT_USAGE;
		return -1;
	}
	r->ctx.total = tp_inputs_total(r->in);
	if (r->o.dry_run) {
		r->rc = dry_run(&r->o, r->wl, r->in);
		return -1;
	}
	return 0;
}

/* The starting width and batch: options, then tunepool.conf, then the probe. */
static void run_width(struct run *r)
{
	struct tp_probe_opts popts = { .skip_counters = 1 };

	if (r->o.adaptive || !r->o.workers || r->o.config || r->o.mem_per_worker_kb ||
	    (r->o.jobs && r->o.jobs != TP_JOBS_N)) {	/* memory cap, fingerprint, -j forms */
		if (tp_machine_probe(&r->machine, &popts) == 0)
			r->have_machine = 1;
	}
	if (r->o.jobs && r->o.jobs != TP_JOBS_N)
		r->o.workers = jobs_width(&r->o, r->have_machine ? r->machine.cpus_usable : 1,
				       r->o.max_workers ? r->o.max_workers : probe_bound(r), r->ctx.total);
	memset(&r->po, 0, sizeof(r->po));
	r->po.config.workers = r->o.workers ? r->o.workers : r->o.config ? r->conf.workers
			  : r->have_machine ? start_seed(&r->machine, r->wl, r->o.adaptive && r->o.stage < 2) : 1;
	/* A command takes one input per invocation: the batch of a config tuned for
	 * in-process work does not apply to it. */
	r->po.config.batch = r->o.batch ? r->o.batch
			: r->o.config && !(r->wl->desc->flags & TP_WL_COMMAND) ? r->conf.batch : 1;
	if (r->o.multi || r->o.max_args > 1) {
		/* -n N per command; -X/-m alone: the inputs spread evenly over
		 * the width, as parallel does (E2BIG fails the task, named). */
		int w = r->po.config.workers > 0 ? r->po.config.workers : 1;

		r->po.multi_input = 1;
		r->po.config.batch = r->o.max_args ? r->o.max_args
				: r->ctx.total > 0 ? (int)((r->ctx.total + w - 1) / w) : MULTI_BATCH;
		if (r->po.config.batch > MULTI_BATCH)
			r->po.config.batch = MULTI_BATCH;
		if (r->po.config.batch < 1)
			r->po.config.batch = 1;
	}
}

/* The strategy and start method, and persistent workers: --persistent, or a
 * conf tuned with them. */
static int run_strategy(struct run *r)
{
	snprintf(r->po.config.strategy, sizeof(r->po.config.strategy), "%s",
		 (r->wl->desc->flags & TP_WL_COMMAND) ? "exec"
		 : r->o.config && r->conf.strategy[0] && strcmp(r->conf.strategy, "exec") ? r->conf.strategy
		 : "thread");
	if (!(r->wl->desc->flags & TP_WL_COMMAND) && r->o.config && !strcmp(r->po.config.strategy, "process"))
		snprintf(r->po.config.start, sizeof(r->po.config.start), "%s", r->conf.start);
	if (r->o.strategy)	/* checked with the workload by tp_pool_new */
		snprintf(r->po.config.strategy, sizeof(r->po.config.strategy), "%s", r->o.strategy);
	if (r->o.start)
		snprintf(r->po.config.start, sizeof(r->po.config.start), "%s", r->o.start);
	if (!r->o.persistent && r->o.config && !strcmp(r->conf.strategy, "persistent") &&
	    (r->wl->desc->flags & TP_WL_COMMAND))
		r->o.persistent = r->conf.framing[0] ? r->conf.framing : "lines";
	if (r->o.persistent) {
		if (tp_persistent_setup(r->wl, r->o.persistent, r->o.shell, &r->po) < 0) {
			r->rc = tp_error_exit_code();
			return -1;
		}
		if (!r->o.batch)
			r->po.config.batch = r->o.config && !strcmp(r->conf.strategy, "persistent") ? r->conf.batch : 1;
		r->ctx.exec = 0;	/* stderr lines carry the worker's slot */
		free(r->ctx.command);
		r->ctx.command = join_command(r->o.cmd, r->o.ncmd,
					   tp_framing_name(r->po.framing));	/* other hashes */
	}
	return 0;
}

/* The bounds around the width: options, conf, probe; a -j FILE, the
 * memory cap. */
static void run_bounds(struct run *r)
{
	r->po.min_workers = r->o.min_workers ? r->o.min_workers : r->o.config ? r->conf.min_workers : 1;
	r->po.max_workers = r->o.max_workers ? r->o.max_workers
		       : r->o.config && r->conf.max_given ? r->conf.max_workers
		       : probe_bound(r);
	if (!r->o.adaptive)
		r->po.min_workers = r->po.max_workers = r->po.config.workers;
	if (!r->o.workers && !r->o.config && r->po.min_workers <= r->po.max_workers) {
		/* A seed is only a start: it moves into the bounds, not they to it. */
		if (r->po.config.workers > r->po.max_workers)
			r->po.config.workers = r->po.max_workers;
		if (r->po.config.workers < r->po.min_workers)
			r->po.config.workers = r->po.min_workers;
	}
	if (r->po.config.workers < r->po.min_workers)
		r->po.min_workers = r->po.config.workers;
	if (r->po.config.workers > r->po.max_workers)
		r->po.max_workers = r->po.config.workers;
	if (r->o.procfile) {
		/* The file may raise the width later: room up to the bound. */
		int bound = r->o.max_workers ? r->o.max_workers
			  : probe_bound(r);

		r->po.min_workers = r->o.min_workers ? r->o.min_workers : 1;
		r->po.max_workers = bound > r->po.config.workers ? bound : r->po.config.workers;
	}
	if (r->o.config && r->have_machine && !r->o.quiet && r->o.check_machine)
		r->o.check_machine(r->o.check_ctx, r->machine.fingerprint);
	mem_cap(&r->o, r->o.mem_per_worker_kb ? r->o.mem_per_worker_kb : r->o.config ? r->conf.memory_per_worker_kb : 0,
		r->have_machine ? r->machine.mem_usable_kb : 0, &r->po);
}

/* Everything else the pool takes from the options, and the hooks. */
static void run_pool_opts(struct run *r)
{
	{
		enum tp_bind_mode bm = TP_BIND_NONE;

		tp_bind_parse(r->o.bind ? r->o.bind : r->o.config ? r->conf.bind : "none", &bm);
		r->po.bind = (int)bm;
	}
	r->po.workload = r->wl;
	r->po.timeout_s = r->o.timeout_s;
	r->po.timeout_pct = r->o.timeout_pct;
	r->po.kill_grace_s = KILL_GRACE_S;
	r->po.retries = r->o.retries;
	r->po.backoff_s = r->o.retries ? RETRY_BACKOFF_S : 0;
	r->po.keep_order = r->o.keep_order;
	r->po.group_output = 1;
	r->po.shell = r->o.shell;
	r->po.fields = r->o.nsrc > 1 || r->o.colsep;
	r->po.shell_path = tp_shell_path();
	r->po.task_env = 1;
	r->po.async_inputs = !strcmp(r->po.config.strategy, "exec");
	r->po.group_output = !r->o.ungroup;
	r->po.line_buffer = r->o.line_buffer;
	r->po.group_stderr = !r->o.ungroup && !r->o.line_buffer;
	r->po.start_delay_s = r->o.delay_s;
	r->po.multi_join = r->o.multi == 'm';
	if (r->o.memfree_bytes > 0 || r->o.load_max > 0)
		r->po.hooks.may_start = may_start;
	r->po.cpus_usable = r->have_machine ? r->machine.cpus_usable : 0;
	r->po.hooks.ctx = &r->ctx;
	r->po.hooks.on_result = on_result;
	r->po.hooks.should_skip = should_skip;
	r->po.hooks.on_worker_log = on_worker_log;
}

/* Journal and resume: --joblog (JSON Lines, or parallel's tsv), --resume. */
static int run_journal(struct run *r)
{
	if (r->o.joblog && r->o.joblog_tsv) {
		if (!r->ctx.exec) {
			r->rc = TP_EXIT_USAGE;
			tp_usage_error("run: --joblog-format tsv needs a command");
			return -1;
		}
		if (tp_joblog_tsv_open(&r->ctx.tsv, r->o.joblog) < 0)
			return -1;
		r->ctx.have_tsv = 1;
		tp_template_init(&r->ctx.cmdtpl, r->wl->argv, r->wl->argc, r->o.shell);
		r->ctx.cmdtpl.fields = r->po.fields;
		r->ctx.cmdtpl.shell_path = r->po.shell_path;
	} else if (r->o.joblog) {
		if (r->o.resume && tp_journal_index_load(&r->ctx.index, r->o.joblog) < 0) {
			r->rc = tp_error_exit_code();
			return -1;
		}
		if (r->ctx.index.torn && !r->o.quiet)
			tp_warn("run: journal '%s': ignoring a torn last line", r->o.joblog);
		if (tp_journal_open_stage(&r->ctx.journal, r->o.joblog, r->o.stage) < 0) {
			r->rc = tp_error_exit_code();	/* 2: held by another run */
			return -1;
		}
		r->ctx.have_journal = 1;
	}

	return 0;
}

/* The controller's name: --controller, --static, the conf's, else hill. */
static int run_ctl_name(struct run *r)
{
	r->ctl_name = r->o.controller ? r->o.controller : !r->o.adaptive ? "static"
		 : r->o.config && r->conf.controller[0] && strcmp(r->conf.controller, "none") ? r->conf.controller
		 : "hill";
	if (!r->o.adaptive && r->o.controller && strcmp(r->o.controller, "static")) {
		r->rc = TP_EXIT_USAGE;
		tp_usage_error("run: --static holds the width; controller '%s' needs --adaptive",
			       r->o.controller);
		return -1;
	}
	return 0;
}

/* --log-decisions: never truncate a file through a symlink planted at the path. */
static int run_open_declog(struct run *r)
{
	int fd = open(r->o.log_decisions, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		      0644);

	if (fd < 0 || !(r->declog = fdopen(fd, "w"))) {
		tp_error("cannot open '%s': %s", r->o.log_decisions, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* The controller; a conf may name one this runner lacks: fall back, say so. */
static int run_controller(struct run *r)
{
	struct tp_ctl_opts co;

	memset(&co, 0, sizeof(co));
	co.min_workers = r->po.min_workers;
	co.max_workers = r->po.max_workers;
	co.initial = r->po.config.workers;
	co.cpus_usable = r->po.cpus_usable;
	co.mem_per_worker_kb = r->o.mem_per_worker_kb ? r->o.mem_per_worker_kb
			     : r->o.config ? r->conf.memory_per_worker_kb : 0;
	co.log = r->declog;
	co.cpu_bound_cap = r->o.stage > 0;	/* a --then stage (runner/stages.h) */
	if (r->o.config && !r->o.controller && r->o.adaptive) {
		/* A conf may name a controller this runner lacks: fall back, say so. */
		size_t n, k;
		const struct tp_controller_desc *const *tab = tp_controller_table(&n);

		for (k = 0; k < n && strcmp(tab[k]->name, r->ctl_name); k++)
			;
		if (k == n) {
			if (!r->o.quiet)
				tp_warn("'%s': controller = '%s' is not one of this runner's; using 'hill'",
					r->o.config, r->ctl_name);
			r->ctl_name = "hill";
		}
	}
	if (tp_controller_new(&r->ctl, r->ctl_name, &co) < 0) {
		r->rc = tp_error_exit_code();
		return -1;
	}
	return 0;
}

/* The pool and its monitor. */
static int run_pool_new(struct run *r)
{
	struct tp_monitor_opts mo;

	/* A controller that resizes can take a cut at a change of input class. */
	r->po.phase_gate = strcmp(r->ctl_name, "static") != 0;
	if (tp_pool_new(&r->pool, &r->po) < 0) {
		r->rc = tp_error_exit_code();
		return -1;
	}
	r->ctx.pool = r->pool;

	memset(&mo, 0, sizeof(mo));
	mo.interval_s = r->o.interval_s ? r->o.interval_s
		      : r->o.config && r->conf.interval_ms > 0 ? r->conf.interval_ms / 1000.0 : INTERVAL_S;
	mo.cpus_usable = r->po.cpus_usable;
	mo.own_threads = !strcmp(r->po.config.strategy, "thread");
	mo.own_children = !strcmp(r->po.config.strategy, "exec");	/* issue 14 */
	mo.ctl = r->ctl;
	mo.results = &r->res;
	mo.src.ctx = &r->ctx;
	mo.src.snapshot = mon_snapshot;
	mo.src.set_workers = mon_set_workers;
	r->mon = tp_monitor_new(&mo);
	r->ctx.mon = r->mon;
	return 0;
}

/* The progress line and the -j FILE watcher, threads of their own. */
static void run_threads_start(struct run *r)
{
	r->show_bar = r->o.bar || (!r->o.quiet && isatty(STDERR_FILENO));
	if (r->show_bar) {
		r->prog.pool = r->pool;
		r->prog.total = tp_inputs_total(r->in);
		pthread_mutex_init(&r->prog.lock, NULL);
		pthread_mutex_init(&r->prog.out_lock, NULL);
		pthread_cond_init(&r->prog.wake, NULL);
		if (pthread_create(&r->prog.thread, NULL, progress_main, &r->prog))
			r->show_bar = 0;
		else
			r->ctx.bar = &r->prog;
	}
	if (r->o.procfile) {
		r->pf.c = &r->ctx;
		r->pf.cpus = r->have_machine ? r->machine.cpus_usable : 1;
		r->pf.bound = r->po.max_workers;
		atomic_store(&r->pf.width, r->po.config.workers);
		procfile_changed(&r->pf);	/* what was read at the start */
		pthread_mutex_init(&r->pf.lock, NULL);
		pthread_cond_init(&r->pf.wake, NULL);
		if (!pthread_create(&r->pf.thread, NULL, procfile_main, &r->pf))
			r->ctx.pf = &r->pf;
	}
}

/* Stops what run_threads_start started, and the monitor. */
static void run_threads_stop(struct run *r)
{
	if (r->ctx.pf) {
		pthread_mutex_lock(&r->pf.lock);
		r->pf.stop = 1;
		pthread_cond_signal(&r->pf.wake);
		pthread_mutex_unlock(&r->pf.lock);
		pthread_join(r->pf.thread, NULL);
		r->ctx.pf = NULL;
	}
	tp_monitor_stop(r->mon);
	if (r->show_bar) {
		pthread_mutex_lock(&r->prog.lock);
		r->prog.stop = 1;
		pthread_cond_signal(&r->prog.wake);
		pthread_mutex_unlock(&r->prog.lock);
		pthread_join(r->prog.thread, NULL);
		r->ctx.bar = NULL;
		progress_print(&r->prog, 1);
	}
	fflush(stdout);
}

/* The end-of-run summary, the journals and the decision log closed, and
 * results.json: a failed write is an error (journal_error). */
static void run_close_outputs(struct run *r)
{
	struct tp_run_summary summary;

	tp_run_summary_fill(&summary, &r->rep, &r->res, r->ctx.done, r->ctx.failed, r->ctx.skipped_resume,
			    r->ctx.busy_s, r->po.config.workers);
	summary.stage = r->o.stage;	/* a --then stage: its own lines (runner/summary.h) */
	if (r->o.summary || (!r->o.quiet && isatty(STDERR_FILENO)))
		tp_run_summary_print(&summary, stderr);
	r->res.run_summary = tp_run_summary_to_json(&summary);

	if (r->ctx.have_journal) {
		r->ctx.have_journal = 0;
		if (tp_journal_close(&r->ctx.journal) < 0)
			r->ctx.journal_error = 1;
	}
	errno = 0;
	if (r->declog && (fflush(r->declog) == EOF || ferror(r->declog))) {
		tp_error("cannot write '%s': %s", r->o.log_decisions, strerror(errno ? errno : EIO));
		r->ctx.journal_error = 1;
	}
	if (r->ctx.have_tsv) {
		r->ctx.have_tsv = 0;
		if (tp_joblog_tsv_close(&r->ctx.tsv) < 0)
			r->ctx.journal_error = 1;
	}
	if (r->o.results) {
		struct tp_config cfg = r->po.config;

		cfg.workers = tp_monitor_workers(r->mon) ? tp_monitor_workers(r->mon) : cfg.workers;
		if (write_results(r->o.results, &r->o, &r->machine, r->have_machine, r->wl->desc->name, r->ctx.command,
				  &cfg, &r->rep, &r->res) < 0)
			r->ctx.journal_error = 1;
	}
}

/* The failure summary on stderr: the first FAIL_KEEP failures, each with
 * the start of its input and the first lines of its error. */
static void print_failures(const struct run *r)
{
	int i;

		struct tp_strbuf sb = TP_STRBUF_INIT;

		if (r->o.stage)
			tp_strbuf_addf(&sb, "stage %d ('%s'): ", r->o.stage, r->ctx.command);
		tp_strbuf_addf(&sb, "%lld of %lld task%s failed:\n", r->ctx.failed, r->ctx.done + r->ctx.failed,
			       r->ctx.done + r->ctx.failed == 1 ? "" : "s");
		for (i = 0; i < r->ctx.nfails; i++) {
			const char *nl = strchr(r->ctx.fails[i].err, '\n');

			/* Inputs can be huge: the summary shows their start. */
			tp_strbuf_addf(&sb, "  #%" PRIu64 " '%.*s%s': %.*s\n", r->ctx.fails[i].seq,
				       FAIL_INPUT_MAX, r->ctx.fails[i].input,
				       strlen(r->ctx.fails[i].input) > FAIL_INPUT_MAX ? "..." : "",
				       (int)(nl ? nl - r->ctx.fails[i].err : (long)strlen(r->ctx.fails[i].err)),
				       r->ctx.fails[i].err);
			if (nl)
				add_first_lines(&sb, nl + 1);
		}
		if (r->ctx.failed > r->ctx.nfails)
			tp_strbuf_addf(&sb, "  ... and %lld more\n", r->ctx.failed - r->ctx.nfails);
		fputs(sb.buf, stderr);
		tp_strbuf_release(&sb);
}

/* The exit code: a lost output or a failed write (3), the pool's error, a
 * signal, failed tasks (1), else 0. */
static int run_exit_code(struct run *r, int pool_ret)
{
	if (r->ctx.out_errno) {
		tp_warn("run: %lld task%s lost %s output and %s not journaled; --resume runs %s again",
			r->ctx.undelivered, r->ctx.undelivered == 1 ? "" : "s",
			r->ctx.undelivered == 1 ? "its" : "their", r->ctx.undelivered == 1 ? "is" : "are",
			r->ctx.undelivered == 1 ? "it" : "them");
		return TP_EXIT_SYSTEM;
	} else if (r->ctx.journal_error) {
		return TP_EXIT_SYSTEM;
	} else if (pool_ret < 0) {
		return tp_error_exit_code();	/* 2 for a bad input line, 3 for the system */
	} else if (tp_signals_caught() || (r->interrupted && !r->ctx.halted)) {
		int sig = tp_signals_caught() ? tp_signals_caught() : SIGINT;

		if (!r->o.quiet)
			tp_warn("run: interrupted by SIG%s: %lld done, %lld failed; the journal has every "
				"finished task", sigabbrev_np(sig), r->ctx.done, r->ctx.failed);
		return tp_signals_exit_code(sig);
	} else if (r->ctx.failed && !(r->ctx.halted && r->o.halt_what == TP_HALT_SUCCESS)) {
		print_failures(r);
		return TP_EXIT_NEGATIVE;
	} else {
		return TP_EXIT_OK;
	}
}

/* Releases what the phases built (any of it may be missing). */
static void run_release(struct run *r)
{
	int i;

	if (r->ctx.have_journal)
		tp_journal_close(&r->ctx.journal);
	tp_monitor_free(r->mon);
	tp_pool_free(r->pool);
	tp_controller_free(r->ctl);
	if (r->declog)
		fclose(r->declog);
	tp_inputs_free(r->in);
	if (!tp_pool_abandoned())
		tp_workload_free(r->wl);
	else	/* its code may still run in an abandoned thread: kept, reachable */
		tp_pool_keep_workload(r->wl);
	if (r->have_machine)
		tp_machine_release(&r->machine);
	tp_journal_index_release(&r->ctx.index);
	tp_results_release(&r->res);
	free(r->rep.counters);
	for (i = 0; i < r->ctx.nfails; i++) {
		free(r->ctx.fails[i].input);
		free(r->ctx.fails[i].err);
	}
	free(r->ctx.command);
	tp_template_release(&r->ctx.tagtpl);
	tp_template_release(&r->ctx.cmdtpl);
	if (r->ctx.have_tsv)
		tp_joblog_tsv_close(&r->ctx.tsv);
}

/* The phases in order; each either goes on (0) or ends the run with r->rc. */
int tp_run(const struct tp_run_opts *opts)
{
	struct run run, *r = &run;
	struct timeval tv;
	int pool_ret;

	memset(&run, 0, sizeof(run));
	r->o = *opts;
	r->conf = opts->conf;
	r->rc = TP_EXIT_SYSTEM;
	tp_results_init(&r->res);
	tp_journal_index_init(&r->ctx.index);
	r->ctx.o = &r->o;
	/* --nice: relative, as nice -n; before any thread or task exists, so
	 * all inherit it. */
	errno = 0;
	if (r->o.have_nice &&
	    setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + r->o.nice) < 0 && !r->o.quiet)
		tp_warn("run: cannot set niceness %d: %s", r->o.nice, strerror(errno));
	if (r->o.adaptive < 0)
		r->o.adaptive = !r->o.procfile;	/* a procfile sets the width, as in parallel */
	if (run_workload(r) < 0 || run_inputs(r) < 0)
		goto out;
	run_width(r);
	if (run_strategy(r) < 0)
		goto out;
	run_bounds(r);
	run_pool_opts(r);
	if (run_journal(r) < 0 || run_ctl_name(r) < 0 ||
	    (r->o.log_decisions && run_open_declog(r) < 0) || run_controller(r) < 0 ||
	    run_pool_new(r) < 0)
		goto out;

	tp_signals_push(stop_pool, r->pool);
	gettimeofday(&tv, NULL);
	r->ctx.epoch0 = tv.tv_sec + tv.tv_usec / 1e6;
	if (tp_monitor_start(r->mon) == 0) {
		run_threads_start(r);
		pool_ret = tp_pool_run(r->pool, r->in, &r->rep, &r->interrupted);
		run_threads_stop(r);
		run_close_outputs(r);
		r->rc = run_exit_code(r, pool_ret);
	}
	tp_signals_pop();
out:
	run_release(r);
	return r->rc;
}
