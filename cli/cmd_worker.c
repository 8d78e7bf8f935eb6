/* `tunepool worker`: internal: the process-pool worker that `--start spawn`
 * runs.  It rebuilds the workload from its spec, then serves batches read on
 * fd 3 and answers results on fd 4 (protocol in runner/worker.h). */
#include "cli/cmd.h"
#include "core/log.h"
#include "core/opt.h"
#include "runner/worker.h"
#include "workloads/workload.h"

#include <fcntl.h>
#include <string.h>

static int worker_run(int argc, char **argv)
{
	struct tp_workload *wl;
	long long id = 0;
	int i, rc;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--id") && i + 1 < argc && !tp_parse_long(argv[i + 1], &id)) {
			i++;
			continue;
		}
		tp_usage_error("worker: unknown argument '%s' (this mode is internal)", argv[i]);
		return TP_EXIT_USAGE;
	}
	if (i + 2 != argc) {
		tp_usage_error("worker: expected '-- SPEC' (this mode is internal)");
		return TP_EXIT_USAGE;
	}
	if (fcntl(TP_WORKER_CMD_FD, F_GETFD) < 0 || fcntl(TP_WORKER_RES_FD, F_GETFD) < 0) {
		tp_usage_error("worker: no pool on fds %d and %d (this mode is internal: it is "
			       "started by --strategy process --start spawn)",
			       TP_WORKER_CMD_FD, TP_WORKER_RES_FD);
		return TP_EXIT_USAGE;
	}
	if (tp_workload_new(&wl, argv[i + 1]) < 0)
		return tp_error_exit_code();
	rc = tp_worker_serve(wl, (int)id, TP_WORKER_CMD_FD, TP_WORKER_RES_FD);
	tp_workload_free(wl);
	return rc;
}

const struct tp_cmd_desc tp_cmd_worker = {
	.name = "worker",
	.summary = "internal: process-pool worker mode",
	.usage = "tunepool worker --id N -- SPEC (internal: started by --start spawn)",
	.help = "Internal: the worker process of `--strategy process --start spawn`.  It reads\n"
		"batches on fd 3 and writes results on fd 4; it is not meant to be run by hand.\n",
	.run = worker_run,
	.unsupported_reason = NULL,
	.hidden = 1,
};
