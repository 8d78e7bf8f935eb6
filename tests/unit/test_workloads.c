/* Unit tests for workloads/: each workload runs tasks, options parse and are
 * rejected when bad, io cleans up, the lock excludes, faults inject, and the
 * plugin loader checks the ABI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "workloads/hash.h"
#include "workloads/lock.h"
#include "workloads/workload.h"

/* --- helpers ------------------------------------------------------------ */

static char errbuf[1024];

/* Runs inputs "1".."n" (or the given ones) on one worker; returns failures. */
static int run_tasks(struct tp_workload *wl, const char *const *inputs, int n, int do_setup)
{
	void *ws = NULL;
	char num[32];
	int i, failed = 0;

	if (do_setup && wl->desc->setup)
		assert_int_equal(wl->desc->setup(wl), 0);
	if (wl->desc->worker_init)
		assert_int_equal(wl->desc->worker_init(wl, &ws), 0);
	for (i = 0; i < n; i++) {
		const char *in = inputs ? inputs[i] : num;

		snprintf(num, sizeof(num), "%d", i + 1);
		errbuf[0] = '\0';
		if (wl->desc->process(wl, ws, in, errbuf, sizeof(errbuf))) {
			failed++;
			assert_true(errbuf[0] != '\0');
		}
	}
	if (wl->desc->worker_fini)
		wl->desc->worker_fini(wl, ws);
	if (do_setup && wl->desc->teardown)
		wl->desc->teardown(wl);
	return failed;
}

static struct tp_workload *new_ok(const char *spec)
{
	struct tp_workload *wl = NULL;

	assert_int_equal(tp_workload_new(&wl, spec), 0);
	assert_non_null(wl);
	return wl;
}

/* Captures what the code under test prints on stderr. */
static int saved_stderr = -1;
static char captured[4096];

static void capture_begin(void)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(f), 2);
	fclose(f);	/* fd 2 keeps the file open */
}

