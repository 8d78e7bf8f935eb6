/* The one list of search strategies, in `tunepool tune --help` order (auto first:
 * the default). */
#ifndef TP_TUNER_SEARCH_LIST_H
#define TP_TUNER_SEARCH_LIST_H

#define TP_SEARCHES(X) \
	X(auto) \
	X(grid) \
	X(racing) \
	X(usl)

#endif
