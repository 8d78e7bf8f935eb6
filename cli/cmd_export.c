/* `tunepool export`: turn tunepool.conf into settings for other runners (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_export = {
	.name = "export",
	.summary = "turn tunepool.conf into settings for other runners",
	.usage = "tunepool export CONFIG [--format ini|json|env|parallel|make|omp|slurm|python]",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
