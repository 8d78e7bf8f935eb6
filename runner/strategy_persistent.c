/* The persistent strategy: COMMAND started once per worker slot and kept,
 * fed one record per input on its stdin and answering one record per input
 * on its stdout (framing `lines` or `json`), its stderr forwarded line by
 * line.  A worker that dies, times out or breaks the protocol fails only the
 * input it was on (the rest of its batch goes back to the queue) and is
 * restarted, with backoff when it dies before answering anything. */
#include "core/alloc.h"
#include "core/log.h"
#include "runner/child.h"
#include "runner/linefwd.h"
#include "runner/evloop.h"
#include "runner/template.h"
#include "runner/strategy.h"
#include "runner/strategy_persistent.h"
#include "workloads/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ERRHEAD_MAX 512
/* An answer line longer than this is a protocol error (a worker that never
 * ends its line must not eat the memory). */
#define ANSWER_MAX (64u << 20)
/* The first input on a worker that has not answered yet waits for its
 * start-up too: twice the longest start-up seen in this run on top of the
 * timeout, or this much before any worker was ready. */
#define INIT_ALLOWANCE_S 60.0
/* Deaths before any answer, in a row across the pool, that end the run. */
#define START_DEATHS_MAX 5
#define RESTART_BACKOFF_MAX_S 5.0

static const char *const framing_names[] = { "lines", "json" };

int tp_framing_parse(const char *s, enum tp_framing *out)
{
	size_t i;

	for (i = 0; i < sizeof(framing_names) / sizeof(framing_names[0]); i++) {
		if (!strcmp(s, framing_names[i])) {
			*out = (enum tp_framing)i;
			return 0;
		}
	}
	return tp_usage_error("unknown framing '%s'; use lines or json", s);
}

const char *tp_framing_name(enum tp_framing f)
{
	return (unsigned)f < sizeof(framing_names) / sizeof(framing_names[0]) ? framing_names[f]
									      : "?";
}

int tp_persistent_setup(const struct tp_workload *wl, const char *framing, int shell,
			struct tp_pool_opts *po)
{
	static const char *const placeholders[] = { "{}", "{.}", "{/}", "{//}", "{/.}", "{#}", NULL };
	const char *const *ph;
	int i;

	if (tp_framing_parse(framing, &po->framing) < 0)
		return -1;
	if (!(wl->desc->flags & TP_WL_COMMAND) || !wl->argc)
		return tp_usage_error("--persistent %s needs a command (-- COMMAND ARGS...), not "
				      "workload '%s'", framing, wl->desc->name);
	if (shell)
		return tp_usage_error("--persistent runs COMMAND as given, without --shell; "
				      "write sh -c '...' for a shell");
	for (i = 0; i < wl->argc; i++)
		for (ph = placeholders; *ph; ph++)
			if (strstr(wl->argv[i], *ph))
				return tp_usage_error("--persistent: '%s' holds the placeholder '%s', but "
						      "the command starts once per worker and reads "
						      "its inputs on stdin", wl->argv[i], *ph);
	snprintf(po->config.strategy, sizeof(po->config.strategy), "persistent");
	po->config.start[0] = '\0';
	return 0;
}

struct wslot {
	struct wstate *x;
	int id;
	int alive, retiring, ready;
	int broken;			/* broke the protocol: its answers are ignored */
	struct tp_child ch;
	int in_w, out_r, err_r;
	struct tp_strbuf send;		/* records not yet written */
	size_t sent;
	struct tp_strbuf recv;		/* stdout bytes not yet a whole line */
	struct tp_batch batch;		/* records in flight */
	unsigned char *answered;
	size_t answered_alloc, nanswered;
	double spawned_at, ready_at, task_start, last_answer, retired_at;
	double restart_at;		/* backoff: no start before this */
	int fast_deaths;		/* deaths in a row before answering */
	int answers;			/* answers in this life */
	int timed_out;
	double timeout_used;
	struct tp_linefwd errfwd;
	struct tp_strbuf errhead;	/* the first stderr lines since the last answer */
	long long steady_n;		/* answers after ready, every life of the slot */
	double steady_s;
};

