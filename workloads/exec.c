/* The exec workload: a command template run once per input by the pool's
 * exec strategy, which expands {} {.} {/} {//} {#} (runner/template.c). */
#include "workloads/workload.h"

#include <stdio.h>

static int exec_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			size_t errlen)
{
	snprintf(err, errlen, "workload 'exec' runs only under the exec strategy");
	return -1;
}

const struct tp_workload_desc tp_workload_exec = {
	.name = "exec",
	.summary = "run a command per input (-- COMMAND ARGS...); {} {.} {/} {//} {#} as in GNU parallel",
	.task_class = TP_CLASS_UNKNOWN,
	.flags = TP_WL_COMMAND,
	.process = exec_process,
};
