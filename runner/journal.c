/* The run journal (JSON Lines through jansson) and the resume index built from it. */
#include "runner/journal.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/strbuf.h"

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

/* Takes the journal's write lock, released when the process ends, however it
 * ends; a live holder's pid goes into the message.  The lock is one byte of
 * the file's lock space per pipeline stage (byte 0: a plain run and stage 1),
 * so the stages of one `run --then` pipeline append to one journal while any
 * other run on it is refused at its first stage. */
static int lock_journal(int fd, const char *path, int stage)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = stage > 1 ? stage - 1 : 0, .l_len = 1 };

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return tp_error("cannot lock journal '%s': %s", path, strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = stage > 1 ? stage - 1 : 0;
	fl.l_len = 1;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		return tp_usage_error("journal '%s' is in use by another run (pid %ld); wait for it "
				      "to end or give another --joblog", path, (long)fl.l_pid);
	return tp_usage_error("journal '%s' is in use by another run; wait for it to end or give "
			      "another --joblog", path);
}

int tp_journal_open(struct tp_journal *j, const char *path)
{
	return tp_journal_open_stage(j, path, 0);
}

int tp_journal_open_stage(struct tp_journal *j, const char *path, int stage)
{
	/* Never append through a symlink planted at the journal's path. */
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	struct stat st;

	j->fd = -1;
	j->path = NULL;
	if (fd < 0 && errno == ELOOP)
		return tp_error("refusing to write journal '%s': it is a symbolic link", path);
	if (fd < 0)
		return tp_error("cannot open journal '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return tp_error("cannot stat journal '%s': %s", path, strerror(errno));
	}
	/* A device or FIFO (/dev/null) is written as it is: no lock, no cut.  A
	 * later stage leaves the tail to stage 1, which may be appending. */
	if (S_ISREG(st.st_mode) && (lock_journal(fd, path, stage) < 0 ||
				    (stage <= 1 && cut_torn_tail(fd, path) < 0))) {
		close(fd);
		return -1;
	}
	j->fd = fd;
	j->regular = S_ISREG(st.st_mode);
	j->path = tp_xstrdup(path);
	return 0;
}

/* The bytes of s as hex digits, for an input that is not UTF-8. */
static char *hex_of(const char *s)
{
	size_t n = strlen(s), i;
	char *h = tp_xmalloc(2 * n + 1);

	for (i = 0; i < n; i++)
		snprintf(h + 2 * i, 3, "%02x", (unsigned char)s[i]);
	h[2 * n] = '\0';
	return h;
}

/* s with each byte that is not part of valid UTF-8 replaced by U+FFFD. */
static char *utf8_lossy(const char *s)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		size_t n = *u < 0x80 ? 1 : *u >= 0xc2 && *u < 0xe0 ? 2 : *u >= 0xe0 && *u < 0xf0 ? 3
			 : *u >= 0xf0 && *u <= 0xf4 ? 4 : 0, i;
		json_t *probe;

		for (i = 1; i < n; i++)
			if ((u[i] & 0xc0) != 0x80)
				n = 0;
		/* jansson's own check settles overlongs and surrogates. */
		probe = n > 1 ? json_stringn((const char *)u, n) : NULL;
		if (n == 1 || probe) {
			tp_strbuf_add(&sb, (const char *)u, n);
			u += n;
		} else {
			tp_strbuf_adds(&sb, "\xef\xbf\xbd");
			u++;
		}
		json_decref(probe);
	}
	return tp_strbuf_detach(&sb);
}

