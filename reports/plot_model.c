/* The plot of `tunepool model`: points, USL and Amdahl curves, N*. */
#include "reports/plot_model.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A column title for the .dat: gnuplot reads it with columnheader(), so only
 * the double quote and control characters need to go. */
static void dat_title(struct tp_strbuf *sb, const char *s)
{
	tp_strbuf_addch(sb, '"');
	for (; *s; s++)
		tp_strbuf_addch(sb, *s == '"' || (unsigned char)*s < 0x20 ? '_' : *s);
	tp_strbuf_addch(sb, '"');
}

int tp_plot_model(const struct tp_plotter *p, const char *image, const struct tp_model_plot *m,
		  int *drawn)
{
	const char *base = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
	const char *dot = strrchr(base, '.');
	int svg = dot && !strcmp(dot, ".svg");
	struct tp_strbuf dat = TP_STRBUF_INIT, gp = TP_STRBUF_INIT;
	char *dir, *stem, *path;
	double nmax = 0, xmax = 0;
	size_t i;
	int ret = 0;

	*drawn = 0;
	if (!*base || strpbrk(base, "'\"\\\n\r`$"))
		return tp_usage_error("model: --plot '%s': the file name must not be empty or "
				      "contain quotes, backslashes, '$', '`' or newlines", image);
	if (!dot || (strcmp(dot, ".png") && !svg))
		return tp_usage_error("model: --plot '%s': the image must end in .png or .svg", image);
	dir = base == image ? tp_xstrdup(".") : tp_xstrndup(image, (size_t)(base - image - 1));
	if (!*dir) {
		free(dir);
		dir = tp_xstrdup("/");
	}
	stem = tp_xstrndup(base, (size_t)(dot - base));
	for (i = 0; i < m->k; i++) {
		nmax = fmax(nmax, m->n[i]);
		xmax = fmax(xmax, m->x[i]);
	}
	tp_strbuf_adds(&dat, "# tunepool model: measured points\n");
	dat_title(&dat, m->xname);
	tp_strbuf_addch(&dat, ' ');
	dat_title(&dat, m->yname);
	tp_strbuf_addch(&dat, '\n');
	for (i = 0; i < m->k; i++)
		tp_strbuf_addf(&dat, "%.10g %.10g\n", m->n[i], m->x[i]);

	tp_strbuf_addf(&gp, "# tunepool model: the measured points and the fits\n"
		       "# data: %s.dat (N, X with column titles)\n# redraw: gnuplot %s.gp\n",
		       stem, stem);
	/* tunepool draws with tp_output = '/dev/stdout' and writes the image
	 * through the checked writer; a user's rerun writes it beside the script. */
	tp_strbuf_addf(&gp, "set terminal %s size 960,600 noenhanced font \"sans,10\"\n"
		       "if (!exists(\"tp_output\")) tp_output = '%s'\nset output tp_output\n",
		       svg ? "svg" : "pngcairo", base);
	tp_strbuf_addf(&gp, "lambda = %.17g; sigma = %.17g; kappa = %.17g\n"
		       "a_lambda = %.17g; a_sigma = %.17g\n"
		       "usl(n) = lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))\n"
		       "amdahl(n) = a_lambda * n / (1 + a_sigma * (n - 1))\n",
		       m->lambda, m->sigma, m->kappa, m->a_lambda, m->a_sigma);
	tp_strbuf_adds(&gp, "set key left top\nset grid\nset xrange [0:*]\nset yrange [0:*]\n"
			    "set samples 400\nset xlabel \"N\"\nset ylabel \"X\"\n"
			    "set title \"Scaling fits (USL and Amdahl)\"\n");
	if (isfinite(m->peak_n) && m->peak_n > 0)
		tp_strbuf_addf(&gp, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead "
			       "dashtype 2 lc rgb \"gray40\"\nset label \"N* = %.3g\" at %.10g, "
			       "graph 0.05 left offset 0.5,0\n", m->peak_n, m->peak_n, m->peak_n,
			       m->peak_n);
	tp_strbuf_addf(&gp, "plot [0:%.10g] '%s.dat' using 1:2 with points pt 7 ps 1.2 "
		       "title columnheader(2), \\\n     usl(x) with lines lw 2 title \"USL\", \\\n"
		       "     amdahl(x) with lines lw 2 dashtype 3 title \"Amdahl\"\n",
		       nmax * 1.15, stem);
	path = tp_xasprintf("%s/%s.dat", dir, stem);
	if (tp_write_file_atomic(path, dat.buf, dat.len))
		ret = -1;
	free(path);
	path = tp_xasprintf("%s/%s.gp", dir, stem);
	if (!ret && tp_write_file_atomic(path, gp.buf, gp.len))
		ret = -1;
	free(path);
	if (!ret && p->gnuplot) {
		struct tp_plotter pp = *p;
		struct tp_plot pl;

		memset(&pl, 0, sizeof(pl));
		snprintf(pp.terminal, sizeof(pp.terminal), "%s", svg ? "svg" : "pngcairo");
		snprintf(pp.ext, sizeof(pp.ext), "%s", svg ? "svg" : "png");
		snprintf(pl.stem, sizeof(pl.stem), "%s", stem);
		snprintf(pl.image, sizeof(pl.image), "%s", base);
		if (tp_plot_draw(&pp, dir, &pl) < 0)
			ret = -1;
		*drawn = pl.drawn;
	} else if (!ret) {
		tp_warn("gnuplot is not installed: '%s' not drawn; its script is '%s/%s.gp'", image,
			dir, stem);
	}
	tp_strbuf_release(&dat);
	tp_strbuf_release(&gp);
	free(dir);
	free(stem);
	return ret;
}
