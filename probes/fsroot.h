/* Every /sys and /proc read goes through one root: env TUNEPOOL_FSROOT, default "/". */
#ifndef TP_PROBES_FSROOT_H
#define TP_PROBES_FSROOT_H

#include <stddef.h>

struct tp_strbuf;

/* The root in use ("" for "/"), read once from TUNEPOOL_FSROOT. */
const char *tp_fsroot(void);
/* Re-reads TUNEPOOL_FSROOT (tests change it between cases). */
void tp_fsroot_reset(void);
/* root + abs_path into buf; abs_path starts with '/'. */
const char *tp_fsroot_path(const char *abs_path, char *buf, size_t size);
/* Reads root + abs_path into sb (replacing its contents).  Returns 0, or -1
 * with errno set and nothing printed. */
int tp_fsroot_read(const char *abs_path, struct tp_strbuf *sb);
/* First line of the file parsed as a number; -1 on error. */
int tp_fsroot_read_ll(const char *abs_path, long long *out);

#endif
