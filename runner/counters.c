/* Counters of one pool run: PAPI perf:: software events where they work,
 * rusage-derived counters otherwise; failures only drop counters. */
#include "runner/counters.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

#ifdef TP_HAVE_PAPI
#include <papi.h>
#include <pthread.h>

/* Software events that a VM provides; each is added only if it works. */
static const char *const papi_events[] = {
	"perf::CONTEXT-SWITCHES", "perf::CPU-MIGRATIONS", "perf::PAGE-FAULTS",
	"perf::TASK-CLOCK",
};

static pthread_once_t papi_once = PTHREAD_ONCE_INIT;
static int papi_ok;

static void papi_init(void)
{
	if (PAPI_library_init(PAPI_VER_CURRENT) != PAPI_VER_CURRENT)
		return;
	if (PAPI_thread_init(pthread_self) != PAPI_OK)
		return;
	papi_ok = 1;
}
#endif

void tp_counters_start(struct tp_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->papi_set = -1;
	snprintf(c->source, sizeof(c->source), "rusage: built without PAPI");
#ifdef TP_HAVE_PAPI
	{
		int set = PAPI_NULL;
		size_t i;

		int rc;

		pthread_once(&papi_once, papi_init);
		if (!papi_ok) {
			snprintf(c->source, sizeof(c->source), "rusage: PAPI does not initialise");
			return;
		}
		if ((rc = PAPI_create_eventset(&set)) != PAPI_OK) {
			snprintf(c->source, sizeof(c->source), "rusage: PAPI_create_eventset: %s",
				 PAPI_strerror(rc));
			return;
		}
		/* Count the children too: process and exec workers do the work. */
		if ((rc = PAPI_assign_eventset_component(set, 0)) != PAPI_OK) {
			snprintf(c->source, sizeof(c->source), "rusage: PAPI component 0: %s",
				 PAPI_strerror(rc));
			PAPI_destroy_eventset(&set);
			return;
		}
		{
			PAPI_option_t opt;

			memset(&opt, 0, sizeof(opt));
			opt.inherit.eventset = set;
			opt.inherit.inherit = PAPI_INHERIT_ALL;
			if ((rc = PAPI_set_opt(PAPI_INHERIT, &opt)) != PAPI_OK) {
				/* Counting the calling thread alone would miss every
				 * worker thread and child: rusage counts them all. */
				snprintf(c->source, sizeof(c->source),
					 "rusage (self + children): PAPI_set_opt(PAPI_INHERIT): %s, so PAPI "
					 "events would miss the workers", PAPI_strerror(rc));
				PAPI_cleanup_eventset(set);
				PAPI_destroy_eventset(&set);
				return;
			}
		}
		for (i = 0; i < sizeof(papi_events) / sizeof(papi_events[0]); i++) {
			if (c->nevents == TP_COUNTERS_MAX)
				break;
			if (PAPI_add_named_event(set, papi_events[i]) == PAPI_OK)
				snprintf(c->names[c->nevents++], sizeof(c->names[0]), "%s",
					 papi_events[i]);
		}
		if (!c->nevents || (rc = PAPI_start(set)) != PAPI_OK) {
			snprintf(c->source, sizeof(c->source), "rusage: %s",
				 !c->nevents ? "no perf:: event could be added" : PAPI_strerror(rc));
			PAPI_cleanup_eventset(set);
			PAPI_destroy_eventset(&set);
			c->nevents = 0;
			return;
		}
		c->papi_set = set;
		c->running = 1;
		snprintf(c->source, sizeof(c->source), "papi: %d perf:: events, inherited by the workers",
			 c->nevents);
	}
#endif
}

void tp_counters_stop(struct tp_counters *c)
{
#ifdef TP_HAVE_PAPI
	if (c->running) {
		int set = c->papi_set;

		if (PAPI_stop(set, c->values) != PAPI_OK) {
			c->nevents = 0;
			snprintf(c->source, sizeof(c->source), "rusage: PAPI_stop failed");
		}
		PAPI_cleanup_eventset(set);
		PAPI_destroy_eventset(&set);
		c->running = 0;
	}
#else
	(void)c;
#endif
}

void tp_counters_add(struct tp_repeat *rep, const char *name, double value)
{
	struct tp_counter *k;

	rep->counters = tp_xrealloc(rep->counters, (rep->ncounters + 1) * sizeof(*rep->counters));
	k = &rep->counters[rep->ncounters++];
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->value = value;
}

void tp_counters_fill(const struct tp_counters *c, const struct rusage *s0,
		      const struct rusage *c0, const struct rusage *s1,
		      const struct rusage *c1, struct tp_repeat *rep)
{
	int i;

	snprintf(rep->counters_source, sizeof(rep->counters_source), "%s", c->source);
	for (i = 0; i < c->nevents; i++)
		tp_counters_add(rep, c->names[i], (double)c->values[i]);
	if (c->nevents)
		return;
	tp_counters_add(rep, "rusage::nvcsw",
			(double)(s1->ru_nvcsw - s0->ru_nvcsw + c1->ru_nvcsw - c0->ru_nvcsw));
	tp_counters_add(rep, "rusage::nivcsw",
			(double)(s1->ru_nivcsw - s0->ru_nivcsw + c1->ru_nivcsw - c0->ru_nivcsw));
	tp_counters_add(rep, "rusage::minflt",
			(double)(s1->ru_minflt - s0->ru_minflt + c1->ru_minflt - c0->ru_minflt));
	tp_counters_add(rep, "rusage::majflt",
			(double)(s1->ru_majflt - s0->ru_majflt + c1->ru_majflt - c0->ru_majflt));
	tp_counters_add(rep, "rusage::inblock",
			(double)(s1->ru_inblock - s0->ru_inblock + c1->ru_inblock - c0->ru_inblock));
	tp_counters_add(rep, "rusage::oublock",
			(double)(s1->ru_oublock - s0->ru_oublock + c1->ru_oublock - c0->ru_oublock));
}
