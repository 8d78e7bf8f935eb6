/* Counter availability: PAPI presets, perf:: software events, or none. */
#include "probes/counters.h"
#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

#ifdef TP_HAVE_PAPI
#include <papi.h>

static const char *const presets[] = {
	"PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L1_DCM", "PAPI_L2_DCM", "PAPI_L3_TCM", "PAPI_BR_MSP",
};
static const char *const software[] = {
	"perf::TASK-CLOCK", "perf::CONTEXT-SWITCHES", "perf::CPU-MIGRATIONS", "perf::PAGE-FAULTS",
};

/* The event works when an event set holding it starts and stops: a preset can
 * be "available" to PAPI_query_event() on a VM without PMU and still fail here. */
static int event_works(const char *name, char *why, size_t size)
{
	int code, set = PAPI_NULL, rc;
	long long value = 0;

	if ((rc = PAPI_event_name_to_code((char *)name, &code)) != PAPI_OK)
		goto fail;
	if ((rc = PAPI_create_eventset(&set)) != PAPI_OK)
		goto fail;
	if ((rc = PAPI_add_event(set, code)) == PAPI_OK && (rc = PAPI_start(set)) == PAPI_OK)
		rc = PAPI_stop(set, &value);
	PAPI_cleanup_eventset(set);
	PAPI_destroy_eventset(&set);
	if (rc == PAPI_OK)
		return 1;
fail:
	if (why && !why[0])
		snprintf(why, size, "%s: %s", name, PAPI_strerror(rc));
	return 0;
}

static void add_event(struct tp_machine *m, const char *name)
{
	m->events = tp_xrealloc(m->events, (size_t)(m->nevents + 1) * sizeof(*m->events));
	m->events[m->nevents++] = tp_xstrdup(name);
}

void tp_counters_probe(struct tp_machine *m)
{
	int own = !PAPI_is_initialized(), rc, cidx;
	char why[TP_REASON_MAX] = "";
	size_t i;

	m->nevents = 0;
	m->events = NULL;
	m->papi[0] = '\0';
	if (own && (rc = PAPI_library_init(PAPI_VER_CURRENT)) != PAPI_VER_CURRENT) {
		snprintf(m->papi, sizeof(m->papi), "unavailable");
		snprintf(m->counters_reason, sizeof(m->counters_reason),
			 "unavailable: PAPI_library_init failed: %s; rusage only",
			 rc > 0 ? "version mismatch" : PAPI_strerror(rc));
		return;
	}
	if (PAPI_query_event(PAPI_TOT_CYC) == PAPI_OK && event_works("PAPI_TOT_CYC", why, sizeof(why))) {
		for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
			if (event_works(presets[i], NULL, 0))
				add_event(m, presets[i]);
		snprintf(m->papi, sizeof(m->papi), "presets");
	}
	for (i = 0; i < sizeof(software) / sizeof(software[0]); i++)
		if (event_works(software[i], why, sizeof(why)))
			add_event(m, software[i]);
	if (m->nevents > 0) {
		if (!m->papi[0])
			snprintf(m->papi, sizeof(m->papi), "software");
		snprintf(m->counters_reason, sizeof(m->counters_reason), "%s",
			 strcmp(m->papi, "presets") ? "no hardware presets; perf:: software events"
						    : "hardware presets");
	} else {
		const PAPI_component_info_t *ci;

		snprintf(m->papi, sizeof(m->papi), "unavailable");
		cidx = PAPI_get_component_index("perf_event");
		ci = cidx >= 0 ? PAPI_get_component_info(cidx) : NULL;
		if (ci && ci->disabled)
			snprintf(m->counters_reason, sizeof(m->counters_reason),
				 "unavailable: PAPI perf_event component disabled: %.150s; rusage only",
				 ci->disabled_reason);
		else
			snprintf(m->counters_reason, sizeof(m->counters_reason),
				 "unavailable: %.180s; rusage only", why[0] ? why : "no event works");
	}
	if (own)
		PAPI_shutdown();
}

#else

void tp_counters_probe(struct tp_machine *m)
{
	m->nevents = 0;
	m->events = NULL;
	snprintf(m->papi, sizeof(m->papi), "unavailable");
	snprintf(m->counters_reason, sizeof(m->counters_reason),
		 "unavailable: built without PAPI; rusage only");
}

#endif
