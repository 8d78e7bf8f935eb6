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
 * threads at once, each with its own state. */
#ifndef TUNEPOOL_PLUGIN_H
#define TUNEPOOL_PLUGIN_H

#include <stddef.h>

#define TUNEPOOL_PLUGIN_ABI 1u
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
};

#endif
