/* Fuzz target: option values (key=value lists against a table, sizes,
 * durations, integer lists), the parsers behind every WORKLOAD:opts and
 * --workers/--batch/--budget style value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/opt.h"

static const struct tp_opt table[] = {
	{ "bytes", TP_OPT_SIZE, 1, 1e12, "4K", "", NULL },
	{ "ms", TP_OPT_DURATION, 0, 3600, "20ms", "", NULL },
	{ "mode", TP_OPT_CHOICE, 0, 0, "sleep", "", "sleep|cpu" },
	{ "n", TP_OPT_INT, 1, 10, "3", "", NULL },
	{ "x", TP_OPT_DOUBLE, 0, 1, "0.5", "", NULL },
	{ "s", TP_OPT_STRING, 0, -1, "", "", NULL },
	TP_OPT_END,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct tp_optset set;
	double d;
	int list[64];

	memcpy(s, data, size);
	s[size] = '\0';
	tp_log_set_quiet(2);
	if (tp_optset_parse(&set, table, s, "fuzz") == 0) {
		char *f = tp_optset_format(&set);

		free(f);
		tp_optset_release(&set);
	}
	tp_parse_size(s, &d);
	tp_parse_duration(s, &d);
	tp_parse_int_list(s, list, 64);
	free(s);
	return 0;
}
