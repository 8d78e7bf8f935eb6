/* Export as JSON: one object per tunepool.conf section (jansson). */
#include "core/log.h"
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static int write_json(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	json_t *doc;
	char *text;

	doc = json_pack("{s:s, s:s, s:{s:i, s:i, s:s, s:s?, s:s}, s:{s:i, s:i, s:I}, "
			"s:{s:i, s:s}, s:{s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:o}, "
			"s:{s:s, s:o, s:I}}",
			"workload", c->workload, "date", c->date,
			"run", "workers", c->workers, "batch", c->batch, "strategy", c->strategy,
			"start", *c->start ? c->start : NULL, "bind", c->bind,
			"bounds", "min_workers", c->min_workers, "max_workers", c->max_workers,
			"memory_per_worker_kb", (json_int_t)c->memory_per_worker_kb,
			"monitor", "interval_ms", c->interval_ms, "controller", c->controller,
			"model", "objective", c->objective,
			"kind", *c->model_kind ? c->model_kind : NULL,
			"usl_sigma", num_or_null(c->usl_sigma),
			"usl_kappa", num_or_null(c->usl_kappa),
			"peak_workers", num_or_null(c->peak_workers),
			"throughput", num_or_null(c->throughput),
			"throughput_ci_low", num_or_null(c->throughput_ci_low),
			"throughput_ci_high", num_or_null(c->throughput_ci_high),
			"machine", "fingerprint", c->fingerprint,
			"cpus_usable", c->cpus_usable > 0 ? json_real(c->cpus_usable) : json_null(),
			"memory_usable_kb", (json_int_t)c->memory_usable_kb);
	if (!doc)
		return tp_error("cannot build the json export");
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(doc);
	if (!text)
		return tp_error("cannot build the json export");
	tp_strbuf_adds(out, text);
	tp_strbuf_addch(out, '\n');
	free(text);
	return 0;
}

const struct tp_export_desc tp_export_json = {
	.name = "json",
	.summary = "the configuration as a JSON object, one member per section",
	.write = write_json,
};