struct wstate {
	struct tp_pool *p;
	struct wslot *s;
	int n;
	posix_spawnattr_t attr;
	char *resolved;
	int search;
	int start_deaths;		/* deaths before answering, in a row, pool-wide */
	long long answers;		/* every answer of the run */
	double max_start_s;		/* longest spawn -> ready seen */
	struct tp_evloop ev;
	sigset_t old_mask;
	char **envp;			/* environ + TUNEPOOL_FRAMING, TUNEPOOL_WORKER */
	size_t nenv;
	char env_framing[32], env_worker[32];
};

extern char **environ;

/* The workers' environment: the process's, with TUNEPOOL_FRAMING (so a
 * worker library speaks the right framing) and TUNEPOOL_WORKER (the slot). */
static void env_init(struct wstate *x)
{
	size_t n = 0, k = 0, i;

	while (environ[n])
		n++;
	x->envp = tp_xcalloc(n + 3, sizeof(*x->envp));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "TUNEPOOL_FRAMING=", 17) &&
		    strncmp(environ[i], "TUNEPOOL_WORKER=", 16))
			x->envp[k++] = environ[i];
	snprintf(x->env_framing, sizeof(x->env_framing), "TUNEPOOL_FRAMING=%s",
		 tp_framing_name(x->p->o.framing));
	x->envp[k++] = x->env_framing;
	x->envp[k] = x->env_worker;	/* filled per start */
	x->nenv = k;
}

enum { PK_OUT, PK_ERR, PK_IN };

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void on_err_line(void *ctx, const char *line)
{
	struct wslot *s = ctx;

	if (s->errhead.len < ERRHEAD_MAX) {
		if (s->errhead.len)
			tp_strbuf_adds(&s->errhead, " | ");
		tp_strbuf_add(&s->errhead, line, strnlen(line, ERRHEAD_MAX - s->errhead.len));
	}
	tp_pool_worker_log(s->x->p, s->id, line);
}

static int is_fd_shortage(int e)
{
	return e == EMFILE || e == ENFILE;
}

/* Starts the slot's worker: 0; -1 with an error printed; -2 with errno
 * EMFILE or ENFILE and nothing printed (the caller shrinks the pool); 1 when
 * the command cannot be run (a task error: the caller fails what waits). */
static int start_worker(struct wstate *x, struct wslot *s)
{
	struct tp_pool *p = x->p;
	struct tp_workload *wl = p->o.workload;
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, rc;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		rc = errno;
		close_fd(&in[0]);
		close_fd(&in[1]);
		close_fd(&out[0]);
		close_fd(&out[1]);
		if (is_fd_shortage(rc)) {
			errno = rc;
			return -2;
		}
		return tp_error("cannot create a pipe: %s", strerror(rc));
	}
	fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	fcntl(err[0], F_SETFL, fcntl(err[0], F_GETFL) | O_NONBLOCK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	snprintf(x->env_worker, sizeof(x->env_worker), "TUNEPOOL_WORKER=%d", s->id);
	rc = tp_child_spawn_env(&s->ch, x->resolved ? x->resolved : wl->argv[0], x->search,
				wl->argv, &fa, &x->attr, x->envp);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (rc) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		if (is_fd_shortage(rc)) {
			errno = rc;
			return -2;
		}
		if (rc == ENOENT || rc == EACCES || rc == ENOEXEC || rc == ENOTDIR || rc == ELOOP) {
			errno = rc;
			return 1;
		}
		return tp_error("cannot start worker %d ('%s'): %s", s->id, wl->argv[0],
				strerror(rc));
	}
	s->in_w = in[1];
	s->out_r = out[0];
	s->err_r = err[0];
	s->alive = 1;
	s->retiring = s->ready = s->answers = s->broken = 0;
	s->spawned_at = tp_pool_elapsed(p);
	s->ready_at = s->last_answer = 0;
	s->sent = 0;
	tp_strbuf_reset(&s->send);
	tp_strbuf_reset(&s->recv);
	tp_strbuf_reset(&s->errhead);
	return 0;
}

