/* Input sources: ::: ARGS, --inputs FILE (streamed in fixed memory, or held
 * for rewinding), standard input and --count N. */
#include "runner/inputs.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 65536

enum src_kind { SRC_LIST, SRC_FILE, SRC_COUNT, SRC_COMBO };

struct tp_inputs {
	enum src_kind kind;
	/* SRC_LIST (also a held file): lines[0..n). */
	struct held { char *s; size_t len; } *lines;
	size_t n, alloc, pos;
	/* SRC_FILE, streamed. */
	char *path;
	int fd, own_fd, at_eof;
	char *buf;		/* READ_CHUNK bytes; [bstart, bend) unread */
	size_t bstart, bend;
	char *line;		/* the current line when it spans reads */
	size_t line_alloc;
	long long lineno;
	int failed;
	/* SRC_COUNT: the decimal text of the next number, incremented in place. */
	long long count, next;
	char num[24];
	size_t numlen;
	char sep;		/* ends a line: '\n', or '\0' with -0 */
	/* --colsep: the separator (a literal, or a regex when it has regex
	 * syntax) and the line rewritten with TP_INPUT_FS. */
	char *colsep;
	int colsep_re;
	regex_t colre;
	struct tp_strbuf colbuf;
	/* SRC_COMBO: groups of linked sources, every combination of them. */
	struct group { struct tp_inputs **src; int n; size_t len; } *groups;
	int ngroups;
	size_t *idx;		/* the next combination, per group */
	int combo_done;
	struct tp_strbuf combo;
	/* Async (a pipe or terminal): a reader thread queues lines, so waiting
	 * for a slow producer never holds up whoever consumes them. */
	struct async *as;
};

#define ASYNC_QUEUE_MAX 4096

struct qline {
	struct qline *next;
	size_t len;
	char s[];
};

struct async {
	int stop_pipe[2];	/* written once by async_free: the reader ends */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t room;
	struct qline *head, *tail, *cur;
	size_t n;
	int done;		/* 1 at the end, -1 after an error */
	int stop;
	void (*notify)(void *);
	void *ctx;
};

static size_t held_lines_max = TP_INPUTS_HELD_LINES_MAX;
static size_t held_bytes_max = TP_INPUTS_HELD_BYTES_MAX;

void tp_inputs_set_held_limits(size_t lines, size_t bytes)
{
	held_lines_max = lines ? lines : TP_INPUTS_HELD_LINES_MAX;
	held_bytes_max = bytes ? bytes : TP_INPUTS_HELD_BYTES_MAX;
}

static struct tp_inputs *inputs_alloc(enum src_kind kind)
{
	struct tp_inputs *in = tp_xcalloc(1, sizeof(*in));

	in->kind = kind;
	in->fd = -1;
	in->sep = '\n';
	tp_strbuf_init(&in->colbuf);
	tp_strbuf_init(&in->combo);
	return in;
}

static void list_add(struct tp_inputs *in, const char *s, size_t len)
{
	tp_grow((void **)&in->lines, &in->alloc, in->n + 1, sizeof(*in->lines));
	/* Not strndup: a line may hold NUL bytes, and len must match the copy. */
	in->lines[in->n].s = tp_xmalloc(len + 1);
	memcpy(in->lines[in->n].s, s, len);
	in->lines[in->n].s[len] = '\0';
	in->lines[in->n].len = len;
	in->n++;
}

int tp_inputs_from_args(struct tp_inputs **out, char *const *args, int n)
{
	return tp_inputs_from_list(out, args, n < 0 ? 0 : (size_t)n);
}

int tp_inputs_from_list(struct tp_inputs **out, char *const *lines, size_t n)
{
	struct tp_inputs *in = inputs_alloc(SRC_LIST);
	size_t i;

	for (i = 0; i < n; i++)
		list_add(in, lines[i], strlen(lines[i]));
	*out = in;
	return 0;
}

int tp_inputs_from_count(struct tp_inputs **out, long long n)
{
	struct tp_inputs *in;

	if (n < 0)
		return tp_usage_error("input count '%lld' is negative", n);
	in = inputs_alloc(SRC_COUNT);
	in->count = n;
	tp_inputs_rewind(in);
	*out = in;
	return 0;
}

