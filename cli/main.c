/* Entry point: global options, the subcommand table, help and dispatch. */
#include "cli/cmd.h"
#include "cli/lists.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/strbuf.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static void print_usage(FILE *f)
{
	size_t i, n;
	const struct tp_cmd_desc *const *commands = tp_cli_commands(&n);

	fprintf(f, "usage: tunepool [--version] [--help] COMMAND [ARGS]\n\n"
		   "tunepool finds, and keeps, the right parallelism for batch jobs on this\n"
		   "machine: it probes the hardware and container limits, benchmarks worker\n"
		   "counts, batch sizes and pool strategies, writes a tuned tunepool.conf, and\n"
		   "runs jobs with a monitor that keeps adjusting the width.\n\n"
		   "commands:\n");
	for (i = 0; i < n; i++) {
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
	size_t n;
	const struct tp_cmd_desc *const *commands = tp_cli_commands(&n);

	return tp_registry_lookup((const void *const *)commands, n, name, "command");
}

int tp_cli_help(const char *sub)
{
	const struct tp_cmd_desc *c = find_command(sub);

	struct tp_strbuf sb;
	int rc;

	if (!c)
		return TP_EXIT_USAGE;
	/* Lists of names come from the registries: {names:KIND}, {list:KIND}. */
	tp_strbuf_init(&sb);
	tp_strbuf_adds(&sb, "usage: ");
	tp_cli_expand(&sb, c->usage);
	tp_strbuf_addf(&sb, "\n\n%s\n", c->summary);
	if (c->unsupported_reason)
		tp_strbuf_addf(&sb, "\nthis command is %s.\n", c->unsupported_reason);
	if (c->help && *c->help) {
		tp_strbuf_addch(&sb, '\n');
		tp_cli_expand(&sb, c->help);
	}
	rc = fwrite(sb.buf, 1, sb.len, stdout) == sb.len && fflush(stdout) == 0 ? TP_EXIT_OK :
	     (tp_error("cannot write to standard output"), TP_EXIT_SYSTEM);
	tp_strbuf_release(&sb);
	return rc;
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
		/* help --list [KIND] | help --roff KIND: the registries, for scripts,
		 * tests and the man page's generated lists. */
		if (!strcmp(argv[2], "--list") || !strcmp(argv[2], "--roff")) {
			int roff = argv[2][2] == 'r';

			if (roff && argc < 4) {
				tp_usage_error("help --roff needs a KIND; see 'tunepool help --list'");
				return TP_EXIT_USAGE;
			}
			return tp_cli_list(argc > 3 ? argv[3] : NULL, roff);
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
