/* Building the history's SQL: numbered parameters and the filters. */
#include "history/query.h"
#include "core/alloc.h"
#include "core/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void tp_query_init(struct tp_query *q, const char *sql)
{
	memset(q, 0, sizeof(*q));
	tp_strbuf_init(&q->sql);
	tp_strbuf_adds(&q->sql, sql);
}

void tp_query_release(struct tp_query *q)
{
	int i;

	for (i = 0; i < q->n; i++)
		free(q->params[i]);
	free(q->params);
	tp_strbuf_release(&q->sql);
	q->params = NULL;
	q->n = 0;
	q->alloc = 0;
}

void tp_query_param(struct tp_query *q, const char *value)
{
	tp_grow((void **)&q->params, &q->alloc, (size_t)q->n + 1, sizeof(*q->params));
	q->params[q->n++] = value ? tp_xstrdup(value) : NULL;
	tp_strbuf_addf(&q->sql, "$%d", q->n);
}

int tp_query_exec(struct tp_db *db, struct tp_query *q, struct tp_db_rows *out)
{
	return tp_db_exec(db, q->sql.buf, q->n, (const char *const *)q->params, out);
}

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int tp_history_date_valid(const char *s)
{
	size_t n = strlen(s);

	if (n >= 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
	    digits(s + 8, 2)) {
		if (n == 10)
			return 0;
		if (n == 20 && s[10] == 'T' && digits(s + 11, 2) && s[13] == ':' &&
		    digits(s + 14, 2) && s[16] == ':' && digits(s + 17, 2) && s[19] == 'Z')
			return 0;
	}
	return -1;
}

int tp_query_filter(struct tp_query *q, const struct tp_history_filter *f)
{
	size_t i;

	if (f->machine) {
		tp_strbuf_addf(&q->sql, " AND substr(r.machine_class, 1, %zu) = ", strlen(f->machine));
		tp_query_param(q, f->machine);
	}
	if (f->workload) {
		const char *colon = strchr(f->workload, ':');

		if (colon) {
			char *name = tp_xstrndup(f->workload, (size_t)(colon - f->workload));

			tp_strbuf_adds(&q->sql, " AND r.workload = ");
			tp_query_param(q, name);
			tp_strbuf_adds(&q->sql, " AND r.workload_options = ");
			tp_query_param(q, colon + 1);
			free(name);
		} else {
			tp_strbuf_adds(&q->sql, " AND r.workload = ");
			tp_query_param(q, f->workload);
		}
	}
	if (f->branch) {
		tp_strbuf_adds(&q->sql, " AND r.branch = ");
		tp_query_param(q, f->branch);
	}
	if (f->commit) {
		tp_strbuf_addf(&q->sql, " AND substr(r.commit_id, 1, %zu) = ", strlen(f->commit));
		tp_query_param(q, f->commit);
	}
	if (f->since) {
		if (tp_history_date_valid(f->since))
			return tp_usage_error("--since '%s' is not a date like 2026-11-30 or "
					      "2026-11-30T12:00:00Z", f->since);
		tp_strbuf_adds(&q->sql, " AND r.run_date >= ");
		tp_query_param(q, f->since);
	}
	if (f->until) {
		char until[40];

		if (tp_history_date_valid(f->until))
			return tp_usage_error("--until '%s' is not a date like 2026-11-30 or "
					      "2026-11-30T12:00:00Z", f->until);
		/* A bare date means up to the end of that day. */
		snprintf(until, sizeof(until), "%s%s", f->until,
			 strlen(f->until) == 10 ? "T99" : "");
		tp_strbuf_adds(&q->sql, " AND r.run_date <= ");
		tp_query_param(q, until);
	}
	for (i = 0; i < f->ntags; i++) {
		const char *eq = strchr(f->tags[i], '=');
		char *key;

		if (!eq || eq == f->tags[i])
			return tp_usage_error("--tag '%s' is not KEY=VALUE", f->tags[i]);
		key = tp_xstrndup(f->tags[i], (size_t)(eq - f->tags[i]));
		tp_strbuf_adds(&q->sql, " AND EXISTS (SELECT 1 FROM tp_tags g WHERE g.run_id = r.id "
				       "AND g.key = ");
		tp_query_param(q, key);
		tp_strbuf_adds(&q->sql, " AND g.value = ");
		tp_query_param(q, eq + 1);
		tp_strbuf_adds(&q->sql, ")");
		free(key);
	}
	return 0;
}
