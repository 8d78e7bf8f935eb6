/* Export as INI: the tunepool.conf text itself (normalised). */
#include "tuner/conf.h"
#include "tuner/export.h"

static int write_ini(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	tp_conf_format(c, out);
	return 0;
}

const struct tp_export_desc tp_export_ini = {
	.name = "ini",
	.summary = "tunepool.conf itself, normalised",
	.write = write_ini,
};
