/* racing: every config of the space races; losers drop out once a
 * Mann-Whitney test at alpha says they are worse, slow runs stop at twice
 * the best's time. */
#include "tuner/search.h"

#include <stdlib.h>

static int run_racing(struct tp_search_run *run)
{
	struct tp_config *cs;
	size_t n = tp_space_grid(run->space, &cs);
	int rc = tp_search_race(run, cs, n);

	free(cs);
	return rc ? rc : tp_search_extend_workers(run, 1, 0);
}

const struct tp_search_desc tp_search_racing = {
	.name = "racing",
	.summary = "race every config, dropping the significantly worse (Mann-Whitney)",
	.run = run_racing,
};
