/* The subcommand descriptor: one per cli/cmd_<name>.c, listed in cli/list.h. */
#ifndef TP_CLI_CMD_H
#define TP_CLI_CMD_H

#include <getopt.h>

struct tp_cmd_desc {
	const char *name;
	const char *summary;		/* one line for `tunepool --help` */
	const char *usage;		/* synopsis, "tunepool probe [--json] ..." */
	const char *help;		/* options and examples, printed by `help SUB` */
	/* argv[0] is the subcommand name; returns an exit code of core/log.h. */
	int (*run)(int argc, char **argv);
	const char *unsupported_reason;	/* set while not built: "not yet available" */
	int hidden;			/* internal (worker mode): not listed */
};

/* getopt_long with tunepool's errors: an unknown option or a missing argument
 * prints a usage error naming it and the closest valid option of sub.
 * Returns the option, -1 at the end of options, or '?' after an error (the
 * caller returns TP_EXIT_USAGE).  Resets getopt state when optind == 0. */
int tp_cli_getopt(int argc, char **argv, const char *shortopts,
		  const struct option *longopts, const char *sub);
/* Prints the help of the named subcommand to stdout; returns its exit code. */
int tp_cli_help(const char *sub);

#endif