/* Until fd is readable (0) or the reader is told to stop (1). */
static int async_wait(struct async *a, int fd)
{
	struct pollfd pf[2] = { { .fd = fd, .events = POLLIN }, { .fd = a->stop_pipe[0], .events = POLLIN } };

	while (poll(pf, 2, -1) < 0)
		if (errno != EINTR)
			return 0;	/* let read() report it */
	return pf[1].revents != 0;
}

/* Streamed reader: the next line of the file, or 0 at the end, -1 on error. */
static int file_next(struct tp_inputs *in, const char **line, size_t *len)
{
	size_t have = 0;	/* bytes of a partial line in in->line */

	if (in->failed)
		return -1;
	for (;;) {
		char *start = in->buf + in->bstart;
		size_t avail = in->bend - in->bstart;
		char *nl = avail ? memchr(start, in->sep, avail) : NULL;
		size_t take = nl ? (size_t)(nl - start) : avail;
		ssize_t got;

		if (have + take > TP_INPUT_LINE_MAX) {
			in->failed = 1;
			return tp_usage_error("cannot read '%s': line %lld is longer than %d bytes",
					      in->path, in->lineno + 1, TP_INPUT_LINE_MAX);
		}
		if (nl && !have) {
			/* The common case: the whole line is in the buffer. */
			*nl = '\0';
			*line = start;
			*len = take;
			in->bstart += take + 1;
			in->lineno++;
			return 1;
		}
		if (take) {
			if (have + take + 1 > in->line_alloc)
				tp_grow((void **)&in->line, &in->line_alloc, have + take + 1, 1);
			memcpy(in->line + have, start, take);
			have += take;
		}
		if (nl) {
			in->bstart += take + 1;
			goto whole;
		}
		in->bstart = in->bend = 0;
		if (in->at_eof)
			break;
		do {
			/* The reader thread waits for the data or for its stop. */
			if (in->as && async_wait(in->as, in->fd)) {
				got = 0;
				break;
			}
			got = read(in->fd, in->buf, READ_CHUNK);
		} while (got < 0 && errno == EINTR);
		if (got < 0) {
			in->failed = 1;
			return tp_error("cannot read '%s': line %lld: %s", in->path, in->lineno + 1,
					strerror(errno));
		}
		if (got == 0)
			in->at_eof = 1;
		in->bend = (size_t)got;
	}
	if (!have)
		return 0;
whole:
	if (!in->line_alloc)
		tp_grow((void **)&in->line, &in->line_alloc, 1, 1);
	in->line[have] = '\0';
	*line = in->line;
	*len = have;
	in->lineno++;
	return 1;
}

int tp_inputs_from_file(struct tp_inputs **out, const char *path, int rewindable)
{
	return tp_inputs_from_file_sep(out, path, rewindable, '\n');
}

int tp_inputs_from_file_sep(struct tp_inputs **out, const char *path, int rewindable, char sep)
{
	struct tp_inputs *in = inputs_alloc(SRC_FILE);
	int is_stdin = !strcmp(path, "-");

	in->path = tp_xstrdup(is_stdin ? "<stdin>" : path);
	if (is_stdin) {
		in->fd = STDIN_FILENO;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			int e = errno;

			tp_inputs_free(in);
			if (e == ENOENT || e == EACCES || e == EISDIR)
				return tp_usage_error("cannot open inputs '%s': %s", path, strerror(e));
			return tp_error("cannot open inputs '%s': %s", path, strerror(e));
		}
		in->own_fd = 1;
	}
	in->sep = sep;
	in->buf = tp_xmalloc(READ_CHUNK);
	if (rewindable) {
		/* Held in memory: read everything now so repeats can rewind. */
		const char *l;
		size_t len, bytes = 0;
		int rc;

		while ((rc = file_next(in, &l, &len)) == 1) {
			if (in->n >= held_lines_max) {
				rc = tp_usage_error("cannot hold the inputs of '%s' in memory: line %lld "
						    "is past the limit of %zu lines held for repeats; use fewer inputs",
						    in->path, in->lineno, held_lines_max);
				break;
			}
			if (len > held_bytes_max - bytes) {
				rc = tp_usage_error("cannot hold the inputs of '%s' in memory: line %lld "
						    "is past the limit of %zu bytes held for repeats; use fewer inputs",
						    in->path, in->lineno, held_bytes_max);
				break;
			}
			bytes += len;
			list_add(in, l, len);
		}
		if (rc < 0) {
			tp_inputs_free(in);
			return -1;
		}
		in->kind = SRC_LIST;
		free(in->buf);
		in->buf = NULL;
		free(in->line);
		in->line = NULL;
		in->line_alloc = 0;
	}
	*out = in;
	return 0;
}

