/* The sleep workload: each task waits `ms` (network or database latency).
 *
 * Fault tests: like every built-in workload it takes the fault options of
 * workloads/workload.c, e.g. -w sleep:ms=1,fail_every=3 (task 3, 6, ... fail),
 * crash_every=N (SIGSEGV in a process worker; a thread worker fails the task),
 * hang_every=N with hang_s=T (the task waits T, for timeout tests), and
 * flaky_dir=DIR (the first attempt of each input fails, a retry succeeds).
 * The task number is the input when it is a decimal number (--count N). */
#include "workloads/workload.h"
#include "core/timeutil.h"

static const struct tp_opt sleep_opts[] = {
	{ "ms", TP_OPT_DOUBLE, 0, 86400000, "10", "milliseconds each task waits", NULL },
	TP_OPT_END,
};

static int sleep_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			 size_t errlen)
{
	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	tp_sleep_s(tp_optset_num(&wl->opts, "ms") / 1000.0);
	return 0;
}

const struct tp_workload_desc tp_workload_sleep = {
	.name = "sleep",
	.summary = "latency-bound: each task waits `ms` (network or database latency)",
	.opts = sleep_opts,
	.task_class = TP_CLASS_LATENCY,
	.process = sleep_process,
};
