/* One-shot reads of /proc/meminfo, /proc/pressure/ and /proc/loadavg under the fsroot. */
#ifndef TP_PROBES_SYSINFO_H
#define TP_PROBES_SYSINFO_H

#include <stddef.h>

/* MemTotal and MemAvailable (MemFree + Buffers + Cached on kernels without
 * it).  Returns 0, or -1 with reason "unavailable: ..." and both set to -1. */
int tp_meminfo_read(long long *total_kb, long long *available_kb, char *reason, size_t size);

/* The "some avg10" of /proc/pressure/RESOURCE ("cpu", "memory", "io").
 * Returns 0, or -1 with reason "unavailable: ..." (kernel without PSI, psi=0,
 * malformed file) and *avg10 = -1. */
int tp_psi_read(const char *resource, double *avg10, char *reason, size_t size);

/* The 1, 5 and 15 minute load averages.  Returns 0, or -1 with reason and
 * the averages set to -1. */
int tp_loadavg_read(double avg[3], char *reason, size_t size);

#endif
