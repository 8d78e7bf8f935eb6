/* Per-thread run and run-queue wait times of this process, as deltas between calls. */
#include "probes/threadstat.h"
#include "core/alloc.h"
#include "core/strbuf.h"
#include "probes/fsroot.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tp_threadstat_init(struct tp_threadstat *t)
{
	memset(t, 0, sizeof(*t));
}

void tp_threadstat_release(struct tp_threadstat *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

int tp_parse_schedstat(const char *text, unsigned long long *run_ns, unsigned long long *wait_ns)
{
	char *end;

	errno = 0;
	*run_ns = strtoull(text, &end, 10);
	if (errno || end == text || *end != ' ')
		return -1;
	text = end;
	*wait_ns = strtoull(text, &end, 10);
	return errno || end == text ? -1 : 0;
}

static int by_tid(const void *a, const void *b)
{
	long x = ((const struct tp_threadstat_entry *)a)->tid;
	long y = ((const struct tp_threadstat_entry *)b)->tid;

	return (x > y) - (x < y);
}

static const struct tp_threadstat_entry *find(const struct tp_threadstat_entry *e, size_t n, long tid)
{
	struct tp_threadstat_entry key = { .tid = tid };

	return n ? bsearch(&key, e, n, sizeof(*e), by_tid) : NULL;
}

int tp_threadstat_sample(struct tp_threadstat *t, double *run_s, double *wait_s)
{
	char dir[4096], file[128];
	struct tp_strbuf sb = TP_STRBUF_INIT;
	struct tp_threadstat_entry *now = NULL;
	size_t n = 0, cap = 0, i;
	unsigned long long run = 0, wait = 0;
	struct dirent *de;
	DIR *d;

	*run_s = *wait_s = -1;
	d = opendir(tp_fsroot_path("/proc/self/task", dir, sizeof(dir)));
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct tp_threadstat_entry x;
		char *end;

		x.tid = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end || x.tid <= 0)
			continue;
		snprintf(file, sizeof(file), "/proc/self/task/%ld/schedstat", x.tid);
		/* A thread may end between readdir and the read: skip it. */
		if (tp_fsroot_read(file, &sb) || tp_parse_schedstat(sb.buf, &x.run_ns, &x.wait_ns))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			now = tp_xrealloc(now, cap * sizeof(*now));
		}
		now[n++] = x;
	}
	closedir(d);
	tp_strbuf_release(&sb);
	qsort(now, n, sizeof(*now), by_tid);
	for (i = 0; i < n; i++) {
		const struct tp_threadstat_entry *p = find(t->e, t->n, now[i].tid);
		unsigned long long r0 = p ? p->run_ns : 0, w0 = p ? p->wait_ns : 0;

		/* Counters only grow; a reused tid restarts from zero. */
		if (now[i].run_ns >= r0 && now[i].wait_ns >= w0) {
			run += now[i].run_ns - r0;
			wait += now[i].wait_ns - w0;
		} else {
			run += now[i].run_ns;
			wait += now[i].wait_ns;
		}
	}
	free(t->e);
	t->e = now;
	t->n = n;
	t->cap = cap;
	*run_s = t->have_prev ? run / 1e9 : 0;
	*wait_s = t->have_prev ? wait / 1e9 : 0;
	t->have_prev = 1;
	return 0;
}
