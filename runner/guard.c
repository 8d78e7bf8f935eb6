/* The guard process: it learns each task's process group over a pipe and,
 * when the runner is gone (its pidfd turns readable, or kill(pid, 0) fails),
 * sends SIGTERM then SIGKILL to every group still registered.  It learns over
 * a socket whose messages are 8 bytes. */
#include "runner/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GUARD_MAX (1 << 20)	/* groups it can hold: far more than any pool */
#define GUARD_GRACE_MS 500	/* between SIGTERM and SIGKILL */

struct guard_msg {
	int32_t op;		/* 1 add, 2 remove */
	int32_t pgid;
};

static int guard_wfd = -1;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void end_groups(const int32_t *g, size_t n, int sig)
{
	size_t i;

	for (i = 0; i < n; i++) {
		kill(-g[i], sig);
		kill(g[i], sig);
	}
}

/* The guard itself: only system calls from here on (it is a fork of a
 * multithreaded process). */
static void __attribute__((noreturn)) guard_main(int rfd, pid_t runner)
{
	int32_t *g;
	int pfd, nul, sig;
	struct pollfd pf[2];
	size_t n = 0, i;
	struct guard_msg m;
	struct timespec grace = { 0, GUARD_GRACE_MS * 1000000L };

	/* Away from the terminal's signals and from every file of the runner:
	 * holding a copy of its stdout, or of a task's output pipe, would keep
	 * their readers waiting for an end of file. */
	setsid();
	for (sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_IGN);
	if (rfd != 3) {
		dup2(rfd, 3);
		rfd = 3;
	}
	close_range(4, ~0U, 0);
	nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 3)
			close(nul);
	}
	pfd = (int)pidfd_open(runner, 0);
	g = mmap(NULL, GUARD_MAX * sizeof(int32_t), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g == MAP_FAILED)
		_exit(1);
	for (;;) {
		int timeout = 200;

		pf[0].fd = rfd;
		pf[0].events = POLLIN;
		pf[1].fd = pfd;
		pf[1].events = POLLIN;
		if (pfd >= 0)
			timeout = -1;
		if (poll(pf, pfd >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR)
			break;
		if (pfd >= 0 ? (pf[1].revents & POLLIN) != 0 : kill(runner, 0) < 0 && errno == ESRCH)
			break;	/* the runner is gone */
		if (!(pf[0].revents & (POLLIN | POLLHUP)))
			continue;
		if (read(rfd, &m, sizeof(m)) != (ssize_t)sizeof(m))
			break;	/* EOF: every writer is gone */
		if (m.op == 1 && n < GUARD_MAX) {
			g[n++] = m.pgid;
		} else if (m.op == 2) {
			for (i = n; i-- > 0;)
				if (g[i] == m.pgid) {
					g[i] = g[--n];
					break;
				}
		}
	}
	/* Messages still in the pipe come first: a task added just before. */
	fcntl(rfd, F_SETFL, O_NONBLOCK);
	while (read(rfd, &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		if (m.op == 1 && n < GUARD_MAX)
			g[n++] = m.pgid;
		else if (m.op == 2)
			for (i = n; i-- > 0;)
				if (g[i] == m.pgid) {
					g[i] = g[--n];
					break;
				}
	}
	if (n) {
		end_groups(g, n, SIGTERM);
		nanosleep(&grace, NULL);
		end_groups(g, n, SIGKILL);
	}
	_exit(0);
}

static void guard_start(void)
{
	int fds[2], status = 0;
	pid_t runner = getpid(), pid;

	/* A socket, not a pipe: send(MSG_NOSIGNAL) to a guard that is gone
	 * raises no SIGPIPE (which would stop the run). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		/* A grandchild, so that init (or a subreaper) reaps it, not us. */
		pid_t g = fork();

		if (g == 0) {
			close(fds[1]);
			guard_main(fds[0], runner);
		}
		_exit(g < 0);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		close(fds[1]);	/* no guard (out of processes): tasks end only with us */
		return;
	}
	guard_wfd = fds[1];
}

static void guard_send(int op, pid_t pgid)
{
	struct guard_msg m = { op, (int32_t)pgid };
	ssize_t w;

	if (guard_wfd < 0)
		return;
	/* 8 bytes in one send: whole, whichever thread sends. */
	do
		w = send(guard_wfd, &m, sizeof(m), MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
}

void tp_guard_add(pid_t pgid)
{
	pthread_once(&guard_once, guard_start);
	guard_send(1, pgid);
}

void tp_guard_remove(pid_t pgid)
{
	guard_send(2, pgid);
}
