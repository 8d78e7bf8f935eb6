/* `fleet merge --db`: the nodes' results files, once merged, added to the
 * performance history in one transaction, tagged node=NAME and class=FP.
 * Lives in cli/ because fleet/ may not import history/ (HACKING.md). */
#include "cli/fleet_history.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/results.h"
#include "fleet/merge.h"
#include "history/history.h"
#include "history/schema.h"

#include <stdio.h>
#include <stdlib.h>

/* The same lock wait as `history add`. */
#define WAIT_S 60.0

int tp_fleet_history_open(struct tp_db *db, const char *url)
{
	return tp_history_db_open(db, url, WAIT_S);
}

int tp_fleet_history_add(struct tp_db *db, char *const *paths, size_t n)
{
	struct tp_history_add_opts o = { 0 };
	const char *const **ftags = tp_xcalloc(n ? n : 1, sizeof(*ftags));
	char **owned = tp_xcalloc(2 * (n ? n : 1), sizeof(*owned));
	size_t i, added = 0, skipped = 0;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		struct tp_results r;
		json_t *fp;
		char *node = tp_fleet_node_name(paths[i]);
		const char **t = tp_xcalloc(2, sizeof(*t));

		tp_results_init(&r);
		/* fleet merge read and checked the file: the fingerprint is there */
		if (tp_results_read(&r, paths[i]) < 0) {
			ret = -1;
		} else {
			fp = r.machine ? json_object_get(r.machine, "fingerprint") : NULL;
			owned[2 * i] = tp_xasprintf("node=%s", node);
			owned[2 * i + 1] = tp_xasprintf("class=%s", json_is_string(fp) ?
							json_string_value(fp) : "");
			t[0] = owned[2 * i];
			t[1] = owned[2 * i + 1];
		}
		ftags[i] = t;
		tp_results_release(&r);
		free(node);
	}
	o.file_tags = ftags;
	o.nfile_tags = 2;
	o.skip_existing = 1;	/* a merge run again after more nodes finished */
	if (!ret)
		ret = tp_history_add(db, paths, n, &o, &added, &skipped);
	if (!ret) {
		printf("added %zu run%s to '%s'", added, added == 1 ? "" : "s", db->name);
		if (skipped)
			printf(" (%zu already stored, skipped)", skipped);
		printf("\n");
	}
	for (i = 0; i < n; i++)
		free((void *)ftags[i]);
	for (i = 0; i < 2 * n; i++)
		free(owned[i]);
	free(ftags);
	free(owned);
	tp_db_close(db);
	return ret;
}
