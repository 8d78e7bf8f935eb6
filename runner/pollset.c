/* The poll set an event-loop strategy rebuilds each turn: descriptors with
 * the slot and kind each one belongs to. */
#include "runner/pollset.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tp_pollset_reset(struct tp_pollset *ps)
{
	ps->n = 0;
}

void tp_pollset_add(struct tp_pollset *ps, int fd, short events, int slot, int kind)
{
	if (ps->n == ps->alloc) {
		size_t a = ps->alloc, b = ps->alloc;

		tp_grow((void **)&ps->pfd, &ps->alloc, ps->n + 1, sizeof(*ps->pfd));
		tp_grow((void **)&ps->slot, &a, ps->n + 1, sizeof(*ps->slot));
		tp_grow((void **)&ps->kind, &b, ps->n + 1, sizeof(*ps->kind));
	}
	ps->pfd[ps->n].fd = fd;
	ps->pfd[ps->n].events = events;
	ps->pfd[ps->n].revents = 0;
	ps->slot[ps->n] = slot;
	ps->kind[ps->n] = kind;
	ps->n++;
}

int tp_pollset_wait(struct tp_pollset *ps, double now, double next)
{
	int ms = -1;

	if (next < INFINITY)
		ms = next <= now ? 0 : (int)ceil((next - now) * 1000);
	return poll(ps->pfd, (nfds_t)ps->n, ms);
}

void tp_pollset_release(struct tp_pollset *ps)
{
	free(ps->pfd);
	free(ps->slot);
	free(ps->kind);
	memset(ps, 0, sizeof(*ps));
}