int tp_journal_append(struct tp_journal *j, const struct tp_journal_record *r)
{
	char hex[TP_JOURNAL_HASH_HEX];
	const char *status = r->ok ? "ok" : r->timed_out ? "timeout" : "failed";
	const char *input = r->input ? r->input : "";
	json_t *o = json_pack("{s:I, s:s, s:s, s:f, s:f, s:s, s:i, s:i, s:i}",
			      "seq", (json_int_t)r->seq,
			      "input", input,
			      "hash", tp_journal_hash_hex(r->hash, hex),
			      "start", r->start,
			      "duration", r->duration_s,
			      "status", status,
			      "exit", r->exit_status,
			      "signal", r->term_signal,
			      "attempt", r->attempt);
	char *line;
	size_t len;
	off_t end = -1;
	ssize_t w;
	int ret = 0;

	if (!o) {
		/* Not UTF-8: "input" shows it readably (U+FFFD for each stray byte)
		 * and "input_hex" keeps every byte. */
		char *lossy = utf8_lossy(input), *bytes = hex_of(input);

		o = json_pack("{s:I, s:s, s:s, s:s, s:f, s:f, s:s, s:i, s:i, s:i}",
			      "seq", (json_int_t)r->seq, "input", lossy, "input_hex", bytes,
			      "hash", tp_journal_hash_hex(r->hash, hex), "start", r->start,
			      "duration", r->duration_s, "status", status,
			      "exit", r->exit_status, "signal", r->term_signal,
			      "attempt", r->attempt);
		free(lossy);
		free(bytes);
	}
	if (o && r->stage > 0)
		json_object_set_new(o, "stage", json_integer(r->stage));
	if (o && r->answer) {
		json_t *a = json_stringn(r->answer, r->answer_len);

		if (a)	/* not UTF-8: no answer kept; resume runs the task again */
			json_object_set_new(o, "answer", a);
	}
	if (o && r->error && *r->error) {
		json_t *e = json_string(r->error);

		json_object_set_new(o, "error", e ? e : json_string("(not utf-8)"));
	}
	line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!line)
		return tp_error("cannot encode a journal record for input %" PRIu64, r->seq);
	len = strlen(line);
	line = realloc(line, len + 2);
	if (!line)
		return tp_error("cannot encode a journal record for input %" PRIu64, r->seq);
	line[len++] = '\n';
	/* One write of the whole line: O_APPEND places it after every other
	 * record, and a line cut short (disk full) is taken back. */
	if (j->regular)
		end = lseek(j->fd, 0, SEEK_END);
	do
		w = write(j->fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)len) {
		/* A short write: the rest fails with the reason (ENOSPC, EFBIG). */
		int e = w < 0 ? errno : tp_write_all(j->fd, line + w, len - (size_t)w) ? errno : 0;

		if (w > 0 && end >= 0 && ftruncate(j->fd, end) < 0)
			tp_warn("cannot take back a cut record of journal '%s': %s", j->path,
				strerror(errno));
		ret = tp_error("cannot write journal '%s': %s", j->path, strerror(e ? e : EIO));
	}
	free(line);
	return ret;
}

int tp_journal_close(struct tp_journal *j)
{
	int ret = 0;

	if (j->fd >= 0 && close(j->fd) < 0)
		ret = tp_error("cannot write journal '%s': %s", j->path, strerror(errno));
	j->fd = -1;
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
	size_t i;

	for (i = 0; i < idx->cap; i++)
		free(idx->slots[i].answer);
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

/* A task's identity: command+input and which input line it was, so that
 * repeated lines are distinct tasks. */
static uint64_t task_key(uint64_t hash, uint64_t seq)
{
	uint64_t k = hash ^ (seq + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2));

	k = (k ^ (k >> 31)) * 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 29;
	return k ? k : 1;
}

uint64_t tp_journal_stage_seq(int stage, uint64_t seq)
{
	return stage >= 2 ? (1ULL << 63) | (uint64_t)stage : seq;
}

void tp_journal_index_add(struct tp_journal_index *idx, uint64_t hash, uint64_t seq, int ok)
{
	tp_journal_index_add_answer(idx, hash, seq, ok, NULL, 0);
}

void tp_journal_index_add_answer(struct tp_journal_index *idx, uint64_t hash, uint64_t seq, int ok,
				 const char *answer, size_t len)
{
	struct tp_journal_slot *s;

	hash = task_key(hash, seq);
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
	if (answer && ok) {
		free(s->answer);
		s->answer = tp_xmalloc(len + 1);
		memcpy(s->answer, answer, len);
		s->answer[len] = '\0';
		s->answer_len = len;
	}
}

int tp_journal_index_take(struct tp_journal_index *idx, uint64_t hash, uint64_t seq,
			  enum tp_resume_mode mode)
{
	return tp_journal_index_take_answer(idx, hash, seq, mode, NULL, NULL);
}

int tp_journal_index_take_answer(struct tp_journal_index *idx, uint64_t hash, uint64_t seq,
				 enum tp_resume_mode mode, const char **answer, size_t *len)
{
	struct tp_journal_slot *s;

