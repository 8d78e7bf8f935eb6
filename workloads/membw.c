/* The membw workload: a STREAM triad a = b + s*c over `bytes` per task. */
#include "workloads/workload.h"
#include "core/log.h"

#include <stdlib.h>

static const struct tp_opt membw_opts[] = {
	{ "bytes", TP_OPT_SIZE, 3 * sizeof(double), 1e12, "24M",
	  "size of the three arrays together, per worker", NULL },
	{ "passes", TP_OPT_INT, 1, 1e9, "1", "triad passes per task", NULL },
	TP_OPT_END,
};

struct membw_worker {
	double *a, *b, *c;
	size_t n;
	long passes;
	volatile double sink;
};

static void membw_worker_fini(struct tp_workload *wl, void *wstate)
{
	struct membw_worker *w = wstate;

	if (!w)
		return;
	free(w->a);
	free(w->b);
	free(w->c);
	free(w);
}

static int membw_worker_init(struct tp_workload *wl, void **wstate)
{
	struct membw_worker *w = calloc(1, sizeof(*w));
	size_t i;

	if (!w)
		return tp_error("workload 'membw': out of memory");
	w->n = (size_t)(tp_optset_num(&wl->opts, "bytes") / (3 * sizeof(double)));
	w->passes = (long)tp_optset_num(&wl->opts, "passes");
	w->a = malloc(w->n * sizeof(double));
	w->b = malloc(w->n * sizeof(double));
	w->c = malloc(w->n * sizeof(double));
	if (!w->a || !w->b || !w->c) {
		membw_worker_fini(wl, w);
		return tp_error("workload 'membw': cannot allocate bytes = %s",
				tp_optset_str(&wl->opts, "bytes"));
	}
	/* Touch every page now so the first task does not pay for faults. */
	for (i = 0; i < w->n; i++) {
		w->a[i] = 0.0;
		w->b[i] = 1.0 + (double)(i & 7);
		w->c[i] = 2.0;
	}
	*wstate = w;
	return 0;
}

static int membw_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			 size_t errlen)
{
	struct membw_worker *w = wstate;
	double *restrict a = w->a;
	const double *restrict b = w->b, *restrict c = w->c;
	const double s = 3.0;
	size_t i;
	long p;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	for (p = 0; p < w->passes; p++)
		for (i = 0; i < w->n; i++)
			a[i] = b[i] + s * c[i];
	w->sink = a[w->n / 2];
	return 0;
}

const struct tp_workload_desc tp_workload_membw = {
	.name = "membw",
	.summary = "memory bandwidth: STREAM triad a = b + s*c over `bytes` per task",
	.opts = membw_opts,
	.task_class = TP_CLASS_MEMORY,
	.worker_init = membw_worker_init,
	.process = membw_process,
	.worker_fini = membw_worker_fini,
};