/* A write to a worker that died raises SIGPIPE at this thread, which blocks
 * it: that one is taken here (the death itself comes by the pidfd).  One
 * left pending (standard output closed under us) is delivered when the run
 * unblocks it, as without persistent workers. */
static void eat_sigpipe(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigtimedwait(&set, NULL, &zero);
}

static void flush_send(struct wslot *s)
{
	if (s->in_w >= 0 && tp_evloop_send(s->in_w, &s->send, &s->sent) == EPIPE) {
		eat_sigpipe();
		tp_strbuf_reset(&s->send);	/* nobody reads: the death is reported */
		s->sent = 0;
	}
}

/* The index of the first record not yet answered (the one a lines worker
 * answers next, and the one a death or timeout fails). */
static size_t head(const struct wslot *s)
{
	size_t i;

	for (i = 0; i < s->batch.n && s->answered[i]; i++)
		;
	return i;
}

static int busy(const struct wslot *s)
{
	return s->nanswered < s->batch.n;
}

static void set_idle(struct wslot *s)
{
	s->batch.n = 0;
	s->nanswered = 0;
	atomic_store_explicit(&s->x->p->slots[s->id].busy, 0, memory_order_relaxed);
}

static void fail_one(struct wslot *s, size_t i, const char *msg, int exit_status, int sig,
		     int timed_out);

/* Encodes the batch's records into the send buffer; a record that cannot be
 * framed (a newline in a lines input, bytes that are not UTF-8 in a json
 * one) fails at once and is never sent. */
static void send_batch(struct wstate *x, struct wslot *s)
{
	struct tp_pool *p = x->p;
	size_t i;

	tp_grow((void **)&s->answered, &s->answered_alloc, s->batch.n, 1);
	memset(s->answered, 0, s->batch.n);
	s->nanswered = 0;
	s->timed_out = 0;
	s->task_start = tp_pool_elapsed(p);
	if (s->ready && s->task_start < s->ready_at)
		s->task_start = s->ready_at;
	atomic_store_explicit(&p->slots[s->id].busy, 1, memory_order_relaxed);
	for (i = 0; i < s->batch.n; i++) {
		const struct tp_task *t = &s->batch.t[i];

		if (p->o.framing == TP_FRAMING_LINES) {
			if (memchr(t->input, '\n', t->len)) {
				fail_one(s, i, "input holds a newline, which the lines framing "
					       "cannot carry: use --persistent json", -1, 0, 0);
				continue;
			}
			tp_strbuf_add(&s->send, t->input, t->len);
			tp_strbuf_addch(&s->send, '\n');
		} else {
			json_t *o = json_pack("{s:I, s:s%}", "seq", (json_int_t)t->seq, "input",
					      t->input, t->len);
			char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

			json_decref(o);
			if (!line) {
				fail_one(s, i, "input is not valid UTF-8, which the json framing "
					       "cannot carry", -1, 0, 0);
				continue;
			}
			tp_strbuf_adds(&s->send, line);
			tp_strbuf_addch(&s->send, '\n');
			free(line);
		}
	}
	if (!busy(s))
		set_idle(s);
	flush_send(s);
}

/* Resolves record i of the slot's batch. */
static void resolve(struct wslot *s, size_t i, struct tp_outcome *o)
{
	struct tp_pool *p = s->x->p;

	s->answered[i] = 1;
	s->nanswered++;
	tp_pool_finish(p, s->id, &s->batch.t[i], o);
	if (!busy(s))
		set_idle(s);
}

static void fail_one(struct wslot *s, size_t i, const char *msg, int exit_status, int sig,
		     int timed_out)
{
	double now = tp_pool_elapsed(s->x->p);
	struct tp_outcome o = {
		.exit_status = exit_status,
		.term_signal = sig,
		.timed_out = timed_out,
		.start_s = s->task_start,
		.duration_s = now - s->task_start,
		.err = msg,
		.cold = !s->ready,
	};

	resolve(s, i, &o);
}

