/* The tuner's parameter space: topology-aligned worker candidates, geometric
 * batch sizes, strategies valid for the workload, and the constraints. */
#include "tuner/space.h"

#include "probes/machine.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hard cap on wait-bound widths when nothing tighter is known. */
#define WAIT_BOUND_CAP 1024
/* The widest wait-bound candidate: per usable CPU, and at least. */
#define WAIT_EDGE_PER_CPU 8
#define WAIT_EDGE_MIN 16
/* A process worker holds a few pipes open. */
#define FDS_PER_WORKER 4

static void add_worker(struct tp_space *s, int w)
{
	int i, j;

	if (w < 1 || w > s->edge)
		return;
	for (i = 0; i < s->nworkers && s->workers[i] < w; i++)
		;
	if (i < s->nworkers && s->workers[i] == w)
		return;
	if (s->nworkers == TP_SPACE_MAX_WORKERS)
		return;
	for (j = s->nworkers; j > i; j--)
		s->workers[j] = s->workers[j - 1];
	s->workers[i] = w;
	s->nworkers++;
}

static void add_method(struct tp_space *s, const char *strategy, const char *start)
{
	struct tp_method *m = &s->methods[s->nmethods++];

	snprintf(m->strategy, sizeof(m->strategy), "%s", strategy);
	snprintf(m->start, sizeof(m->start), "%s", start);
}

static long long min_ll(long long a, long long b)
{
	return a < b ? a : b;
}

static void bind_limit(struct tp_space *s, long long *limit, long long v, const char *why)
{
	if (v < 1)
		v = 1;
	if (v >= *limit)
		return;
	*limit = v;
	snprintf(s->limit_reason, sizeof(s->limit_reason), "%s %lld", why, v);
}

void tp_space_build(struct tp_space *s, const struct tp_space_seed *seed)
{
	int cpus, limit, edge, pus, i;
	long long b;
	double w;

	memset(s, 0, sizeof(*s));
	pus = seed->pus > 0 ? seed->pus : 1;
	cpus = seed->cpus_usable > 0 ? (int)ceil(seed->cpus_usable - 1e-9) : pus;
	if (cpus < 1)
		cpus = 1;
	s->cpu_count = cpus;
	s->ninputs = seed->ninputs;
	s->mem_usable_kb = seed->mem_usable_kb > 0 ? seed->mem_usable_kb : 0;
	s->wait_bound = seed->task_class == TP_CLASS_LATENCY || seed->task_class == TP_CLASS_IO ||
			seed->task_class == TP_CLASS_MIXED || seed->task_class == TP_CLASS_UNKNOWN;

	/* The hard limit: CPU-bound work is measured up to twice the CPUs (to
	 * see the decline); wait-bound work up to what the machine allows, the
	 * candidates only up to the edge (searches extend past it). */
	snprintf(s->limit_reason, sizeof(s->limit_reason), s->wait_bound ? "the cap %d" : "twice the CPUs %d",
		 s->wait_bound ? WAIT_BOUND_CAP : 2 * cpus);
	b = s->wait_bound ? WAIT_BOUND_CAP : 2 * cpus;
	if (seed->mem_usable_kb > 0 && seed->mem_per_worker_kb > 0)
		bind_limit(s, &b, seed->mem_usable_kb / seed->mem_per_worker_kb,
			   "usable memory / memory per worker");
	if (s->wait_bound && seed->open_files_max > 0)
		bind_limit(s, &b, seed->open_files_max / FDS_PER_WORKER, "open files / 4");
	if (s->wait_bound && seed->procs_max > 0)
		bind_limit(s, &b, seed->procs_max, "the processes allowed");
	if (seed->max_workers > 0)
		bind_limit(s, &b, seed->max_workers, "max_workers");
	s->hard_max = (int)b;
	if (seed->ninputs > 0)
		bind_limit(s, &b, seed->ninputs, "the inputs");
	limit = b < 1 ? 1 : (int)b;
	if (s->wait_bound && limit < cpus && !(seed->max_workers > 0 && seed->max_workers < cpus))
		limit = cpus;	/* open files or processes never cut below the CPUs */
	s->max_workers = limit;
	edge = cpus * WAIT_EDGE_PER_CPU > WAIT_EDGE_MIN ? cpus * WAIT_EDGE_PER_CPU : WAIT_EDGE_MIN;
	s->edge = s->wait_bound && edge < limit ? edge : limit;

	/* Topology-aligned points first, then the geometric fill. */
	add_worker(s, 1);
	add_worker(s, seed->cores_per_l3);
	add_worker(s, seed->cores_per_numa);
	add_worker(s, seed->cores);
	add_worker(s, seed->pus);
	add_worker(s, (int)floor(seed->cpus_usable));
	add_worker(s, cpus);
	for (w = 2; w <= s->edge + 0.5; w *= M_SQRT2)
		add_worker(s, (int)lround(w));
	add_worker(s, s->edge);

	for (i = 0; i < TP_SPACE_MAX_BATCHES; i++) {
		int b = 1 << i;

		if (b > 1 && b > tp_space_batch_max(s, 1))
			break;
		s->batches[s->nbatches++] = b;
	}

	if (seed->wl_flags & TP_WL_COMMAND) {
		add_method(s, "exec", "");
	} else {
		add_method(s, "thread", "");
		if (!(seed->wl_flags & TP_WL_NO_PROCESS)) {
			add_method(s, "process", "fork");
			add_method(s, "process", "spawn");
		}
	}
}

