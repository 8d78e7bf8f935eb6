/* Error reporting, warnings and exit codes shared by every module. */
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>

static _Thread_local int last_error_class = TP_EXIT_SYSTEM;
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
	last_error_class = TP_EXIT_SYSTEM;
	return -1;
}

int tp_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	last_error_class = TP_EXIT_USAGE;
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
	return last_error_class;
}

void tp_error_set_class(int exit_code)
{
	last_error_class = exit_code;
}

void tp_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "tunepool: BUG at %s:%d: %s\n", file, line, msg);
	abort();
}
