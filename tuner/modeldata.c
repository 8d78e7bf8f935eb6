/* The (N, X) points `tunepool model` fits: CSV with a header, tunepool
 * results.json, or hyperfine's --export-json of a parameter scan. */
#include "tuner/modeldata.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/hyperfine.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/results.h"
#include "core/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CSV_MAX_COLS 64

void tp_model_data_init(struct tp_model_data *d)
{
	memset(d, 0, sizeof(*d));
}

void tp_model_data_release(struct tp_model_data *d)
{
	free(d->n);
	free(d->x);
	tp_model_data_init(d);
}

static void add_point(struct tp_model_data *d, double n, double x)
{
	if (d->k + 1 > d->alloc) {
		size_t na = d->alloc;

		tp_grow((void **)&d->n, &na, d->k + 1, sizeof(*d->n));
		tp_grow((void **)&d->x, &d->alloc, d->k + 1, sizeof(*d->x));
	}
	d->n[d->k] = n;
	d->x[d->k++] = x;
}

static void set_names(struct tp_model_data *d, const char *fmt, const char *x, const char *y)
{
	snprintf(d->format, sizeof(d->format), "%s", fmt);
	snprintf(d->xname, sizeof(d->xname), "%s", x);
	snprintf(d->yname, sizeof(d->yname), "%s", y);
}

/* ---- CSV ---- */

/* Splits line in place at commas; trims blanks and one pair of double quotes. */
static size_t split(char *line, char **cols)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *end = strchr(p, ','), *s = p, *e;

		if (end)
			*end = '\0';
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (e - s >= 2 && *s == '"' && e[-1] == '"') {
			e[-1] = '\0';
			s++;
		}
		if (n < CSV_MAX_COLS)
			cols[n++] = s;
		if (!end)
			break;
		p = end + 1;
	}
	return n;
}

static int find_col(char **cols, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(cols[i], name))
			return (int)i;
	return -1;
}

