/* The one list of worker-count controllers, in `run --help` order. */
#ifndef TP_RUNNER_CTL_LIST_H
#define TP_RUNNER_CTL_LIST_H

#define TP_CONTROLLERS(X) \
	X(hill) \
	X(gradient) \
	X(static)

#endif
