/* The (N, X) points `tunepool model` fits, read from a CSV with a header, a
 * tunepool results.json or a hyperfine --export-json of a parameter scan. */
#ifndef TP_TUNER_MODELDATA_H
#define TP_TUNER_MODELDATA_H

#include <stddef.h>

struct tp_model_data_opts {
	const char *xcol;	/* CSV column, or hyperfine parameter; NULL: "N" / the only one */
	const char *ycol;	/* CSV column (NULL: "X"); hyperfine: mean|median|time;
				 * results: throughput (each repeat) | median (each trial) */
};

struct tp_model_data {
	double *n, *x;		/* owned, k points */
	size_t k, alloc;
	char format[16];	/* of the last file read: csv | results | hyperfine */
	char xname[64], yname[64];	/* axis names for output and plots */
};

void tp_model_data_init(struct tp_model_data *d);
/* Appends the points of path to d (format detected from the content).
 * Errors are usage errors naming path, line or field and value; returns 0 or -1. */
int tp_model_data_read(struct tp_model_data *d, const char *path, const struct tp_model_data_opts *o);
/* The same for len bytes of data already read, named path in errors. */
int tp_model_data_parse(struct tp_model_data *d, const char *path, const char *data, size_t len,
			const struct tp_model_data_opts *o);
void tp_model_data_release(struct tp_model_data *d);

#endif
