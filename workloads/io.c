/* The io workload: write, fsync and read back `bytes` per task in a private
 * temporary directory that setup creates and teardown always removes. */
#include "workloads/workload.h"
#include "core/fileio.h"
#include "core/alloc.h"
#include "core/log.h"
#include "workloads/hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct tp_opt io_opts[] = {
	{ "bytes", TP_OPT_SIZE, 1, 1e12, "64K", "bytes written and read per task", NULL },
	{ "dir", TP_OPT_STRING, 0, 0, "", "where the temporary directory goes ($TMPDIR or /tmp)", NULL },
	{ "fsync", TP_OPT_CHOICE, 0, 0, "yes", "fsync each file before reading it back", "yes|no" },
	TP_OPT_END,
};

struct io_shared {
	char dir[PATH_MAX];
};

struct io_worker {
	unsigned char *wbuf, *rbuf;
	size_t bytes;
	int fsync;
	char dir[PATH_MAX];
	int own_dir;			/* made by this worker: no parent setup reached it */
	unsigned long long files;
};

static int make_dir(struct tp_workload *wl, char *out, size_t size)
{
	const char *base = tp_optset_str(&wl->opts, "dir");

	if (!*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if ((size_t)snprintf(out, size, "%s/tunepool-io.XXXXXX", base) >= size)
		return tp_usage_error("workload 'io': dir = '%s' is too long", base);
	if (!mkdtemp(out))
		return tp_error("workload 'io': cannot create a directory in '%s': %s", base,
				strerror(errno));
	return 0;
}

/* Removes whatever a killed worker left, then the directory itself. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			char path[PATH_MAX + 256];

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	if (rmdir(dir) && errno != ENOENT)
		tp_warn("workload 'io': cannot remove '%s': %s", dir, strerror(errno));
}

static int io_setup(struct tp_workload *wl)
{
	struct io_shared *sh = tp_xcalloc(1, sizeof(*sh));

	if (make_dir(wl, sh->dir, sizeof(sh->dir))) {
		free(sh);
		return -1;
	}
	wl->shared = sh;
	tp_workload_share_set(wl, sh->dir);
	return 0;
}

static void io_teardown(struct tp_workload *wl)
{
	struct io_shared *sh = wl->shared;

	if (!sh)
		return;
	remove_dir(sh->dir);
	free(sh);
	wl->shared = NULL;
}

static void io_worker_fini(struct tp_workload *wl, void *wstate)
{
	struct io_worker *w = wstate;

	if (!w)
		return;
	if (w->own_dir)
		remove_dir(w->dir);
	free(w->wbuf);
	free(w->rbuf);
	free(w);
}

static int io_worker_init(struct tp_workload *wl, void **wstate)
{
	struct io_worker *w = calloc(1, sizeof(*w));
	const struct io_shared *sh = wl->shared;
	const char *shared_dir;

	if (!w)
		return tp_error("workload 'io': out of memory");
	w->bytes = (size_t)tp_optset_num(&wl->opts, "bytes");
	w->fsync = !strcmp(tp_optset_str(&wl->opts, "fsync"), "yes");
	w->wbuf = malloc(w->bytes);
	w->rbuf = malloc(w->bytes);
	if (!w->wbuf || !w->rbuf) {
		io_worker_fini(wl, w);
		return tp_error("workload 'io': cannot allocate bytes = %s",
				tp_optset_str(&wl->opts, "bytes"));
	}
	/* A spawned worker finds its parent's directory through the environment. */
	shared_dir = sh ? sh->dir : tp_workload_share_get(wl);
	if (shared_dir) {
		snprintf(w->dir, sizeof(w->dir), "%s", shared_dir);
	} else {
		if (make_dir(wl, w->dir, sizeof(w->dir))) {
			io_worker_fini(wl, w);
			return -1;
		}
		w->own_dir = 1;
	}
	*wstate = w;
	return 0;
}

static int read_all(int fd, unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int io_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
		      size_t errlen)
{
	struct io_worker *w = wstate;
	uint64_t h = tp_hash_bytes(input, strlen(input), 0);
	char path[PATH_MAX + 64];
	const char *step;
	size_t i;
	int fd, rc = -1;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	for (i = 0; i < w->bytes; i++)
		w->wbuf[i] = (unsigned char)(h >> ((i & 7) * 8)) ^ (unsigned char)i;
	/* A name per worker (pid + state address) and task: no collisions. */
	snprintf(path, sizeof(path), "%s/%ld-%lx-%llu", w->dir, (long)getpid(),
		 (unsigned long)(uintptr_t)w, ++w->files);
	step = "create";
	errno = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	step = "write";
	if (tp_write_all(fd, w->wbuf, w->bytes) || (w->fsync && fsync(fd))) {
		close(fd);
		goto fail;
	}
	step = "close";
	if (close(fd))
		goto fail;
	step = "read";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (read_all(fd, w->rbuf, w->bytes)) {
		close(fd);
		goto fail;
	}
	close(fd);
	if (memcmp(w->wbuf, w->rbuf, w->bytes)) {
		snprintf(err, errlen, "io: '%s' read back differs from what was written", path);
		goto out;
	}
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "io: cannot %s '%s': %s", step, path,
		 errno ? strerror(errno) : "short transfer");
out:
	unlink(path);
	return rc;
}

const struct tp_workload_desc tp_workload_io = {
	.name = "io",
	.summary = "storage: write, fsync and read back `bytes` per task in a temporary directory",
	.opts = io_opts,
	.task_class = TP_CLASS_IO,
	.setup = io_setup,
	.teardown = io_teardown,
	.worker_init = io_worker_init,
	.process = io_process,
	.worker_fini = io_worker_fini,
};