static const char *capture_end(void)
{
	ssize_t n;

	fflush(stderr);
	lseek(2, 0, SEEK_SET);
	n = read(2, captured, sizeof(captured) - 1);
	captured[n > 0 ? n : 0] = '\0';
	dup2(saved_stderr, 2);
	close(saved_stderr);
	return captured;
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static char tmpdir_path[PATH_MAX];

static const char *make_tmpdir(void)
{
	snprintf(tmpdir_path, sizeof(tmpdir_path), "%s/tp-wl-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir_path));
	return tmpdir_path;
}

static void remove_tmpdir(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

/* build/plugins/NAME.so beside build/tests/test_workloads. */
static char *plugin_path(const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	assert_true(n > 0);
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	*slash = '\0';
	return tp_xasprintf("%s/../plugins/%s.so", exe, name);
}

/* --- the table ------------------------------------------------------------ */

/* Every registered workload: named once, described, runnable; nothing here
 * pins the list, so a new entry is checked by being registered. */
static void test_table(void **state)
{
	const struct tp_workload_desc *const *t;
	size_t n, i, j;

	(void)state;
	t = tp_workload_table(&n);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_non_null(t[i]->name);
		assert_non_null(t[i]->summary);
		assert_true(t[i]->summary[0] != '\0');
		assert_non_null(t[i]->process);
		for (j = 0; j < i; j++)
			assert_string_not_equal(t[i]->name, t[j]->name);
	}
	assert_non_null(tp_workload_fault_opts());
}

/* --- each workload runs -------------------------------------------------- */

/* Each registered workload runs five tasks from a small spec of its own.
 * Those needing a command, a plugin or spec inputs run in their own tests
 * (named here); any other new entry fails until it has a spec in this list. */
static void test_builtins_run(void **state)
{
	static const char *const specs[] = {
		"cpu:bytes=1K,rounds=2", "membw:bytes=48K", "memlat:bytes=64K,steps=1000",
		"io:bytes=4K", "sleep:ms=0.1", "lock:cs_us=1,wait_us=1",
		"mixed:task_us=50,cpu_share=0.5,slices=2",
	};
	static const char *const elsewhere[] = { "exec", "plugin", "spec" };
	const struct tp_workload_desc *const *t;
	size_t n, i, k;

	(void)state;
	t = tp_workload_table(&n);
	for (i = 0; i < n; i++) {
		const char *name = t[i]->name;
		size_t len = strlen(name);
		int found = 0;

		for (k = 0; k < sizeof(elsewhere) / sizeof(elsewhere[0]); k++)
			found |= !strcmp(name, elsewhere[k]);
		for (k = 0; !found && k < sizeof(specs) / sizeof(specs[0]); k++) {
			if (strncmp(specs[k], name, len) || specs[k][len] != ':')
				continue;
			struct tp_workload *wl = new_ok(specs[k]);

			assert_int_equal(run_tasks(wl, NULL, 5, 1), 0);
			tp_workload_free(wl);
			found = 1;
		}
		if (!found)
			fail_msg("workload '%s' has no run test: add a spec to test_builtins_run", name);
	}
}

static void test_options_and_describe(void **state)
{
	struct tp_workload *wl = new_ok("cpu:bytes=1K");
	char *d = tp_workload_describe(wl);

	(void)state;
	assert_true(tp_optset_num(&wl->opts, "bytes") == 1024);
	assert_true(tp_optset_num(&wl->opts, "rounds") == 1);
	assert_non_null(strstr(d, "cpu:bytes=1K,rounds=1"));
	assert_non_null(strstr(d, "fail_every=0"));
	free(d);
	tp_workload_free(wl);

	wl = new_ok("sleep");
	assert_true(tp_optset_num(&wl->opts, "ms") == 10);
	tp_workload_free(wl);
}

static void test_bad_specs(void **state)
{
	static const char *const bad[] = {
		"cpu:bytes=abc", "cpu:bytse=1K", "sleep:ms=-1", "lock:cs_mode=fast",
		"lock:waiters=sometimes", "membw:bytes=1", "cpuu", "", "exec", "io:fsync=maybe",
		"cpu:bytes",
	};
	struct tp_workload *wl;
	const char *msg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wl = (struct tp_workload *)1;
		capture_begin();
		assert_int_equal(tp_workload_new(&wl, bad[i]), -1);
		msg = capture_end();
		assert_null(wl);
		assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
		assert_non_null(strstr(msg, "error:"));
	}
	capture_begin();
	assert_int_equal(tp_workload_new(&wl, "slep:ms=1"), -1);
	msg = capture_end();
	assert_non_null(strstr(msg, "did you mean 'sleep'"));
	capture_begin();
	assert_int_equal(tp_workload_new(&wl, "cpu:bytse=1K"), -1);
	msg = capture_end();
	assert_non_null(strstr(msg, "'bytse'"));
	assert_non_null(strstr(msg, "did you mean 'bytes'"));
}

static void test_exec_describe(void **state)
{
	char *argv[] = { "echo", "a b", "{}", NULL };
	struct tp_workload *wl;
	char *d;

	(void)state;
	assert_int_equal(tp_workload_new_exec(&wl, argv, 3), 0);
	assert_true(wl->desc->flags & TP_WL_COMMAND);
	assert_int_equal(wl->argc, 3);
	assert_string_equal(wl->argv[2], "{}");
	assert_null(wl->argv[3]);
	d = tp_workload_describe(wl);
	assert_string_equal(d, "exec:echo 'a b' {}");
	free(d);
	/* Run in-process, it refuses: only the exec strategy runs it. */
	assert_int_equal(run_tasks(wl, NULL, 1, 1), 1);
	assert_non_null(strstr(errbuf, "exec strategy"));
	tp_workload_free(wl);
	capture_begin();
	assert_int_equal(tp_workload_new_exec(&wl, argv, 0), -1);
	capture_end();
}

static void test_hash_kernel(void **state)
{
	unsigned char buf[80];
	uint64_t seen[81];
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)i;
	/* Every length (lanes, words and tail bytes) gives a distinct hash. */
	for (n = 0; n <= sizeof(buf); n++) {
		seen[n] = tp_hash_bytes(buf, n, 7);
		assert_true(seen[n] == tp_hash_bytes(buf, n, 7));
		assert_true(seen[n] != tp_hash_bytes(buf, n, 8));
		for (i = 0; i < n; i++)
			assert_true(seen[i] != seen[n]);
	}
	buf[40] ^= 1;
	assert_true(tp_hash_bytes(buf, sizeof(buf), 7) != seen[sizeof(buf)]);
	assert_true(tp_hash_task(buf, 64, "1", 1) != tp_hash_task(buf, 64, "2", 1));
}

