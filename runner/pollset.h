/* The poll set an event-loop strategy rebuilds each turn: descriptors with
 * the slot and kind each one belongs to. */
#ifndef TP_RUNNER_POLLSET_H
#define TP_RUNNER_POLLSET_H

#include <poll.h>
#include <stddef.h>

struct tp_pollset {
	struct pollfd *pfd;
	int *slot;		/* owning slot index, -1 for none */
	int *kind;		/* the strategy's own tag */
	size_t n, alloc;
};

/* Empties the set for the next turn; memory is kept. */
void tp_pollset_reset(struct tp_pollset *ps);
void tp_pollset_add(struct tp_pollset *ps, int fd, short events, int slot, int kind);
/* poll() over the set until the deadline next (seconds on the clock of now;
 * INFINITY blocks); returns as poll(2). */
int tp_pollset_wait(struct tp_pollset *ps, double now, double next);
/* Frees the memory; the set is empty and reusable afterwards. */
void tp_pollset_release(struct tp_pollset *ps);

#endif
