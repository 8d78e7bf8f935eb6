/* Staged pipelines: splitting a run command line at --then, the process that
 * runs the next stages, and the exit code of the whole pipeline. */
#include "runner/stages.h"

#include "core/alloc.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Options that name this stage's inputs: the next stage reads ours. */
static int input_option(const char *a, int *takes_value)
{
	static const char *const with_value[] = { "--inputs", "--count", "--stage", NULL };
	const char *const *o;

	*takes_value = 0;
	for (o = with_value; *o; o++) {
		size_t n = strlen(*o);

		if (!strncmp(a, *o, n) && (a[n] == '\0' || a[n] == '=')) {
			*takes_value = a[n] == '\0';
			return 1;
		}
	}
	return 0;
}

/* Options naming a file each stage writes: stage K >= 2 writes its own. */
static int per_stage_file(const char *a, int *takes_value)
{
	static const char *const opts[] = { "--results", "--log-decisions", NULL };
	const char *const *o;

	for (o = opts; *o; o++) {
		size_t n = strlen(*o);

		if (!strncmp(a, *o, n) && (a[n] == '\0' || a[n] == '=')) {
			*takes_value = a[n] == '\0';
			return (int)n;
		}
	}
	return 0;
}

char *tp_stages_unpath(const char *path, int stage)
{
	char tag[24];
	const char *hit = NULL, *p = path;
	size_t tn;
	char *out;

	if (stage < 2)
		return tp_xstrdup(path);
	tn = (size_t)snprintf(tag, sizeof(tag), ".stage%d", stage);
	while ((p = strstr(p, tag))) {
		if (p[tn] == '\0' || p[tn] == '.')
			hit = p;
		p += tn;
	}
	if (!hit)
		return tp_xstrdup(path);
	out = tp_xmalloc(strlen(path) + 1);
	memcpy(out, path, (size_t)(hit - path));
	strcpy(out + (hit - path), hit + tn);
	return out;
}

char *tp_stages_path(const char *path, int stage)
{
	const char *base = strrchr(path, '/'), *dot;
	char tag[24], *out;
	size_t n, tn, at;

	base = base ? base + 1 : path;
	if (stage < 2)
		return tp_xstrdup(path);
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		dot = base + strlen(base);
	tn = (size_t)snprintf(tag, sizeof(tag), ".stage%d", stage);
	n = strlen(path);
	at = (size_t)(dot - path);
	out = tp_xmalloc(n + tn + 1);
	memcpy(out, path, at);
	memcpy(out + at, tag, tn);
	memcpy(out + at + tn, path + at, n - at + 1);
	return out;
}

static int feeds_next;

int tp_stages_feeds_next(void)
{
	return feeds_next;
}

int tp_stages_refeed(const char *answer, size_t len)
{
	if (len && (fwrite(answer, 1, len, stdout) != len || fflush(stdout)))
		return tp_error("cannot feed the next stage: %s", strerror(errno));
	return 0;
}

/* The rest of the pipeline's command line: our options, less the inputs,
 * with per-stage file names, then --stage K+1 and the next commands. */
static char **next_stage_argv(int argc, char **argv, int dd, int then, int inputs, int stage,
			      struct tp_stages *st, char *stagebuf, size_t bufsize)
{
	char **child = tp_xcalloc((size_t)argc + 4, sizeof(*child));
	int i, k = 0;

	child[k++] = "tunepool";
	for (i = 0; i < dd; i++) {
		int takes, n;

		if (input_option(argv[i], &takes)) {
			i += takes;
			continue;
		}
		if ((n = per_stage_file(argv[i], &takes)) && (!takes || i + 1 < dd)) {
			/* Named from the first stage's file: FILE.stageK before its extension. */
			const char *path = takes ? argv[i + 1] : argv[i] + n + 1;
			char *own = tp_stages_unpath(path, stage ? stage : 1);
			char *next = tp_stages_path(own, (stage ? stage : 1) + 1);

			free(own);
			if (takes) {
				child[k++] = argv[i++];
			} else {
				char *opt = tp_xmalloc((size_t)n + strlen(next) + 2);

				memcpy(opt, argv[i], (size_t)n + 1);
				strcpy(opt + n + 1, next);
				free(next);
				next = opt;
			}
			child[k++] = next;
			if (st->npaths < 4)
				st->paths[st->npaths++] = next;	/* else kept to the end */
			continue;
		}
		child[k++] = argv[i];
	}
	snprintf(stagebuf, bufsize, "%d", (stage ? stage : 1) + 1);
	child[k++] = "--stage";
	child[k++] = stagebuf;
	child[k++] = "--";
	for (i = then + 1; i < inputs; i++)
		child[k++] = argv[i];
	child[k] = NULL;
	return child;
}

