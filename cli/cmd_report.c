/* `tunepool report`: write a markdown/HTML report with plots from results (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_report = {
	.name = "report",
	.summary = "write a markdown/HTML report with plots from results",
	.usage = "tunepool report RESULTS.json... [-o DIR] [--format md|html]",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
