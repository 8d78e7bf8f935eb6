/* The run journal (JSON Lines through jansson) and the resume index built from it. */
#include "runner/journal.h"
#include "core/alloc.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t tp_journal_hash(const char *command, const char *input)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)(command ? command : ""); *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h = (h ^ 0) * 0x100000001b3ULL;
	for (p = (const unsigned char *)(input ? input : ""); *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	/* 0 marks an empty slot in the index. */
	return h ? h : 1;
}

const char *tp_journal_hash_hex(uint64_t h, char *buf)
{
	snprintf(buf, TP_JOURNAL_HASH_HEX, "%016" PRIx64, h);
	return buf;
}

/* Cuts a torn tail (bytes after the last newline) so appends stay line-aligned. */
static int cut_torn_tail(int fd, const char *path)
{
	struct stat st;
	char buf[4096];
	off_t end, pos;

	if (fstat(fd, &st) < 0)
		return tp_error("cannot stat journal '%s': %s", path, strerror(errno));
	end = st.st_size;
	pos = end;
	while (pos > 0) {
		off_t from = pos > (off_t)sizeof(buf) ? pos - (off_t)sizeof(buf) : 0;
		ssize_t n = pread(fd, buf, (size_t)(pos - from), from);

		if (n <= 0)
			return tp_error("cannot read journal '%s': %s", path,
					n < 0 ? strerror(errno) : "short read");
		while (n > 0) {
			if (buf[n - 1] == '\n') {
				off_t keep = from + n;

				if (keep != end && ftruncate(fd, keep) < 0)
					return tp_error("cannot cut the torn last line of journal '%s': %s",
							path, strerror(errno));
				return 0;
			}
			n--;
		}
		pos = from;
	}
	if (end > 0 && ftruncate(fd, 0) < 0)
		return tp_error("cannot cut the torn last line of journal '%s': %s", path,
				strerror(errno));
	return 0;
}

int tp_journal_open(struct tp_journal *j, const char *path)
{
	/* Never append through a symlink planted at the journal's path. */
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);

	j->f = NULL;
	j->path = NULL;
	if (fd < 0 && errno == ELOOP)
		return tp_error("refusing to write journal '%s': it is a symbolic link", path);
	if (fd < 0)
		return tp_error("cannot open journal '%s': %s", path, strerror(errno));
	if (cut_torn_tail(fd, path) < 0) {
		close(fd);
		return -1;
	}
	j->f = fdopen(fd, "a");
	if (!j->f) {
		close(fd);
		return tp_error("cannot open journal '%s': %s", path, strerror(errno));
	}
	j->path = tp_xstrdup(path);
	return 0;
}

int tp_journal_append(struct tp_journal *j, const struct tp_journal_record *r)
{
	char hex[TP_JOURNAL_HASH_HEX];
	const char *status = r->ok ? "ok" : r->timed_out ? "timeout" : "failed";
	json_t *o = json_pack("{s:I, s:s, s:s, s:f, s:f, s:s, s:i, s:i, s:i}",
			      "seq", (json_int_t)r->seq,
			      "input", r->input ? r->input : "",
			      "hash", tp_journal_hash_hex(r->hash, hex),
			      "start", r->start,
			      "duration", r->duration_s,
			      "status", status,
			      "exit", r->exit_status,
			      "signal", r->term_signal,
			      "attempt", r->attempt);
	char *line;
	int ret = 0;

	if (!o) /* invalid UTF-8 input: keep the record, input escaped as bytes */
		o = json_pack("{s:I, s:s, s:s, s:f, s:f, s:s, s:i, s:i, s:i}",
			      "seq", (json_int_t)r->seq, "input", "(not utf-8)",
			      "hash", tp_journal_hash_hex(r->hash, hex), "start", r->start,
			      "duration", r->duration_s, "status", status,
			      "exit", r->exit_status, "signal", r->term_signal,
			      "attempt", r->attempt);
	if (o && r->stage > 0)
		json_object_set_new(o, "stage", json_integer(r->stage));
	if (o && r->error && *r->error) {
		json_t *e = json_string(r->error);

		json_object_set_new(o, "error", e ? e : json_string("(not utf-8)"));
	}
	line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!line)
		return tp_error("cannot encode a journal record for input %" PRIu64, r->seq);
	if (fputs(line, j->f) == EOF || fputc('\n', j->f) == EOF || fflush(j->f) == EOF)
		ret = tp_error("cannot write journal '%s': %s", j->path, strerror(errno));
	free(line);
	return ret;
}

