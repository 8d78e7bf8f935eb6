/* Command templates: GNU parallel placeholders expanded per task into an argv,
 * without a shell unless asked for. */
#include "runner/template.h"

#include "core/alloc.h"
#include "core/strbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Placeholder kinds; {#} is the only one that does not use the input. */
enum ph { PH_NONE, PH_INPUT, PH_NOEXT, PH_BASE, PH_DIR, PH_BASE_NOEXT, PH_SEQ };

static enum ph placeholder_kind(const char *s, size_t len)
{
	static const struct {
		const char *text;
		enum ph kind;
	} phs[] = {
		{ "{}", PH_INPUT }, { "{.}", PH_NOEXT }, { "{/}", PH_BASE },
		{ "{//}", PH_DIR }, { "{/.}", PH_BASE_NOEXT }, { "{#}", PH_SEQ },
	};
	size_t i;

	for (i = 0; i < sizeof(phs) / sizeof(phs[0]); i++)
		if (strlen(phs[i].text) == len && !memcmp(phs[i].text, s, len))
			return phs[i].kind;
	return PH_NONE;
}

/* Length of the placeholder starting at s (0 when none). */
static size_t placeholder_at(const char *s, enum ph *kind)
{
	const char *close;

	if (s[0] != '{')
		return 0;
	close = strchr(s, '}');
	if (!close || close - s > 4)
		return 0;
	*kind = placeholder_kind(s, (size_t)(close - s) + 1);
	return *kind == PH_NONE ? 0 : (size_t)(close - s) + 1;
}

static int word_has_input(const char *w)
{
	enum ph k;

	for (; *w; w++)
		if (placeholder_at(w, &k) && k != PH_SEQ)
			return 1;
	return 0;
}

int tp_template_init(struct tp_template *t, char *const *argv, int argc, int shell)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->argc = argc;
	t->shell = shell;
	t->argv = tp_xcalloc((size_t)argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++) {
		t->argv[i] = tp_xstrdup(argv[i]);
		if (word_has_input(argv[i]))
			t->has_input = 1;
	}
	return 0;
}

void tp_template_release(struct tp_template *t)
{
	int i;

	for (i = 0; i < t->argc; i++)
		free(t->argv[i]);
	free(t->argv);
	memset(t, 0, sizeof(*t));
}

/* s without its trailing slashes (a lone "/" kept): the length to use. */
static size_t trim_slashes(const char *s, size_t len)
{
	while (len > 1 && s[len - 1] == '/')
		len--;
	return len;
}

static const char *last_slash(const char *s, size_t len)
{
	while (len--)
		if (s[len] == '/')
			return s + len;
	return NULL;
}

/* GNU parallel removes the last ".ext" that follows the last '/'. */
static size_t noext_len(const char *s, size_t len)
{
	size_t i = len;

	while (i--) {
		if (s[i] == '/')
			break;
		if (s[i] == '.')
			return i;
	}
	return len;
}

static void add_replacement(struct tp_strbuf *buf, enum ph kind, const char *in, uint64_t seq)
{
	size_t len = strlen(in), tl;
	const char *sl;

	switch (kind) {
	case PH_NONE:
		break;
	case PH_INPUT:
		tp_strbuf_add(buf, in, len);
		break;
	case PH_NOEXT:
		tp_strbuf_add(buf, in, noext_len(in, len));
		break;
	case PH_BASE:
	case PH_BASE_NOEXT: {
		const char *b;

		tl = trim_slashes(in, len);
		sl = last_slash(in, tl);
		b = sl && tl > 1 ? sl + 1 : in;
		tl -= (size_t)(b - in);
		tp_strbuf_add(buf, b, kind == PH_BASE ? tl : noext_len(b, tl));
		break;
	}
	case PH_DIR:
		tl = trim_slashes(in, len);
		sl = last_slash(in, tl);
		if (!sl)
			tp_strbuf_addch(buf, '.');
		else if (sl == in)
			tp_strbuf_addch(buf, '/');
		else
			tp_strbuf_add(buf, in, (size_t)(sl - in));
		break;
	case PH_SEQ:
		tp_strbuf_addf(buf, "%" PRIu64, seq);
		break;
	}
}

