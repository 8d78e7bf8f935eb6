/* `fleet merge --db`: the merged nodes' results added to the performance
 * history, each tagged with its node and class. */
#ifndef TP_CLI_FLEET_HISTORY_H
#define TP_CLI_FLEET_HISTORY_H

#include <stddef.h>

struct tp_db;

/* Opens (and migrates) the history url before anything is merged, so a bad
 * --db writes nothing.  Returns 0 or -1 (error reported). */
int tp_fleet_history_open(struct tp_db *db, const char *url);
/* Adds paths[0..n) to db in one transaction, tagged node=NAME (fleet merge's
 * node name) and class=FINGERPRINT; files already stored are skipped.  Prints
 * what it added; closes db.  Returns 0 or -1 (nothing added). */
int tp_fleet_history_add(struct tp_db *db, char *const *paths, size_t n);

#endif
