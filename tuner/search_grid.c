/* grid: every config of the space, interleaved; the exhaustive reference. */
#include "tuner/search.h"

#include <stdlib.h>

static int run_grid(struct tp_search_run *run)
{
	struct tp_config *cs;
	size_t n = tp_space_grid(run->space, &cs);
	int rc = tp_protocol_measure(run->proto, cs, n);

	free(cs);
	return rc ? rc : tp_search_extend_workers(run, 1, 0);
}

const struct tp_search_desc tp_search_grid = {
	.name = "grid",
	.summary = "every worker x batch x strategy config (the exhaustive reference)",
	.run = run_grid,
};
