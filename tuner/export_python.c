/* Export as Python: settings and pasteable kwargs for concurrent.futures
 * pools, and how to run the same function under tunepool with persistent
 * workers (contrib/python/tunepool_worker.py). */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"
#include "runner/strategy.h"

#include <string.h>

static int write_python(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	int threads = tp_strategy_flags(c->strategy) == 0;
	int persistent = (tp_strategy_flags(c->strategy) & TP_STRAT_RECORDS) != 0;
	/* Persistent workers are fresh interpreters: spawn is their pool twin. */
	const char *ctx = *c->start ? c->start : persistent ? "spawn" : NULL;

	tp_strbuf_addf(out, "# tunepool: %s on machine %s\n", c->workload, c->fingerprint);
	tp_strbuf_addf(out, "# concurrent.futures.%s(max_workers, ...).map(f, xs, chunksize=...)\n",
		       threads ? "ThreadPoolExecutor" : "ProcessPoolExecutor");
	tp_strbuf_addf(out, "executor = \"%s\"\n", threads ? "thread" : "process");
	tp_strbuf_addf(out, "max_workers = %d\nchunksize = %d\n", c->workers, c->batch);
	if (ctx)
		tp_strbuf_addf(out, "mp_context = \"%s\"\n", ctx);
	else
		tp_strbuf_adds(out, "mp_context = None\n");
	tp_strbuf_adds(out, "\n# Paste: the pool's keyword arguments.\n");
	if (threads) {
		tp_strbuf_addf(out, "executor_kwargs = dict(max_workers=%d)\n", c->workers);
	} else {
		tp_strbuf_adds(out, "import multiprocessing\n");
		tp_strbuf_addf(out, "executor_kwargs = dict(max_workers=%d, mp_context=%s)\n",
			       c->workers, ctx ? "multiprocessing.get_context(mp_context)" : "None");
	}
	tp_strbuf_addf(out, "map_kwargs = dict(chunksize=%d)\n", c->batch);
	tp_strbuf_addf(out,
		"# from concurrent.futures import %s\n"
		"# with %s(%s**executor_kwargs) as ex:\n"
		"#     results = list(ex.map(process, inputs, **map_kwargs))\n",
		threads ? "ThreadPoolExecutor" : "ProcessPoolExecutor",
		threads ? "ThreadPoolExecutor" : "ProcessPoolExecutor",
		threads ? "" : "initializer=init, ");
	tp_strbuf_adds(out,
		"#\n"
		"# The same function under tunepool, init once per persistent worker:\n"
		"#   # worker.py (tunepool_worker.py is in tunepool's contrib/python/)\n"
		"#   import tunepool_worker\n"
		"#   from mytasks import init, process\n"
		"#   tunepool_worker.serve(process, init=init)\n");
	tp_strbuf_addf(out, "#   $ tunepool run --config tunepool.conf%s -- python3 worker.py < inputs.txt\n",
		       persistent ? "" : " --persistent json");
	return 0;
}

const struct tp_export_desc tp_export_python = {
	.name = "python",
	.summary = "Python: pool kwargs (max_workers, chunksize, mp_context) and the tunepool_worker recipe",
	.write = write_python,
};
