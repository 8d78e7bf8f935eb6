/* The exec strategy: one posix_spawn per task (or per batch of inputs with
 * multi_input), each in its own process group, reaped through pidfds by one
 * event loop that also forwards stderr lines, groups stdout and ends tasks
 * that run past their timeout. */
#include "core/fileio.h"
#include "core/alloc.h"
#include "core/log.h"
#include "runner/child.h"
#include "runner/linefwd.h"
#include "runner/evloop.h"
#include "runner/strategy.h"
#include "runner/template.h"
#include "workloads/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERRHEAD_MAX 512

struct xslot {
	struct xstate *x;
	int id;
	int ready;			/* pipes and file actions set up */
	int running;
	struct tp_child ch;
	int err[2], out[2];
	posix_spawn_file_actions_t fa;
	struct tp_batch batch;
	struct tp_strbuf argbuf;
	char **argv;
	size_t argv_alloc;
	const char **ins;
	size_t ins_alloc;
	double start;
	int timed_out;
	double timeout_used;
	struct tp_linefwd errfwd;
	struct tp_strbuf errhead;	/* first lines of this task's stderr */
	struct tp_strbuf out_buf;	/* grouped stdout up to TP_POOL_OUT_MEM */
	struct tp_strbuf err_buf;	/* group_stderr: the task's stderr */
	struct tp_linefwd outfwd;	/* line_buffer: stdout by whole lines */
	int spill_fd;			/* past it: an unlinked temp file, or -1 */
	off_t spill_len;		/* bytes in it */
	/* The task's process exited but a background child may still hold its
	 * output: it ends when both pipes reach end of file (or on timeout). */
	int exited, err_eof, out_eof, force_end;
	int status;
	struct rusage ru;
	pid_t pgid;
	char **envp;			/* task_env: environ plus the two below */
	char env_seq[48], env_slot[48];
};

struct xstate {
	struct tp_pool *p;
	struct xslot *s;
	int n;
	posix_spawnattr_t attr;
	struct tp_template tpl;
	int devnull;
	char *resolved;			/* argv[0] found in PATH once, or NULL */
	struct tp_evloop ev;
	int spill_warned;
	hwloc_bitmap_t unbound;		/* the loop thread's binding, around a bound spawn */
	double last_start;		/* start_delay_s: when the last task started */
	int started;			/* tasks started, for ramp_s */
};

enum { PK_ERR, PK_OUT };

/* A pipe for a child's output: the read end non-blocking, both close on
 * exec.  0, or an errno value (nothing printed: EMFILE shrinks the pool). */
static int child_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	return 0;
}

/* The slot's pipes and file actions, kept from task to task: 0 or an errno. */
static int slot_ready(struct xstate *x, struct xslot *s)
{
	int e;

	if (s->ready)
		return 0;
	if ((e = child_pipe(s->err)))
		return e;
	s->out[0] = s->out[1] = -1;
	if (x->p->o.group_output && (e = child_pipe(s->out))) {
		close(s->err[0]);
		close(s->err[1]);
		return e;
	}
	posix_spawn_file_actions_init(&s->fa);
	posix_spawn_file_actions_adddup2(&s->fa, x->devnull, 0);
	if (s->out[1] >= 0)
		posix_spawn_file_actions_adddup2(&s->fa, s->out[1], 1);
	posix_spawn_file_actions_adddup2(&s->fa, s->err[1], 2);
	/* Nothing else is inherited, whatever the caller left open. */
	posix_spawn_file_actions_addclosefrom_np(&s->fa, 3);
	s->ready = 1;
	return 0;
}

/* Closes the slot's pipes (an idle slot past the width holds none). */
static void slot_unready(struct xslot *s)
{
	if (!s->ready)
		return;
	close(s->err[0]);
	if (s->err[1] >= 0)
		close(s->err[1]);
	if (s->out[0] >= 0) {
		close(s->out[0]);
		if (s->out[1] >= 0)
			close(s->out[1]);
	}
	posix_spawn_file_actions_destroy(&s->fa);
	s->ready = 0;
}

