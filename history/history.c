/* The history's store side: adding results files in one transaction, and
 * listing, showing and pruning the runs kept. */
#include "history/history.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "history/ingest.h"
#include "history/query.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tp_history_default_db(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *dir, *path;

	if (xdg && *xdg == '/')
		dir = tp_xasprintf("%s/tunepool", xdg);
	else if (home && *home)
		dir = tp_xasprintf("%s/.local/share/tunepool", home);
	else {
		tp_usage_error("no history database: set --db FILE, TUNEPOOL_DB, XDG_DATA_HOME "
			       "or HOME");
		return NULL;
	}
	if (tp_mkdir_p(dir)) {
		free(dir);
		return NULL;
	}
	path = tp_xasprintf("%s/history.db", dir);
	free(dir);
	return path;
}

/* ---- add ---- */

static void num(char *buf, size_t size, double x)
{
	if (isfinite(x))
		snprintf(buf, size, "%.17g", x);
	else
		*buf = '\0';
}

static int check_tag(const char *tag)
{
	const char *eq = strchr(tag, '=');

	if (!eq || eq == tag)
		return tp_usage_error("--tag '%s' is not KEY=VALUE", tag);
	return 0;
}

/* Stores one loaded file; *dup gets the id of a run with the same content. */
/* Files are stored BATCH at a time: one multi-row INSERT of runs and one of
 * their trials (and tags) per batch keep the round trips to a server few. */
enum { BATCH = 200, TRIAL_ROWS = 400 };

static void add_trial_rows(struct tp_query *q, const char *run_id, const struct tp_results *r,
			   size_t *rows)
{
	size_t k, j;

	for (k = 0; k < r->ntrials; k++) {
		const struct tp_trial *t = &r->trials[k];
		struct tp_strbuf tp = TP_STRBUF_INIT;
		char v[6][40];
		const char *vals[10];
		int c;

		for (j = 0; j < t->nrepeats; j++)
			tp_strbuf_addf(&tp, "%s%.17g", j ? " " : "", t->repeats[j].throughput);
		snprintf(v[0], sizeof(v[0]), "%d", t->config.workers);
		snprintf(v[1], sizeof(v[1]), "%d", t->config.batch);
		snprintf(v[2], sizeof(v[2]), "%zu", t->nrepeats);
		num(v[3], sizeof(v[3]), t->stats.median);
		num(v[4], sizeof(v[4]), t->stats.ci_low);
		num(v[5], sizeof(v[5]), t->stats.ci_high);
		vals[0] = run_id;
		vals[1] = v[0];
		vals[2] = v[1];
		vals[3] = t->config.strategy;
		vals[4] = t->config.start;
		vals[5] = v[2];
		vals[6] = *v[3] ? v[3] : NULL;
		vals[7] = *v[4] ? v[4] : NULL;
		vals[8] = *v[5] ? v[5] : NULL;
		vals[9] = tp.buf;
		tp_strbuf_adds(&q->sql, (*rows)++ ? ", (" : "(");
		for (c = 0; c < 10; c++) {
			if (c)
				tp_strbuf_adds(&q->sql, ", ");
			if (vals[c])
				tp_query_param(q, vals[c]);
			else
				tp_strbuf_adds(&q->sql, "NULL");
		}
		tp_strbuf_adds(&q->sql, ")");
		tp_strbuf_release(&tp);
	}
}

#define TRIALS_INSERT "INSERT INTO tp_trials (run_id, workers, batch, strategy, start, " \
		      "nrepeats, median, ci_low, ci_high, throughputs) VALUES "

