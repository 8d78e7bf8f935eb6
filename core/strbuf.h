/* Growable string buffer; buf is never NULL after tp_strbuf_init(). */
#ifndef TP_CORE_STRBUF_H
#define TP_CORE_STRBUF_H

#include <stddef.h>

struct tp_strbuf {
	char *buf;	/* always NUL-terminated */
	size_t len;
	size_t alloc;	/* 0 while buf points to the shared empty string */
};

#define TP_STRBUF_INIT { tp_strbuf_empty, 0, 0 }
extern char tp_strbuf_empty[];

void tp_strbuf_init(struct tp_strbuf *sb);
/* Frees the memory and leaves sb initialised and empty. */
void tp_strbuf_release(struct tp_strbuf *sb);
/* Empties without freeing. */
void tp_strbuf_reset(struct tp_strbuf *sb);
/* Hands the string to the caller (free() it) and re-initialises sb. */
char *tp_strbuf_detach(struct tp_strbuf *sb);
void tp_strbuf_grow(struct tp_strbuf *sb, size_t extra);
void tp_strbuf_add(struct tp_strbuf *sb, const void *data, size_t len);
void tp_strbuf_adds(struct tp_strbuf *sb, const char *s);
void tp_strbuf_addch(struct tp_strbuf *sb, char c);
void tp_strbuf_addf(struct tp_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* snprintf into a fixed buffer where truncating is fine (names, reasons, long
 * paths in messages); always NUL-terminates when size > 0. */
void tp_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Removes trailing whitespace. */
void tp_strbuf_rtrim(struct tp_strbuf *sb);

#endif