/* --- io ------------------------------------------------------------------- */

static void test_io_cleans_up(void **state)
{
	const char *dir = make_tmpdir();
	char spec[PATH_MAX + 64], stray[PATH_MAX + 64];
	struct tp_workload *wl;
	void *ws = NULL;
	DIR *d;
	struct dirent *e;
	char iodir[PATH_MAX + 256] = "";

	(void)state;
	snprintf(spec, sizeof(spec), "io:bytes=8K,dir=%s", dir);
	wl = new_ok(spec);
	assert_int_equal(run_tasks(wl, NULL, 4, 1), 0);
	assert_int_equal(dir_entries(dir), 0);

	/* A worker killed mid-task leaves a file: teardown still removes all. */
	assert_int_equal(wl->desc->setup(wl), 0);
	assert_int_equal(dir_entries(dir), 1);
	d = opendir(dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(iodir, sizeof(iodir), "%s/%s", dir, e->d_name);
	closedir(d);
	assert_int_equal(wl->desc->worker_init(wl, &ws), 0);
	assert_int_equal(wl->desc->process(wl, ws, "x", errbuf, sizeof(errbuf)), 0);
	assert_int_equal(dir_entries(iodir), 0);
	snprintf(stray, sizeof(stray), "%s/left-by-a-killed-worker", iodir);
	fclose(fopen(stray, "w"));
	/* A failing task (injected) leaves nothing either. */
	wl->faults.fail_every = 1;
	assert_int_equal(wl->desc->process(wl, ws, "2", errbuf, sizeof(errbuf)), -1);
	wl->desc->worker_fini(wl, ws);
	wl->desc->teardown(wl);
	assert_int_equal(dir_entries(dir), 0);
	tp_workload_free(wl);

	/* An unwritable place fails setup with a message naming it. */
	wl = new_ok("io:dir=/nonexistent/tunepool-test");
	capture_begin();
	assert_int_equal(wl->desc->setup(wl), -1);
	assert_non_null(strstr(capture_end(), "/nonexistent/tunepool-test"));
	tp_workload_free(wl);
	remove_tmpdir(dir);
}

/* --- lock ----------------------------------------------------------------- */

struct lock_arg {
	struct tp_workload *wl;
	int tasks;
	int failed;
};

static void *lock_thread(void *p)
{
	struct lock_arg *a = p;
	void *ws = NULL;
	char err[256];
	int i;

	if (a->wl->desc->worker_init(a->wl, &ws))
		a->failed = a->tasks;
	for (i = 0; ws && i < a->tasks; i++)
		if (a->wl->desc->process(a->wl, ws, "t", err, sizeof(err)))
			a->failed++;
	a->wl->desc->worker_fini(a->wl, ws);
	return NULL;
}

static void check_lock_threads(const char *spec)
{
	struct tp_workload *wl = new_ok(spec);
	struct lock_arg args[4];
	pthread_t th[4];
	long long entries, violations;
	int i;

	assert_int_equal(tp_lock_counts(wl, &entries, &violations), -1);
	assert_int_equal(wl->desc->setup(wl), 0);
	for (i = 0; i < 4; i++) {
		args[i] = (struct lock_arg){ .wl = wl, .tasks = 40 };
		assert_int_equal(pthread_create(&th[i], NULL, lock_thread, &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].failed, 0);
	}
	assert_int_equal(tp_lock_counts(wl, &entries, &violations), 0);
	assert_int_equal(entries, 160);
	assert_int_equal(violations, 0);
	wl->desc->teardown(wl);
	tp_workload_free(wl);
}

static void test_lock_threads(void **state)
{
	(void)state;
	check_lock_threads("lock:cs_us=20,wait_us=0,cs_mode=sleep,waiters=block");
	check_lock_threads("lock:cs_us=5,wait_us=0,cs_mode=cpu,waiters=spin");
	check_lock_threads("lock:cs_us=5,wait_us=5,cpu_us=5,cs_mode=cpu,waiters=block");
}

/* Forked workers share the setup's lock; a fresh instance in a child (as a
 * spawned worker makes) attaches to the parent's lock through the memfd. */
static void check_lock_processes(const char *spec, int fresh)
{
	struct tp_workload *wl = new_ok(spec);
	long long entries, violations;
	pid_t pids[3];
	int i, status;

	assert_int_equal(wl->desc->setup(wl), 0);
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct tp_workload *mine = wl;
			void *ws = NULL;
			char err[256];
			int k, bad = 0;

			if (fresh && tp_workload_new(&mine, spec))
				_exit(3);
			if (mine->desc->worker_init(mine, &ws))
				_exit(4);
			for (k = 0; k < 30; k++)
				bad += mine->desc->process(mine, ws, "p", err, sizeof(err)) != 0;
			mine->desc->worker_fini(mine, ws);
			_exit(bad ? 5 : 0);
		}
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(tp_lock_counts(wl, &entries, &violations), 0);
	assert_int_equal(entries, 90);
	assert_int_equal(violations, 0);
	wl->desc->teardown(wl);
	tp_workload_free(wl);
}

