/* Export as Python settings for concurrent.futures / multiprocessing pools. */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

#include <string.h>

static int write_python(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	int threads = !strcmp(c->strategy, "thread");

	tp_strbuf_addf(out, "# tunepool: %s on machine %s\n", c->workload, c->fingerprint);
	tp_strbuf_addf(out, "# concurrent.futures.%s(max_workers, ...).map(f, xs, chunksize=...)\n",
		       threads ? "ThreadPoolExecutor" : "ProcessPoolExecutor");
	tp_strbuf_addf(out, "executor = \"%s\"\n", threads ? "thread" : "process");
	tp_strbuf_addf(out, "max_workers = %d\nchunksize = %d\n", c->workers, c->batch);
	if (*c->start)
		tp_strbuf_addf(out, "mp_context = \"%s\"\n", c->start);
	else
		tp_strbuf_adds(out, "mp_context = None\n");
	return 0;
}

const struct tp_export_desc tp_export_python = {
	.name = "python",
	.summary = "Python assignments: max_workers, chunksize, mp_context",
	.write = write_python,
};
