/* A process worker: initialises the workload once, then runs the batches the
 * pool sends over a pipe and answers each task's result on another. */
#include "runner/worker.h"

#include "core/alloc.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "runner/pool.h"
#include "workloads/workload.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 when all n bytes were read, 0 at a clean end of file, -1 otherwise. */
static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 && got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* Results a crashing task would lose: the fatal-signal handler writes them
 * out before dying, so the pool knows exactly which task crashed. */
static struct tp_strbuf *volatile pending_out;
static volatile int pending_fd = -1;

static void flush_and_die(int sig)
{
	struct tp_strbuf *out = pending_out;

	if (out && out->len)
		write_full(pending_fd, out->buf, out->len);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	size_t i;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = flush_and_die;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void add_msg(struct tp_strbuf *out, uint32_t kind, int rc, double dur, const char *err,
		    const char *res, size_t reslen)
{
	struct tp_wmsg_result m = { .kind = kind, .rc = rc, .duration_s = dur };

	m.errlen = rc ? (uint32_t)strnlen(err, TP_TASK_ERR_MAX - 1) : 0;
	m.outlen = !rc && res ? (uint32_t)(reslen < UINT32_MAX ? reslen : UINT32_MAX) : 0;
	tp_strbuf_add(out, &m, sizeof(m));
	tp_strbuf_add(out, err, m.errlen);
	if (m.outlen)
		tp_strbuf_add(out, res, m.outlen);
}

int tp_worker_serve(struct tp_workload *wl, int id, int in_fd, int out_fd)
{
	const struct tp_workload_desc *d = wl->desc;
	struct tp_strbuf out = TP_STRBUF_INIT;
	char err[TP_TASK_ERR_MAX], initerr[TP_TASK_ERR_MAX] = "";
	char *buf = NULL;
	size_t alloc = 0;
	void *ws = NULL;
	int init_rc = 0, rc = 0;

	if (d->worker_init && d->worker_init(wl, &ws) < 0) {
		init_rc = -1;
		snprintf(initerr, sizeof(initerr), "worker %d: workload '%s' failed to initialise",
			 id, d->name);
	}
	pending_fd = out_fd;
	pending_out = &out;
	catch_fatal_signals();
	add_msg(&out, TP_WMSG_READY, init_rc, 0, initerr, NULL, 0);
	if (write_full(out_fd, out.buf, out.len) < 0)
		rc = 3;
	tp_strbuf_reset(&out);
	while (!rc) {
		struct tp_wmsg_batch b;
		const char *in;
		uint32_t i;
		int r = read_full(in_fd, &b, sizeof(b));

		if (r <= 0) {
			rc = r < 0 ? 3 : 0;
			break;
		}
		if (b.bytes + 1 > alloc)
			tp_grow((void **)&buf, &alloc, (size_t)b.bytes + 1, 1);
		if (b.bytes && read_full(in_fd, buf, (size_t)b.bytes) <= 0) {
			rc = 3;
			break;
		}
		buf[b.bytes] = '\0';
		in = buf;
		for (i = 0; i < b.n && in < buf + b.bytes; i++) {
			uint64_t t0 = tp_now_ns();
			const char *res = NULL;
			size_t reslen = 0;
			int prc;

			err[0] = '\0';
			prc = init_rc ? -1
			    : d->process_result ? d->process_result(wl, ws, in, &res, &reslen, err,
								   sizeof(err))
			    : d->process(wl, ws, in, err, sizeof(err));
			add_msg(&out, TP_WMSG_RESULT, prc, (double)(tp_now_ns() - t0) / 1e9,
				init_rc ? initerr : err[0] ? err : "failed", res, reslen);
			in += strlen(in) + 1;
			if ((b.flags & TP_WFLAG_EACH) || out.len > 65536) {
				if (write_full(out_fd, out.buf, out.len) < 0) {
					rc = 3;
					break;
				}
				tp_strbuf_reset(&out);
			}
		}
		if (!rc && out.len && write_full(out_fd, out.buf, out.len) < 0)
			rc = 3;
		tp_strbuf_reset(&out);
	}
	pending_out = NULL;
	if (!init_rc && d->worker_fini)
		d->worker_fini(wl, ws);
	free(buf);
	tp_strbuf_release(&out);
	return rc;
}
