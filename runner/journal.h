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
	const char *answer;	/* a stage's output for this task, the next stage's
				 * input lines (key "answer" when not NULL and UTF-8) */
	size_t answer_len;
};

struct tp_journal {
	int fd;			/* O_APPEND; -1 when closed */
	int regular;		/* a regular file (locked); else a device or FIFO */
	char *path;
};

/* 64-bit FNV-1a of command, a NUL separator, then input: a changed command
 * gives other hashes, so --resume does not skip its work. */
uint64_t tp_journal_hash(const char *command, const char *input);
/* 16 lowercase hex digits into buf (TP_JOURNAL_HASH_HEX bytes). */
const char *tp_journal_hash_hex(uint64_t h, char *buf);

/* Opens path for appending (created 0644 when absent) and takes its write
 * lock: a journal held by a live run is refused (usage error naming the
 * holder's pid).  A torn last line (no newline, from a killed run) is cut off
 * first so the next record starts on a line of its own.  A character device or
 * FIFO is appended to as it is.  Returns 0 or -1 with an error naming path. */
int tp_journal_open(struct tp_journal *j, const char *path);
/* The same for stage K of a `run --then` pipeline (0: not a pipeline): the
 * stages of one pipeline share the journal, any other run is refused. */
int tp_journal_open_stage(struct tp_journal *j, const char *path, int stage);
/* Appends one record as a JSON line in one write(2), whatever its length, so
 * no reader or killed writer sees part of it; a line cut short by a full
 * disk is taken back.  An input that is not UTF-8 is kept losslessly: "input"
 * with U+FFFD for each stray byte, "input_hex" with every byte. */
int tp_journal_append(struct tp_journal *j, const struct tp_journal_record *r);
/* Flushes and closes; returns -1 (error named) when the flush failed. */
int tp_journal_close(struct tp_journal *j);

/* Hashes seen in a journal, with how many times each finished ok / failed. */
struct tp_journal_index {
	struct tp_journal_slot {
		uint64_t hash;		/* 0 = empty slot */
		unsigned done, failed;
		char *answer;		/* the last "answer" recorded, NULL none */
		size_t answer_len;
	} *slots;
	size_t cap, used;
	size_t records;		/* records read */
	int torn;		/* the last line was torn and ignored */
};

void tp_journal_index_init(struct tp_journal_index *idx);
void tp_journal_index_release(struct tp_journal_index *idx);
/* Resume reads at most this much journal (env TUNEPOOL_JOURNAL_MAX: 4G, ...). */
#define TP_JOURNAL_MAX_DEFAULT (1ull << 30)

/* Adds the records of path to idx.  A missing file is an empty journal.  A torn
 * last line is ignored (idx->torn set); a malformed line elsewhere (or one with
 * a NUL byte), a file that is not regular or one over TP_JOURNAL_MAX_DEFAULT
 * bytes is a usage error naming path, line and the problem; returns -1 then. */
int tp_journal_index_load(struct tp_journal_index *idx, const char *path);
void tp_journal_index_add(struct tp_journal_index *idx, uint64_t hash, uint64_t seq, int ok);

enum tp_resume_mode {
	TP_RESUME_NONE = 0,
	TP_RESUME_ALL,		/* --resume: skip what finished, ok or failed */
	TP_RESUME_FAILED,	/* --resume-failed: skip what finished ok, rerun failures */
};

/* 1 when the task (hash of command+input, and seq: which input line it is)
 * should be skipped under mode; consumes one journaled completion.  Repeated
 * input lines are distinct tasks: --resume-failed reruns the copy that failed. */
int tp_journal_index_take(struct tp_journal_index *idx, uint64_t hash, uint64_t seq,
			  enum tp_resume_mode mode);
/* The same for a --then stage that feeds the next one: skipped only when the
 * journal kept the task's answer (*answer, *len: the index's), which the
 * stage then feeds on instead of running the task again. */
int tp_journal_index_take_answer(struct tp_journal_index *idx, uint64_t hash, uint64_t seq,
				 enum tp_resume_mode mode, const char **answer, size_t *len);
/* The seq that identifies a task of stage (its input line's number for a
 * plain run and stage 1; a later stage's inputs arrive in any order, so
 * there it is the stage alone: command + input identify the task). */
uint64_t tp_journal_stage_seq(int stage, uint64_t seq);
/* tp_journal_index_add with the record's answer (copied; NULL none). */
void tp_journal_index_add_answer(struct tp_journal_index *idx, uint64_t hash, uint64_t seq, int ok,
				 const char *answer, size_t len);

#endif
