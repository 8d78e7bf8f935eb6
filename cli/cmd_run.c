/* `tunepool run`: run jobs with a tuned, self-adjusting pool (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_run = {
	.name = "run",
	.summary = "run jobs with a tuned, self-adjusting pool",
	.usage = "tunepool run [--config tunepool.conf] [--workers N] [--adaptive|--static] -- COMMAND ARGS... [::: INPUTS...]",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
