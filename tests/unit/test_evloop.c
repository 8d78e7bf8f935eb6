/* Unit tests for the shared child-watching event loop (runner/evloop.c),
 * driven by a one-slot fake strategy over a real child process: its pipe is
 * read before its death is seen, the timeout sends SIGTERM at the deadline,
 * a stop's SIGTERM turns into SIGKILL after the kill grace, and the same
 * holds when the child is watched through SIGCHLD instead of a pidfd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "runner/evloop.h"
#include "runner/strategy.h"

enum { K_OUT };

struct fake {
	struct tp_child ch;
	int live, out, status;
	double start;
	char got[64];
	size_t ngot;
	int ready_calls, exited_calls, timeouts, got_at_exit;
	double tmo_seen;
};

static struct tp_child *f_child(void *ctx, int i)
{
	struct fake *f = ctx;

	(void)i;
	return f->live ? &f->ch : NULL;
}

static void f_arm(void *ctx, int i, struct tp_evloop *ev)
{
	struct fake *f = ctx;

	tp_evloop_watch(ev, &f->ch, i);
	if (f->out >= 0)
		tp_pollset_add(&ev->ps, f->out, POLLIN, i, K_OUT);
}

static void f_read(struct fake *f)
{
	ssize_t n;

	while (f->out >= 0 && f->ngot < sizeof(f->got) - 1 &&
	       (n = read(f->out, f->got + f->ngot, sizeof(f->got) - 1 - f->ngot)) > 0)
		f->ngot += (size_t)n;
	f->got[f->ngot] = '\0';
}

static void f_ready(void *ctx, int i, int kind)
{
	struct fake *f = ctx;

	(void)i;
	assert_int_equal(kind, K_OUT);
	f->ready_calls++;
	f_read(f);
}

static void f_exited(void *ctx, int i)
{
	struct fake *f = ctx;
	struct rusage ru;

	(void)i;
	if (!tp_child_reap(&f->ch, &f->status, &ru))
		return;
	f->exited_calls++;
	f->got_at_exit = (int)f->ngot;
	f->live = 0;
}

static double f_deadline(void *ctx, int i, double tmo)
{
	(void)i;
	return ((struct fake *)ctx)->start + tmo;
}

static void f_timed_out(void *ctx, int i, double tmo)
{
	struct fake *f = ctx;

	(void)i;
	f->timeouts++;
	f->tmo_seen = tmo;
}

static const struct tp_evloop_ops fake_ops = {
	.child = f_child,
	.arm = f_arm,
	.ready = f_ready,
	.exited = f_exited,
	.deadline = f_deadline,
	.timed_out = f_timed_out,
};

static void pool_init(struct tp_pool *p, double grace)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(pipe2(p->wake, O_CLOEXEC | O_NONBLOCK), 0);
	p->t0_ns = tp_now_ns();
	p->o.kill_grace_s = grace;
}

static void fake_start(struct fake *f, struct tp_pool *p, const char *script)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int out[2];

	memset(f, 0, sizeof(*f));
	assert_int_equal(tp_pipe_for_child(out), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	tp_child_attr_init(&attr);
	assert_int_equal(tp_child_spawn(&f->ch, "sh", 1, argv, &fa, &attr), 0);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	f->out = out[0];
	f->live = 1;
	f->start = tp_pool_elapsed(p);
}

/* Turns until the child is reaped or limit seconds pass; the elapsed time. */
static double run_until_exit(struct tp_evloop *ev, struct fake *f, double tmo, double limit)
{
	struct tp_pool *p = ev->p;
	double t0 = tp_pool_elapsed(p);

	while (f->live && tp_pool_elapsed(p) - t0 < limit) {
		assert_int_equal(tp_evloop_wait(ev, tp_pool_elapsed(p), t0 + limit, tmo), 0);
		tp_evloop_stop_once(ev, tp_pool_elapsed(p));
		tp_evloop_timeouts(ev, tmo);
	}
	return tp_pool_elapsed(p) - t0;
}

static void done(struct tp_evloop *ev, struct tp_pool *p, struct fake *f)
{
	if (f->live) {	/* a failed test: do not leave the child behind */
		tp_child_signal(&f->ch, SIGKILL);
		waitpid(f->ch.pid, NULL, 0);
	}
	close(f->out);
	tp_evloop_release(ev);
	close(p->wake[0]);
	close(p->wake[1]);
}