int tp_journal_close(struct tp_journal *j)
{
	int ret = 0;

	if (j->f && fclose(j->f) == EOF)
		ret = tp_error("cannot write journal '%s': %s", j->path, strerror(errno));
	j->f = NULL;
	free(j->path);
	j->path = NULL;
	return ret;
}

void tp_journal_index_init(struct tp_journal_index *idx)
{
	memset(idx, 0, sizeof(*idx));
}

void tp_journal_index_release(struct tp_journal_index *idx)
{
	free(idx->slots);
	tp_journal_index_init(idx);
}

static struct tp_journal_slot *find_slot(struct tp_journal_index *idx, uint64_t hash)
{
	size_t i = (size_t)(hash * 0x9e3779b97f4a7c15ULL) & (idx->cap - 1);

	while (idx->slots[i].hash && idx->slots[i].hash != hash)
		i = (i + 1) & (idx->cap - 1);
	return &idx->slots[i];
}

void tp_journal_index_add(struct tp_journal_index *idx, uint64_t hash, int ok)
{
	struct tp_journal_slot *s;

	if (!hash)
		hash = 1;
	if ((idx->used + 1) * 2 > idx->cap) {
		struct tp_journal_index old = *idx;
		size_t i;

		idx->cap = old.cap ? old.cap * 2 : 256;
		idx->slots = tp_xcalloc(idx->cap, sizeof(*idx->slots));
		for (i = 0; i < old.cap; i++)
			if (old.slots[i].hash)
				*find_slot(idx, old.slots[i].hash) = old.slots[i];
		free(old.slots);
	}
	s = find_slot(idx, hash);
	if (!s->hash) {
		s->hash = hash;
		idx->used++;
	}
	if (ok)
		s->done++;
	else
		s->failed++;
}

int tp_journal_index_take(struct tp_journal_index *idx, uint64_t hash, enum tp_resume_mode mode)
{
	struct tp_journal_slot *s;

	if (mode == TP_RESUME_NONE || !idx->cap)
		return 0;
	s = find_slot(idx, hash ? hash : 1);
	if (!s->hash)
		return 0;
	if (s->done) {
		s->done--;
		return 1;
	}
	if (mode == TP_RESUME_ALL && s->failed) {
		s->failed--;
		return 1;
	}
	return 0;
}

/* Parses one record's hash and status; -1 with *why set when malformed. */
static int parse_record(const char *line, uint64_t *hash, int *ok, const char **why)
{
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);
	const char *hex = NULL, *status = NULL;
	char *end;
	int ret = -1;

	*why = "not a JSON object";
	if (!o || !json_is_object(o))
		goto out;
	hex = json_string_value(json_object_get(o, "hash"));
	status = json_string_value(json_object_get(o, "status"));
	*why = "no \"hash\" string";
	if (!hex)
		goto out;
	*why = "no \"status\" string";
	if (!status)
		goto out;
	/* Exactly 16 hex digits: strtoull alone takes a leading space, a sign
	 * or a 0x prefix. */
	*why = "\"hash\" is not 16 hex digits";
	if (strspn(hex, "0123456789abcdefABCDEF") != 16 || hex[16])
		goto out;
	errno = 0;
	*hash = strtoull(hex, &end, 16);
	if (errno || *end)
		goto out;
	*ok = !strcmp(status, "ok");
	ret = 0;
out:
	json_decref(o);
	return ret;
}

int tp_journal_index_load(struct tp_journal_index *idx, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t alloc = 0;
	ssize_t n;
	long lineno = 0;
	int ret = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		return tp_error("cannot open journal '%s': %s", path, strerror(errno));
	}
	while ((n = getline(&line, &alloc, f)) > 0) {
		int complete = line[n - 1] == '\n';
		const char *why;
		uint64_t hash;
		int ok;

		lineno++;
		if (complete)
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (!complete) {
			/* A run killed mid-write leaves a torn last line: it never finished,
			 * even when it happens to parse, and tp_journal_open() cuts it. */
			idx->torn = 1;
			break;
		}
		if (parse_record(line, &hash, &ok, &why) < 0) {
			ret = tp_usage_error("bad journal '%s': line %ld: %s", path, lineno, why);
			break;
		}
		tp_journal_index_add(idx, hash, ok);
		idx->records++;
	}
	if (!ret && ferror(f))
		ret = tp_error("cannot read journal '%s': %s", path, strerror(errno));
	free(line);
	fclose(f);
	return ret;
}
