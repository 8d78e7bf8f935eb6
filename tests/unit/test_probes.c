/* Unit tests for probes/: fsroot, cgroups (v1, v2, hybrid, ancestors), cpuset,
 * memory, meminfo, PSI, loadavg, cpuinfo, topology, counters and the machine
 * probe, on checked-in fixtures and on broken trees built per test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "probes/cgroup.h"
#include "probes/counters.h"
#include "probes/fsroot.h"
#include "probes/machine.h"
#include "probes/sysinfo.h"
#include "probes/topology.h"

static char fixtures[PATH_MAX];
static char scratch[PATH_MAX];	/* a per-test tree for broken files */

static void use_root(const char *dir)
{
	if (dir)
		setenv("TUNEPOOL_FSROOT", dir, 1);
	else
		unsetenv("TUNEPOOL_FSROOT");
	tp_fsroot_reset();
}

/* Points the fsroot at tests/fixtures/fsroot/name. */
static void use_fixture(const char *name)
{
	char dir[PATH_MAX * 2];

	snprintf(dir, sizeof(dir), "%s/fsroot/%s", fixtures, name);
	use_root(dir);
}

/* Writes content to scratch + rel, creating directories. */
static void put(const char *rel, const char *content)
{
	char path[PATH_MAX * 2];
	char *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", scratch, rel);
	for (p = path + strlen(scratch) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int scratch_setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "%s/tp-probes-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(scratch))
		return -1;
	use_root(scratch);
	return 0;
}

static int scratch_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	use_root(NULL);
	return system(cmd) == 0 ? 0 : -1;
}

static const char v2_mount[] =
	"25 20 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

/* ---- fsroot ---- */

static void test_fsroot_paths(void **state)
{
	char buf[64];
	long long v;

	(void)state;
	use_root(NULL);
	assert_string_equal(tp_fsroot(), "");
	assert_string_equal(tp_fsroot_path("/proc/meminfo", buf, sizeof(buf)), "/proc/meminfo");
	use_root("/srv/root//");
	assert_string_equal(tp_fsroot(), "/srv/root");
	assert_string_equal(tp_fsroot_path("/proc/x", buf, sizeof(buf)), "/srv/root/proc/x");
	/* Too long for the buffer: never a truncated (other) path. */
	assert_string_not_equal(tp_fsroot_path("/proc/a/very/long/path/that/does/not/fit/in/buf/at/all",
					       buf, 24), "/srv/root/proc/a/very/l");
	use_fixture("cgv2-quota");
	assert_int_equal(tp_fsroot_read_ll("/sys/fs/cgroup/a/b/memory.current", &v), 0);
	assert_true(v == 104857600);
	assert_int_equal(tp_fsroot_read_ll("/sys/fs/cgroup/a/cpu.max", &v), -1);	/* "250000 100000" */
	assert_int_equal(tp_fsroot_read_ll("/no/such/file", &v), -1);
	assert_int_equal(errno, ENOENT);
	use_root(NULL);
}

/* ---- cgroups ---- */

static void test_cgroups_v2_quota_of_parent(void **state)
{
	struct tp_cgroups cg;
	char src[256];
	double cpus = 0;

	(void)state;
	use_fixture("cgv2-quota");
	assert_int_equal(tp_cgroups_read(&cg), 0);
	assert_int_equal(cg.n, 1);
	assert_string_equal(tp_cgroups_version(&cg), "v2");
	assert_string_equal(cg.h[0].path, "/a/b");
	assert_string_equal(cg.h[0].mountpoint, "/sys/fs/cgroup");
	/* The leaf says "max": only reading every ancestor finds the 2.5 CPUs. */
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 1);
	assert_true(fabs(cpus - 2.5) < 1e-9);
	assert_string_equal(src, "cgroup v2 cpu.max at /a");
	use_root(NULL);
}

