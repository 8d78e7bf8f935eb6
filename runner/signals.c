/* Stop signals for bench, tune and run: one handler, one table of signals. */
#include "runner/signals.h"

#include <pthread.h>
#include <string.h>

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* The handler's view: set with the stop signals blocked, read in the handler. */
static tp_stop_fn volatile stop_fn;
static void *volatile stop_ctx;
static volatile sig_atomic_t caught;
static struct sigaction saved[NSTOP];
static int pushed;

static void on_stop_signal(int sig)
{
	tp_stop_fn fn = stop_fn;

	caught = sig;
	if (fn)
		fn(stop_ctx);
}

void tp_signals_fill(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < NSTOP; i++)
		sigaddset(set, stop_signals[i]);
}

void tp_signals_set_ctx(void *ctx)
{
	sigset_t block, old;

	tp_signals_fill(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	stop_ctx = ctx;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int tp_signals_push(tp_stop_fn stop, void *ctx)
{
	struct sigaction sa;
	sigset_t block, old;
	size_t i;

	tp_signals_fill(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	stop_fn = stop;
	stop_ctx = ctx;
	caught = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	/* While one stop runs, the others wait: stop() is never re-entered. */
	sa.sa_mask = block;
	for (i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, pushed ? NULL : &saved[i]);
	pushed = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void tp_signals_pop(void)
{
	sigset_t block, old;
	size_t i;

	if (!pushed)
		return;
	tp_signals_fill(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &saved[i], NULL);
	stop_fn = NULL;
	stop_ctx = NULL;
	pushed = 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int tp_signals_caught(void)
{
	return caught;
}

int tp_signals_exit_code(int sig)
{
	/* SIGTERM has exited 130 since the first release: that is the contract. */
	return sig == SIGTERM ? 128 + SIGINT : 128 + sig;
}
