/* usl: measure >= 6 worker counts, fit the Universal Scalability Law and
 * measure around its peak N*. */
#include "tuner/search.h"

#include "tuner/usl.h"

#include <math.h>

static int run_usl(struct tp_search_run *run)
{
	const struct tp_space *s = run->space;
	struct tp_config cs[TP_SPACE_MAX_WORKERS];
	int want = 8, n = 0, i, last = -1;

	/* Up to 8 worker counts spread evenly over the (geometric) candidates. */
	for (i = 0; i < want && i < s->nworkers; i++) {
		int k = s->nworkers <= want ? i :
			(int)lround((double)i * (s->nworkers - 1) / (want - 1));

		if (k == last)
			continue;
		last = k;
		cs[n++] = tp_space_config(s, s->workers[k], 1, 0);
	}
	if (tp_protocol_measure(run->proto, cs, (size_t)n) || tp_search_extend_workers(run, 1, 0))
		return -1;
	if (!tp_search_fit(run, 1, 0) && run->res->model.peak_workers >= 1) {
		double peak = run->res->model.peak_workers;
		int w[3] = { (int)floor(peak), (int)ceil(peak), (int)floor(peak) - 1 };

		for (i = 0; i < 3; i++) {
			struct tp_config c = tp_space_config(s, w[i] > s->max_workers ?
							     s->max_workers : w[i], 1, 0);

			if (c.workers >= 1 && tp_search_measure(run, &c))
				return -1;
		}
	}
	if (tp_search_refine_workers(run, 1, 0, 3))
		return -1;
	return tp_search_refine_knee(run, 1, 0, 3);
}

const struct tp_search_desc tp_search_usl = {
	.name = "usl",
	.summary = "fit the Universal Scalability Law on >= 6 worker counts, measure around N*",
	.run = run_usl,
};
