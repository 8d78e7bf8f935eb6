/* Whole-file reads and atomic writes (O_EXCL temp file, fsync, rename). */
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int tp_read_file(const char *path, struct tp_strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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

int tp_write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	const char *p = data;
	int fd = -1, tries;
	struct stat st;

	/* Never write through a symlink planted at the destination. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return tp_error("refusing to write '%s': it is a symbolic link", path);
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
