/* Child processes of the pool: spawned into their own process group, watched
 * through a pidfd (or, where pidfd_open is missing, a SIGCHLD self-pipe),
 * ended group-wide, reaped with their rusage. */
#ifndef TP_RUNNER_CHILD_H
#define TP_RUNNER_CHILD_H

#include <spawn.h>
#include <sys/resource.h>
#include <sys/types.h>

struct tp_child {
	pid_t pid;		/* 0 when none */
	int pidfd;		/* readable once the child exited; -1 when watched
				 * through tp_child_sigchld_fd() instead */
	int term_sent;		/* SIGTERM sent to its group */
	double kill_at;		/* when to send SIGKILL (0 = not scheduled) */
};

/* Attributes shared by every child: its own process group, no blocked signals,
 * SIGPIPE/SIGINT/SIGTERM/SIGHUP at their defaults. */
void tp_child_attr_init(posix_spawnattr_t *attr);

/* Spawns path (searched in PATH when search) and watches it (tp_child_watch).
 * Returns 0, or an errno value (the child could not be started). */
int tp_child_spawn(struct tp_child *c, const char *path, int search, char *const argv[],
		   const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr);
/* The same with the environment envp instead of the process's. */
int tp_child_spawn_env(struct tp_child *c, const char *path, int search, char *const argv[],
		       const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		       char *const envp[]);
/* Starts watching a child of ours: a pidfd when the kernel has pidfd_open,
 * else (ENOSYS: valgrind, Linux < 5.3) pidfd = -1 and the process-wide
 * SIGCHLD self-pipe.  Returns 0, or an errno value (EMFILE) after killing
 * and reaping the child. */
int tp_child_watch(struct tp_child *c, pid_t pid);
/* The read end of the SIGCHLD self-pipe, readable after any child exited;
 * -1 until the fallback is in use.  An event loop polls it once when some
 * child has pidfd -1, and when it is readable calls tp_child_sigchld_ack()
 * and then tries tp_child_reap() on every such child. */
int tp_child_sigchld_fd(void);
void tp_child_sigchld_ack(void);
/* Tests: 1 watches new children through SIGCHLD as if pidfd_open were
 * missing, 0 goes back to pidfds (the environment variable
 * TUNEPOOL_TEST_NO_PIDFD=1 does the same for a whole process). */
void tp_child_force_sigchld(int on);
/* Sends sig to the child's process group (and the child). */
void tp_child_signal(struct tp_child *c, int sig);
/* SIGTERM now, SIGKILL after grace seconds (see tp_child_tick). */
void tp_child_term(struct tp_child *c, double now, double grace);
/* Sends the scheduled SIGKILL when its time has come. */
void tp_child_tick(struct tp_child *c, double now);
/* Reaps an exited child: 1 with *status and *ru, 0 when still running. */
int tp_child_reap(struct tp_child *c, int *status, struct rusage *ru);

/* Creates a pipe whose read end (for the parent) is non-blocking; both ends
 * close on exec.  Returns 0, or -1 with an error printed. */
int tp_pipe_for_child(int fds[2]);

#endif