/* The records after the failed one never ran: back to the queue. */
static void requeue_rest(struct wslot *s)
{
	struct tp_pool *p = s->x->p;
	size_t i;

	for (i = 0; i < s->batch.n; i++)
		if (!s->answered[i])
			tp_pool_requeue(p, &s->batch.t[i]);
	set_idle(s);
}

/* When the record in flight on s times out (tmo > 0). */
static double deadline(const struct wstate *x, const struct wslot *s, double tmo)
{
	if (s->ready)
		return s->task_start + tmo;
	return s->task_start + tmo + (x->max_start_s > 0 ? 2 * x->max_start_s : INIT_ALLOWANCE_S);
}

static void mark_ready(struct wstate *x, struct wslot *s, double now)
{
	if (s->ready)
		return;
	s->ready = 1;
	s->ready_at = now;
	x->p->worker_start_sum += now - s->spawned_at;
	if (now - s->spawned_at > x->max_start_s)
		x->max_start_s = now - s->spawned_at;
	x->p->worker_starts++;
}

/* The worker broke the protocol: the record it was on fails, the rest go
 * back, and the worker is ended (and restarted by the loop). */
static void protocol_error(struct wstate *x, struct wslot *s, const char *what)
{
	char msg[TP_TASK_ERR_MAX];
	size_t h = head(s);

	snprintf(msg, sizeof(msg), "worker %d broke the %s protocol: %s", s->id,
		 tp_framing_name(x->p->o.framing), what);
	if (h < s->batch.n) {
		fail_one(s, h, msg, -1, 0, 0);
		requeue_rest(s);
	} else {
		tp_warn("%s", msg);
	}
	s->broken = 1;
	close_fd(&s->in_w);
	tp_child_term(&s->ch, tp_pool_elapsed(x->p), x->p->o.kill_grace_s);
}

static void answered_ok(struct wstate *x, struct wslot *s, size_t i, const char *out,
			size_t out_len, double now)
{
	struct tp_outcome o = {
		.ok = 1,
		.start_s = s->task_start,
		.duration_s = now - s->task_start,
		.err = "",
		.out = out,
		.out_len = out_len,
		.cold = !s->ready,
	};

	resolve(s, i, &o);
}

/* A result that is not a string as JSON text, its numbers as short as
 * reads back the same (3.14, not 3.1400000000000001); free() it. */
static char *result_text(const json_t *res)
{
	size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
	char *txt = json_dumps(res, flags | JSON_REAL_PRECISION(15));
	json_t *back = txt ? json_loads(txt, JSON_DECODE_ANY, NULL) : NULL;

	if (!back || !json_equal(back, (json_t *)res)) {
		free(txt);
		txt = json_dumps(res, flags | JSON_REAL_PRECISION(17));
	}
	json_decref(back);
	return txt;
}

