/* Export as OpenMP environment: thread count and, when tuned, binding. */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

#include <string.h>

static int write_omp(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	tp_strbuf_addf(out, "OMP_NUM_THREADS=%d\n", c->workers);
	if (!strcmp(c->bind, "core"))
		tp_strbuf_adds(out, "OMP_PROC_BIND=close\nOMP_PLACES=cores\n");
	else if (!strcmp(c->bind, "numa"))
		tp_strbuf_adds(out, "OMP_PROC_BIND=spread\nOMP_PLACES=numa_domains\n");
	if (c->batch > 1)
		tp_strbuf_addf(out, "OMP_SCHEDULE=dynamic,%d\n", c->batch);
	return 0;
}

const struct tp_export_desc tp_export_omp = {
	.name = "omp",
	.summary = "OpenMP environment: OMP_NUM_THREADS, OMP_PROC_BIND, OMP_SCHEDULE",
	.write = write_omp,
};
