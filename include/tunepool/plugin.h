/* tunepool plugin ABI: the one public header.  A plugin is a shared object
 * that exports one descriptor under the symbol TUNEPOOL_PLUGIN_SYMBOL:
 *
 *     #include <tunepool/plugin.h>
 *     static int my_init(const char *arg, void **state) { ... return 0; }
 *     static int my_process(void *state, const char *input, char *err, size_t errlen) { ... }
 *     static void my_fini(void *state) { ... }
 *     const struct tunepool_plugin tunepool_plugin_entry = {
 *         .abi = TUNEPOOL_PLUGIN_ABI, .name = "mine", .summary = "...",
 *         .init = my_init, .process = my_process, .fini = my_fini,
 *     };
 *
 * tunepool loads it with dlopen(RTLD_NOW | RTLD_LOCAL) from the path given,
 * refuses it when abi differs from the ABI it was built with or when a function
 * is missing, and calls init once per worker (thread or process), process once
 * per input, fini once per worker.  Functions may be called from several
 * threads at once, each with its own state.
 *
 * ABI 2 adds process_result: a process() that also returns the task's result
 * (bytes, printed by `tunepool run` as one record with a newline after it, as
 * a persistent worker's answer).  tunepool loads ABI 1 and ABI 2 plugins. */
#ifndef TUNEPOOL_PLUGIN_H
#define TUNEPOOL_PLUGIN_H

#include <stddef.h>

#define TUNEPOOL_PLUGIN_ABI 2u
#define TUNEPOOL_PLUGIN_ABI_MIN 1u	/* the oldest ABI this tunepool loads */
#define TUNEPOOL_PLUGIN_SYMBOL "tunepool_plugin_entry"

struct tunepool_plugin {
	unsigned abi;		/* TUNEPOOL_PLUGIN_ABI */
	const char *name;
	const char *summary;
	/* arg is the text after ':' in --plugin LIB.so:arg ("" when none).
	 * Returns 0, or non-zero to refuse (the worker then fails every task). */
	int (*init)(const char *arg, void **state);
	/* Returns 0 on success; otherwise writes a NUL-terminated message of at
	 * most errlen bytes into err and returns non-zero. */
	int (*process)(void *state, const char *input, char *err, size_t errlen);
	void (*fini)(void *state);
	/* ABI 2, optional (NULL: process is used): as process, and on success
	 * *out and *outlen the task's result, in memory the plugin keeps valid until
	 * its next call with this state (*out NULL: no result).  A plugin with
	 * process_result may leave process NULL. */
	int (*process_result)(void *state, const char *input, const char **out, size_t *outlen,
			      char *err, size_t errlen);
};

#endif
