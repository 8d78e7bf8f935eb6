/* GNU parallel's --joblog format (tab-separated, one line per finished task),
 * for `run --joblog-format tsv`: the JSON journal stays the one --resume reads. */
#ifndef TP_RUNNER_JOBLOG_TSV_H
#define TP_RUNNER_JOBLOG_TSV_H

#include <stdint.h>
#include <stdio.h>

struct tp_joblog_tsv {
	FILE *f;
	char *path;
	int failed;		/* a write failed: reported once at close */
};

struct tp_joblog_tsv_row {
	uint64_t seq;
	double start_epoch, runtime_s;
	int exit_status;	/* -1 when killed: written as parallel does, -1 */
	int term_signal;
	unsigned long long received;	/* bytes of output */
	const char *command;	/* the command as run (no newlines: they become spaces) */
};

/* Creates (truncates) path, refusing a symlink planted there, and writes the
 * header.  0, or -1 with an error naming the file. */
int tp_joblog_tsv_open(struct tp_joblog_tsv *j, const char *path);
/* Appends one row and flushes it: 0, or -1 with an error naming the file. */
int tp_joblog_tsv_append(struct tp_joblog_tsv *j, const struct tp_joblog_tsv_row *r);
/* Closes (fsync first): 0, or -1 with an error when any write failed. */
int tp_joblog_tsv_close(struct tp_joblog_tsv *j);

#endif
