/* The thread strategy: pthreads that take whole batches from the shared queue
 * (one lock per batch, none per task) and run the workload in-process.
 * A thread cannot be killed: a task past its timeout is reported as timed out
 * and its thread abandoned (it exits when the task returns; its worker state
 * is leaked) while a new thread takes its place. */
#include "core/alloc.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "runner/strategy.h"
#include "workloads/workload.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* phase word of a thread: (task generation << 2) | phase */
enum { PH_IDLE = 0, PH_RUNNING = 1, PH_ABANDONED = 2 };

struct tw {
	struct tp_pool *p;
	int id;
	pthread_t th;
	struct tp_batch batch;		/* owned by the thread: outlives an abandoned slot */
	size_t cur;			/* index of the running task */
	size_t flushed;			/* tasks of the batch already delivered */
	long long recorded;		/* successes recorded, not yet resolved */
	double *starts, *durs;		/* successes held until the batch is delivered */
	_Atomic uint64_t word;
	_Atomic uint64_t task_start_ns;
	_Atomic int refs;		/* the thread and the slot */
	_Atomic int exited;
	_Atomic int in_init;		/* in the workload's worker_init */
};

/* A workload's init that has not returned after this (without --timeout) is
 * abandoned and the run stops. */
#define TP_INIT_TIMEOUT_S 60.0

/* exit() called by a workload while the pool runs: the journal already has
 * every finished task; the exit code says it was not a clean end. */
static _Atomic int pools_running;
/* Threads given up on that have not returned: they may still be inside the
 * workload's code, so the workload must not be freed (tp_pool_abandoned). */
static _Atomic int abandoned_live;
static pthread_once_t exit_guard_once = PTHREAD_ONCE_INIT;

static void exit_during_run(void)
{
	static const char msg[] = "tunepool: error: a workload called exit() while tasks were "
				  "running; the journal has every task that finished\n";

	if (atomic_load(&pools_running) > 0) {
		ssize_t rc = write(STDERR_FILENO, msg, sizeof(msg) - 1);

		(void)rc;
		_exit(TP_EXIT_SYSTEM);
	}
}

static void exit_guard_install(void)
{
	atexit(exit_during_run);
}

static void tw_unref(struct tw *t)
{
	if (atomic_fetch_sub(&t->refs, 1) == 1) {
		tp_batch_release(&t->batch);
		free(t->starts);
		free(t->durs);
		free(t);
	}
}

/* Waits (lock held) until a retry is due, work may appear, or the thread
 * must stop. */
static void wait_for_work(struct tp_pool *p, double due)
{
	if (due > 0) {
		struct timespec ts;
		uint64_t at = p->t0_ns + (uint64_t)(due * 1e9);

		ts.tv_sec = (time_t)(at / 1000000000u);
		ts.tv_nsec = (long)(at % 1000000000u);
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	} else {
		pthread_cond_wait(&p->cond, &p->lock);
	}
}

/* Resolves tasks [from, to) of the batch, all successful, under one lock. */
static void deliver_ok(struct tw *t, size_t from, size_t to)
{
	struct tp_pool *p = t->p;
	struct tp_outcome o = { .ok = 1, .err = "" };
	size_t j;

	if (from >= to)
		return;
	pthread_mutex_lock(&p->lock);
	for (j = from; j < to; j++) {
		o.start_s = t->starts[j];
		o.duration_s = t->durs[j];
		tp_pool_finish_locked(p, t->id, &t->batch.t[j], &o);
	}
	pthread_mutex_unlock(&p->lock);
}

/* The workload's worker_init, published as running so the pool can give up
 * on an init that never returns (timeout or stop): its return value, or 1
 * when the pool abandoned this thread meanwhile (t is released then). */
static int thread_init(struct tw *t, void **ws, uint64_t *gen)
{
	struct tp_workload *wl = t->p->o.workload;
	uint64_t expect;
	int irc;

	atomic_store(&t->in_init, 1);
	atomic_store_explicit(&t->task_start_ns, tp_now_ns(), memory_order_relaxed);
	atomic_store_explicit(&t->word, (++*gen << 2) | PH_RUNNING, memory_order_release);
	irc = wl->desc->worker_init(wl, ws);
	expect = (*gen << 2) | PH_RUNNING;
	if (!atomic_compare_exchange_strong(&t->word, &expect, (*gen << 2) | PH_IDLE)) {
		/* The workload outlives abandoned threads (tp_pool_abandoned):
		 * what the init made is released before this one counts as gone. */
		if (irc >= 0 && wl->desc->worker_fini)
			wl->desc->worker_fini(wl, *ws);
		atomic_fetch_sub(&abandoned_live, 1);
		tw_unref(t);	/* abandoned: the pool is gone or going */
		return 1;
	}
	atomic_store(&t->in_init, 0);
	return irc < 0 ? -1 : 0;
}

