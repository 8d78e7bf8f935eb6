/* Example of a plugin tunepool must refuse: its descriptor lacks process. */
#include <tunepool/plugin.h>

static int np_init(const char *arg, void **state)
{
	*state = 0;
	return 0;
}

static void np_fini(void *state)
{
}

const struct tunepool_plugin tunepool_plugin_entry = {
	.abi = TUNEPOOL_PLUGIN_ABI,
	.name = "no_process",
	.summary = "a plugin without a process function (refusal test)",
	.init = np_init,
	.fini = np_fini,
};
