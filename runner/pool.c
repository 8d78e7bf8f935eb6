/* The pool: validation, the task queue with batching and retries, result
 * delivery (in completion or input order), stop and resize, and the
 * measurements of one run; the strategies in runner/strategy_*.c run the tasks. */
#include "runner/pool.h"

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/opt.h"
#include "core/timeutil.h"
#include "runner/counters.h"
#include "runner/inputs.h"
#include "runner/strategy.h"
#include "workloads/workload.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKOFF_CAP_S 60.0

struct tp_retry {
	struct tp_retry *next;
	double due;
	uint64_t seq;
	int attempt;
	size_t len;
	char input[];
};

/* Final results held back until every earlier input is delivered. */
struct held_result {
	int state;			/* 0 empty, 1 result, 2 skipped */
	int spilled;			/* the output is in spill_fd (owned) */
	int spill_fd;
	struct tp_task_result r;	/* strings owned */
};

struct tp_reorder {
	uint64_t base;			/* seq of entries[head] */
	size_t head, cap;
	struct held_result *e;
};

double tp_pool_elapsed(const struct tp_pool *p)
{
	return (double)(tp_now_ns() - p->t0_ns) / 1e9;
}

void tp_pool_wake(struct tp_pool *p)
{
	char c = 1;
	ssize_t rc = write(p->wake[1], &c, 1);

	(void)rc;	/* a full pipe already wakes the loop */
}

void tp_pool_drain_wake(struct tp_pool *p)
{
	char buf[256];

	while (read(p->wake[0], buf, sizeof(buf)) > 0)
		;
}

int tp_pool_stopping(const struct tp_pool *p)
{
	return atomic_load_explicit(&p->stop, memory_order_relaxed);
}

void tp_batch_release(struct tp_batch *b)
{
	free(b->t);
	tp_strbuf_release(&b->data);
	memset(b, 0, sizeof(*b));
	tp_strbuf_init(&b->data);
}

static void batch_add(struct tp_batch *b, uint64_t seq, int attempt, const char *s, size_t len)
{
	struct tp_task *t;

	tp_grow((void **)&b->t, &b->alloc, b->n + 1, sizeof(*b->t));
	t = &b->t[b->n++];
	t->seq = seq;
	t->attempt = attempt;
	t->off = b->data.len;
	t->len = len;
	tp_strbuf_add(&b->data, s, len);
	tp_strbuf_addch(&b->data, '\0');
}

double tp_backoff_delay(double base_s, int attempt, double u)
{
	double d;

	if (base_s <= 0 || attempt < 2)
		return 0;
	d = base_s * ldexp(1.0, attempt - 2 > 30 ? 30 : attempt - 2);
	if (d > BACKOFF_CAP_S)
		d = BACKOFF_CAP_S;
	return d / 2 + u * d / 2;
}

void tp_describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		snprintf(buf, size, "killed by signal %d (SIG%s)", WTERMSIG(status),
			 abbrev ? abbrev : "?");
	} else {
		snprintf(buf, size, "wait status 0x%x", (unsigned)status);
	}
}

/* ---- delivery ---- */

#define SPILL_CHUNK 65536

