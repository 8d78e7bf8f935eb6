/* Entry point: global options, the subcommand table, help and dispatch. */
#include "cli/cmd.h"
#include "cli/list.h"
#include "core/log.h"
#include "core/registry.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define DECLARE(n) extern const struct tp_cmd_desc tp_cmd_##n;
TP_COMMANDS(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_cmd_##n,
static const struct tp_cmd_desc *const commands[] = { TP_COMMANDS(ENTRY) };
#undef ENTRY
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tunepool [--version] [--help] COMMAND [ARGS]\n\n"
		   "tunepool finds, and keeps, the right parallelism for batch jobs on this\n"
		   "machine: it probes the hardware and container limits, benchmarks worker\n"
		   "counts, batch sizes and pool strategies, writes a tuned tunepool.conf, and\n"
		   "runs jobs with a monitor that keeps adjusting the width.\n\n"
		   "commands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		const struct tp_cmd_desc *c = commands[i];

		if (c->hidden)
			continue;
		fprintf(f, "  %-10s %s%s%s%s\n", c->name, c->summary,
			c->unsupported_reason ? " (" : "",
			c->unsupported_reason ? c->unsupported_reason : "",
			c->unsupported_reason ? ")" : "");
	}
	fprintf(f, "\n'tunepool help COMMAND' or 'tunepool COMMAND --help' explains one command.\n"
		   "exit codes: 0 ok, 1 negative result (regression, failed tasks), 2 bad usage\n"
		   "or input, 3 system failure, 130 interrupted.\n");
}

static const struct tp_cmd_desc *find_command(const char *name)
{
	return tp_registry_lookup((const void *const *)commands, NCOMMANDS, name, "command");
}

int tp_cli_help(const char *sub)
{
	const struct tp_cmd_desc *c = find_command(sub);

	if (!c)
		return TP_EXIT_USAGE;
	printf("usage: %s\n\n%s\n", c->usage, c->summary);
	if (c->unsupported_reason)
		printf("\nthis command is %s.\n", c->unsupported_reason);
	if (c->help && *c->help)
		printf("\n%s", c->help);
	return TP_EXIT_OK;
}

/* --help or -h before any "--" (or run's ::: and ::::, after which all is
 * inputs) asks for the subcommand's help. */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") || !strncmp(argv[i], ":::", 3))
			return 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct tp_cmd_desc *c;

	/* Past `ulimit -f` a write must fail with EFBIG (reported, the old file
	 * kept) instead of SIGXFSZ killing us mid-write; children get SIG_DFL back. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		print_usage(stderr);
		return TP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return TP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tunepool %s\n", TP_VERSION);
		return TP_EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			print_usage(stdout);
			return TP_EXIT_OK;
		}
		return tp_cli_help(argv[2]);
	}
	if (argv[1][0] == '-') {
		tp_usage_error("unknown option '%s'; see 'tunepool --help'", argv[1]);
		return TP_EXIT_USAGE;
	}
	c = find_command(argv[1]);
	if (!c)
		return TP_EXIT_USAGE;
	if (wants_help(argc - 1, argv + 1))
		return tp_cli_help(c->name);
	if (c->unsupported_reason || !c->run) {
		tp_usage_error("'%s' is %s", c->name,
			       c->unsupported_reason ? c->unsupported_reason : "not available");
		return TP_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
