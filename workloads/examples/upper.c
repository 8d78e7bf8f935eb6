/* Example plugin: upper-cases each input into a per-worker buffer; an input
 * containing "fail" fails, and the arg "refuse" makes init refuse.
 * Build: cc -shared -fPIC -o upper.so upper.c; run: --plugin ./upper.so:ARG */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tunepool/plugin.h>

struct upper_state {
	char buf[4096];
	unsigned long tasks;
};

static int upper_init(const char *arg, void **state)
{
	if (!strcmp(arg, "refuse"))
		return 1;
	*state = calloc(1, sizeof(struct upper_state));
	return *state ? 0 : 1;
}

static int upper_process(void *state, const char *input, char *err, size_t errlen)
{
	struct upper_state *s = state;
	size_t i;

	if (strstr(input, "fail")) {
		snprintf(err, errlen, "upper: input '%s' asks to fail", input);
		return 1;
	}
	for (i = 0; input[i] && i + 1 < sizeof(s->buf); i++)
		s->buf[i] = (char)toupper((unsigned char)input[i]);
	s->buf[i] = '\0';
	s->tasks++;
	return 0;
}

static void upper_fini(void *state)
{
	free(state);
}

const struct tunepool_plugin tunepool_plugin_entry = {
	.abi = TUNEPOOL_PLUGIN_ABI,
	.name = "upper",
	.summary = "upper-case each input (example plugin)",
	.init = upper_init,
	.process = upper_process,
	.fini = upper_fini,
};
