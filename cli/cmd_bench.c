/* `tunepool bench`: measure worker x batch x strategy combinations of a workload (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_bench = {
	.name = "bench",
	.summary = "measure worker x batch x strategy combinations of a workload",
	.usage = "tunepool bench WORKLOAD [--workers LIST] [--batch LIST] [--strategy LIST] [--start LIST] [--repeat N] [--warmup N] [-o results.json] [--csv FILE]",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