static void test_lock_processes(void **state)
{
	(void)state;
	check_lock_processes("lock:cs_us=10,wait_us=0", 0);
	check_lock_processes("lock:cs_us=5,wait_us=0,waiters=spin", 0);
	check_lock_processes("lock:cs_us=10,wait_us=0", 1);
}

/* --- faults --------------------------------------------------------------- */

static void test_fault_fail_every(void **state)
{
	struct tp_workload *wl = new_ok("sleep:ms=0,fail_every=3");
	static const char *const names[] = { "a", "b", "c", "d" };

	(void)state;
	assert_int_equal(run_tasks(wl, NULL, 9, 1), 3);
	assert_non_null(strstr(errbuf, "task 9"));
	/* Non-numeric inputs count calls instead. */
	assert_int_equal(run_tasks(wl, names, 4, 1), 1);
	tp_workload_free(wl);
	wl = new_ok("cpu:bytes=64,fail_every=2");
	assert_int_equal(run_tasks(wl, NULL, 10, 1), 5);
	tp_workload_free(wl);
}

static void *crash_thread(void *p)
{
	struct tp_workload *wl = p;
	static char err[256];

	return wl->desc->process(wl, NULL, "2", err, sizeof(err)) ? err : NULL;
}

static void test_fault_crash(void **state)
{
	struct tp_workload *wl = new_ok("sleep:ms=0,crash_every=2");
	pthread_t th;
	void *ret;
	pid_t pid;
	int status;

	(void)state;
	/* In a thread it fails the task rather than kill the test. */
	assert_int_equal(pthread_create(&th, NULL, crash_thread, wl), 0);
	pthread_join(th, &ret);
	assert_non_null(ret);
	assert_non_null(strstr(ret, "crash"));
	/* On a process worker's main thread it raises SIGSEGV. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[64];

		signal(SIGSEGV, SIG_DFL);
		wl->desc->process(wl, NULL, "1", err, sizeof(err));	/* task 1: fine */
		wl->desc->process(wl, NULL, "4", err, sizeof(err));
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	tp_workload_free(wl);
}

static void test_fault_hang_and_flaky(void **state)
{
	const char *dir = make_tmpdir();
	char spec[PATH_MAX + 64];
	struct tp_workload *wl;
	void *ws = NULL;

	(void)state;
	wl = new_ok("sleep:ms=0,hang_every=2,hang_s=10ms");
	assert_true(wl->faults.hang_s > 0.009 && wl->faults.hang_s < 0.011);
	assert_int_equal(run_tasks(wl, NULL, 4, 1), 0);
	tp_workload_free(wl);

	snprintf(spec, sizeof(spec), "sleep:ms=0,flaky_dir=%s", dir);
	wl = new_ok(spec);
	assert_int_equal(wl->desc->process(wl, ws, "in-1", errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "first attempt"));
	assert_int_equal(wl->desc->process(wl, ws, "in-1", errbuf, sizeof(errbuf)), 0);
	assert_int_equal(wl->desc->process(wl, ws, "in-2", errbuf, sizeof(errbuf)), -1);
	assert_int_equal(wl->desc->process(wl, ws, "in-2", errbuf, sizeof(errbuf)), 0);
	assert_int_equal(wl->desc->process(wl, ws, "in-1", errbuf, sizeof(errbuf)), 0);
	tp_workload_free(wl);
	remove_tmpdir(dir);
}

