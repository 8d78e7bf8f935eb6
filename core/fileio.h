/* Whole-file reads and the one checked writer of every output file. */
#ifndef TP_CORE_FILEIO_H
#define TP_CORE_FILEIO_H

#include <stddef.h>

struct tp_strbuf;

/* Reads all of path into sb (appending).  Returns 0, or -1 with errno set and
 * no message printed, so probes can degrade quietly. */
int tp_read_file(const char *path, struct tp_strbuf *sb);

/* tp_read_file() that stops past max bytes: -1 with errno EFBIG then (a
 * conf read from /dev/zero or an endless FIFO); nothing printed. */
int tp_read_file_limited(const char *path, size_t max, struct tp_strbuf *sb);
/* Creates dir and its missing parents (mode 0777 less the umask); an existing
 * one is fine.  0, or -1 with the error printed naming the path. */
int tp_mkdir_p(const char *dir);
/* tp_read_file_limited for a file a user gave: on failure sb is released and
 * the error printed, naming the file and, past max, the limit for what ("a
 * results file"): a usage error (exit 2) for a missing, unreadable or
 * too-large file, a system error otherwise.  Returns 0 or -1. */
int tp_read_input(const char *path, size_t max, const char *what, struct tp_strbuf *sb);

/* Writes all n bytes to fd, resuming after EINTR and short writes.  Returns 0,
 * or -1 with errno set (ENOSPC, EFBIG, ...) and nothing printed. */
int tp_write_all(int fd, const void *data, size_t n);

/* Writes data to path, checked, never through a symbolic link.  A regular
 * file (or a new path) is replaced atomically: a new O_EXCL|O_NOFOLLOW temp
 * file beside it, mode 0644, fsync, rename over path; on failure the old file
 * is left intact and the temp file removed.  A character device or FIFO
 * (/dev/null, a named pipe) and "-" (standard output) are written in place.
 * A directory, socket or block device is refused as bad input
 * (tp_error_exit_code() 2); a symbolic link (exit 3, as before) or a failed
 * write is a system error (3).  Prints an
 * error naming path and returns -1 on failure. */
int tp_write_file_atomic(const char *path, const void *data, size_t len);

/* Refuses, before any work is done, an output path that the writer would
 * refuse (a directory, socket, block device: exit 2; a symbolic link: exit 3);
 * what names the option ("--results").  Returns 0, or -1 after the error. */
int tp_output_check(const char *what, const char *path);

/* A file given to a command, with the option that named it. */
struct tp_path_role {
	const char *what;	/* "--inputs", "--joblog", ... */
	const char *path;	/* NULL or "-": not checked */
};

/* Refuses two roles naming the same file, by identity (device and inode; for
 * paths not yet created, the directory's identity and the name), so that
 * "x", "./x" and a hard link to x are all caught.  Character devices and FIFOs
 * (/dev/null) may repeat.  Returns 0, or -1 after a usage error naming both. */
int tp_paths_check_distinct(const struct tp_path_role *roles, int n);

#endif
