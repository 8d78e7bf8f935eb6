/* `history report`: per machine class, workload and config, the median
 * throughput of each run over the history (gnuplot, with its CI band), the
 * change points found in the medians marked with their commit, and a
 * markdown table of the changes. */
#include "history/history.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/strbuf.h"
#include "history/query.h"
#include "reports/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { C_MACHINE, C_WORKLOAD, C_OPTIONS, C_STRATEGY, C_START, C_BATCH, C_WORKERS, C_ID,
       C_DATE, C_COMMIT, C_MEDIAN, C_LOW, C_HIGH };

struct series {
	size_t first, n;	/* rows [first, first + n) */
	size_t nch;
	size_t *at;		/* change points: index of the first run after */
};

static const char *cell(const struct tp_db_rows *r, size_t row, size_t col)
{
	const char *c = tp_db_cell(r, row, col);

	return c ? c : "";
}

static double real(const struct tp_db_rows *r, size_t row, size_t col)
{
	const char *c = tp_db_cell(r, row, col);

	return c && *c ? strtod(c, NULL) : NAN;
}

static int same_series(const struct tp_db_rows *r, size_t a, size_t b)
{
	int c;

	for (c = C_MACHINE; c <= C_WORKERS; c++)
		if (strcmp(cell(r, a, c), cell(r, b, c)))
			return 0;
	return 1;
}

static void config_of(const struct tp_db_rows *r, size_t row, struct tp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->workers = atoi(cell(r, row, C_WORKERS));
	c->batch = atoi(cell(r, row, C_BATCH));
	snprintf(c->strategy, sizeof(c->strategy), "%s", cell(r, row, C_STRATEGY));
	snprintf(c->start, sizeof(c->start), "%s", cell(r, row, C_START));
}

/* The commit (short) or, without one, the date of a run; anything but a
 * printable non-space byte becomes '_' so a label is one .dat column. */
static void run_label(const struct tp_db_rows *r, size_t row, char *buf, size_t size)
{
	char *q;

	if (*cell(r, row, C_COMMIT))
		snprintf(buf, size, "%.10s", cell(r, row, C_COMMIT));
	else
		snprintf(buf, size, "%.10s", cell(r, row, C_DATE));
	for (q = buf; *q; q++)
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f)
			*q = '_';
}

static int write_plot(const struct tp_plotter *p, const char *dir, const struct tp_db_rows *r,
		      const struct series *s, size_t idx, struct tp_plot *pl)
{
	struct tp_strbuf dat = TP_STRBUF_INIT, gp = TP_STRBUF_INIT;
	struct tp_config c;
	char name[96], label[32], *path;
	size_t i, step = s->n > 24 ? (s->n + 23) / 24 : 1;
	int ret;

	config_of(r, s->first, &c);
	memset(pl, 0, sizeof(*pl));
	snprintf(pl->stem, sizeof(pl->stem), "series-%zu", idx + 1);
	snprintf(pl->image, sizeof(pl->image), "%s.%s", pl->stem, p->ext);
	snprintf(pl->title, sizeof(pl->title), "%s:%s %s on %s", cell(r, s->first, C_WORKLOAD),
		 cell(r, s->first, C_OPTIONS), tp_config_format(&c, name, sizeof(name)),
		 cell(r, s->first, C_MACHINE));
	tp_strbuf_adds(&dat, "# run_index median ci_low ci_high run_id commit_or_date\n");
	for (i = 0; i < s->n; i++) {
		size_t row = s->first + i;
		double m = real(r, row, C_MEDIAN), lo = real(r, row, C_LOW), hi = real(r, row, C_HIGH);

		run_label(r, row, label, sizeof(label));
		tp_strbuf_addf(&dat, "%zu %.9g %.9g %.9g %s %s\n", i, m, isfinite(lo) ? lo : m,
			       isfinite(hi) ? hi : m, cell(r, row, C_ID), label);
	}
	tp_strbuf_addf(&gp, "# tunepool: history of one config\n# data: %s.dat (run_index median "
			    "ci_low ci_high run_id commit)\n# redraw: gnuplot %s.gp\n",
		       pl->stem, pl->stem);
	/* Every string from the database reaches the script through
	 * tp_gnuplot_quote (names, options, commits and tags are anyone's). */
	tp_strbuf_addf(&gp, "set terminal %s size 960,420 noenhanced font \"sans,10\"\n"
			    "if (!exists(\"tp_output\")) tp_output = '%s'\nset output tp_output\n"
			    "set title ",
		       p->terminal, pl->image);
	tp_gnuplot_quote(&gp, pl->title);
	tp_strbuf_addf(&gp, "\nset xlabel \"commit (or date) of each run, oldest first\"\n"
			    "set ylabel \"tasks/s (median, 95%% CI)\"\n"
			    "set grid\nset key top left\nset yrange [0:*]\nset xrange [-0.5:%zu.5]\n"
			    "set xtics rotate by -45 (",
		       s->n - 1);
	for (i = 0; i < s->n; i += step) {
		run_label(r, s->first + i, label, sizeof(label));
		tp_strbuf_adds(&gp, i ? ", " : "");
		tp_gnuplot_quote(&gp, label);
		tp_strbuf_addf(&gp, " %zu", i);
	}
	tp_strbuf_adds(&gp, ")\n");
	for (i = 0; i < s->nch; i++) {
		run_label(r, s->first + s->at[i], label, sizeof(label));
		tp_strbuf_addf(&gp, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lw 2 "
				    "lc rgb \"#c00000\"\nset label ",
			       (double)s->at[i] - 0.5, (double)s->at[i] - 0.5);
		tp_gnuplot_quote(&gp, label);
		tp_strbuf_addf(&gp, " at %g, graph 0.96 left offset 0.5,0 tc rgb \"#c00000\"\n",
			       (double)s->at[i] - 0.5);
	}
	tp_strbuf_addf(&gp, "plot '%s.dat' using 1:3:4 with filledcurves fc rgb \"#c6dbef\" "
			    "title \"95%% CI\", '' using 1:2 with linespoints lw 2 pt 7 ps 0.6 "
			    "lc rgb \"#08519c\" title \"median\"\n",
		       pl->stem);
	path = tp_xasprintf("%s/%s.dat", dir, pl->stem);
	ret = tp_write_file_atomic(path, dat.buf, dat.len);
	free(path);
	if (!ret) {
		path = tp_xasprintf("%s/%s.gp", dir, pl->stem);
		ret = tp_write_file_atomic(path, gp.buf, gp.len);
		free(path);
	}
	tp_strbuf_release(&dat);
	tp_strbuf_release(&gp);
	if (!ret && tp_plot_draw(p, dir, pl) < 0)
		ret = -1;
	return ret;
}

