/* Growable string buffer; buf is never NULL after tp_strbuf_init(). */
#include "core/strbuf.h"
#include "core/alloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char tp_strbuf_empty[1];

void tp_strbuf_init(struct tp_strbuf *sb)
{
	sb->buf = tp_strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
}

void tp_strbuf_release(struct tp_strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	tp_strbuf_init(sb);
}

void tp_strbuf_reset(struct tp_strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

char *tp_strbuf_detach(struct tp_strbuf *sb)
{
	char *s = sb->alloc ? sb->buf : tp_xstrdup("");

	tp_strbuf_init(sb);
	return s;
}

void tp_strbuf_grow(struct tp_strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->alloc)
		return;
	if (!sb->alloc)
		sb->buf = NULL;
	tp_grow((void **)&sb->buf, &sb->alloc, need, 1);
	if (sb->len == 0)
		sb->buf[0] = '\0';
}

void tp_strbuf_add(struct tp_strbuf *sb, const void *data, size_t len)
{
	tp_strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void tp_strbuf_adds(struct tp_strbuf *sb, const char *s)
{
	tp_strbuf_add(sb, s, strlen(s));
}

void tp_strbuf_addch(struct tp_strbuf *sb, char c)
{
	tp_strbuf_add(sb, &c, 1);
}

void tp_strbuf_addf(struct tp_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	tp_strbuf_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void tp_strbuf_rtrim(struct tp_strbuf *sb)
{
	while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}

void tp_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}