/* Inserts the trials of the stored items of a batch (ids[i] "" = not stored). */
static int insert_trials(struct tp_db *db, const struct tp_history_item *items, char (*ids)[24],
			 size_t n)
{
	struct tp_query q;
	size_t i, rows = 0;
	int ret = 0;

	tp_query_init(&q, TRIALS_INSERT);
	for (i = 0; i < n && !ret; i++) {
		if (!*ids[i])
			continue;
		add_trial_rows(&q, ids[i], &items[i].r, &rows);
		if (rows >= TRIAL_ROWS || i + 1 == n) {
			ret = tp_query_exec(db, &q, NULL);
			tp_query_release(&q);
			tp_query_init(&q, TRIALS_INSERT);
			rows = 0;
		}
	}
	if (!ret && rows)
		ret = tp_query_exec(db, &q, NULL);
	tp_query_release(&q);
	return ret;
}

static void add_tag_row(struct tp_query *q, size_t *rows, const char *id, const char *tag)
{
	const char *eq = strchr(tag, '=');
	char *key = tp_xstrndup(tag, (size_t)(eq - tag));

	tp_strbuf_adds(&q->sql, (*rows)++ ? ", (" : "(");
	tp_query_param(q, id);
	tp_strbuf_adds(&q->sql, ", ");
	tp_query_param(q, key);
	tp_strbuf_adds(&q->sql, ", ");
	tp_query_param(q, eq + 1);
	tp_strbuf_adds(&q->sql, ")");
	free(key);
}

/* ftags: the per-file tags of these n files (o->file_tags + first), or NULL. */
static int insert_tags(struct tp_db *db, char (*ids)[24], size_t n,
		       const struct tp_history_add_opts *o, const char *const *const *ftags)
{
	struct tp_query q;
	size_t i, t, rows = 0;
	int ret = 0;

	if (!o->ntags && !(ftags && o->nfile_tags))
		return 0;
	tp_query_init(&q, "INSERT INTO tp_tags (run_id, key, value) VALUES ");
	for (i = 0; i < n; i++) {
		if (!*ids[i])
			continue;
		for (t = 0; t < o->ntags; t++)
			add_tag_row(&q, &rows, ids[i], o->tags[t]);
		for (t = 0; ftags && t < o->nfile_tags; t++)
			add_tag_row(&q, &rows, ids[i], ftags[i][t]);
	}
	if (rows)
		ret = tp_query_exec(db, &q, NULL);
	tp_query_release(&q);
	return ret;
}

/* Stores items[0..n) (files of the same names); dup[i] gets the id of the run
 * already holding the same content, 0 when item i was stored. */
static int store_batch(struct tp_db *db, char *const *files, const struct tp_history_item *items,
		       size_t n, const struct tp_history_add_opts *o,
		       const char *const *const *ftags, const char *commit,
		       const char *branch, const char *added, long long *dup)
{
	char (*ids)[24] = tp_xcalloc(n, sizeof(*ids));
	struct tp_db_rows rows;
	struct tp_query q;
	size_t i, j;
	int ret;

	tp_query_init(&q, "INSERT INTO tp_runs (content_hash, kind, source, machine_class, workload, "
			  "workload_options, input_signature, tool_version, run_date, added_date, "
			  "commit_id, branch, document) VALUES ");
	for (i = 0; i < n; i++) {
		const struct tp_history_item *it = &items[i];
		const char *vals[13];
		int c;

		vals[0] = it->hash;
		vals[1] = it->kind;
		vals[2] = files[i];
		vals[3] = it->machine_class;
		vals[4] = it->r.workload_name;
		vals[5] = it->r.workload_options ? it->r.workload_options : "";
		vals[6] = it->r.input_signature ? it->r.input_signature : "";
		vals[7] = it->r.tool_version ? it->r.tool_version : "";
		vals[8] = o->date ? o->date : it->date;
		vals[9] = added;
		vals[10] = commit;
		vals[11] = branch;
		vals[12] = it->document;
		tp_strbuf_adds(&q.sql, i ? ", (" : "(");
		for (c = 0; c < 13; c++) {
			if (c)
				tp_strbuf_adds(&q.sql, ", ");
			tp_query_param(&q, vals[c]);
		}
		tp_strbuf_adds(&q.sql, ")");
	}
	tp_strbuf_adds(&q.sql, " ON CONFLICT (content_hash) DO NOTHING RETURNING id, content_hash");
	ret = tp_query_exec(db, &q, &rows);
	tp_query_release(&q);
	if (ret < 0)
		goto out;
	/* The first file of each returned hash was stored; the rest are duplicates. */
	for (i = 0; i < n; i++) {
		dup[i] = -1;
		for (j = 0; j < rows.nrows; j++)
			if (!strcmp(tp_db_cell(&rows, j, 1), items[i].hash)) {
				snprintf(ids[i], sizeof(ids[i]), "%s", tp_db_cell(&rows, j, 0));
				dup[i] = 0;
				break;
			}
		for (j = 0; j < i && !dup[i]; j++)
			if (!strcmp(ids[j], ids[i])) {
				dup[i] = strtoll(ids[i], NULL, 10);
				*ids[i] = '\0';
			}
	}
	tp_db_rows_release(&rows);
	for (i = 0; i < n && !ret; i++) {
		const char *hash = items[i].hash;

		if (dup[i] < 0 && tp_db_query_int(db, "SELECT coalesce(max(id), 0) FROM tp_runs "
						  "WHERE content_hash = $1", 1, &hash, &dup[i]) < 0)
			ret = -1;
	}
	if (!ret)
		ret = insert_trials(db, items, ids, n);
	if (!ret)
		ret = insert_tags(db, ids, n, o, ftags);
out:
	free(ids);
	return ret;
}