/* Every trial the filter keeps, in series order (machine class, workload,
 * config), oldest run first. */
static int query_trials(struct tp_db *db, const struct tp_history_filter *f,
			struct tp_db_rows *rows)
{
	struct tp_query q;
	int ret;

	tp_query_init(&q, "SELECT r.machine_class, r.workload, r.workload_options, t.strategy, "
			  "t.start, t.batch, t.workers, r.id, r.run_date, r.commit_id, t.median, "
			  "t.ci_low, t.ci_high FROM tp_runs r JOIN tp_trials t ON t.run_id = r.id "
			  "WHERE 1 = 1");
	if (tp_query_filter(&q, f) < 0) {
		tp_query_release(&q);
		return -1;
	}
	tp_strbuf_adds(&q.sql, " ORDER BY r.machine_class, r.workload, r.workload_options, "
			       "t.strategy, t.start, t.batch, t.workers, r.run_date, r.id");
	ret = tp_query_exec(db, &q, rows);
	tp_query_release(&q);
	return ret < 0 ? -1 : 0;
}

/* One row per change point: the medians of the segments before and after. */
static void changes_table(struct tp_strbuf *md, const struct tp_db_rows *rows,
			  const struct series *ser, size_t n, double *med)
{
	size_t i, k;

	for (k = 0; k < n; k++) {
		const struct series *s = &ser[k];

		for (i = 0; i < s->nch; i++) {
			size_t a = i ? s->at[i - 1] : 0, b = s->at[i], e = i + 1 < s->nch ? s->at[i + 1] : s->n;
			size_t row = s->first + b, j;
			double before, after;
			struct tp_config c;
			char name[96];

			for (j = 0; j < s->n; j++)
				med[j] = real(rows, s->first + j, C_MEDIAN);
			before = tp_stats_median(med + a, b - a);
			after = tp_stats_median(med + b, e - b);
			config_of(rows, row, &c);
			tp_strbuf_addf(md, "| %zu | %s | %s%s%s | %s | %s | %s | %.6g | %.6g | %+.1f%% |\n",
				       k + 1, tp_config_format(&c, name, sizeof(name)),
				       cell(rows, row, C_WORKLOAD), *cell(rows, row, C_OPTIONS) ? ":" : "",
				       cell(rows, row, C_OPTIONS), cell(rows, row, C_ID),
				       *cell(rows, row, C_COMMIT) ? cell(rows, row, C_COMMIT) : "-",
				       cell(rows, row, C_DATE), before, after,
				       (after / before - 1) * 100);
		}
	}
}

