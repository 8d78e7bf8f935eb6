/* Plots of results drawn by gnuplot run as a program: data (.dat) and script
 * (.gp) files written beside the images so users can restyle them. */
#include "reports/plot.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *find_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (!path || !*path)
		return NULL;
	copy = tp_xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = tp_xasprintf("%s/%s", *dir ? dir : ".", prog);
		struct stat st;

		if (!stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK)) {
			found = cand;
			break;
		}
		free(cand);
	}
	free(copy);
	return found;
}

/* Runs argv with stdin from /dev/null, in dir when given; captures stdout
 * (and stderr, unless stdout_only) into capture when given.  Returns the exit
 * status, -1 when it could not run. */
static int run_program(char *const argv[], const char *dir, struct tp_strbuf *capture,
		       int stdout_only)
{
	posix_spawn_file_actions_t fa;
	int fds[2] = { -1, -1 }, status, err;
	pid_t pid;

	if (capture && pipe2(fds, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (capture) {
		posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
		if (!stdout_only)
			posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	}
	if (dir)
		posix_spawn_file_actions_addchdir_np(&fa, dir);
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (capture)
		close(fds[1]);
	if (err) {
		if (capture)
			close(fds[0]);
		errno = err;
		return -1;
	}
	if (capture) {
		char buf[4096];
		ssize_t n;

		while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			tp_strbuf_add(capture, buf, (size_t)n);
		}
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void tp_plotter_init(struct tp_plotter *p)
{
	struct tp_strbuf out = TP_STRBUF_INIT;
	char *argv[4];

	memset(p, 0, sizeof(*p));
	strcpy(p->terminal, "pngcairo");
	strcpy(p->ext, "png");
	p->gnuplot = find_in_path("gnuplot");
	if (!p->gnuplot)
		return;
	argv[0] = p->gnuplot;
	argv[1] = "-e";
	argv[2] = "set terminal";
	argv[3] = NULL;
	if (run_program(argv, NULL, &out, 0) == 0 && !strstr(out.buf, "pngcairo")) {
		strcpy(p->terminal, "svg");
		strcpy(p->ext, "svg");
	}
	tp_strbuf_release(&out);
}

void tp_plotter_release(struct tp_plotter *p)
{
	free(p->gnuplot);
	p->gnuplot = NULL;
}

/* ---- series ---- */

static int cmp_trial_ptr(const void *pa, const void *pb)
{
	const struct tp_trial *a = *(const struct tp_trial *const *)pa;
	const struct tp_trial *b = *(const struct tp_trial *const *)pb;
	int c = strcmp(a->config.strategy, b->config.strategy);

	if (!c)
		c = strcmp(a->config.start, b->config.start);
	if (!c)
		c = (a->config.batch > b->config.batch) - (a->config.batch < b->config.batch);
	if (!c)
		c = (a->config.workers > b->config.workers) - (a->config.workers < b->config.workers);
	return c;
}

size_t tp_series_build(const struct tp_results *r, struct tp_series **out)
{
	const struct tp_trial **all;
	struct tp_series *s = NULL;
	size_t i, n = 0, alloc = 0;

	*out = NULL;
	if (!r->ntrials)
		return 0;
	all = tp_xmalloc(r->ntrials * sizeof(*all));
	for (i = 0; i < r->ntrials; i++)
		all[i] = &r->trials[i];
	qsort(all, r->ntrials, sizeof(*all), cmp_trial_ptr);
	for (i = 0; i < r->ntrials; i++) {
		const struct tp_config *c = &all[i]->config;

		if (!n || s[n - 1].key.batch != c->batch || strcmp(s[n - 1].key.strategy, c->strategy) ||
		    strcmp(s[n - 1].key.start, c->start)) {
			tp_grow((void **)&s, &alloc, n + 1, sizeof(*s));
			memset(&s[n], 0, sizeof(s[n]));
			s[n].key = *c;
			s[n].key.workers = 0;
			s[n].trials = tp_xmalloc(r->ntrials * sizeof(*s[n].trials));
			n++;
		}
		s[n - 1].trials[s[n - 1].n++] = all[i];
	}
	free(all);
	*out = s;
	return n;
}

void tp_series_free(struct tp_series *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(s[i].trials);
	free(s);
}

const char *tp_series_label(const struct tp_series *s, char *buf, size_t size)
{
	snprintf(buf, size, "b=%d %s%s%s", s->key.batch, s->key.strategy,
		 *s->key.start ? "/" : "", s->key.start);
	return buf;
}

/* ---- helpers ---- */

typedef double (*field_fn)(const struct tp_repeat *p);

static double f_p50(const struct tp_repeat *p) { return p->lat_p50_s; }
static double f_p95(const struct tp_repeat *p) { return p->lat_p95_s; }
static double f_p99(const struct tp_repeat *p) { return p->lat_p99_s; }

/* Median of a repeat field over the repeats where it is known; NAN if none. */
static double median_of(const struct tp_trial *t, field_fn f)
{
	double *v = tp_xmalloc((t->nrepeats ? t->nrepeats : 1) * sizeof(*v)), m;
	size_t i, n = 0;

	for (i = 0; i < t->nrepeats; i++)
		if (isfinite(f(&t->repeats[i])))
			v[n++] = f(&t->repeats[i]);
	m = n ? tp_stats_median(v, n) : NAN;
	free(v);
	return m;
}

/* Length of the valid UTF-8 sequence at s, 0 when s does not start one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	if (n == 3 && s[0] > 0xef)
		n = 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void tp_gnuplot_quote(struct tp_strbuf *sb, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	tp_strbuf_addch(sb, '"');
	while (*u) {
		size_t n = utf8_len(u);

		if (*u == '"' || *u == '\\' || *u == '`') {
			/* gnuplot runs `...` even inside "...": each one is escaped. */
			tp_strbuf_addch(sb, '\\');
			tp_strbuf_addch(sb, (char)*u++);
		} else if (*u < 0x20 || *u == 0x7f) {
			tp_strbuf_addf(sb, "\\%03o", *u++);
		} else if (!n) {
			/* Not UTF-8: shown as its value, so the label still renders. */
			tp_strbuf_addf(sb, "\\\\x%02x", *u++);
		} else {
			tp_strbuf_add(sb, (const char *)u, n);
			u += n;
		}
	}
	tp_strbuf_addch(sb, '"');
}

