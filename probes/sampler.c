/* Dynamic samplers: cumulative counters from /proc and the cgroup files, turned into per-interval rates. */
#include "probes/sampler.h"
#include "core/strbuf.h"
#include "probes/fsroot.h"
#include "probes/sysinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const psi_file[TP_PSI_N] = {
	"/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io",
};

int tp_parse_proc_stat(const char *text, unsigned long long *total, unsigned long long *idle)
{
	unsigned long long v[10] = { 0 };
	int n, i;

	if (strncmp(text, "cpu ", 4))
		return -1;
	n = sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	if (n < 4)
		return -1;
	/* guest and guest_nice (8, 9) are already counted in user and nice. */
	*total = 0;
	for (i = 0; i < n && i < 8; i++)
		*total += v[i];
	*idle = v[3] + (n > 4 ? v[4] : 0);
	return 0;
}

long long tp_parse_procs_running(const char *text)
{
	const char *p = strstr(text, "\nprocs_running ");
	char *end;
	long long n;

	if (!p)
		return -1;
	p += strlen("\nprocs_running ");
	errno = 0;
	n = strtoll(p, &end, 10);
	return errno || end == p || n < 0 ? -1 : n;
}

int tp_parse_psi_some(const char *text, double *avg10, long long *total_us)
{
	const char *some = strstr(text, "some ");
	const char *a, *t;
	char *end;

	if (!some || !(a = strstr(some, "avg10=")) || !(t = strstr(some, "total=")))
		return -1;
	errno = 0;
	*avg10 = strtod(a + 6, &end);
	if (errno || end == a + 6)
		return -1;
	*total_us = strtoll(t + 6, &end, 10);
	if (errno || end == t + 6)
		return -1;
	return 0;
}

/* The cgroup directory of h (under the mount) plus file into buf. */
static const char *cg_file(const struct tp_cgroup_hier *h, const char *file, char *buf, size_t size)
{
	const char *rel = h->path;
	size_t rl = strlen(h->mount_root);

	if (strcmp(h->mount_root, "/") && !strncmp(h->path, h->mount_root, rl) &&
	    (h->path[rl] == '/' || !h->path[rl]))
		rel = h->path + rl;
	if (!strcmp(rel, "/"))
		rel = "";
	snprintf(buf, size, "%s%s/%s", h->mountpoint, rel, file);
	return buf;
}

