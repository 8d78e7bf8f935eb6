/* Example of a plugin tunepool must refuse: built for another ABI version. */
#include <tunepool/plugin.h>

static int bad_init(const char *arg, void **state)
{
	*state = 0;
	return 0;
}

static int bad_process(void *state, const char *input, char *err, size_t errlen)
{
	return 0;
}

static void bad_fini(void *state)
{
}

const struct tunepool_plugin tunepool_plugin_entry = {
	.abi = 42,	/* no tunepool has it */
	.name = "bad_abi",
	.summary = "a plugin for a future ABI (refusal test)",
	.init = bad_init,
	.process = bad_process,
	.fini = bad_fini,
};
