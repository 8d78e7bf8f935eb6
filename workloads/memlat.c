/* The memlat workload: a dependent pointer chase over `bytes`, one node per
 * cache line, linked in one random cycle so prefetchers cannot help. */
#include "workloads/workload.h"
#include "core/log.h"

#include <gsl/gsl_rng.h>
#include <stdlib.h>

#define NODE_BYTES 64

struct node {
	struct node *next;
	char pad[NODE_BYTES - sizeof(struct node *)];
};

static const struct tp_opt memlat_opts[] = {
	{ "bytes", TP_OPT_SIZE, 2 * NODE_BYTES, 1e12, "16M",
	  "size of the chased array, per worker", NULL },
	{ "steps", TP_OPT_INT, 1, 1e12, "100000", "dependent loads per task", NULL },
	{ "seed", TP_OPT_INT, 0, 4294967295.0, "1", "seed of the random cycle", NULL },
	TP_OPT_END,
};

struct memlat_worker {
	struct node *nodes;
	struct node *cur;
	long long steps;
};

static int memlat_worker_init(struct tp_workload *wl, void **wstate)
{
	struct memlat_worker *w = calloc(1, sizeof(*w));
	size_t n, i, *perm;
	gsl_rng *rng;

	if (!w)
		return tp_error("workload 'memlat': out of memory");
	n = (size_t)(tp_optset_num(&wl->opts, "bytes") / NODE_BYTES);
	w->steps = (long long)tp_optset_num(&wl->opts, "steps");
	w->nodes = aligned_alloc(NODE_BYTES, n * NODE_BYTES);
	perm = malloc(n * sizeof(*perm));
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!w->nodes || !perm || !rng) {
		free(w->nodes);
		free(perm);
		if (rng)
			gsl_rng_free(rng);
		free(w);
		return tp_error("workload 'memlat': cannot allocate bytes = %s",
				tp_optset_str(&wl->opts, "bytes"));
	}
	gsl_rng_set(rng, (unsigned long)tp_optset_num(&wl->opts, "seed"));
	/* Sattolo's shuffle yields a single cycle through every node. */
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)gsl_rng_uniform_int(rng, i);
		size_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < n; i++)
		w->nodes[i].next = &w->nodes[perm[i]];
	w->cur = &w->nodes[0];
	gsl_rng_free(rng);
	free(perm);
	*wstate = w;
	return 0;
}

static int memlat_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			  size_t errlen)
{
	struct memlat_worker *w = wstate;
	struct node *p = w->cur;
	long long s;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	for (s = 0; s < w->steps; s++)
		p = p->next;
	w->cur = p;	/* the chase goes on where it stopped: no warm restart */
	return 0;
}

static void memlat_worker_fini(struct tp_workload *wl, void *wstate)
{
	struct memlat_worker *w = wstate;

	if (!w)
		return;
	free(w->nodes);
	free(w);
}

const struct tp_workload_desc tp_workload_memlat = {
	.name = "memlat",
	.summary = "memory latency: a pointer chase through a random cycle over `bytes`",
	.opts = memlat_opts,
	.task_class = TP_CLASS_MEMORY,
	.worker_init = memlat_worker_init,
	.process = memlat_process,
	.worker_fini = memlat_worker_fini,
};
