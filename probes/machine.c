/* The machine probe: topology, usable CPUs and memory under affinity and
 * cgroup limits, pressure, counters, fingerprint and seeded worker counts. */
#include "probes/machine.h"
#include "probes/cgroup.h"
#include "probes/counters.h"
#include "probes/sysinfo.h"
#include "probes/topology.h"
#include "core/alloc.h"
#include "core/strbuf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define KB_PER_GIB (1024.0 * 1024.0)

/* The PUs this process may use: the described machine's PUs with --topology
 * or --synthetic, else the process's binding; then the cgroup cpuset. */
static hwloc_bitmap_t usable_pus(struct tp_machine *m, hwloc_topology_t topo,
				 const struct tp_cgroups *cg, int this_machine)
{
	hwloc_bitmap_t set = hwloc_bitmap_dup(hwloc_get_root_obj(topo)->cpuset);
	hwloc_bitmap_t cpuset = NULL;
	char src[TP_REASON_MAX];
	int before;

	tp_snprintf(m->affinity_source, sizeof(m->affinity_source), "topology");
	if (this_machine) {
		hwloc_bitmap_t bound = hwloc_bitmap_alloc();

		if (bound && !hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_PROCESS) &&
		    hwloc_bitmap_intersects(bound, set)) {
			hwloc_bitmap_and(set, set, bound);
			tp_snprintf(m->affinity_source, sizeof(m->affinity_source), "affinity");
		}
		hwloc_bitmap_free(bound);
	}
	before = hwloc_bitmap_weight(set);
	if (tp_cgroup_cpuset(cg, &cpuset, src, sizeof(src)) == 1) {
		/* A cpuset naming none of the machine's PUs belongs to another
		 * machine (fixtures): keep the PUs rather than use none. */
		if (hwloc_bitmap_intersects(cpuset, set)) {
			hwloc_bitmap_and(set, set, cpuset);
			if (hwloc_bitmap_weight(set) < before)
				tp_snprintf(m->affinity_source, sizeof(m->affinity_source), "%s", src);
		}
		hwloc_bitmap_free(cpuset);
	}
	return set;
}

static void probe_cpus(struct tp_machine *m, hwloc_topology_t topo, const struct tp_cgroups *cg,
		       int this_machine, hwloc_bitmap_t *set_out)
{
	char qsrc[TP_REASON_MAX];
	double quota;
	hwloc_bitmap_t set = usable_pus(m, topo, cg, this_machine);

	m->affinity_pus = hwloc_bitmap_weight(set);
	if (m->affinity_pus <= 0)
		m->affinity_pus = 1;
	m->cores_usable = tp_topology_cores_in(topo, set);
	if (m->cores_usable <= 0)
		m->cores_usable = 1;
	m->cpus_usable = m->affinity_pus;
	tp_snprintf(m->cpus_usable_source, sizeof(m->cpus_usable_source), "%s (%d PUs)",
		 m->affinity_source, m->affinity_pus);
	if (tp_cgroup_cpu_quota(cg, &quota, qsrc, sizeof(qsrc)) == 1) {
		m->cpu_quota = quota;
		if (quota < m->cpus_usable) {
			m->cpus_usable = quota;
			tp_snprintf(m->cpus_usable_source, sizeof(m->cpus_usable_source), "%s", qsrc);
		}
	}
	*set_out = set;
}

static void probe_memory(struct tp_machine *m, const struct tp_cgroups *cg)
{
	struct tp_cgroup_mem mem;
	char reason[TP_REASON_MAX];

	m->mem_limit_kb = m->mem_usage_kb = -1;
	if (tp_meminfo_read(&m->mem_total_kb, &m->mem_available_kb, reason, sizeof(reason))) {
		tp_snprintf(m->mem_source, sizeof(m->mem_source), "%s", reason);
	} else {
		tp_snprintf(m->mem_source, sizeof(m->mem_source), "MemAvailable");
	}
	m->mem_usable_kb = m->mem_available_kb;
	if (tp_cgroup_memory(cg, m->mem_total_kb, &mem) == 1) {
		m->mem_limit_kb = mem.limit_kb;
		m->mem_usage_kb = mem.usage_kb;
		if (m->mem_usable_kb < 0 || mem.headroom_kb < m->mem_usable_kb) {
			m->mem_usable_kb = mem.headroom_kb;
			tp_snprintf(m->mem_source, sizeof(m->mem_source), "%s", mem.source);
		}
	}
}

