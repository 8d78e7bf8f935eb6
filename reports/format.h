/* Report formats: one file per format (reports/format_<name>.c) exporting a
 * descriptor, listed once in reports/format_list.h. */
#ifndef TP_REPORTS_FORMAT_H
#define TP_REPORTS_FORMAT_H

#include <stddef.h>

struct tp_doc;
struct tp_strbuf;

struct tp_report_format_desc {
	const char *name;
	const char *summary;
	const char *file;	/* written in the report folder, e.g. "report.md" */
	/* Appends the rendered document to out. */
	void (*render)(const struct tp_doc *d, struct tp_strbuf *out);
	const char *unsupported_reason;
};

/* The format named name; a usage error with a suggestion and NULL when none. */
const struct tp_report_format_desc *tp_report_format_find(const char *name);
/* Every report format, in reports/format_list.h order. */
const struct tp_report_format_desc *const *tp_report_format_table(size_t *n);
/* "md|html" (static storage). */
const char *tp_report_format_names(void);

#endif
