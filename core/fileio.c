/* Whole-file reads and atomic writes (O_EXCL temp file, fsync, rename). */
#include "core/fileio.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int tp_mkdir_p(const char *dir)
{
	char *p = tp_xstrdup(dir), *s;
	int ret = 0;

	for (s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0777) && errno != EEXIST)
				ret = tp_error("cannot create '%s': %s", p, strerror(errno));
			*s = c;
			if (ret || !c)
				break;
		}
	}
	free(p);
	return ret;
}

int tp_read_file(const char *path, struct tp_strbuf *sb)
{
	return tp_read_file_limited(path, (size_t)-1, sb);
}

int tp_read_input(const char *path, size_t max, const char *what, struct tp_strbuf *sb)
{
	int e;

	if (!tp_read_file_limited(path, max, sb))
		return 0;
	e = errno;
	tp_strbuf_release(sb);
	if (e == EFBIG)
		return tp_usage_error("cannot read '%s': it is over the limit of %llu bytes for %s",
				      path, (unsigned long long)max, what);
	if (e == ENOENT || e == EISDIR || e == EACCES || e == ENOTDIR)
		return tp_usage_error("cannot read '%s': %s", path, strerror(e));
	return tp_error("cannot read '%s': %s", path, strerror(e));
}

int tp_read_file_limited(const char *path, size_t max, struct tp_strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	char buf[8192];
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)n;
		if (got > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		tp_strbuf_add(sb, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

int tp_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISBLK(m) ? "a block device" :
	       S_ISSOCK(m) ? "a socket" : S_ISLNK(m) ? "a symbolic link" : "not a regular file";
}

/* Character devices, FIFOs and standard output are written where they are:
 * replacing /dev/null by a regular file, or a FIFO by a file nobody reads,
 * is never what a user asked for. */
static int write_in_place(const char *path, const void *data, size_t len)
{
	int fd = 1, e;
	struct stat st;

	if (strcmp(path, "-")) {
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return tp_error("cannot write '%s': %s", path, strerror(errno));
		/* The path may have changed since lstat(): still a device or FIFO? */
		if (fstat(fd, &st) || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
			close(fd);
			return tp_usage_error("refusing to write '%s': it changed while being opened",
					      path);
		}
	}
	if (tp_write_all(fd, data, len) < 0) {
		e = errno;
		if (fd != 1)
			close(fd);
		return tp_error("cannot write '%s': %s", fd == 1 ? "standard output" : path,
				strerror(e));
	}
	if (fd == 1)
		return 0;
	if (close(fd) < 0)
		return tp_error("cannot write '%s': %s", path, strerror(errno));
	return 0;
}

int tp_write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	const char *p = data;
	int fd = -1, tries;
	struct stat st;

	if (!strcmp(path, "-"))
		return write_in_place(path, data, len);
	if (lstat(path, &st) == 0) {
		/* Never write through a symlink planted at the destination. */
		if (S_ISLNK(st.st_mode))
			return tp_error("refusing to write '%s': it is a symbolic link", path);
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
			return write_in_place(path, data, len);
		if (!S_ISREG(st.st_mode))
			return tp_usage_error("refusing to write '%s': it is %s", path,
					      file_kind(st.st_mode));
	} else if (errno != ENOENT) {
		return tp_error("cannot write '%s': %s", path, strerror(errno));
	}
	if (strlen(path) + 32 > sizeof(tmp))
		return tp_usage_error("cannot write '%s': the path is too long", path);
	for (tries = 0; tries < 100 && fd < 0; tries++) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%d", path, (long)getpid(), tries);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return tp_error("cannot write '%s': %s", path, strerror(errno));
	}
	if (fd < 0)
		return tp_error("cannot write '%s': no free temporary name", path);
	if (tp_write_all(fd, p, len) < 0)
		goto fail;
	if (fsync(fd) < 0 && errno != EINVAL)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	{
		int e = errno ? errno : EIO;

		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return tp_error("cannot write '%s': %s (the previous file, if any, is unchanged)",
				path, strerror(e));
	}
}

int tp_output_check(const char *what, const char *path)
{
	struct stat st;

	if (!path || !strcmp(path, "-") || lstat(path, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode))
		return tp_error("refusing to write %s '%s': it is a symbolic link", what, path);
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
		return tp_usage_error("refusing to write %s '%s': it is %s", what, path,
				      file_kind(st.st_mode));
	return 0;
}

/* The identity of path: its own device and inode, or for a path that does not
 * exist yet, its directory's plus its last component (two new paths alias
 * when they name the same entry of the same directory). */
static int path_identity(const char *path, struct stat *st, const char **leaf)
{
	const char *slash;
	char *dir;
	int ret;

	*leaf = NULL;
	if (!stat(path, st))
		return 0;
	if (errno != ENOENT)
		return -1;
	slash = strrchr(path, '/');
	*leaf = slash ? slash + 1 : path;
	dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
	if (!dir)
		return -1;
	ret = stat(dir, st);
	free(dir);
	return ret;
}

int tp_paths_check_distinct(const struct tp_path_role *roles, int n)
{
	struct stat a, b;
	const char *la, *lb;
	int i, j;

	for (i = 0; i < n; i++) {
		if (!roles[i].path || !strcmp(roles[i].path, "-") ||
		    path_identity(roles[i].path, &a, &la))
			continue;
		if (!la && (S_ISCHR(a.st_mode) || S_ISFIFO(a.st_mode)))
			continue;	/* /dev/null may be named twice */
		for (j = i + 1; j < n; j++) {
			if (!roles[j].path || !strcmp(roles[j].path, "-") ||
			    path_identity(roles[j].path, &b, &lb))
				continue;
			if (a.st_dev != b.st_dev || a.st_ino != b.st_ino || !la != !lb ||
			    (la && strcmp(la, lb)))
				continue;
			return tp_usage_error("%s '%s' and %s '%s' are the same file; give each its own",
					      roles[i].what, roles[i].path, roles[j].what, roles[j].path);
		}
	}
	return 0;
}
