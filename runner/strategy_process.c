/* The process strategy: persistent worker processes (being written). */
#include "core/log.h"
#include "runner/strategy.h"

static int process_run(struct tp_pool *p)
{
	(void)p;
	return tp_error("the process strategy is not yet available");
}

const struct tp_strategy_desc tp_strategy_process = {
	.name = "process",
	.summary = "persistent worker processes fed batches over pipes (start fork|spawn)",
	.unsupported_reason = "not yet available",
	.flags = TP_STRAT_START | TP_STRAT_PROCESSES,
	.run = process_run,
};