static int combo_next(struct tp_inputs *in, const char **line, size_t *len);

static int async_next(struct tp_inputs *in, const char **line, size_t *len)
{
	struct async *a = in->as;
	int rc;

	pthread_mutex_lock(&a->lock);
	free(a->cur);
	a->cur = NULL;
	if (a->head) {
		a->cur = a->head;
		a->head = a->cur->next;
		if (!a->head)
			a->tail = NULL;
		a->n--;
		pthread_cond_signal(&a->room);
		*line = a->cur->s;
		*len = a->cur->len;
		rc = 1;
	} else {
		rc = a->done > 0 ? 0 : a->done < 0 ? -1 : TP_INPUTS_AGAIN;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static void *async_main(void *arg)
{
	struct tp_inputs *in = arg;
	struct async *a = in->as;
	const char *l;
	size_t len;
	int rc;

	for (;;) {
		struct qline *q;

		rc = file_next(in, &l, &len);
		if (rc != 1)
			break;
		q = tp_xmalloc(sizeof(*q) + len + 1);
		q->next = NULL;
		q->len = len;
		memcpy(q->s, l, len);
		q->s[len] = '\0';
		pthread_mutex_lock(&a->lock);
		while (a->n >= ASYNC_QUEUE_MAX && !a->stop)
			pthread_cond_wait(&a->room, &a->lock);
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			free(q);
			return NULL;
		}
		if (a->tail)
			a->tail->next = q;
		else
			a->head = q;
		a->tail = q;
		a->n++;
		pthread_mutex_unlock(&a->lock);
		a->notify(a->ctx);
	}
	pthread_mutex_lock(&a->lock);
	a->done = rc < 0 ? -1 : 1;
	pthread_mutex_unlock(&a->lock);
	a->notify(a->ctx);
	return NULL;
}

int tp_inputs_async(struct tp_inputs *in, void (*notify)(void *ctx), void *ctx)
{
	struct stat st;
	struct async *a;

	if (in->kind != SRC_FILE || in->as || fstat(in->fd, &st) < 0 || S_ISREG(st.st_mode))
		return 0;
	a = tp_xcalloc(1, sizeof(*a));
	if (pipe2(a->stop_pipe, O_CLOEXEC) < 0) {
		free(a);
		return 0;	/* read inline then: slower to react, never wrong */
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->room, NULL);
	a->notify = notify;
	a->ctx = ctx;
	in->as = a;
	if (pthread_create(&a->thread, NULL, async_main, in)) {
		in->as = NULL;
		pthread_mutex_destroy(&a->lock);
		pthread_cond_destroy(&a->room);
		close(a->stop_pipe[0]);
		close(a->stop_pipe[1]);
		free(a);
		return 0;
	}
	return 1;
}

static void async_free(struct async *a)
{
	struct qline *q;

	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_broadcast(&a->room);
	pthread_mutex_unlock(&a->lock);
	{
		char c = 1;
		ssize_t rc = write(a->stop_pipe[1], &c, 1);	/* wakes it from poll() */

		(void)rc;
	}
	pthread_join(a->thread, NULL);
	close(a->stop_pipe[0]);
	close(a->stop_pipe[1]);
	while ((q = a->head)) {
		a->head = q->next;
		free(q);
	}
	free(a->cur);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->room);
	free(a);
}

void tp_inputs_async_stop(struct tp_inputs *in)
{
	if (in->as) {
		async_free(in->as);
		in->as = NULL;
		in->at_eof = 1;	/* what it had queued is dropped: the run is over */
	}
}

