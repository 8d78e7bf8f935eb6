/* Binding workers to cores or NUMA nodes with hwloc. */
#include "runner/bind.h"

#include "core/alloc.h"
#include "core/log.h"
#include "probes/topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "none", "core", "numa" };

int tp_bind_parse(const char *name, enum tp_bind_mode *out)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum tp_bind_mode)i;
			return 0;
		}
	return -1;
}

const char *tp_bind_name(enum tp_bind_mode m)
{
	return (unsigned)m < 3 ? names[m] : "none";
}

int tp_bind_init(struct tp_bind *b, enum tp_bind_mode mode, const char *xml, const char *synthetic,
		 hwloc_const_bitmap_t allowed)
{
	hwloc_obj_type_t type = mode == TP_BIND_NUMA ? HWLOC_OBJ_NUMANODE : HWLOC_OBJ_CORE;
	hwloc_bitmap_t mine = NULL;
	int i, n;

	memset(b, 0, sizeof(*b));
	b->mode = mode;
	if (mode == TP_BIND_NONE)
		return 0;
	if (tp_topology_load(&b->topo, xml, synthetic))
		return -1;
	if (!allowed) {
		mine = hwloc_bitmap_alloc();
		if (hwloc_get_cpubind(b->topo, mine, HWLOC_CPUBIND_PROCESS))
			hwloc_bitmap_copy(mine, hwloc_topology_get_allowed_cpuset(b->topo));
		allowed = mine;
	}
	n = hwloc_get_nbobjs_by_type(b->topo, type);
	if (n <= 0 && type == HWLOC_OBJ_CORE) {
		type = HWLOC_OBJ_PU;	/* no cores in the topology: PUs */
		n = hwloc_get_nbobjs_by_type(b->topo, type);
	}
	b->sets = tp_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*b->sets));
	for (i = 0; i < n; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(b->topo, type, (unsigned)i);
		hwloc_bitmap_t s = hwloc_bitmap_dup(o->cpuset);

		hwloc_bitmap_and(s, s, allowed);
		if (hwloc_bitmap_iszero(s)) {
			hwloc_bitmap_free(s);
			continue;
		}
		b->sets[b->nsets++] = s;
	}
	hwloc_bitmap_free(mine);
	if (!b->nsets) {
		tp_bind_release(b);
		return tp_error("bind = %s: no %s among the CPUs this process may use", names[mode],
				mode == TP_BIND_NUMA ? "NUMA node" : "core");
	}
	return 0;
}

void tp_bind_release(struct tp_bind *b)
{
	int i;

	for (i = 0; i < b->nsets; i++)
		hwloc_bitmap_free(b->sets[i]);
	free(b->sets);
	if (b->topo)
		hwloc_topology_destroy(b->topo);
	memset(b, 0, sizeof(*b));
}

hwloc_const_bitmap_t tp_bind_set(const struct tp_bind *b, int slot)
{
	if (!b || b->mode == TP_BIND_NONE || b->nsets <= 0 || slot < 0)
		return NULL;
	return b->sets[slot % b->nsets];
}

int tp_bind_thread(const struct tp_bind *b, int slot, hwloc_bitmap_t saved)
{
	hwloc_const_bitmap_t set = tp_bind_set(b, slot);

	if (!set)
		return 0;
	if (saved && hwloc_get_cpubind(b->topo, saved, HWLOC_CPUBIND_THREAD))
		hwloc_bitmap_copy(saved, hwloc_topology_get_allowed_cpuset(b->topo));
	return hwloc_set_cpubind(b->topo, set, HWLOC_CPUBIND_THREAD) ? -1 : 0;
}

void tp_bind_restore(const struct tp_bind *b, hwloc_const_bitmap_t saved)
{
	if (b && b->topo && saved)
		hwloc_set_cpubind(b->topo, saved, HWLOC_CPUBIND_THREAD);
}