	if (mode == TP_RESUME_NONE || !idx->cap)
		return 0;
	s = find_slot(idx, task_key(hash, seq));
	if (!s->hash)
		return 0;
	if (answer) {
		/* Only a finished task whose answer was kept can be fed on. */
		if (!s->done || !s->answer)
			return 0;
		s->done--;
		*answer = s->answer;
		*len = s->answer_len;
		return 1;
	}
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
static int parse_record(const char *line, uint64_t *hash, uint64_t *seq, int *ok,
			const char **why, char **answer, size_t *answer_len)
{
	json_t *jstage, *jans;
	json_t *jseq;
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
	/* Records written before seq was part of the identity may lack it. */
	jseq = json_object_get(o, "seq");
	*why = "\"seq\" is not a positive integer";
	if (jseq && (!json_is_integer(jseq) || json_integer_value(jseq) < 0))
		goto out;
	*seq = jseq ? (uint64_t)json_integer_value(jseq) : 0;
	jstage = json_object_get(o, "stage");
	*why = "\"stage\" is not a positive integer";
	if (jstage && (!json_is_integer(jstage) || json_integer_value(jstage) < 1 ||
		       json_integer_value(jstage) > 1000000))
		goto out;
	if (jstage)
		*seq = tp_journal_stage_seq((int)json_integer_value(jstage), *seq);
	jans = json_object_get(o, "answer");
	*why = "\"answer\" is not a string";
	if (jans && !json_is_string(jans))
		goto out;
	if (jans) {
		*answer_len = json_string_length(jans);
		*answer = tp_xmalloc(*answer_len + 1);
		memcpy(*answer, json_string_value(jans), *answer_len + 1);
	}
	*ok = !strcmp(status, "ok");
	ret = 0;
out:
	json_decref(o);
	return ret;
}

static uint64_t journal_max(void)
{
	const char *env = getenv("TUNEPOOL_JOURNAL_MAX");
	double v;

	if (env && *env && !tp_parse_size(env, &v) && v >= 1)
		return (uint64_t)v;
	return TP_JOURNAL_MAX_DEFAULT;
}

int tp_journal_index_load(struct tp_journal_index *idx, const char *path)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	FILE *f = NULL;
	char *line = NULL;
	size_t alloc = 0;
	ssize_t n;
	long lineno = 0;
	uint64_t max = journal_max(), total = 0;
	struct stat st;
	int ret = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return tp_error("cannot open journal '%s': %s", path, strerror(errno));
	}
	/* A device or FIFO has no records to resume from, and /dev/zero never ends. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tp_usage_error("cannot resume from journal '%s': not a regular file", path);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return tp_error("cannot open journal '%s': %s", path, strerror(errno));
	}
	if ((uint64_t)st.st_size > max) {
		fclose(f);
		return tp_usage_error("cannot resume from journal '%s': %lld bytes is over the limit of "
				      "%llu (TUNEPOOL_JOURNAL_MAX raises it)", path,
				      (long long)st.st_size, (unsigned long long)max);
	}
	while ((n = getline(&line, &alloc, f)) > 0) {
		int complete = line[n - 1] == '\n';
		const char *why;
		uint64_t hash, seq;
		int ok;
		char *answer = NULL;
		size_t answer_len = 0;

		lineno++;
		total += (uint64_t)n;
		if (total > max) {
			/* The file grew while being read. */
			ret = tp_usage_error("cannot resume from journal '%s': over the limit of %llu "
					     "bytes (TUNEPOOL_JOURNAL_MAX raises it)", path,
					     (unsigned long long)max);
			break;
		}
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
		if (strlen(line) != (size_t)n) {
			ret = tp_usage_error("bad journal '%s': line %ld: holds a NUL byte", path, lineno);
			break;
		}
		if (parse_record(line, &hash, &seq, &ok, &why, &answer, &answer_len) < 0) {
			free(answer);
			ret = tp_usage_error("bad journal '%s': line %ld: %s", path, lineno, why);
			break;
		}
		tp_journal_index_add_answer(idx, hash, seq, ok, answer, answer_len);
		free(answer);
		idx->records++;
	}
	if (!ret && ferror(f))
		ret = tp_error("cannot read journal '%s': %s", path, strerror(errno));
	free(line);
	fclose(f);
	return ret;
}
