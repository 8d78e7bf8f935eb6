/* The workload table, workload instances (spec parsing, the fault options
 * every workload accepts) and shared-state hand-over to spawned workers. */
#include "workloads/workload.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "workloads/list.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "workloads/hash.h"
#include "workloads/plugin.h"

#define DECLARE(n) extern const struct tp_workload_desc tp_workload_##n;
TP_WORKLOADS(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_workload_##n,
static const struct tp_workload_desc *const table[] = { TP_WORKLOADS(ENTRY) };
#undef ENTRY
#define NWORKLOADS (sizeof(table) / sizeof(table[0]))

static const struct tp_opt fault_opts[] = {
	{ "fail_every", TP_OPT_INT, 0, 1e15, "0",
	  "fail every Nth task (0 = never)", NULL },
	{ "crash_every", TP_OPT_INT, 0, 1e15, "0",
	  "raise SIGSEGV on every Nth task in a process worker (a thread worker fails it)", NULL },
	{ "hang_every", TP_OPT_INT, 0, 1e15, "0",
	  "hang on every Nth task for hang_s (for timeout tests)", NULL },
	{ "hang_s", TP_OPT_DURATION, 0, 1e6, "1h", "how long a hanging task waits", NULL },
	{ "flaky_dir", TP_OPT_STRING, 0, 0, "",
	  "fail the first attempt of each input, succeed later (markers in this dir)", NULL },
	TP_OPT_END,
};

const struct tp_workload_desc *const *tp_workload_table(size_t *n)
{
	*n = NWORKLOADS;
	return table;
}

const struct tp_opt *tp_workload_fault_opts(void)
{
	return fault_opts;
}

static size_t opt_count(const struct tp_opt *tab)
{
	size_t n = 0;

	while (tab && tab[n].name)
		n++;
	return n;
}

/* The instance's table: the descriptor's options, then the fault options. */
static struct tp_opt *merged_table(const struct tp_opt *own)
{
	size_t a = opt_count(own), b = opt_count(fault_opts);
	struct tp_opt *t = tp_xcalloc(a + b + 1, sizeof(*t));

	if (a)
		memcpy(t, own, a * sizeof(*t));
	memcpy(t + a, fault_opts, (b + 1) * sizeof(*t));
	return t;
}

/* Creates an instance of desc with options parsed from opts (may be NULL). */
static int instance_new(struct tp_workload **out, const struct tp_workload_desc *desc,
			const char *opts, const char *spec)
{
	struct tp_workload *wl = tp_xcalloc(1, sizeof(*wl));
	char subject[96];

	wl->desc = desc;
	wl->opt_table = merged_table(desc->opts);
	snprintf(subject, sizeof(subject), "workload '%s'", desc->name);
	if (tp_optset_parse(&wl->opts, wl->opt_table, opts, subject)) {
		free(wl->opt_table);
		free(wl);
		return -1;
	}
	wl->faults.fail_every = (long long)tp_optset_num(&wl->opts, "fail_every");
	wl->faults.crash_every = (long long)tp_optset_num(&wl->opts, "crash_every");
	wl->faults.hang_every = (long long)tp_optset_num(&wl->opts, "hang_every");
	wl->faults.hang_s = tp_optset_num(&wl->opts, "hang_s");
	wl->faults.flaky_dir = tp_optset_str(&wl->opts, "flaky_dir");
	wl->spec = tp_xstrdup(spec);
	*out = wl;
	return 0;
}

int tp_workload_new(struct tp_workload **out, const char *spec)
{
	const struct tp_workload_desc *desc;
	const char *colon = strchr(spec, ':');
	char *name = colon ? tp_xstrndup(spec, (size_t)(colon - spec)) : tp_xstrdup(spec);
	int rc;

	*out = NULL;
	desc = tp_registry_lookup((const void *const *)table, NWORKLOADS, name, "workload");
	if (!desc) {
		free(name);
		return -1;
	}
	free(name);
	if (desc == &tp_workload_plugin)
		return tp_workload_new_plugin(out, colon ? colon + 1 : "");
	if (desc->flags & TP_WL_COMMAND)
		return tp_usage_error("workload '%s' takes a command: use '-- COMMAND ARGS...'",
				      desc->name);
	if (desc->unsupported_reason)
		return tp_usage_error("workload '%s' cannot run here: %s", desc->name,
				      desc->unsupported_reason);
	rc = instance_new(out, desc, colon ? colon + 1 : NULL, spec);
	return rc;
}

int tp_workload_new_plugin(struct tp_workload **out, const char *lib_and_arg)
{
	struct tp_workload *wl;
	char *spec = tp_xasprintf("plugin:%s", lib_and_arg);

	*out = NULL;
	if (!*lib_and_arg) {
		free(spec);
		return tp_usage_error("workload 'plugin' needs a library: --plugin LIB.so[:arg]");
	}
	if (instance_new(&wl, &tp_workload_plugin, NULL, spec)) {
		free(spec);
		return -1;
	}
	free(spec);
	if (tp_plugin_open(wl, lib_and_arg)) {
		tp_workload_free(wl);
		return -1;
	}
	*out = wl;
	return 0;
}

/* The command as one line, arguments with blanks or quotes single-quoted. */
static char *join_argv(char *const *argv, int argc)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (i)
			tp_strbuf_addch(&sb, ' ');
		if (*a && !strpbrk(a, " \t\n'\"\\$`;&|<>*?()")) {
			tp_strbuf_adds(&sb, a);
			continue;
		}
		tp_strbuf_addch(&sb, '\'');
		for (; *a; a++) {
			if (*a == '\'')
				tp_strbuf_adds(&sb, "'\\''");
			else
				tp_strbuf_addch(&sb, *a);
		}
		tp_strbuf_addch(&sb, '\'');
	}
	return tp_strbuf_detach(&sb);
}