/* "key value" in a flat-keyed file such as cpu.stat; -1 when absent. */
static long long keyed(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtoll(p + kl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static const struct tp_cgroup_hier *find_hier(const struct tp_cgroups *cg, const char *ctl)
{
	return cg->n ? tp_cgroups_find(cg, ctl) : NULL;
}

void tp_sampler_init(struct tp_sampler *s, double cpus_usable)
{
	long long avail;
	char reason[256];

	memset(s, 0, sizeof(*s));
	tp_cgroups_read(&s->cg);
	s->cpu_h = find_hier(&s->cg, "cpu");
	s->cpus_usable = cpus_usable;
	if (tp_meminfo_read(&s->mem_total_kb, &avail, reason, sizeof(reason)) < 0)
		s->mem_total_kb = -1;
}

void tp_sampler_release(struct tp_sampler *s)
{
	tp_threadstat_release(&s->threads);
}

void tp_sampler_read_raw(struct tp_sampler *s, double now_s, struct tp_sampler_raw *raw)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char path[3 * TP_CGROUP_PATH_MAX];
	int i;

	memset(raw, 0, sizeof(*raw));
	raw->t_s = now_s;
	raw->cg_usage_us = raw->cg_periods = raw->cg_throttled = raw->cg_throttled_us = -1;
	if (!tp_fsroot_read("/proc/stat", &sb) &&
	    !tp_parse_proc_stat(sb.buf, &raw->stat_total, &raw->stat_idle))
		raw->have_stat = 1;
	raw->procs_running = raw->have_stat ? tp_parse_procs_running(sb.buf) : -1;
	if (s->cpu_h) {
		const struct tp_cgroup_hier *h = s->cpu_h;

		if (!tp_fsroot_read(cg_file(h, "cpu.stat", path, sizeof(path)), &sb)) {
			raw->cg_periods = keyed(sb.buf, "nr_periods");
			raw->cg_throttled = keyed(sb.buf, "nr_throttled");
			if (h->version == 2) {
				raw->cg_throttled_us = keyed(sb.buf, "throttled_usec");
				raw->cg_usage_us = keyed(sb.buf, "usage_usec");
			} else {
				long long ns = keyed(sb.buf, "throttled_time");

				raw->cg_throttled_us = ns < 0 ? -1 : ns / 1000;
			}
		}
		if (h->version == 1) {
			/* v1 keeps usage in cpuacct, usually co-mounted with cpu. */
			const struct tp_cgroup_hier *a = find_hier(&s->cg, "cpuacct");
			long long ns;

			if (a && !tp_fsroot_read_ll(cg_file(a, "cpuacct.usage", path, sizeof(path)), &ns))
				raw->cg_usage_us = ns / 1000;
		}
	}
	for (i = 0; i < TP_PSI_N; i++) {
		raw->psi_avg10[i] = -1;
		raw->psi_total_us[i] = -1;
		if (!tp_fsroot_read(psi_file[i], &sb) &&
		    tp_parse_psi_some(sb.buf, &raw->psi_avg10[i], &raw->psi_total_us[i]) < 0)
			raw->psi_avg10[i] = raw->psi_total_us[i] = -1;
	}
	tp_strbuf_release(&sb);
}

static double ratio_or(double num, double den, double unknown)
{
	return den > 0 && num >= 0 ? num / den : unknown;
}

void tp_sampler_sample(struct tp_sampler *s, double now_s, struct tp_sample *out)
{
	struct tp_sampler_raw raw;
	const struct tp_sampler_raw *p = &s->prev;
	struct tp_cgroup_mem mem;
	long long total = -1;
	char reason[256];
	int i;

	tp_sampler_read_raw(s, now_s, &raw);
	memset(out, 0, sizeof(*out));
	out->dt_s = s->have_prev ? raw.t_s - p->t_s : -1;
	out->cpu_busy_host = out->cpu_busy = out->cpu_throttled = out->throttled_s = -1;
	out->runnable = raw.procs_running >= 0 ? (double)raw.procs_running : -1;
	out->own_run = out->own_wait = -1;
	if (s->own_threads) {
		double run, wait;
		int first = !s->threads.have_prev;

		if (!tp_threadstat_sample(&s->threads, &run, &wait) && !first && s->have_prev &&
		    raw.t_s > p->t_s) {
			out->own_run = run / (raw.t_s - p->t_s);
			out->own_wait = wait / (raw.t_s - p->t_s);
		}
	}
	for (i = 0; i < TP_PSI_N; i++) {
		out->psi_avg10[i] = raw.psi_avg10[i];
		out->psi_stall_s[i] = -1;
	}
	if (s->have_prev && out->dt_s > 0) {
		double cpus = s->cpus_usable;

		if (raw.have_stat && p->have_stat && raw.stat_total > p->stat_total)
			out->cpu_busy_host = 1.0 - (double)(raw.stat_idle - p->stat_idle) /
						 (double)(raw.stat_total - p->stat_total);
		if (raw.cg_usage_us >= 0 && p->cg_usage_us >= 0 && cpus > 0)
			out->cpu_busy = (raw.cg_usage_us - p->cg_usage_us) / 1e6 / out->dt_s / cpus;
		else
			out->cpu_busy = out->cpu_busy_host;
		if (raw.cg_periods >= 0 && p->cg_periods >= 0) {
			out->cpu_throttled = ratio_or((double)(raw.cg_throttled - p->cg_throttled),
						      (double)(raw.cg_periods - p->cg_periods), 0);
			if (raw.cg_throttled_us >= 0 && p->cg_throttled_us >= 0)
				out->throttled_s = (raw.cg_throttled_us - p->cg_throttled_us) / 1e6;
		}
		for (i = 0; i < TP_PSI_N; i++)
			if (raw.psi_total_us[i] >= 0 && p->psi_total_us[i] >= 0)
				out->psi_stall_s[i] = (raw.psi_total_us[i] - p->psi_total_us[i]) / 1e6;
	}
	s->prev = raw;
	s->have_prev = 1;

	out->mem_available_kb = -1;
	if (tp_meminfo_read(&total, &out->mem_available_kb, reason, sizeof(reason)) < 0)
		out->mem_available_kb = -1;
	out->cg_mem_current_kb = out->cg_mem_max_kb = -1;
	out->mem_usable_kb = out->mem_available_kb;
	if (s->cg.n && tp_cgroup_memory(&s->cg, s->mem_total_kb, &mem) == 1) {
		out->cg_mem_max_kb = mem.limit_kb;
		out->cg_mem_current_kb = mem.usage_kb;
		if (out->mem_usable_kb < 0 || mem.headroom_kb < out->mem_usable_kb)
			out->mem_usable_kb = mem.headroom_kb;
	} else {
		const struct tp_cgroup_hier *h = find_hier(&s->cg, "memory");
		char path[3 * TP_CGROUP_PATH_MAX];
		long long bytes;

		if (h && !tp_fsroot_read_ll(cg_file(h, h->version == 2 ? "memory.current"
								     : "memory.usage_in_bytes",
						     path, sizeof(path)), &bytes))
			out->cg_mem_current_kb = bytes / 1024;
	}
}