int tp_template_replace(const char *ph, size_t phlen, const char *input, uint64_t seq,
			struct tp_strbuf *buf)
{
	enum ph kind = placeholder_kind(ph, phlen);

	if (kind == PH_NONE)
		return -1;
	add_replacement(buf, kind, input, seq);
	return 0;
}

/* Where the next byte of a /bin/sh script lands: the innermost open
 * construct.  Only what changes how a byte is read is tracked. */
enum sh_ctx { SH_BARE, SH_PAREN, SH_BTICK, SH_SQ, SH_DQ, SH_COMMENT };

#define SH_DEPTH 128

struct sh_scan {
	unsigned char st[SH_DEPTH];
	int depth;		/* st[depth] is the current context */
};

static void sh_push(struct sh_scan *sc, enum sh_ctx c)
{
	/* Deeper nesting than this is not a script a person wrote; the
	 * innermost level is reused rather than overflowing. */
	if (sc->depth + 1 < SH_DEPTH)
		sc->depth++;
	sc->st[sc->depth] = (unsigned char)c;
}

static void sh_pop(struct sh_scan *sc)
{
	if (sc->depth > 0)
		sc->depth--;
}

static int sh_word_start(const char *s, size_t i, size_t start)
{
	return i == start || strchr(" \t\n;&|()<>", s[i - 1]) != NULL;
}

/* Advances sc over s[start..end). */
static void sh_scan_text(struct sh_scan *sc, const char *s, size_t start, size_t end)
{
	size_t i;

	for (i = start; i < end; i++) {
		char c = s[i];
		enum sh_ctx cur = (enum sh_ctx)sc->st[sc->depth];

		switch (cur) {
		case SH_SQ:
			if (c == '\'')
				sh_pop(sc);
			break;
		case SH_COMMENT:
			if (c == '\n')
				sh_pop(sc);
			break;
		case SH_DQ:
			if (c == '\\')
				i++;
			else if (c == '"')
				sh_pop(sc);
			else if (c == '$' && i + 1 < end && s[i + 1] == '(')
				sh_push(sc, SH_PAREN), i++;
			else if (c == '`')
				sh_push(sc, SH_BTICK);
			break;
		default:
			if (c == '\\')
				i++;
			else if (c == '\'')
				sh_push(sc, SH_SQ);
			else if (c == '"')
				sh_push(sc, SH_DQ);
			else if (c == '$' && i + 1 < end && s[i + 1] == '(')
				sh_push(sc, SH_PAREN), i++;
			else if (c == '(')
				sh_push(sc, SH_PAREN);
			else if (c == ')' && cur == SH_PAREN)
				sh_pop(sc);
			else if (c == '`')
				cur == SH_BTICK ? sh_pop(sc) : sh_push(sc, SH_BTICK);
			else if (c == '#' && sh_word_start(s, i, start))
				sh_push(sc, SH_COMMENT);
			break;
		}
	}
}

/* Appends s so that the shell, reading it in context ctx, gets exactly the
 * bytes of s as (part of) one word, and nothing in s is ever syntax. */
static void sh_quote_in(struct tp_strbuf *buf, const char *s, enum sh_ctx ctx)
{
	switch (ctx) {
	case SH_COMMENT:
		/* Nothing reads a comment, and a newline would end it. */
		return;
	case SH_DQ:
		for (; *s; s++) {
			if (strchr("$`\"\\", *s))
				tp_strbuf_addch(buf, '\\');
			tp_strbuf_addch(buf, *s);
		}
		return;
	case SH_SQ:
		/* Already inside '...': only a quote needs closing and reopening. */
		for (; *s; s++) {
			if (*s == '\'')
				tp_strbuf_adds(buf, "'\\''");
			else
				tp_strbuf_addch(buf, *s);
		}
		return;
	default:
		tp_strbuf_addch(buf, '\'');
		for (; *s; s++) {
			if (*s == '\'')
				tp_strbuf_adds(buf, ctx == SH_BTICK ? "'\\\\''" : "'\\''");
			else if (ctx == SH_BTICK && strchr("$`\\", *s))
				tp_strbuf_addch(buf, '\\'), tp_strbuf_addch(buf, *s);
			else
				tp_strbuf_addch(buf, *s);
		}
		tp_strbuf_addch(buf, '\'');
		return;
	}
}

