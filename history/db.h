/* The storage backends of the history behind one small interface: open a
 * database named by a path or a postgresql:// URL, run one SQL statement with
 * text parameters ($1, $2, ...) and read the rows back as text. */
#ifndef TP_HISTORY_DB_H
#define TP_HISTORY_DB_H

#include <stddef.h>

/* Rows of a query: cells[row * ncols + col], NULL for SQL NULL; owned. */
struct tp_db_rows {
	size_t nrows, ncols, alloc;
	char **cells;
};

struct tp_db;

/* One backend, listed once in history/db.c. */
struct tp_db_backend_desc {
	const char *name;		/* "sqlite", "postgresql" */
	const char *summary;
	/* 1 when url names a database of this backend. */
	int (*matches)(const char *url);
	/* Connects; errors are printed (usage errors for a file that is not a
	 * database, system errors otherwise) and return -1. */
	int (*open)(struct tp_db *db, const char *url);
	void (*close)(struct tp_db *db);
	/* Runs sql; with nparams == 0 and out == NULL sql may hold several
	 * statements.  out (when given) gets the rows.  -1 after an error. */
	int (*exec)(struct tp_db *db, const char *sql, int nparams, const char *const *params,
		    struct tp_db_rows *out);
	const char *id_type;		/* DDL of an auto-numbered primary key */
	const char *begin_write;	/* starts a transaction that will write */
	const char *schema_lock;	/* run after begin_write before a migration, or NULL */
	const char *has_table;		/* SELECT count(*) of tables named $1 */
	const char *other_tables;	/* SELECT count(*) of tables not of tunepool, or NULL */
};

struct tp_db {
	const struct tp_db_backend_desc *backend;
	void *handle;
	char *name;		/* for messages: the path, or the URL without password */
	double wait_s;		/* how long to wait for a lock held by another writer */
	int silent;		/* backends print no errors (rollback after an error) */
};

/* Opens url with the backend that matches it; wait_s bounds lock waits. */
int tp_db_open(struct tp_db *db, const char *url, double wait_s);
/* Closes (rolling back an open transaction); safe on a closed db. */
void tp_db_close(struct tp_db *db);
int tp_db_exec(struct tp_db *db, const char *sql, int nparams, const char *const *params,
	       struct tp_db_rows *out);
/* Runs a query expected to return one integer; -1 on error. */
int tp_db_query_int(struct tp_db *db, const char *sql, int nparams, const char *const *params,
		    long long *out);
int tp_db_begin_write(struct tp_db *db);
int tp_db_commit(struct tp_db *db);
/* Never fails loudly: the transaction is gone either way. */
void tp_db_rollback(struct tp_db *db);

/* Appends one row of ncols cells (copied; NULL stays NULL). */
void tp_db_rows_add(struct tp_db_rows *r, size_t ncols, const char *const *cells);
const char *tp_db_cell(const struct tp_db_rows *r, size_t row, size_t col);
void tp_db_rows_release(struct tp_db_rows *r);

extern const struct tp_db_backend_desc tp_db_backend_sqlite;
extern const struct tp_db_backend_desc tp_db_backend_postgresql;

#endif
