/* Plots of results drawn by gnuplot run as a program: data (.dat) and script
 * (.gp) files written beside the images so users can restyle them. */
#ifndef TP_REPORTS_PLOT_H
#define TP_REPORTS_PLOT_H

#include <stddef.h>

#include "core/results.h"

struct tp_strbuf;

#define TP_PLOT_MAX 8

struct tp_plotter {
	char *gnuplot;		/* full path, NULL when not found in PATH */
	char terminal[16];	/* "pngcairo" or "svg" */
	char ext[8];		/* "png" or "svg" */
};

struct tp_plot {
	char stem[64];		/* file name without extension: STEM.gp, STEM.dat, STEM.png */
	char image[72];		/* STEM.png or STEM.svg */
	char title[128];
	int drawn;		/* gnuplot ran and the image exists */
};

struct tp_plot_list {
	struct tp_plot plots[TP_PLOT_MAX];
	int n;
};

/* Finds gnuplot in PATH and picks pngcairo when it lists it, else svg.
 * Without gnuplot, scripts still target pngcairo.  Never fails. */
void tp_plotter_init(struct tp_plotter *p);
void tp_plotter_release(struct tp_plotter *p);

/* A series: the trials sharing batch, strategy and start, ordered by workers. */
struct tp_series {
	struct tp_config key;		/* workers unused */
	const struct tp_trial **trials;	/* owned array of borrowed trials */
	size_t n;
};

/* Groups r's trials into series ordered by strategy, start, batch; returns
 * the count and an owned array (free with tp_series_free). */
size_t tp_series_build(const struct tp_results *r, struct tp_series **out);
void tp_series_free(struct tp_series *s, size_t n);
/* Appends s as a gnuplot double-quoted string literal that reads back as s:
 * " \ and ` escaped (gnuplot runs `...` even inside "..."), control bytes as
 * \ooo, bytes that are not UTF-8 shown as \xNN.  Every string from a results
 * file that reaches a .gp script goes through here. */
void tp_gnuplot_quote(struct tp_strbuf *sb, const char *s);

/* "b=16 thread" / "b=1 process/spawn" into buf. */
const char *tp_series_label(const struct tp_series *s, char *buf, size_t size);

/* Writes the data and scripts of every plot that r has data for into dir
 * (file names start with prefix) and runs gnuplot on them when there is one.
 * Returns 0, or -1 when a file cannot be written; a failing gnuplot only
 * leaves that plot undrawn (with a warning). */
int tp_plot_results(const struct tp_plotter *p, const struct tp_results *r, const char *dir,
		    const char *prefix, struct tp_plot_list *out);

/* Runs gnuplot on DIR/STEM.gp written by someone else (history and model
 * plots), which must set its output from the variable tp_output as the
 * report's scripts do; the image reaches DIR/pl->image through the checked
 * writer.  Returns pl->drawn (0 when gnuplot is missing or fails, with a
 * warning), or -1 when the image cannot be written. */
int tp_plot_draw(const struct tp_plotter *p, const char *dir, struct tp_plot *pl);

#endif