int tp_history_add(struct tp_db *db, char *const *files, size_t nfiles,
		   const struct tp_history_add_opts *o, size_t *added, size_t *skipped)
{
	struct tp_history_item *items;
	long long *dups = NULL;
	char commit[128], branch[256], now[32];
	const char *stall = getenv("TP_TEST_HISTORY_STALL");
	size_t i, j;
	int ret = 0;

	*added = *skipped = 0;
	for (i = 0; i < o->ntags; i++)
		if (check_tag(o->tags[i]))
			return -1;
	for (i = 0; i < o->ntags; i++)
		for (j = 0; j < i; j++)
			if (strcspn(o->tags[i], "=") == strcspn(o->tags[j], "=") &&
			    !strncmp(o->tags[i], o->tags[j], strcspn(o->tags[i], "=")))
				return tp_usage_error("--tag '%s': the key is given twice", o->tags[i]);
	for (i = 0; o->file_tags && i < nfiles; i++)
		for (j = 0; j < o->nfile_tags; j++) {
			const char *tag = o->file_tags[i][j];
			size_t t, klen = strcspn(tag, "=");

			if (check_tag(tag))
				return -1;
			for (t = 0; t < o->ntags; t++)
				if (strcspn(o->tags[t], "=") == klen && !strncmp(o->tags[t], tag, klen))
					return tp_usage_error("--tag '%s': the key is one that '%s' "
							      "gets of its own ('%s')", o->tags[t],
							      files[i], tag);
		}
	if (o->date && tp_history_date_valid(o->date))
		return tp_usage_error("--date '%s' is not a date like 2026-11-30 or "
				      "2026-11-30T12:00:00Z", o->date);
	/* Every file is read and checked before anything is stored. */
	items = tp_xcalloc(nfiles ? nfiles : 1, sizeof(*items));
	for (i = 0; i < nfiles; i++)
		if (tp_history_item_load(&items[i], files[i]) < 0) {
			ret = -1;
			break;
		}
	if (ret)
		goto out;
	if (!o->commit || !o->branch)
		tp_history_git_info(commit, sizeof(commit), branch, sizeof(branch));
	if (o->commit)
		snprintf(commit, sizeof(commit), "%s", o->commit);
	if (o->branch)
		snprintf(branch, sizeof(branch), "%s", o->branch);
	tp_utc_date(now, sizeof(now));
	if (tp_db_begin_write(db) < 0) {
		ret = -1;
		goto out;
	}
	dups = tp_xcalloc(nfiles ? nfiles : 1, sizeof(*dups));
	for (i = 0; i < nfiles && !ret; i += BATCH) {
		size_t k = nfiles - i < BATCH ? nfiles - i : BATCH;

		if (store_batch(db, files + i, items + i, k, o, o->file_tags ? o->file_tags + i : NULL,
				commit, branch, now, dups + i) < 0)
			ret = -1;
	}
	for (i = 0; i < nfiles && !ret; i++) {
		if (!dups[i]) {
			(*added)++;
			continue;
		}
		if (!o->skip_existing) {
			ret = tp_usage_error("cannot add '%s': the same results are already stored as "
					     "run %lld in '%s'; nothing was added (--skip-existing "
					     "skips such files)", files[i], dups[i], db->name);
			break;
		}
		tp_warn("'%s' is already stored as run %lld; skipped", files[i], dups[i]);
		(*skipped)++;
	}
	/* Test hook: hold the open transaction so a test can kill the server or us. */
	if (!ret && stall && *stall) {
		tp_info("holding the transaction for %s s (TP_TEST_HISTORY_STALL)", stall);
		tp_sleep_s(atof(stall));
	}
	if (!ret && tp_db_commit(db) < 0)
		ret = -1;
	if (ret) {
		tp_db_rollback(db);
		*added = *skipped = 0;
	}
out:
	for (i = 0; i < nfiles; i++)
		tp_history_item_release(&items[i]);
	free(items);
	free(dups);
	return ret;
}

