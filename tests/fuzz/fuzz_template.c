/* Fuzz target: command templates and GNU parallel placeholder expansion
 * (runner/template.c), checking that an input never turns into shell syntax
 * or into more or fewer than the arguments it should be. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "runner/template.h"

#define MAX_WORDS 16
#define MAX_INPUTS 4

static int safe_word(const char *w)
{
	if (*w == '#')
		return 0;	/* starts a comment: the script drops the rest */
	for (; *w; w++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-{}#", *w))
			return 0;
	return 1;
}

/* Reads s as /bin/sh would split a simple command made of safe words and
 * quoted text; aborts when a shell metacharacter stands outside quotes (an
 * input would then be interpreted).  Returns the number of words. */
static int sh_words(const char *s)
{
	int words = 0, inword = 0;

	while (*s) {
		if (*s == ' ') {
			inword = 0;
			s++;
			continue;
		}
		if (!inword)
			words++;
		inword = 1;
		if (*s == '\'') {
			const char *end = strchr(s + 1, '\'');

			if (!end) {
				fprintf(stderr, "unterminated quote in script: %s\n", s);
				abort();
			}
			s = end + 1;
		} else if (s[0] == '\\' && s[1] == '\'') {
			s += 2;
		} else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-{}#", *s)) {
			s++;
		} else {
			fprintf(stderr, "shell syntax outside quotes at: %s\n", s);
			abort();
		}
	}
	return words;
}

/* The shell's reading of one quoted string back into text. */
static void sh_unquote(const char *q, struct tp_strbuf *out)
{
	while (*q) {
		if (*q == '\'') {
			const char *end = strchr(q + 1, '\'');

			tp_strbuf_add(out, q + 1, (size_t)(end - q - 1));
			q = end + 1;
		} else if (q[0] == '\\' && q[1]) {
			tp_strbuf_addch(out, q[1]);
			q += 2;
		} else {
			tp_strbuf_addch(out, *q++);
		}
	}
}

/* Input: byte 0 = flags (bit 0 --shell, bits 1-2 inputs - 1), then lines: the
 * inputs first, then the template words (at least one). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *lines[MAX_WORDS + MAX_INPUTS], *copy, *p;
	const char *inputs[MAX_INPUTS];
	struct tp_strbuf buf = TP_STRBUF_INIT, q = TP_STRBUF_INIT, uq = TP_STRBUF_INIT;
	struct tp_template t;
	char **argv = NULL, *words[MAX_WORDS + MAX_INPUTS];
	size_t alloc = 0;
	int nlines = 0, shell, n, nw, i, k, got, all_safe = 1, simple = 1;

	if (size < 1)
		return 0;
	tp_log_set_quiet(2);
	shell = data[0] & 1;
	n = ((data[0] >> 1) & 3) + 1;
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (p = copy; nlines < MAX_WORDS + MAX_INPUTS; ) {
		lines[nlines++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (nlines <= n) {
		free(copy);
		return 0;
	}
	for (i = 0; i < n; i++)
		inputs[i] = lines[i];
	nw = nlines - n;
	for (i = 0; i < nw; i++) {
		words[i] = lines[n + i];
		if (!safe_word(words[i]))
			all_safe = 0;
		if (strchr(words[i], '{') && strcmp(words[i], "{}"))
			simple = 0;
	}

	tp_template_init(&t, words, nw, shell);
	got = tp_template_expand(&t, inputs, n, 7, &buf, &argv, &alloc);
	if (got < 1 || argv[got] != NULL)
		abort();
	for (i = 0; i < got; i++)
		if (argv[i] < buf.buf || argv[i] >= buf.buf + buf.len)
			abort();

	if (shell) {
		if (got != 3 || strcmp(argv[0], "/bin/sh") || strcmp(argv[1], "-c"))
			abort();
		if (all_safe) {
			int w = sh_words(argv[2]);

			/* Only {} and plain words: one word per word, inputs one word each
			 * (an empty template word is no word in a script). */
			if (simple) {
				int want = 0;

				for (i = 0; i < nw; i++)
					want += strcmp(words[i], "{}") ? !!*words[i] : n;
				if (!t.has_input)
					want += n;
				if (w != want) {
					fprintf(stderr, "script '%s' has %d words, wanted %d\n", argv[2], w, want);
					abort();
				}
			}
		}
		/* Quoting must read back as the exact input. */
		for (i = 0; i < n; i++) {
			tp_strbuf_reset(&q);
			tp_strbuf_reset(&uq);
			tp_shell_quote(&q, inputs[i]);
			sh_unquote(q.buf, &uq);
			if (strcmp(uq.buf, inputs[i]))
				abort();
		}
	} else if (simple) {
		/* Without a shell, plain words stay as they are and every input is
		 * exactly one argument, whatever it holds. */
		k = 0;
		for (i = 0; i < nw; i++) {
			if (!strcmp(words[i], "{}")) {
				int j;

				for (j = 0; j < n; j++)
					if (k >= got || strcmp(argv[k++], inputs[j]))
						abort();
			} else if (k >= got || strcmp(argv[k++], words[i])) {
				abort();
			}
		}
		if (!t.has_input)
			for (i = 0; i < n; i++)
				if (k >= got || strcmp(argv[k++], inputs[i]))
					abort();
		if (k != got)
			abort();
	}
	free(argv);
	tp_template_release(&t);
	tp_strbuf_release(&buf);
	tp_strbuf_release(&q);
	tp_strbuf_release(&uq);
	free(copy);
	return 0;
}
