/* A process worker: the loop a forked or spawned worker process runs, and
 * its protocol with the pool over two pipes. */
#ifndef TP_RUNNER_WORKER_H
#define TP_RUNNER_WORKER_H

#include <stdint.h>

struct tp_workload;

/* Descriptors a spawned worker inherits (set up by the pool). */
#define TP_WORKER_CMD_FD 3	/* batches from the pool */
#define TP_WORKER_RES_FD 4	/* results to the pool */

/* pool -> worker: a header, then `bytes` bytes holding n NUL-terminated inputs. */
struct tp_wmsg_batch {
	uint32_t n;
	uint32_t flags;
	uint64_t bytes;
};

#define TP_WFLAG_EACH 1u	/* send each result at once (timeouts are on) */

/* worker -> pool: a header, then errlen bytes of error text (no NUL), then
 * outlen bytes of the task's result (plugin ABI 2). */
struct tp_wmsg_result {
	uint32_t kind;		/* TP_WMSG_READY once after init, then one RESULT per task */
	int32_t rc;		/* 0 = ok */
	double duration_s;
	uint32_t errlen;
	uint32_t outlen;
};

enum { TP_WMSG_READY = 1, TP_WMSG_RESULT = 2 };

/* Initialises the worker state, answers READY, then runs every batch read
 * from in_fd until end of file, writing results to out_fd.  A worker whose
 * init failed answers every task with the error.  Returns an exit code. */
int tp_worker_serve(struct tp_workload *wl, int id, int in_fd, int out_fd);

#endif