static void test_cgroups_v1_hybrid(void **state)
{
	struct tp_cgroups cg;
	struct tp_cgroup_mem mem;
	hwloc_bitmap_t set = NULL;
	char src[256], list[64];
	double cpus = 0;

	(void)state;
	use_fixture("cgv1-quota");
	assert_int_equal(tp_cgroups_read(&cg), 0);
	assert_string_equal(tp_cgroups_version(&cg), "hybrid");
	assert_non_null(tp_cgroups_find(&cg, "cpu"));
	assert_string_equal(tp_cgroups_find(&cg, "cpu")->mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(tp_cgroups_find(&cg, "memory")->mount_root, "/docker/abc");
	assert_null(tp_cgroups_find(&cg, "nosuch") ? (tp_cgroups_find(&cg, "nosuch")->version == 1 ? "v1" : NULL) : NULL);
	/* Leaf 3.0, parent 1.5: the tightest is the parent. */
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 1);
	assert_true(fabs(cpus - 1.5) < 1e-9);
	assert_string_equal(src, "cgroup v1 cpu.cfs_quota_us at /docker");
	/* v1 "unlimited" is 9223372036854771712: no limit. */
	assert_int_equal(tp_cgroup_memory(&cg, 8388608, &mem), 0);
	assert_true(mem.limit_kb == -1);
	assert_string_equal(mem.source, "no memory limit");
	/* The leaf's cpuset.cpus is empty: the nearest set above it counts. */
	assert_int_equal(tp_cgroup_cpuset(&cg, &set, src, sizeof(src)), 1);
	hwloc_bitmap_list_snprintf(list, sizeof(list), set);
	assert_string_equal(list, "0-7");
	assert_string_equal(src, "cgroup v1 cpuset.cpus at /");
	hwloc_bitmap_free(set);
	use_root(NULL);
}

static void test_cgroups_cpuset(void **state)
{
	struct tp_cgroups cg;
	hwloc_bitmap_t set = NULL;
	char src[256], list[64];
	double cpus;

	(void)state;
	use_fixture("cpuset");
	assert_int_equal(tp_cgroups_read(&cg), 0);
	assert_int_equal(tp_cgroup_cpuset(&cg, &set, src, sizeof(src)), 1);
	hwloc_bitmap_list_snprintf(list, sizeof(list), set);
	assert_string_equal(list, "0-2,5");
	assert_string_equal(src, "cgroup v2 cpuset.cpus.effective at /job");
	hwloc_bitmap_free(set);
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 0);
	assert_string_equal(src, "no cpu quota");
	use_root(NULL);
}

static void test_cgroups_memory_2g(void **state)
{
	struct tp_cgroups cg;
	struct tp_cgroup_mem mem;

	(void)state;
	use_fixture("mem2g");
	assert_int_equal(tp_cgroups_read(&cg), 0);
	assert_int_equal(tp_cgroup_memory(&cg, 16777216, &mem), 1);
	assert_true(mem.limit_kb == 2097152);
	assert_true(mem.usage_kb == 524288);
	assert_true(mem.headroom_kb == 1572864);
	assert_string_equal(mem.source, "cgroup v2 memory.max at /box");
	/* A limit above MemTotal limits nothing. */
	assert_int_equal(tp_cgroup_memory(&cg, 1048576, &mem), 0);
	use_root(NULL);
}

static void test_cgroups_host_no_limits(void **state)
{
	struct tp_cgroups cg;
	struct tp_cgroup_mem mem;
	hwloc_bitmap_t set = NULL;
	char src[256];
	double cpus = -1;

	(void)state;
	use_fixture("host");
	assert_int_equal(tp_cgroups_read(&cg), 0);
	assert_string_equal(cg.h[0].path, "/user.slice/user-1000.slice/session-1.scope");
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 0);
	assert_true(cpus == 0);
	assert_int_equal(tp_cgroup_memory(&cg, 33554432, &mem), 0);
	assert_int_equal(tp_cgroup_cpuset(&cg, &set, src, sizeof(src)), 0);
	use_root(NULL);
}

