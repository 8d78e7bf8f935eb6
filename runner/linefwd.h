/* Splits a worker's output stream into whole lines for forwarding. */
#ifndef TP_RUNNER_LINEFWD_H
#define TP_RUNNER_LINEFWD_H

#include <stddef.h>

/* A line longer than this is forwarded in pieces of this size. */
#define TP_LINEFWD_MAX 65536

struct tp_linefwd {
	char *buf;
	size_t len, alloc;
};

typedef void (*tp_line_fn)(void *ctx, const char *line);

/* Feeds data; calls fn once per complete line (without the newline). */
void tp_linefwd_feed(struct tp_linefwd *f, const char *data, size_t n, tp_line_fn fn, void *ctx);
/* Forwards a pending partial line, if any. */
void tp_linefwd_flush(struct tp_linefwd *f, tp_line_fn fn, void *ctx);
void tp_linefwd_release(struct tp_linefwd *f);

#endif