void tp_shell_quote(struct tp_strbuf *buf, const char *s)
{
	struct sh_scan sc = { { SH_BARE }, 0 };
	const char *nul = buf->len ? memrchr(buf->buf, '\0', buf->len) : NULL;
	size_t start = nul ? (size_t)(nul - buf->buf) + 1 : 0;

	sh_scan_text(&sc, buf->buf, start, buf->len);
	sh_quote_in(buf, s, (enum sh_ctx)sc.st[sc.depth]);
}

/* Appends word w expanded for input (in shell mode replacements are quoted). */
static void expand_word(struct tp_strbuf *buf, const char *w, const char *input, uint64_t seq,
			int shell, struct tp_strbuf *tmp)
{
	while (*w) {
		enum ph kind;
		size_t n = placeholder_at(w, &kind);

		if (!n) {
			tp_strbuf_addch(buf, *w++);
			continue;
		}
		if (shell && kind != PH_SEQ) {
			tp_strbuf_reset(tmp);
			add_replacement(tmp, kind, input, seq);
			tp_shell_quote(buf, tmp->buf);
		} else {
			add_replacement(buf, kind, input, seq);
		}
		w += n;
	}
}

/* Ends the current word: its end offset is parked in (*argv)[k] until buf
 * stops moving. */
static void end_word(struct tp_strbuf *buf, char ***argv, size_t *argv_alloc, size_t *k)
{
	tp_grow((void **)argv, argv_alloc, *k + 2, sizeof(char *));
	(*argv)[(*k)++] = (char *)(uintptr_t)buf->len;
	tp_strbuf_addch(buf, '\0');
}

int tp_template_expand(const struct tp_template *t, const char *const *inputs, int n,
		       uint64_t seq, struct tp_strbuf *buf, char ***argv, size_t *argv_alloc)
{
	struct tp_strbuf tmp = TP_STRBUF_INIT;
	size_t k = 0, i, start;
	int w, j;

	tp_strbuf_reset(buf);
	if (t->shell) {
		tp_strbuf_adds(buf, "/bin/sh");
		end_word(buf, argv, argv_alloc, &k);
		tp_strbuf_adds(buf, "-c");
		end_word(buf, argv, argv_alloc, &k);
	}
	for (w = 0; w < t->argc; w++) {
		int rep = word_has_input(t->argv[w]) ? n : 1;

		for (j = 0; j < rep; j++) {
			expand_word(buf, t->argv[w], inputs[j], seq, t->shell, &tmp);
			if (!t->shell)
				end_word(buf, argv, argv_alloc, &k);
			else if (j + 1 < rep || w + 1 < t->argc)
				tp_strbuf_addch(buf, ' ');
		}
	}
	if (!t->has_input) {
		for (j = 0; j < n; j++) {
			if (t->shell) {
				tp_strbuf_addch(buf, ' ');
				tp_shell_quote(buf, inputs[j]);
			} else {
				tp_strbuf_adds(buf, inputs[j]);
				end_word(buf, argv, argv_alloc, &k);
			}
		}
	}
	if (t->shell)
		end_word(buf, argv, argv_alloc, &k);
	/* Turn the parked end offsets into pointers to each word's start. */
	for (i = 0, start = 0; i < k; i++) {
		size_t end = (size_t)(uintptr_t)(*argv)[i];

		(*argv)[i] = buf->buf + start;
		start = end + 1;
	}
	(*argv)[k] = NULL;
	tp_strbuf_release(&tmp);
	return (int)k;
}
