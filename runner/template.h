/* Command templates with GNU parallel placeholders: {} {.} {/} {//} {/.} {#}
 * {%} and the positional {N} {N.} {N/} {N//} {N/.}. */
#ifndef TP_RUNNER_TEMPLATE_H
#define TP_RUNNER_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

struct tp_strbuf;

struct tp_template {
	int argc;
	char **argv;		/* copies of the words */
	int has_input;		/* a word holds {} {.} {/} {//} or {/.} */
	int shell;		/* run as /bin/sh -c "words", inputs shell-quoted */
	int has_positional;	/* a word holds {N...} */
	int has_any;		/* a word holds any placeholder: no inputs appended */
	int join;		/* -m: several inputs go into one word, space-separated
				 * (else -X: the word is repeated per input) */
	int fields;		/* inputs hold fields split by TP_INPUT_FS (several
				 * sources, --colsep): {N} is field N, {} all of them */
	const char *shell_path;	/* the shell for shell mode (NULL: /bin/sh); not owned */
};

/* 0 when every placeholder-looking word part of argv is one this runner
 * expands, else -1 with a usage error naming it ({+/}, {=perl=}, {0}...). */
int tp_template_check(char *const *argv, int argc);

/* Copies argv[0..argc); argc must be >= 1.  Release with tp_template_release(). */
int tp_template_init(struct tp_template *t, char *const *argv, int argc, int shell);
void tp_template_release(struct tp_template *t);

/* Expands the template for inputs[0..n) (n >= 1; seq is the {#} of the first)
 * into a NULL-terminated argv whose strings live in buf.  Without --shell no
 * input ever passes through a shell: each becomes (part of) one argument.
 * With several inputs, a word holding an input placeholder is repeated once
 * per input (as parallel -X does); with none, the inputs are appended.
 * *argv is grown as needed (free() it); returns the argument count. */
int tp_template_expand(const struct tp_template *t, const char *const *inputs, int n,
		       uint64_t seq, struct tp_strbuf *buf, char ***argv, size_t *argv_alloc);

/* The same, with {%} = slot (the 1-based job slot). */
int tp_template_expand_slot(const struct tp_template *t, const char *const *inputs, int n,
			    uint64_t seq, int slot, struct tp_strbuf *buf, char ***argv,
			    size_t *argv_alloc);

/* The replacement of one placeholder ("{}", "{.}", ...) for input, appended
 * to buf; returns 0, or -1 when ph is not a placeholder. */
int tp_template_replace(const char *ph, size_t phlen, const char *input, uint64_t seq,
			struct tp_strbuf *buf);

/* Appends s to a /bin/sh script being built in buf (the script is the text
 * after buf's last NUL), quoted for the context the script is in at its end:
 * a bare word ('...'), inside the script's own '...' or "...", in $(...) or
 * backticks; in a comment nothing is added.  The shell reads exactly the bytes
 * of s and none of them as syntax.  (Here-documents are not tracked.) */
void tp_shell_quote(struct tp_strbuf *buf, const char *s);

/* The shell of --shell, as GNU parallel picks it: $PARALLEL_SHELL, else
 * $SHELL, else /bin/sh.  run, tune and bench all use it, so a width tuned
 * under one shell is not run under another. */
const char *tp_shell_path(void);

/* cmd looked up in $PATH (once per run, not per task): the executable's
 * path (free() it), or NULL when cmd holds a '/', PATH is unset or no entry
 * is executable (the spawn then reports the error). */
char *tp_path_lookup(const char *cmd);

#endif
