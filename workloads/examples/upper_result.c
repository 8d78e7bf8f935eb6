/* Example plugin (ABI 2): returns each input upper-cased as the task's result,
 * which `tunepool run` prints as one line per input; an input containing
 * "fail" fails.  Build: cc -shared -fPIC -o upper_result.so upper_result.c */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tunepool/plugin.h>

struct state {
	char buf[4096];
};

static int ur_init(const char *arg, void **state)
{
	(void)arg;
	*state = calloc(1, sizeof(struct state));
	return *state ? 0 : 1;
}

static int ur_process_result(void *state, const char *input, const char **out, size_t *outlen,
			     char *err, size_t errlen)
{
	struct state *s = state;
	size_t i;

	if (strstr(input, "fail")) {
		snprintf(err, errlen, "upper_result: input '%s' asks to fail", input);
		return 1;
	}
	for (i = 0; input[i] && i + 1 < sizeof(s->buf); i++)
		s->buf[i] = (char)toupper((unsigned char)input[i]);
	*out = s->buf;		/* valid until the next call with this state */
	*outlen = i;
	return 0;
}

static void ur_fini(void *state)
{
	free(state);
}

const struct tunepool_plugin tunepool_plugin_entry = {
	.abi = TUNEPOOL_PLUGIN_ABI,
	.name = "upper_result",
	.summary = "upper-case each input and return it as the result (example plugin, ABI 2)",
	.init = ur_init,
	.fini = ur_fini,
	.process_result = ur_process_result,
};
