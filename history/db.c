/* Backend dispatch of the history database and the rows every backend returns. */
#include "history/db.h"
#include "core/alloc.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

/* The one list of backends; the first that matches a URL wins, sqlite last. */
static const struct tp_db_backend_desc *const backends[] = {
	&tp_db_backend_postgresql,
	&tp_db_backend_sqlite,
};

int tp_db_open(struct tp_db *db, const char *url, double wait_s)
{
	size_t i;

	memset(db, 0, sizeof(*db));
	db->wait_s = wait_s;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i]->matches(url)) {
			db->backend = backends[i];
			if (backends[i]->open(db, url) < 0) {
				free(db->name);
				memset(db, 0, sizeof(*db));
				return -1;
			}
			return 0;
		}
	return tp_usage_error("unknown database '%s'", url);
}

void tp_db_close(struct tp_db *db)
{
	if (db->backend && db->handle)
		db->backend->close(db);
	free(db->name);
	memset(db, 0, sizeof(*db));
}

int tp_db_exec(struct tp_db *db, const char *sql, int nparams, const char *const *params,
	       struct tp_db_rows *out)
{
	if (out)
		memset(out, 0, sizeof(*out));
	return db->backend->exec(db, sql, nparams, params, out);
}

int tp_db_query_int(struct tp_db *db, const char *sql, int nparams, const char *const *params,
		    long long *out)
{
	struct tp_db_rows rows;
	const char *c;

	if (tp_db_exec(db, sql, nparams, params, &rows) < 0)
		return -1;
	c = tp_db_cell(&rows, 0, 0);
	*out = c ? strtoll(c, NULL, 10) : 0;
	tp_db_rows_release(&rows);
	return 0;
}

int tp_db_begin_write(struct tp_db *db)
{
	return tp_db_exec(db, db->backend->begin_write, 0, NULL, NULL);
}

int tp_db_commit(struct tp_db *db)
{
	return tp_db_exec(db, "COMMIT", 0, NULL, NULL);
}

void tp_db_rollback(struct tp_db *db)
{
	if (!db->handle)
		return;
	db->silent = 1;
	tp_db_exec(db, "ROLLBACK", 0, NULL, NULL);
	db->silent = 0;
}

void tp_db_rows_add(struct tp_db_rows *r, size_t ncols, const char *const *cells)
{
	size_t i;

	r->ncols = ncols;
	tp_grow((void **)&r->cells, &r->alloc, (r->nrows + 1) * ncols, sizeof(*r->cells));
	for (i = 0; i < ncols; i++)
		r->cells[r->nrows * ncols + i] = cells[i] ? tp_xstrdup(cells[i]) : NULL;
	r->nrows++;
}

const char *tp_db_cell(const struct tp_db_rows *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

void tp_db_rows_release(struct tp_db_rows *r)
{
	size_t i;

	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}
