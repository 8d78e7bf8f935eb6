/* The lock workload: one lock shared by every worker, held `cs_us` per task,
 * followed by `wait_us` of waiting and `cpu_us` of computing outside it.
 *
 * The lock lives in shared memory made by setup: a memfd mapping (MAP_SHARED),
 * so forked workers inherit it and spawned workers map the same memfd through
 * /proc/PARENT/fd/N, published with tp_workload_share_set().  The blocking
 * lock is a robust process-shared mutex (a worker that dies holding it does
 * not wedge the others); the spinning lock is a C11 atomic flag, as user-space
 * spinlocks are, and a worker that dies holding it wedges the pool, as it would. */
#include "workloads/lock.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "workloads/hash.h"
#include "workloads/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct tp_opt lock_opts[] = {
	{ "cs_us", TP_OPT_DOUBLE, 0, 1e8, "100", "microseconds the lock is held per task", NULL },
	{ "wait_us", TP_OPT_DOUBLE, 0, 1e8, "900", "microseconds of waiting outside the lock", NULL },
	{ "cpu_us", TP_OPT_DOUBLE, 0, 1e8, "0", "microseconds of computing outside the lock", NULL },
	{ "cs_mode", TP_OPT_CHOICE, 0, 0, "sleep",
	  "the holder waits (sleep) or computes (cpu) inside the lock", "sleep|cpu" },
	{ "waiters", TP_OPT_CHOICE, 0, 0, "block",
	  "waiters sleep in the kernel (block) or busy-wait (spin)", "block|spin" },
	TP_OPT_END,
};

struct lock_mem {
	pthread_mutex_t mutex;
	atomic_int spin;
	atomic_int holders;
	atomic_llong violations;
	long long entries;		/* plain: only changed inside the lock */
};

struct lock_shared {
	struct lock_mem *mem;
	int fd;				/* the memfd, -1 for an anonymous mapping */
};

struct lock_worker {
	struct lock_mem *mem;
	int attached;			/* mapped by this worker (spawned) */
	double cs_s, wait_s, cpu_s;
	int cs_cpu, spin;
	volatile uint64_t sink;
};

static int lock_setup(struct tp_workload *wl)
{
	struct lock_shared *sh = tp_xcalloc(1, sizeof(*sh));
	pthread_mutexattr_t attr;
	void *p;
	char fdtext[16];

	sh->fd = memfd_create("tunepool-lock", MFD_CLOEXEC);
	if (sh->fd >= 0 && ftruncate(sh->fd, sizeof(struct lock_mem)) == 0) {
		p = mmap(NULL, sizeof(struct lock_mem), PROT_READ | PROT_WRITE, MAP_SHARED, sh->fd, 0);
	} else {
		if (sh->fd >= 0)
			close(sh->fd);
		sh->fd = -1;
		p = mmap(NULL, sizeof(struct lock_mem), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	}
	if (p == MAP_FAILED) {
		if (sh->fd >= 0)
			close(sh->fd);
		free(sh);
		return tp_error("workload 'lock': cannot map shared memory: %s", strerror(errno));
	}
	sh->mem = p;
	memset(sh->mem, 0, sizeof(*sh->mem));
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sh->mem->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	atomic_init(&sh->mem->spin, 0);
	atomic_init(&sh->mem->holders, 0);
	atomic_init(&sh->mem->violations, 0);
	wl->shared = sh;
	if (sh->fd >= 0) {
		snprintf(fdtext, sizeof(fdtext), "%d", sh->fd);
		tp_workload_share_set(wl, fdtext);
	}
	return 0;
}

static void lock_teardown(struct tp_workload *wl)
{
	struct lock_shared *sh = wl->shared;

	if (!sh)
		return;
	pthread_mutex_destroy(&sh->mem->mutex);
	munmap(sh->mem, sizeof(*sh->mem));
	if (sh->fd >= 0)
		close(sh->fd);
	free(sh);
	wl->shared = NULL;
}

/* A spawned worker maps its parent's memfd. */
static struct lock_mem *attach_parent(struct tp_workload *wl)
{
	const char *fdtext = tp_workload_share_get(wl);
	char path[64];
	void *p;
	int fd;

	if (!fdtext) {
		tp_error("workload 'lock': no shared lock from the parent (setup did not run)");
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)getppid(), fdtext);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		tp_error("workload 'lock': cannot open the parent's lock '%s': %s", path,
			 strerror(errno));
		return NULL;
	}
	p = mmap(NULL, sizeof(struct lock_mem), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		tp_error("workload 'lock': cannot map '%s': %s", path, strerror(errno));
		return NULL;
	}
	return p;
}

