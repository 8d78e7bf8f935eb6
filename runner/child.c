/* Child processes of the pool: posix_spawn into their own process group, a
 * pidfd to wait on, group-wide SIGTERM then SIGKILL, reaping with rusage. */
#include "runner/child.h"

#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

int tp_child_spawn(struct tp_child *c, const char *path, int search, char *const argv[],
		   const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr)
{
	pid_t pid;
	int rc;

	memset(c, 0, sizeof(*c));
	c->pidfd = -1;
	rc = search ? posix_spawnp(&pid, path, fa, attr, argv, environ)
		    : posix_spawn(&pid, path, fa, attr, argv, environ);
	if (rc)
		return rc;
	c->pid = pid;
	c->pidfd = pidfd_open(pid, 0);
	if (c->pidfd < 0) {
		rc = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		c->pid = 0;
		return rc;
	}
	return 0;
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