/* ---- list / show ---- */

#define RUN_COLS "r.id, r.run_date, r.commit_id, r.branch, r.machine_class, r.workload, " \
		 "r.workload_options, r.kind, r.source, r.tool_version, r.added_date, " \
		 "(SELECT count(*) FROM tp_trials t WHERE t.run_id = r.id), " \
		 "(SELECT max(t.median) FROM tp_trials t WHERE t.run_id = r.id)"

static char *run_tags(struct tp_db *db, const char *id)
{
	struct tp_db_rows rows;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t i;

	if (tp_db_exec(db, "SELECT key, value FROM tp_tags WHERE run_id = $1 ORDER BY key", 1,
		       &id, &rows) < 0)
		return NULL;
	for (i = 0; i < rows.nrows; i++)
		tp_strbuf_addf(&sb, "%s%s=%s", i ? "," : "", tp_db_cell(&rows, i, 0),
			       tp_db_cell(&rows, i, 1));
	tp_db_rows_release(&rows);
	return tp_strbuf_detach(&sb);
}

static const char *cell(const struct tp_db_rows *r, size_t row, size_t col)
{
	const char *c = tp_db_cell(r, row, col);

	return c ? c : "";
}

int tp_history_list(struct tp_db *db, const struct tp_history_filter *f, int json,
		    struct tp_strbuf *out)
{
	struct tp_query q;
	struct tp_db_rows rows;
	json_t *arr = json ? json_array() : NULL;
	size_t i;
	int ret = 0;

