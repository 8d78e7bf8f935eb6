/* `tunepool tune`: find the best configuration and write tunepool.conf (not yet available). */
#include "cli/cmd.h"

const struct tp_cmd_desc tp_cmd_tune = {
	.name = "tune",
	.summary = "find the best configuration and write tunepool.conf",
	.usage = "tunepool tune WORKLOAD [--search auto|grid|racing|usl] [--objective throughput|latency|efficiency] [--budget 60s|40] [-o tunepool.conf]",
	.unsupported_reason = "not yet available",
	.hidden = 0,
};