/* Copies a task's spilled output out (on_output, else stdout) and closes it. */
static void copy_spill(struct tp_pool *p, struct tp_task_result *r, int fd)
{
	char *buf = tp_xmalloc(SPILL_CHUNK);
	off_t off = 0;
	ssize_t n;

	for (;;) {
		n = pread(fd, buf, SPILL_CHUNK, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tp_error("cannot read back the output of task %" PRIu64 " ('%s'): %s", r->seq,
				 r->input, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		off += n;
		if (p->o.hooks.on_output) {
			p->o.hooks.on_output(p->o.hooks.ctx, r, buf, (size_t)n);
		} else if (tp_write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
			r->out_errno = errno;	/* the hook decides what a lost output means */
			break;
		}
	}
	free(buf);
	close(fd);
}

/* A final result to the hook, its spilled output first. */
static void deliver(struct tp_pool *p, struct tp_task_result *r, int spilled, int fd)
{
	if (spilled) {
		r->out = NULL;
		r->out_len = 0;
		copy_spill(p, r, fd);
	}
	if (p->o.hooks.on_result)
		p->o.hooks.on_result(p->o.hooks.ctx, r, 1);
}

/* ---- reorder buffer (keep_order) ---- */

static struct held_result *reorder_slot(struct tp_reorder *ro, uint64_t seq)
{
	size_t k = (size_t)(seq - ro->base);

	if (k >= ro->cap) {
		size_t ncap = ro->cap ? ro->cap : 64, i;
		struct held_result *ne;

		while (ncap <= k)
			ncap *= 2;
		ne = tp_xcalloc(ncap, sizeof(*ne));
		for (i = 0; i < ro->cap; i++)
			ne[i] = ro->e[(ro->head + i) % ro->cap];
		free(ro->e);
		ro->e = ne;
		ro->cap = ncap;
		ro->head = 0;
	}
	return &ro->e[(ro->head + k) % ro->cap];
}

/* Output is bytes: NULs included, exactly len of them. */
static char *dup_or_null(const char *s, size_t len)
{
	char *d;

	if (!s)
		return NULL;
	d = tp_xmalloc(len + 1);
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static void reorder_put(struct tp_reorder *ro, const struct tp_task_result *r, int spilled,
			int fd)
{
	struct held_result *h = reorder_slot(ro, r->seq);

	h->state = 1;
	h->spilled = spilled;	/* the file waits, not a copy of it */
	h->spill_fd = fd;
	h->r = *r;
	h->r.input = tp_xstrdup(r->input);
	h->r.err = tp_xstrdup(r->err ? r->err : "");
	h->r.out = spilled ? NULL : dup_or_null(r->out, r->out_len);
	if (spilled)
		h->r.out_len = 0;
	h->r.errout = dup_or_null(r->errout, r->errout_len);
}

static void held_free(struct held_result *h)
{
	if (h->spilled)
		close(h->spill_fd);
	free((char *)h->r.input);
	free((char *)h->r.err);
	free((char *)h->r.out);
	free((char *)h->r.errout);
	memset(h, 0, sizeof(*h));
}

/* Delivers the held results that are next in order; with flush, skips gaps
 * (inputs that never finished because the run stopped). */
static void reorder_deliver(struct tp_pool *p, int flush)
{
	struct tp_reorder *ro = p->reorder;
	size_t pending = 0, i;

	if (!ro || !ro->cap)
		return;
	if (flush)
		for (i = 0; i < ro->cap; i++)
			pending += ro->e[i].state != 0;
	while (ro->cap) {
		struct held_result *h = &ro->e[ro->head];

		if (!h->state) {
			if (!flush || !pending)
				break;
		} else {
			if (h->state == 1) {
				deliver(p, &h->r, h->spilled, h->spill_fd);
				h->spilled = 0;	/* closed */
			}
			held_free(h);
			pending -= flush ? 1 : 0;
		}
		ro->head = (ro->head + 1) % ro->cap;
		ro->base++;
	}
}

static void reorder_free(struct tp_reorder *ro)
{
	size_t i;

	if (!ro)
		return;
	for (i = 0; i < ro->cap; i++)
		held_free(&ro->e[i]);
	free(ro->e);
	free(ro);
}

/* ---- the queue ---- */

static void retry_insert(struct tp_pool *p, struct tp_retry *r)
{
	struct tp_retry **pp = &p->retries;

	while (*pp && (*pp)->due <= r->due)
		pp = &(*pp)->next;
	r->next = *pp;
	*pp = r;
	atomic_fetch_add(&p->queued_retries, 1);
}

static void retry_push(struct tp_pool *p, const struct tp_task *t, int attempt, double due)
{
	struct tp_retry *r = tp_xmalloc(sizeof(*r) + t->len + 1);

	r->due = due;
	r->seq = t->seq;
	r->attempt = attempt;
	r->len = t->len;
	memcpy(r->input, t->input, t->len);
	r->input[t->len] = '\0';
	retry_insert(p, r);
}

unsigned long long tp_pool_input_class(const char *line, size_t len)
{
	unsigned long long h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch >= '0' && ch <= '9') {
			while (i + 1 < len && line[i + 1] >= '0' && line[i + 1] <= '9')
				i++;
			ch = '0';
		}
		h = (h ^ ch) * 1099511628211ULL;
	}
	return h;
}

/* Inputs of one class for this many in a row make a phase; a different
 * class after one is a phase change.  Inputs whose class changes all the
 * time (unrelated names) never make one. */
#define PHASE_RUN 32

/* A new phase starts at most as many tasks as there are CPUs: were they to
 * spin or compute, more would only queue (and tasks already started cannot
 * be taken back); if they wait on something else the controller's demand
 * estimate grows the width again within a sample.  Called with the lock held. */
static void phase_gate(struct tp_pool *p, const char *line, size_t len)
{
	unsigned long long c = tp_pool_input_class(line, len);
	int cut = (int)ceil(p->o.cpus_usable > 0 ? p->o.cpus_usable : 1);

	if (c == p->cls) {
		p->cls_run++;
		return;
	}
	if (p->cls_run >= PHASE_RUN) {
		if (cut < p->o.min_workers)
			cut = p->o.min_workers;
		if (atomic_load(&p->target) > cut)
			atomic_store(&p->target, cut);
		atomic_fetch_add(&p->phase_changes, 1);
	}
	p->cls = c;
	p->cls_run = 1;
}

enum tp_fill tp_pool_fill_locked(struct tp_pool *p, struct tp_batch *b, size_t max,
				 double *due_s)
{
	const struct tp_pool_hooks *h = &p->o.hooks;
	double now = -1;
	size_t i;

	b->n = 0;
	tp_strbuf_reset(&b->data);
	*due_s = 0;
	if (tp_pool_stopping(p))
		return TP_FILL_DONE;
	while (b->n < max) {
		const char *line;
		size_t len;
		int rc;

		if (p->retries) {
			if (now < 0)
				now = tp_pool_elapsed(p);
			if (p->retries->due <= now) {
				struct tp_retry *r = p->retries;

				p->retries = r->next;
				atomic_fetch_sub(&p->queued_retries, 1);
				batch_add(b, r->seq, r->attempt, r->input, r->len);
				free(r);
				continue;
			}
		}
		if (atomic_load_explicit(&p->eof, memory_order_relaxed))
			break;
		rc = tp_inputs_next(p->in, &line, &len);
		if (rc == TP_INPUTS_AGAIN)
			break;	/* a slow producer: run what there is */
		if (rc <= 0) {
			if (rc < 0)	/* its class: a bad line is the user's, a read error the system's */
				p->input_error = tp_error_exit_code();
			atomic_store(&p->eof, 1);
			break;
		}
		p->next_seq++;
		atomic_fetch_add_explicit(&p->inputs_read, 1, memory_order_relaxed);
		if (p->o.phase_gate)
			phase_gate(p, line, len);
		if (h->should_skip && h->should_skip(h->ctx, p->next_seq, line)) {
			atomic_fetch_add(&p->skipped, 1);
			if (p->reorder)
				reorder_slot(p->reorder, p->next_seq)->state = 2;
			continue;
		}
		batch_add(b, p->next_seq, 1, line, len);
	}
	if (b->n) {
		for (i = 0; i < b->n; i++)
			b->t[i].input = b->data.buf + b->t[i].off;
		atomic_fetch_add(&p->inflight, (long long)b->n);
		return TP_FILL_GOT;
	}
	if (p->reorder)
		reorder_deliver(p, 0);
	if (p->retries) {
		*due_s = p->retries->due;
		return TP_FILL_WAIT;
	}
	if (atomic_load(&p->inflight) > 0)
		return TP_FILL_WAIT;
	if (!atomic_load_explicit(&p->eof, memory_order_relaxed))
		return TP_FILL_WAIT;	/* async inputs: the next line wakes the pool */
	atomic_store(&p->work_done, 1);
	return TP_FILL_DONE;
}

enum tp_fill tp_pool_fill(struct tp_pool *p, struct tp_batch *b, size_t max, double *due_s)
{
	enum tp_fill f;

	pthread_mutex_lock(&p->lock);
	f = tp_pool_fill_locked(p, b, max, due_s);
	pthread_mutex_unlock(&p->lock);
	return f;
}

void tp_pool_requeue(struct tp_pool *p, const struct tp_task *t)
{
	pthread_mutex_lock(&p->lock);
	retry_push(p, t, t->attempt, 0);
	atomic_fetch_sub(&p->inflight, 1);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* ---- results ---- */

static void record_duration(struct tp_slot_stats *s, double d)
{
	tp_lathist_add(&s->lat, d);
}

static void count_ok(struct tp_pool *p, struct tp_slot_stats *s, double d)
{
	atomic_store_explicit(&s->done, atomic_load_explicit(&s->done, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	if (p->o.timeout_pct > 0) {
		tp_lathist_shared_add(&p->succ_lat, d);
	}
}

void tp_pool_record_ok(struct tp_pool *p, int worker, double duration_s)
{
	struct tp_slot_stats *s = &p->slots[worker];

	record_duration(s, duration_s);
	count_ok(p, s, duration_s);
}

void tp_pool_resolved(struct tp_pool *p, long long n)
{
	if (n)
		atomic_fetch_sub(&p->inflight, n);
}

int tp_pool_needs_delivery(const struct tp_pool *p)
{
	return p->o.hooks.on_result || p->o.keep_order;
}

double tp_pool_timeout(struct tp_pool *p)
{
	double t = p->o.timeout_s, pt;

	if (p->o.timeout_pct <= 0 || tp_lathist_shared_count(&p->succ_lat) < 5)
		return t;
	/* P% of the median's bucket's upper edge */
	pt = tp_lathist_shared_quantile_high(&p->succ_lat, 0.5) * p->o.timeout_pct / 100.0;
	return t > 0 && t < pt ? t : pt;
}

void tp_pool_finish_locked(struct tp_pool *p, int worker, const struct tp_task *t,
			   const struct tp_outcome *o)
{
	struct tp_slot_stats *s = &p->slots[worker];
	struct tp_task_result r = {
		.seq = t->seq,
		.input = t->input,
		.ok = o->ok,
		.exit_status = o->exit_status,
		.term_signal = o->term_signal,
		.timed_out = o->timed_out,
		.attempt = t->attempt,
		.worker = worker,
		.start_s = o->start_s,
		.duration_s = o->duration_s,
		.err = o->err ? o->err : "",
		.out = o->out,
		.out_len = o->out_len,
		.errout = o->errout,
		.errout_len = o->errout_len,
	};
	int final = o->ok || t->attempt > p->o.retries || tp_pool_stopping(p) ||
		    atomic_load_explicit(&p->draining, memory_order_relaxed);

	if (!o->cold)
		record_duration(s, o->duration_s);
	atomic_fetch_sub(&p->inflight, 1);
	if (!final && o->out_spilled) {
		/* Only a final attempt's output is shown. */
		close(o->out_fd);
		r.out = NULL;
		r.out_len = 0;
	}
	if (!final) {
		r.errout = NULL;
		r.errout_len = 0;
	}
	if (!final) {
		double u = (double)(rand_r(&p->rng) % 1000000) / 1e6;

		retry_push(p, t, t->attempt + 1,
			   tp_pool_elapsed(p) + tp_backoff_delay(p->o.backoff_s, t->attempt + 1, u));
		if (p->o.hooks.on_result)
			p->o.hooks.on_result(p->o.hooks.ctx, &r, 0);
		pthread_cond_broadcast(&p->cond);
		return;
	}
	if (o->ok && o->cold)
		atomic_store_explicit(&s->done, atomic_load(&s->done) + 1, memory_order_relaxed);
	else if (o->ok)
		count_ok(p, s, o->duration_s);
	else
		atomic_store_explicit(&s->failed, atomic_load(&s->failed) + 1, memory_order_relaxed);
	if (p->reorder) {
		reorder_put(p->reorder, &r, o->out_spilled, o->out_fd);
		reorder_deliver(p, 0);
	} else {
		deliver(p, &r, o->out_spilled, o->out_fd);
	}
	if (atomic_load(&p->inflight) == 0 && atomic_load(&p->eof))
		pthread_cond_broadcast(&p->cond);
}

void tp_pool_finish(struct tp_pool *p, int worker, const struct tp_task *t,
		    const struct tp_outcome *o)
{
	pthread_mutex_lock(&p->lock);
	tp_pool_finish_locked(p, worker, t, o);
	pthread_mutex_unlock(&p->lock);
}

static void default_worker_log(int worker, const char *line)
{
	char buf[4096];
	size_t len = strlen(line);
	int n = snprintf(buf, sizeof(buf), "[w%d] ", worker);
	ssize_t rc;

	if ((size_t)n + len + 1 <= sizeof(buf)) {
		memcpy(buf + n, line, len);
		buf[n + len] = '\n';
		rc = write(STDERR_FILENO, buf, (size_t)n + len + 1);
	} else {
		/* A long line: one writev keeps it whole on a pipe up to PIPE_BUF
		 * and in order everywhere. */
		char *big = tp_xmalloc((size_t)n + len + 1);

		memcpy(big, buf, (size_t)n);
		memcpy(big + n, line, len);
		big[n + len] = '\n';
		rc = write(STDERR_FILENO, big, (size_t)n + len + 1);
		free(big);
	}
	(void)rc;
}

void tp_pool_worker_log(struct tp_pool *p, int worker, const char *line)
{
	if (p->o.hooks.on_worker_log) {
		pthread_mutex_lock(&p->lock);
		p->o.hooks.on_worker_log(p->o.hooks.ctx, worker, line);
		pthread_mutex_unlock(&p->lock);
	} else {
		default_worker_log(worker, line);
	}
}

/* ---- the open-files limit ---- */

/* Descriptors kept free for the rest of the process while a pool runs: the
 * monitor's /proc reads, stdio, a journal or results file opened later. */
#define FD_MARGIN 6

/* Descriptors open in this process now (-1 when /proc cannot tell). */
static int open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own */
}

static long nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > INT_MAX)
		return -1;
	return (long)rl.rlim_cur;
}

static void warn_fd_cap(long limit, int cap)
{
	static _Atomic int warned;	/* the cap last warned about: once per value */

	if (atomic_exchange(&warned, cap) == cap)
		return;
	tp_warn("open-files limit %ld allows only %d worker%s; using %d", limit, cap,
		cap == 1 ? "" : "s", cap);
}

/* The most workers the open-files limit leaves room for, 0 = no cap. */
static int fd_room(const struct tp_pool *p, long *limit)
{
	int per, fixed = 0, open;
	long room;

	*limit = nofile_limit();
	if (!p->strat->fds_per_worker || *limit < 0)
		return 0;
	per = p->strat->fds_per_worker(p, &fixed);
	if (per <= 0)
		return 0;
	open = open_fd_count();
	if (open < 0)
		open = 3;
	room = (*limit - open - FD_MARGIN - fixed) / per;
	if (room >= p->nslots)
		return 0;
	return room < 1 ? 1 : (int)room;
}

static void apply_fd_cap(struct tp_pool *p, int cap, long limit)
{
	int t;

	atomic_store(&p->fd_cap, cap);
	t = atomic_load(&p->target);
	if (t > cap)
		atomic_store(&p->target, cap);
	warn_fd_cap(limit, cap);
}

static void warn_proc_cap(int cap)
{
	static _Atomic int warned;	/* once per value, as for descriptors */

	if (atomic_exchange(&warned, cap) == cap)
		return;
	tp_warn("the process/thread limit (ulimit -u, pids.max, memory) allows only %d worker%s; "
		"using %d", cap, cap == 1 ? "" : "s", cap);
}

int tp_pool_fd_shrink(struct tp_pool *p, int running, int err)
{
	long limit = nofile_limit();
	int cap = atomic_load(&p->fd_cap);

	if (running < 1 && err == EAGAIN)
		return tp_error("cannot start a worker: %s (the process/thread limit: ulimit -u, "
				"pids.max)", strerror(err));
	if (running < 1)
		return tp_error("cannot start a worker: %s (open-files limit %ld, %d open)",
				strerror(err), limit, open_fd_count());
	if (err == EAGAIN) {
		if (!cap || running < cap) {
			int t = atomic_load(&p->target);

			atomic_store(&p->fd_cap, running);
			if (t > running)
				atomic_store(&p->target, running);
			warn_proc_cap(running);
		}
		return 0;
	}
	if (!cap || running < cap)
		apply_fd_cap(p, running, limit);
	return 0;
}

/* ---- the pool ---- */

static const struct tp_named start_fork = {
	"fork", "fork(2) the pool itself: cheapest from a small parent, inherits its state",
};
static const struct tp_named start_spawn = {
	"spawn", "posix_spawn tunepool in worker mode: nothing inherited (default)",
};
static const struct tp_named *const start_methods[] = { &start_fork, &start_spawn };
#define NSTARTS (sizeof(start_methods) / sizeof(start_methods[0]))

const void *const *tp_start_table(size_t *n)
{
	*n = NSTARTS;
	return (const void *const *)start_methods;
}

int tp_start_parse(const char *name, enum tp_start_method *out)
{
	if (!*name) {
		*out = TP_START_SPAWN;
		return 0;
	}
	if (!tp_registry_lookup((const void *const *)start_methods, NSTARTS, name, "start method"))
		return -1;
	*out = !strcmp(name, start_fork.name) ? TP_START_FORK : TP_START_SPAWN;
	return 0;
}

const char *tp_start_name(enum tp_start_method m)
{
	return m == TP_START_FORK ? start_fork.name : m == TP_START_SPAWN ? start_spawn.name : "";
}

/* The strategy a config names ("" = the natural one for the workload). */
static const struct tp_strategy_desc *config_strategy(const struct tp_config *c,
						      const struct tp_workload *wl)
{
	if (!c->strategy[0])
		return tp_strategy_find(wl && (wl->desc->flags & TP_WL_COMMAND) ? "exec" : "thread");
	return tp_strategy_find(c->strategy);
}

int tp_pool_config_valid(const struct tp_config *c, const struct tp_workload *wl,
			 int multi_input, const char **why)
{
	const struct tp_strategy_desc *s = config_strategy(c, wl);
	int command = wl && (wl->desc->flags & TP_WL_COMMAND);

	*why = NULL;
	if (!s)
		*why = "unknown strategy";
	else if (s->unsupported_reason)
		*why = s->unsupported_reason;
	else if (c->workers < 1)
		*why = "workers must be at least 1";
	else if (c->batch < 1)
		*why = "batch must be at least 1";
	else if (command && !(s->flags & TP_STRAT_COMMAND))
		*why = "a command workload runs only under the exec or persistent strategy";
	else if (!command && (s->flags & TP_STRAT_COMMAND))
		*why = "the exec and persistent strategies run only command workloads";
	else if (wl && (wl->desc->flags & TP_WL_NO_PROCESS) && (s->flags & TP_STRAT_PROCESSES))
		*why = "this workload shares memory between workers: threads only";
	else if (!(s->flags & TP_STRAT_START) && c->start[0] && strcmp(c->start, "none"))
		*why = "a start method applies only to the process strategy";
	else if ((s->flags & TP_STRAT_START) && c->start[0] &&
		 !tp_registry_find((const void *const *)start_methods, NSTARTS, c->start))
		*why = "unknown start method";
	else if (command && c->batch > 1 && !multi_input && !(s->flags & TP_STRAT_RECORDS))
		*why = "exec batches above 1 need a command that takes several inputs (--multi-input)";
	return *why ? 0 : 1;
}

int tp_pool_new(struct tp_pool **out, const struct tp_pool_opts *opts)
{
	const struct tp_config *c = &opts->config;
	const struct tp_strategy_desc *s;
	struct tp_pool *p;
	const char *why;
	int i;

	*out = NULL;
	if (!opts->workload)
		return tp_usage_error("no workload given");
	s = config_strategy(c, opts->workload);
	if (!s) {
		size_t n;
		const struct tp_strategy_desc *const *tab = tp_strategy_table(&n);

		tp_registry_lookup((const void *const *)tab, n, c->strategy, "strategy");
		return -1;
	}
	if (!tp_pool_config_valid(c, opts->workload, opts->multi_input, &why)) {
		if (!strcmp(why, "unknown start method")) {
			enum tp_start_method m;

			return tp_start_parse(c->start, &m);
		}
		return tp_usage_error("cannot run workload '%s' with strategy '%s' (workers %d, "
				      "batch %d%s%s): %s", opts->workload->desc->name, s->name,
				      c->workers, c->batch, c->start[0] ? ", start " : "",
				      c->start, why);
	}
	/* Binding applies to thread workers and exec children only. */
	if (opts->bind && (s->flags & (TP_STRAT_START | TP_STRAT_RECORDS)))
		return tp_usage_error("bind = %s applies to thread and exec workers, not '%s'",
				      tp_bind_name((enum tp_bind_mode)opts->bind), s->name);
	p = tp_xcalloc(1, sizeof(*p));
	p->o = *opts;
	p->strat = s;
	if (opts->bind && tp_bind_init(&p->bind, (enum tp_bind_mode)opts->bind, NULL, NULL, NULL)) {
		free(p);
		return -1;
	}
	snprintf(p->o.config.strategy, sizeof(p->o.config.strategy), "%s", s->name);
	if (s->flags & TP_STRAT_START) {
		tp_start_parse(c->start, &p->start);
		snprintf(p->o.config.start, sizeof(p->o.config.start), "%s",
			 tp_start_name(p->start));
	} else {
		p->o.config.start[0] = '\0';
	}
	if (p->o.max_workers < c->workers)
		p->o.max_workers = c->workers;
	if (p->o.min_workers < 1)
		p->o.min_workers = 1;
	if (p->o.min_workers > c->workers)
		p->o.min_workers = c->workers;
	if (p->o.kill_grace_s <= 0)
		p->o.kill_grace_s = 2.0;
	if (p->o.retries < 0)
		p->o.retries = 0;
	p->nslots = p->o.max_workers;
	p->target = c->workers;
	p->slots = aligned_alloc(64, (size_t)p->nslots * sizeof(*p->slots));
	if (!p->slots)
		TP_BUG("out of memory for the pool's slots");
	memset(p->slots, 0, (size_t)p->nslots * sizeof(*p->slots));
	if (pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(p->slots);
		free(p);
		return tp_error("cannot create a pipe: %s", strerror(errno));
	}
	{
		/* Recursive: a hook may call tp_pool_set_workers. */
		pthread_mutexattr_t ma;

		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&p->lock, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	p->rng = (unsigned)tp_now_ns() ^ (unsigned)getpid();
	for (i = 0; i < p->nslots; i++)
		p->slots[i].rss_kb = 0;
	*out = p;
	return 0;
}

void tp_pool_set_workers(struct tp_pool *p, int workers)
{
	if (workers < p->o.min_workers)
		workers = p->o.min_workers;
	if (workers > p->o.max_workers)
		workers = p->o.max_workers;
	if (atomic_load(&p->fd_cap) && workers > atomic_load(&p->fd_cap))
		workers = atomic_load(&p->fd_cap);
	atomic_store(&p->target, workers);
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	tp_pool_wake(p);
}

void tp_pool_stop(struct tp_pool *p)
{
	int saved = errno;

	atomic_store(&p->stop, 1);
	tp_pool_wake(p);
	errno = saved;
}

static void drop_retries(struct tp_pool *p)
{
	while (p->retries) {
		struct tp_retry *r = p->retries;

		p->retries = r->next;
		free(r);
	}
	atomic_store(&p->queued_retries, 0);
}

void tp_pool_drain(struct tp_pool *p)
{
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->draining, 1);
	/* Read no more inputs; queued retries will not start either. */
	atomic_store(&p->eof, 1);
	drop_retries(p);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	tp_pool_wake(p);
}

void tp_pool_snapshot(struct tp_pool *p, struct tp_pool_snapshot *s)
{
	long long done = 0, failed = 0;
	int busy = 0, i;

	for (i = 0; i < p->nslots; i++) {
		done += atomic_load_explicit(&p->slots[i].done, memory_order_relaxed);
		failed += atomic_load_explicit(&p->slots[i].failed, memory_order_relaxed);
		busy += atomic_load_explicit(&p->slots[i].busy, memory_order_relaxed);
	}
	memset(s, 0, sizeof(*s));
	s->workers = atomic_load(&p->target);
	s->busy = busy;
	s->done = done;
	s->failed = failed;
	s->skipped = atomic_load(&p->skipped);
	s->inputs_read = atomic_load(&p->inputs_read);
	s->eof = atomic_load(&p->eof);
	s->queued = atomic_load(&p->queued_retries);
	if (p->in) {
		long long total = tp_inputs_total(p->in);

		if (total >= 0)
			s->queued += total - s->inputs_read;
	}
	s->elapsed_s = p->t0_ns ? tp_pool_elapsed(p) : 0;
	s->phase_changes = atomic_load(&p->phase_changes);
}

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* Fills the latency quantiles from every slot's recorder. */
static void latency_quantiles(struct tp_pool *p, struct tp_repeat *rep)
{
	static const double qs[3] = { 0.50, 0.95, 0.99 };
	const struct tp_lathist **h = tp_xmalloc((size_t)p->nslots * sizeof(*h));
	double out[3];
	int i;

	for (i = 0; i < p->nslots; i++)
		h[i] = &p->slots[i].lat;
	if (tp_lathist_quantiles(h, (size_t)p->nslots, qs, 3, out)) {
		rep->lat_p50_s = out[0];
		rep->lat_p95_s = out[1];
		rep->lat_p99_s = out[2];
	}
	free(h);
}

static void reset_run_state(struct tp_pool *p, struct tp_inputs *in)
{
	int i;

	p->in = in;
	p->next_seq = 0;
	/* A pool drained before it ran reads nothing. */
	atomic_store(&p->eof, atomic_load(&p->draining));
	p->input_error = 0;
	atomic_store(&p->inflight, 0);
	atomic_store(&p->work_done, 0);
	atomic_store(&p->inputs_read, 0);
	atomic_store(&p->skipped, 0);
	tp_lathist_shared_reset(&p->succ_lat);
	p->system_error = 0;
	p->worker_start_sum = 0;
	p->worker_starts = 0;
	p->steady_rate_sum = 0;
	p->steady_tasks = 0;
	for (i = 0; i < p->nslots; i++) {
		struct tp_slot_stats *s = &p->slots[i];

		atomic_store(&s->done, 0);
		atomic_store(&s->failed, 0);
		atomic_store(&s->busy, 0);
		tp_lathist_reset(&s->lat);
		s->rss_kb = 0;
	}
	drop_retries(p);
	reorder_free(p->reorder);
	p->reorder = p->o.keep_order ? tp_xcalloc(1, sizeof(*p->reorder)) : NULL;
	if (p->reorder)
		p->reorder->base = 1;
}

/* TUNEPOOL_BENCH_BALLAST_MB: a benchmark hook (bench/start-cost.sh) making
 * the parent hold that much resident memory while workers start. */
static void *ballast_alloc(size_t *size)
{
	const char *v = getenv("TUNEPOOL_BENCH_BALLAST_MB");
	long long mb;
	char *b;

	*size = 0;
	if (!v || tp_parse_long(v, &mb) < 0 || mb <= 0)
		return NULL;
	*size = (size_t)mb << 20;
	b = malloc(*size);
	if (!b) {
		*size = 0;
		return NULL;
	}
	memset(b, 1, *size);
	return b;
}

static void pool_notify(void *ctx)
{
	tp_pool_wake(ctx);
}

int tp_pool_run(struct tp_pool *p, struct tp_inputs *in, struct tp_repeat *rep, int *interrupted)
{
	struct tp_workload *wl = p->o.workload;
	struct rusage self0, child0, self1, child1;
	struct tp_counters ctr;
	long long done = 0, failed = 0, rss = 0;
	double cpus = p->o.cpus_usable;
	int rc = 0, strat_class = 0, i;
	size_t ballast_size;
	void *ballast = ballast_alloc(&ballast_size);

	memset(rep, 0, sizeof(*rep));
	*interrupted = 0;
	reset_run_state(p, in);
	if (tp_pool_stopping(p)) {
		*interrupted = 1;
		free(ballast);
		return 0;
	}
	/* The parent sets up shared state even for spawned workers: they attach
	 * to what setup published (tp_workload_share_set). */
	if (wl->desc->setup && wl->desc->setup(wl) < 0) {
		free(ballast);
		return -1;
	}
	tp_counters_start(&ctr);
	{
		long limit;
		int cap = fd_room(p, &limit);

		atomic_store(&p->fd_cap, 0);
		if (cap)
			apply_fd_cap(p, cap, limit);
	}
	getrusage(RUSAGE_SELF, &self0);
	getrusage(RUSAGE_CHILDREN, &child0);
	p->t0_ns = tp_now_ns();
	if (p->o.async_inputs && in)
		tp_inputs_async(in, pool_notify, p);
	if (p->strat->run(p) < 0) {
		rc = -1;
		strat_class = tp_error_exit_code();
	}
	if (in)	/* its reader wakes this pool: not once the run is over */
		tp_inputs_async_stop(in);
	rep->wall_s = tp_pool_elapsed(p);
	getrusage(RUSAGE_SELF, &self1);
	getrusage(RUSAGE_CHILDREN, &child1);
	tp_counters_stop(&ctr);
	if (wl->desc->teardown)
		wl->desc->teardown(wl);
	pthread_mutex_lock(&p->lock);
	reorder_deliver(p, 1);
	pthread_mutex_unlock(&p->lock);
	free(ballast);

	for (i = 0; i < p->nslots; i++) {
		done += atomic_load(&p->slots[i].done);
		failed += atomic_load(&p->slots[i].failed);
		if (p->slots[i].rss_kb > rss)
			rss = p->slots[i].rss_kb;
	}
	/* Threads share the process; process and exec workers were measured
	 * one by one as they were reaped. */
	if (!(p->strat->flags & TP_STRAT_PROCESSES))
		rss = self1.ru_maxrss;
	rep->tasks = done + failed;
	rep->failures = failed;
	rep->throughput = rep->wall_s > 0 ? (double)rep->tasks / rep->wall_s : 0;
	rep->cpu_user_s = tv_s(&self1.ru_utime) - tv_s(&self0.ru_utime) +
			  tv_s(&child1.ru_utime) - tv_s(&child0.ru_utime);
	rep->cpu_sys_s = tv_s(&self1.ru_stime) - tv_s(&self0.ru_stime) +
			 tv_s(&child1.ru_stime) - tv_s(&child0.ru_stime);
	if (cpus <= 0)
		cpus = (double)sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus > 0 && rep->wall_s > 0)
		rep->cpu_util = (rep->cpu_user_s + rep->cpu_sys_s) / rep->wall_s / cpus;
	rep->rss_peak_kb = rss;
	rep->ctx_voluntary = (self1.ru_nvcsw - self0.ru_nvcsw) + (child1.ru_nvcsw - child0.ru_nvcsw);
	rep->ctx_involuntary = (self1.ru_nivcsw - self0.ru_nivcsw) +
			       (child1.ru_nivcsw - child0.ru_nivcsw);
	rep->ctx_switches = rep->ctx_voluntary + rep->ctx_involuntary;
	latency_quantiles(p, rep);
	tp_counters_fill(&ctr, &self0, &child0, &self1, &child1, rep);
	if (p->worker_starts)
		tp_counters_add(rep, "pool::worker_start_s",
				p->worker_start_sum / (double)p->worker_starts);
	if (p->strat->flags & TP_STRAT_RECORDS) {
		/* Persistent workers: what tune and bench rank is the steady state,
		 * start-up and init are reported apart (worker_start_s). */
		tp_counters_add(rep, "pool::wall_throughput", rep->throughput);
		if (p->steady_tasks > 0 && p->steady_rate_sum > 0) {
			tp_counters_add(rep, "pool::steady_throughput", p->steady_rate_sum);
			rep->throughput = p->steady_rate_sum;
		}
	}
	if (atomic_load(&p->fd_cap))	/* fewer workers than asked ran */
		tp_counters_add(rep, "pool::fd_cap_workers", atomic_load(&p->fd_cap));
	if (p->input_error || p->system_error)
		rc = -1;
	/* The class of the failure travels with it to the caller's thread, even
	 * when another thread (the monitor) reported something since. */
	if (rc < 0)
		tp_error_set_class(p->system_error ? TP_EXIT_SYSTEM : strat_class ? strat_class
				   : p->input_error);
	*interrupted = tp_pool_stopping(p);
	return rc;
}

void tp_pool_free(struct tp_pool *p)
{
	int i;

	if (!p)
		return;
	while (p->retries) {
		struct tp_retry *r = p->retries;

		p->retries = r->next;
		free(r);
	}
	reorder_free(p->reorder);
	for (i = 0; i < p->nslots; i++)
		tp_lathist_release(&p->slots[i].lat);
	free(p->slots);
	tp_bind_release(&p->bind);
	close(p->wake[0]);
	close(p->wake[1]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
