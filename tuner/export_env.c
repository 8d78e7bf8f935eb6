/* Export as environment assignments (env files, `set -a; . FILE`). */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

static int write_env(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	tp_strbuf_addf(out, "# tunepool: %s on machine %s\n", c->workload, c->fingerprint);
	/* Only what something reads: `tunepool run` takes the three widths as
	 * defaults below its options; batch and strategy depend on the
	 * workload, so they travel in tunepool.conf (run --config), not here. */
	tp_strbuf_addf(out, "TUNEPOOL_WORKERS=%d\nTUNEPOOL_MIN_WORKERS=%d\nTUNEPOOL_MAX_WORKERS=%d\n",
		       c->workers, c->min_workers, c->max_workers);
	tp_strbuf_addf(out, "OMP_NUM_THREADS=%d\nMAKEFLAGS=-j%d\n", c->workers, c->workers);
	return 0;
}

const struct tp_export_desc tp_export_env = {
	.name = "env",
	.summary = "KEY=VALUE lines: TUNEPOOL_WORKERS/_MIN_/_MAX_ (run's defaults), OMP_NUM_THREADS, MAKEFLAGS=-jN",
	.write = write_env,
};
