/* Whole-file reads and atomic writes (O_EXCL temp file, fsync, rename). */
#ifndef TP_CORE_FILEIO_H
#define TP_CORE_FILEIO_H

#include <stddef.h>

struct tp_strbuf;

/* Reads all of path into sb (appending).  Returns 0, or -1 with errno set and
 * no message printed, so probes can degrade quietly. */
int tp_read_file(const char *path, struct tp_strbuf *sb);

/* Writes all n bytes to fd, resuming after EINTR and short writes.  Returns 0,
 * or -1 with errno set (ENOSPC, EFBIG, ...) and nothing printed. */
int tp_write_all(int fd, const void *data, size_t n);

/* Writes data to path atomically: a new O_EXCL|O_NOFOLLOW temp file beside it,
 * mode 0644, fsync, rename over path.  On any failure the old file is left
 * intact, the temp file removed, and an error naming path is printed; returns -1. */
int tp_write_file_atomic(const char *path, const void *data, size_t len);

#endif
