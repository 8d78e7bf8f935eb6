/* The report format table built from reports/format_list.h, and lookups. */
#include "reports/format.h"
#include "reports/format_list.h"
#include "core/log.h"
#include "core/registry.h"

#include <stddef.h>
#include <stdio.h>

#define DECLARE(n) extern const struct tp_report_format_desc tp_report_format_##n;
TP_REPORT_FORMATS(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_report_format_##n,
static const struct tp_report_format_desc *const formats[] = { TP_REPORT_FORMATS(ENTRY) };
#undef ENTRY
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct tp_report_format_desc *const *tp_report_format_table(size_t *n)
{
	*n = NFORMATS;
	return formats;
}

const struct tp_report_format_desc *tp_report_format_find(const char *name)
{
	return tp_registry_lookup((const void *const *)formats, NFORMATS, name, "report format");
}

const char *tp_report_format_names(void)
{
	static char names[64];

	return tp_registry_names((const void *const *)formats, NFORMATS, names, sizeof(names));
}