static void probe_pressure(struct tp_machine *m)
{
	char reason[TP_REASON_MAX];

	m->psi_available = !tp_psi_read("cpu", &m->cpu_some_avg10, m->psi_reason,
					 sizeof(m->psi_reason));
	if (m->psi_available)
		m->psi_reason[0] = '\0';
	tp_psi_read("memory", &m->memory_some_avg10, reason, sizeof(reason));
	tp_psi_read("io", &m->io_some_avg10, reason, sizeof(reason));
	tp_loadavg_read(m->loadavg, reason, sizeof(reason));
}

/* Usable cores per NUMA node, halved (rounded up): a node's memory channels
 * saturate with about half of its cores streaming. */
static int memory_seed(hwloc_topology_t topo, hwloc_const_bitmap_t set, int *nodes)
{
	hwloc_obj_t o = NULL;
	hwloc_bitmap_t in = hwloc_bitmap_alloc();
	int sum = 0;

	*nodes = 0;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, o))) {
		int cores;

		if (!o->cpuset || !in)
			continue;
		hwloc_bitmap_and(in, o->cpuset, set);
		cores = tp_topology_cores_in(topo, in);
		if (cores > 0) {
			sum += (cores + 1) / 2;
			(*nodes)++;
		}
	}
	hwloc_bitmap_free(in);
	if (*nodes == 0) {
		*nodes = 1;
		sum = (tp_topology_cores_in(topo, set) + 1) / 2;
	}
	return sum;
}

