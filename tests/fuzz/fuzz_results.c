/* Fuzz target: results.json through the real reader (a file, size limit,
 * jansson, tp_results_from_json), then the JSON round trip and what report
 * and compare do with a file they accept. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "reports/compare.h"
#include "reports/doc.h"
#include "reports/report.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_results r, r2;
	json_t *j1, *j2;
	FILE *f;

	tp_log_set_quiet(2);
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/tp-fuzz-results.%ld", (long)getpid());
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	tp_results_init(&r);
	if (tp_results_read(&r, path) == 0) {
		struct tp_report_input in = { &r, "fuzz.json" };
		struct tp_compare_opts o;
		struct tp_comparison cmp;
		struct tp_doc d;

		/* Written form must read back to the same written form. */
		j1 = tp_results_to_json(&r);
		tp_results_init(&r2);
		if (tp_results_from_json(&r2, j1, "round.json") != 0) {
			char *t = json_dumps(j1, 0);

			fprintf(stderr, "written results do not read back: %s\n", t);
			abort();
		}
		j2 = tp_results_to_json(&r2);
		if (!json_equal(j1, j2)) {
			char *t1 = json_dumps(j1, JSON_SORT_KEYS), *t2 = json_dumps(j2, JSON_SORT_KEYS);

			fprintf(stderr, "results round trip differs:\n%s\n---\n%s\n", t1, t2);
			abort();
		}
		json_decref(j1);
		json_decref(j2);
		tp_results_release(&r2);

		tp_doc_init(&d);
		tp_report_build(&d, &in, 1, NULL, 1);
		tp_doc_release(&d);

		tp_compare_opts_init(&o);
		o.resamples = 200;
		if (tp_compare(&r, "a.json", &r, "b.json", &o, &cmp) == 0)
			tp_comparison_release(&cmp);
	}
	tp_results_release(&r);
	unlink(path);
	return 0;
}
