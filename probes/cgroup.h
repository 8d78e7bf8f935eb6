/* The process's cgroups (v1, v2 and hybrid, found from /proc/self/cgroup and
 * /proc/self/mountinfo under the fsroot) and the limits they set: CPU quota,
 * cpuset and memory, the tightest over the process's cgroup and its ancestors. */
#ifndef TP_PROBES_CGROUP_H
#define TP_PROBES_CGROUP_H

#include <hwloc.h>
#include <stddef.h>

#define TP_CGROUP_MAX_HIER 16
#define TP_CGROUP_PATH_MAX 512

/* One hierarchy the process belongs to, with the mount that shows it. */
struct tp_cgroup_hier {
	int version;				/* 1 or 2 */
	char controllers[128];			/* v1: "cpu,cpuacct"; v2: "" */
	char mountpoint[TP_CGROUP_PATH_MAX];	/* "/sys/fs/cgroup/cpu,cpuacct" */
	char mount_root[TP_CGROUP_PATH_MAX];	/* the cgroup the mount shows, "/" */
	char path[TP_CGROUP_PATH_MAX];		/* the process's cgroup, "/a/b" */
};

struct tp_cgroups {
	int n;
	struct tp_cgroup_hier h[TP_CGROUP_MAX_HIER];
	char reason[256];	/* why n == 0 ("unavailable: ...") */
};

/* Reads /proc/self/cgroup and /proc/self/mountinfo.  Returns 0, or -1 with
 * cg->n == 0 and cg->reason set when they are missing or malformed (not an
 * error: the machine simply has no cgroup limits we can see). */
int tp_cgroups_read(struct tp_cgroups *cg);
/* "v1", "v2", "hybrid" (both mounted) or "none". */
const char *tp_cgroups_version(const struct tp_cgroups *cg);
/* The process's cgroup in the hierarchy holding controller ("cpu", "memory"),
 * v1 first, else the v2 one; NULL when none. */
const struct tp_cgroup_hier *tp_cgroups_find(const struct tp_cgroups *cg, const char *controller);

/* The tightest CPU quota over every level (v2 cpu.max, v1 cpu.cfs_quota_us /
 * cpu.cfs_period_us).  Returns 1 with *cpus and source ("cgroup v2 cpu.max at
 * /a"), 0 when no level limits (source says why, e.g. "no cpu quota" or
 * "unavailable: 'FILE' is malformed: 'x'"). */
int tp_cgroup_cpu_quota(const struct tp_cgroups *cg, double *cpus, char *source, size_t size);

/* The CPUs the cpuset allows (v2 cpuset.cpus.effective, v1 cpuset.cpus, the
 * nearest level that has one).  Returns 1 and a new bitmap in *set (free with
 * hwloc_bitmap_free) with source, 0 when there is none. */
int tp_cgroup_cpuset(const struct tp_cgroups *cg, hwloc_bitmap_t *set, char *source, size_t size);

struct tp_cgroup_mem {
	long long limit_kb;	/* -1 when no level limits */
	long long usage_kb;	/* at the binding level, -1 when unknown */
	long long headroom_kb;	/* limit - usage (limit when usage unknown), -1 without limit */
	char source[256];	/* "cgroup v2 memory.max at /box" or "no memory limit" */
};

/* The binding memory limit: the level with the least headroom (limit - usage)
 * over v2 memory.max/memory.current or v1 memory.limit_in_bytes/
 * memory.usage_in_bytes.  A limit >= 2^60 bytes or above mem_total_kb (when
 * > 0) is no limit: v1 writes "unlimited" as a huge number.  Returns 1 when a
 * limit applies, 0 otherwise. */
int tp_cgroup_memory(const struct tp_cgroups *cg, long long mem_total_kb, struct tp_cgroup_mem *out);

/* Processes (threads included) the pids controller still allows: the least
 * pids.max - pids.current over every level (v1 and v2 use the same files).
 * Returns 1 with *headroom, 0 when no level limits ("max"). */
int tp_cgroup_pids(const struct tp_cgroups *cg, long long *headroom);

#endif
