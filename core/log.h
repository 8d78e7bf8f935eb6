/* Error reporting, warnings and exit codes shared by every module. */
#ifndef TP_CORE_LOG_H
#define TP_CORE_LOG_H

#include <stdarg.h>

/* Exit codes of DESIGN.md; only cli/ turns them into exit(). */
enum tp_exit {
	TP_EXIT_OK = 0,
	TP_EXIT_NEGATIVE = 1,	/* regression found, tasks failed */
	TP_EXIT_USAGE = 2,	/* bad usage or bad input */
	TP_EXIT_SYSTEM = 3,	/* cannot fork, disk full */
	TP_EXIT_INTERRUPTED = 130,
};

/* Prints "tunepool: error: ..." to stderr and returns -1; the error class is
 * TP_EXIT_SYSTEM.  Use as: return tp_error("cannot open '%s'", path); */
int tp_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for bad usage or bad input (class TP_EXIT_USAGE). */
int tp_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tunepool: warning: ..." on stderr. */
void tp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational line on stderr unless quiet was set (quiet 2 also hides
 * errors and warnings: fuzzers and tests that expect failures). */
void tp_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tp_log_set_quiet(int quiet);

/* Exit code for the most recent tp_error()/tp_usage_error() of the process,
 * from any thread (TP_EXIT_SYSTEM when none was recorded). */
int tp_error_exit_code(void);
void tp_error_set_class(int exit_code);

/* Broken invariant: prints file:line and aborts.  Never for bad input. */
#define TP_BUG(msg) tp_bug(__FILE__, __LINE__, (msg))
_Noreturn void tp_bug(const char *file, int line, const char *msg);

#endif