/* A comment line of a .dat file: control bytes would end it, so they become
 * spaces. */
static void dat_comment(struct tp_strbuf *sb, const char *s)
{
	tp_strbuf_adds(sb, "# ");
	for (; *s; s++)
		tp_strbuf_addch(sb, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void num(struct tp_strbuf *sb, double x)
{
	if (isfinite(x))
		tp_strbuf_addf(sb, " %.6g", x);
	else
		tp_strbuf_adds(sb, " NaN");
}

static void header(struct tp_strbuf *gp, const struct tp_plotter *p, const struct tp_plot *pl,
		   const char *what, const char *columns, int height)
{
	tp_strbuf_addf(gp, "# tunepool: %s\n# data: %s.dat (%s)\n# redraw: gnuplot %s.gp\n",
		       what, pl->stem, columns, pl->stem);
	tp_strbuf_addf(gp, "set terminal %s size 960,%d noenhanced font \"sans,10\"\n",
		       p->terminal, height);
	/* tunepool draws with tp_output = '/dev/stdout' and writes the image
	 * itself (checked, never through a link); a user's rerun writes it here. */
	tp_strbuf_addf(gp, "if (!exists(\"tp_output\")) tp_output = '%s'\nset output tp_output\n",
		       pl->image);
}

/* Decimal places for value labels of about the size of x. */
static int decimals(double x)
{
	return x >= 100 ? 0 : x >= 1 ? 1 : 3;
}

struct ctx {
	const struct tp_plotter *p;
	const struct tp_results *r;
	const char *dir, *prefix;
	struct tp_series *series;
	size_t nseries;
	struct tp_plot_list *out;
};

static struct tp_plot *new_plot(struct ctx *c, const char *name, const char *title)
{
	struct tp_plot *pl = &c->out->plots[c->out->n++];
	char stem[sizeof(pl->stem)];

	memset(pl, 0, sizeof(*pl));
	snprintf(stem, sizeof(stem), "%s%s", c->prefix, name);
	memcpy(pl->stem, stem, sizeof(stem));
	snprintf(pl->image, sizeof(pl->image), "%s.%s", stem, c->p->ext);
	snprintf(pl->title, sizeof(pl->title), "%s", title);
	return pl;
}

static int save(struct ctx *c, const struct tp_plot *pl, const char *ext,
		const struct tp_strbuf *sb)
{
	char *path = tp_xasprintf("%s/%s.%s", c->dir, pl->stem, ext);
	int ret = tp_write_file_atomic(path, sb->buf, sb->len);

	free(path);
	return ret;
}

static int finish(struct ctx *c, struct tp_plot *pl, struct tp_strbuf *dat, struct tp_strbuf *gp)
{
	int ret = save(c, pl, "dat", dat) || save(c, pl, "gp", gp) ? -1 : 0;

	tp_strbuf_release(dat);
	tp_strbuf_release(gp);
	return ret;
}

/* ---- the plots ---- */

static double usl(const struct tp_model *m, double n)
{
	return m->lambda * n / (1 + m->sigma * (n - 1) + m->kappa * n * (n - 1));
}

/* Powers of two on the x axis when the worker counts span a wide range. */
static void workers_axis(struct tp_strbuf *gp, const struct tp_results *r)
{
	int wmin = 0, wmax = 0;
	size_t i;

	for (i = 0; i < r->ntrials; i++) {
		int w = r->trials[i].config.workers;

		wmin = !wmin || w < wmin ? w : wmin;
		wmax = w > wmax ? w : wmax;
	}
	if (wmin > 0 && wmax >= 8 * wmin)
		tp_strbuf_addf(gp, "set logscale x 2\nset xrange [%.6g:%.6g]\n", wmin / 1.25,
			       wmax * 1.25);
	else
		tp_strbuf_addf(gp, "set xrange [%.6g:%.6g]\n", wmin > 1 ? wmin - 1.0 : 0.0,
			       wmax + 1.0);
}

static int has_model(const struct tp_model *m)
{
	return tp_model_kind_of(m) != TP_MODEL_NONE && isfinite(m->lambda) &&
	       isfinite(m->sigma) && m->lambda > 0;
}

static int plot_scaling(struct ctx *c)
{
	struct tp_strbuf dat = TP_STRBUF_INIT, gp = TP_STRBUF_INIT;
	const struct tp_model *m = &c->r->model;
	struct tp_plot *pl;
	int wmin = 0, wmax = 0;
	double xmax, peak = NAN;
	char label[96];
	size_t i, j;

	for (i = 0; i < c->r->ntrials; i++) {
		int w = c->r->trials[i].config.workers;

		wmin = !wmin || w < wmin ? w : wmin;
		wmax = w > wmax ? w : wmax;
	}
	pl = new_plot(c, "scaling", "Throughput vs workers (median and 95% CI per batch size)");
	xmax = wmax;
	if (has_model(m) && tp_model_kind_of(m) == TP_MODEL_USL) {
		peak = m->peak_workers;
		if (!(peak > 0) && m->kappa > 0)
			peak = sqrt((1 - m->sigma) / m->kappa);
		if (peak > 0 && peak <= 4.0 * wmax && peak > xmax)
			xmax = peak;
	}
	for (i = 0; i < c->nseries; i++) {
		tp_strbuf_adds(&dat, i ? "\n\n" : "");
		dat_comment(&dat, tp_series_label(&c->series[i], label, sizeof(label)));
		tp_strbuf_adds(&dat, "\n# workers median ci_low ci_high\n");
		for (j = 0; j < c->series[i].n; j++) {
			const struct tp_trial *t = c->series[i].trials[j];

			tp_strbuf_addf(&dat, "%d", t->config.workers);
			num(&dat, t->stats.median);
			num(&dat, t->stats.ci_low);
			num(&dat, t->stats.ci_high);
			tp_strbuf_addch(&dat, '\n');
		}
	}
	header(&gp, c->p, pl, "throughput vs workers, one line per batch size and strategy, "
	       "whiskers = 95% CI of the median", "index i = series i; workers median ci_low ci_high",
	       600);
	{
		char *t = tp_xasprintf("Throughput vs workers: %s",
				       c->r->workload_name ? c->r->workload_name : "");

		tp_strbuf_adds(&gp, "set title ");
		tp_gnuplot_quote(&gp, t);
		tp_strbuf_addch(&gp, '\n');
		free(t);
	}
	tp_strbuf_adds(&gp, "set xlabel \"workers\"\nset ylabel \"tasks/s\"\nset grid\n"
			    "set key top left box opaque\nset yrange [0:*]\n"
			    "set offsets graph 0, graph 0, graph 0.08, graph 0\n");
	if (wmax >= 8 * (wmin > 0 ? wmin : 1))
		tp_strbuf_adds(&gp, "set logscale x 2\n");
	tp_strbuf_addf(&gp, "set xrange [%.6g:%.6g]\n", wmin / 1.25, xmax * 1.25);
	if (has_model(m)) {
		tp_strbuf_addf(&gp, "lambda = %.6g\nsigma = %.6g\nkappa = %.6g\n", m->lambda, m->sigma,
			       isfinite(m->kappa) ? m->kappa : 0.0);
		tp_strbuf_adds(&gp, "usl(n) = lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))\n"
				    "set samples 400\n");
		if (peak > 0 && peak <= xmax) {
			tp_strbuf_addf(&gp, "set arrow from %.6g, graph 0 to %.6g, graph 1 nohead "
				       "dashtype 2 lc rgb \"#777777\"\n", peak, peak);
			tp_strbuf_addf(&gp, "set label \"N* = %.0f (%.0f tasks/s)\" at %.6g, graph 0.06 "
				       "right offset -0.5,0\n", peak, usl(m, peak), peak);
		}
	}
	tp_strbuf_adds(&gp, "plot ");
	for (i = 0; i < c->nseries; i++) {
		tp_strbuf_addf(&gp, "%s'%s.dat' index %zu using 1:2:3:4 with yerrorlines lw 2 pt 7 "
			       "title ", i ? ", \\\n     " : "", pl->stem, i);
		tp_gnuplot_quote(&gp, tp_series_label(&c->series[i], label, sizeof(label)));
	}
	if (has_model(m))
		tp_strbuf_addf(&gp, ", \\\n     usl(x) with lines dashtype 3 lw 2 lc rgb \"black\" "
			       "title \"%s fit: sigma %.3g, kappa %.3g\"",
			       tp_model_kind_of(m) == TP_MODEL_USL ? "USL" : "Amdahl", m->sigma,
			       isfinite(m->kappa) ? m->kappa : 0.0);
	tp_strbuf_addch(&gp, '\n');
	return finish(c, pl, &dat, &gp);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Distinct sorted values of the trials' workers (batch when batch != 0). */
static size_t distinct(const struct tp_results *r, int batch, int *out)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->ntrials; i++) {
		int v = batch ? r->trials[i].config.batch : r->trials[i].config.workers;

		for (j = 0; j < n && out[j] != v; j++)
			;
		if (j == n)
			out[n++] = v;
	}
	qsort(out, n, sizeof(*out), cmp_int);
	return n;
}

static int plot_heatmap(struct ctx *c)
{
	struct tp_strbuf dat = TP_STRBUF_INIT, gp = TP_STRBUF_INIT;
	int *ws = tp_xmalloc(c->r->ntrials * sizeof(int)), *bs = tp_xmalloc(c->r->ntrials * sizeof(int));
	size_t nw = distinct(c->r, 0, ws), nb = distinct(c->r, 1, bs), i, j, k;
	double vmax = 0;
	struct tp_plot *pl;
	int ret;

	if (nw < 2 || nb < 2) {
		free(ws);
		free(bs);
		return 0;
	}
	pl = new_plot(c, "heatmap", "Median throughput by workers and batch size (best strategy)");
	tp_strbuf_adds(&dat, "# workers_index batch_index median workers batch\n");
	for (j = 0; j < nb; j++) {
		for (i = 0; i < nw; i++) {
			double best = NAN;

			for (k = 0; k < c->r->ntrials; k++) {
				const struct tp_trial *t = &c->r->trials[k];

				if (t->config.workers == ws[i] && t->config.batch == bs[j] &&
				    isfinite(t->stats.median) && !(t->stats.median <= best))
					best = t->stats.median;
			}
			if (best > vmax)
				vmax = best;
			tp_strbuf_addf(&dat, "%zu %zu", i, j);
			num(&dat, best);
			tp_strbuf_addf(&dat, " %d %d\n", ws[i], bs[j]);
		}
		tp_strbuf_addch(&dat, '\n');
	}
	header(&gp, c->p, pl, "median throughput by workers x batch size; for several strategies "
	       "the best one per cell", "workers_index batch_index median workers batch", 600);
	tp_strbuf_adds(&gp, "set title \"Median tasks/s by workers and batch size\"\n"
			    "set xlabel \"workers\"\nset ylabel \"batch size\"\n"
			    "set cblabel \"tasks/s\"\nset cbrange [0:*]\n"
			    "set palette defined (0 \"#fff7ec\", 0.5 \"#fdbb84\", 1 \"#ef6548\")\n"
			    "set tics out nomirror\n");
	tp_strbuf_addf(&gp, "set xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\n", nw - 1, nb - 1);
	tp_strbuf_adds(&gp, "set xtics (");
	for (i = 0; i < nw; i++)
		tp_strbuf_addf(&gp, "%s\"%d\" %zu", i ? ", " : "", ws[i], i);
	tp_strbuf_adds(&gp, ")\nset ytics (");
	for (j = 0; j < nb; j++)
		tp_strbuf_addf(&gp, "%s\"%d\" %zu", j ? ", " : "", bs[j], j);
	tp_strbuf_addf(&gp, ")\nplot '%s.dat' using 1:2:3 with image notitle, \\\n"
		       "     '' using 1:2:(sprintf(\"%%.%df\", $3)) with labels notitle\n",
		       pl->stem, decimals(vmax));
	free(ws);
	free(bs);
	ret = finish(c, pl, &dat, &gp);
	return ret;
}

static int plot_efficiency(struct ctx *c)
{
	struct tp_strbuf dat = TP_STRBUF_INIT, gp = TP_STRBUF_INIT;
	struct tp_plot *pl;
	char label[96];
	size_t i, j, used = 0;

	for (i = 0; i < c->nseries; i++)
		if (c->series[i].n >= 2)
			used++;
	if (!used)
		return 0;
	pl = new_plot(c, "efficiency", "Parallel efficiency: speed-up / workers");
	used = 0;
	for (i = 0; i < c->nseries; i++) {
		const struct tp_series *s = &c->series[i];
		const struct tp_trial *base = s->trials[0];
		double per_worker = base->stats.median / base->config.workers;

		if (s->n < 2)
			continue;
		tp_strbuf_adds(&dat, used++ ? "\n\n" : "");
		dat_comment(&dat, tp_series_label(s, label, sizeof(label)));
		tp_strbuf_addf(&dat, " (speed-up over %d worker%s)\n# workers speedup efficiency\n",
			       base->config.workers, base->config.workers == 1 ? "" : "s");
		for (j = 0; j < s->n; j++) {
			const struct tp_trial *t = s->trials[j];
			double speedup = per_worker > 0 ? t->stats.median / per_worker : NAN;

			tp_strbuf_addf(&dat, "%d", t->config.workers);
			num(&dat, speedup);
			num(&dat, speedup / t->config.workers);
			tp_strbuf_addch(&dat, '\n');
		}
	}
	header(&gp, c->p, pl, "parallel efficiency = speed-up / workers, speed-up over the smallest "
	       "worker count of each series", "index i = series i; workers speedup efficiency", 520);
	tp_strbuf_adds(&gp, "set title \"Parallel efficiency (1 = perfect scaling)\"\n"
			    "set xlabel \"workers\"\nset ylabel \"speed-up / workers\"\nset grid\n"
			    "set key top right box opaque reverse Left\nset yrange [0:1.25]\n");
	workers_axis(&gp, c->r);
	tp_strbuf_adds(&gp, "plot 1 with lines dashtype 2 lc rgb \"#777777\" title \"ideal\"");
	used = 0;
	for (i = 0; i < c->nseries; i++) {
		if (c->series[i].n < 2)
			continue;
		tp_strbuf_addf(&gp, ", \\\n     '%s.dat' index %zu using 1:3 with linespoints lw 2 pt 7 "
			       "title ", pl->stem, used++);
		tp_gnuplot_quote(&gp, tp_series_label(&c->series[i], label, sizeof(label)));
	}
	tp_strbuf_addch(&gp, '\n');
	return finish(c, pl, &dat, &gp);
}

/* The series of the recommended config, else the one with the most points. */
static const struct tp_series *main_series(struct ctx *c)
{
	const struct tp_series *best = NULL;
	size_t i;

	for (i = 0; i < c->nseries; i++) {
		const struct tp_series *s = &c->series[i];

		if (c->r->rec.present && s->key.batch == c->r->rec.config.batch &&
		    !strcmp(s->key.strategy, c->r->rec.config.strategy) &&
		    !strcmp(s->key.start, c->r->rec.config.start))
			return s;
		if (!best || s->n > best->n)
			best = s;
	}
	return best;
}

static int plot_latency(struct ctx *c)
{
	struct tp_strbuf dat = TP_STRBUF_INIT, gp = TP_STRBUF_INIT;
	const struct tp_series *s = main_series(c);
	struct tp_plot *pl;
	char label[96], title[160];
	size_t j, known = 0;

	if (!s)
		return 0;
	for (j = 0; j < s->n; j++)
		if (isfinite(median_of(s->trials[j], f_p50)))
			known++;
	if (!known)
		return 0;
	tp_series_label(s, label, sizeof(label));
	snprintf(title, sizeof(title), "Task latency percentiles (%s)", label);
	pl = new_plot(c, "latency", title);
	dat_comment(&dat, label);
	tp_strbuf_adds(&dat, ": medians over repeats, milliseconds\n# workers p50_ms p95_ms p99_ms\n");
	for (j = 0; j < s->n; j++) {
		const struct tp_trial *t = s->trials[j];

		tp_strbuf_addf(&dat, "%d", t->config.workers);
		num(&dat, median_of(t, f_p50) * 1e3);
		num(&dat, median_of(t, f_p95) * 1e3);
		num(&dat, median_of(t, f_p99) * 1e3);
		tp_strbuf_addch(&dat, '\n');
	}
	header(&gp, c->p, pl, "task latency percentiles vs workers (medians over repeats)",
	       "workers p50_ms p95_ms p99_ms", 520);
	tp_strbuf_adds(&gp, "set title ");
	tp_gnuplot_quote(&gp, title);
	tp_strbuf_addch(&gp, '\n');
	tp_strbuf_adds(&gp, "set xlabel \"workers\"\nset ylabel \"latency (ms)\"\nset grid\n"
			    "set key top left box opaque reverse Left\nset yrange [0:*]\n"
			    "set offsets graph 0, graph 0, graph 0.08, graph 0\n");
	workers_axis(&gp, c->r);
	tp_strbuf_addf(&gp, "plot '%s.dat' using 1:2 with linespoints lw 2 pt 7 title \"p50\", \\\n"
		       "     '' using 1:3 with linespoints lw 2 pt 5 title \"p95\", \\\n"
		       "     '' using 1:4 with linespoints lw 2 pt 9 title \"p99\"\n", pl->stem);
	return finish(c, pl, &dat, &gp);
}

static int plot_timeline(struct ctx *c)
{
	struct tp_strbuf dat = TP_STRBUF_INIT, gp = TP_STRBUF_INIT;
	struct tp_plot *pl;
	size_t i;

	if (c->r->ntimeline < 2)
		return 0;
	pl = new_plot(c, "timeline", "The run over time: workers, throughput, CPU busy, memory pressure");
	tp_strbuf_adds(&dat, "# t_s workers throughput cpu_busy_pct mem_pressure queue_depth\n");
	for (i = 0; i < c->r->ntimeline; i++) {
		const struct tp_timeline_point *p = &c->r->timeline[i];

		tp_strbuf_addf(&dat, "%.6g %d", p->t_s, p->workers);
		num(&dat, p->throughput);
		num(&dat, p->cpu_busy * 100);
		num(&dat, p->mem_pressure >= 0 ? p->mem_pressure : NAN);
		num(&dat, p->queue_depth);
		tp_strbuf_addch(&dat, '\n');
	}
	header(&gp, c->p, pl, "monitor samples of a run: workers, throughput, CPU busy, memory "
	       "pressure (PSI some avg10)", "t_s workers throughput cpu_busy_pct mem_pressure "
	       "queue_depth", 900);
	tp_strbuf_adds(&gp, "set multiplot layout 4,1 title \"tunepool run over time\"\n"
			    "set grid\nset key off\nset lmargin 12\nset xrange [0:*]\n"
			    "set offsets 0, 0, graph 0.1, 0\n");
	tp_strbuf_addf(&gp, "set ylabel \"workers\"\nset yrange [0:*]\n"
		       "plot '%s.dat' using 1:2 with steps lw 2\n", pl->stem);
	tp_strbuf_addf(&gp, "set ylabel \"tasks/s\"\nplot '%s.dat' using 1:3 with lines lw 2\n",
		       pl->stem);
	tp_strbuf_addf(&gp, "set ylabel \"CPU busy %%\"\nset yrange [0:105]\n"
		       "plot '%s.dat' using 1:4 with lines lw 2\n", pl->stem);
	tp_strbuf_addf(&gp, "set ylabel \"mem pressure\"\nset xlabel \"seconds\"\nset yrange [0:*]\n"
		       "plot '%s.dat' using 1:5 with lines lw 2\n", pl->stem);
	tp_strbuf_adds(&gp, "unset multiplot\n");
	return finish(c, pl, &dat, &gp);
}

/* Whether img is a whole image: a PNG ends with its IEND chunk, an SVG with
 * its closing tag; a cut one (gnuplot killed, a full pipe) is not drawn. */
static int image_complete(const struct tp_strbuf *img, const char *ext)
{
	static const char png_end[] = "IEND\xae\x42\x60\x82";

	if (!strcmp(ext, "png"))
		return img->len > 20 && !memcmp(img->buf, "\x89PNG\r\n\x1a\n", 8) &&
		       !memcmp(img->buf + img->len - 8, png_end, 8);
	return img->len > 6 && strstr(img->buf, "</svg>") != NULL;
}

/* Draws pl: gnuplot writes the image to a pipe and the image reaches its file
 * through the checked writer.  Returns 0 (a failing gnuplot only leaves the
 * plot undrawn, with a warning), or -1 when the image cannot be written. */
static int draw(const struct tp_plotter *p, const char *dir, struct tp_plot *pl)
{
	struct tp_strbuf img = TP_STRBUF_INIT;
	char script[80], *image;
	char *argv[5];
	int status, ret = 0;

	snprintf(script, sizeof(script), "%s.gp", pl->stem);
	argv[0] = p->gnuplot;
	argv[1] = "-e";
	argv[2] = "tp_output = '/dev/stdout'";
	argv[3] = script;
	argv[4] = NULL;
	status = run_program(argv, dir, &img, 1);
	image = tp_xasprintf("%s/%s", dir, pl->image);
	pl->drawn = status == 0 && image_complete(&img, p->ext);
	if (!pl->drawn)
		tp_warn("gnuplot could not draw '%s' (exit %d%s); its script is '%s/%s'", image, status,
			status == 0 ? ", an incomplete image" : "", dir, script);
	else if (tp_write_file_atomic(image, img.buf, img.len))
		ret = -1;
	free(image);
	tp_strbuf_release(&img);
	return ret;
}

static size_t distinct_workers(const struct tp_results *r)
{
	int *ws = tp_xmalloc((r->ntrials ? r->ntrials : 1) * sizeof(int));
	size_t n = distinct(r, 0, ws);

	free(ws);
	return n;
}

int tp_plot_results(const struct tp_plotter *p, const struct tp_results *r, const char *dir,
		    const char *prefix, struct tp_plot_list *out)
{
	struct ctx c = { .p = p, .r = r, .dir = dir, .prefix = prefix, .out = out };
	int ret = 0, i;

	memset(out, 0, sizeof(*out));
	c.nseries = tp_series_build(r, &c.series);
	if (distinct_workers(r) >= 2 && plot_scaling(&c))
		ret = -1;
	if (!ret && plot_heatmap(&c))
		ret = -1;
	if (!ret && plot_efficiency(&c))
		ret = -1;
	if (!ret && plot_latency(&c))
		ret = -1;
	if (!ret && plot_timeline(&c))
		ret = -1;
	tp_series_free(c.series, c.nseries);
	if (ret || !p->gnuplot)
		return ret;
	for (i = 0; i < out->n; i++)
		if (draw(p, dir, &out->plots[i]))
			return -1;
	return 0;
}

int tp_plot_draw(const struct tp_plotter *p, const char *dir, struct tp_plot *pl)
{
	pl->drawn = 0;
	if (p->gnuplot && draw(p, dir, pl) < 0)
		return -1;
	return pl->drawn;
}
