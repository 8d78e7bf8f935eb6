/* Command templates: GNU parallel placeholders expanded per task into an argv,
 * without a shell unless asked for. */
#include "runner/template.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "runner/inputs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Placeholder kinds; {#} and {%} are the ones that do not use the input. */
enum ph { PH_NONE, PH_INPUT, PH_NOEXT, PH_BASE, PH_DIR, PH_BASE_NOEXT, PH_SEQ, PH_SLOT };

/* A parsed placeholder: its kind and, for {N...}, the 1-based position. */
struct phr {
	enum ph kind;
	int pos;		/* 0: the whole input */
};

/* The modifiers after '{' or '{N': the same table serves {} and {N}. */
static const struct {
	const char *text;
	enum ph kind;
	int positional;		/* allowed after a position */
} phs[] = {
	{ "", PH_INPUT, 1 }, { ".", PH_NOEXT, 1 }, { "/", PH_BASE, 1 },
	{ "//", PH_DIR, 1 }, { "/.", PH_BASE_NOEXT, 1 }, { "#", PH_SEQ, 0 },
	{ "%", PH_SLOT, 0 },
};

#define POS_MAX 100000

/* The placeholder of s[0..len) (braces included), or PH_NONE. */
static struct phr placeholder_parse(const char *s, size_t len)
{
	struct phr r = { PH_NONE, 0 };
	size_t i = 1, k;
	long pos = 0;

	if (len < 2 || s[0] != '{' || s[len - 1] != '}')
		return r;
	while (i < len - 1 && s[i] >= '0' && s[i] <= '9' && pos <= POS_MAX)
		pos = pos * 10 + (s[i++] - '0');
	if (i > 1 && (pos < 1 || pos > POS_MAX))
		return r;
	for (k = 0; k < sizeof(phs) / sizeof(phs[0]); k++)
		if (strlen(phs[k].text) == len - 1 - i && !memcmp(phs[k].text, s + i, len - 1 - i) &&
		    (i == 1 || phs[k].positional)) {
			r.kind = phs[k].kind;
			r.pos = (int)pos;
			return r;
		}
	return r;
}

static enum ph placeholder_kind(const char *s, size_t len)
{
	struct phr r = placeholder_parse(s, len);

	return r.pos ? PH_NONE : r.kind;
}

/* Length of the placeholder starting at s (0 when none). */
static size_t placeholder_at(const char *s, struct phr *r)
{
	const char *close;

	if (s[0] != '{')
		return 0;
	close = strchr(s, '}');
	if (!close || close - s > 12)
		return 0;
	*r = placeholder_parse(s, (size_t)(close - s) + 1);
	return r->kind == PH_NONE ? 0 : (size_t)(close - s) + 1;
}

/* Length of something at s that a parallel user means as a placeholder but
 * that this runner does not have ({+/}, {##}, {=perl=}, {-1}, {0}, {1x.}...),
 * or 0.  Shell braces ({a,b}, ${v}, { cmd; }, awk's {print}) are not one. */
static size_t unsupported_at(const char *s)
{
	size_t i = 1;

	if (s[0] != '{')
		return 0;
	if (s[1] == '=') {
		const char *end = strstr(s + 2, "=}");

		return end ? (size_t)(end - s) + 2 : 0;
	}
	if (s[i] == '-')
		i++;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (s[i] == '}')
		return i > 1 ? i + 1 : 0;	/* {0} or {-1}; {} is fine */
	if (!strchr("./#%+=:", s[i]) || !s[i])
		return 0;
	while (s[i] && strchr("./#%+=:", s[i]))
		i++;
	return s[i] == '}' ? i + 1 : 0;
}

static int word_has_input(const char *w)
{
	struct phr r;

	for (; *w; w++)
		if (placeholder_at(w, &r) && r.kind != PH_SEQ && r.kind != PH_SLOT)
			return 1;
	return 0;
}

/* 1 when w holds any placeholder, {#} and {%} included. */
static int word_has_any(const char *w)
{
	struct phr r;

	for (; *w; w++)
		if (placeholder_at(w, &r))
			return 1;
	return 0;
}

/* 1 when w holds a positional placeholder ({1}, {2.} ...). */
static int word_has_positional(const char *w)
{
	struct phr r;

	for (; *w; w++)
		if (placeholder_at(w, &r) && r.pos)
			return 1;
	return 0;
}