static int lock_worker_init(struct tp_workload *wl, void **wstate)
{
	struct lock_worker *w = calloc(1, sizeof(*w));
	struct lock_shared *sh = wl->shared;

	if (!w)
		return tp_error("workload 'lock': out of memory");
	if (sh) {
		w->mem = sh->mem;
	} else {
		w->mem = attach_parent(wl);
		w->attached = 1;
		if (!w->mem) {
			free(w);
			return -1;
		}
	}
	w->cs_s = tp_optset_num(&wl->opts, "cs_us") * 1e-6;
	w->wait_s = tp_optset_num(&wl->opts, "wait_us") * 1e-6;
	w->cpu_s = tp_optset_num(&wl->opts, "cpu_us") * 1e-6;
	w->cs_cpu = !strcmp(tp_optset_str(&wl->opts, "cs_mode"), "cpu");
	w->spin = !strcmp(tp_optset_str(&wl->opts, "waiters"), "spin");
	*wstate = w;
	return 0;
}

static void lock_worker_fini(struct tp_workload *wl, void *wstate)
{
	struct lock_worker *w = wstate;

	if (!w)
		return;
	if (w->attached)
		munmap(w->mem, sizeof(*w->mem));
	free(w);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int acquire(struct lock_worker *w, char *err, size_t errlen)
{
	int rc;

	if (w->spin) {
		while (atomic_exchange_explicit(&w->mem->spin, 1, memory_order_acquire))
			while (atomic_load_explicit(&w->mem->spin, memory_order_relaxed))
				cpu_relax();
		return 0;
	}
	rc = pthread_mutex_lock(&w->mem->mutex);
	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&w->mem->mutex);
	if (rc) {
		snprintf(err, errlen, "lock: cannot take the lock: %s", strerror(rc));
		return -1;
	}
	return 0;
}

static void release(struct lock_worker *w)
{
	if (w->spin)
		atomic_store_explicit(&w->mem->spin, 0, memory_order_release);
	else
		pthread_mutex_unlock(&w->mem->mutex);
}

static void spend(struct lock_worker *w, double seconds, int compute)
{
	if (compute)
		w->sink ^= tp_hash_burn_s(seconds);
	else
		tp_sleep_s(seconds);
}

static int lock_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			size_t errlen)
{
	struct lock_worker *w = wstate;
	long long seen;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	if (acquire(w, err, errlen))
		return -1;
	if (atomic_fetch_add(&w->mem->holders, 1) != 0)
		atomic_fetch_add(&w->mem->violations, 1);
	/* Read, hold, then write: a second holder would lose an update. */
	seen = w->mem->entries;
	spend(w, w->cs_s, w->cs_cpu);
	w->mem->entries = seen + 1;
	atomic_fetch_sub(&w->mem->holders, 1);
	release(w);
	spend(w, w->wait_s, 0);
	spend(w, w->cpu_s, 1);
	return 0;
}

int tp_lock_counts(const struct tp_workload *wl, long long *entries, long long *violations)
{
	const struct lock_shared *sh = wl->shared;

	if (!sh)
		return -1;
	*entries = sh->mem->entries;
	*violations = atomic_load(&sh->mem->violations);
	return 0;
}

const struct tp_workload_desc tp_workload_lock = {
	.name = "lock",
	.summary = "contention: a shared lock held `cs_us` per task, then `wait_us` waiting and "
		   "`cpu_us` computing outside it; with cs_mode=sleep,cpu_us=0 the best width is "
		   "(cs_us + wait_us) / cs_us",
	.opts = lock_opts,
	.task_class = TP_CLASS_LATENCY,
	.setup = lock_setup,
	.teardown = lock_teardown,
	.worker_init = lock_worker_init,
	.process = lock_process,
	.worker_fini = lock_worker_fini,
};