static void test_cgroups_missing_files(void **state)
{
	struct tp_cgroups cg;
	struct tp_cgroup_mem mem;
	char src[256];
	double cpus;

	(void)state;
	/* Nothing at all. */
	assert_int_equal(tp_cgroups_read(&cg), -1);
	assert_int_equal(cg.n, 0);
	assert_non_null(strstr(cg.reason, "unavailable: cannot read /proc/self/cgroup"));
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 0);
	assert_non_null(strstr(src, "unavailable"));
	assert_int_equal(tp_cgroup_memory(&cg, 0, &mem), 0);
	assert_non_null(strstr(mem.source, "unavailable"));
	assert_string_equal(tp_cgroups_version(&cg), "none");
	/* cgroup but no mountinfo. */
	put("/proc/self/cgroup", "0::/a\n");
	assert_int_equal(tp_cgroups_read(&cg), -1);
	assert_non_null(strstr(cg.reason, "mountinfo"));
	/* Both empty. */
	put("/proc/self/cgroup", "");
	put("/proc/self/mountinfo", "");
	assert_int_equal(tp_cgroups_read(&cg), -1);
	assert_non_null(strstr(cg.reason, "unavailable"));
}

static void test_cgroups_malformed_files(void **state)
{
	struct tp_cgroups cg;
	struct tp_cgroup_mem mem;
	hwloc_bitmap_t set = NULL;
	char src[256];
	double cpus;

	(void)state;
	put("/proc/self/cgroup", "garbage line\n0::/a/b\n::\n7\n");
	put("/proc/self/mountinfo", "nonsense\n1 2 3\n");
	assert_int_equal(tp_cgroups_read(&cg), -1);	/* no cgroup mount: nothing usable */

	put("/proc/self/mountinfo", v2_mount);
	assert_int_equal(tp_cgroups_read(&cg), 0);
	assert_int_equal(cg.n, 1);
	put("/sys/fs/cgroup/a/b/cpu.max", "lots 100000\n");
	put("/sys/fs/cgroup/a/cpu.max", "");
	put("/sys/fs/cgroup/a/b/memory.max", "2G\n");
	put("/sys/fs/cgroup/a/b/cpuset.cpus.effective", "zero-one\n");
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 0);
	assert_non_null(strstr(src, "unavailable: '/sys/fs/cgroup/a/b/cpu.max' is malformed: 'lots 100000'"));
	assert_int_equal(tp_cgroup_memory(&cg, 0, &mem), 0);
	assert_non_null(strstr(mem.source, "unavailable: '/sys/fs/cgroup/a/b/memory.max' is malformed"));
	assert_int_equal(tp_cgroup_cpuset(&cg, &set, src, sizeof(src)), 0);
	/* A malformed level does not hide a good one above it. */
	put("/sys/fs/cgroup/a/cpu.max", "50000 100000\n");
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 1);
	assert_true(fabs(cpus - 0.5) < 1e-9);
	/* Zero and negative periods are malformed, not a division by zero. */
	put("/sys/fs/cgroup/a/cpu.max", "50000 0\n");
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 0);
	/* Usage above the limit leaves no headroom rather than a negative one. */
	put("/sys/fs/cgroup/a/b/memory.max", "1048576\n");
	put("/sys/fs/cgroup/a/b/memory.current", "2097152\n");
	assert_int_equal(tp_cgroup_memory(&cg, 0, &mem), 1);
	assert_true(mem.headroom_kb == 0);
}