/* Starts the next stages (child, freed here) reading a pipe that becomes our
 * standard output. */
static int spawn_next(struct tp_stages *st, char **child)
{
	posix_spawn_file_actions_t fa;
	int fds[2], rc, i;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(child);
		return tp_error("cannot create the pipe between stages: %s", strerror(errno));
	}
	fcntl(fds[1], F_SETPIPE_SZ, TP_STAGE_QUEUE_BYTES);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	rc = posix_spawn(&st->next, "/proc/self/exe", &fa, NULL, child, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(child);
	for (i = 0; i < st->npaths; i++)
		free(st->paths[i]);
	st->npaths = 0;
	close(fds[0]);
	if (rc) {
		close(fds[1]);
		st->next = 0;
		return tp_error("cannot start the next stage: %s", strerror(rc));
	}
	fflush(stdout);
	if (dup2(fds[1], STDOUT_FILENO) < 0) {
		rc = errno;
		close(fds[1]);
		return tp_error("cannot connect the next stage: %s", strerror(rc));
	}
	close(fds[1]);
	return 0;
}

int tp_stages_split(int argc, char **argv, struct tp_stages *st)
{
	int dd = -1, then = -1, inputs = argc, i, k, stage = 0;
	char **child;
	char stagebuf[16];

	memset(st, 0, sizeof(*st));
	st->argc = argc;
	st->argv = argv;
	for (i = 1; i < argc && dd < 0; i++)
		if (!strcmp(argv[i], "--"))
			dd = i;
	if (dd < 0)
		return 0;
	for (i = 1; i < dd; i++) {
		if (!strcmp(argv[i], "--stage") && i + 1 < dd)
			stage = atoi(argv[i + 1]);
		else if (!strncmp(argv[i], "--stage=", 8))
			stage = atoi(argv[i] + 8);
	}
	st->stage = stage;
	for (i = dd + 1; i < argc; i++) {
		if (!strcmp(argv[i], ":::")) {
			inputs = i;
			break;
		}
		if (then < 0 && !strcmp(argv[i], "--then"))
			then = i;
	}
	if (then < 0)
		return 0;
	if (then == dd + 1)
		return tp_usage_error("run: stage %d before --then has no command", stage ? stage : 1);
	for (i = then + 1; i < inputs && strcmp(argv[i], "--then"); i++)
		;
	if (i == then + 1)
		return tp_usage_error("run: --then at word %d has no command after it", then);
	child = next_stage_argv(argc, argv, dd, then, inputs, stage, st, stagebuf,
				sizeof(stagebuf));
	if (spawn_next(st, child))
		return -1;

	/* This stage: the options, its command, and the inputs. */
	st->argv = tp_xcalloc((size_t)argc + 3, sizeof(*st->argv));
	st->owned = 1;
	k = 0;
	for (i = 0; i < then; i++) {
		if (i == dd && !stage) {
			snprintf(st->stagebuf, sizeof(st->stagebuf), "1");
			st->argv[k++] = "--stage";
			st->argv[k++] = st->stagebuf;
		}
		st->argv[k++] = argv[i];
	}
	for (i = inputs; i < argc; i++)
		st->argv[k++] = argv[i];
	st->argv[k] = NULL;
	st->argc = k;
	if (!st->stage)
		st->stage = 1;
	feeds_next = 1;
	return 1;
}

static int severity(int rc)
{
	return rc == 130 ? 5 : rc == 3 ? 4 : rc == 2 ? 3 : rc == 1 ? 2 : rc ? 4 : 0;
}

int tp_stages_finish(struct tp_stages *st, int rc)
{
	int status, next_rc;
	pid_t r;

	if (!st->next)
		return rc;
	fflush(stdout);
	{
		/* End of input for the next stage; stdout stays a valid descriptor. */
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			close(null);
		} else {
			close(STDOUT_FILENO);
		}
	}
	if (rc == 130)
		kill(st->next, SIGTERM);
	do
		r = waitpid(st->next, &status, 0);
	while (r < 0 && errno == EINTR);
	st->next = 0;
	if (r < 0)
		return rc ? rc : 3;
	next_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (next_rc == 128 + SIGTERM || next_rc == 128 + SIGINT)
		next_rc = 130;
	return severity(next_rc) > severity(rc) ? next_rc : rc;
}

void tp_stages_release(struct tp_stages *st)
{
	if (st->owned)
		free(st->argv);
	st->argv = NULL;
	st->argc = 0;
	st->owned = 0;
}