/* The next batch into t->batch, waiting for one: TP_FILL_GOT, or done when
 * the pool stops or shrank below this worker. */
static enum tp_fill next_batch(struct tw *t, size_t max)
{
	struct tp_pool *p = t->p;
	enum tp_fill f;
	double due;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (tp_pool_stopping(p) || t->id >= atomic_load(&p->target)) {
			f = TP_FILL_DONE;
			break;
		}
		f = tp_pool_fill_locked(p, &t->batch, max, &due);
		if (f != TP_FILL_WAIT)
			break;
		wait_for_work(p, due);
	}
	pthread_mutex_unlock(&p->lock);
	return f;
}

/* What one task's end means: a success counted (or kept to deliver with
 * its batch), or a result or failure delivered now, after the successes
 * before it (*flushed: how many of the batch are delivered). */
static void task_outcome(struct tw *t, struct tp_task *task, size_t i, int rc, const char *rout,
			 size_t rlen, uint64_t start_ns, double dur, const char *why, int deliver,
			 size_t *flushed)
{
	struct tp_pool *p = t->p;
	double start_s = (double)(start_ns - p->t0_ns) / 1e9;

	if (!deliver && rc == 0) {
		tp_pool_record_ok(p, t->id, dur);
		t->recorded++;
	} else if (rc == 0 && !rout) {
		t->starts[i] = start_s;
		t->durs[i] = dur;
	} else if (rc == 0) {
		/* A result (plugin ABI 2): delivered now, while it is valid. */
		struct tp_outcome o = {
			.ok = 1,
			.err = "",
			.out = rout,
			.out_len = rlen,
			.start_s = start_s,
			.duration_s = dur,
		};

		deliver_ok(t, *flushed, i);
		*flushed = t->flushed = i + 1;
		tp_pool_finish(p, t->id, task, &o);
	} else {
		struct tp_outcome o = {
			.exit_status = -1,
			.err = why,
			.start_s = start_s,
			.duration_s = dur,
		};

		if (deliver)
			deliver_ok(t, *flushed, i);
		*flushed = t->flushed = i + 1;
		tp_pool_finish(p, t->id, task, &o);
	}
}

