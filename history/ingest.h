/* One file made ready for the history: tunepool results or a hyperfine export
 * read into the results model, with its metadata and content hash. */
#ifndef TP_HISTORY_INGEST_H
#define TP_HISTORY_INGEST_H

#include "core/results.h"

struct tp_history_item {
	struct tp_results r;
	char *kind;		/* bench | tune | run | hyperfine */
	char *document;		/* the file's JSON, compact */
	char hash[17];		/* of the document with sorted keys */
	char machine_class[64];	/* fingerprint, from the file or this machine */
	char date[32];		/* ISO 8601 UTC */
};

/* Reads path (tunepool results.json or hyperfine --export-json) into it.
 * A hyperfine export or results without a machine take this machine's
 * fingerprint.  Bad content is a usage error naming the file and field. */
int tp_history_item_load(struct tp_history_item *it, const char *path);
void tp_history_item_release(struct tp_history_item *it);

/* A hyperfine --export-json document as results: one trial per command,
 * workers from the first numeric parameter (else the command's position),
 * one repeat per time with throughput 1/time.  The one reader of hyperfine
 * JSON in history/ (fold into a shared one when core/ gets one). */
int tp_history_read_hyperfine(struct tp_results *r, const json_t *doc, const char *path);

/* "git rev-parse" in the current folder: commit and branch, "" outside a
 * repository or without git. */
void tp_history_git_info(char *commit, size_t csize, char *branch, size_t bsize);

#endif
