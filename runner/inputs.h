/* Input sources: ::: ARGS, --inputs FILE (streamed), standard input, --count N. */
#ifndef TP_RUNNER_INPUTS_H
#define TP_RUNNER_INPUTS_H

#include <stddef.h>

/* Longest input line accepted (bytes, without the newline). */
#define TP_INPUT_LINE_MAX (1 << 20)

struct tp_inputs;

/* Each constructor returns 0 and a new source in *out, or -1 with an error.
 * Free with tp_inputs_free(). */
int tp_inputs_from_args(struct tp_inputs **out, char *const *args, int n);
/* path "-" is standard input.  Lines are streamed (memory stays flat) unless
 * rewindable is set, in which case they are held so repeats can rewind. */
int tp_inputs_from_file(struct tp_inputs **out, const char *path, int rewindable);
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
/* Number of inputs when known in advance, else -1 (streamed). */
long long tp_inputs_total(const struct tp_inputs *in);
/* Back to the first input; -1 when the source cannot rewind. */
int tp_inputs_rewind(struct tp_inputs *in);
void tp_inputs_free(struct tp_inputs *in);

#endif
