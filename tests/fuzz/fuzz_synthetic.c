/* Fuzz target: --synthetic topology descriptions (tp_topology_load through
 * hwloc, then tp_topology_fill over what loaded), checking that whatever
 * loads stays within the size limit tp_topology_load promises (8192 PUs, 512
 * children under one object): beyond it hwloc takes seconds to minutes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "probes/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hwloc_topology_t topo;
	char *s;

	if (size > 256)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	tp_log_set_quiet(2);
	if (tp_topology_load(&topo, NULL, s) == 0) {
		struct tp_topology t;
		int depth, i, n;

		if (hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU) > 8192) {
			fprintf(stderr, "'%s' loaded %d PUs\n", s,
				hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
			abort();
		}
		for (depth = 0; depth < hwloc_topology_get_depth(topo); depth++) {
			n = hwloc_get_nbobjs_by_depth(topo, depth);
			for (i = 0; i < n; i++)
				if (hwloc_get_obj_by_depth(topo, depth, i)->arity > 512) {
					fprintf(stderr, "'%s' loaded an object with %u children\n", s,
						hwloc_get_obj_by_depth(topo, depth, i)->arity);
					abort();
				}
		}
		memset(&t, 0, sizeof(t));
		tp_topology_fill(&t, topo, 0);
		tp_topology_cores_in(topo, hwloc_topology_get_topology_cpuset(topo));
		tp_topology_release(&t);
		hwloc_topology_destroy(topo);
	}
	free(s);
	return 0;
}
