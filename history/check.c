/* `history check`: a new run judged per config against the pooled repeats of
 * the same machine class and workload in the history, with compare's
 * statistics (bootstrap CI of the median ratio, Mann-Whitney U). */
#include "history/history.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/strbuf.h"
#include "history/ingest.h"
#include "history/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum against_kind { AGAINST_LAST, AGAINST_COMMIT, AGAINST_BRANCH };

static int parse_against(const char *s, enum against_kind *kind, const char **arg,
			 long long *n)
{
	*n = TP_HISTORY_LAST_DEFAULT;
	*arg = NULL;
	if (!strncmp(s, "last:", 5)) {
		*kind = AGAINST_LAST;
		if (tp_parse_long(s + 5, n) || *n < 1)
			return tp_usage_error("--against '%s': N of last:N is not a positive "
					      "integer", s);
		return 0;
	}
	if (!strncmp(s, "commit:", 7) && s[7]) {
		*kind = AGAINST_COMMIT;
		*arg = s + 7;
		return 0;
	}
	if (!strncmp(s, "branch:", 7) && s[7]) {
		*kind = AGAINST_BRANCH;
		*arg = s + 7;
		return 0;
	}
	return tp_usage_error("--against '%s' is not last:N, commit:REV or branch:NAME", s);
}

/* Adds each stored config's repeats to the pooled trial of the same config. */
static void pool(struct tp_results *base, const struct tp_db_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->nrows; i++) {
		struct tp_config c;
		struct tp_trial *t;
		const char *p = tp_db_cell(rows, i, 4);
		char *end;

		memset(&c, 0, sizeof(c));
		c.workers = atoi(tp_db_cell(rows, i, 0));
		c.batch = atoi(tp_db_cell(rows, i, 1));
		snprintf(c.strategy, sizeof(c.strategy), "%s", tp_db_cell(rows, i, 2));
		snprintf(c.start, sizeof(c.start), "%s", tp_db_cell(rows, i, 3));
		t = tp_results_trial(base, &c);
		for (; p && *p; p = end) {
			struct tp_repeat rep;

			memset(&rep, 0, sizeof(rep));
			rep.throughput = strtod(p, &end);
			if (end == p)
				break;
			rep.tasks = 1;
			tp_trial_add_repeat(t, &rep);
		}
	}
	for (i = 0; i < base->ntrials; i++)
		tp_trial_update_stats(&base->trials[i]);
}

int tp_history_check_run(struct tp_db *db, const char *new_path, const char *against,
			 const struct tp_compare_opts *o, struct tp_history_check *out)
{
	struct tp_history_item it;
	enum against_kind kind;
	const char *arg;
	long long n;
	struct tp_query q;
	struct tp_db_rows runs, trials;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	tp_results_init(&out->base);
	tp_results_init(&out->new_);
	if (parse_against(against ? against : TP_HISTORY_AGAINST_DEFAULT, &kind, &arg, &n) < 0)
		return -1;
	if (tp_history_item_load(&it, new_path) < 0)
		return -1;
	snprintf(out->machine_class, sizeof(out->machine_class), "%s", it.machine_class);
	out->workload = tp_xasprintf("%s:%s", it.r.workload_name,
				     it.r.workload_options ? it.r.workload_options : "");

	tp_query_init(&q, "SELECT r.id FROM tp_runs r WHERE r.machine_class = ");
	tp_query_param(&q, it.machine_class);
	tp_strbuf_adds(&q.sql, " AND r.workload = ");
	tp_query_param(&q, it.r.workload_name);
	tp_strbuf_adds(&q.sql, " AND r.workload_options = ");
	tp_query_param(&q, it.r.workload_options ? it.r.workload_options : "");
	/* The new run itself, when already added, is no evidence about itself. */
	tp_strbuf_adds(&q.sql, " AND r.content_hash <> ");
	tp_query_param(&q, it.hash);
	if (kind == AGAINST_COMMIT) {
		tp_strbuf_addf(&q.sql, " AND substr(r.commit_id, 1, %zu) = ", strlen(arg));
		tp_query_param(&q, arg);
	} else if (kind == AGAINST_BRANCH) {
		tp_strbuf_adds(&q.sql, " AND r.branch = ");
		tp_query_param(&q, arg);
	}
	tp_strbuf_adds(&q.sql, " ORDER BY r.run_date DESC, r.id DESC");
	if (kind != AGAINST_COMMIT)
		tp_strbuf_addf(&q.sql, " LIMIT %lld", n);
	ret = tp_query_exec(db, &q, &runs);
	tp_query_release(&q);
	if (ret < 0)
		goto out;
	out->nruns = runs.nrows;
	snprintf(out->base_name, sizeof(out->base_name), "history: %zu run%s (%s) of %s on %s",
		 runs.nrows, runs.nrows == 1 ? "" : "s", against ? against : TP_HISTORY_AGAINST_DEFAULT,
		 out->workload, it.machine_class);
	if (!runs.nrows) {
		tp_db_rows_release(&runs);
		if (kind == AGAINST_COMMIT) {
			ret = tp_usage_error("--against '%s': no run of commit '%s' for %s on machine "
					     "%s in '%s'", against, arg, out->workload,
					     it.machine_class, db->name);
			goto out;
		}
		/* Nothing to judge against: the caller warns. */
		out->new_ = it.r;
		tp_results_init(&it.r);
		goto out;
	}
	tp_query_init(&q, "SELECT workers, batch, strategy, start, throughputs FROM tp_trials "
			  "WHERE run_id IN (");
	for (i = 0; i < runs.nrows; i++) {
		if (i)
			tp_strbuf_adds(&q.sql, ", ");
		tp_strbuf_adds(&q.sql, tp_db_cell(&runs, i, 0));	/* integer ids from the db */
	}
	tp_strbuf_adds(&q.sql, ") ORDER BY run_id DESC");
	tp_db_rows_release(&runs);
	ret = tp_query_exec(db, &q, &trials);
	tp_query_release(&q);
	if (ret < 0)
		goto out;
	out->base.schema = 1;
	out->base.tool_version = tp_xstrdup("history");
	out->base.workload_name = tp_xstrdup(it.r.workload_name);
	if (it.r.workload_options)
		out->base.workload_options = tp_xstrdup(it.r.workload_options);
	if (it.r.machine)
		out->base.machine = json_deep_copy(it.r.machine);
	pool(&out->base, &trials);
	tp_db_rows_release(&trials);
	out->new_ = it.r;
	tp_results_init(&it.r);
	ret = tp_compare(&out->base, out->base_name, &out->new_, new_path, o, &out->cmp);
out:
	tp_history_item_release(&it);
	return ret;
}

void tp_history_check_release(struct tp_history_check *c)
{
	if (c->nruns)
		tp_comparison_release(&c->cmp);
	tp_results_release(&c->base);
	tp_results_release(&c->new_);
	free(c->workload);
	c->workload = NULL;
}