static void *thread_main(void *arg)
{
	struct tw *t = arg;
	struct tp_pool *p = t->p;
	struct tp_workload *wl = p->o.workload;
	const struct tp_workload_desc *d = wl->desc;
	size_t max = (size_t)p->o.config.batch;
	int deliver = tp_pool_needs_delivery(p);
	char err[TP_TASK_ERR_MAX], initerr[TP_TASK_ERR_MAX] = "";
	void *ws = NULL;
	int init_failed = 0;
	uint64_t gen = 0;

	if (tp_bind_thread(&p->bind, t->id, NULL))
		tp_warn("worker %d: cannot bind to its %s: %s", t->id, tp_bind_name(p->bind.mode),
			strerror(errno));
	if (deliver) {
		t->starts = tp_xmalloc(max * sizeof(*t->starts));
		t->durs = tp_xmalloc(max * sizeof(*t->durs));
	}
	if (d->worker_init) {
		int irc = thread_init(t, &ws, &gen);

		if (irc == 1)
			return NULL;	/* abandoned */
		if (irc < 0) {
			init_failed = 1;
			snprintf(initerr, sizeof(initerr),
				 "worker %d: workload '%s' failed to initialise", t->id, d->name);
		}
	}
	for (;;) {
		size_t i, flushed = 0;
		uint64_t prev;

		t->flushed = 0;
		t->recorded = 0;
		if (next_batch(t, max) != TP_FILL_GOT)
			break;
		atomic_store_explicit(&p->slots[t->id].busy, 1, memory_order_relaxed);
		prev = tp_now_ns();
		for (i = 0; i < t->batch.n; i++) {
			struct tp_task *task = &t->batch.t[i];
			uint64_t end, expect;
			int rc;
			const char *rout;
			size_t rlen;

			if (tp_pool_stopping(p))
				break;
			/* Published so the pool can time the task out (and abandon us). */
			t->cur = i;
			atomic_store_explicit(&t->task_start_ns, prev, memory_order_relaxed);
			atomic_store_explicit(&t->word, (++gen << 2) | PH_RUNNING, memory_order_release);
			err[0] = '\0';
			rout = NULL;
			rlen = 0;
			rc = init_failed ? -1
			   : d->process_result ? d->process_result(wl, ws, task->input, &rout, &rlen,
								 err, sizeof(err))
			   : d->process(wl, ws, task->input, err, sizeof(err));
			end = tp_now_ns();
			expect = (gen << 2) | PH_RUNNING;
			if (!atomic_compare_exchange_strong(&t->word, &expect, (gen << 2) | PH_IDLE)) {
				/* Abandoned: the pool dealt with this batch; touch
				 * nothing of it any more, but release the worker's
				 * state (the workload outlives abandoned threads). */
				if (!init_failed && d->worker_fini)
					d->worker_fini(wl, ws);
				atomic_fetch_sub(&abandoned_live, 1);
				tw_unref(t);
				return NULL;
			}
			task_outcome(t, task, i, rc, rout, rlen, prev, (double)(end - prev) / 1e9,
				     init_failed ? initerr : err[0] ? err : "failed", deliver, &flushed);
			prev = end;
		}
		if (deliver)
			deliver_ok(t, flushed, i);
		tp_pool_resolved(p, t->recorded);
		atomic_store_explicit(&p->slots[t->id].busy, 0, memory_order_relaxed);
		if (atomic_load(&p->eof) && atomic_load(&p->inflight) == 0) {
			pthread_mutex_lock(&p->lock);
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
		}
	}
	if (d->worker_fini && !init_failed)
		d->worker_fini(wl, ws);
	atomic_store(&t->exited, 1);
	tp_pool_wake(p);
	tw_unref(t);
	return NULL;
}

/* Starts worker id: the thread, or NULL with *err set (nothing printed). */
static struct tw *start_thread(struct tp_pool *p, int id, int *err)
{
	struct tw *t = tp_xcalloc(1, sizeof(*t));
	int rc;

	t->p = p;
	t->id = id;
	tp_strbuf_init(&t->batch.data);
	atomic_store(&t->refs, 2);
	rc = pthread_create(&t->th, NULL, thread_main, t);
	if (rc) {
		*err = rc;
		free(t);
		return NULL;
	}
	return t;
}

/* Reports the running task of t as timed out and abandons the thread. */
static void abandon(struct tp_pool *p, struct tw *t, uint64_t word, double tmo)
{
	uint64_t start = atomic_load(&t->task_start_ns);
	uint64_t idle = (word & ~(uint64_t)3) | PH_ABANDONED;
	char msg[256];
	size_t i;

	if (!atomic_compare_exchange_strong(&t->word, &word, idle))
		return;		/* it finished just now */
	atomic_fetch_add(&abandoned_live, 1);
	pthread_detach(t->th);
	atomic_store_explicit(&p->slots[t->id].busy, 0, memory_order_relaxed);
	if (tp_pool_stopping(p))
		return;		/* ended by the stop: not reported */
	if (atomic_load(&t->in_init)) {
		/* No task of it ran: every worker would hang the same way. */
		tp_error("worker %d: workload '%s' did not finish initialising within %gs; stopping "
			 "(its thread was abandoned)", t->id, p->o.workload->desc->name, tmo);
		p->system_error = 1;
		tp_pool_stop(p);
		return;
	}
	if (tp_pool_needs_delivery(p))
		deliver_ok(t, t->flushed, t->cur);
	tp_pool_resolved(p, t->recorded);
	snprintf(msg, sizeof(msg), "timed out after %gs (a thread cannot be killed: it was "
		 "abandoned and keeps running until the task returns)", tmo);
	{
		struct tp_outcome o = {
			.exit_status = -1,
			.timed_out = 1,
			.start_s = (double)(start - p->t0_ns) / 1e9,
			.duration_s = (double)(tp_now_ns() - start) / 1e9,
			.err = msg,
		};

		pthread_mutex_lock(&p->lock);
		tp_pool_finish_locked(p, t->id, &t->batch.t[t->cur], &o);
		pthread_mutex_unlock(&p->lock);
	}
	for (i = t->cur + 1; i < t->batch.n; i++)
		tp_pool_requeue(p, &t->batch.t[i]);
}

