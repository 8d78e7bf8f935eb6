/* Result cache files: path from the fingerprint and a hash of the workload
 * signature; read and written through the results model. */
#include "tuner/cache.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

unsigned long long tp_cache_hash(unsigned long long h, const char *text, size_t len)
{
	size_t i;

	if (!h)
		h = 1469598103934665603ULL;
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int make_dir(const char *path)
{
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

char *tp_cache_path(const char *fingerprint, const char *signature)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base, *dir, *path;
	unsigned long long h = tp_cache_hash(0, signature, strlen(signature));

	if (xdg && *xdg)
		base = tp_xstrdup(xdg);
	else if (home && *home)
		base = tp_xasprintf("%s/.cache", home);
	else
		return NULL;
	dir = tp_xasprintf("%s/tunepool", base);
	if (make_dir(base) || make_dir(dir)) {
		free(base);
		free(dir);
		return NULL;
	}
	path = tp_xasprintf("%s/%s-%016llx.json", dir, *fingerprint ? fingerprint : "unknown", h);
	free(base);
	free(dir);
	return path;
}

int tp_cache_load(const char *path, struct tp_results *r)
{
	int saved = tp_error_exit_code();

	if (access(path, R_OK))
		return 0;
	if (tp_results_read(r, path)) {
		tp_error_set_class(saved);
		tp_warn("ignoring the unreadable result cache '%s'", path);
		tp_results_release(r);
		return 0;
	}
	return 1;
}

void tp_cache_store(const char *path, const struct tp_results *r)
{
	int saved = tp_error_exit_code();

	if (tp_results_write(r, path)) {
		tp_error_set_class(saved);
		tp_warn("cannot update the result cache '%s'", path);
	}
}