	tp_query_init(&q, "SELECT " RUN_COLS " FROM tp_runs r WHERE 1 = 1");
	if (tp_query_filter(&q, f) < 0) {
		tp_query_release(&q);
		json_decref(arr);
		return -1;
	}
	tp_strbuf_adds(&q.sql, " ORDER BY r.run_date DESC, r.id DESC");
	if (f->limit > 0)
		tp_strbuf_addf(&q.sql, " LIMIT %lld", f->limit);
	ret = tp_query_exec(db, &q, &rows);
	tp_query_release(&q);
	if (ret < 0) {
		json_decref(arr);
		return -1;
	}
	if (!json)
		tp_strbuf_addf(out, "%-6s %-20s %-10s %-12s %-16s %-9s %7s %12s  %s\n", "id", "date",
			       "commit", "branch", "machine", "kind", "configs", "best tasks/s",
			       "workload");
	for (i = 0; i < rows.nrows; i++) {
		char *tags = run_tags(db, cell(&rows, i, 0));
		const char *opts = cell(&rows, i, 6);

		if (!tags) {
			ret = -1;
			break;
		}
		if (json) {
			json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
					      "s:I, s:s}",
					      "id", (json_int_t)strtoll(cell(&rows, i, 0), NULL, 10),
					      "date", cell(&rows, i, 1), "commit", cell(&rows, i, 2),
					      "branch", cell(&rows, i, 3), "machine_class",
					      cell(&rows, i, 4), "workload", cell(&rows, i, 5),
					      "workload_options", opts, "kind", cell(&rows, i, 7),
					      "source", cell(&rows, i, 8), "tool_version",
					      cell(&rows, i, 9), "added", cell(&rows, i, 10), "configs",
					      (json_int_t)strtoll(cell(&rows, i, 11), NULL, 10), "tags",
					      tags);
			const char *best = tp_db_cell(&rows, i, 12);

			json_object_set_new(o, "best_throughput",
					    best ? json_real(strtod(best, NULL)) : json_null());
			json_array_append_new(arr, o);
		} else {
			const char *best = tp_db_cell(&rows, i, 12);

			tp_strbuf_addf(out, "%-6s %-20s %-10.10s %-12s %-16.16s %-9s %7s %12.6g  %s%s%s%s%s\n",
				       cell(&rows, i, 0), cell(&rows, i, 1),
				       *cell(&rows, i, 2) ? cell(&rows, i, 2) : "-",
				       *cell(&rows, i, 3) ? cell(&rows, i, 3) : "-", cell(&rows, i, 4),
				       cell(&rows, i, 7), cell(&rows, i, 11),
				       best ? strtod(best, NULL) : NAN, cell(&rows, i, 5),
				       *opts ? ":" : "", opts, *tags ? "  " : "", tags);
		}
		free(tags);
	}
	tp_db_rows_release(&rows);
	if (json && !ret) {
		char *s = json_dumps(arr, JSON_INDENT(2));

		tp_strbuf_adds(out, s);
		tp_strbuf_addch(out, '\n');
		free(s);
	}
	json_decref(arr);
	return ret;
}

int tp_history_show(struct tp_db *db, long long id, int json, struct tp_strbuf *out)
{
	struct tp_db_rows rows, trials;
	char ids[32];
	const char *p = ids;
	char *tags;
	size_t i;

	snprintf(ids, sizeof(ids), "%lld", id);
	if (tp_db_exec(db, "SELECT " RUN_COLS ", r.document, r.content_hash, r.input_signature "
			   "FROM tp_runs r WHERE r.id = $1", 1, &p, &rows) < 0)
		return -1;
	if (!rows.nrows) {
		tp_db_rows_release(&rows);
		return tp_usage_error("no run %lld in '%s'; 'tunepool history list' shows the ids",
				      id, db->name);
	}
	if (json) {
		tp_strbuf_adds(out, cell(&rows, 0, 13));
		tp_strbuf_addch(out, '\n');
		tp_db_rows_release(&rows);
		return 0;
	}
	tags = run_tags(db, ids);
	if (!tags || tp_db_exec(db, "SELECT workers, batch, strategy, start, nrepeats, median, "
				    "ci_low, ci_high FROM tp_trials WHERE run_id = $1 ORDER BY "
				    "strategy, start, batch, workers", 1, &p, &trials) < 0) {
		free(tags);
		tp_db_rows_release(&rows);
		return -1;
	}
	tp_strbuf_addf(out, "run %s\n  date:      %s\n  added:     %s\n  commit:    %s\n"
			    "  branch:    %s\n  machine:   %s\n  workload:  %s%s%s\n"
			    "  inputs:    %s\n  kind:      %s\n  source:    %s\n  tool:      %s\n"
			    "  tags:      %s\n  content:   %s\n\n",
		       cell(&rows, 0, 0), cell(&rows, 0, 1), cell(&rows, 0, 10),
		       *cell(&rows, 0, 2) ? cell(&rows, 0, 2) : "-",
		       *cell(&rows, 0, 3) ? cell(&rows, 0, 3) : "-", cell(&rows, 0, 4),
		       cell(&rows, 0, 5), *cell(&rows, 0, 6) ? ":" : "", cell(&rows, 0, 6),
		       *cell(&rows, 0, 15) ? cell(&rows, 0, 15) : "-", cell(&rows, 0, 7),
		       cell(&rows, 0, 8), cell(&rows, 0, 9), *tags ? tags : "-", cell(&rows, 0, 14));
	tp_strbuf_addf(out, "%-24s %7s %12s %12s %12s\n", "config", "repeats", "median", "ci_low",
		       "ci_high");
	for (i = 0; i < trials.nrows; i++) {
		struct tp_config c;
		char name[96];

		memset(&c, 0, sizeof(c));
		c.workers = atoi(cell(&trials, i, 0));
		c.batch = atoi(cell(&trials, i, 1));
		snprintf(c.strategy, sizeof(c.strategy), "%s", cell(&trials, i, 2));
		snprintf(c.start, sizeof(c.start), "%s", cell(&trials, i, 3));
		tp_strbuf_addf(out, "%-24s %7s %12.6g %12.6g %12.6g\n",
			       tp_config_format(&c, name, sizeof(name)), cell(&trials, i, 4),
			       tp_db_cell(&trials, i, 5) ? strtod(cell(&trials, i, 5), NULL) : NAN,
			       tp_db_cell(&trials, i, 6) ? strtod(cell(&trials, i, 6), NULL) : NAN,
			       tp_db_cell(&trials, i, 7) ? strtod(cell(&trials, i, 7), NULL) : NAN);
	}
	free(tags);
	tp_db_rows_release(&trials);
	tp_db_rows_release(&rows);
	return 0;
}

