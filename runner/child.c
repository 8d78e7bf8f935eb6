/* Child processes of the pool: posix_spawn into their own process group, a
 * pidfd to wait on (or a SIGCHLD self-pipe where pidfd_open is missing),
 * group-wide SIGTERM then SIGKILL, reaping with rusage. */
#include "runner/child.h"

#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void tp_child_attr_init(posix_spawnattr_t *attr)
{
	sigset_t none, def;

	posix_spawnattr_init(attr);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGXFSZ);	/* tunepool ignores it; tasks get the default */
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &def);
	posix_spawnattr_setpgroup(attr, 0);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				       POSIX_SPAWN_SETSIGDEF);
}

/* ---- the SIGCHLD fallback ---- */

enum { WATCH_UNKNOWN, WATCH_PIDFD, WATCH_SIGCHLD };

static _Atomic int watch_mode = WATCH_UNKNOWN;
static _Atomic int forced;		/* tp_child_force_sigchld */
static int chld_pipe[2] = { -1, -1 };
static pthread_once_t chld_once = PTHREAD_ONCE_INIT;
static _Atomic int chld_ready;
static int chld_errno;

static void on_sigchld(int sig)
{
	int saved = errno;
	char c = 1;
	ssize_t rc = write(chld_pipe[1], &c, 1);

	(void)sig;
	(void)rc;	/* a full pipe is already readable */
	errno = saved;
}

static void chld_install(void)
{
	struct sigaction sa;

	if (pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		chld_errno = errno;
		tp_error("cannot create the SIGCHLD pipe: %s", strerror(errno));
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	atomic_store(&chld_ready, 1);
}

/* The fallback's pipe, installed once; 0, or -1 when it could not be made. */
static int chld_start(void)
{
	pthread_once(&chld_once, chld_install);
	if (!atomic_load(&chld_ready))
		return -1;
	/* A child that exited before the handler was there sent its SIGCHLD to
	 * nobody: one byte makes the loop look at every child once. */
	on_sigchld(SIGCHLD);
	return 0;
}

int tp_child_sigchld_fd(void)
{
	return atomic_load(&chld_ready) ? chld_pipe[0] : -1;
}

void tp_child_sigchld_ack(void)
{
	char buf[256];

	if (!atomic_load(&chld_ready))
		return;
	while (read(chld_pipe[0], buf, sizeof(buf)) > 0)
		;
}

void tp_child_force_sigchld(int on)
{
	atomic_store(&forced, on);
}

static int use_pidfd(void)
{
	int m = atomic_load(&watch_mode);

	if (atomic_load(&forced))
		return 0;
	if (m == WATCH_UNKNOWN) {
		const char *v = getenv("TUNEPOOL_TEST_NO_PIDFD");

		m = v && *v && strcmp(v, "0") ? WATCH_SIGCHLD : WATCH_PIDFD;
		atomic_store(&watch_mode, m);
	}
	return m == WATCH_PIDFD;
}

int tp_child_watch(struct tp_child *c, pid_t pid)
{
	int rc;

	c->pid = pid;
	c->pidfd = -1;
	if (use_pidfd()) {
		c->pidfd = pidfd_open(pid, 0);
		if (c->pidfd >= 0)
			return 0;
		rc = errno;
		if (rc != ENOSYS)
			goto fail;
		/* No pidfd_open here (valgrind, Linux < 5.3): SIGCHLD from now on. */
		atomic_store(&watch_mode, WATCH_SIGCHLD);
	}
	if (chld_start() == 0)
		return 0;
	rc = chld_errno;
fail:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	c->pid = 0;
	return rc;
}

/* ---- children ---- */

int tp_child_spawn(struct tp_child *c, const char *path, int search, char *const argv[],
		   const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr)
{
	return tp_child_spawn_env(c, path, search, argv, fa, attr, environ);
}

int tp_child_spawn_env(struct tp_child *c, const char *path, int search, char *const argv[],
		       const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		       char *const envp[])
{
	pid_t pid;
	int rc;

	memset(c, 0, sizeof(*c));
	c->pidfd = -1;
	rc = search ? posix_spawnp(&pid, path, fa, attr, argv, envp)
		    : posix_spawn(&pid, path, fa, attr, argv, envp);
	if (rc)
		return rc;
	return tp_child_watch(c, pid);
}

void tp_child_signal(struct tp_child *c, int sig)
{
	if (!c->pid)
		return;
	/* The group holds the task's own children; the pid itself covers a
	 * child that left its group. */
	kill(-c->pid, sig);
	kill(c->pid, sig);
}

void tp_child_term(struct tp_child *c, double now, double grace)
{
	if (c->term_sent)
		return;
	tp_child_signal(c, SIGTERM);
	c->term_sent = 1;
	c->kill_at = now + grace;
}

void tp_child_tick(struct tp_child *c, double now)
{
	if (c->kill_at > 0 && now >= c->kill_at) {
		tp_child_signal(c, SIGKILL);
		c->kill_at = 0;
	}
}

int tp_child_reap(struct tp_child *c, int *status, struct rusage *ru)
{
	pid_t r;

	do
		r = wait4(c->pid, status, WNOHANG, ru);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0) {
		/* Reaped elsewhere (a SIGCHLD handler of the caller): no status. */
		*status = 0;
		memset(ru, 0, sizeof(*ru));
	}
	if (c->kill_at > 0 || c->term_sent)
		kill(-c->pid, SIGKILL);	/* leftovers of a group we were ending */
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	c->pid = 0;
	return 1;
}

int tp_pipe_for_child(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return tp_error("cannot create a pipe: %s", strerror(errno));
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	return 0;
}
