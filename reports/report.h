/* `tunepool report`: the markdown/HTML report of one or more results files,
 * with tables, the scaling model in words, warnings and gnuplot plots. */
#ifndef TP_REPORTS_REPORT_H
#define TP_REPORTS_REPORT_H

#include <stddef.h>

#include "core/results.h"

struct tp_doc;
struct tp_plot_list;
struct tp_report_format_desc;

struct tp_report_input {
	const struct tp_results *r;
	const char *path;		/* as given; the report shows its base name */
};

struct tp_report_opts {
	const char *outdir;		/* created when missing */
	const struct tp_report_format_desc *format;	/* md always written, plus this */
};

/* Writes report.md (and the chosen format's file), the plot data and scripts,
 * and the images when gnuplot is in PATH.  Returns 0 or -1 (error printed). */
int tp_report_write(const struct tp_report_input *in, size_t n, const struct tp_report_opts *o);

/* Appends the report of one results file to d; headings start at level.
 * plots may be NULL (no plots section); gnuplot_missing says why not drawn. */
void tp_report_build(struct tp_doc *d, const struct tp_report_input *in, int level,
		     const struct tp_plot_list *plots, int gnuplot_missing);

#endif
