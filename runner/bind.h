/* CPU binding of a run's workers (tunepool.conf [run] bind = core|numa):
 * worker slot i gets the i-th core (or NUMA node) of the CPUs this process
 * may use, round robin; a thread worker binds itself, an exec child inherits
 * the binding of the thread that spawns it (bound just around posix_spawn,
 * so the child never runs unbound). */
#ifndef TP_RUNNER_BIND_H
#define TP_RUNNER_BIND_H

#include <hwloc.h>

enum tp_bind_mode { TP_BIND_NONE = 0, TP_BIND_CORE, TP_BIND_NUMA };

struct tp_bind {
	enum tp_bind_mode mode;
	hwloc_topology_t topo;		/* NULL when mode is none */
	hwloc_bitmap_t *sets;		/* one per core or node, within the allowed CPUs */
	int nsets;
};

/* "none" | "core" | "numa" into *out; -1 (no message) otherwise. */
int tp_bind_parse(const char *name, enum tp_bind_mode *out);
const char *tp_bind_name(enum tp_bind_mode m);
/* Loads the topology (xml/synthetic NULL: this machine) and the sets of
 * mode within allowed (NULL: this process's CPU binding).  0, or -1 with an
 * error (nothing to bind to); mode none always succeeds. */
int tp_bind_init(struct tp_bind *b, enum tp_bind_mode mode, const char *xml, const char *synthetic,
		 hwloc_const_bitmap_t allowed);
void tp_bind_release(struct tp_bind *b);
/* The set of worker slot, or NULL when not binding. */
hwloc_const_bitmap_t tp_bind_set(const struct tp_bind *b, int slot);
/* Binds the calling thread to slot's set; with saved (allocated by the
 * caller) the thread's binding before is kept there.  0, or -1 (errno). */
int tp_bind_thread(const struct tp_bind *b, int slot, hwloc_bitmap_t saved);
/* Puts the calling thread's binding back to saved. */
void tp_bind_restore(const struct tp_bind *b, hwloc_const_bitmap_t saved);

#endif
