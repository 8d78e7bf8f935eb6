/* The hardware topology through hwloc (this machine, an XML file or a
 * synthetic description) and the CPU facts of /proc/cpuinfo. */
#ifndef TP_PROBES_TOPOLOGY_H
#define TP_PROBES_TOPOLOGY_H

#include <hwloc.h>
#include <stddef.h>

#include "probes/machine.h"

/* Loads this machine (xml and synthetic NULL), xml (--topology) or synthetic
 * (--synthetic).  Bad input is a usage error naming the value; -1 then.
 * Destroy *out with hwloc_topology_destroy(). */
int tp_topology_load(hwloc_topology_t *out, const char *xml, const char *synthetic);

/* Fills t from topo: counts, caches, NUMA nodes, CPU model, VM flag.  When
 * this_machine, the CPU model and VM flag may come from /proc/cpuinfo under
 * the fsroot; otherwise only from the topology's own info attributes.
 * Release t->numa with tp_topology_release(). */
void tp_topology_fill(struct tp_topology *t, hwloc_topology_t topo, int this_machine);
void tp_topology_release(struct tp_topology *t);

/* Cores with at least one PU in set (PUs when the topology has no cores). */
int tp_topology_cores_in(hwloc_topology_t topo, hwloc_const_bitmap_t set);

/* "model name" of /proc/cpuinfo into model ("" when absent) and whether its
 * flags include "hypervisor".  Returns 0, -1 when unreadable. */
int tp_cpuinfo_read(char *model, size_t size, int *vm);

#endif
