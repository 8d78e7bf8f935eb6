/* The history's schema and its migrations; every change of the tables is a
 * new entry at the end of migrations[], never an edit of an old one. */
#include "history/schema.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* migrations[v - 1] brings a database from version v - 1 to v.  @ID@ is the
 * backend's auto-numbered primary key.  Types are spelled so that SQLite and
 * PostgreSQL read them alike (DOUBLE PRECISION, not REAL). */
static const char *const migrations[TP_HISTORY_SCHEMA] = {
	/* 1: runs and their configs with every repeat's throughput. */
	"CREATE TABLE tp_schema (version INTEGER NOT NULL);\n"
	"INSERT INTO tp_schema (version) VALUES (0);\n"
	"CREATE TABLE tp_runs (\n"
	"  id @ID@,\n"
	"  content_hash TEXT NOT NULL UNIQUE,\n"
	"  kind TEXT NOT NULL,\n"
	"  source TEXT NOT NULL,\n"
	"  machine_class TEXT NOT NULL,\n"
	"  workload TEXT NOT NULL,\n"
	"  workload_options TEXT NOT NULL,\n"
	"  input_signature TEXT NOT NULL,\n"
	"  tool_version TEXT NOT NULL,\n"
	"  run_date TEXT NOT NULL,\n"
	"  added_date TEXT NOT NULL,\n"
	"  commit_id TEXT NOT NULL,\n"
	"  branch TEXT NOT NULL,\n"
	"  document TEXT NOT NULL);\n"
	"CREATE TABLE tp_trials (\n"
	"  run_id BIGINT NOT NULL REFERENCES tp_runs (id),\n"
	"  workers INTEGER NOT NULL,\n"
	"  batch INTEGER NOT NULL,\n"
	"  strategy TEXT NOT NULL,\n"
	"  start TEXT NOT NULL,\n"
	"  nrepeats INTEGER NOT NULL,\n"
	"  median DOUBLE PRECISION,\n"
	"  ci_low DOUBLE PRECISION,\n"
	"  ci_high DOUBLE PRECISION,\n"
	"  throughputs TEXT NOT NULL);\n",
	/* 2: tags, and the indexes that keep check and list fast. */
	"CREATE TABLE tp_tags (\n"
	"  run_id BIGINT NOT NULL REFERENCES tp_runs (id),\n"
	"  key TEXT NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (run_id, key));\n"
	"CREATE INDEX tp_runs_series ON tp_runs (machine_class, workload, workload_options, run_date);\n"
	"CREATE INDEX tp_trials_run ON tp_trials (run_id);\n",
};

static char *expand(const struct tp_db *db, const char *sql)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const char *p;

	while ((p = strstr(sql, "@ID@"))) {
		tp_strbuf_add(&sb, sql, (size_t)(p - sql));
		tp_strbuf_adds(&sb, db->backend->id_type);
		sql = p + 4;
	}
	tp_strbuf_adds(&sb, sql);
	return tp_strbuf_detach(&sb);
}

int tp_history_schema_version(struct tp_db *db)
{
	const char *name = "tp_schema";
	long long n, v;

	if (tp_db_query_int(db, db->backend->has_table, 1, &name, &n) < 0)
		return -1;
	if (!n)
		return 0;
	if (tp_db_query_int(db, "SELECT max(version) FROM tp_schema", 0, NULL, &v) < 0)
		return -1;
	return (int)v;
}

/* Inside a write transaction: refuses what is not ours, applies the missing steps. */
static int migrate_locked(struct tp_db *db, int target)
{
	int v = tp_history_schema_version(db), i;

	if (v < 0)
		return -1;
	if (v > TP_HISTORY_SCHEMA)
		return tp_usage_error("cannot use '%s': it was written by a newer tunepool (history "
				      "schema %d; this one reads up to %d); upgrade tunepool",
				      db->name, v, TP_HISTORY_SCHEMA);
	if (v == 0 && db->backend->other_tables) {
		long long others;

		if (tp_db_query_int(db, db->backend->other_tables, 0, NULL, &others) < 0)
			return -1;
		if (others)
			return tp_usage_error("cannot use '%s': it is a database of something else "
					      "(%lld tables, no tunepool history schema)",
					      db->name, others);
	}
	for (i = v; i < target; i++) {
		char *sql = expand(db, migrations[i]), upd[64];
		int rc = tp_db_exec(db, sql, 0, NULL, NULL);

		free(sql);
		if (rc < 0)
			return -1;
		snprintf(upd, sizeof(upd), "UPDATE tp_schema SET version = %d", i + 1);
		if (tp_db_exec(db, upd, 0, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

int tp_history_migrate(struct tp_db *db, int target)
{
	if (target < 1 || target > TP_HISTORY_SCHEMA)
		TP_BUG("migration target out of range");
	if (tp_db_begin_write(db) < 0)
		return -1;
	if ((db->backend->schema_lock && tp_db_exec(db, db->backend->schema_lock, 0, NULL, NULL) < 0) ||
	    migrate_locked(db, target) < 0 || tp_db_commit(db) < 0) {
		tp_db_rollback(db);
		return -1;
	}
	return 0;
}

int tp_history_db_open(struct tp_db *db, const char *url, double wait_s)
{
	int v;

	if (tp_db_open(db, url, wait_s) < 0)
		return -1;
	/* The common case reads the version without taking the write lock. */
	v = tp_history_schema_version(db);
	if (v == TP_HISTORY_SCHEMA)
		return 0;
	if (v > TP_HISTORY_SCHEMA) {
		migrate_locked(db, TP_HISTORY_SCHEMA);	/* prints the refusal */
		tp_db_close(db);
		return -1;
	}
	if (v < 0 || tp_history_migrate(db, TP_HISTORY_SCHEMA) < 0) {
		tp_db_close(db);
		return -1;
	}
	return 0;
}
