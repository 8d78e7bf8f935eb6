/* The run journal: JSON Lines, one record per finished task, appended and
 * flushed per task, and its index for --resume / --resume-failed. */
#ifndef TP_RUNNER_JOURNAL_H
#define TP_RUNNER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TP_JOURNAL_HASH_HEX 17	/* 16 hex digits and the NUL */

/* One finished task (its final attempt). */
struct tp_journal_record {
	uint64_t seq;		/* 1-based input number */
	const char *input;
	uint64_t hash;		/* tp_journal_hash(command, input) */
	double start;		/* wall-clock epoch seconds when the task started */
	double duration_s;
	int ok;
	int exit_status;	/* -1 when killed by a signal or in-process */
	int term_signal;	/* 0 if none */
	int timed_out;
	int attempt;		/* 1 for the first try */
	const char *error;	/* why it failed (key "error" when not NULL or ""); a
				 * persistent worker's own message, say */
	int stage;		/* --then pipelines: the stage, 1-based (key "stage" when > 0) */
};

struct tp_journal {
	FILE *f;
	char *path;
};

/* 64-bit FNV-1a of command, a NUL separator, then input: a changed command
 * gives other hashes, so --resume does not skip its work. */
uint64_t tp_journal_hash(const char *command, const char *input);
/* 16 lowercase hex digits into buf (TP_JOURNAL_HASH_HEX bytes). */
const char *tp_journal_hash_hex(uint64_t h, char *buf);

/* Opens path for appending (created 0644 when absent).  A torn last line (no
 * newline, from a killed run) is cut off first so the next record starts on a
 * line of its own.  Returns 0 or -1 with an error naming path. */
int tp_journal_open(struct tp_journal *j, const char *path);
/* Appends one record as a JSON line and flushes it to the kernel. */
int tp_journal_append(struct tp_journal *j, const struct tp_journal_record *r);
/* Flushes and closes; returns -1 (error named) when the flush failed. */
int tp_journal_close(struct tp_journal *j);

/* Hashes seen in a journal, with how many times each finished ok / failed. */
struct tp_journal_index {
	struct tp_journal_slot {
		uint64_t hash;		/* 0 = empty slot */
		unsigned done, failed;
	} *slots;
	size_t cap, used;
	size_t records;		/* records read */
	int torn;		/* the last line was torn and ignored */
};

void tp_journal_index_init(struct tp_journal_index *idx);
void tp_journal_index_release(struct tp_journal_index *idx);
/* Adds the records of path to idx.  A missing file is an empty journal.  A torn
 * last line is ignored (idx->torn set); a malformed line elsewhere is a usage
 * error naming path, line and the problem; returns -1 then. */
int tp_journal_index_load(struct tp_journal_index *idx, const char *path);
void tp_journal_index_add(struct tp_journal_index *idx, uint64_t hash, int ok);

enum tp_resume_mode {
	TP_RESUME_NONE = 0,
	TP_RESUME_ALL,		/* --resume: skip what finished, ok or failed */
	TP_RESUME_FAILED,	/* --resume-failed: skip what finished ok, rerun failures */
};

/* 1 when an input with this hash should be skipped under mode; consumes one
 * journaled completion so a repeated input line is skipped only as often as
 * it was journaled. */
int tp_journal_index_take(struct tp_journal_index *idx, uint64_t hash, enum tp_resume_mode mode);

#endif
