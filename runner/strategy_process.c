/* The process strategy: persistent worker processes that initialise the
 * workload once and run batches sent over pipes.  Start `fork` (a copy of
 * this process) or `spawn` (posix_spawn of this binary's hidden `worker`
 * mode: nothing inherited, the workload rebuilt from its spec).  A worker
 * that dies is replaced; its running task fails, the rest of its batch goes
 * back to the queue. */
#include "core/alloc.h"
#include "core/log.h"
#include "runner/child.h"
#include "runner/linefwd.h"
#include "runner/evloop.h"
#include "runner/strategy.h"
#include "runner/worker.h"
#include "workloads/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct pslot {
	struct pstate *x;
	int id;
	int alive, ready, busy, retiring;
	struct tp_child ch;
	int cmd_w, res_r, err_r;
	struct tp_strbuf send;
	size_t sent;
	struct tp_strbuf recv;
	struct tp_batch batch;
	size_t ndone;
	double spawned_at, task_start;
	int timed_out;
	double timeout_used;
	struct tp_linefwd errfwd;
};

struct pstate {
	struct tp_pool *p;
	struct pslot *s;
	int n;
	posix_spawnattr_t attr;
	int devnull;
	const char *exe;
	struct tp_evloop ev;
};

enum { PK_RES, PK_ERR, PK_CMD };

static void on_err_line(void *ctx, const char *line)
{
	struct pslot *s = ctx;

	tp_pool_worker_log(s->x->p, s->id, line);
}

/* The number of threads of this process (fork from a threaded parent only
 * copies the calling thread, and locks held by others stay held). */
