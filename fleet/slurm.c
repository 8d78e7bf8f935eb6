/* Slurm's client commands as child processes, the array submission and the
 * polling loop with backoff. */
#include "fleet/slurm.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t wait_stopped;

void tp_fleet_wait_stop(void)
{
	wait_stopped = 1;
}

static void drain(int fd, struct tp_strbuf *sb, int *open_)
{
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof(buf));

	if (r > 0) {
		if (sb)
			tp_strbuf_add(sb, buf, (size_t)r);
	} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
		*open_ = 0;
	}
}

int tp_fleet_exec(char *const argv[], struct tp_strbuf *out, struct tp_strbuf *err)
{
	posix_spawn_file_actions_t fa;
	int po[2], pe[2], rc, status, open_out = 1, open_err = 1;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC))
		return tp_error("cannot run '%s': pipe: %s", argv[0], strerror(errno));
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return tp_error("cannot run '%s': pipe: %s", argv[0], strerror(errno));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc) {
		close(po[0]);
		close(pe[0]);
		return tp_error("cannot run '%s': %s", argv[0], strerror(rc));
	}
	while (open_out || open_err) {
		struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };

		if (!open_out)
			p[0].fd = -1;
		if (!open_err)
			p[1].fd = -1;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (open_out && p[0].revents)
			drain(po[0], out, &open_out);
		if (open_err && p[1].revents)
			drain(pe[0], err, &open_err);
	}
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return tp_error("cannot wait for '%s': %s", argv[0], strerror(errno));
	if (WIFSIGNALED(status))
		return tp_error("'%s' was killed by signal %d", argv[0], WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* The first line of a command's stderr, for error messages. */
static const char *first_line(struct tp_strbuf *sb)
{
	if (!sb->len)
		return "no message";
	sb->buf[strcspn(sb->buf, "\n")] = '\0';
	return sb->buf;
}

static char **split_lines(const char *text, size_t *n)
{
	char **v = NULL;
	size_t alloc = 0;
	const char *p = text;

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len) {
			tp_grow((void **)&v, &alloc, *n + 2, sizeof(*v));
			v[(*n)++] = tp_xstrndup(p, len);
		}
		p += len;
		if (*p)
			p++;
	}
	tp_grow((void **)&v, &alloc, *n + 1, sizeof(*v));
	v[*n] = NULL;
	return v;
}

