/* The report format table built from reports/format_list.h, and lookups. */
#include "reports/format.h"
#include "reports/format_list.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/strbuf.h"

#include <stddef.h>
#include <stdio.h>

#define DECLARE(n) extern const struct tp_report_format_desc tp_report_format_##n;
TP_REPORT_FORMATS(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_report_format_##n,
static const struct tp_report_format_desc *const formats[] = { TP_REPORT_FORMATS(ENTRY) };
#undef ENTRY
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct tp_report_format_desc *tp_report_format_find(const char *name)
{
	const struct tp_report_format_desc *f =
		tp_registry_find((const void *const *)formats, NFORMATS, name);
	const char *hint;

	if (f)
		return f;
	hint = tp_registry_suggest((const void *const *)formats, NFORMATS, name);
	tp_usage_error("unknown report format '%s'%s%s%s; use one of %s", name,
		       hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "",
		       tp_report_format_names());
	return NULL;
}

const char *tp_report_format_names(void)
{
	static char names[64];
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t i;

	if (!names[0]) {
		for (i = 0; i < NFORMATS; i++)
			tp_strbuf_addf(&sb, "%s%s", i ? "|" : "", formats[i]->name);
		snprintf(names, sizeof(names), "%s", sb.buf);
		tp_strbuf_release(&sb);
	}
	return names;
}