static int thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every descriptor from 3 up but the four given. */
static void close_except(int a, int b, int c, int d)
{
	int keep[4] = { a, b, c, d }, i;
	unsigned lo = 3;

	qsort(keep, 4, sizeof(int), cmp_int);
	for (i = 0; i < 4; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

/* In a forked child: its pipes onto the worker fds, everything else closed. */
static void fork_child(struct pstate *x, int cmd_r, int res_w, int err_w, int id)
{
	struct tp_pool *p = x->p;
	int a, b;

	setpgid(0, 0);
	/* The parent's handlers mean nothing here: a crash must kill the worker. */
	for (a = 1; a < NSIG; a++)
		if (a != SIGKILL && a != SIGSTOP)
			signal(a, SIG_DFL);
	/* Everything else goes first: with the parent's table full (EMFILE) the
	 * moves below need free slots. */
	close_except(cmd_r, res_w, err_w, x->devnull);
	a = fcntl(cmd_r, F_DUPFD_CLOEXEC, 10);
	b = fcntl(res_w, F_DUPFD_CLOEXEC, 10);
	if (a < 0 || b < 0 || dup2(err_w, 2) < 0 || dup2(x->devnull, 0) < 0 ||
	    dup2(a, TP_WORKER_CMD_FD) < 0 || dup2(b, TP_WORKER_RES_FD) < 0)
		_exit(3);
	close_range(TP_WORKER_RES_FD + 1, ~0U, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	_exit(tp_worker_serve(p->o.workload, id, TP_WORKER_CMD_FD, TP_WORKER_RES_FD));
}

/* Starts the slot's worker: 0; -1 with an error printed; -2 with errno
 * EMFILE or ENFILE and nothing printed (the caller shrinks the pool). */
static int start_worker(struct pstate *x, struct pslot *s)
{
	struct tp_pool *p = x->p;
	int cmd[2], res[2], err[2], rc;

	if (pipe2(cmd, O_CLOEXEC) < 0)
		goto pipe_failed;
	if (pipe2(res, O_CLOEXEC) < 0) {
		rc = errno;
		close(cmd[0]);
		close(cmd[1]);
		errno = rc;
		goto pipe_failed;
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		rc = errno;
		close(cmd[0]);
		close(cmd[1]);
		close(res[0]);
		close(res[1]);
		errno = rc;
		goto pipe_failed;
	}
	fcntl(res[0], F_SETFL, fcntl(res[0], F_GETFL) | O_NONBLOCK);
	fcntl(err[0], F_SETFL, fcntl(err[0], F_GETFL) | O_NONBLOCK);
	fcntl(cmd[1], F_SETFL, fcntl(cmd[1], F_GETFL) | O_NONBLOCK);
	memset(&s->ch, 0, sizeof(s->ch));
	s->spawned_at = tp_pool_elapsed(p);
	if (p->start == TP_START_FORK) {
		pid_t pid = fork();

		if (pid < 0) {
			rc = errno;
		} else if (pid == 0) {
			fork_child(x, cmd[0], res[1], err[1], s->id);
		} else {
			setpgid(pid, pid);	/* both sides: no race with kill(-pid) */
			rc = tp_child_watch(&s->ch, pid);
		}
	} else {
		posix_spawn_file_actions_t fa;
		char idtext[16];
		char *argv[] = { "tunepool", "worker", "--id", idtext, "--",
				 p->o.workload->spec, NULL };

		snprintf(idtext, sizeof(idtext), "%d", s->id);
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, x->devnull, 0);
		posix_spawn_file_actions_adddup2(&fa, err[1], 2);
		posix_spawn_file_actions_adddup2(&fa, cmd[0], TP_WORKER_CMD_FD);
		posix_spawn_file_actions_adddup2(&fa, res[1], TP_WORKER_RES_FD);
		posix_spawn_file_actions_addclosefrom_np(&fa, TP_WORKER_RES_FD + 1);
		rc = tp_child_spawn(&s->ch, x->exe, 0, argv, &fa, &x->attr);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(cmd[0]);
	close(res[1]);
	close(err[1]);
	if (rc) {
		close(cmd[1]);
		close(res[0]);
		close(err[0]);
		if (tp_evloop_short_of(rc)) {
			errno = rc;
			return -2;
		}
		return tp_error("cannot start worker %d (%s): %s", s->id,
				p->start == TP_START_FORK ? "fork" : x->exe, strerror(rc));
	}
	s->cmd_w = cmd[1];
	s->res_r = res[0];
	s->err_r = err[0];
	s->alive = 1;
	s->ready = s->busy = s->retiring = 0;
	s->sent = 0;
	tp_strbuf_reset(&s->send);
	tp_strbuf_reset(&s->recv);
	return 0;
pipe_failed:
	if (tp_evloop_short_of(errno))
		return -2;
	return tp_error("cannot create a pipe: %s", strerror(errno));
}

static void flush_send(struct pslot *s)
{
	tp_evloop_send(s->cmd_w, &s->send, &s->sent);	/* a death: the pidfd tells */
}

static void send_batch(struct pstate *x, struct pslot *s, int each)
{
	struct tp_wmsg_batch b = {
		.n = (uint32_t)s->batch.n,
		.flags = each ? TP_WFLAG_EACH : 0,
		.bytes = s->batch.data.len,
	};

	tp_strbuf_add(&s->send, &b, sizeof(b));
	tp_strbuf_add(&s->send, s->batch.data.buf, s->batch.data.len);
	s->busy = 1;
	s->ndone = 0;
	s->timed_out = 0;
	s->task_start = tp_pool_elapsed(x->p);
	atomic_store_explicit(&x->p->slots[s->id].busy, 1, memory_order_relaxed);
	flush_send(s);
}

static void retire(struct pslot *s)
{
	if (s->retiring)
		return;
	s->retiring = 1;
	close_fd(&s->cmd_w);	/* end of file: the worker finishes and exits */
}

/* Parses the complete messages received from a worker. */
static void parse_results(struct pstate *x, struct pslot *s)
{
	struct tp_pool *p = x->p;
	size_t off = 0;

	for (;;) {
		struct tp_wmsg_result m;
		char err[TP_TASK_ERR_MAX];
		const char *res;
		double now;

		if (s->recv.len - off < sizeof(m))
			break;
		memcpy(&m, s->recv.buf + off, sizeof(m));
		if (m.errlen >= TP_TASK_ERR_MAX)
			m.errlen = TP_TASK_ERR_MAX - 1;
		if (s->recv.len - off < sizeof(m) + m.errlen + m.outlen)
			break;
		memcpy(err, s->recv.buf + off + sizeof(m), m.errlen);
		err[m.errlen] = '\0';
		res = s->recv.buf + off + sizeof(m) + m.errlen;
		off += sizeof(m) + m.errlen + m.outlen;
		now = tp_pool_elapsed(p);
		if (m.kind == TP_WMSG_READY) {
			s->ready = 1;
			p->worker_start_sum += now - s->spawned_at;
			p->worker_starts++;
			if (s->busy && s->ndone == 0)
				s->task_start = now;
			continue;
		}
		if (!s->busy || s->ndone >= s->batch.n)
			continue;	/* nothing asked: ignore */
		{
			struct tp_outcome o = {
				.ok = m.rc == 0,
				.exit_status = m.rc == 0 ? 0 : -1,
				.start_s = s->task_start,
				.duration_s = m.duration_s,
				.err = m.rc == 0 ? "" : err,
				.out = m.outlen ? res : NULL,
				.out_len = m.outlen,
			};

			tp_pool_finish(p, s->id, &s->batch.t[s->ndone], &o);
		}
		s->ndone++;
		s->task_start = now;
		if (s->ndone == s->batch.n) {
			s->busy = 0;
			atomic_store_explicit(&p->slots[s->id].busy, 0, memory_order_relaxed);
		}
	}
	if (off) {
		memmove(s->recv.buf, s->recv.buf + off, s->recv.len - off);
		s->recv.len -= off;
		s->recv.buf[s->recv.len] = '\0';
	}
}

static void read_results(struct pstate *x, struct pslot *s)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(s->res_r, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		tp_strbuf_add(&s->recv, buf, (size_t)n);
	}
	parse_results(x, s);
}

static void read_stderr(struct pslot *s)
{
	tp_evloop_drain_lines(s->err_r, &s->errfwd, on_err_line, s);
}

/* The worker exited: account for its batch and free the slot. */
static void worker_died(struct pstate *x, struct pslot *s)
{
	struct tp_pool *p = x->p;
	struct rusage ru;
	int status;

	read_results(x, s);
	read_stderr(s);
	if (!tp_child_reap(&s->ch, &status, &ru))
		return;
	tp_linefwd_flush(&s->errfwd, on_err_line, s);
	if (ru.ru_maxrss > p->slots[s->id].rss_kb)
		p->slots[s->id].rss_kb = ru.ru_maxrss;
	if (!s->ready && !s->retiring && !tp_pool_stopping(p)) {
		char st[96];

		tp_describe_status(status, st, sizeof(st));
		tp_error("worker %d of workload '%s' failed to start: %s", s->id,
			 p->o.workload->desc->name, st);
		p->system_error = 1;
		tp_pool_stop(p);
	} else if (s->busy && s->ndone < s->batch.n && (!tp_pool_stopping(p) || s->timed_out)) {
		char st[96], msg[TP_TASK_ERR_MAX];
		struct tp_outcome o = {
			.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
			.timed_out = s->timed_out,
			.start_s = s->task_start,
			.duration_s = tp_pool_elapsed(p) - s->task_start,
			.err = msg,
		};
		size_t j;

		tp_describe_status(status, st, sizeof(st));
		if (s->timed_out)
			snprintf(msg, sizeof(msg), "timed out after %gs (worker %d ended: %s)",
				 s->timeout_used, s->id, st);
		else
			snprintf(msg, sizeof(msg), "worker %d died: %s", s->id, st);
		tp_pool_finish(p, s->id, &s->batch.t[s->ndone], &o);
		for (j = s->ndone + 1; j < s->batch.n; j++)
			tp_pool_requeue(p, &s->batch.t[j]);
	}
	atomic_store_explicit(&p->slots[s->id].busy, 0, memory_order_relaxed);
	close_fd(&s->cmd_w);
	close_fd(&s->res_r);
	close_fd(&s->err_r);
	s->alive = s->busy = s->ready = s->retiring = 0;
	s->batch.n = 0;
}

/* The event loop's view of the slots (runner/evloop.h). */
static struct tp_child *ev_child(void *ctx, int i)
{
	struct pstate *x = ctx;

	return x->s[i].alive ? &x->s[i].ch : NULL;
}

static void ev_arm(void *ctx, int i, struct tp_evloop *ev)
{
	struct pslot *s = &((struct pstate *)ctx)->s[i];

	tp_evloop_watch(ev, &s->ch, i);
	tp_pollset_add(&ev->ps, s->res_r, POLLIN, i, PK_RES);
	tp_pollset_add(&ev->ps, s->err_r, POLLIN, i, PK_ERR);
	if (s->send.len > s->sent && s->cmd_w >= 0)
		tp_pollset_add(&ev->ps, s->cmd_w, POLLOUT, i, PK_CMD);
}

static void ev_ready(void *ctx, int i, int kind)
{
	struct pstate *x = ctx;
	struct pslot *s = &x->s[i];

	if (kind == PK_RES)
		read_results(x, s);
	else if (kind == PK_ERR)
		read_stderr(s);
	else if (kind == PK_CMD)
		flush_send(s);
}

static void ev_exited(void *ctx, int i)
{
	struct pstate *x = ctx;

	worker_died(x, &x->s[i]);
}

static double ev_deadline(void *ctx, int i, double tmo)
{
	struct pslot *s = &((struct pstate *)ctx)->s[i];

	return s->busy ? s->task_start + tmo : INFINITY;
}

static void ev_timed_out(void *ctx, int i, double tmo)
{
	struct pslot *s = &((struct pstate *)ctx)->s[i];

	s->timed_out = 1;
	s->timeout_used = tmo;
}

/* A stop ends the batches running; idle workers get end of file. */
static void ev_stop(void *ctx, int i, double now)
{
	struct pstate *x = ctx;
	struct pslot *s = &x->s[i];

	if (s->busy)
		tp_child_term(&s->ch, now, x->p->o.kill_grace_s);
	else
		retire(s);
}

static const struct tp_evloop_ops process_ev_ops = {
	.child = ev_child,
	.arm = ev_arm,
	.ready = ev_ready,
	.exited = ev_exited,
	.deadline = ev_deadline,
	.timed_out = ev_timed_out,
	.stop = ev_stop,
};

static int process_run(struct tp_pool *p)
{
	struct pstate x;
	size_t batch = (size_t)p->o.config.batch;
	int i, rc = 0;

	memset(&x, 0, sizeof(x));
	x.p = p;
	x.n = p->nslots;
	x.exe = p->o.worker_exe ? p->o.worker_exe : "/proc/self/exe";
	x.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (x.devnull < 0)
		return tp_error("cannot open '/dev/null': %s", strerror(errno));
	if (p->start == TP_START_FORK && !p->o.quiet_warnings && thread_count() > 1)
		tp_warn("starting process workers with fork while tunepool runs %d threads: "
			"only the forking thread is copied (locks held by the others stay held); "
			"prefer --start spawn", thread_count());
	if (p->start == TP_START_SPAWN && !p->o.workload->spec)
		return tp_usage_error("workload '%s' has no spec to rebuild in a spawned worker",
				      p->o.workload->desc->name);
	tp_child_attr_init(&x.attr);
	x.s = tp_xcalloc((size_t)x.n, sizeof(*x.s));
	for (i = 0; i < x.n; i++) {
		struct pslot *s = &x.s[i];

		s->x = &x;
		s->id = i;
		s->cmd_w = s->res_r = s->err_r = -1;
		tp_strbuf_init(&s->send);
		tp_strbuf_init(&s->recv);
		tp_strbuf_init(&s->batch.data);
	}

	tp_evloop_init(&x.ev, p, &process_ev_ops, &x, x.n, "workers");
	for (;;) {
		int target = atomic_load(&p->target);
		double due = 0, now, next = INFINITY, tmo = tp_pool_timeout(p);
		enum tp_fill f = TP_FILL_GOT;
		int stopping = tp_pool_stopping(p);

		now = tp_pool_elapsed(p);
		if (stopping)
			tp_evloop_stop_once(&x.ev, now);
		for (i = 0; i < x.n && !stopping; i++) {
			struct pslot *s = &x.s[i];

			if (i < target && !s->alive && !atomic_load(&p->work_done)) {
				int r = start_worker(&x, s);

				if (r == -2) {
					/* Out of descriptors: as wide as the workers running. */
					if (tp_evloop_fd_shrink(&x.ev, errno) < 0)
						r = -1;
					else
						target = atomic_load(&p->target);
				}
				if (r == -1) {
					p->system_error = 1;
					tp_pool_stop(p);
					break;
				}
				if (r)
					continue;
			}
			if (!s->alive || s->busy || s->retiring)
				continue;
			if (i >= target) {
				retire(s);
				continue;
			}
			if (f == TP_FILL_GOT) {
				f = tp_pool_fill(p, &s->batch, batch, &due);
				if (f == TP_FILL_GOT)
					send_batch(&x, s, tmo > 0 || p->o.timeout_pct > 0);
			}
			if (!s->busy && atomic_load(&p->work_done))
				retire(s);
		}
		if (!tp_evloop_live(&x.ev) && (tp_pool_stopping(p) || atomic_load(&p->work_done)))
			break;
		if (f == TP_FILL_WAIT && due > 0)
			next = due;
		if (tp_evloop_wait(&x.ev, now, next, tmo) < 0)
			rc = -1;
		tp_evloop_timeouts(&x.ev, tmo);
	}

	for (i = 0; i < x.n; i++) {
		struct pslot *s = &x.s[i];

		close_fd(&s->cmd_w);
		close_fd(&s->res_r);
		close_fd(&s->err_r);
		tp_strbuf_release(&s->send);
		tp_strbuf_release(&s->recv);
		tp_batch_release(&s->batch);
		tp_linefwd_release(&s->errfwd);
	}
	free(x.s);
	tp_evloop_release(&x.ev);
	posix_spawnattr_destroy(&x.attr);
	close(x.devnull);
	return rc;
}

/* Per worker: its command, result and stderr pipes and its pidfd.
 * Besides: /dev/null and the three more a worker holds while it starts. */
static int process_fds(const struct tp_pool *p, int *fixed)
{
	(void)p;
	*fixed = 4;
	return 4;
}

const struct tp_strategy_desc tp_strategy_process = {
	.name = "process",
	.summary = "persistent worker processes fed batches over pipes (start fork|spawn)",
	.flags = TP_STRAT_START | TP_STRAT_PROCESSES,
	.run = process_run,
	.fds_per_worker = process_fds,
};
