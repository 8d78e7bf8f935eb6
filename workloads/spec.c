/* The spec workload: each input line is a workload spec NAME:key=value,...
 * and the task runs it, so one run can mix tasks of different character
 * ("sleep:ms=20" then "lock:cs_mode=cpu,waiters=spin").  One instance per
 * distinct spec, set up once under a mutex; each worker initialises its own
 * state of an instance on first use.  Threads only: the instances are made
 * while tasks run, so forked or spawned workers could not share them. */
#include "workloads/workload.h"
#include "core/alloc.h"
#include "core/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct spec_entry {
	char *spec;
	struct tp_workload *wl;		/* NULL when the spec is bad */
	int ready;			/* setup ran */
	char why[256];			/* why it cannot run */
};

struct spec_shared {
	pthread_mutex_t mu;
	struct spec_entry **entries;
	size_t n, alloc;
};

struct spec_wstate {
	struct spec_entry *entry;
	void *wstate;
};

struct spec_worker {
	struct spec_wstate *items;
	size_t n, alloc;
};

static int spec_setup(struct tp_workload *wl)
{
	struct spec_shared *sh = tp_xcalloc(1, sizeof(*sh));

	pthread_mutex_init(&sh->mu, NULL);
	wl->shared = sh;
	return 0;
}

static void spec_teardown(struct tp_workload *wl)
{
	struct spec_shared *sh = wl->shared;
	size_t i;

	if (!sh)
		return;
	for (i = 0; i < sh->n; i++) {
		struct spec_entry *e = sh->entries[i];

		if (e->ready && e->wl->desc->teardown)
			e->wl->desc->teardown(e->wl);
		tp_workload_free(e->wl);
		free(e->spec);
		free(e);
	}
	free(sh->entries);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
	wl->shared = NULL;
}

/* The instance for spec, made and set up on first use. */
static struct spec_entry *entry_get(struct spec_shared *sh, const char *spec)
{
	struct spec_entry *e = NULL;
	size_t i;

	pthread_mutex_lock(&sh->mu);
	for (i = 0; i < sh->n; i++)
		if (!strcmp(sh->entries[i]->spec, spec)) {
			e = sh->entries[i];
			goto out;
		}
	e = tp_xcalloc(1, sizeof(*e));
	e->spec = tp_xstrdup(spec);
	if (!strncmp(spec, "spec", 4) && (!spec[4] || spec[4] == ':')) {
		snprintf(e->why, sizeof(e->why), "spec: '%s' cannot nest the spec workload", spec);
	} else if (tp_workload_new(&e->wl, spec)) {
		snprintf(e->why, sizeof(e->why), "spec: bad workload spec '%s'", spec);
	} else if (e->wl->desc->setup && e->wl->desc->setup(e->wl)) {
		snprintf(e->why, sizeof(e->why), "spec: setup of '%s' failed", spec);
	} else {
		e->ready = 1;
	}
	if (!e->ready) {
		tp_workload_free(e->wl);
		e->wl = NULL;
	}
	tp_grow((void **)&sh->entries, &sh->alloc, sh->n + 1, sizeof(*sh->entries));
	sh->entries[sh->n++] = e;
out:
	pthread_mutex_unlock(&sh->mu);
	return e;
}

static int spec_worker_init(struct tp_workload *wl, void **wstate)
{
	*wstate = tp_xcalloc(1, sizeof(struct spec_worker));
	return 0;
}

static int spec_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			size_t errlen)
{
	struct spec_worker *w = wstate;
	struct spec_entry *e;
	struct spec_wstate *it = NULL;
	size_t i;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	if (!wl->shared) {
		snprintf(err, errlen, "spec: setup did not run");
		return -1;
	}
	e = entry_get(wl->shared, input);
	if (!e->ready) {
		snprintf(err, errlen, "%s", e->why);
		return -1;
	}
	for (i = 0; i < w->n; i++)
		if (w->items[i].entry == e)
			it = &w->items[i];
	if (!it) {
		void *ws = NULL;

		if (e->wl->desc->worker_init && e->wl->desc->worker_init(e->wl, &ws)) {
			snprintf(err, errlen, "spec: worker init of '%s' failed", input);
			return -1;
		}
		tp_grow((void **)&w->items, &w->alloc, w->n + 1, sizeof(*w->items));
		it = &w->items[w->n++];
		it->entry = e;
		it->wstate = ws;
	}
	return e->wl->desc->process(e->wl, it->wstate, input, err, errlen);
}

static void spec_worker_fini(struct tp_workload *wl, void *wstate)
{
	struct spec_worker *w = wstate;
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++) {
		struct tp_workload *sub = w->items[i].entry->wl;

		if (sub->desc->worker_fini)
			sub->desc->worker_fini(sub, w->items[i].wstate);
	}
	free(w->items);
	free(w);
}

const struct tp_workload_desc tp_workload_spec = {
	.name = "spec",
	.summary = "each input line is a workload spec NAME:key=value,...; runs it",
	.task_class = TP_CLASS_UNKNOWN,
	.flags = TP_WL_NO_PROCESS,
	.setup = spec_setup,
	.teardown = spec_teardown,
	.worker_init = spec_worker_init,
	.process = spec_process,
	.worker_fini = spec_worker_fini,
};