int tp_template_check(char *const *argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *w;

		for (w = argv[i]; *w; w++) {
			struct phr r;
			size_t n;

			if (placeholder_at(w, &r)) {
				w = strchr(w, '}');
				continue;
			}
			if (w > argv[i] && w[-1] == '$')
				continue;	/* ${0}: the shell's */
			if ((n = unsupported_at(w)))
				return tp_usage_error("run: placeholder '%.*s' is not supported; use {} {.} "
						      "{/} {//} {/.} {#} {%%} or {N} {N.} {N/} {N//} {N/.}",
						      (int)n, w);
		}
	}
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
		if (word_has_positional(argv[i]))
			t->has_positional = 1;
		if (word_has_any(argv[i]))
			t->has_any = 1;
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

/* The replacement of one placeholder kind for in[0..len). */
static void add_replacement_n(struct tp_strbuf *buf, enum ph kind, const char *in, size_t len,
			      uint64_t seq, int slot)
{
	size_t tl;
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
		/* As parallel (everything after the last slash): "dir/" and "/" give "". */
		const char *b;

		sl = last_slash(in, len);
		b = sl ? sl + 1 : in;
		tl = len - (size_t)(b - in);
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
	case PH_SLOT:
		tp_strbuf_addf(buf, "%d", slot);
		break;
	}
}