/* --- plugins -------------------------------------------------------------- */

static void test_plugin_good(void **state)
{
	static const char *const inputs[] = { "abc", "please fail", "xyz" };
	char *path = plugin_path("upper"), *arg;
	struct tp_workload *wl;
	char *d;

	(void)state;
	assert_int_equal(tp_workload_new_plugin(&wl, path), 0);
	assert_int_equal(run_tasks(wl, inputs, 3, 1), 1);
	d = tp_workload_describe(wl);
	assert_non_null(strstr(d, "plugin:"));
	assert_non_null(strstr(d, "upper.so"));
	free(d);
	tp_workload_free(wl);

	/* The same through a spec, as a spawned worker rebuilds it. */
	arg = tp_xasprintf("plugin:%s:hello", path);
	wl = new_ok(arg);
	assert_int_equal(run_tasks(wl, inputs, 3, 1), 1);
	tp_workload_free(wl);
	free(arg);

	/* init refusing: every task fails, with a message. */
	arg = tp_xasprintf("%s:refuse", path);
	assert_int_equal(tp_workload_new_plugin(&wl, arg), 0);
	assert_int_equal(run_tasks(wl, inputs, 3, 1), 3);
	assert_non_null(strstr(errbuf, "init refused"));
	tp_workload_free(wl);
	free(arg);
	free(path);
}

static void check_refused(const char *name, const char *needle)
{
	char *path = plugin_path(name);
	struct tp_workload *wl = (struct tp_workload *)1;
	const char *msg;

	capture_begin();
	assert_int_equal(tp_workload_new_plugin(&wl, path), -1);
	msg = capture_end();
	assert_null(wl);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	assert_non_null(strstr(msg, path));
	assert_non_null(strstr(msg, needle));
	free(path);
}

static void test_plugin_refused(void **state)
{
	struct tp_workload *wl;
	const char *msg;

	(void)state;
	check_refused("bad_abi", "ABI 42");
	check_refused("no_process", "'process'");
	check_refused("no_entry", "tunepool_plugin_entry");
	check_refused("does_not_exist", "no such file");
	/* A bare name is not searched for on the library path. */
	capture_begin();
	assert_int_equal(tp_workload_new_plugin(&wl, "libm.so.6"), -1);
	msg = capture_end();
	assert_non_null(strstr(msg, "libm.so.6"));
	capture_begin();
	assert_int_equal(tp_workload_new_plugin(&wl, ""), -1);
	capture_end();
}

/* --- spec ----------------------------------------------------------------- */

static void test_spec(void **state)
{
	static const char *const inputs[] = {
		"sleep:ms=0", "cpu:bytes=256", "lock:cs_us=1,wait_us=0", "sleep:ms=0",
		"nosuch:x=1", "spec:x=1", "cpu:bytes=256",
	};
	struct tp_workload *wl = new_ok("spec");

	(void)state;
	assert_true(wl->desc->flags & TP_WL_NO_PROCESS);
	capture_begin();
	assert_int_equal(run_tasks(wl, inputs, 7, 1), 2);
	capture_end();
	tp_workload_free(wl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_builtins_run),
		cmocka_unit_test(test_options_and_describe),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_exec_describe),
		cmocka_unit_test(test_hash_kernel),
		cmocka_unit_test(test_io_cleans_up),
		cmocka_unit_test(test_lock_threads),
		cmocka_unit_test(test_lock_processes),
		cmocka_unit_test(test_fault_fail_every),
		cmocka_unit_test(test_fault_crash),
		cmocka_unit_test(test_fault_hang_and_flaky),
		cmocka_unit_test(test_plugin_good),
		cmocka_unit_test(test_plugin_refused),
		cmocka_unit_test(test_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