int tp_workload_new_exec(struct tp_workload **out, char *const *argv, int argc)
{
	struct tp_workload *wl;
	char *cmd;
	int i;

	*out = NULL;
	if (argc < 1 || !argv[0] || !*argv[0])
		return tp_usage_error("workload 'exec' needs a command after '--'");
	cmd = join_argv(argv, argc);
	if (instance_new(&wl, &tp_workload_exec, NULL, cmd)) {
		free(cmd);
		return -1;
	}
	free(cmd);
	wl->argc = argc;
	wl->argv = tp_xcalloc((size_t)argc + 1, sizeof(*wl->argv));
	for (i = 0; i < argc; i++)
		wl->argv[i] = tp_xstrdup(argv[i]);
	*out = wl;
	return 0;
}

void tp_workload_free(struct tp_workload *wl)
{
	int i;

	if (!wl)
		return;
	if (wl->desc->release)
		wl->desc->release(wl);
	tp_optset_release(&wl->opts);
	free(wl->opt_table);
	for (i = 0; i < wl->argc; i++)
		free(wl->argv[i]);
	free(wl->argv);
	free(wl->spec);
	free(wl);
}

char *tp_workload_describe(const struct tp_workload *wl)
{
	char *opts, *s;

	if (wl->desc->flags & TP_WL_COMMAND) {
		opts = join_argv(wl->argv, wl->argc);
		s = tp_xasprintf("%s:%s", wl->desc->name, opts);
		free(opts);
		return s;
	}
	if (wl->desc == &tp_workload_plugin)
		return tp_xstrdup(wl->spec);
	opts = tp_optset_format(&wl->opts);
	s = tp_xasprintf("%s:%s", wl->desc->name, opts);
	free(opts);
	return s;
}

/* The task number: the input when it is a positive decimal, else a count. */
static unsigned long long task_number(struct tp_workload *wl, const char *input)
{
	unsigned long long v = 0;
	const char *p = input;

	if (*p >= '1' && *p <= '9') {
		for (; *p >= '0' && *p <= '9' && v < 1000000000000000000ULL; p++)
			v = v * 10 + (unsigned long long)(*p - '0');
		if (!*p)
			return v;
	}
	return __atomic_add_fetch(&wl->faults.calls, 1, __ATOMIC_RELAXED);
}

static int is_nth(unsigned long long n, long long every)
{
	return every > 0 && n % (unsigned long long)every == 0;
}

/* First attempt of this input?  An O_EXCL marker file answers for threads
 * and processes alike. */
static int flaky_fail(struct tp_workload *wl, const char *input, char *err, size_t errlen)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/tunepool-flaky-%016llx", wl->faults.flaky_dir,
		 (unsigned long long)tp_hash_bytes(input, strlen(input), 0));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		snprintf(err, errlen, "flaky: first attempt of '%s' fails on purpose", input);
		return -1;
	}
	if (errno == EEXIST)
		return 0;
	snprintf(err, errlen, "flaky: cannot create '%s': %s", path, strerror(errno));
	return -1;
}

int tp_workload_inject(struct tp_workload *wl, const char *input, char *err, size_t errlen)
{
	struct tp_workload_faults *f = &wl->faults;
	unsigned long long n;

	if (!f->fail_every && !f->crash_every && !f->hang_every && !(f->flaky_dir && *f->flaky_dir))
		return 0;
	n = task_number(wl, input);
	if (is_nth(n, f->crash_every)) {
		/* Only a process worker runs tasks on its main thread; a crash in
		 * a thread worker would take tunepool down with it. */
		if ((pid_t)syscall(SYS_gettid) == getpid())
			raise(SIGSEGV);
		snprintf(err, errlen, "crash_every: task %llu would crash; failing instead in a thread worker", n);
		return -1;
	}
	if (is_nth(n, f->hang_every))
		tp_sleep_s(f->hang_s);
	if (is_nth(n, f->fail_every)) {
		snprintf(err, errlen, "fail_every: task %llu fails on purpose", n);
		return -1;
	}
	if (f->flaky_dir && *f->flaky_dir)
		return flaky_fail(wl, input, err, errlen);
	return 0;
}

static void share_var(const struct tp_workload *wl, char *buf, size_t size)
{
	snprintf(buf, size, "TUNEPOOL_SHARE_%s", wl->desc->name);
}

void tp_workload_share_set(const struct tp_workload *wl, const char *value)
{
	char var[64], *v = tp_xasprintf("%ld:%s", (long)getpid(), value);

	share_var(wl, var, sizeof(var));
	setenv(var, v, 1);
	free(v);
}

const char *tp_workload_share_get(const struct tp_workload *wl)
{
	char var[64], *end;
	const char *v;
	long pid;

	share_var(wl, var, sizeof(var));
	v = getenv(var);
	if (!v)
		return NULL;
	errno = 0;
	pid = strtol(v, &end, 10);
	if (errno || *end != ':' || pid != (long)getppid())
		return NULL;
	return end + 1;
}

int tp_workload_from_cli(struct tp_workload **out, const char *spec, const char *plugin,
			 char *const *cmd, int ncmd, const char *sub)
{
	*out = NULL;
	if (ncmd > 0)
		return tp_workload_new_exec(out, cmd, ncmd);
	if (plugin)
		return tp_workload_new_plugin(out, plugin);
	if (!spec)
		return tp_usage_error("%s: which workload? give -w NAME[:key=value,...], "
				      "--plugin LIB.so or -- COMMAND; see 'tunepool workloads'", sub);
	return tp_workload_new(out, spec);
}
