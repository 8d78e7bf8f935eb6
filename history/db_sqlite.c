/* The SQLite backend of the history: one file in WAL mode, writers serialised
 * by BEGIN IMMEDIATE and a busy timeout. */
#include "history/db.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sqlite_matches(const char *url)
{
	(void)url;
	return 1;
}

/* Errors that mean the file is not (or no longer) a usable database are bad
 * input; a lock held too long, a full disk or an I/O error are system failures. */
static int report(struct tp_db *db, sqlite3 *h, int rc, const char *what)
{
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	int prim = rc & 0xff;

	if (db->silent)
		return -1;
	if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT)
		return tp_usage_error("cannot %s '%s': %s (the file is corrupt or truncated, "
				      "or not a SQLite database; restore it or move it aside)",
				      what, db->name, msg);
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return tp_error("cannot %s '%s': the database is locked by another process "
				"(waited %g s)", what, db->name, db->wait_s);
	if (h && sqlite3_system_errno(h))
		return tp_error("cannot %s '%s': %s (%s)", what, db->name, msg,
				strerror(sqlite3_system_errno(h)));
	return tp_error("cannot %s '%s': %s", what, db->name, msg);
}

static int sqlite_open(struct tp_db *db, const char *url)
{
	sqlite3 *h = NULL;
	double start;
	int rc;

	db->name = tp_xstrdup(url);
	rc = sqlite3_open_v2(url, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		report(db, h, rc, "open");
		sqlite3_close(h);
		return -1;
	}
	db->handle = h;
	sqlite3_busy_timeout(h, (int)(db->wait_s * 1000));
	sqlite3_extended_result_codes(h, 1);
	/* WAL lets readers run beside the one writer; the first statement also
	 * tells a file that is not a database.  Switching a new file to WAL takes
	 * an exclusive lock for which SQLite may answer BUSY at once (another
	 * writer creating the schema): retry until wait_s. */
	start = tp_now_s();
	while ((rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL)) != SQLITE_OK &&
	       ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) &&
	       tp_now_s() - start < db->wait_s)
		tp_sleep_s(0.02);
	if (rc != SQLITE_OK) {
		report(db, h, rc, "open");
		sqlite3_close(h);
		db->handle = NULL;
		return -1;
	}
	return 0;
}

static void sqlite_close(struct tp_db *db)
{
	sqlite3_close(db->handle);
	db->handle = NULL;
}

/* $1, $2, ... (PostgreSQL's spelling) for SQLite: plain '?' when they come in
 * order, each once (as in the long multi-row INSERTs: SQLite looks numbered
 * and named parameters up in a list, quadratic over thousands), else ?NNN.
 * The history's SQL holds no '$' in literals. */
static char *sqlite_params(const char *sql)
{
	char *out = tp_xstrdup(sql), *p, *w;
	long next = 1;
	int plain = 1;

	for (p = out; (p = strchr(p, '$')); p++)
		if (p[1] >= '0' && p[1] <= '9') {
			*p = '?';
			if (strtol(p + 1, NULL, 10) != next++)
				plain = 0;
		}
	if (!plain)
		return out;
	for (p = w = out; *p; p++) {
		*w++ = *p;
		if (*p == '?')
			while (p[1] >= '0' && p[1] <= '9')
				p++;
	}
	*w = '\0';
	return out;
}

static int sqlite_exec(struct tp_db *db, const char *sql, int nparams,
		       const char *const *params, struct tp_db_rows *out)
{
	sqlite3 *h = db->handle;
	sqlite3_stmt *st = NULL;
	char *numbered;
	int rc, i, ncols;

	if (!nparams && !out) {
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
		return rc == SQLITE_OK ? 0 : report(db, h, rc, "use");
	}
	numbered = sqlite_params(sql);
	rc = sqlite3_prepare_v2(h, numbered, -1, &st, NULL);
	free(numbered);
	if (rc != SQLITE_OK)
		return report(db, h, rc, "query");
	for (i = 1; i <= nparams; i++) {
		rc = params[i - 1] ? sqlite3_bind_text(st, i, params[i - 1], -1, SQLITE_STATIC)
				   : sqlite3_bind_null(st, i);
		if (rc != SQLITE_OK && rc != SQLITE_RANGE) {
			sqlite3_finalize(st);
			return report(db, h, rc, "query");
		}
	}
	ncols = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cells[64];

		if (!out)
			continue;
		if (ncols > 64)
			TP_BUG("a history query returns more than 64 columns");
		for (i = 0; i < ncols; i++)
			cells[i] = (const char *)sqlite3_column_text(st, i);
		tp_db_rows_add(out, (size_t)ncols, cells);
	}
	if (out)
		out->ncols = (size_t)ncols;
	if (rc != SQLITE_DONE) {
		report(db, h, rc, "query");
		sqlite3_finalize(st);
		if (out)
			tp_db_rows_release(out);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

const struct tp_db_backend_desc tp_db_backend_sqlite = {
	.name = "sqlite",
	.summary = "one SQLite file in WAL mode (the default)",
	.matches = sqlite_matches,
	.open = sqlite_open,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.id_type = "INTEGER PRIMARY KEY",
	.begin_write = "BEGIN IMMEDIATE",
	.schema_lock = NULL,
	.has_table = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
	.other_tables = "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
			"AND name NOT LIKE 'tp\\_%' ESCAPE '\\'",
};
