/* Error reporting, warnings and exit codes shared by every module. */
#include "core/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Process-wide: an error raised in a pool's or monitor's thread must reach
 * the main thread that turns it into the exit code (a thread-local class made
 * a bad input read by a worker thread exit 3 instead of 2). */
static _Atomic int last_error_class = TP_EXIT_SYSTEM;
static int quiet;

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	char buf[4096];

	if (quiet > 1)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One write so concurrent workers never interleave mid-line. */
	fprintf(stderr, "tunepool: %s%s\n", kind, buf);
}

int tp_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	atomic_store_explicit(&last_error_class, TP_EXIT_SYSTEM, memory_order_relaxed);
	return -1;
}

int tp_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	atomic_store_explicit(&last_error_class, TP_EXIT_USAGE, memory_order_relaxed);
	return -1;
}

void tp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void tp_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void tp_log_set_quiet(int q)
{
	quiet = q;
}

int tp_error_exit_code(void)
{
	return atomic_load_explicit(&last_error_class, memory_order_relaxed);
}

void tp_error_set_class(int exit_code)
{
	atomic_store_explicit(&last_error_class, exit_code, memory_order_relaxed);
}

void tp_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "tunepool: BUG at %s:%d: %s\n", file, line, msg);
	abort();
}