int tp_history_report(struct tp_db *db, const struct tp_history_filter *f,
		      const struct tp_history_report_opts *o, size_t *nseries, size_t *nchanges)
{
	struct tp_db_rows rows;
	struct tp_plotter plotter;
	struct series *ser = NULL;
	struct tp_strbuf md = TP_STRBUF_INIT, tab = TP_STRBUF_INIT;
	size_t i, k, n = 0, alloc = 0;
	double *med;
	char *path;
	int ret = 0;

	*nseries = *nchanges = 0;
	if (query_trials(db, f, &rows) < 0)
		return -1;
	if (tp_mkdir_p(o->outdir) < 0) {
		tp_db_rows_release(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows; i++) {
		if (!n || !same_series(&rows, ser[n - 1].first, i)) {
			tp_grow((void **)&ser, &alloc, n + 1, sizeof(*ser));
			memset(&ser[n], 0, sizeof(ser[n]));
			ser[n++].first = i;
		}
		ser[n - 1].n++;
	}
	med = tp_xmalloc((rows.nrows ? rows.nrows : 1) * sizeof(*med));
	tp_plotter_init(&plotter);
	tp_strbuf_addf(&md, "# tunepool history report\n\n");
	tp_strbuf_adds(&tab, "| series | config | workload | machine | runs | latest median "
			     "tasks/s | change points | plot |\n|---|---|---|---|---|---|---|---|\n");
	for (k = 0; k < n && !ret; k++) {
		struct series *s = &ser[k];
		struct tp_plot pl;
		struct tp_config c;
		char name[96], link[192];

		for (i = 0; i < s->n; i++)
			med[i] = real(&rows, s->first + i, C_MEDIAN);
		s->at = tp_xmalloc((s->n ? s->n : 1) * sizeof(*s->at));
		s->nch = tp_changepoints_find(med, s->n, &o->cp, s->at);
		*nchanges += s->nch;
		ret = write_plot(&plotter, o->outdir, &rows, s, k, &pl);
		config_of(&rows, s->first, &c);
		if (pl.drawn)
			tp_snprintf(link, sizeof(link), "![%s](%s)", pl.stem, pl.image);
		else
			tp_snprintf(link, sizeof(link), "`%s.gp` (not drawn)", pl.stem);
		tp_strbuf_addf(&tab, "| %zu | %s | %s%s%s | %s | %zu | %.6g | %zu | %s |\n",
			       k + 1, tp_config_format(&c, name, sizeof(name)),
			       cell(&rows, s->first, C_WORKLOAD),
			       *cell(&rows, s->first, C_OPTIONS) ? ":" : "",
			       cell(&rows, s->first, C_OPTIONS), cell(&rows, s->first, C_MACHINE),
			       s->n, med[s->n - 1], s->nch, link);
	}
	*nseries = n;
	tp_strbuf_addf(&md, "%zu series (machine class, workload, config), %zu change point%s.\n"
			    "Change points: optimal partitioning of each series of run medians "
			    "scaled by its noise (1.4826 MAD of successive differences / sqrt 2, "
			    "floored), outliers limited to 3 sigmas from the running median, "
			    "penalty %g ln(n) per change, at least %zu runs per segment, and a "
			    "change of at least %g%% between segment medians.\n\n",
		       n, *nchanges, *nchanges == 1 ? "" : "s", o->cp.penalty, o->cp.min_segment,
		       o->cp.min_change * 100);
	tp_strbuf_adds(&md, "## Changes\n\n");
	if (!*nchanges)
		tp_strbuf_adds(&md, "No change points.\n\n");
	else
		tp_strbuf_adds(&md, "| series | config | workload | run | commit | date | before "
				    "tasks/s | after tasks/s | change |\n"
				    "|---|---|---|---|---|---|---|---|---|\n");
	changes_table(&md, &rows, ser, n, med);
	tp_strbuf_adds(&md, "\n## Series\n\n");
	tp_strbuf_add(&md, tab.buf, tab.len);
	if (!ret) {
		path = tp_xasprintf("%s/history.md", o->outdir);
		ret = tp_write_file_atomic(path, md.buf, md.len);
		free(path);
	}
	for (k = 0; k < n; k++)
		free(ser[k].at);
	free(ser);
	free(med);
	tp_plotter_release(&plotter);
	tp_strbuf_release(&md);
	tp_strbuf_release(&tab);
	tp_db_rows_release(&rows);
	return ret;
}
