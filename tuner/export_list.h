/* The one list of export formats, in `tunepool export --help` order. */
#ifndef TP_TUNER_EXPORT_LIST_H
#define TP_TUNER_EXPORT_LIST_H

#define TP_EXPORTS(X) \
	X(ini) \
	X(json) \
	X(env) \
	X(parallel) \
	X(make) \
	X(omp) \
	X(slurm) \
	X(python)

#endif