static void slot_release(struct xslot *s)
{
	slot_unready(s);
	tp_batch_release(&s->batch);
	tp_strbuf_release(&s->argbuf);
	free(s->argv);
	free(s->ins);
	tp_linefwd_release(&s->errfwd);
	tp_strbuf_release(&s->errhead);
	tp_strbuf_release(&s->out_buf);
	tp_strbuf_release(&s->err_buf);
	tp_linefwd_release(&s->outfwd);
	if (s->spill_fd >= 0)
		close(s->spill_fd);
	s->spill_fd = -1;
	free(s->envp);
	s->envp = NULL;
}

extern char **environ;

/* The slot's environment: the caller's, less any PARALLEL_SEQ/PARALLEL_JOBSLOT,
 * plus the slot's own two (rewritten per task, no allocation). */
static void slot_env(struct xslot *s)
{
	size_t n = 0, k = 0;

	while (environ[n])
		n++;
	s->envp = tp_xcalloc(n + 3, sizeof(char *));
	for (n = 0; environ[n]; n++)
		if (strncmp(environ[n], "PARALLEL_SEQ=", 13) && strncmp(environ[n], "PARALLEL_JOBSLOT=", 17))
			s->envp[k++] = environ[n];
	s->envp[k++] = s->env_seq;
	s->envp[k++] = s->env_slot;
	s->envp[k] = NULL;
	snprintf(s->env_slot, sizeof(s->env_slot), "PARALLEL_JOBSLOT=%d", s->id + 1);
}

static void on_err_line(void *ctx, const char *line)
{
	struct xslot *s = ctx;

	if (s->errhead.len < ERRHEAD_MAX) {
		if (s->errhead.len)
			tp_strbuf_adds(&s->errhead, " | ");
		tp_strbuf_add(&s->errhead, line, strnlen(line, ERRHEAD_MAX - s->errhead.len));
	}
	if (!s->x->p->o.group_stderr)	/* else it goes whole with the result */
		tp_pool_worker_log(s->x->p, s->id, line);
}

