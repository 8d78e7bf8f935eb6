/* Test plugin that misbehaves on purpose, chosen by its arg: "hang" makes
 * init never return; "exit" calls exit(0) and "crash" raises SIGSEGV when
 * the input is "boom"; any other input sleeps 10 ms and succeeds.
 * Build: cc -shared -fPIC -o hostile.so hostile.c; run: --plugin ./hostile.so:ARG */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <tunepool/plugin.h>

static int hostile_init(const char *arg, void **state)
{
	if (!strcmp(arg, "hang"))
		for (;;)
			pause();
	*state = strdup(arg);
	return *state ? 0 : 1;
}

static int hostile_process(void *state, const char *input, char *err, size_t errlen)
{
	const char *mode = state;
	struct timespec ts = { 0, 10 * 1000000L };

	(void)err;
	(void)errlen;
	if (!strcmp(input, "boom") && !strcmp(mode, "exit"))
		exit(0);
	if (!strcmp(input, "boom") && !strcmp(mode, "crash"))
		raise(SIGSEGV);
	nanosleep(&ts, NULL);
	return 0;
}

static void hostile_fini(void *state)
{
	free(state);
}

const struct tunepool_plugin tunepool_plugin_entry = {
	.abi = TUNEPOOL_PLUGIN_ABI,
	.name = "hostile",
	.summary = "misbehaves on purpose: hang in init, exit() or crash (test plugin)",
	.init = hostile_init,
	.process = hostile_process,
	.fini = hostile_fini,
};
