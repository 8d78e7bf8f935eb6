/* `tunepool compare`: tell a real regression from noise between two results (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_compare = {
	.name = "compare",
	.summary = "tell a real regression from noise between two results",
	.usage = "tunepool compare BASE.json NEW.json [--threshold 5%] [--alpha 0.05] [--format text|md|json]",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