void tp_fleet_names_free(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

char **tp_fleet_hostnames(const char *expr, size_t *n)
{
	char *argv[] = { "scontrol", "show", "hostnames", (char *)expr, NULL };
	struct tp_strbuf out = TP_STRBUF_INIT, err = TP_STRBUF_INIT;
	char **names = NULL;
	int rc = tp_fleet_exec(argv, &out, &err);

	*n = 0;
	if (rc > 0)
		tp_usage_error("cannot expand the node list '%s': %s", expr, first_line(&err));
	else if (rc == 0)
		names = split_lines(out.buf, n);
	if (names && !*n) {
		tp_usage_error("the node list '%s' names no nodes", expr);
		tp_fleet_names_free(names);
		names = NULL;
	}
	tp_strbuf_release(&out);
	tp_strbuf_release(&err);
	return names;
}

static int has_feature(const char *list, const char *feature)
{
	size_t len = strlen(feature);
	const char *p = list;

	while (*p) {
		size_t l = strcspn(p, ",");

		if (l == len && !strncmp(p, feature, len))
			return 1;
		p += l;
		if (*p)
			p++;
	}
	return 0;
}

char **tp_fleet_usable_nodes(const char *partition, const char *feature, size_t *n)
{
	char part[256];
	char *argv[] = { "sinfo", "-h", "-N", "-o", "%N|%f|%t", NULL, NULL };
	struct tp_strbuf out = TP_STRBUF_INIT, err = TP_STRBUF_INIT;
	char **lines, **names;
	size_t i, nl, k = 0;
	int rc;

	*n = 0;
	if (partition) {
		snprintf(part, sizeof(part), "--partition=%s", partition);
		argv[5] = part;
	}
	rc = tp_fleet_exec(argv, &out, &err);
	if (rc) {
		if (rc > 0)
			tp_error("cannot list the nodes: sinfo: %s", first_line(&err));
		tp_strbuf_release(&out);
		tp_strbuf_release(&err);
		return NULL;
	}
	lines = split_lines(out.buf, &nl);
	names = tp_xcalloc(nl + 1, sizeof(*names));
	for (i = 0; i < nl; i++) {
		char *name = lines[i], *feat = strchr(name, '|'), *state;
		size_t j;
		int dup = 0;

		if (!feat || !(state = strchr(feat + 1, '|')))
			continue;
		*feat++ = '\0';
		*state++ = '\0';
		/* down, drained, draining, failing, not responding (*), future */
		if (strstr(state, "down") || strstr(state, "drain") || strstr(state, "fail") ||
		    strchr(state, '*') || strstr(state, "futr") || strstr(state, "maint"))
			continue;
		if (feature && !has_feature(feat, feature))
			continue;
		for (j = 0; j < k; j++)
			dup |= !strcmp(names[j], name);	/* a node in two partitions */
		if (!dup)
			names[k++] = tp_xstrdup(name);
	}
	*n = k;
	tp_fleet_names_free(lines);
	tp_strbuf_release(&out);
	tp_strbuf_release(&err);
	return names;
}

char *tp_fleet_exclude_for(const char *partition, char *const *want, size_t nwant)
{
	size_t nall, i, j;
	char **all = tp_fleet_usable_nodes(partition, NULL, &nall);
	struct tp_strbuf sb = TP_STRBUF_INIT;

	if (!all)
		return NULL;
	tp_strbuf_adds(&sb, "");
	for (i = 0; i < nall; i++) {
		for (j = 0; j < nwant; j++)
			if (!strcmp(all[i], want[j]))
				break;
		if (j < nwant)
			continue;
		if (sb.len)
			tp_strbuf_addch(&sb, ',');
		tp_strbuf_adds(&sb, all[i]);
	}
	tp_fleet_names_free(all);
	return tp_strbuf_detach(&sb);
}

int tp_fleet_sbatch(char *const *args, size_t nargs, const char *script, char *jobid,
		    size_t size)
{
	char **argv = tp_xcalloc(nargs + 4, sizeof(*argv));
	struct tp_strbuf out = TP_STRBUF_INIT, err = TP_STRBUF_INIT;
	size_t i, k = 0;
	int rc;

	argv[k++] = "sbatch";
	argv[k++] = "--parsable";
	for (i = 0; i < nargs; i++)
		argv[k++] = args[i];
	argv[k++] = (char *)script;
	rc = tp_fleet_exec(argv, &out, &err);
	free(argv);
	if (rc > 0) {
		rc = tp_usage_error("sbatch refused '%s': %s", script, first_line(&err));
	} else if (rc == 0) {
		size_t len = strspn(out.buf ? out.buf : "", "0123456789");

		if (!len || len >= size)
			rc = tp_error("cannot read the job id from sbatch: '%s'", first_line(&out));
		else
			snprintf(jobid, size, "%.*s", (int)len, out.buf);
	}
	tp_strbuf_release(&out);
	tp_strbuf_release(&err);
	return rc;
}

int tp_fleet_submit_array(const struct tp_fleet_array *a, char *jobid, size_t size)
{
	char *args[16], *own[6] = { NULL };
	size_t n = 0, k = 0;
	int rc;

	args[n++] = (char *)a->array;
	args[n++] = "--exclusive";
	args[n++] = "--nodes=1";
	args[n++] = "--ntasks=1";
	if (a->no_requeue)
		args[n++] = "--no-requeue";
	args[n++] = own[k++] = tp_xasprintf("--job-name=%s", a->job_name);
	args[n++] = own[k++] = tp_xasprintf("--output=%s/%%A_%%a.out", a->logdir);
	args[n++] = own[k++] = tp_xasprintf("--error=%s/%%A_%%a.err", a->logdir);
	if (a->partition && *a->partition)
		args[n++] = own[k++] = tp_xasprintf("--partition=%s", a->partition);
	if (a->constraint && *a->constraint)
		args[n++] = own[k++] = tp_xasprintf("--constraint=%s", a->constraint);
	if (a->exclude && *a->exclude)
		args[n++] = own[k++] = tp_xasprintf("--exclude=%s", a->exclude);
	rc = tp_fleet_sbatch(args, n, a->script, jobid, size);
	while (k)
		free(own[--k]);
	return rc;
}

void tp_fleet_scancel(const char *jobid)
{
	char *argv[] = { "scancel", (char *)jobid, NULL };
	struct tp_strbuf err = TP_STRBUF_INIT;

	if (tp_fleet_exec(argv, NULL, &err) > 0)
		tp_warn("scancel %s: %s", jobid, first_line(&err));
	tp_strbuf_release(&err);
}

static enum tp_task_state map_state(const char *s)
{
	if (!strcmp(s, "PENDING") || !strcmp(s, "REQUEUED") || !strcmp(s, "CONFIGURING") ||
	    !strcmp(s, "REQUEUE_HOLD") || !strcmp(s, "REQUEUE_FED") || !strcmp(s, "RESV_DEL_HOLD"))
		return TP_TASK_PENDING;
	if (!strcmp(s, "RUNNING") || !strcmp(s, "COMPLETING") || !strcmp(s, "SUSPENDED") ||
	    !strcmp(s, "STAGE_OUT") || !strcmp(s, "SIGNALING") || !strcmp(s, "RESIZING") ||
	    !strcmp(s, "STOPPED"))
		return TP_TASK_RUNNING;
	if (!strcmp(s, "COMPLETED"))
		return TP_TASK_DONE;
	return TP_TASK_FAILED;
}

/* The value of "Key=" in an `scontrol -o` record into buf ("" when absent). */
static void field(const char *rec, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = rec;

	buf[0] = '\0';
	while ((p = strstr(p, key))) {
		if ((p == rec || p[-1] == ' ') && p[klen] == '=') {
			size_t len = strcspn(p + klen + 1, " \n");

			snprintf(buf, size, "%.*s", (int)len, p + klen + 1);
			return;
		}
		p += klen;
	}
}

/* Applies one record to every index of its ArrayTaskId ("3", "0-7%2", "1,4-5"). */
static void apply_record(const char *rec, struct tp_fleet_task *tasks, size_t n)
{
	char ids[256], state[32], node[64], code[32];
	char *p, *save = NULL;
	int exit_code = -1, sig = 0;

	field(rec, "ArrayTaskId", ids, sizeof(ids));
	field(rec, "JobState", state, sizeof(state));
	field(rec, "BatchHost", node, sizeof(node));
	field(rec, "ExitCode", code, sizeof(code));
	if (!*ids || !*state)
		return;
	if (*code)
		sscanf(code, "%d:%d", &exit_code, &sig);
	ids[strcspn(ids, "%")] = '\0';
	for (p = strtok_r(ids, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		long a, b;
		char *end;

		a = strtol(p, &end, 10);
		b = *end == '-' ? strtol(end + 1, NULL, 10) : a;
		for (; a <= b && a >= 0; a++) {
			struct tp_fleet_task *t;

			if ((size_t)a >= n)
				break;
			t = &tasks[a];
			t->state = map_state(state);
			snprintf(t->slurm_state, sizeof(t->slurm_state), "%s", state);
			if (*node)
				snprintf(t->node, sizeof(t->node), "%s", node);
			t->exit_code = t->state >= TP_TASK_DONE ? exit_code : -1;
			t->signal = sig;
		}
	}
}

int tp_fleet_poll(const char *jobid, struct tp_fleet_task *tasks, size_t n)
{
	char *argv[] = { "scontrol", "-o", "show", "job", (char *)jobid, NULL };
	struct tp_strbuf out = TP_STRBUF_INIT, err = TP_STRBUF_INIT;
	int rc = tp_fleet_exec(argv, &out, &err);

	if (rc == 0) {
		char **recs;
		size_t i, nr;

		recs = split_lines(out.buf, &nr);
		for (i = 0; i < nr; i++)
			apply_record(recs[i], tasks, n);
		tp_fleet_names_free(recs);
	} else if (rc > 0 && err.len && strstr(err.buf, "Invalid job id")) {
		/* Purged (MinJobAge passed): whatever had not ended is unknown now. */
		size_t i;

		for (i = 0; i < n; i++)
			if (tasks[i].state < TP_TASK_DONE)
				tasks[i].state = TP_TASK_UNKNOWN;
		rc = 0;
	} else if (rc > 0) {
		rc = tp_error("cannot poll job %s: scontrol: %s", jobid, first_line(&err));
	}
	tp_strbuf_release(&out);
	tp_strbuf_release(&err);
	return rc;
}

static int all_ended(const struct tp_fleet_task *tasks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tasks[i].state < TP_TASK_DONE)
			return 0;
	return 1;
}

static void sleep_s(double s)
{
	struct timespec ts;
	double end = tp_now_s() + s;

	/* In short steps, so that a stop request is seen soon. */
	while (!wait_stopped && tp_now_s() < end) {
		double left = end - tp_now_s(), step = left < 0.1 ? left : 0.1;

		ts.tv_sec = (time_t)step;
		ts.tv_nsec = (long)((step - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

int tp_fleet_wait(const char *jobid, struct tp_fleet_task *tasks, size_t n,
		  double max_interval_s, tp_fleet_progress_fn progress, void *arg)
{
	double interval = 0.2;

	if (max_interval_s < 0.2)
		max_interval_s = 0.2;
	for (;;) {
		sleep_s(interval);
		if (wait_stopped)
			return 1;
		if (tp_fleet_poll(jobid, tasks, n))
			return -1;
		if (progress && progress(tasks, n, arg))
			return 1;
		if (all_ended(tasks, n))
			return 0;
		interval *= 1.5;
		if (interval > max_interval_s)
			interval = max_interval_s;
	}
}

const char *tp_fleet_task_state_name(enum tp_task_state s)
{
	static const char *const names[] = { "pending", "running", "done", "failed", "unknown" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *tp_fleet_self_path(void)
{
	static char path[PATH_MAX];
	ssize_t len;

	if (*path)
		return path;
	len = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (len <= 0)
		snprintf(path, sizeof(path), "tunepool");
	else
		path[len] = '\0';
	return path;
}
