/* getopt_long wrapped with tunepool's error messages and suggestions. */
#include "cli/cmd.h"
#include "core/log.h"
#include "core/registry.h"

#include <stdio.h>
#include <string.h>

static void suggest(const struct option *longopts, const char *bad, const char *sub)
{
	const char *names[128];
	const char *best;
	size_t n = 0;
	char name[128];

	snprintf(name, sizeof(name), "%s", bad);
	name[strcspn(name, "=")] = '\0';
	while (longopts[n].name && n < 128) {
		names[n] = longopts[n].name;
		n++;
	}
	best = tp_closest_name(names, n, name + strspn(name, "-"));
	if (best)
		tp_usage_error("%s: unknown option '%s'; did you mean '--%s'?", sub, bad, best);
	else
		tp_usage_error("%s: unknown option '%s'; see 'tunepool help %s'", sub, bad, sub);
}

int tp_cli_getopt(int argc, char **argv, const char *shortopts,
		  const struct option *longopts, const char *sub)
{
	char opts[128];
	int c, prev = optind ? optind : 1;

	/* A leading '+' (stop at the first non-option) must come before the ':'. */
	if (shortopts[0] == '+')
		snprintf(opts, sizeof(opts), "+:%s", shortopts + 1);
	else
		snprintf(opts, sizeof(opts), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c == '?') {
		char shortbuf[3] = { '-', (char)optopt, '\0' };
		const char *bad = optopt ? shortbuf : argv[optind - 1];

		if (!optopt && prev < argc && optind - 1 < prev)
			bad = argv[prev];
		suggest(longopts, bad, sub);
		return '?';
	}
	if (c == ':') {
		const char *opt = argv[optind - 1];

		tp_usage_error("%s: option '%s' needs a value", sub, opt);
		return '?';
	}
	return c;
}