static void seed(struct tp_machine *m, hwloc_topology_t topo, hwloc_const_bitmap_t set)
{
	int cpus_floor = (int)floor(m->cpus_usable + 1e-9);
	int cpu, mem, nodes, lat, maxw;
	long long fd_bound = m->open_files_max > 0 ?
		(m->open_files_max - TP_SEED_FDS_RESERVED) / TP_SEED_FDS_PER_WORKER : -1;
	char fd_text[64] = "", mem_text[96] = "";

	if (cpus_floor < 1)
		cpus_floor = 1;
	if (fd_bound == 0 || fd_bound < -1)
		fd_bound = 1;

	cpu = cpus_floor < m->cores_usable ? cpus_floor : m->cores_usable;
	if (cpu < 1)
		cpu = 1;
	m->seeds.cpu = cpu;
	tp_snprintf(m->seed_formula[0], TP_REASON_MAX,
		 "max(1, floor(min(cpus usable %.2f, usable cores %d))) = %d", m->cpus_usable,
		 m->cores_usable, cpu);

	mem = memory_seed(topo, set, &nodes);
	tp_snprintf(m->seed_formula[1], TP_REASON_MAX,
		 "sum over %d NUMA node%s of ceil(usable cores / 2) = %d, capped at cpu %d", nodes,
		 nodes == 1 ? "" : "s", mem, cpu);
	if (mem > cpu)
		mem = cpu;
	if (mem < 1)
		mem = 1;
	m->seeds.memory = mem;
	tp_snprintf(m->seed_formula[1] + strlen(m->seed_formula[1]),
		 TP_REASON_MAX - strlen(m->seed_formula[1]), " -> %d", mem);

	if (fd_bound > 0)
		tp_snprintf(fd_text, sizeof(fd_text), ", (open files %lld - %d) / %d = %lld",
			 m->open_files_max, TP_SEED_FDS_RESERVED, TP_SEED_FDS_PER_WORKER, fd_bound);

	/* max_workers: memory per worker given, else a bound per CPU and 64 MiB each. */
	if (m->mem_per_worker_kb > 0 && m->mem_usable_kb >= 0) {
		long long n = m->mem_usable_kb / m->mem_per_worker_kb;

		maxw = n < 1 ? 1 : n > 1000000 ? 1000000 : (int)n;
		tp_snprintf(mem_text, sizeof(mem_text), "usable memory %lld KiB / --mem-per-worker %lld KiB",
			 m->mem_usable_kb, m->mem_per_worker_kb);
	} else {
		long long n = (long long)TP_SEED_MAX_PER_CPU * cpus_floor;

		tp_snprintf(mem_text, sizeof(mem_text), "%d x floor(cpus usable) %d", TP_SEED_MAX_PER_CPU,
			 cpus_floor);
		if (m->mem_usable_kb >= 0 && m->mem_usable_kb / TP_SEED_WORKER_KB < n) {
			n = m->mem_usable_kb / TP_SEED_WORKER_KB;
			tp_snprintf(mem_text, sizeof(mem_text), "usable memory %lld KiB / 64 MiB",
				 m->mem_usable_kb);
		}
		maxw = n < 1 ? 1 : (int)n;
	}
	if (fd_bound > 0 && fd_bound < maxw)
		maxw = (int)fd_bound;
	m->seeds.max_workers = maxw;
	tp_snprintf(m->seed_formula[3], TP_REASON_MAX, "min(%s%s) = %d", mem_text, fd_text, maxw);

	lat = TP_SEED_LATENCY_PER_CPU * cpus_floor;
	{
		long long per = m->mem_per_worker_kb > 0 ? m->mem_per_worker_kb : TP_SEED_LATENCY_WORKER_KB;
		char lm[96] = "";

		if (m->mem_usable_kb >= 0) {
			long long n = m->mem_usable_kb / per;

			tp_snprintf(lm, sizeof(lm), ", usable memory %lld KiB / %lld KiB", m->mem_usable_kb, per);
			if (n < lat)
				lat = n < 1 ? 1 : (int)n;
		}
		if (fd_bound > 0 && fd_bound < lat)
			lat = (int)fd_bound;
		if (lat > maxw)
			lat = maxw;
		if (lat < 1)
			lat = 1;
		m->seeds.latency = lat;
		tp_snprintf(m->seed_formula[2], TP_REASON_MAX, "min(%d x floor(cpus usable) %d%s%s, max_workers %d) = %d",
			 TP_SEED_LATENCY_PER_CPU, cpus_floor, lm, fd_text, maxw, lat);
	}
}

/* FNV-1a, 64 bits: stable across runs and builds. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Whatever decides how many workers fit: CPU model, topology shape, usable
 * CPUs and the memory class (whole GiB of the smaller of RAM and the cgroup
 * limit; MemAvailable moves between runs, so it is left out). */
static void fingerprint(struct tp_machine *m)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const struct tp_topology *t = &m->topo;
	long long mem = m->mem_total_kb;
	int i;

	if (m->mem_limit_kb >= 0 && (mem < 0 || m->mem_limit_kb < mem))
		mem = m->mem_limit_kb;
	tp_strbuf_addf(&sb, "model=%s;pkg=%d;numa=%d;cores=%d;pus=%d;smt=%d;", t->cpu_model,
		       t->packages, t->numa_nodes, t->cores, t->pus, t->smt);
	for (i = 0; i < t->ncaches; i++)
		tp_strbuf_addf(&sb, "L%d=%lld/%d;", t->caches[i].level, t->caches[i].size_kb,
			       t->caches[i].pus);
	tp_strbuf_addf(&sb, "cpus=%.2f;mem_gib=%lld", m->cpus_usable,
		       mem < 0 ? -1LL : (long long)llround(mem / KB_PER_GIB));
	tp_snprintf(m->fingerprint, sizeof(m->fingerprint), "%016llx",
		 (unsigned long long)fnv1a(sb.buf));
	tp_strbuf_release(&sb);
}

