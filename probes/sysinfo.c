/* One-shot reads of /proc/meminfo, /proc/pressure/ and /proc/loadavg. */
#include "probes/sysinfo.h"
#include "probes/fsroot.h"
#include "core/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kB value of "Key:   123 kB" in meminfo; -1 when absent or malformed. */
static long long meminfo_field(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ':') {
			char *end;
			long long v;

			errno = 0;
			v = strtoll(p + n + 1, &end, 10);
			if (errno || end == p + n + 1 || v < 0)
				return -1;
			return v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int tp_meminfo_read(long long *total_kb, long long *available_kb, char *reason, size_t size)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	long long total, avail;

	*total_kb = *available_kb = -1;
	if (tp_fsroot_read("/proc/meminfo", &sb)) {
		snprintf(reason, size, "unavailable: cannot read /proc/meminfo: %s", strerror(errno));
		tp_strbuf_release(&sb);
		return -1;
	}
	total = meminfo_field(sb.buf, "MemTotal");
	avail = meminfo_field(sb.buf, "MemAvailable");
	if (avail < 0) {
		long long f = meminfo_field(sb.buf, "MemFree");
		long long b = meminfo_field(sb.buf, "Buffers");
		long long c = meminfo_field(sb.buf, "Cached");

		if (f >= 0)
			avail = f + (b > 0 ? b : 0) + (c > 0 ? c : 0);
	}
	tp_strbuf_release(&sb);
	if (total <= 0) {
		snprintf(reason, size, "unavailable: /proc/meminfo has no valid MemTotal");
		return -1;
	}
	*total_kb = total;
	*available_kb = avail >= 0 && avail <= total ? avail : total;
	return 0;
}

int tp_psi_read(const char *resource, double *avg10, char *reason, size_t size)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char path[64];
	const char *p;
	char *end;
	double v;

	*avg10 = -1;
	snprintf(path, sizeof(path), "/proc/pressure/%s", resource);
	if (tp_fsroot_read(path, &sb)) {
		snprintf(reason, size, "unavailable: cannot read %s: %s", path, strerror(errno));
		tp_strbuf_release(&sb);
		return -1;
	}
	p = strncmp(sb.buf, "some ", 5) ? NULL : strstr(sb.buf, "avg10=");
	if (!p) {
		snprintf(reason, size, "unavailable: %s has no 'some avg10='", path);
		tp_strbuf_release(&sb);
		return -1;
	}
	errno = 0;
	v = strtod(p + 6, &end);
	if (errno || end == p + 6 || (*end != ' ' && *end != '\n' && *end) || v < 0 || v > 100) {
		snprintf(reason, size, "unavailable: %s has a malformed avg10", path);
		tp_strbuf_release(&sb);
		return -1;
	}
	tp_strbuf_release(&sb);
	*avg10 = v;
	return 0;
}

int tp_loadavg_read(double avg[3], char *reason, size_t size)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int n;

	avg[0] = avg[1] = avg[2] = -1;
	if (tp_fsroot_read("/proc/loadavg", &sb)) {
		snprintf(reason, size, "unavailable: cannot read /proc/loadavg: %s", strerror(errno));
		tp_strbuf_release(&sb);
		return -1;
	}
	n = sscanf(sb.buf, "%lf %lf %lf", &avg[0], &avg[1], &avg[2]);
	tp_strbuf_release(&sb);
	if (n != 3) {
		avg[0] = avg[1] = avg[2] = -1;
		snprintf(reason, size, "unavailable: /proc/loadavg is malformed");
		return -1;
	}
	return 0;
}