static void test_cgroups_v1_malformed_and_usage_binding(void **state)
{
	struct tp_cgroups cg;
	struct tp_cgroup_mem mem;
	char src[256];
	double cpus;

	(void)state;
	put("/proc/self/cgroup", "3:memory:/p/c\n2:cpu,cpuacct:/p/c\n");
	put("/proc/self/mountinfo",
	    "31 30 0:28 / /sys/fs/cgroup/cpu\\054cpuacct rw - cgroup cgroup rw,cpuacct,cpu\n"
	    "32 30 0:29 / /sys/fs/cgroup/mem\\040ory rw - cgroup cgroup rw,memory\n");
	assert_int_equal(tp_cgroups_read(&cg), 0);
	assert_string_equal(tp_cgroups_version(&cg), "v1");
	assert_string_equal(tp_cgroups_find(&cg, "memory")->mountpoint, "/sys/fs/cgroup/mem ory");
	put("/sys/fs/cgroup/cpu,cpuacct/p/c/cpu.cfs_quota_us", "abc\n");
	put("/sys/fs/cgroup/cpu,cpuacct/p/c/cpu.cfs_period_us", "100000\n");
	put("/sys/fs/cgroup/cpu,cpuacct/p/cpu.cfs_quota_us", "-1\n");
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 0);
	assert_non_null(strstr(src, "malformed"));
	put("/sys/fs/cgroup/cpu,cpuacct/p/c/cpu.cfs_quota_us", "250000\n");
	assert_int_equal(tp_cgroup_cpu_quota(&cg, &cpus, src, sizeof(src)), 1);
	assert_true(fabs(cpus - 2.5) < 1e-9);
	assert_string_equal(src, "cgroup v1 cpu.cfs_quota_us at /p/c");
	/* Parent 4 GiB nearly full, child 2 GiB empty: the parent binds. */
	put("/sys/fs/cgroup/mem ory/p/memory.limit_in_bytes", "4294967296\n");
	put("/sys/fs/cgroup/mem ory/p/memory.usage_in_bytes", "3758096384\n");
	put("/sys/fs/cgroup/mem ory/p/c/memory.limit_in_bytes", "2147483648\n");
	put("/sys/fs/cgroup/mem ory/p/c/memory.usage_in_bytes", "0\n");
	assert_int_equal(tp_cgroup_memory(&cg, 0, &mem), 1);
	assert_true(mem.limit_kb == 4194304);
	assert_true(mem.headroom_kb == 524288);
	assert_string_equal(mem.source, "cgroup v1 memory.limit_in_bytes at /p");
}

/* ---- /proc files ---- */

static void test_meminfo(void **state)
{
	long long total, avail;
	char reason[256];

	(void)state;
	use_fixture("mem2g");
	assert_int_equal(tp_meminfo_read(&total, &avail, reason, sizeof(reason)), 0);
	assert_true(total == 16777216 && avail == 12582912);
	use_root(scratch);
	assert_int_equal(tp_meminfo_read(&total, &avail, reason, sizeof(reason)), -1);
	assert_true(total == -1 && avail == -1);
	assert_non_null(strstr(reason, "unavailable: cannot read /proc/meminfo"));
	put("/proc/meminfo", "");
	assert_int_equal(tp_meminfo_read(&total, &avail, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "no valid MemTotal"));
	put("/proc/meminfo", "MemTotal: lots kB\n");
	assert_int_equal(tp_meminfo_read(&total, &avail, reason, sizeof(reason)), -1);
	/* Old kernels: no MemAvailable, so free + buffers + cached. */
	put("/proc/meminfo", "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n");
	assert_int_equal(tp_meminfo_read(&total, &avail, reason, sizeof(reason)), 0);
	assert_true(total == 1000 && avail == 310);
}

static void test_psi_and_loadavg(void **state)
{
	double v, avg[3];
	char reason[256];

	(void)state;
	use_fixture("cgv2-quota");
	assert_int_equal(tp_psi_read("cpu", &v, reason, sizeof(reason)), 0);
	assert_true(fabs(v - 1.5) < 1e-9);
	assert_int_equal(tp_psi_read("io", &v, reason, sizeof(reason)), 0);
	assert_true(fabs(v - 3.75) < 1e-9);
	assert_int_equal(tp_loadavg_read(avg, reason, sizeof(reason)), 0);
	assert_true(fabs(avg[0] - 0.52) < 1e-9 && fabs(avg[2] - 0.40) < 1e-9);
	use_fixture("cgv1-quota");	/* no /proc/pressure */
	assert_int_equal(tp_psi_read("memory", &v, reason, sizeof(reason)), -1);
	assert_true(v == -1);
	assert_non_null(strstr(reason, "unavailable: cannot read /proc/pressure/memory"));
	use_root(scratch);
	put("/proc/pressure/cpu", "");
	assert_int_equal(tp_psi_read("cpu", &v, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "unavailable"));
	put("/proc/pressure/cpu", "some avg10=x avg60=0\n");
	assert_int_equal(tp_psi_read("cpu", &v, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "malformed"));
	put("/proc/pressure/cpu", "some avg10=250.00 avg60=0\n");
	assert_int_equal(tp_psi_read("cpu", &v, reason, sizeof(reason)), -1);
	assert_int_equal(tp_loadavg_read(avg, reason, sizeof(reason)), -1);
	assert_true(avg[0] == -1);
	put("/proc/loadavg", "0.1 zz\n");
	assert_int_equal(tp_loadavg_read(avg, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "malformed"));
}