int tp_machine_probe(struct tp_machine *m, const struct tp_probe_opts *opts)
{
	static const struct tp_probe_opts none;
	hwloc_topology_t topo;
	hwloc_bitmap_t set = NULL;
	struct tp_cgroups *cg;
	struct rlimit rl;
	int this_machine;

	memset(m, 0, sizeof(*m));
	if (!opts)
		opts = &none;
	this_machine = !opts->topology_xml && !opts->synthetic;
	if (tp_topology_load(&topo, opts->topology_xml, opts->synthetic))
		return -1;
	tp_topology_fill(&m->topo, topo, this_machine);
	if (opts->topology_xml)
		tp_snprintf(m->topo.source, sizeof(m->topo.source), "xml %s", opts->topology_xml);
	else if (opts->synthetic)
		tp_snprintf(m->topo.source, sizeof(m->topo.source), "synthetic %s", opts->synthetic);
	else
		tp_snprintf(m->topo.source, sizeof(m->topo.source), "hwloc");

	cg = tp_xcalloc(1, sizeof(*cg));	/* 16 hierarchies of paths: too big for the stack */
	tp_cgroups_read(cg);
	tp_snprintf(m->cgroup_version, sizeof(m->cgroup_version), "%s", tp_cgroups_version(cg));
	{
		const struct tp_cgroup_hier *h = tp_cgroups_find(cg, "cpu");

		tp_snprintf(m->cgroup_path, sizeof(m->cgroup_path), "%s", h ? h->path : "");
	}
	probe_cpus(m, topo, cg, this_machine, &set);
	probe_memory(m, cg);
	if (!tp_cgroup_pids(cg, &m->pids_headroom))
		m->pids_headroom = -1;
	free(cg);
	probe_pressure(m);

	m->open_files_max = -1;
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		m->open_files_max = rl.rlim_cur == RLIM_INFINITY ? (1LL << 30) : (long long)rl.rlim_cur;
	m->nproc_max = -1;
	if (!getrlimit(RLIMIT_NPROC, &rl) && rl.rlim_cur != RLIM_INFINITY)
		m->nproc_max = (long long)rl.rlim_cur;

	if (opts->skip_counters) {
		tp_snprintf(m->papi, sizeof(m->papi), "unavailable");
		tp_snprintf(m->counters_reason, sizeof(m->counters_reason), "unavailable: not probed");
	} else {
		tp_counters_probe(m);
	}

	m->mem_per_worker_kb = opts->mem_per_worker_kb;
	seed(m, topo, set);
	fingerprint(m);
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(topo);
	return 0;
}

void tp_machine_release(struct tp_machine *m)
{
	int i;

	tp_topology_release(&m->topo);
	for (i = 0; i < m->nevents; i++)
		free(m->events[i]);
	free(m->events);
	m->events = NULL;
	m->nevents = 0;
}