static int raw_next(struct tp_inputs *in, const char **line, size_t *len)
{
	if (in->as)
		return async_next(in, line, len);
	switch (in->kind) {
	case SRC_COMBO:
		return combo_next(in, line, len);
	case SRC_LIST:
		if (in->pos >= in->n)
			return 0;
		*line = in->lines[in->pos].s;
		*len = in->lines[in->pos].len;
		in->pos++;
		return 1;
	case SRC_FILE:
		return file_next(in, line, len);
	case SRC_COUNT: {
		int i;

		if (in->next > in->count)
			return 0;
		if (in->next > 1) {
			/* Increment the decimal text in place: no formatting per input. */
			for (i = (int)in->numlen - 1; i >= 0 && in->num[i] == '9'; i--)
				in->num[i] = '0';
			if (i >= 0) {
				in->num[i]++;
			} else {
				memmove(in->num + 1, in->num, in->numlen + 1);
				in->num[0] = '1';
				in->numlen++;
			}
		}
		in->next++;
		*line = in->num;
		*len = in->numlen;
		return 1;
	}
	}
	return 0;
}

int tp_inputs_next(struct tp_inputs *in, const char **line, size_t *len)
{
	int rc = raw_next(in, line, len);
	size_t cl, i;

	if (rc != 1 || !in->colsep)
		return rc;	/* 1, 0, -1 or TP_INPUTS_AGAIN */
	/* --colsep: the columns become fields. */
	cl = strlen(in->colsep);
	tp_strbuf_reset(&in->colbuf);
	for (i = 0; i < *len && in->colsep_re;) {
		regmatch_t m = { .rm_so = (regoff_t)i, .rm_eo = (regoff_t)*len };

		/* REG_STARTEND: the line may hold NUL bytes; a match that is
		 * empty separates nothing. */
		if (regexec(&in->colre, *line, 1, &m, REG_STARTEND | (i ? REG_NOTBOL : 0)) ||
		    m.rm_eo == m.rm_so) {
			tp_strbuf_add(&in->colbuf, *line + i, *len - i);
			i = *len;
			break;
		}
		tp_strbuf_add(&in->colbuf, *line + i, (size_t)m.rm_so - i);
		tp_strbuf_addch(&in->colbuf, TP_INPUT_FS);
		i = (size_t)m.rm_eo;
	}
	for (; i < *len;) {
		if (*len - i >= cl && !memcmp(*line + i, in->colsep, cl)) {
			tp_strbuf_addch(&in->colbuf, TP_INPUT_FS);
			i += cl;
		} else {
			tp_strbuf_addch(&in->colbuf, (*line)[i++]);
		}
	}
	*line = in->colbuf.buf;
	*len = in->colbuf.len;
	return 1;
}

/* A Perl-style separator as a POSIX extended regex (\t \s \S \d \D \w \W). */
static char *perl_to_ere(const char *s)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			tp_strbuf_addch(&sb, *s);
			continue;
		}
		switch (*++s) {
		case 't': tp_strbuf_addch(&sb, '\t'); break;
		case 's': tp_strbuf_adds(&sb, "[[:space:]]"); break;
		case 'S': tp_strbuf_adds(&sb, "[^[:space:]]"); break;
		case 'd': tp_strbuf_adds(&sb, "[0-9]"); break;
		case 'D': tp_strbuf_adds(&sb, "[^0-9]"); break;
		case 'w': tp_strbuf_adds(&sb, "[[:alnum:]_]"); break;
		case 'W': tp_strbuf_adds(&sb, "[^[:alnum:]_]"); break;
		default: tp_strbuf_addch(&sb, '\\'); tp_strbuf_addch(&sb, *s); break;
		}
	}
	return tp_strbuf_detach(&sb);
}

int tp_inputs_set_colsep(struct tp_inputs *in, const char *sep)
{
	free(in->colsep);
	if (in->colsep_re)
		regfree(&in->colre);
	in->colsep_re = 0;
	in->colsep = sep && *sep ? tp_xstrdup(sep) : NULL;
	if (in->colsep && in->colsep[strcspn(in->colsep, ".[]()*+?{}|^$\\")]) {
		char *ere = perl_to_ere(in->colsep);
		int e = regcomp(&in->colre, ere, REG_EXTENDED);

		free(ere);
		if (e) {
			char msg[128];

			regerror(e, &in->colre, msg, sizeof(msg));
			regfree(&in->colre);
			free(in->colsep);
			in->colsep = NULL;
			return tp_usage_error("run: --colsep '%s' is not a regular expression: %s", sep,
					      msg);
		}
		in->colsep_re = 1;
	}
	return 0;
}

/* ---- several sources: every combination (parallel's order), or linked ---- */

