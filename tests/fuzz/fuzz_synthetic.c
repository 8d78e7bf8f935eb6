/* Fuzz target: --synthetic topology descriptions (tp_topology_load through
 * hwloc, then tp_topology_fill over what loaded). */
#include <stdint.h>
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

		memset(&t, 0, sizeof(t));
		tp_topology_fill(&t, topo, 0);
		tp_topology_cores_in(topo, hwloc_topology_get_topology_cpuset(topo));
		tp_topology_release(&t);
		hwloc_topology_destroy(topo);
	}
	free(s);
	return 0;
}