static void test_cpuinfo(void **state)
{
	char model[128];
	int vm = -1;

	(void)state;
	use_fixture("cgv2-quota");
	assert_int_equal(tp_cpuinfo_read(model, sizeof(model), &vm), 0);
	assert_string_equal(model, "Fixture CPU @ 2.00GHz");
	assert_int_equal(vm, 1);
	use_fixture("host");
	assert_int_equal(tp_cpuinfo_read(model, sizeof(model), &vm), 0);
	assert_int_equal(vm, 0);
	use_root(scratch);
	assert_int_equal(tp_cpuinfo_read(model, sizeof(model), &vm), -1);
	put("/proc/cpuinfo", "");
	assert_int_equal(tp_cpuinfo_read(model, sizeof(model), &vm), 0);
	assert_string_equal(model, "");
	assert_int_equal(vm, 0);
	put("/proc/cpuinfo", "flags : hypervisorx fpu\nmodel name:X\n");
	assert_int_equal(tp_cpuinfo_read(model, sizeof(model), &vm), 0);
	assert_int_equal(vm, 0);	/* a word, not a substring */
	assert_string_equal(model, "X");
}

/* ---- topology ---- */

static void test_topology_xml_fixture(void **state)
{
	char xml[PATH_MAX * 2];
	hwloc_topology_t topo;
	struct tp_topology t;
	int i, l3 = -1;

	(void)state;
	memset(&t, 0, sizeof(t));
	snprintf(xml, sizeof(xml), "%s/topo-2s64c-smt2-4numa.xml", fixtures);
	assert_int_equal(tp_topology_load(&topo, xml, NULL), 0);
	tp_topology_fill(&t, topo, 0);
	assert_int_equal(t.packages, 2);
	assert_int_equal(t.numa_nodes, 4);
	assert_int_equal(t.cores, 64);
	assert_int_equal(t.pus, 128);
	assert_int_equal(t.smt, 2);
	assert_string_equal(t.cpu_model, "Fixture Xeon 32-core @ 2.40GHz");
	assert_int_equal(t.vm, 0);
	assert_int_equal(t.nnuma, 4);
	for (i = 0; i < t.nnuma; i++) {
		assert_true(t.numa[i].memory_kb == 64LL * 1024 * 1024);
		assert_int_equal(t.numa[i].pus, 32);
	}
	for (i = 0; i < t.ncaches; i++)
		if (t.caches[i].level == 3)
			l3 = i;
	assert_true(l3 >= 0);
	assert_true(t.caches[l3].size_kb == 32768);
	assert_int_equal(t.caches[l3].pus, 32);
	assert_int_equal(t.caches[l3].count, 4);
	assert_int_equal(t.caches[0].level, 1);
	assert_int_equal(t.caches[0].pus, 2);
	assert_int_equal(tp_topology_cores_in(topo, hwloc_get_root_obj(topo)->cpuset), 64);
	tp_topology_release(&t);
	hwloc_topology_destroy(topo);
}

static void test_topology_synthetic_and_errors(void **state)
{
	hwloc_topology_t topo;
	struct tp_topology t;
	hwloc_bitmap_t two;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(tp_topology_load(&topo, NULL, "pack:2 numa:2 core:8 pu:2"), 0);
	tp_topology_fill(&t, topo, 0);
	assert_int_equal(t.packages, 2);
	assert_int_equal(t.numa_nodes, 4);
	assert_int_equal(t.cores, 32);
	assert_int_equal(t.pus, 64);
	assert_int_equal(t.smt, 2);
	assert_string_equal(t.cpu_model, "unknown");
	/* PUs 0 and 1 are SMT siblings: one core. */
	two = hwloc_bitmap_alloc();
	hwloc_bitmap_set_range(two, 0, 1);
	assert_int_equal(tp_topology_cores_in(topo, two), 1);
	hwloc_bitmap_set(two, 2);
	assert_int_equal(tp_topology_cores_in(topo, two), 2);
	hwloc_bitmap_free(two);
	tp_topology_release(&t);
	hwloc_topology_destroy(topo);

	assert_int_equal(tp_topology_load(&topo, NULL, "pack:2 bogus:3"), -1);
	assert_int_equal(tp_topology_load(&topo, "/nonexistent/topo.xml", NULL), -1);
	put("/bad.xml", "<topology version=");
	{
		char path[PATH_MAX * 2];

		snprintf(path, sizeof(path), "%s/bad.xml", scratch);
		assert_int_equal(tp_topology_load(&topo, path, NULL), -1);
		put("/empty.xml", "");
		snprintf(path, sizeof(path), "%s/empty.xml", scratch);
		assert_int_equal(tp_topology_load(&topo, path, NULL), -1);
	}
}