/* One answer line (without its newline). */
static void on_answer(struct wstate *x, struct wslot *s, char *line, size_t len)
{
	struct tp_pool *p = x->p;
	double now = tp_pool_elapsed(p);
	size_t i = head(s);
	int was_ready = s->ready;

	if (p->o.framing == TP_FRAMING_LINES) {
		if (i >= s->batch.n) {
			protocol_error(x, s, "an answer line with no input in flight");
			return;
		}
		line[len] = '\n';	/* the result printed as the worker wrote it */
		answered_ok(x, s, i, line, len + 1, now);
	} else {
		json_error_t jerr;
		json_t *o = json_loadb(line, len, 0, &jerr), *seq, *ok, *res, *err;
		char msg[TP_TASK_ERR_MAX];
		int shown = len < 80 ? (int)len : 80;

		if (!o || !json_is_object(o)) {
			snprintf(msg, sizeof(msg), "answer '%.*s' is not a JSON object%s%s", shown,
				 line, o ? "" : ": ", o ? "" : jerr.text);
			json_decref(o);
			protocol_error(x, s, msg);
			return;
		}
		seq = json_object_get(o, "seq");
		ok = json_object_get(o, "ok");
		if (!seq && json_is_true(json_object_get(o, "ready"))) {
			/* Init done: the first record's clock starts now. */
			json_decref(o);
			mark_ready(x, s, now);
			if (busy(s) && s->task_start < now)
				s->task_start = now;
			return;
		}
		for (i = 0; seq && i < s->batch.n; i++)
			if (!s->answered[i] && json_is_integer(seq) &&
			    (uint64_t)json_integer_value(seq) == s->batch.t[i].seq)
				break;
		if (!seq || !json_is_integer(seq) || i >= s->batch.n || !json_is_boolean(ok)) {
			snprintf(msg, sizeof(msg), "answer '%.*s' %s", shown, line,
				 !json_is_boolean(ok) ? "has no \"ok\": true|false"
				 : "names no \"seq\" in flight");
			json_decref(o);
			protocol_error(x, s, msg);
			return;
		}
		if (json_is_true(ok)) {
			res = json_object_get(o, "result");
			if (!res || json_is_null(res)) {
				answered_ok(x, s, i, "", 0, now);
			} else if (json_is_string(res)) {
				struct tp_strbuf sb = TP_STRBUF_INIT;

				tp_strbuf_add(&sb, json_string_value(res), json_string_length(res));
				tp_strbuf_addch(&sb, '\n');
				answered_ok(x, s, i, sb.buf, sb.len, now);
				tp_strbuf_release(&sb);
			} else {
				char *txt = result_text(res);
				struct tp_strbuf sb = TP_STRBUF_INIT;

				tp_strbuf_adds(&sb, txt ? txt : "");
				tp_strbuf_addch(&sb, '\n');
				answered_ok(x, s, i, sb.buf, sb.len, now);
				tp_strbuf_release(&sb);
				free(txt);
			}
		} else {
			err = json_object_get(o, "error");
			snprintf(msg, sizeof(msg), "%s",
				 json_is_string(err) ? json_string_value(err) : "the worker answered ok: false");
			fail_one(s, i, msg, -1, 0, 0);
		}
		json_decref(o);
	}
	/* The first answer of a lines worker tells it is ready (its first
	 * record's time held the start-up). */
	mark_ready(x, s, now);
	if (was_ready) {
		s->steady_n++;
		s->steady_s += now - (s->last_answer > s->ready_at ? s->last_answer : s->ready_at);
	}
	s->last_answer = now;
	s->answers++;
	x->answers++;
	x->start_deaths = 0;
	s->fast_deaths = 0;
	s->task_start = now;
	tp_strbuf_reset(&s->errhead);
}