static json_t *kb_or_null(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *real_or_null(double v)
{
	return v >= 0 ? json_real(v) : json_null();
}

json_t *tp_machine_to_json(const struct tp_machine *m)
{
	const struct tp_topology *t = &m->topo;
	json_t *caches = json_array(), *numa = json_array(), *events = json_array();
	int i;

	for (i = 0; i < t->ncaches; i++)
		json_array_append_new(caches, json_pack("{s:i, s:I, s:i, s:i}",
			"level", t->caches[i].level, "size_kb", (json_int_t)t->caches[i].size_kb,
			"pus", t->caches[i].pus, "count", t->caches[i].count));
	for (i = 0; i < t->nnuma; i++)
		json_array_append_new(numa, json_pack("{s:i, s:I, s:i}",
			"os_index", t->numa[i].os_index, "memory_kb", (json_int_t)t->numa[i].memory_kb,
			"pus", t->numa[i].pus));
	for (i = 0; i < m->nevents; i++)
		json_array_append_new(events, json_string(m->events[i]));

	return json_pack("{s:i, s:{s:i, s:i, s:i, s:i, s:i, s:o, s:s, s:b, s:o, s:s},"
			 " s:f, s:s, s:i, s:i, s:o, s:s, s:s,"
			 " s:{s:o, s:o, s:o, s:o, s:o, s:s},"
			 " s:{s:b, s:o, s:o, s:o, s:s*},"
			 " s:[o, o, o], s:I,"
			 " s:{s:s, s:o, s:s},"
			 " s:{s:i, s:i, s:i, s:i, s:o},"
			 " s:s}",
		"schema", 1,
		"topology",
			"packages", t->packages, "numa_nodes", t->numa_nodes, "cores", t->cores,
			"pus", t->pus, "smt", t->smt, "caches", caches, "cpu_model", t->cpu_model,
			"vm", t->vm, "numa", numa, "source", t->source,
		"cpus_usable", m->cpus_usable,
		"cpus_usable_source", m->cpus_usable_source,
		"affinity_pus", m->affinity_pus,
		"cores_usable", m->cores_usable,
		"cpu_quota", m->cpu_quota > 0 ? json_real(m->cpu_quota) : json_null(),
		"cgroup_version", m->cgroup_version,
		"cgroup_path", m->cgroup_path,
		"memory",
			"total_kb", kb_or_null(m->mem_total_kb),
			"available_kb", kb_or_null(m->mem_available_kb),
			"limit_kb", kb_or_null(m->mem_limit_kb),
			"usage_kb", kb_or_null(m->mem_usage_kb),
			"usable_kb", kb_or_null(m->mem_usable_kb),
			"source", m->mem_source,
		"pressure",
			"available", m->psi_available,
			"cpu_some_avg10", real_or_null(m->cpu_some_avg10),
			"memory_some_avg10", real_or_null(m->memory_some_avg10),
			"io_some_avg10", real_or_null(m->io_some_avg10),
			"reason", m->psi_available ? NULL : m->psi_reason,
		"loadavg", real_or_null(m->loadavg[0]), real_or_null(m->loadavg[1]),
			real_or_null(m->loadavg[2]),
		"open_files_max", (json_int_t)m->open_files_max,
		"counters",
			"papi", m->papi, "events", events, "reason", m->counters_reason,
		"seeds",
			"cpu", m->seeds.cpu, "memory", m->seeds.memory, "latency", m->seeds.latency,
			"max_workers", m->seeds.max_workers,
			"mem_per_worker_kb", m->mem_per_worker_kb > 0 ?
				json_integer(m->mem_per_worker_kb) : json_null(),
		"fingerprint", m->fingerprint);
}

/* "1.5 GiB", "512 MiB", "48 KiB" from KiB. */
static const char *human_kb(long long kb, char *buf, size_t size)
{
	if (kb < 0)
		tp_snprintf(buf, size, "unknown");
	else if (kb >= 1024 * 1024)
		tp_snprintf(buf, size, "%.1f GiB", kb / KB_PER_GIB);
	else if (kb >= 1024)
		tp_snprintf(buf, size, "%.0f MiB", kb / 1024.0);
	else
		tp_snprintf(buf, size, "%lld KiB", kb);
	return buf;
}

void tp_machine_format(const struct tp_machine *m, struct tp_strbuf *out)
{
	const struct tp_topology *t = &m->topo;
	char a[32], b[32], c[32];
	int i;

	tp_strbuf_addf(out, "cpu model    %s%s\n", t->cpu_model, t->vm ? " (virtual machine)" : "");
	tp_strbuf_addf(out, "topology     %d package%s, %d NUMA node%s, %d cores, %d PUs, SMT %d  [%s]\n",
		       t->packages, t->packages == 1 ? "" : "s", t->numa_nodes,
		       t->numa_nodes == 1 ? "" : "s", t->cores, t->pus, t->smt, t->source);
	tp_strbuf_adds(out, "caches      ");
	for (i = 0; i < t->ncaches; i++)
		tp_strbuf_addf(out, " L%d %s x%d (%d PU%s each)%s", t->caches[i].level,
			       human_kb(t->caches[i].size_kb, a, sizeof(a)), t->caches[i].count,
			       t->caches[i].pus, t->caches[i].pus == 1 ? "" : "s",
			       i + 1 < t->ncaches ? "," : "");
	tp_strbuf_adds(out, t->ncaches ? "\n" : " none reported\n");
	tp_strbuf_adds(out, "numa        ");
	for (i = 0; i < t->nnuma; i++)
		tp_strbuf_addf(out, " node %d: %s, %d PUs%s", t->numa[i].os_index,
			       human_kb(t->numa[i].memory_kb, a, sizeof(a)), t->numa[i].pus,
			       i + 1 < t->nnuma ? ";" : "");
	tp_strbuf_adds(out, t->nnuma ? "\n" : " none reported\n");
	tp_strbuf_addf(out, "cpus usable  %.2f  [%s]; %d PUs on %d cores allowed",
		       m->cpus_usable, m->cpus_usable_source, m->affinity_pus, m->cores_usable);
	if (m->cpu_quota > 0)
		tp_strbuf_addf(out, ", quota %.2f CPUs", m->cpu_quota);
	tp_strbuf_addf(out, "\ncgroup       %s %s\n", m->cgroup_version,
		       m->cgroup_path[0] ? m->cgroup_path : "");
	tp_strbuf_addf(out, "memory       usable %s  [%s]; total %s, available %s",
		       human_kb(m->mem_usable_kb, a, sizeof(a)), m->mem_source,
		       human_kb(m->mem_total_kb, b, sizeof(b)), human_kb(m->mem_available_kb, c, sizeof(c)));
	if (m->mem_limit_kb >= 0)
		tp_strbuf_addf(out, ", limit %s, usage %s", human_kb(m->mem_limit_kb, a, sizeof(a)),
			       human_kb(m->mem_usage_kb, b, sizeof(b)));
	tp_strbuf_addch(out, '\n');
	if (m->psi_available)
		tp_strbuf_addf(out, "pressure     some avg10: cpu %.2f%%, memory %.2f%%, io %.2f%%\n",
			       m->cpu_some_avg10, m->memory_some_avg10, m->io_some_avg10);
	else
		tp_strbuf_addf(out, "pressure     %s\n", m->psi_reason);
	if (m->loadavg[0] >= 0)
		tp_strbuf_addf(out, "load average %.2f %.2f %.2f\n", m->loadavg[0], m->loadavg[1],
			       m->loadavg[2]);
	else
		tp_strbuf_adds(out, "load average unavailable\n");
	tp_strbuf_addf(out, "open files   %lld\n", m->open_files_max);
	tp_strbuf_addf(out, "counters     %s", m->papi);
	for (i = 0; i < m->nevents; i++)
		tp_strbuf_addf(out, "%s%s", i ? ", " : ": ", m->events[i]);
	if (!strcmp(m->papi, "unavailable"))
		tp_strbuf_addf(out, " (%s)", m->counters_reason);
	tp_strbuf_addf(out, "\nfingerprint  %s\n", m->fingerprint);
	tp_strbuf_adds(out, "seeds (workers per task class):\n");
	tp_strbuf_addf(out, "  cpu          %-6d %s; physical cores: SMT is not assumed to help, the tuner tries it\n",
		       m->seeds.cpu, m->seed_formula[0]);
	tp_strbuf_addf(out, "  memory       %-6d %s\n", m->seeds.memory, m->seed_formula[1]);
	tp_strbuf_addf(out, "  latency      %-6d %s\n", m->seeds.latency, m->seed_formula[2]);
	tp_strbuf_addf(out, "  max_workers  %-6d %s\n", m->seeds.max_workers, m->seed_formula[3]);
}
