/* Loading plugin workloads: dlopen from the given path and ABI checks. */
#ifndef TP_WORKLOADS_PLUGIN_H
#define TP_WORKLOADS_PLUGIN_H

struct tp_workload;

/* Opens the library of "LIB.so[:arg]" into wl->priv (released by
 * tp_workload_free).  A missing file, a failed dlopen, a missing symbol, a
 * wrong ABI or a missing function is a usage error naming the file. */
int tp_plugin_open(struct tp_workload *wl, const char *lib_and_arg);

#endif
