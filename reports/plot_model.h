/* The plot of `tunepool model`: the measured points with the USL and Amdahl
 * fits, drawn by gnuplot, its data and script kept beside the image. */
#ifndef TP_REPORTS_PLOT_MODEL_H
#define TP_REPORTS_PLOT_MODEL_H

#include <stddef.h>

#include "reports/plot.h"

struct tp_model_plot {
	const double *n, *x;		/* k measured points */
	size_t k;
	double lambda, sigma, kappa;	/* the USL fit */
	double a_lambda, a_sigma;	/* the Amdahl fit */
	double peak_n;			/* marked when finite */
	const char *xname, *yname;	/* axis titles (from the data: written to the .dat) */
};

/* Writes STEM.dat and STEM.gp beside image (STEM.png or STEM.svg, picked by
 * its extension) and runs gnuplot.  *drawn is 1 when the image was made.
 * Returns 0, or -1 with an error when a file cannot be written or image's
 * name cannot be used in a gnuplot script. */
int tp_plot_model(const struct tp_plotter *p, const char *image, const struct tp_model_plot *m,
		  int *drawn);

#endif
