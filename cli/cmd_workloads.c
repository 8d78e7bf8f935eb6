/* `tunepool workloads`: list the built-in workloads and their options (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_workloads = {
	.name = "workloads",
	.summary = "list the built-in workloads and their options",
	.usage = "tunepool workloads",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