static void output_before_death(int sigchld)
{
	struct tp_pool p;
	struct tp_evloop ev;
	struct fake f;

	tp_child_force_sigchld(sigchld);
	pool_init(&p, 1.0);
	fake_start(&f, &p, "printf hello; exit 3");
	tp_evloop_init(&ev, &p, &fake_ops, &f, 1, "tasks");
	assert_int_equal(tp_evloop_live(&ev), 1);
	run_until_exit(&ev, &f, 0, 5.0);
	assert_int_equal(f.exited_calls, 1);
	assert_int_equal(f.live, 0);
	assert_int_equal(tp_evloop_live(&ev), 0);
	assert_true(WIFEXITED(f.status) && WEXITSTATUS(f.status) == 3);
	/* The death came after the pipe was read: the output was all there. */
	assert_int_equal(f.got_at_exit, 5);
	assert_string_equal(f.got, "hello");
	assert_int_equal(f.timeouts, 0);
	done(&ev, &p, &f);
	tp_child_force_sigchld(0);
}

static void test_output_before_death(void **state)
{
	(void)state;
	output_before_death(0);
}

static void test_output_before_death_sigchld(void **state)
{
	(void)state;
	output_before_death(1);
}

static void timeout_terms(int sigchld)
{
	struct tp_pool p;
	struct tp_evloop ev;
	struct fake f;
	double took;

	tp_child_force_sigchld(sigchld);
	pool_init(&p, 5.0);
	fake_start(&f, &p, "exec sleep 30");
	tp_evloop_init(&ev, &p, &fake_ops, &f, 1, "tasks");
	took = run_until_exit(&ev, &f, 0.3, 10.0);
	assert_int_equal(f.timeouts, 1);
	assert_true(f.tmo_seen == 0.3);
	assert_int_equal(f.exited_calls, 1);
	assert_true(WIFSIGNALED(f.status) && WTERMSIG(f.status) == SIGTERM);
	/* At the deadline, not at the 5 s grace nor the 10 s limit. */
	assert_true(took >= 0.29 && took < 4.0);
	done(&ev, &p, &f);
	tp_child_force_sigchld(0);
}

static void test_timeout_terms(void **state)
{
	(void)state;
	timeout_terms(0);
}

static void test_timeout_terms_sigchld(void **state)
{
	(void)state;
	timeout_terms(1);
}

/* A stop sends SIGTERM once; a child that ignores it gets SIGKILL after
 * the grace, woken by the loop's own deadline (no other event comes). */
static void test_stop_then_kill_after_grace(void **state)
{
	struct tp_pool p;
	struct tp_evloop ev;
	struct fake f;
	double took;

	(void)state;
	pool_init(&p, 0.4);
	fake_start(&f, &p, "trap '' TERM; printf up; while :; do sleep 0.05; done");
	tp_evloop_init(&ev, &p, &fake_ops, &f, 1, "tasks");
	while (f.ngot < 2 && tp_pool_elapsed(&p) < 5.0)
		assert_int_equal(tp_evloop_wait(&ev, tp_pool_elapsed(&p), tp_pool_elapsed(&p) + 0.1,
						0), 0);
	assert_string_equal(f.got, "up");
	tp_pool_stop(&p);
	took = run_until_exit(&ev, &f, 0, 10.0);
	assert_int_equal(ev.stop_handled, 1);
	assert_true(f.ch.term_sent);
	assert_int_equal(f.exited_calls, 1);
	assert_true(WIFSIGNALED(f.status) && WTERMSIG(f.status) == SIGKILL);
	assert_true(took >= 0.39 && took < 5.0);
	assert_int_equal(f.timeouts, 0);
	done(&ev, &p, &f);
}

static void test_short_of(void **state)
{
	(void)state;
	assert_true(tp_evloop_short_of(EMFILE));
	assert_true(tp_evloop_short_of(ENFILE));
	assert_true(tp_evloop_short_of(EAGAIN));
	assert_false(tp_evloop_short_of(ENOENT));
	assert_false(tp_evloop_short_of(ENOMEM));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_before_death),
		cmocka_unit_test(test_output_before_death_sigchld),
		cmocka_unit_test(test_timeout_terms),
		cmocka_unit_test(test_timeout_terms_sigchld),
		cmocka_unit_test(test_stop_then_kill_after_grace),
		cmocka_unit_test(test_short_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
