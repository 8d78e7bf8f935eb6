/* Allocation that aborts with a message on out-of-memory. */
#ifndef TP_CORE_ALLOC_H
#define TP_CORE_ALLOC_H

#include <stddef.h>

/* These never return NULL: on failure they print and abort.  Free with free().
 * Use a plain malloc() and report the error for sizes that come from user input. */
void *tp_xmalloc(size_t n);
void *tp_xcalloc(size_t nmemb, size_t size);
void *tp_xrealloc(void *p, size_t n);
char *tp_xstrdup(const char *s);
char *tp_xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *tp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Grows *arr (of elem bytes each) so that it holds at least need elements. */
void tp_grow(void **arr, size_t *alloc, size_t need, size_t elem);

#endif
