/* `tunepool probe`: show cores, caches, NUMA, usable CPUs and memory, counters, seeds (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_probe = {
	.name = "probe",
	.summary = "show cores, caches, NUMA, usable CPUs and memory, counters, seeds",
	.usage = "tunepool probe [--json] [--topology FILE.xml | --synthetic DESC] [--mem-per-worker SIZE]",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