void tp_space_seed_from_machine(struct tp_space_seed *seed, const struct tp_machine *m,
				const struct tp_workload_desc *wd, long long ninputs)
{
	const struct tp_topology *t = &m->topo;
	int smt = t->smt > 0 ? t->smt : 1, i;

	memset(seed, 0, sizeof(*seed));
	seed->cpus_usable = m->cpus_usable;
	seed->pus = t->pus;
	seed->cores = t->cores;
	seed->numa_nodes = t->numa_nodes;
	for (i = 0; i < t->ncaches; i++)
		if (t->caches[i].level == 3 && t->caches[i].pus > 0)
			seed->cores_per_l3 = t->caches[i].pus / smt;
	if (t->numa_nodes > 1)
		seed->cores_per_numa = t->cores / t->numa_nodes;
	seed->mem_usable_kb = m->mem_usable_kb;
	seed->mem_per_worker_kb = m->mem_per_worker_kb;
	seed->open_files_max = m->open_files_max;
	seed->procs_max = m->nproc_max > 0 ? m->nproc_max : 0;
	if (m->pids_headroom >= 0 && (!seed->procs_max || m->pids_headroom < seed->procs_max))
		seed->procs_max = m->pids_headroom > 0 ? m->pids_headroom : 1;
	seed->max_workers = m->seeds.max_workers;
	seed->task_class = wd ? wd->task_class : TP_CLASS_UNKNOWN;
	seed->wl_flags = wd ? wd->flags : 0;
	seed->ninputs = ninputs;
	/* The probe's seed (32 per CPU, 64 MiB each) caps CPU- and memory-bound
	 * work; wait-bound and unknown work is bounded by the machine's real
	 * limits only (tp_space_build). */
	if (seed->task_class != TP_CLASS_CPU && seed->task_class != TP_CLASS_MEMORY)
		seed->max_workers = 0;
}

int tp_space_bind_modes(const struct tp_space_seed *seed, const char *modes[3])
{
	int n = 0, smt = seed->cores > 0 && seed->pus > seed->cores;

	modes[n++] = "none";
	if (smt || seed->numa_nodes > 1)
		modes[n++] = "core";
	if (seed->numa_nodes > 1)
		modes[n++] = "numa";
	return n;
}

int tp_space_batch_max(const struct tp_space *s, int workers)
{
	long long b;

	if (s->ninputs <= 0)
		return 1 << (TP_SPACE_MAX_BATCHES - 1);
	b = s->ninputs / (4LL * (workers > 0 ? workers : 1));
	return b < 1 ? 1 : (int)min_ll(b, 1 << (TP_SPACE_MAX_BATCHES - 1));
}

int tp_space_method_index(const struct tp_space *s, const struct tp_config *c)
{
	int i;

	for (i = 0; i < s->nmethods; i++)
		if (!strcmp(s->methods[i].strategy, c->strategy) &&
		    !strcmp(s->methods[i].start, c->start))
			return i;
	return -1;
}

int tp_space_allows(const struct tp_space *s, const struct tp_config *c)
{
	if (c->workers < 1 || c->workers > s->max_workers || c->batch < 1)
		return 0;
	if (s->ninputs > 0 && (long long)c->batch * c->workers > s->ninputs && c->batch > 1)
		return 0;
	return tp_space_method_index(s, c) >= 0;
}

struct tp_config tp_space_config(const struct tp_space *s, int workers, int batch, int method)
{
	struct tp_config c;

	memset(&c, 0, sizeof(c));
	c.workers = workers;
	c.batch = batch;
	snprintf(c.strategy, sizeof(c.strategy), "%s", s->methods[method].strategy);
	snprintf(c.start, sizeof(c.start), "%s", s->methods[method].start);
	return c;
}

size_t tp_space_grid(const struct tp_space *s, struct tp_config **out)
{
	size_t n = 0;
	int i, j, k;

	*out = calloc((size_t)s->nworkers * (size_t)s->nbatches * (size_t)s->nmethods + 1,
		      sizeof(**out));
	if (!*out)
		abort();
	for (k = 0; k < s->nmethods; k++)
		for (i = 0; i < s->nworkers; i++)
			for (j = 0; j < s->nbatches; j++) {
				if (s->batches[j] > tp_space_batch_max(s, s->workers[i]))
					continue;
				(*out)[n++] = tp_space_config(s, s->workers[i], s->batches[j], k);
			}
	return n;
}

/* The next canonical count above w (w >= 0), or INT_MAX past the cap. */
static int next_canonical(const struct tp_space *s, int w)
{
	int next = w < 8 ? w + 1 : INT_MAX, i, k;

	for (k = 1; k < 64 && w >= 8; k++) {
		double v = 8 * pow(2, k / 4.0);
		int c = v > INT_MAX / 2 ? INT_MAX : (int)lround(v);

		if (c > w) {
			next = c;
			break;
		}
	}
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i] > w && s->workers[i] < next)
			next = s->workers[i];
	return next;
}

int tp_space_between(const struct tp_space *s, int lo, int hi)
{
	double mid = (lo + hi) / 2.0;
	int w, pick = 0;

	for (w = next_canonical(s, lo); w < hi; w = next_canonical(s, w))
		if (!pick || fabs(w - mid) < fabs(pick - mid))
			pick = w;
	return pick;
}

int tp_space_snap(const struct tp_space *s, double want)
{
	int w = 1, best = 1;

	while (w <= s->max_workers) {
		if (fabs(w - want) < fabs(best - want))
			best = w;
		if (w > want)
			break;
		w = next_canonical(s, w);
	}
	return best;
}
