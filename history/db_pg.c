/* The PostgreSQL backend of the history, through libpq: the same schema for a
 * team or a fleet, selected by a postgresql:// (or postgres://) URL. */
#include "history/db.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pg_matches(const char *url)
{
	return !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);
}

/* The URL for messages, with a password (user:PASS@) masked. */
static char *display_name(const char *url)
{
	const char *p = strstr(url, "://"), *at, *colon, *slash;

	if (!p)
		return tp_xstrdup(url);
	p += 3;
	at = strchr(p, '@');
	colon = strchr(p, ':');
	slash = strchr(p, '/');
	if (!at || !colon || colon > at || (slash && slash < at))
		return tp_xstrdup(url);
	return tp_xasprintf("%.*s:***%s", (int)(colon - url), url, at);
}

static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* libpq messages end with a newline and may span lines: keep the first line. */
static const char *first_line(const char *msg, char *buf, size_t size)
{
	size_t n = strcspn(msg, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

/* An error without an SQLSTATE came from the connection, not the server. */
static int report(struct tp_db *db, const char *what, const char *msg, const PGresult *res)
{
	char line[512];

	if (db->silent)
		return -1;
	if (db->handle && (PQstatus(db->handle) == CONNECTION_BAD || !res ||
			   !PQresultErrorField(res, PG_DIAG_SQLSTATE)))
		return tp_error("lost the connection to '%s' while trying to %s: %s; the open "
				"transaction was rolled back by the server", db->name, what,
				first_line(msg, line, sizeof(line)));
	return tp_error("cannot %s '%s': %s", what, db->name, first_line(msg, line, sizeof(line)));
}

static int pg_open(struct tp_db *db, const char *url)
{
	PGconn *c;

	db->name = display_name(url);
	c = PQconnectdb(url);
	if (!c)
		return tp_error("cannot connect to '%s': out of memory", db->name);
	if (PQstatus(c) != CONNECTION_OK) {
		char line[512];

		tp_error("cannot connect to '%s': %s", db->name,
			 first_line(PQerrorMessage(c), line, sizeof(line)));
		PQfinish(c);
		return -1;
	}
	PQsetNoticeProcessor(c, no_notices, NULL);
	db->handle = c;
	if (db->wait_s > 0) {
		char sql[96];

		/* A lock another writer holds is waited for at most wait_s. */
		snprintf(sql, sizeof(sql), "SET lock_timeout = %lld",
			 (long long)(db->wait_s * 1000));
		if (db->backend->exec(db, sql, 0, NULL, NULL) < 0) {
			PQfinish(c);
			db->handle = NULL;
			return -1;
		}
	}
	return 0;
}

static void pg_close(struct tp_db *db)
{
	PQfinish(db->handle);
	db->handle = NULL;
}

static int pg_exec(struct tp_db *db, const char *sql, int nparams, const char *const *params,
		   struct tp_db_rows *out)
{
	PGresult *res;
	ExecStatusType st;
	int i, j;

	if (!nparams && !out)
		res = PQexec(db->handle, sql);
	else
		res = PQexecParams(db->handle, sql, nparams, NULL, params, NULL, NULL, 0);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		report(db, "query", res ? PQresultErrorMessage(res) : PQerrorMessage(db->handle), res);
		PQclear(res);
		return -1;
	}
	if (out) {
		int nrows = PQntuples(res), ncols = PQnfields(res);
		const char *cells[64];

		if (ncols > 64)
			TP_BUG("a history query returns more than 64 columns");
		for (i = 0; i < nrows; i++) {
			for (j = 0; j < ncols; j++)
				cells[j] = PQgetisnull(res, i, j) ? NULL : PQgetvalue(res, i, j);
			tp_db_rows_add(out, (size_t)ncols, cells);
		}
		out->ncols = (size_t)ncols;
	}
	PQclear(res);
	return 0;
}

const struct tp_db_backend_desc tp_db_backend_postgresql = {
	.name = "postgresql",
	.summary = "a PostgreSQL database through libpq (postgresql://...)",
	.matches = pg_matches,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.id_type = "BIGSERIAL PRIMARY KEY",
	.begin_write = "BEGIN",
	/* Two first users of an empty database must not both create the schema. */
	.schema_lock = "SELECT pg_advisory_xact_lock(7218001)",
	.has_table = "SELECT count(*) FROM information_schema.tables "
		     "WHERE table_schema = current_schema() AND table_name = $1",
	.other_tables = NULL,
};