static int thread_run(struct tp_pool *p)
{
	struct tw **slot = tp_xcalloc((size_t)p->nslots, sizeof(*slot));
	double stop_at = 0;
	int i, rc = 0;

	pthread_once(&exit_guard_once, exit_guard_install);
	atomic_fetch_add(&pools_running, 1);

	for (;;) {
		int target = atomic_load(&p->target), live = 0, ms = -1;
		double tmo = tp_pool_timeout(p), now, next = INFINITY;
		struct pollfd pfd;

		for (i = 0; i < p->nslots; i++) {
			struct tw *t = slot[i];

			if (t && atomic_load(&t->exited)) {
				pthread_join(t->th, NULL);
				tw_unref(t);
				slot[i] = t = NULL;
			}
			if (!t && i < target && !tp_pool_stopping(p) && !atomic_load(&p->work_done)) {
				int err = 0, running = 0, k;

				t = slot[i] = start_thread(p, i, &err);
				if (!t) {
					/* Out of threads (EAGAIN: ulimit -u, pids.max, memory):
					 * narrow to the threads there are, as for EMFILE. */
					for (k = 0; k < p->nslots; k++)
						running += slot[k] != NULL;
					if (err != EAGAIN || tp_pool_fd_shrink(p, running, err) < 0) {
						if (err != EAGAIN)
							tp_error("cannot start a worker thread: %s", strerror(err));
						rc = -1;
						tp_pool_stop(p);
					}
				}
			}
			live += t != NULL;
		}
		if (!live)
			break;
		now = tp_pool_elapsed(p);
		if (tp_pool_stopping(p) && !stop_at) {
			stop_at = now + p->o.kill_grace_s;
			pthread_mutex_lock(&p->lock);
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
		}
		for (i = 0; i < p->nslots; i++) {
			struct tw *t = slot[i];
			uint64_t w;
			double started;

			if (!t)
				continue;
			w = atomic_load(&t->word);
			if ((w & 3) != PH_RUNNING)
				continue;
			started = (double)(atomic_load(&t->task_start_ns) - p->t0_ns) / 1e9;
			if (atomic_load(&t->in_init)) {
				/* An init: its own limit, and nothing to wait for at a stop. */
				double itmo = p->o.timeout_s > 0 ? p->o.timeout_s : TP_INIT_TIMEOUT_S;

				if (now >= started + itmo || tp_pool_stopping(p)) {
					abandon(p, t, w, itmo);
					tw_unref(t);
					slot[i] = NULL;
					tp_pool_wake(p);
					continue;
				}
				if (started + itmo < next)
					next = started + itmo;
				continue;
			}
			if ((tmo > 0 && now >= started + tmo) || (stop_at && now >= stop_at)) {
				abandon(p, t, w, tmo > 0 ? tmo : now - started);
				tw_unref(t);
				slot[i] = NULL;
				tp_pool_wake(p);
				continue;
			}
			if (tmo > 0 && started + tmo < next)
				next = started + tmo;
		}
		if (stop_at && stop_at < next)
			next = stop_at;
		/* A task that starts later is not announced: look again soon. */
		if (tmo > 0 && now + tmo / 2 < next)
			next = now + (tmo / 2 < 0.1 ? tmo / 2 : 0.1);
		if (next < INFINITY)
			ms = next <= now ? 0 : (int)ceil((next - now) * 1000);
		pfd.fd = p->wake[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) > 0)
			tp_pool_drain_wake(p);
	}
	free(slot);
	atomic_fetch_sub(&pools_running, 1);
	return rc;
}

int tp_pool_abandoned(void)
{
	return atomic_load(&abandoned_live);
}

/* Reachable from here, so a leak checker does not call them lost. */
static struct tp_workload *volatile kept_workloads[8];
static _Atomic unsigned nkept;

void tp_pool_keep_workload(struct tp_workload *wl)
{
	unsigned i = atomic_fetch_add(&nkept, 1);

	if (i < 8)
		kept_workloads[i] = wl;
}

const struct tp_strategy_desc tp_strategy_thread = {
	.name = "thread",
	.summary = "pthreads taking batches from a shared queue (in-process workloads)",
	.run = thread_run,
};