int tp_inputs_from_sources(struct tp_inputs **out, const struct tp_input_source *src, int n,
			   int link_all, char sep)
{
	struct tp_inputs *in = inputs_alloc(SRC_COMBO);
	int i, g = -1;

	in->groups = tp_xcalloc((size_t)n, sizeof(*in->groups));
	for (i = 0; i < n; i++) {
		struct tp_inputs *s;
		int rc;

		if (src[i].path) {
			rc = tp_inputs_from_file_sep(&s, src[i].path, 1, sep);
		} else {
			rc = tp_inputs_from_args(&s, src[i].args, src[i].nargs);
		}
		if (rc < 0) {
			tp_inputs_free(in);
			return -1;
		}
		if (g < 0 || !(link_all || src[i].linked))
			g++;
		in->groups[g].src = tp_xrealloc(in->groups[g].src,
						(size_t)(in->groups[g].n + 1) * sizeof(*in->groups[g].src));
		in->groups[g].src[in->groups[g].n++] = s;
	}
	in->ngroups = g + 1;
	for (g = 0; g < in->ngroups; g++) {
		struct group *gr = &in->groups[g];

		gr->len = 0;
		for (i = 0; i < gr->n; i++)	/* linked: the longest; shorter ones wrap */
			if (gr->src[i]->n > gr->len)
				gr->len = gr->src[i]->n;
	}
	in->idx = tp_xcalloc((size_t)in->ngroups + 1, sizeof(*in->idx));
	tp_inputs_rewind(in);
	*out = in;
	return 0;
}

static int combo_next(struct tp_inputs *in, const char **line, size_t *len)
{
	int g, i, first = 1;

	if (in->combo_done)
		return 0;
	tp_strbuf_reset(&in->combo);
	for (g = 0; g < in->ngroups; g++) {
		struct group *gr = &in->groups[g];

		for (i = 0; i < gr->n; i++) {
			struct tp_inputs *s = gr->src[i];
			if (!first)
				tp_strbuf_addch(&in->combo, TP_INPUT_FS);
			first = 0;
			if (s->n)
				tp_strbuf_add(&in->combo, s->lines[in->idx[g] % s->n].s,
					      s->lines[in->idx[g] % s->n].len);
		}
	}
	/* The last source varies fastest, as in parallel. */
	for (g = in->ngroups - 1; g >= 0; g--) {
		if (++in->idx[g] < in->groups[g].len)
			break;
		in->idx[g] = 0;
	}
	if (g < 0)
		in->combo_done = 1;
	*line = in->combo.buf;
	*len = in->combo.len;
	return 1;
}

long long tp_inputs_total(const struct tp_inputs *in)
{
	long long t = 1;
	int g;

	switch (in->kind) {
	case SRC_COMBO:
		for (g = 0; g < in->ngroups; g++)
			t *= (long long)in->groups[g].len;
		return t;
	case SRC_LIST:
		return (long long)in->n;
	case SRC_COUNT:
		return in->count;
	case SRC_FILE:
		break;
	}
	return -1;
}

int tp_inputs_rewind(struct tp_inputs *in)
{
	int g;

	switch (in->kind) {
	case SRC_COMBO:
		for (g = 0; g < in->ngroups; g++)
			in->idx[g] = 0;
		in->combo_done = tp_inputs_total(in) == 0;
		return 0;
	case SRC_LIST:
		in->pos = 0;
		return 0;
	case SRC_COUNT:
		in->next = 1;
		strcpy(in->num, "1");
		in->numlen = 1;
		return 0;
	case SRC_FILE:
		break;
	}
	return -1;
}

void tp_inputs_free(struct tp_inputs *in)
{
	size_t i;

	if (!in)
		return;
	if (in->as)
		async_free(in->as);
	for (i = 0; i < in->n; i++)
		free(in->lines[i].s);
	free(in->lines);
	if (in->own_fd)
		close(in->fd);
	free(in->buf);
	free(in->line);
	free(in->path);
	free(in->colsep);
	if (in->colsep_re)
		regfree(&in->colre);
	tp_strbuf_release(&in->colbuf);
	tp_strbuf_release(&in->combo);
	for (i = 0; i < (size_t)in->ngroups; i++) {
		int k;

		for (k = 0; k < in->groups[i].n; k++)
			tp_inputs_free(in->groups[i].src[k]);
		free(in->groups[i].src);
	}
	free(in->groups);
	free(in->idx);
	free(in);
}
