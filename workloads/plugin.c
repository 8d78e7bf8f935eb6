/* The plugin workload: a shared object exporting one ABI-versioned
 * descriptor (include/tunepool/plugin.h), loaded from the path given only. */
#include "workloads/plugin.h"
#include "core/alloc.h"
#include "workloads/workload.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tunepool/plugin.h>

struct plugin_priv {
	void *handle;
	const struct tunepool_plugin *p;
	char *path;
	char *arg;
	/* ABI 2's process_result, or NULL (ABI 1, or not given) */
	int (*process_result)(void *state, const char *input, const char **out, size_t *outlen,
			      char *err, size_t errlen);
};

struct plugin_worker {
	void *state;
	int init_rc;			/* non-zero: init refused, every task fails */
	struct tp_strbuf result;	/* the last result and its newline */
};

static int is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* "LIB.so[:arg]": the longest prefix before a ':' that names a file is the
 * library (paths may hold ':'); otherwise everything before the first ':'. */
static void split_lib_arg(const char *s, char **path, char **arg)
{
	const char *c;
	size_t i;

	if (is_file(s)) {
		*path = tp_xstrdup(s);
		*arg = tp_xstrdup("");
		return;
	}
	for (i = strlen(s); i-- > 0;) {
		char *prefix;

		if (s[i] != ':')
			continue;
		prefix = tp_xstrndup(s, i);
		if (is_file(prefix)) {
			*path = prefix;
			*arg = tp_xstrdup(s + i + 1);
			return;
		}
		free(prefix);
	}
	c = strchr(s, ':');
	*path = c ? tp_xstrndup(s, (size_t)(c - s)) : tp_xstrdup(s);
	*arg = tp_xstrdup(c ? c + 1 : "");
}

int tp_plugin_open(struct tp_workload *wl, const char *lib_and_arg)
{
	struct plugin_priv *pp = tp_xcalloc(1, sizeof(*pp));
	const struct tunepool_plugin *p;
	const char *missing = NULL;
	char *dlpath;

	split_lib_arg(lib_and_arg, &pp->path, &pp->arg);
	wl->priv = pp;
	if (!is_file(pp->path))
		return tp_usage_error("cannot load plugin '%s': no such file", pp->path);
	/* A bare name would make dlopen search the library path: never. */
	dlpath = strchr(pp->path, '/') ? tp_xstrdup(pp->path) : tp_xasprintf("./%s", pp->path);
	pp->handle = dlopen(dlpath, RTLD_NOW | RTLD_LOCAL);
	free(dlpath);
	if (!pp->handle)
		return tp_usage_error("cannot load plugin '%s': %s", pp->path, dlerror());
	p = dlsym(pp->handle, TUNEPOOL_PLUGIN_SYMBOL);
	if (!p)
		return tp_usage_error("plugin '%s' does not export '%s'", pp->path,
				      TUNEPOOL_PLUGIN_SYMBOL);
	if (p->abi < TUNEPOOL_PLUGIN_ABI_MIN || p->abi > TUNEPOOL_PLUGIN_ABI)
		return tp_usage_error("plugin '%s' has ABI %u, this tunepool loads ABI %u to %u",
				      pp->path, p->abi, TUNEPOOL_PLUGIN_ABI_MIN, TUNEPOOL_PLUGIN_ABI);
	/* process_result exists from ABI 2 on: an ABI 1 descriptor ends before it. */
	pp->process_result = p->abi >= 2 ? p->process_result : NULL;
	if (!p->init)
		missing = "init";
	else if (!p->process && !pp->process_result)
		missing = "process";
	else if (!p->fini)
		missing = "fini";
	if (missing)
		return tp_usage_error("plugin '%s' lacks the '%s' function", pp->path, missing);
	pp->p = p;
	return 0;
}

static void plugin_release(struct tp_workload *wl)
{
	struct plugin_priv *pp = wl->priv;

	if (!pp)
		return;
	if (pp->handle)
		dlclose(pp->handle);
	free(pp->path);
	free(pp->arg);
	free(pp);
	wl->priv = NULL;
}

static int plugin_worker_init(struct tp_workload *wl, void **wstate)
{
	struct plugin_priv *pp = wl->priv;
	struct plugin_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return tp_error("plugin '%s': out of memory", pp->path);
	w->init_rc = pp->p->init(pp->arg, &w->state);
	*wstate = w;
	return 0;
}

static int plugin_process(struct tp_workload *wl, void *wstate, const char *input, char *err,
			  size_t errlen)
{
	struct plugin_priv *pp = wl->priv;
	struct plugin_worker *w = wstate;

	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	if (w->init_rc) {
		snprintf(err, errlen, "plugin '%s': init refused (returned %d)", pp->path, w->init_rc);
		return -1;
	}
	if (errlen)
		err[0] = '\0';
	if (pp->p->process ? pp->p->process(w->state, input, err, errlen)
			   : pp->process_result(w->state, input, &(const char *){ NULL },
						&(size_t){ 0 }, err, errlen)) {
		if (errlen) {
			err[errlen - 1] = '\0';
			if (!err[0])
				snprintf(err, errlen, "plugin '%s' failed without a message", pp->path);
		}
		return -1;
	}
	return 0;
}

/* The result a plugin returned, as one record: its bytes and a newline. */
static int plugin_process_result(struct tp_workload *wl, void *wstate, const char *input,
				 const char **out, size_t *outlen, char *err, size_t errlen)
{
	struct plugin_priv *pp = wl->priv;
	struct plugin_worker *w = wstate;
	const char *res = NULL;
	size_t len = 0;

	*out = NULL;
	*outlen = 0;
	if (!pp->process_result || w->init_rc)
		return plugin_process(wl, wstate, input, err, errlen);
	if (tp_workload_inject(wl, input, err, errlen))
		return -1;
	if (errlen)
		err[0] = '\0';
	if (pp->process_result(w->state, input, &res, &len, err, errlen)) {
		if (errlen) {
			err[errlen - 1] = '\0';
			if (!err[0])
				snprintf(err, errlen, "plugin '%s' failed without a message", pp->path);
		}
		return -1;
	}
	if (!res)
		return 0;
	tp_strbuf_reset(&w->result);
	tp_strbuf_add(&w->result, res, len);
	tp_strbuf_addch(&w->result, '\n');
	*out = w->result.buf;
	*outlen = w->result.len;
	return 0;
}

static void plugin_worker_fini(struct tp_workload *wl, void *wstate)
{
	struct plugin_priv *pp = wl->priv;
	struct plugin_worker *w = wstate;

	if (!w)
		return;
	if (!w->init_rc)
		pp->p->fini(w->state);
	tp_strbuf_release(&w->result);
	free(w);
}

const struct tp_workload_desc tp_workload_plugin = {
	.name = "plugin",
	.summary = "a shared object exporting tunepool_plugin_entry (--plugin LIB.so[:arg]; "
		   "see <tunepool/plugin.h>)",
	.task_class = TP_CLASS_UNKNOWN,
	.worker_init = plugin_worker_init,
	.process = plugin_process,
	.process_result = plugin_process_result,
	.worker_fini = plugin_worker_fini,
	.release = plugin_release,
};
