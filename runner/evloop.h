/* The child-watching event loop the process-backed strategies share (exec,
 * process, persistent): one poll over the wake pipe, each slot's pipes and
 * its child's pidfd (or the SIGCHLD pipe), with the next deadline (a task's
 * timeout, a kill grace, the strategy's own); then each slot's ready pipes,
 * then the deaths (so a death sees every result), then timeouts and kill
 * graces.  The strategy keeps its slots and says what each one holds
 * through the callbacks below; filling slots stays its own. */
#ifndef TP_RUNNER_EVLOOP_H
#define TP_RUNNER_EVLOOP_H

#include "runner/child.h"
#include "runner/pollset.h"

struct tp_pool;
struct tp_evloop;

struct tp_evloop_ops {
	/* The slot's live child (a running task, a started worker), else NULL. */
	struct tp_child *(*child)(void *ctx, int slot);
	/* Adds the slot's own descriptors (kinds >= 0) to ev's poll set, the
	 * child's exit with tp_evloop_watch, deadlines with tp_evloop_until. */
	void (*arm)(void *ctx, int slot, struct tp_evloop *ev);
	/* A descriptor of the slot's own kind is ready. */
	void (*ready)(void *ctx, int slot, int kind);
	/* The slot's child may have exited (its pidfd, or a SIGCHLD). */
	void (*exited)(void *ctx, int slot);
	/* When the slot's timed task passes the timeout tmo; INFINITY: none. */
	double (*deadline)(void *ctx, int slot, double tmo);
	/* The task passed the timeout tmo: mark it (SIGTERM follows). */
	void (*timed_out)(void *ctx, int slot, double tmo);
	/* Optional, after the timeout check: nonzero when the slot ended this
	 * turn (no kill-grace tick then). */
	int (*after)(void *ctx, int slot, double now);
	/* Optional, once on a stop, per slot with a child; NULL: SIGTERM it. */
	void (*stop)(void *ctx, int slot, double now);
};

struct tp_evloop {
	struct tp_pool *p;
	const struct tp_evloop_ops *ops;
	void *ctx;
	int n;			/* slots */
	const char *what;	/* "tasks", "workers": in the wait's error */
	struct tp_pollset ps;
	int stop_handled;
	int chld;		/* a child without a pidfd is watched */
	double next;		/* this turn's deadline */
};

/* Kinds the loop keeps for itself; a strategy's own are >= 0. */
enum { TP_EV_WAKE = -1, TP_EV_PID = -2, TP_EV_CHLD = -3 };

void tp_evloop_init(struct tp_evloop *ev, struct tp_pool *p, const struct tp_evloop_ops *ops,
		    void *ctx, int n, const char *what);
void tp_evloop_release(struct tp_evloop *ev);

/* In arm: watch the child's exit (its pidfd, else the SIGCHLD pipe). */
void tp_evloop_watch(struct tp_evloop *ev, const struct tp_child *ch, int slot);
/* In arm: wake up by t at the latest. */
void tp_evloop_until(struct tp_evloop *ev, double t);

/* One turn: arms the slots with a child, waits until next at the latest
 * (the strategy's own deadline; INFINITY for none) or a slot's deadline
 * with timeout tmo (<= 0: none), dispatches what is ready, reaps what
 * exited.  0; -1 when the wait failed (printed, the pool stopped). */
int tp_evloop_wait(struct tp_evloop *ev, double now, double next, double tmo);
/* After a wait: tasks past the timeout tmo get SIGTERM, kill graces run out. */
void tp_evloop_timeouts(struct tp_evloop *ev, double tmo);
/* On the pool's first stop: each slot with a child stops (ops->stop). */
void tp_evloop_stop_once(struct tp_evloop *ev, double now);
/* The slots holding a live child. */
int tp_evloop_live(const struct tp_evloop *ev);
/* Out of descriptors, or of processes/threads (EAGAIN: ulimit -u, a cgroup's
 * pids.max): the pool narrows to what runs instead of failing. */
int tp_evloop_short_of(int e);
/* Out of descriptors or processes (error e) while starting: the pool
 * narrows to the slots live; -1 when none are (the caller stops). */
int tp_evloop_fd_shrink(struct tp_evloop *ev, int e);

struct tp_strbuf;
/* Writes what q holds past *sent to a worker's non-blocking pipe: 0 when it
 * is all written (q emptied) or the pipe is full (POLLOUT later), else the
 * errno of the failed write (EPIPE: nobody reads; its death is reported
 * through the pidfd). */
int tp_evloop_send(int fd, struct tp_strbuf *q, size_t *sent);
/* Reads a worker's stderr pipe until it is empty, whole lines to fn. */
struct tp_linefwd;
void tp_evloop_drain_lines(int fd, struct tp_linefwd *f, void (*fn)(void *, const char *), void *ctx);

#endif
