/* Which hardware and software counters work here: PAPI presets, else PAPI's
 * perf:: software events, else none (the runner falls back to rusage). */
#ifndef TP_PROBES_COUNTERS_H
#define TP_PROBES_COUNTERS_H

#include "probes/machine.h"

/* Fills m->papi ("presets", "software" or "unavailable"), m->counters_reason
 * and m->events (owned by m, freed by tp_machine_release()).  An event counts
 * as working only when an event set with it starts and stops.  Never fails. */
void tp_counters_probe(struct tp_machine *m);

#endif
