/* Input sources: ::: ARGS, --inputs FILE (streamed), standard input, --count N. */
#ifndef TP_RUNNER_INPUTS_H
#define TP_RUNNER_INPUTS_H

#include <stddef.h>

/* Longest input line accepted (bytes, without the newline). */
#define TP_INPUT_LINE_MAX (1 << 20)

struct tp_inputs;

/* Separates the fields of one input (several sources, --colsep). */
#define TP_INPUT_FS '\x1f'

/* Each constructor returns 0 and a new source in *out, or -1 with an error.
 * Free with tp_inputs_free(). */
int tp_inputs_from_args(struct tp_inputs **out, char *const *args, int n);
/* path "-" is standard input.  Lines are streamed (memory stays flat) unless
 * rewindable is set, in which case they are held so repeats can rewind. */
int tp_inputs_from_file(struct tp_inputs **out, const char *path, int rewindable);
/* The same with lines ended by sep ('\0' for -0/--null). */
int tp_inputs_from_file_sep(struct tp_inputs **out, const char *path, int rewindable, char sep);

/* One of several input sources: a file (path, "-" for stdin) or args. */
struct tp_input_source {
	const char *path;
	char *const *args;
	int nargs;
	int linked;		/* :::+ / ::::+: zipped with the one before */
};
/* Every combination of the sources, the last varying fastest (GNU parallel's
 * order); linked sources (or all, with link_all) advance together, a shorter
 * one wrapping around.  Each input is its fields joined by TP_INPUT_FS.
 * Files are read whole now (a usage error names one that cannot be read). */
int tp_inputs_from_sources(struct tp_inputs **out, const struct tp_input_source *src, int n,
			   int link_all, char sep);
/* --colsep: each input's columns (split at sep) become its fields, joined by
 * TP_INPUT_FS.  sep is a literal string unless it has regex syntax, then a
 * regex as parallel's (Perl's \t \s \S \d \D \w \W over POSIX extended).
 * NULL or "" turns it off.  0, or -1 with a usage error for a bad regex. */
int tp_inputs_set_colsep(struct tp_inputs *in, const char *sep);

/* The inputs "1".."n". */
int tp_inputs_from_count(struct tp_inputs **out, long long n);
/* A copy of lines[0..n). */
int tp_inputs_from_list(struct tp_inputs **out, char *const *lines, size_t n);

/* Inputs held in memory (rewindable) stop at whichever limit comes first,
 * with a usage error naming the file and the limit. */
#define TP_INPUTS_HELD_LINES_MAX 10000000
#define TP_INPUTS_HELD_BYTES_MAX (1ull << 30)
/* Tests only: other limits (0 = the default). */
void tp_inputs_set_held_limits(size_t lines, size_t bytes);

/* Next input: returns 1 with *line (valid until the next call) and *len, 0 at
 * the end, -1 on an error (message names the file and line: over-long line,
 * read error). */
int tp_inputs_next(struct tp_inputs *in, const char **line, size_t *len);
/* tp_inputs_next after tp_inputs_async: no line ready yet (not the end). */
#define TP_INPUTS_AGAIN 2
/* A streamed pipe or terminal gets a reader thread: tp_inputs_next then never
 * blocks, returning TP_INPUTS_AGAIN until a line comes, and notify(ctx) is
 * called (from that thread) after each line and at the end.  Returns 1 when
 * started, 0 when the source does not need it (a list, a regular file). */
int tp_inputs_async(struct tp_inputs *in, void (*notify)(void *ctx), void *ctx);
/* Ends the reader thread (joined; no notify after this returns): the source
 * then reads as at its end.  A no-op without one. */
void tp_inputs_async_stop(struct tp_inputs *in);
/* Number of inputs when known in advance, else -1 (streamed). */
long long tp_inputs_total(const struct tp_inputs *in);
/* Back to the first input; -1 when the source cannot rewind. */
int tp_inputs_rewind(struct tp_inputs *in);
void tp_inputs_free(struct tp_inputs *in);

#endif
