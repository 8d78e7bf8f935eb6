/* The one place that knows which signals stop a run and what stopping means:
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE call the pushed stop function
 * (stop dispatch, end running tasks, flush), and the command exits with
 * tp_signals_exit_code(). */
#ifndef TP_RUNNER_SIGNALS_H
#define TP_RUNNER_SIGNALS_H

#include <signal.h>

/* Called from the signal handler: must be async-signal-safe (set flags, call
 * tp_pool_stop()). */
typedef void (*tp_stop_fn)(void *ctx);

/* Installs the handler for every stop signal, calling stop(ctx) on each one
 * that arrives, and forgets any signal caught before.  One push at a time;
 * tp_signals_pop() restores what was installed before.  Returns 0. */
int tp_signals_push(tp_stop_fn stop, void *ctx);
void tp_signals_pop(void);

/* Changes the ctx the handler passes to stop (with the stop signals blocked,
 * so a handler never sees a pointer that is being replaced or freed). */
void tp_signals_set_ctx(void *ctx);

/* The last stop signal caught since the push (0: none). */
int tp_signals_caught(void);

/* The exit code for a run stopped by sig: 130 for SIGINT and SIGTERM (as
 * documented since the first release), else 128 + sig: 129 SIGHUP, 131
 * SIGQUIT, 141 SIGPIPE. */
int tp_signals_exit_code(int sig);

/* Fills set with the stop signals (to block them around a critical section). */
void tp_signals_fill(sigset_t *set);

#endif
