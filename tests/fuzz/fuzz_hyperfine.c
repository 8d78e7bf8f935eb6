/* Fuzz target: hyperfine --export-json documents through the history's
 * reader (tp_history_read_hyperfine); what it accepts must summarise and
 * serialise as tunepool results. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/results.h"
#include "history/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_results r;
	json_error_t err;
	json_t *doc, *out;

	tp_log_set_quiet(2);
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (!doc)
		return 0;
	tp_results_init(&r);
	if (json_is_object(doc) && tp_history_read_hyperfine(&r, doc, "fuzz.json") == 0) {
		size_t i;

		if (!r.ntrials)
			abort();
		for (i = 0; i < r.ntrials; i++)
			if (!r.trials[i].nrepeats || !(r.trials[i].stats.median > 0))
				abort();
		out = tp_results_to_json(&r);
		json_decref(out);
	}
	tp_results_release(&r);
	json_decref(doc);
	return 0;
}
