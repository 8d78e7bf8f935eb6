/* Export as environment assignments (env files, `set -a; . FILE`). */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

static int write_env(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	tp_strbuf_addf(out, "# tunepool: %s on machine %s\n", c->workload, c->fingerprint);
	tp_strbuf_addf(out, "TUNEPOOL_WORKERS=%d\nTUNEPOOL_BATCH=%d\nTUNEPOOL_STRATEGY=%s\n",
		       c->workers, c->batch, c->strategy);
	if (*c->start)
		tp_strbuf_addf(out, "TUNEPOOL_START=%s\n", c->start);
	tp_strbuf_addf(out, "TUNEPOOL_MIN_WORKERS=%d\nTUNEPOOL_MAX_WORKERS=%d\n",
		       c->min_workers, c->max_workers);
	tp_strbuf_addf(out, "OMP_NUM_THREADS=%d\nMAKEFLAGS=-j%d\n", c->workers, c->workers);
	return 0;
}

const struct tp_export_desc tp_export_env = {
	.name = "env",
	.summary = "KEY=VALUE lines: TUNEPOOL_WORKERS, OMP_NUM_THREADS, MAKEFLAGS=-jN",
	.write = write_env,
};