static void read_answers(struct wstate *x, struct wslot *s)
{
	char buf[65536];
	ssize_t n;

	while (s->out_r >= 0) {
		size_t off = 0;
		char *nl;

		n = read(s->out_r, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		tp_strbuf_grow(&s->recv, (size_t)n + 1);
		tp_strbuf_add(&s->recv, buf, (size_t)n);
		while (s->alive && !s->broken &&
		       (nl = memchr(s->recv.buf + off, '\n', s->recv.len - off))) {
			size_t len = (size_t)(nl - (s->recv.buf + off));

			on_answer(x, s, s->recv.buf + off, len);
			off += len + 1;
		}
		if (off) {
			memmove(s->recv.buf, s->recv.buf + off, s->recv.len - off);
			s->recv.len -= off;
			s->recv.buf[s->recv.len] = '\0';
		}
		if (s->recv.len > ANSWER_MAX && !s->broken)
			protocol_error(x, s, "an answer line longer than 64 MiB");
		if ((size_t)n < sizeof(buf))
			break;	/* the pipe is empty: poll says when more comes */
	}
}

static void read_stderr(struct wslot *s)
{
	tp_evloop_drain_lines(s->err_r, &s->errfwd, on_err_line, s);
}

static void retire(struct wslot *s)
{
	if (s->retiring)
		return;
	s->retiring = 1;
	close_fd(&s->in_w);	/* end of file: the worker finishes and exits */
	s->restart_at = 0;
	s->retired_at = tp_pool_elapsed(s->x->p);
}

/* The worker exited: its record in flight fails, the rest go back. */
static void worker_died(struct wstate *x, struct wslot *s)
{
	struct tp_pool *p = x->p;
	struct rusage ru;
	int status;
	double now;

	read_answers(x, s);
	read_stderr(s);
	if (!tp_child_reap(&s->ch, &status, &ru))
		return;
	now = tp_pool_elapsed(p);
	tp_linefwd_flush(&s->errfwd, on_err_line, s);
	if (ru.ru_maxrss > p->slots[s->id].rss_kb)
		p->slots[s->id].rss_kb = ru.ru_maxrss;
	if (busy(s) && (!tp_pool_stopping(p) || s->timed_out)) {
		char st[96], msg[TP_TASK_ERR_MAX];
		int n;

		tp_describe_status(status, st, sizeof(st));
		if (s->timed_out)
			n = snprintf(msg, sizeof(msg), "timed out after %gs (worker %d ended: %s)",
				     s->timeout_used, s->id, st);
		else
			n = snprintf(msg, sizeof(msg), "worker %d %s: %s", s->id,
				     s->ready ? "died" : "died before answering", st);
		if (s->errhead.len && n > 0 && (size_t)n < sizeof(msg))
			snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", s->errhead.buf);
		fail_one(s, head(s), msg, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0, s->timed_out);
		requeue_rest(s);
	} else if (busy(s)) {
		set_idle(s);	/* ended by the stop: not reported as finished */
	}
	if (!s->retiring && !s->answers && !s->timed_out && !tp_pool_stopping(p)) {
		/* Died before answering anything: back off before the next start,
		 * and give up when every start dies so. */
		s->fast_deaths++;
		x->start_deaths++;
		s->restart_at = now + fmin(0.1 * ldexp(1.0, s->fast_deaths - 1),
					   RESTART_BACKOFF_MAX_S);
		if (x->start_deaths >= START_DEATHS_MAX && !x->answers) {
			char st[96];

			tp_describe_status(status, st, sizeof(st));
			tp_error("worker command '%s' exited %d times in a row before answering "
				 "(last: %s%s%s); stopping", p->o.workload->argv[0], x->start_deaths,
				 st, s->errhead.len ? ": " : "", s->errhead.len ? s->errhead.buf : "");
			tp_pool_drain(p);
		}
	} else {
		s->restart_at = 0;
	}
	close_fd(&s->in_w);
	close_fd(&s->out_r);
	close_fd(&s->err_r);
	s->alive = s->retiring = s->ready = 0;
	tp_strbuf_reset(&s->send);
	s->sent = 0;
	tp_strbuf_reset(&s->recv);
}

/* Fails what waits on a command that cannot be run at all. */
static void cannot_run(struct wstate *x, struct wslot *s, double due)
{
	struct tp_pool *p = x->p;
	char msg[512];
	enum tp_fill f;

	snprintf(msg, sizeof(msg), "cannot run '%s': %s", p->o.workload->argv[0], strerror(errno));
	if (++x->start_deaths >= START_DEATHS_MAX && !x->answers) {
		tp_error("%s; stopping", msg);
		tp_pool_drain(p);
	}
	f = tp_pool_fill(p, &s->batch, 1, &due);
	if (f == TP_FILL_GOT) {
		tp_grow((void **)&s->answered, &s->answered_alloc, s->batch.n, 1);
		memset(s->answered, 0, s->batch.n);
		s->nanswered = 0;
		s->task_start = tp_pool_elapsed(p);
		fail_one(s, 0, msg, 127, 0, 0);
		requeue_rest(s);
	}
}

static void slot_release(struct wslot *s)
{
	close_fd(&s->in_w);
	close_fd(&s->out_r);
	close_fd(&s->err_r);
	tp_strbuf_release(&s->send);
	tp_strbuf_release(&s->recv);
	tp_strbuf_release(&s->errhead);
	tp_batch_release(&s->batch);
	tp_linefwd_release(&s->errfwd);
	free(s->answered);
}

/* The event loop's view of the slots (runner/evloop.h). */
static struct tp_child *ev_child(void *ctx, int i)
{
	struct wstate *x = ctx;

	return x->s[i].alive ? &x->s[i].ch : NULL;
}

static void ev_arm(void *ctx, int i, struct tp_evloop *ev)
{
	struct wstate *x = ctx;
	struct wslot *s = &x->s[i];

	tp_evloop_watch(ev, &s->ch, i);
	if (s->out_r >= 0)
		tp_pollset_add(&ev->ps, s->out_r, POLLIN, i, PK_OUT);
	if (s->err_r >= 0)
		tp_pollset_add(&ev->ps, s->err_r, POLLIN, i, PK_ERR);
	if (s->send.len > s->sent && s->in_w >= 0)
		tp_pollset_add(&ev->ps, s->in_w, POLLOUT, i, PK_IN);
	if (s->retiring && !s->ch.term_sent)
		tp_evloop_until(ev, s->retired_at + x->p->o.kill_grace_s);
}

static void ev_ready(void *ctx, int i, int kind)
{
	struct wstate *x = ctx;
	struct wslot *s = &x->s[i];

	if (!s->alive)
		return;
	if (kind == PK_OUT)
		read_answers(x, s);
	else if (kind == PK_ERR)
		read_stderr(s);
	else if (kind == PK_IN)
		flush_send(s);
}

static void ev_exited(void *ctx, int i)
{
	struct wstate *x = ctx;

	if (x->s[i].alive)
		worker_died(x, &x->s[i]);
}

static double ev_deadline(void *ctx, int i, double tmo)
{
	struct wstate *x = ctx;

	return busy(&x->s[i]) ? deadline(x, &x->s[i], tmo) : INFINITY;
}

static void ev_timed_out(void *ctx, int i, double tmo)
{
	struct wslot *s = &((struct wstate *)ctx)->s[i];

	s->timed_out = 1;
	s->timeout_used = tmo;
}

/* A retired worker that does not leave is ended after the grace. */
static int ev_after(void *ctx, int i, double now)
{
	struct wstate *x = ctx;
	struct wslot *s = &x->s[i];

	if (s->retiring && !s->ch.term_sent && now >= s->retired_at + x->p->o.kill_grace_s)
		tp_child_term(&s->ch, now, x->p->o.kill_grace_s);
	return 0;
}

/* A stop ends the batches running; idle workers get end of file. */
static void ev_stop(void *ctx, int i, double now)
{
	struct wstate *x = ctx;
	struct wslot *s = &x->s[i];

	if (busy(s))
		tp_child_term(&s->ch, now, x->p->o.kill_grace_s);
	else
		retire(s);
}

static const struct tp_evloop_ops persistent_ev_ops = {
	.child = ev_child,
	.arm = ev_arm,
	.ready = ev_ready,
	.exited = ev_exited,
	.deadline = ev_deadline,
	.timed_out = ev_timed_out,
	.after = ev_after,
	.stop = ev_stop,
};

static int persistent_run(struct tp_pool *p)
{
	struct tp_workload *wl = p->o.workload;
	struct wstate x;
	size_t batch = (size_t)p->o.config.batch;
	sigset_t pipe_set;
	int i, rc = 0;

	if (!wl->argc)
		return tp_usage_error("workload '%s' has no command", wl->desc->name);
	memset(&x, 0, sizeof(x));
	x.p = p;
	x.n = p->nslots;
	x.resolved = tp_path_lookup(wl->argv[0]);
	x.search = !x.resolved && !strchr(wl->argv[0], '/');
	tp_child_attr_init(&x.attr);
	env_init(&x);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &x.old_mask);
	x.s = tp_xcalloc((size_t)x.n, sizeof(*x.s));
	for (i = 0; i < x.n; i++) {
		struct wslot *s = &x.s[i];

		s->x = &x;
		s->id = i;
		s->in_w = s->out_r = s->err_r = -1;
		tp_strbuf_init(&s->send);
		tp_strbuf_init(&s->recv);
		tp_strbuf_init(&s->errhead);
		tp_strbuf_init(&s->batch.data);
	}

	tp_evloop_init(&x.ev, p, &persistent_ev_ops, &x, x.n, "workers");
	for (;;) {
		int target = atomic_load(&p->target), alive;
		double due = 0, now, next = INFINITY, tmo = tp_pool_timeout(p);
		enum tp_fill f = TP_FILL_GOT;
		int stopping = tp_pool_stopping(p), done = atomic_load(&p->work_done);

		now = tp_pool_elapsed(p);
		if (stopping)
			tp_evloop_stop_once(&x.ev, now);
		for (i = 0; i < x.n && !stopping; i++) {
			struct wslot *s = &x.s[i];

			if (i < target && !s->alive && !done && f == TP_FILL_GOT &&
			    now >= s->restart_at && !atomic_load(&p->draining)) {
				int r = start_worker(&x, s);

				if (r == -2) {
					/* Out of descriptors: as wide as the workers running. */
					if (tp_evloop_fd_shrink(&x.ev, errno) < 0)
						r = -1;
					else
						target = atomic_load(&p->target);
				}
				if (r == -1) {
					p->system_error = 1;
					tp_pool_stop(p);
					break;
				}
				if (r == 1) {
					cannot_run(&x, s, due);
					s->fast_deaths++;
					s->restart_at = now + fmin(0.1 * ldexp(1.0, s->fast_deaths - 1),
								   RESTART_BACKOFF_MAX_S);
					if (s->restart_at < next)
						next = s->restart_at;
					continue;
				}
				if (r)
					continue;
			}
			if (!s->alive && s->restart_at > now && i < target && !done &&
			    s->restart_at < next)
				next = s->restart_at;
			if (!s->alive || busy(s) || s->retiring || s->in_w < 0)
				continue;
			if (i >= target) {
				retire(s);	/* resized down: EOF, and it may finish */
				continue;
			}
			/* Again when every record of the batch failed before it was sent. */
			while (f == TP_FILL_GOT && !busy(s) && !tp_pool_stopping(p)) {
				f = tp_pool_fill(p, &s->batch, batch, &due);
				if (f == TP_FILL_GOT)
					send_batch(&x, s);
			}
			if (!busy(s) && atomic_load(&p->work_done))
				retire(s);
		}
		alive = tp_evloop_live(&x.ev);
		if (!alive && (tp_pool_stopping(p) || atomic_load(&p->work_done)))
			break;
		if (!alive && atomic_load(&p->draining))
			break;	/* drained with nothing running */
		if (f == TP_FILL_WAIT && due > 0 && due < next)
			next = due;
		if (tp_evloop_wait(&x.ev, now, next, tmo) < 0)
			rc = -1;
		tp_evloop_timeouts(&x.ev, tmo);
	}

	for (i = 0; i < x.n; i++) {
		struct wslot *s = &x.s[i];

		if (s->steady_n > 0 && s->steady_s > 0) {
			p->steady_rate_sum += (double)s->steady_n / s->steady_s;
			p->steady_tasks += s->steady_n;
		}
		slot_release(s);
	}
	free(x.s);
	tp_evloop_release(&x.ev);
	free(x.resolved);
	free(x.envp);
	posix_spawnattr_destroy(&x.attr);
	pthread_sigmask(SIG_SETMASK, &x.old_mask, NULL);
	return rc;
}

/* Per worker: its stdin, stdout and stderr pipes and its pidfd. */
static int persistent_fds(const struct tp_pool *p, int *fixed)
{
	(void)p;
	*fixed = 0;
	return 4;
}

const struct tp_strategy_desc tp_strategy_persistent = {
	.name = "persistent",
	.summary = "COMMAND started once per worker, fed one record per input (--persistent lines|json)",
	.flags = TP_STRAT_COMMAND | TP_STRAT_PROCESSES | TP_STRAT_RECORDS,
	.run = persistent_run,
	.fds_per_worker = persistent_fds,
};
