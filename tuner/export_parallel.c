/* Export as GNU parallel options: -j N, and -X -n B when batching pays. */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

static int write_parallel(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	tp_strbuf_addf(out, "-j %d", c->workers);
	if (c->batch > 1)
		tp_strbuf_addf(out, " -X -n %d", c->batch);
	tp_strbuf_addch(out, '\n');
	return 0;
}

const struct tp_export_desc tp_export_parallel = {
	.name = "parallel",
	.summary = "GNU parallel options: -j N [-X -n B]",
	.write = write_parallel,
};
