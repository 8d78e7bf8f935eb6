/* The one list of subcommands, in `tunepool --help` order. */
#ifndef TP_CLI_LIST_H
#define TP_CLI_LIST_H

#define TP_COMMANDS(X) \
	X(probe) \
	X(workloads) \
	X(bench) \
	X(tune) \
	X(run) \
	X(report) \
	X(compare) \
	X(export) \
	X(history) \
	X(model) \
	X(fleet) \
	X(worker)

#endif
