/* SQL text with numbered text parameters, and the WHERE conditions of a
 * history filter, shared by list, prune, check and report. */
#ifndef TP_HISTORY_QUERY_H
#define TP_HISTORY_QUERY_H

#include "core/strbuf.h"
#include "history/history.h"

struct tp_query {
	struct tp_strbuf sql;
	char **params;		/* owned copies; NULL entries are SQL NULL */
	int n;
	size_t alloc;
};

void tp_query_init(struct tp_query *q, const char *sql);
void tp_query_release(struct tp_query *q);
/* Appends "$k" to the SQL for a copy of value (NULL: SQL NULL). */
void tp_query_param(struct tp_query *q, const char *value);
/* Appends " AND ..." for each filter of f on the runs table aliased r.
 * A malformed filter (tag without '=', bad date) is a usage error. */
int tp_query_filter(struct tp_query *q, const struct tp_history_filter *f);
int tp_query_exec(struct tp_db *db, struct tp_query *q, struct tp_db_rows *out);

/* A date as given (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ) checked; 0 when valid. */
int tp_history_date_valid(const char *s);

#endif
