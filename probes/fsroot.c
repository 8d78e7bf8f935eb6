/* The one root (env TUNEPOOL_FSROOT, default "/") that every /sys and /proc read goes through. */
#include "probes/fsroot.h"
#include "core/fileio.h"
#include "core/opt.h"
#include "core/strbuf.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read once (samplers call from several threads); tests call tp_fsroot_reset()
 * while single-threaded. */
static char root[PATH_MAX];
static pthread_once_t root_once = PTHREAD_ONCE_INIT;

static void load_root(void)
{
	const char *env = getenv("TUNEPOOL_FSROOT");
	size_t len;

	root[0] = '\0';
	if (!env || !*env)
		return;
	snprintf(root, sizeof(root), "%s", env);
	/* "/" and "dir/" mean "" and "dir": paths are joined as root + "/abs". */
	len = strlen(root);
	while (len > 0 && root[len - 1] == '/')
		root[--len] = '\0';
}

const char *tp_fsroot(void)
{
	pthread_once(&root_once, load_root);
	return root;
}

void tp_fsroot_reset(void)
{
	pthread_once(&root_once, load_root);
	load_root();
}

const char *tp_fsroot_path(const char *abs_path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s%s", tp_fsroot(), abs_path[0] == '/' ? "" : "/",
			 abs_path);

	/* A truncated path would name another file: make it one that cannot exist. */
	if (n < 0 || (size_t)n >= size)
		snprintf(buf, size, "/nonexistent-path-too-long");
	return buf;
}

int tp_fsroot_read(const char *abs_path, struct tp_strbuf *sb)
{
	char path[PATH_MAX];

	tp_strbuf_reset(sb);
	return tp_read_file(tp_fsroot_path(abs_path, path, sizeof(path)), sb);
}

int tp_fsroot_read_ll(const char *abs_path, long long *out)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int ret = -1;

	if (!tp_fsroot_read(abs_path, &sb)) {
		sb.buf[strcspn(sb.buf, "\n")] = '\0';
		tp_strbuf_rtrim(&sb);
		if (tp_parse_long(sb.buf, out) == 0)
			ret = 0;
		else
			errno = EINVAL;
	}
	tp_strbuf_release(&sb);
	return ret;
}