/* ---- counters ---- */

static void test_counters_never_fail(void **state)
{
	struct tp_machine m;
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	tp_counters_probe(&m);
	assert_true(!strcmp(m.papi, "presets") || !strcmp(m.papi, "software") ||
		    !strcmp(m.papi, "unavailable"));
	if (!strcmp(m.papi, "unavailable")) {
		assert_int_equal(m.nevents, 0);
		assert_non_null(strstr(m.counters_reason, "unavailable: "));
	} else {
		assert_true(m.nevents > 0);
	}
	for (i = 0; i < m.nevents; i++)
		assert_true(!strncmp(m.events[i], "PAPI_", 5) || !strncmp(m.events[i], "perf::", 6));
	/* Twice in a row works too (PAPI shut down and initialised again). */
	tp_machine_release(&m);
	memset(&m, 0, sizeof(m));
	tp_counters_probe(&m);
	assert_true(m.papi[0] != '\0');
	tp_machine_release(&m);
}

/* ---- the machine ---- */

static void probe_fixture(struct tp_machine *m, const char *fixture, const char *synthetic,
			  long long mem_per_worker_kb)
{
	struct tp_probe_opts opts = { .synthetic = synthetic, .skip_counters = 1,
				      .mem_per_worker_kb = mem_per_worker_kb };

	if (fixture)
		use_fixture(fixture);
	assert_int_equal(tp_machine_probe(m, &opts), 0);
}

static void test_machine_v2_quota(void **state)
{
	struct tp_machine m;

	(void)state;
	probe_fixture(&m, "cgv2-quota", "pack:2 numa:2 core:8 pu:2", 0);
	assert_true(fabs(m.cpus_usable - 2.5) < 1e-9);
	assert_string_equal(m.cpus_usable_source, "cgroup v2 cpu.max at /a");
	assert_int_equal(m.affinity_pus, 64);	/* the described machine, not this one */
	assert_int_equal(m.cores_usable, 32);
	assert_true(fabs(m.cpu_quota - 2.5) < 1e-9);
	assert_string_equal(m.cgroup_version, "v2");
	assert_string_equal(m.cgroup_path, "/a/b");
	assert_true(m.mem_total_kb == 16777216 && m.mem_available_kb == 12582912);
	assert_true(m.mem_limit_kb == -1 && m.mem_usable_kb == 12582912);
	assert_int_equal(m.psi_available, 1);
	assert_true(fabs(m.memory_some_avg10 - 0.25) < 1e-9);
	assert_string_equal(m.papi, "unavailable");	/* skip_counters */
	assert_int_equal(m.seeds.cpu, 2);
	assert_int_equal(m.seeds.memory, 2);
	assert_int_equal(m.seeds.latency, 16);
	assert_int_equal(m.seeds.max_workers, 64);
	assert_int_equal((int)strlen(m.fingerprint), 16);
	assert_true(strspn(m.fingerprint, "0123456789abcdef") == 16);
	assert_non_null(strstr(m.seed_formula[0], "2.50"));
	tp_machine_release(&m);
	use_root(NULL);
}