static void add_replacement(struct tp_strbuf *buf, enum ph kind, const char *in, uint64_t seq)
{
	add_replacement_n(buf, kind, in, strlen(in), seq, 1);
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

/* One task's arguments: the inputs, each split into its fields when the
 * template has several sources or a column separator. */
struct args {
	const char *const *inputs;
	int n;
	int fields;
	const char **f;		/* flat list of every field of every input */
	size_t *flen;
	size_t nf, falloc;
	/* The common case (a few fields) without an allocation per task. */
	const char *f_small[8];
	size_t flen_small[8];
	uint64_t seq;
	int slot;
};

static void args_split(struct args *a)
{
	int j;

	a->nf = 0;
	for (j = 0; j < a->n; j++) {
		const char *s = a->inputs[j], *e;

		for (;;) {
			e = a->fields ? strchr(s, TP_INPUT_FS) : NULL;
			if (a->nf == a->falloc) {
				size_t na = a->falloc * 2;
				const char **nf = tp_xmalloc(na * sizeof(*nf));
				size_t *nl = tp_xmalloc(na * sizeof(*nl));

				memcpy(nf, a->f, a->nf * sizeof(*nf));
				memcpy(nl, a->flen, a->nf * sizeof(*nl));
				if (a->f != a->f_small) {
					free(a->f);
					free(a->flen);
				}
				a->f = nf;
				a->flen = nl;
				a->falloc = na;
			}
			a->f[a->nf] = s;
			a->flen[a->nf++] = e ? (size_t)(e - s) : strlen(s);
			if (!e)
				break;
			s = e + 1;
		}
	}
}

/* Fields [from, to) of the flat list, for input j (-1: all inputs). */
static void input_fields(const struct args *a, int j, size_t *from, size_t *to)
{
	size_t k = 0;
	int i;

	if (j < 0) {
		*from = 0;
		*to = a->nf;
		return;
	}
	for (i = 0; i < j; i++) {
		const char *s = a->inputs[i];

		k++;
		if (a->fields)
			for (; *s; s++)
				k += *s == TP_INPUT_FS;
	}
	*from = k;
	k++;
	if (a->fields)
		for (const char *s = a->inputs[j]; *s; s++)
			k += *s == TP_INPUT_FS;
	*to = k;
}

/* One field or a run of fields (joined by spaces, each quoted in shell
 * mode) with kind applied to each. */
static void add_fields(struct tp_strbuf *buf, enum ph kind, const struct args *a, size_t from,
		       size_t to, int shell, struct tp_strbuf *tmp)
{
	size_t k;

	for (k = from; k < to; k++) {
		if (k > from)
			tp_strbuf_addch(buf, ' ');
		if (shell) {
			tp_strbuf_reset(tmp);
			add_replacement_n(tmp, kind, a->f[k], a->flen[k], a->seq, a->slot);
			tp_shell_quote(buf, tmp->buf);
		} else {
			add_replacement_n(buf, kind, a->f[k], a->flen[k], a->seq, a->slot);
		}
	}
}

/* Appends word w expanded for input j (-1: all; in shell mode replacements are quoted). */
static void expand_word(struct tp_strbuf *buf, const char *w, const struct args *a, int j,
			int shell, struct tp_strbuf *tmp)
{
	size_t from, to;

	input_fields(a, j, &from, &to);
	while (*w) {
		struct phr r;
		size_t n = placeholder_at(w, &r);

		if (!n) {
			tp_strbuf_addch(buf, *w++);
			continue;
		}
		if (r.kind == PH_SEQ || r.kind == PH_SLOT)
			add_replacement_n(buf, r.kind, "", 0, a->seq, a->slot);
		else if (r.pos)	/* past the last field: empty, as in parallel */
			add_fields(buf, r.kind, a, (size_t)r.pos - 1,
				   (size_t)r.pos <= a->nf ? (size_t)r.pos : (size_t)r.pos - 1, shell, tmp);
		else
			add_fields(buf, r.kind, a, from, to, shell, tmp);
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
	return tp_template_expand_slot(t, inputs, n, seq, 1, buf, argv, argv_alloc);
}

int tp_template_expand_slot(const struct tp_template *t, const char *const *inputs, int n,
			    uint64_t seq, int slot, struct tp_strbuf *buf, char ***argv,
			    size_t *argv_alloc)
{
	struct tp_strbuf tmp = TP_STRBUF_INIT;
	struct args a = { .inputs = inputs, .n = n, .fields = t->fields, .seq = seq, .slot = slot };
	size_t k = 0, i, start, f;
	int w, j;

	a.f = a.f_small;
	a.flen = a.flen_small;
	a.falloc = sizeof(a.f_small) / sizeof(a.f_small[0]);
	args_split(&a);
	tp_strbuf_reset(buf);
	if (t->shell) {
		tp_strbuf_adds(buf, t->shell_path ? t->shell_path : "/bin/sh");
		end_word(buf, argv, argv_alloc, &k);
		tp_strbuf_adds(buf, "-c");
		end_word(buf, argv, argv_alloc, &k);
	}
	for (w = 0; w < t->argc; w++) {
		/* With several inputs a word with {} is repeated per input (-X);
		 * positions index the inputs' fields instead (-n 2: {1} {2}). */
		int rep = word_has_input(t->argv[w]) && !t->has_positional && !t->join ? n : 1;

		for (j = 0; j < rep; j++) {
			if (!t->shell && !strcmp(t->argv[w], "{}") && a.nf > 1) {
				/* "{}" of several fields or inputs: a word each, as
				 * parallel's shell splits them. */
				size_t from, to;

				input_fields(&a, rep == 1 ? -1 : j, &from, &to);
				for (f = from; f < to; f++) {
					tp_strbuf_add(buf, a.f[f], a.flen[f]);
					end_word(buf, argv, argv_alloc, &k);
				}
				continue;
			}
			expand_word(buf, t->argv[w], &a, rep == 1 && n > 1 ? -1 : j, t->shell, &tmp);
			if (!t->shell)
				end_word(buf, argv, argv_alloc, &k);
			else if (j + 1 < rep || w + 1 < t->argc)
				tp_strbuf_addch(buf, ' ');
		}
	}
	if (!t->has_any) {	/* as parallel: {#} or {%} alone appends nothing */
		for (f = 0; f < a.nf; f++) {
			if (t->shell) {
				tp_strbuf_addch(buf, ' ');
				tp_strbuf_reset(&tmp);
				tp_strbuf_add(&tmp, a.f[f], a.flen[f]);
				tp_shell_quote(buf, tmp.buf);
			} else {
				tp_strbuf_add(buf, a.f[f], a.flen[f]);
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
	if (a.f != a.f_small) {
		free(a.f);
		free(a.flen);
	}
	return (int)k;
}

const char *tp_shell_path(void)
{
	const char *s = getenv("PARALLEL_SHELL");

	if (!s || !*s)
		s = getenv("SHELL");
	return s && *s ? s : "/bin/sh";
}

char *tp_path_lookup(const char *cmd)
{
	const char *path = getenv("PATH");
	char *dirs, *d, *save = NULL, *found = NULL;

	if (strchr(cmd, '/') || !path)
		return NULL;
	dirs = tp_xstrdup(path);
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *cand = tp_xasprintf("%s/%s", *d ? d : ".", cmd);

		if (!access(cand, X_OK)) {
			found = cand;
			break;
		}
		free(cand);
	}
	free(dirs);
	return found;
}
