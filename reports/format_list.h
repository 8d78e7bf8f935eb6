/* The one list of report formats, in `tunepool report --help` order. */
#ifndef TP_REPORTS_FORMAT_LIST_H
#define TP_REPORTS_FORMAT_LIST_H

#define TP_REPORT_FORMATS(X) \
	X(md) \
	X(html)

#endif