static void test_machine_cpuset_and_memory(void **state)
{
	struct tp_machine m;

	(void)state;
	probe_fixture(&m, "cpuset", "pack:1 core:8 pu:2", 0);
	/* CPUs 0-2,5 of 16 PUs: 4 PUs on 3 cores (0-1 are siblings). */
	assert_true(m.cpus_usable == 4);
	assert_int_equal(m.affinity_pus, 4);
	assert_int_equal(m.cores_usable, 3);
	assert_int_equal(m.seeds.cpu, 3);
	assert_non_null(strstr(m.cpus_usable_source, "cpuset.cpus.effective at /job"));
	tp_machine_release(&m);

	probe_fixture(&m, "mem2g", "pack:1 core:8 pu:1", 256 * 1024);
	assert_true(m.mem_limit_kb == 2097152);
	assert_true(m.mem_usage_kb == 524288);
	assert_true(m.mem_usable_kb == 1572864);
	assert_string_equal(m.mem_source, "cgroup v2 memory.max at /box");
	assert_int_equal(m.seeds.max_workers, 6);	/* 1.5 GiB / 256 MiB */
	assert_int_equal(m.seeds.latency, 6);		/* bounded by memory */
	tp_machine_release(&m);

	probe_fixture(&m, "cgv1-quota", "pack:1 core:4 pu:1", 0);
	assert_true(fabs(m.cpus_usable - 1.5) < 1e-9);
	assert_string_equal(m.cgroup_version, "hybrid");
	assert_int_equal(m.psi_available, 0);
	assert_non_null(strstr(m.psi_reason, "unavailable: "));
	assert_int_equal(m.seeds.cpu, 1);
	tp_machine_release(&m);
	use_root(NULL);
}

static void test_machine_fingerprint(void **state)
{
	struct tp_machine a, b;

	(void)state;
	probe_fixture(&a, "host", "pack:1 core:8 pu:1", 0);
	probe_fixture(&b, "host", "pack:1 core:8 pu:1", 0);
	assert_string_equal(a.fingerprint, b.fingerprint);	/* stable */
	tp_machine_release(&b);
	probe_fixture(&b, "cgv2-quota", "pack:1 core:8 pu:1", 0);	/* CPU quota */
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	tp_machine_release(&b);
	probe_fixture(&b, "mem2g", "pack:1 core:8 pu:1", 0);	/* memory limit */
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	tp_machine_release(&b);
	probe_fixture(&b, "host", "pack:1 core:8 pu:2", 0);	/* topology shape */
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	tp_machine_release(&b);
	tp_machine_release(&a);
	use_root(NULL);
}

static void test_machine_empty_root_degrades(void **state)
{
	struct tp_machine m;
	struct tp_probe_opts opts = { .synthetic = "pack:1 core:2 pu:1", .skip_counters = 1 };
	json_t *j;

	(void)state;
	/* scratch is empty: no /proc at all. */
	assert_int_equal(tp_machine_probe(&m, &opts), 0);
	assert_true(m.cpus_usable == 2);
	assert_true(m.mem_total_kb == -1 && m.mem_usable_kb == -1);
	assert_non_null(strstr(m.mem_source, "unavailable: "));
	assert_int_equal(m.psi_available, 0);
	assert_string_equal(m.cgroup_version, "none");
	assert_int_equal(m.seeds.cpu, 2);
	assert_true(m.seeds.max_workers >= 1 && m.seeds.latency >= 1);
	j = tp_machine_to_json(&m);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(json_object_get(j, "memory"), "total_kb")));
	assert_true(json_is_null(json_object_get(json_object_get(j, "pressure"), "cpu_some_avg10")));
	json_decref(j);
	tp_machine_release(&m);

	opts.synthetic = "pack:x";
	assert_int_equal(tp_machine_probe(&m, &opts), -1);
}