/* ---- prune ---- */

int tp_history_prune(struct tp_db *db, const struct tp_history_filter *f, long long keep_last,
		     int dry_run, size_t *removed)
{
	struct tp_query q;
	struct tp_db_rows rows;
	size_t i, kept = 0;
	char prev[256] = "";
	int ret = 0;

	*removed = 0;
	if (tp_db_begin_write(db) < 0)
		return -1;
	tp_query_init(&q, "SELECT r.id, r.machine_class, r.workload, r.workload_options "
			  "FROM tp_runs r WHERE 1 = 1");
	if (tp_query_filter(&q, f) < 0 ||
	    (tp_strbuf_adds(&q.sql, " ORDER BY r.machine_class, r.workload, r.workload_options, "
				    "r.run_date DESC, r.id DESC"), tp_query_exec(db, &q, &rows)) < 0) {
		tp_query_release(&q);
		tp_db_rollback(db);
		return -1;
	}
	tp_query_release(&q);
	for (i = 0; i < rows.nrows && !ret; i++) {
		char series[256];
		const char *id = cell(&rows, i, 0);

		snprintf(series, sizeof(series), "%s\x1f%s\x1f%s", cell(&rows, i, 1),
			 cell(&rows, i, 2), cell(&rows, i, 3));
		if (strcmp(series, prev)) {
			snprintf(prev, sizeof(prev), "%s", series);
			kept = 0;
		}
		if (kept < (size_t)keep_last) {
			kept++;
			continue;
		}
		(*removed)++;
		if (dry_run)
			continue;
		if (tp_db_exec(db, "DELETE FROM tp_tags WHERE run_id = $1", 1, &id, NULL) < 0 ||
		    tp_db_exec(db, "DELETE FROM tp_trials WHERE run_id = $1", 1, &id, NULL) < 0 ||
		    tp_db_exec(db, "DELETE FROM tp_runs WHERE id = $1", 1, &id, NULL) < 0)
			ret = -1;
	}
	tp_db_rows_release(&rows);
	if (ret || dry_run || tp_db_commit(db) < 0) {
		tp_db_rollback(db);
		if (ret || !dry_run) {
			*removed = 0;
			return -1;
		}
	}
	return 0;
}