static int read_csv(struct tp_model_data *d, const char *path, char *text,
		    const struct tp_model_data_opts *o)
{
	const char *xname = o->xcol ? o->xcol : "N", *yname = o->ycol ? o->ycol : "X";
	char *cols[CSV_MAX_COLS], *line, *save = NULL, names[512] = "";
	int xi = -1, yi = -1, lineno = 0, header = 0;
	size_t ncols = 0, i, before = d->k;

	for (line = text; line; line = save) {
		char *nl = strchr(line, '\n');
		size_t n;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (nl && nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		lineno++;
		if (!*line || *line == '#' || strspn(line, " \t") == strlen(line))
			continue;
		n = split(line, cols);
		if (!header) {
			header = 1;
			ncols = n;
			xi = find_col(cols, n, xname);
			yi = find_col(cols, n, yname);
			for (i = 0; i < n; i++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s'%s'",
					 i ? ", " : "", cols[i]);
			if (xi < 0 || yi < 0)
				return tp_usage_error("cannot read '%s': line %d: no column '%s' (the "
						      "header has %s); choose columns with --x COL "
						      "--y COL", path, lineno, xi < 0 ? xname : yname,
						      names);
			set_names(d, "csv", cols[xi], cols[yi]);
			continue;
		}
		if (n != ncols)
			return tp_usage_error("cannot read '%s': line %d: %zu fields, the header has "
					      "%zu", path, lineno, n, ncols);
		{
			double nv, xv;

			if (tp_parse_double(cols[xi], &nv) || !(nv > 0))
				return tp_usage_error("cannot read '%s': line %d: %s = '%s' is not a "
						      "positive number", path, lineno, d->xname,
						      cols[xi]);
			if (tp_parse_double(cols[yi], &xv) || !(xv > 0))
				return tp_usage_error("cannot read '%s': line %d: %s = '%s' is not a "
						      "positive number", path, lineno, d->yname,
						      cols[yi]);
			add_point(d, nv, xv);
		}
	}
	if (!header)
		return tp_usage_error("cannot read '%s': no header line (want e.g. 'N,X')", path);
	if (d->k == before)
		return tp_usage_error("cannot read '%s': a header but no data rows", path);
	return 0;
}

/* ---- tunepool results.json ---- */

static size_t distinct_n(const double *n, size_t k)
{
	size_t i, j, c = 0;

	for (i = 0; i < k; i++) {
		for (j = 0; j < i && n[j] != n[i]; j++)
			;
		c += j == i;
	}
	return c;
}

static size_t timeline_widths(const struct tp_results *r)
{
	double w[3];
	size_t i, j, c = 0;

	for (i = 0; i < r->ntimeline && c < 3; i++) {
		if (!(r->timeline[i].throughput > 0))
			continue;
		for (j = 0; j < c && w[j] != r->timeline[i].workers; j++)
			;
		if (j == c)
			w[c++] = r->timeline[i].workers;
	}
	return c;
}

/* The series fitted: the recommendation's batch, strategy and start when
 * there is one, else the first trial's. */
static int read_results(struct tp_model_data *d, const char *path, const json_t *doc,
			const struct tp_model_data_opts *o)
{
	struct tp_results r;
	const struct tp_config *key;
	int per_trial = 0;
	size_t i, j, skipped = 0, before = d->k;

	if (o->xcol && strcmp(o->xcol, "workers"))
		return tp_usage_error("model: --x '%s' does not apply to results.json '%s' (its N is "
				      "always 'workers')", o->xcol, path);
	if (o->ycol && !strcmp(o->ycol, "median"))
		per_trial = 1;
	else if (o->ycol && strcmp(o->ycol, "throughput"))
		return tp_usage_error("model: --y '%s' does not apply to results.json '%s' (one of "
				      "throughput|median)", o->ycol, path);
	tp_results_init(&r);
	if (tp_results_from_json(&r, doc, path)) {
		tp_results_release(&r);
		return -1;
	}
	if (!r.ntrials) {
		tp_results_release(&r);
		return tp_usage_error("cannot read '%s': no trials to fit", path);
	}
	key = r.rec.present ? &r.rec.config : &r.trials[0].config;
	for (i = 0; i < r.ntrials; i++) {
		const struct tp_trial *t = &r.trials[i];

		if (t->config.batch != key->batch || strcmp(t->config.strategy, key->strategy) ||
		    strcmp(t->config.start, key->start) || strcmp(t->config.command, key->command)) {
			skipped++;
			continue;
		}
		if (per_trial) {
			if (t->stats.median > 0)
				add_point(d, t->config.workers, t->stats.median);
			continue;
		}
		for (j = 0; j < t->nrepeats; j++)
			if (t->repeats[j].throughput > 0)
				add_point(d, t->config.workers, t->repeats[j].throughput);
	}
	if (skipped)
		tp_info("model: '%s': fitting the trials with b=%d %s%s%s; %zu other trials skipped",
			path, key->batch, key->strategy, *key->start ? "/" : "", key->start, skipped);
	/* A run's results hold one config but a timeline of widths: when the
	 * trials cannot make a fit and the timeline can, its samples are the points. */
	if (distinct_n(d->n + before, d->k - before) < 3 && timeline_widths(&r) >= 3) {
		d->k = before;
		for (i = 0; i < r.ntimeline; i++)
			if (r.timeline[i].workers > 0 && r.timeline[i].throughput > 0)
				add_point(d, r.timeline[i].workers, r.timeline[i].throughput);
		tp_info("model: '%s': fitting the run's %zu timeline samples (width, tasks/s)", path,
			d->k - before);
	}
	tp_results_release(&r);
	set_names(d, "results", "workers", per_trial ? "median tasks/s" : "tasks/s");
	if (d->k == before)
		return tp_usage_error("cannot read '%s': no trial with a positive throughput", path);
	return 0;
}

/* ---- hyperfine --export-json ---- */

static int read_hyperfine(struct tp_model_data *d, const char *path, const json_t *doc,
			  const struct tp_model_data_opts *o)
{
	struct tp_hyperfine h;
	const char *param = o->xcol, *y = o->ycol ? o->ycol : "mean";
	size_t i, j, failed = 0, before = d->k;
	int ret = 0;

	if (strcmp(y, "mean") && strcmp(y, "median") && strcmp(y, "time"))
		return tp_usage_error("model: --y '%s' does not apply to hyperfine's '%s' (one of "
				      "mean|median|time)", y, path);
	if (tp_hyperfine_from_json(&h, doc, path))
		return -1;
	if (!param) {
		if (!h.commands[0].nparams) {
			tp_hyperfine_release(&h);
			return tp_usage_error("cannot read '%s': the hyperfine runs have no parameter "
					      "to use as N (export a --parameter-scan run)", path);
		}
		if (h.commands[0].nparams > 1) {
			ret = tp_usage_error("cannot read '%s': the hyperfine runs have %zu parameters; "
					     "choose N with --x NAME (e.g. --x %s)", path,
					     h.commands[0].nparams, h.commands[0].params[0].name);
			tp_hyperfine_release(&h);
			return ret;
		}
		param = h.commands[0].params[0].name;
	}
	for (i = 0; i < h.ncommands && !ret; i++) {
		const struct tp_hyperfine_command *c = &h.commands[i];
		const char *v = tp_hyperfine_param(c, param);
		double n, t;

		if (!v) {
			ret = tp_usage_error("cannot read '%s': results[%zu] (command '%s') has no "
					     "parameter '%s'", path, i, c->command, param);
			break;
		}
		if (tp_parse_double(v, &n) || !(n > 0)) {
			ret = tp_usage_error("cannot read '%s': results[%zu].parameters.%s = '%s' is "
					     "not a positive number", path, i, param, v);
			break;
		}
		for (j = 0; j < c->ntimes; j++)
			failed += c->exit_codes && c->exit_codes[j] != 0;
		if (!strcmp(y, "time")) {
			for (j = 0; j < c->ntimes; j++)
				if (!c->exit_codes || c->exit_codes[j] == 0)
					add_point(d, n, 1.0 / c->times[j]);
			continue;
		}
		t = !strcmp(y, "mean") ? c->mean : c->median;
		if (!(t > 0)) {
			ret = tp_usage_error("cannot read '%s': results[%zu].%s is not a positive "
					     "number", path, i, y);
			break;
		}
		add_point(d, n, 1.0 / t);
	}
	if (!ret && failed)
		tp_warn("model: '%s': %zu hyperfine runs exited non-zero%s", path, failed,
			!strcmp(y, "time") ? " and were left out" : " (their times are in the mean)");
	if (!ret) {
		char yname[64];

		snprintf(yname, sizeof(yname), "1/%s%s (runs/s)", y, strcmp(y, "time") ? " time" : "");
		set_names(d, "hyperfine", param, yname);
		if (d->k == before)
			ret = tp_usage_error("cannot read '%s': no successful run to fit", path);
	}
	tp_hyperfine_release(&h);
	return ret;
}

int tp_model_data_parse(struct tp_model_data *d, const char *path, const char *data, size_t len,
			const struct tp_model_data_opts *o)
{
	const char *p;
	char *text;
	int ret;

	if (memchr(data, '\0', len))
		return tp_usage_error("cannot read '%s': a NUL byte; not a CSV or JSON file", path);
	for (p = data; p < data + len && isspace((unsigned char)*p); p++)
		;
	if (p < data + len && (*p == '{' || *p == '[')) {
		json_error_t err;
		json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);

		if (!doc)
			return tp_usage_error("cannot read '%s': line %d column %d: %s", path, err.line,
					      err.column, err.text);
		if (tp_hyperfine_detect(doc))
			ret = read_hyperfine(d, path, doc, o);
		else if (json_is_object(doc) && json_object_get(doc, "trials"))
			ret = read_results(d, path, doc, o);
		else
			ret = tp_usage_error("cannot read '%s': JSON that is neither a tunepool "
					     "results.json (\"trials\") nor a hyperfine export "
					     "(\"results\")", path);
		json_decref(doc);
		return ret;
	}
	/* A spreadsheet's UTF-8 byte order mark is not part of the first column's name. */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
	}
	text = tp_xstrndup(data, len);
	ret = read_csv(d, path, text, o);
	free(text);
	return ret;
}

int tp_model_data_read(struct tp_model_data *d, const char *path, const struct tp_model_data_opts *o)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int ret;

	if (tp_read_input(path, TP_RESULTS_MAX, "measurements", &sb) < 0)
		return -1;
	ret = tp_model_data_parse(d, path, sb.buf, sb.len, o);
	tp_strbuf_release(&sb);
	return ret;
}
