/* The history's schema: tables, the version table and the migrations that
 * bring an older database up to date, the same on every backend. */
#ifndef TP_HISTORY_SCHEMA_H
#define TP_HISTORY_SCHEMA_H

#include "history/db.h"

/* The schema this tunepool writes; databases at a higher version are refused. */
#define TP_HISTORY_SCHEMA 2

/* Opens url and brings its schema to TP_HISTORY_SCHEMA (creating it in an
 * empty database).  A database of a newer schema, or one holding tables of
 * something else, is a usage error. */
int tp_history_db_open(struct tp_db *db, const char *url, double wait_s);
/* Migrates an open database to version target (1..TP_HISTORY_SCHEMA) in one
 * transaction; for tests of the migrations. */
int tp_history_migrate(struct tp_db *db, int target);
/* The schema version of an open database: 0 when it has none yet, -1 on error. */
int tp_history_schema_version(struct tp_db *db);

#endif
