/* The guard: a small process, started with the first task, that ends the
 * process groups of the tasks still running when tunepool itself dies, however
 * it dies (SIGKILL included), so that no task outlives the runner. */
#ifndef TP_RUNNER_GUARD_H
#define TP_RUNNER_GUARD_H

#include <sys/types.h>

/* Registers the task with process group pgid (its pid) with the guard,
 * starting the guard on first use; unregisters it once reaped.  Never fail:
 * without a guard (fork failed) tasks are only ended by a living runner. */
void tp_guard_add(pid_t pgid);
void tp_guard_remove(pid_t pgid);

#endif
