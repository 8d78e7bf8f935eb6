/* The cpu workload: hash `bytes` of a worker-private buffer per task. */
#include "workloads/workload.h"
#include "core/log.h"
#include "workloads/hash.h"

#include <stdlib.h>
#include <string.h>

static const struct tp_opt cpu_opts[] = {
	{ "bytes", TP_OPT_SIZE, 1, 1e9, "64K", "bytes hashed per task", NULL },
	{ "rounds", TP_OPT_INT, 1, 1e9, "1", "times the buffer is hashed per task", NULL },
	TP_OPT_END,
};

struct cpu_worker {
	unsigned char *buf;
	size_t bytes;
	long rounds;
	volatile uint64_t sink;
};

static int cpu_worker_init(struct tp_workload *wl, void **wstate)
{
	struct cpu_worker *w = calloc(1, sizeof(*w));
	size_t i;

	if (!w)
		return tp_error("workload 'cpu': out of memory");
	w->bytes = (size_t)tp_optset_num(&wl->opts, "bytes");
	w->rounds = (long)tp_optset_num(&wl->opts, "rounds");
	w->buf = malloc(w->bytes);
	if (!w->buf) {
		free(w);
		return tp_error("workload 'cpu': cannot allocate bytes = %s",
				tp_optset_str(&wl->opts, "bytes"));
	}
	for (i = 0; i < w->bytes; i++)
		w->buf[i] = (unsigned char)(i * 131 + 7);
	*wstate = w;
	return 0;
}

static int cpu_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
		       size_t errlen)
{
	struct cpu_worker *w = wstate;
	size_t len = strlen(input);
	uint64_t h = 0;
	long r;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	for (r = 0; r < w->rounds; r++)
		h ^= tp_hash_task(w->buf, w->bytes, input, len) + (uint64_t)r;
	w->sink = h;
	return 0;
}

static void cpu_worker_fini(struct tp_workload *wl, void *wstate)
{
	struct cpu_worker *w = wstate;

	if (!w)
		return;
	free(w->buf);
	free(w);
}

const struct tp_workload_desc tp_workload_cpu = {
	.name = "cpu",
	.summary = "compute-bound: hash `bytes` of a private buffer per task",
	.opts = cpu_opts,
	.task_class = TP_CLASS_CPU,
	.worker_init = cpu_worker_init,
	.process = cpu_process,
	.worker_fini = cpu_worker_fini,
};
