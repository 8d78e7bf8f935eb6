/* `tunepool workloads`: lists the workloads and their options from the one table. */
#include "cli/cmd.h"
#include "core/log.h"
#include "core/opt.h"
#include "workloads/workload.h"

#include <stdio.h>

static const char *class_name(enum tp_task_class c)
{
	static const char *const names[] = {
		[TP_CLASS_CPU] = "cpu-bound", [TP_CLASS_MEMORY] = "memory-bound",
		[TP_CLASS_LATENCY] = "wait-bound", [TP_CLASS_IO] = "io-bound",
		[TP_CLASS_MIXED] = "mixed", [TP_CLASS_UNKNOWN] = "user-defined",
	};

	return names[c];
}

static int workloads_run(int argc, char **argv)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	const struct tp_workload_desc *const *t;
	size_t n, i;
	int c;

	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "", longopts, "workloads")) != -1)
		if (c == '?')
			return TP_EXIT_USAGE;
	if (optind < argc) {
		tp_usage_error("workloads: unexpected argument '%s'", argv[optind]);
		return TP_EXIT_USAGE;
	}
	t = tp_workload_table(&n);
	for (i = 0; i < n; i++) {
		const struct tp_workload_desc *d = t[i];

		printf("%s  (%s%s%s)\n  %s\n", d->name, class_name(d->task_class),
		       d->flags & TP_WL_COMMAND ? ", exec strategy only" : "",
		       d->flags & TP_WL_NO_PROCESS ? ", thread strategy only" : "", d->summary);
		if (d->unsupported_reason)
			printf("  unsupported here: %s\n", d->unsupported_reason);
		if (d->opts && d->opts[0].name)
			tp_opt_table_print(d->opts, "    ");
		printf("\n");
	}
	printf("fault options, accepted by every built-in workload (for fault tests), e.g. -w sleep:ms=1,fail_every=3:\n");
	tp_opt_table_print(tp_workload_fault_opts(), "    ");
	return TP_EXIT_OK;
}

const struct tp_cmd_desc tp_cmd_workloads = {
	.name = "workloads",
	.summary = "list the built-in workloads and their options",
	.usage = "tunepool workloads",
	.help = "Lists every workload with its task class, summary and options\n"
		"(key=TYPE  help (default, range)):\n"
		"  {list:workloads}\n"
		"Options are given after the name:\n\n"
		"  tunepool bench -w cpu:bytes=4K --workers 1,2\n"
		"  tunepool bench -w lock:cs_us=100,wait_us=900,waiters=spin --workers 1-12\n"
		"  tunepool bench -w sleep:ms=5,fail_every=10 --count 100\n"
		"  tunepool bench --plugin ./build/plugins/upper.so:ARG --count 1000\n"
		"  tunepool bench --count 100 -- /bin/echo {}\n\n"
		"Sizes take K, M, G (powers of 1024); times take ms, us, s.\n",
	.run = workloads_run,
};
