/* The one list of pool strategies, in `tunepool bench --strategy` order. */
#ifndef TP_RUNNER_STRATEGY_LIST_H
#define TP_RUNNER_STRATEGY_LIST_H

#define TP_STRATEGIES(X) \
	X(thread) \
	X(process) \
	X(exec) \
	X(persistent)

#endif