/* line_buffer: a whole line of a task's stdout, out at once. */
static void on_out_line(void *ctx, const char *line)
{
	(void)ctx;
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* ---- grouped output: memory, then a temp file ---- */

static const char *spill_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

/* An unlinked temp file: O_TMPFILE, else mkstemp + unlink; -1 with errno. */
static int spill_open(void)
{
	const char *dir = spill_dir();
	char *path;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	path = tp_xasprintf("%s/tunepool-out.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd;
}

static void spill_warn(struct xslot *s, int e)
{
	if (s->x->spill_warned++)
		return;
	tp_warn("cannot spill a task's output to a temp file in '%s': %s; holding it in memory",
		spill_dir(), strerror(e));
}

/* The file could not take more (disk full): its bytes go back to memory,
 * ahead of what is there, and the task goes on in memory. */
static void spill_undo(struct xslot *s, int e)
{
	struct tp_strbuf tail = TP_STRBUF_INIT;
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	spill_warn(s, e);
	tp_strbuf_add(&tail, s->out_buf.buf, s->out_buf.len);
	tp_strbuf_reset(&s->out_buf);
	while (off < s->spill_len) {
		size_t want = s->spill_len - off < (off_t)sizeof(buf) ? (size_t)(s->spill_len - off)
								    : sizeof(buf);

		n = pread(s->spill_fd, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		tp_strbuf_add(&s->out_buf, buf, (size_t)n);
		off += n;
	}
	tp_strbuf_add(&s->out_buf, tail.buf, tail.len);
	tp_strbuf_release(&tail);
	close(s->spill_fd);
	s->spill_fd = -1;
}

static void out_add(struct xslot *s, const char *buf, size_t n)
{
	if (s->spill_fd < 0 && s->out_buf.len + n > TP_POOL_OUT_MEM && !s->x->spill_warned) {
		s->spill_fd = spill_open();
		if (s->spill_fd < 0) {
			spill_warn(s, errno);
		} else {
			s->spill_len = 0;
			if (tp_write_all(s->spill_fd, s->out_buf.buf, s->out_buf.len) < 0) {
				spill_undo(s, errno);
			} else {
				s->spill_len = (off_t)s->out_buf.len;
				tp_strbuf_reset(&s->out_buf);
			}
		}
	}
	if (s->spill_fd >= 0) {
		if (tp_write_all(s->spill_fd, buf, n) < 0)
			spill_undo(s, errno);	/* back to what was whole; the chunk follows */
		else
			s->spill_len += (off_t)n;
	}
	if (s->spill_fd < 0)
		tp_strbuf_add(&s->out_buf, buf, n);
}

/* Reads what a pipe holds now (non-blocking), noting its end of file. */
static void drain(struct xslot *s, int fd, int is_err)
{
	char buf[16384];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			*(is_err ? &s->err_eof : &s->out_eof) = 1;
		if (n <= 0)
			return;
		if (is_err) {
			if (s->x->p->o.group_stderr)
				tp_strbuf_add(&s->err_buf, buf, (size_t)n);
			tp_linefwd_feed(&s->errfwd, buf, (size_t)n, on_err_line, s);
		} else if (s->x->p->o.line_buffer) {
			tp_linefwd_feed(&s->outfwd, buf, (size_t)n, on_out_line, s);
		} else {
			out_add(s, buf, (size_t)n);
		}
	}
}

static int is_task_error(int e)
{
	return e == ENOENT || e == EACCES || e == ENOEXEC || e == ENOTDIR || e == ELOOP ||
	       e == ENAMETOOLONG || e == E2BIG || e == EPERM;
}

static void finish_all(struct xslot *s, const struct tp_outcome *o)
{
	struct tp_pool *p = s->x->p;
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < s->batch.n; i++) {
		struct tp_outcome oi = *o;

		if (i) {
			oi.out = NULL;
			oi.out_len = 0;
			oi.out_spilled = 0;
			oi.errout = NULL;
			oi.errout_len = 0;
		}
		tp_pool_finish_locked(p, s->id, &s->batch.t[i], &oi);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Out of descriptors: the batch goes back to the queue, the slot gives its
 * pipes back and the width shrinks to the tasks running (stop when none). */
static void fd_shortage(struct xstate *x, struct xslot *s, int e)
{
	struct tp_pool *p = x->p;
	size_t j;

	for (j = 0; j < s->batch.n; j++)
		tp_pool_requeue(p, &s->batch.t[j]);
	s->batch.n = 0;
	slot_unready(s);
	if (tp_evloop_fd_shrink(&x->ev, e) < 0) {
		p->system_error = 1;
		tp_pool_stop(p);
	}
}

/* Starts the slot's batch: 0, 1 when the pool shrank for want of
 * descriptors (the batch requeued), -1 on a system error. */
static int spawn_task(struct xstate *x, struct xslot *s)
{
	struct tp_pool *p = x->p;
	size_t i;
	int rc;

	if ((rc = slot_ready(x, s))) {
		if (tp_evloop_short_of(rc)) {
			fd_shortage(x, s, rc);
			return 1;
		}
		return tp_error("cannot create a pipe: %s", strerror(rc));
	}
	tp_grow((void **)&s->ins, &s->ins_alloc, s->batch.n, sizeof(*s->ins));
	for (i = 0; i < s->batch.n; i++)
		s->ins[i] = s->batch.t[i].input;
	tp_template_expand_slot(&x->tpl, s->ins, (int)s->batch.n, s->batch.t[0].seq, s->id + 1,
				&s->argbuf, &s->argv, &s->argv_alloc);
	if (p->o.task_env) {
		if (!s->envp)
			slot_env(s);
		snprintf(s->env_seq, sizeof(s->env_seq), "PARALLEL_SEQ=%" PRIu64, s->batch.t[0].seq);
	}
	tp_strbuf_reset(&s->errhead);
	tp_strbuf_reset(&s->out_buf);
	tp_strbuf_reset(&s->err_buf);
	s->timed_out = 0;
	s->start = tp_pool_elapsed(p);
	/* A bound slot's child inherits the binding from its first instruction. */
	if (x->unbound && tp_bind_thread(&p->bind, s->id, x->unbound))
		tp_warn("worker %d: cannot bind to its %s: %s", s->id, tp_bind_name(p->bind.mode),
			strerror(errno));
	rc = tp_child_spawn_env(&s->ch, x->resolved ? x->resolved : s->argv[0],
				!x->resolved && !strchr(s->argv[0], '/'), s->argv, &s->fa, &x->attr,
				s->envp);
	if (x->unbound)
		tp_bind_restore(&p->bind, x->unbound);
	if (rc && tp_evloop_short_of(rc)) {
		fd_shortage(x, s, rc);
		return 1;
	}
	if (!rc) {
		/* The task's pipes are its own: with our write ends closed, end of
		 * file means every process of the task let go of its output. */
		close(s->err[1]);
		s->err[1] = -1;
		if (s->out[1] >= 0) {
			close(s->out[1]);
			s->out[1] = -1;
		}
		s->exited = s->err_eof = s->out_eof = s->force_end = 0;
		s->pgid = s->ch.pid;
	}
	if (rc) {
		char msg[512];
		struct tp_outcome o = {
			.exit_status = rc == ENOENT ? 127 : 126,
			.start_s = s->start,
			.err = msg,
		};

		snprintf(msg, sizeof(msg), "cannot run '%s': %s", s->argv[0], strerror(rc));
		if (!is_task_error(rc)) {
			/* Out of processes or memory: a system failure, not the task's. */
			tp_error("%s", msg);
			p->system_error = 1;
			tp_pool_stop(p);
		}
		finish_all(s, &o);
		return 0;
	}
	s->running = 1;
	atomic_store_explicit(&p->slots[s->id].busy, 1, memory_order_relaxed);
	return 0;
}

/* Whether every process of the task let go of its output. */
static int outputs_closed(const struct xslot *s)
{
	return s->err_eof && (s->out[0] < 0 || s->out_eof);
}

static void reap(struct xstate *x, struct xslot *s)
{
	struct tp_pool *p = x->p;
	struct rusage ru;
	char msg[TP_TASK_ERR_MAX];
	int status;
	double now;

	drain(s, s->err[0], 1);
	if (s->out[0] >= 0)
		drain(s, s->out[0], 0);
	if (!s->exited) {
		if (!tp_child_reap(&s->ch, &s->status, &s->ru))
			return;
		s->exited = 1;
	}
	/* A background child still holds its output: wait for it (as GNU
	 * parallel does), up to the timeout or a stop. */
	if (!outputs_closed(s) && !s->force_end)
		return;
	/* The task ends, and what is left of its process group with it. */
	if (s->pgid > 0)
		kill(-s->pgid, SIGKILL);
	s->pgid = 0;
	s->exited = 0;
	status = s->status;
	ru = s->ru;
	now = tp_pool_elapsed(p);
	tp_linefwd_flush(&s->errfwd, on_err_line, s);
	if (p->o.line_buffer)
		tp_linefwd_flush(&s->outfwd, on_out_line, s);
	s->running = 0;
	atomic_store_explicit(&p->slots[s->id].busy, 0, memory_order_relaxed);
	if (ru.ru_maxrss > p->slots[s->id].rss_kb)
		p->slots[s->id].rss_kb = ru.ru_maxrss;
	if (tp_pool_stopping(p) && !s->timed_out) {
		/* Ended by the stop: not reported as finished. */
		if (!(WIFEXITED(status) && s->ch.term_sent == 0) || s->force_end) {
			s->batch.n = 0;
			if (s->spill_fd >= 0)
				close(s->spill_fd);
			s->spill_fd = -1;
			slot_unready(s);
			return;
		}
	}
	{
		struct tp_outcome o = {
			.ok = !s->timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
			.timed_out = s->timed_out,
			.start_s = s->start,
			.duration_s = now - s->start,
			.err = "",
			.out = s->out[0] >= 0 ? s->out_buf.buf : NULL,
			.out_len = s->out_buf.len,
			.out_spilled = s->spill_fd >= 0,
			.out_fd = s->spill_fd,
			.errout = p->o.group_stderr ? s->err_buf.buf : NULL,
			.errout_len = s->err_buf.len,
		};

		if (!o.ok) {
			char st[96];
			int n;

			if (s->timed_out)
				snprintf(st, sizeof(st), "timed out after %gs", s->timeout_used);
			else
				tp_describe_status(status, st, sizeof(st));
			n = snprintf(msg, sizeof(msg), "%s", st);
			if (s->errhead.len && n > 0 && (size_t)n < sizeof(msg))
				snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", s->errhead.buf);
			o.err = msg;
		}
		s->spill_fd = -1;	/* the pool has it now */
		finish_all(s, &o);
	}
	s->batch.n = 0;
	slot_unready(s);	/* fresh pipes for the next task */
}

/* The event loop's view of the slots (runner/evloop.h). */
static struct tp_child *ev_child(void *ctx, int i)
{
	struct xstate *x = ctx;

	return x->s[i].running ? &x->s[i].ch : NULL;
}

static void ev_arm(void *ctx, int i, struct tp_evloop *ev)
{
	struct xslot *s = &((struct xstate *)ctx)->s[i];

	if (!s->exited)	/* else only its output is awaited */
		tp_evloop_watch(ev, &s->ch, i);
	if (!s->err_eof)
		tp_pollset_add(&ev->ps, s->err[0], POLLIN, i, PK_ERR);
	if (s->out[0] >= 0 && !s->out_eof)
		tp_pollset_add(&ev->ps, s->out[0], POLLIN, i, PK_OUT);
}

static void ev_ready(void *ctx, int i, int kind)
{
	struct xstate *x = ctx;
	struct xslot *s = &x->s[i];

	if (kind == PK_ERR)
		drain(s, s->err[0], 1);
	else
		drain(s, s->out[0], 0);
	if (s->exited && outputs_closed(s))
		reap(x, s);
}

static void ev_exited(void *ctx, int i)
{
	struct xstate *x = ctx;

	reap(x, &x->s[i]);
}

static double ev_deadline(void *ctx, int i, double tmo)
{
	return ((struct xstate *)ctx)->s[i].start + tmo;
}

static void ev_timed_out(void *ctx, int i, double tmo)
{
	struct xslot *s = &((struct xstate *)ctx)->s[i];

	s->timed_out = 1;
	s->timeout_used = tmo;
}

/* Still holding its output at the timeout or the stop: the task ends. */
static int ev_after(void *ctx, int i, double now)
{
	struct xstate *x = ctx;
	struct xslot *s = &x->s[i];

	(void)now;
	if (!s->exited || !(s->timed_out || tp_pool_stopping(x->p)))
		return 0;
	s->force_end = 1;
	reap(x, s);
	return 1;
}

static const struct tp_evloop_ops exec_ev_ops = {
	.child = ev_child,
	.arm = ev_arm,
	.ready = ev_ready,
	.exited = ev_exited,
	.deadline = ev_deadline,
	.timed_out = ev_timed_out,
	.after = ev_after,
};

static int exec_run(struct tp_pool *p)
{
	struct tp_workload *wl = p->o.workload;
	struct xstate x;
	size_t batch = (size_t)(p->o.multi_input ? p->o.config.batch : 1);
	int i, rc = 0;

	memset(&x, 0, sizeof(x));
	x.p = p;
	x.n = p->nslots;
	x.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (x.devnull < 0)
		return tp_error("cannot open '/dev/null': %s", strerror(errno));
	if (!wl->argc)
		return tp_usage_error("workload '%s' has no command", wl->desc->name);
	tp_template_init(&x.tpl, wl->argv, wl->argc, p->o.shell);
	x.tpl.fields = p->o.fields;
	x.tpl.shell_path = p->o.shell_path;
	x.tpl.join = p->o.multi_join;
	if (!p->o.shell)
		x.resolved = strchr(wl->argv[0], '{') ? NULL : tp_path_lookup(wl->argv[0]);
	tp_child_attr_init(&x.attr);
	x.unbound = p->bind.mode ? hwloc_bitmap_alloc() : NULL;
	x.s = tp_xcalloc((size_t)x.n, sizeof(*x.s));
	for (i = 0; i < x.n; i++) {
		x.s[i].x = &x;
		x.s[i].id = i;
		tp_strbuf_init(&x.s[i].batch.data);
		tp_strbuf_init(&x.s[i].argbuf);
		tp_strbuf_init(&x.s[i].errhead);
		tp_strbuf_init(&x.s[i].out_buf);
		tp_strbuf_init(&x.s[i].err_buf);
		x.s[i].spill_fd = -1;
	}

	x.last_start = -INFINITY;
	tp_evloop_init(&x.ev, p, &exec_ev_ops, &x, x.n, "tasks");
	for (;;) {
		int target = atomic_load(&p->target), running = 0;
		enum tp_fill f = TP_FILL_GOT;
		double due = 0, now, next = INFINITY, tmo, held = 0;

		if (!tp_pool_stopping(p)) {
			for (i = 0; i < target && i < x.n && f == TP_FILL_GOT; i++) {
				if (x.s[i].running)
					continue;
				/* --delay, --memfree, --load: hold the start, look again later. */
				now = tp_pool_elapsed(p);
				if (p->o.start_delay_s > 0 && now < x.last_start + p->o.start_delay_s) {
					held = x.last_start + p->o.start_delay_s;
					break;
				}
				if (p->o.ramp_s > 0 && x.started < x.n &&
				    now < p->o.ramp_s * x.started / x.n) {
					held = p->o.ramp_s * x.started / x.n;
					break;
				}
				if (p->o.hooks.may_start && !p->o.hooks.may_start(p->o.hooks.ctx)) {
					held = now + TP_POOL_GATE_RETRY_S;
					break;
				}
				f = tp_pool_fill(p, &x.s[i].batch, batch, &due);
				if (f != TP_FILL_GOT)
					break;
				rc = spawn_task(&x, &x.s[i]);
				x.last_start = tp_pool_elapsed(p);
				x.started++;
				if (rc < 0) {
					p->system_error = 1;
					tp_pool_stop(p);
				}
				if (rc) {
					rc = 0;
					break;
				}
				/* It could not start (finished as failed): the slot is free
				 * again, fill it now; otherwise, with nothing running, the
				 * loop below would wait for an event that never comes. */
				if (!x.s[i].running)
					i--;
			}
		}
		for (i = 0; i < x.n; i++) {
			running += x.s[i].running;
			if (i >= target && !x.s[i].running)
				slot_unready(&x.s[i]);	/* past the width: its fds back */
		}
		if (!running && (tp_pool_stopping(p) || atomic_load(&p->work_done)))
			break;
		now = tp_pool_elapsed(p);
		tmo = tp_pool_timeout(p);
		if (f == TP_FILL_WAIT && due > 0 && due < next)
			next = due;
		if (held > 0 && held < next)
			next = held;
		/* Nothing running and nothing due: the wake pipe (stop, resize, a
		 * slow producer's next line) ends the wait; look again each second
		 * all the same, so no state this loop did not foresee can hang it. */
		if (!running && next == INFINITY)
			next = now + 1.0;
		if (tp_evloop_wait(&x.ev, now, next, tmo) < 0)
			rc = -1;
		tp_evloop_stop_once(&x.ev, tp_pool_elapsed(p));
		tp_evloop_timeouts(&x.ev, tmo);
	}

	for (i = 0; i < x.n; i++)
		slot_release(&x.s[i]);
	free(x.s);
	tp_evloop_release(&x.ev);
	free(x.resolved);
	posix_spawnattr_destroy(&x.attr);
	if (x.unbound)
		hwloc_bitmap_free(x.unbound);
	tp_template_release(&x.tpl);
	close(x.devnull);
	return rc;
}

/* Per worker: a stderr pipe (both ends) and the child's pidfd; grouped
 * output adds a stdout pipe and a spill file.  Besides: /dev/null. */
static int exec_fds(const struct tp_pool *p, int *fixed)
{
	*fixed = 1;
	return 3 + (p->o.group_output ? 3 : 0);
}

const struct tp_strategy_desc tp_strategy_exec = {
	.name = "exec",
	.summary = "one process per task (posix_spawn, own process group, no shell)",
	.flags = TP_STRAT_COMMAND | TP_STRAT_PROCESSES,
	.run = exec_run,
	.fds_per_worker = exec_fds,
};
