/* The child-watching event loop the process-backed strategies share. */
#include "runner/evloop.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "runner/linefwd.h"
#include "runner/strategy.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

void tp_evloop_init(struct tp_evloop *ev, struct tp_pool *p, const struct tp_evloop_ops *ops,
		    void *ctx, int n, const char *what)
{
	memset(ev, 0, sizeof(*ev));
	ev->p = p;
	ev->ops = ops;
	ev->ctx = ctx;
	ev->n = n;
	ev->what = what;
}

void tp_evloop_release(struct tp_evloop *ev)
{
	tp_pollset_release(&ev->ps);
}

void tp_evloop_watch(struct tp_evloop *ev, const struct tp_child *ch, int slot)
{
	if (ch->pidfd >= 0)
		tp_pollset_add(&ev->ps, ch->pidfd, POLLIN, slot, TP_EV_PID);
	else
		ev->chld = 1;
}

void tp_evloop_until(struct tp_evloop *ev, double t)
{
	if (t < ev->next)
		ev->next = t;
}

static void arm(struct tp_evloop *ev, double tmo)
{
	int i;

	tp_pollset_reset(&ev->ps);
	tp_pollset_add(&ev->ps, ev->p->wake[0], POLLIN, -1, TP_EV_WAKE);
	ev->chld = 0;
	for (i = 0; i < ev->n; i++) {
		struct tp_child *ch = ev->ops->child(ev->ctx, i);

		if (!ch)
			continue;
		ev->ops->arm(ev->ctx, i, ev);
		if (tmo > 0 && !ch->term_sent)
			tp_evloop_until(ev, ev->ops->deadline(ev->ctx, i, tmo));
		if (ch->kill_at > 0)
			tp_evloop_until(ev, ch->kill_at);
	}
	if (ev->chld)	/* children without a pidfd: one SIGCHLD pipe for all */
		tp_pollset_add(&ev->ps, tp_child_sigchld_fd(), POLLIN, -1, TP_EV_CHLD);
}

/* Pipes first, then deaths, so a death sees every result. */
static void dispatch(struct tp_evloop *ev)
{
	size_t j;
	int i;

	for (j = 0; j < ev->ps.n; j++) {
		if (!ev->ps.pfd[j].revents)
			continue;
		if (ev->ps.kind[j] == TP_EV_WAKE)
			tp_pool_drain_wake(ev->p);
		else if (ev->ps.kind[j] >= 0)
			ev->ops->ready(ev->ctx, ev->ps.slot[j], ev->ps.kind[j]);
	}
	for (j = 0; j < ev->ps.n; j++) {
		if (!ev->ps.pfd[j].revents)
			continue;
		if (ev->ps.kind[j] == TP_EV_PID) {
			ev->ops->exited(ev->ctx, ev->ps.slot[j]);
		} else if (ev->ps.kind[j] == TP_EV_CHLD) {
			/* Ack first: an exit after it writes again. */
			tp_child_sigchld_ack();
			for (i = 0; i < ev->n; i++) {
				struct tp_child *ch = ev->ops->child(ev->ctx, i);

				if (ch && ch->pidfd < 0)
					ev->ops->exited(ev->ctx, i);
			}
		}
	}
}

int tp_evloop_wait(struct tp_evloop *ev, double now, double next, double tmo)
{
	int nr;

	ev->next = next;
	arm(ev, tmo);
	nr = tp_pollset_wait(&ev->ps, now, ev->next);
	if (nr < 0 && errno != EINTR) {
		int rc = tp_error("cannot wait for %s: %s", ev->what, strerror(errno));

		tp_pool_stop(ev->p);
		return rc;
	}
	if (nr > 0)
		dispatch(ev);
	return 0;
}

void tp_evloop_timeouts(struct tp_evloop *ev, double tmo)
{
	struct tp_pool *p = ev->p;
	double now = tp_pool_elapsed(p);
	int i;

	for (i = 0; i < ev->n; i++) {
		struct tp_child *ch = ev->ops->child(ev->ctx, i);

		if (!ch)
			continue;
		if (tmo > 0 && !ch->term_sent && now >= ev->ops->deadline(ev->ctx, i, tmo)) {
			ev->ops->timed_out(ev->ctx, i, tmo);
			tp_child_term(ch, now, p->o.kill_grace_s);
		}
		if (ev->ops->after && ev->ops->after(ev->ctx, i, now))
			continue;
		tp_child_tick(ch, now);
	}
}

void tp_evloop_stop_once(struct tp_evloop *ev, double now)
{
	int i;

	if (ev->stop_handled || !tp_pool_stopping(ev->p))
		return;
	ev->stop_handled = 1;
	for (i = 0; i < ev->n; i++) {
		struct tp_child *ch = ev->ops->child(ev->ctx, i);

		if (!ch)
			continue;
		if (ev->ops->stop)
			ev->ops->stop(ev->ctx, i, now);
		else
			tp_child_term(ch, now, ev->p->o.kill_grace_s);
	}
}

int tp_evloop_live(const struct tp_evloop *ev)
{
	int i, n = 0;

	for (i = 0; i < ev->n; i++)
		n += ev->ops->child(ev->ctx, i) != NULL;
	return n;
}

int tp_evloop_short_of(int e)
{
	return e == EMFILE || e == ENFILE || e == EAGAIN;
}

int tp_evloop_fd_shrink(struct tp_evloop *ev, int e)
{
	return tp_pool_fd_shrink(ev->p, tp_evloop_live(ev), e);
}

int tp_evloop_send(int fd, struct tp_strbuf *q, size_t *sent)
{
	while (*sent < q->len) {
		ssize_t w = write(fd, q->buf + *sent, q->len - *sent);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return errno;
		if (w <= 0)
			return 0;
		*sent += (size_t)w;
	}
	tp_strbuf_reset(q);
	*sent = 0;
	return 0;
}

void tp_evloop_drain_lines(int fd, struct tp_linefwd *f, void (*fn)(void *, const char *), void *ctx)
{
	char buf[16384];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		tp_linefwd_feed(f, buf, (size_t)n, fn, ctx);
	}
}
