/* Export as a make fragment: MAKEFLAGS += -jN (include it or pass -jN). */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

static int write_make(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	tp_strbuf_addf(out, "# tunepool: %s on machine %s\n", c->workload, c->fingerprint);
	tp_strbuf_addf(out, "MAKEFLAGS += -j%d\n", c->workers);
	return 0;
}

const struct tp_export_desc tp_export_make = {
	.name = "make",
	.summary = "a makefile fragment: MAKEFLAGS += -jN",
	.write = write_make,
};
