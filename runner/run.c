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
		};

		if (tp_journal_append(&c->journal, &jr) < 0) {
			c->journal_error = 1;
			if (c->pool)
				tp_pool_stop(c->pool);
		}
	}
	if (r->ok) {
		c->done++;
		if (c->o->halt_what != TP_HALT_FAIL)
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
	if (c->o->resume != TP_RESUME_NONE &&
	    tp_journal_index_take(&c->index, tp_journal_hash(c->command, input), seq, c->o->resume)) {
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

/* $PARALLEL_SHELL, else $SHELL, else /bin/sh. */
static const char *shell_path(void)
{
	const char *s = getenv("PARALLEL_SHELL");

	if (!s || !*s)
		s = getenv("SHELL");
	return s && *s ? s : "/bin/sh";
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

int tp_run(const struct tp_run_opts *opts)
{
	struct tp_run_opts o = *opts;
	const struct tp_run_conf conf = opts->conf;
	struct run_ctx ctx;
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
	int interrupted = 0, have_machine = 0, show_bar = 0;
	int rc = TP_EXIT_SYSTEM, i, pool_ret;
	const char *ctl_name;
	struct timeval tv;
	struct tp_run_summary summary;
	struct procfile pf;
	char sep;

	memset(&ctx, 0, sizeof(ctx));
	memset(&rep, 0, sizeof(rep));
	memset(&prog, 0, sizeof(prog));
	memset(&pf, 0, sizeof(pf));
	tp_results_init(&res);
	tp_journal_index_init(&ctx.index);
	ctx.o = &o;
	/* --nice: relative, as nice -n; before any thread or task exists, so
	 * all inherit it. */
	errno = 0;
	if (o.have_nice &&
	    setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + o.nice) < 0 && !o.quiet)
		tp_warn("run: cannot set niceness %d: %s", o.nice, strerror(errno));
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
		if (tp_template_check(o.cmd, o.ncmd) < 0)
			return TP_EXIT_USAGE;
		/* One word with shell syntax is a shell command line, as in parallel;
		 * several words stay a direct exec. */
		if (o.ncmd == 1 && o.cmd[0][strcspn(o.cmd[0], SHELL_CHARS)])
			o.shell = 1;
		/* A bash function exported with export -f runs through the shell too. */
		if (is_exported_function(o.cmd[0]))
			o.shell = 1;
		if (tp_workload_new_exec(&wl, o.cmd, o.ncmd) < 0)
			return tp_error_exit_code();
		ctx.command = join_command(o.cmd, o.ncmd,
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
	if (o.dry_run) {
		rc = dry_run(&o, wl, in);
		goto out;
	}

	/* Width and bounds: options, then tunepool.conf, then the probe. */
	if (o.adaptive || !o.workers || o.config || o.mem_per_worker_kb ||
	    (o.jobs && o.jobs != TP_JOBS_N)) {	/* memory cap, fingerprint, -j forms */
		if (tp_machine_probe(&machine, &popts) == 0)
			have_machine = 1;
	}
	if (o.jobs && o.jobs != TP_JOBS_N)
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
		ctx.command = join_command(o.cmd, o.ncmd,
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
	if (o.config && have_machine && !o.quiet && o.check_machine)
		o.check_machine(o.check_ctx, machine.fingerprint);
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
	} else if (ctx.failed && !(ctx.halted && o.halt_what == TP_HALT_SUCCESS)) {
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
