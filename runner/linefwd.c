/* Splits a worker's output stream into whole lines: a line is forwarded only
 * once its newline arrived, so lines of different workers never mix. */
#include "runner/linefwd.h"

#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

static void emit(struct tp_linefwd *f, size_t len, tp_line_fn fn, void *ctx)
{
	char saved = f->buf[len];

	f->buf[len] = '\0';
	fn(ctx, f->buf);
	f->buf[len] = saved;
}

void tp_linefwd_feed(struct tp_linefwd *f, const char *data, size_t n, tp_line_fn fn, void *ctx)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;

		if (!f->len && nl) {
			/* Whole line in data: no copy beyond the NUL. */
			tp_grow((void **)&f->buf, &f->alloc, take + 1, 1);
			memcpy(f->buf, data, take);
			emit(f, take, fn, ctx);
		} else {
			while (f->len + take > TP_LINEFWD_MAX) {
				size_t part = TP_LINEFWD_MAX - f->len;

				tp_grow((void **)&f->buf, &f->alloc, TP_LINEFWD_MAX + 1, 1);
				memcpy(f->buf + f->len, data, part);
				emit(f, TP_LINEFWD_MAX, fn, ctx);
				f->len = 0;
				data += part;
				n -= part;
				take -= part;
			}
			tp_grow((void **)&f->buf, &f->alloc, f->len + take + 1, 1);
			memcpy(f->buf + f->len, data, take);
			f->len += take;
			if (!nl)
				return;
			emit(f, f->len, fn, ctx);
			f->len = 0;
		}
		data += take + 1;
		n -= take + 1;
	}
}

void tp_linefwd_flush(struct tp_linefwd *f, tp_line_fn fn, void *ctx)
{
	if (!f->len)
		return;
	emit(f, f->len, fn, ctx);
	f->len = 0;
}

void tp_linefwd_release(struct tp_linefwd *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}
