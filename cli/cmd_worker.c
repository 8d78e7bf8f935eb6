/* `tunepool worker`: internal: process-pool worker mode (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_worker = {
	.name = "worker",
	.summary = "internal: process-pool worker mode",
	.usage = "tunepool worker (internal)",
	.unsupported_reason = "not yet available",
	.hidden = 1,
};