static void test_machine_json_keys(void **state)
{
	static const char *const top[] = { "schema", "topology", "cpus_usable", "cpus_usable_source",
					   "memory", "pressure", "counters", "seeds", "fingerprint" };
	static const char *const topo[] = { "packages", "numa_nodes", "cores", "pus", "smt", "caches",
					    "cpu_model", "vm" };
	static const char *const mem[] = { "total_kb", "available_kb", "limit_kb", "usable_kb" };
	static const char *const seeds[] = { "cpu", "memory", "latency", "max_workers" };
	struct tp_machine m;
	json_t *j, *o;
	size_t i;

	(void)state;
	probe_fixture(&m, "mem2g", "pack:2 numa:2 l3:1 core:16 pu:2", 0);
	j = tp_machine_to_json(&m);
	assert_non_null(j);
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		assert_non_null(json_object_get(j, top[i]));
	for (i = 0; i < sizeof(topo) / sizeof(topo[0]); i++)
		assert_non_null(json_object_get(json_object_get(j, "topology"), topo[i]));
	for (i = 0; i < sizeof(mem) / sizeof(mem[0]); i++)
		assert_non_null(json_object_get(json_object_get(j, "memory"), mem[i]));
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		assert_true(json_is_integer(json_object_get(json_object_get(j, "seeds"), seeds[i])));
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "topology"), "pus")), 128);
	assert_true(json_real_value(json_object_get(j, "cpus_usable")) == 128.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "memory"), "limit_kb")),
			 2097152);
	o = json_object_get(j, "pressure");
	assert_true(json_is_true(json_object_get(o, "available")));
	assert_true(json_real_value(json_object_get(o, "memory_some_avg10")) == 2.5);
	o = json_object_get(j, "counters");
	assert_string_equal(json_string_value(json_object_get(o, "papi")), "unavailable");
	assert_true(json_is_array(json_object_get(o, "events")));
	o = json_object_get(json_object_get(j, "topology"), "caches");
	assert_true(json_array_size(o) >= 1);
	assert_non_null(json_object_get(json_array_get(o, 0), "size_kb"));
	assert_non_null(json_object_get(json_array_get(o, 0), "pus"));
	assert_string_equal(json_string_value(json_object_get(j, "fingerprint")), m.fingerprint);
	json_decref(j);
	{
		struct tp_strbuf sb = TP_STRBUF_INIT;

		tp_machine_format(&m, &sb);
		assert_non_null(strstr(sb.buf, "max(1, floor(min(cpus usable 128.00, usable cores 64))) = 64"));
		assert_non_null(strstr(sb.buf, "limit 2.0 GiB"));
		tp_strbuf_release(&sb);
	}
	tp_machine_release(&m);
	use_root(NULL);
}

static void test_machine_this_host(void **state)
{
	struct tp_machine m;
	struct tp_probe_opts opts = { .skip_counters = 1 };

	(void)state;
	use_root(NULL);
	assert_int_equal(tp_machine_probe(&m, &opts), 0);
	assert_true(m.topo.pus >= 1 && m.cpus_usable > 0 && m.cpus_usable <= m.topo.pus);
	assert_true(m.seeds.cpu >= 1 && m.seeds.cpu <= m.topo.pus);
	assert_true(m.affinity_pus >= 1 && m.affinity_pus <= m.topo.pus);
	tp_machine_release(&m);
	/* NULL opts: all defaults. */
	assert_int_equal(tp_machine_probe(&m, NULL), 0);
	tp_machine_release(&m);
}

int main(void)
{
	const char *env = getenv("FIXTURES");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fsroot_paths),
		cmocka_unit_test(test_cgroups_v2_quota_of_parent),
		cmocka_unit_test(test_cgroups_v1_hybrid),
		cmocka_unit_test(test_cgroups_cpuset),
		cmocka_unit_test(test_cgroups_memory_2g),
		cmocka_unit_test(test_cgroups_host_no_limits),
		cmocka_unit_test_setup_teardown(test_cgroups_missing_files, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_cgroups_malformed_files, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_cgroups_v1_malformed_and_usage_binding, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_meminfo, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_psi_and_loadavg, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_cpuinfo, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_topology_xml_fixture),
		cmocka_unit_test_setup_teardown(test_topology_synthetic_and_errors, scratch_setup,
						scratch_teardown),
		cmocka_unit_test(test_counters_never_fail),
		cmocka_unit_test(test_machine_v2_quota),
		cmocka_unit_test(test_machine_cpuset_and_memory),
		cmocka_unit_test(test_machine_fingerprint),
		cmocka_unit_test_setup_teardown(test_machine_empty_root_degrades, scratch_setup,
						scratch_teardown),
		cmocka_unit_test(test_machine_json_keys),
		cmocka_unit_test(test_machine_this_host),
	};

	if (!realpath(env ? env : "tests/fixtures", fixtures)) {
		fprintf(stderr, "test_probes: cannot find the fixtures '%s'; run from the source tree\n",
			env ? env : "tests/fixtures");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
