/* The mixed workload: each task computes and waits in a given ratio. */
#include "workloads/workload.h"
#include "core/timeutil.h"
#include "workloads/hash.h"

static const struct tp_opt mixed_opts[] = {
	{ "task_us", TP_OPT_DOUBLE, 0, 1e9, "1000", "microseconds per task, computing plus waiting", NULL },
	{ "cpu_share", TP_OPT_DOUBLE, 0, 1, "0.5", "share of task_us spent computing (0..1)", NULL },
	{ "slices", TP_OPT_INT, 1, 100000, "1", "compute/wait alternations per task", NULL },
	TP_OPT_END,
};

static int mixed_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			 size_t errlen)
{
	double task_s = tp_optset_num(&wl->opts, "task_us") * 1e-6;
	double share = tp_optset_num(&wl->opts, "cpu_share");
	long slices = (long)tp_optset_num(&wl->opts, "slices"), i;
	volatile uint64_t sink = 0;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	for (i = 0; i < slices; i++) {
		sink ^= tp_hash_burn_s(task_s * share / (double)slices);
		tp_sleep_s(task_s * (1 - share) / (double)slices);
	}
	(void)sink;
	return 0;
}

const struct tp_workload_desc tp_workload_mixed = {
	.name = "mixed",
	.summary = "compute and wait in a given ratio: cpu_share of task_us computing, the rest waiting",
	.opts = mixed_opts,
	.task_class = TP_CLASS_MIXED,
	.process = mixed_process,
};
