/* Regression verdicts between two results: configs matched, ratio of median
 * throughputs with a bootstrap CI, Mann-Whitney p, and their text, markdown
 * and JSON forms. */
#include "reports/compare.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/stats.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[] = {
	[TP_VERDICT_UNCHANGED] = "unchanged",
	[TP_VERDICT_IMPROVED] = "improved",
	[TP_VERDICT_REGRESSED] = "regressed",
	[TP_VERDICT_INCONCLUSIVE] = "inconclusive",
	[TP_VERDICT_ONLY_BASE] = "only in base",
	[TP_VERDICT_ONLY_NEW] = "only in new",
};

const char *tp_verdict_name(enum tp_verdict v)
{
	return verdict_names[v];
}

void tp_compare_opts_init(struct tp_compare_opts *o)
{
	o->threshold = 0.05;
	o->alpha = 0.05;
	o->resamples = TP_COMPARE_RESAMPLES;
	o->seed = TP_COMPARE_SEED;
	o->min_repeats = TP_COMPARE_MIN_REPEATS;
	o->force = 0;
}

double tp_compare_min_p(size_t na, size_t nb)
{
	double lc = lgamma((double)(na + nb) + 1) - lgamma((double)na + 1) - lgamma((double)nb + 1);

	return na && nb ? fmin(1.0, 2.0 * exp(-lc)) : 1.0;
}

size_t tp_compare_repeats_needed(size_t na, double alpha)
{
	size_t k;

	for (k = 1; k <= 10000; k++)
		if (tp_compare_min_p(na, k) < alpha)
			return k;
	return 0;
}

/* "(or 4 on each side)": the fewest equal counts that can reach alpha. */
static size_t balanced_needed(double alpha)
{
	size_t m;

	for (m = 1; m <= 10000; m++)
		if (tp_compare_min_p(m, m) < alpha)
			return m;
	return 0;
}

static double *throughputs(const struct tp_trial *t)
{
	double *v = tp_xmalloc((t->nrepeats ? t->nrepeats : 1) * sizeof(*v));
	size_t i;

	for (i = 0; i < t->nrepeats; i++)
		v[i] = t->repeats[i].throughput;
	return v;
}

static void judge(struct tp_compare_row *row, const struct tp_trial *b, const struct tp_trial *n,
		  const struct tp_compare_opts *o)
{
	double *vb = throughputs(b), *vn = throughputs(n);
	double lo_t = 1 - o->threshold, hi_t = 1 + o->threshold;
	double pct = o->threshold * 100;

	row->nbase = b->nrepeats;
	row->nnew = n->nrepeats;
	row->base_median = tp_stats_median(vb, b->nrepeats);
	row->new_median = tp_stats_median(vn, n->nrepeats);
	row->ratio = row->ci_low = row->ci_high = row->p = NAN;
	if (b->nrepeats && n->nrepeats) {
		tp_stats_bootstrap_ratio(vb, b->nrepeats, vn, n->nrepeats, o->resamples, o->seed,
					 0.95, &row->ratio, &row->ci_low, &row->ci_high);
		row->p = tp_stats_mann_whitney(vb, b->nrepeats, vn, n->nrepeats, TP_TWO_SIDED, NULL);
	}
	free(vb);
	free(vn);

	if (row->nbase < o->min_repeats || row->nnew < o->min_repeats) {
		row->verdict = TP_VERDICT_INCONCLUSIVE;
		snprintf(row->reason, sizeof(row->reason),
			 "fewer than %zu repeats (base %zu, new %zu): rerun with at least %zu on "
			 "each side, or lower --min-repeats", o->min_repeats, row->nbase, row->nnew,
			 o->min_repeats);
	} else if (!isfinite(row->ci_low) || !isfinite(row->ci_high)) {
		row->verdict = TP_VERDICT_INCONCLUSIVE;
		snprintf(row->reason, sizeof(row->reason), "no ratio: a median throughput is 0");
	} else if (row->ci_high < lo_t || row->ci_low > hi_t) {
		int slower = row->ci_high < lo_t;

		if (row->p < o->alpha) {
			row->verdict = slower ? TP_VERDICT_REGRESSED : TP_VERDICT_IMPROVED;
			snprintf(row->reason, sizeof(row->reason),
				 "the whole CI is beyond %s%g%% and p = %.2g < %g",
				 slower ? "-" : "+", pct, row->p, o->alpha);
		} else if (tp_compare_min_p(row->nbase, row->nnew) >= o->alpha) {
			/* Even a change every repeat shows cannot be told from chance. */
			int base_short = row->nbase < row->nnew;

			row->verdict = TP_VERDICT_INCONCLUSIVE;
			snprintf(row->reason, sizeof(row->reason),
				 "the CI is beyond %s%g%%, but base %zu and new %zu repeats cannot "
				 "reach p < %g even when every repeat differs (smallest p %.3g): it "
				 "takes %zu in %s (or %zu on each side)", slower ? "-" : "+", pct,
				 row->nbase, row->nnew, o->alpha,
				 tp_compare_min_p(row->nbase, row->nnew),
				 tp_compare_repeats_needed(base_short ? row->nnew : row->nbase, o->alpha),
				 base_short ? "base" : "new", balanced_needed(o->alpha));
		} else {
			row->verdict = TP_VERDICT_INCONCLUSIVE;
			snprintf(row->reason, sizeof(row->reason),
				 "the CI is beyond %s%g%% but p = %.2g is not below %g",
				 slower ? "-" : "+", pct, row->p, o->alpha);
		}
	} else if (row->ci_low < lo_t || row->ci_high > hi_t) {
		row->verdict = TP_VERDICT_INCONCLUSIVE;
		snprintf(row->reason, sizeof(row->reason), "the CI straddles the %g%% threshold", pct);
	} else {
		row->verdict = TP_VERDICT_UNCHANGED;
		snprintf(row->reason, sizeof(row->reason), "the CI lies within +-%g%%", pct);
	}
}

static const char *fingerprint(const struct tp_results *r)
{
	json_t *fp = r->machine ? json_object_get(r->machine, "fingerprint") : NULL;

	return json_is_string(fp) ? json_string_value(fp) : NULL;
}

static void warn(struct tp_comparison *c, const char *fmt, const char *a, const char *b)
{
	if (c->nwarnings >= (int)(sizeof(c->warnings) / sizeof(c->warnings[0])))
		return;
	snprintf(c->warnings[c->nwarnings++], sizeof(c->warnings[0]), fmt, a, b);
}

static struct tp_compare_row *add_row(struct tp_comparison *c, size_t *alloc,
				      const struct tp_config *cfg)
{
	struct tp_compare_row *row;

	tp_grow((void **)&c->rows, alloc, c->nrows + 1, sizeof(*c->rows));
	row = &c->rows[c->nrows++];
	memset(row, 0, sizeof(*row));
	row->config = *cfg;
	row->base_median = row->new_median = row->ratio = NAN;
	row->ci_low = row->ci_high = row->p = NAN;
	return row;
}

/* Value of key in a "k=v,k=v" list into val (NULL when absent). */
static const char *option_value(const char *list, const char *key, size_t klen, char *val,
				size_t size)
{
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		eq = memchr(p, '=', len);
		if (eq && (size_t)(eq - p) == klen && !strncmp(p, key, klen)) {
			snprintf(val, size, "%.*s", (int)(len - klen - 1), eq + 1);
			return val;
		}
		p += len + (end ? 1 : 0);
	}
	return NULL;
}

static int is_kv_list(const char *s)
{
	return *s && strchr(s, '=') && !strpbrk(s, " \t");
}

/* "options ms=10ms (base) vs ms=20ms (new)": only the keys whose values
 * differ; a command (not a k=v list) is shown whole. */
static void options_diff(const char *a, const char *b, char *out, size_t size)
{
	struct tp_strbuf da = TP_STRBUF_INIT, db = TP_STRBUF_INIT;
	const char *lists[2] = { a, b };
	int i;

	if (!is_kv_list(a) || !is_kv_list(b)) {
		snprintf(out, size, "runs '%s' (base) vs '%s' (new)", a, b);
		return;
	}
	for (i = 0; i < 2; i++) {
		const char *p = lists[i];

		while (*p) {
			const char *end = strchr(p, ','), *eq;
			size_t len = end ? (size_t)(end - p) : strlen(p), klen;
			char va[128], vb[128];
			const char *x, *y;

			eq = memchr(p, '=', len);
			klen = eq ? (size_t)(eq - p) : len;
			x = option_value(a, p, klen, va, sizeof(va));
			y = option_value(b, p, klen, vb, sizeof(vb));
			/* Keys of b already listed from a are skipped. */
			if (!(i == 1 && x) && (!x || !y || strcmp(x, y))) {
				tp_strbuf_addf(&da, "%s%.*s=%s", da.len ? "," : "", (int)klen, p,
					       x ? x : "(unset)");
				tp_strbuf_addf(&db, "%s%.*s=%s", db.len ? "," : "", (int)klen, p,
					       y ? y : "(unset)");
			}
			p += len + (end ? 1 : 0);
		}
	}
	snprintf(out, size, "options %s (base) vs %s (new)", da.buf, db.buf);
	tp_strbuf_release(&da);
	tp_strbuf_release(&db);
}

int tp_compare(const struct tp_results *base, const char *base_name,
	       const struct tp_results *new_, const char *new_name,
	       const struct tp_compare_opts *o, struct tp_comparison *out)
{
	const char *fb = fingerprint(base), *fn = fingerprint(new_);
	double *ratios;
	size_t alloc = 0, i, j, nratios = 0;

	memset(out, 0, sizeof(*out));
	out->opts = *o;
	out->base_name = base_name;
	out->new_name = new_name;
	out->geomean = NAN;
	if (fb && fn && strcmp(fb, fn))
		warn(out, "machine fingerprints differ: %s (base) and %s (new); "
		     "timings from different machines may not be comparable", fb, fn);
	else if (!fb != !fn)
		warn(out, "%s has no machine fingerprint%s: cannot tell whether the machines "
		     "are the same", fb ? "new" : "base", "");
	if (base->workload_name && new_->workload_name &&
	    strcmp(base->workload_name, new_->workload_name)) {
		if (!o->force)
			return tp_usage_error("cannot compare '%s' with '%s': they measure different "
					      "workloads, '%s' (base) and '%s' (new); --force "
					      "compares them anyway", base_name, new_name,
					      base->workload_name, new_->workload_name);
		warn(out, "workloads differ: '%s' (base) and '%s' (new), compared because of "
		     "--force", base->workload_name, new_->workload_name);
	} else if (base->workload_name && new_->workload_name &&
		   strcmp(base->workload_options ? base->workload_options : "",
			  new_->workload_options ? new_->workload_options : "")) {
		char diff[300];

		options_diff(base->workload_options ? base->workload_options : "",
			     new_->workload_options ? new_->workload_options : "", diff, sizeof(diff));
		warn(out, "workloads differ: '%s' %s", base->workload_name, diff);
	}

	for (i = 0; i < base->ntrials; i++) {
		const struct tp_trial *b = &base->trials[i];
		struct tp_compare_row *row = add_row(out, &alloc, &b->config);

		for (j = 0; j < new_->ntrials; j++)
			if (tp_config_equal(&b->config, &new_->trials[j].config))
				break;
		if (j == new_->ntrials) {
			double *v = throughputs(b);

			row->verdict = TP_VERDICT_ONLY_BASE;
			row->nbase = b->nrepeats;
			row->base_median = tp_stats_median(v, b->nrepeats);
			snprintf(row->reason, sizeof(row->reason), "not measured in new");
			free(v);
			continue;
		}
		judge(row, b, &new_->trials[j], o);
		out->matched++;
	}
	for (j = 0; j < new_->ntrials; j++) {
		const struct tp_trial *n = &new_->trials[j];
		struct tp_compare_row *row;
		double *v;

		for (i = 0; i < base->ntrials; i++)
			if (tp_config_equal(&n->config, &base->trials[i].config))
				break;
		if (i < base->ntrials)
			continue;
		row = add_row(out, &alloc, &n->config);
		v = throughputs(n);
		row->verdict = TP_VERDICT_ONLY_NEW;
		row->nnew = n->nrepeats;
		row->new_median = tp_stats_median(v, n->nrepeats);
		snprintf(row->reason, sizeof(row->reason), "not measured in base");
		free(v);
	}
	if (!out->matched) {
		tp_comparison_release(out);
		return tp_usage_error("cannot compare '%s' with '%s': no configuration was measured "
				      "in both", base_name, new_name);
	}
	ratios = tp_xmalloc(out->nrows * sizeof(*ratios));
	for (i = 0; i < out->nrows; i++) {
		out->counts[out->rows[i].verdict]++;
		if (isfinite(out->rows[i].ratio))
			ratios[nratios++] = out->rows[i].ratio;
	}
	out->geomean = tp_stats_geomean(ratios, nratios);
	free(ratios);
	return 0;
}

void tp_comparison_release(struct tp_comparison *c)
{
	free(c->rows);
	c->rows = NULL;
	c->nrows = 0;
}

/* ---- output ---- */

/* Throughputs with a fixed number of decimals so outputs are stable. */
static const char *num(char *buf, size_t size, double x)
{
	if (!isfinite(x))
		snprintf(buf, size, "-");
	else if (fabs(x) >= 100)
		snprintf(buf, size, "%.1f", x);
	else if (fabs(x) >= 1)
		snprintf(buf, size, "%.2f", x);
	else
		snprintf(buf, size, "%.4f", x);
	return buf;
}

static const char *row_name(const struct tp_compare_row *r, char *buf, size_t size)
{
	if (*r->label)
		snprintf(buf, size, "%s", r->label);
	else
		tp_config_format(&r->config, buf, size);
	return buf;
}

static const char *change(char *buf, size_t size, double ratio)
{
	if (!isfinite(ratio))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%+.1f%%", (ratio - 1) * 100);
	return buf;
}

static const char *ci(char *buf, size_t size, const struct tp_compare_row *r)
{
	char a[32], b[32];

	if (!isfinite(r->ci_low))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%s .. %s", change(a, sizeof(a), r->ci_low),
			 change(b, sizeof(b), r->ci_high));
	return buf;
}

static const char *pval(char *buf, size_t size, double p)
{
	if (!isfinite(p))
		snprintf(buf, size, "-");
	else if (p < 0.0001)
		snprintf(buf, size, "<0.0001");
	else
		snprintf(buf, size, "%.4f", p);
	return buf;
}

static void summary_line(const struct tp_comparison *c, struct tp_strbuf *out, int md)
{
	const char *strong = md ? "**" : "";

	tp_strbuf_addf(out, "%s%zu regressed%s, %zu improved, %zu unchanged, %zu inconclusive",
		       c->counts[TP_VERDICT_REGRESSED] ? strong : "",
		       c->counts[TP_VERDICT_REGRESSED],
		       c->counts[TP_VERDICT_REGRESSED] ? strong : "",
		       c->counts[TP_VERDICT_IMPROVED], c->counts[TP_VERDICT_UNCHANGED],
		       c->counts[TP_VERDICT_INCONCLUSIVE]);
	if (c->counts[TP_VERDICT_ONLY_BASE] || c->counts[TP_VERDICT_ONLY_NEW])
		tp_strbuf_addf(out, "; %zu only in base, %zu only in new",
			       c->counts[TP_VERDICT_ONLY_BASE], c->counts[TP_VERDICT_ONLY_NEW]);
}

static void geomean_line(const struct tp_comparison *c, struct tp_strbuf *out)
{
	char buf[32];

	tp_strbuf_addf(out, "geometric mean of new/base throughput: %.3f (%s) over %zu matched "
		       "config%s", c->geomean, change(buf, sizeof(buf), c->geomean), c->matched,
		       c->matched == 1 ? "" : "s");
}

static void render_text(const struct tp_comparison *c, struct tp_strbuf *out)
{
	char cfg[96], b[32], n[32], ch[32], cis[80], p[32];
	size_t i;
	int k;

	tp_strbuf_addf(out, "compare '%s' -> '%s' (throughput; threshold %g%%, alpha %g, "
		       "%zu bootstrap resamples)\n", c->base_name, c->new_name,
		       c->opts.threshold * 100, c->opts.alpha, c->opts.resamples);
	for (k = 0; k < c->nwarnings; k++)
		tp_strbuf_addf(out, "warning: %s\n", c->warnings[k]);
	tp_strbuf_addf(out, "\n%-26s %8s %12s %12s %8s %20s %8s  %s\n", "config", "repeats",
		       "base/s", "new/s", "change", "95% CI", "p", "verdict");
	for (i = 0; i < c->nrows; i++) {
		const struct tp_compare_row *r = &c->rows[i];
		char reps[24];

		snprintf(reps, sizeof(reps), "%zu/%zu", r->nbase, r->nnew);
		tp_strbuf_addf(out, "%-26s %8s %12s %12s %8s %20s %8s  %s",
			       row_name(r, cfg, sizeof(cfg)), reps,
			       num(b, sizeof(b), r->base_median), num(n, sizeof(n), r->new_median),
			       change(ch, sizeof(ch), r->ratio), ci(cis, sizeof(cis), r),
			       pval(p, sizeof(p), r->p), tp_verdict_name(r->verdict));
		if (r->verdict != TP_VERDICT_UNCHANGED)
			tp_strbuf_addf(out, " (%s)", r->reason);
		tp_strbuf_addch(out, '\n');
	}
	tp_strbuf_addch(out, '\n');
	geomean_line(c, out);
	tp_strbuf_adds(out, "\nsummary: ");
	summary_line(c, out, 0);
	tp_strbuf_addch(out, '\n');
}

static void render_md(const struct tp_comparison *c, struct tp_strbuf *out)
{
	char cfg[96], b[32], n[32], ch[32], cis[80], p[32];
	size_t i;
	int k;

	tp_strbuf_addf(out, "### Performance: `%s` -> `%s`\n\n", c->base_name, c->new_name);
	summary_line(c, out, 1);
	tp_strbuf_addf(out, " (throughput, threshold %g%%, alpha %g, Mann-Whitney U and %zu "
		       "bootstrap resamples).\n\n", c->opts.threshold * 100, c->opts.alpha,
		       c->opts.resamples);
	for (k = 0; k < c->nwarnings; k++)
		tp_strbuf_addf(out, "> **Warning:** %s\n\n", c->warnings[k]);
	tp_strbuf_adds(out, "| config | repeats | base tasks/s | new tasks/s | change | 95% CI "
			    "| p | verdict |\n|---|---:|---:|---:|---:|---|---:|---|\n");
	for (i = 0; i < c->nrows; i++) {
		const struct tp_compare_row *r = &c->rows[i];
		int bold = r->verdict == TP_VERDICT_REGRESSED || r->verdict == TP_VERDICT_IMPROVED;

		tp_strbuf_addf(out, "| `%s` | %zu/%zu | %s | %s | %s | %s | %s | %s%s%s%s%s%s |\n",
			       row_name(r, cfg, sizeof(cfg)), r->nbase, r->nnew,
			       num(b, sizeof(b), r->base_median), num(n, sizeof(n), r->new_median),
			       change(ch, sizeof(ch), r->ratio), ci(cis, sizeof(cis), r),
			       pval(p, sizeof(p), r->p), bold ? "**" : "",
			       tp_verdict_name(r->verdict), bold ? "**" : "",
			       r->verdict == TP_VERDICT_UNCHANGED ? "" : ": ",
			       r->verdict == TP_VERDICT_UNCHANGED ? "" : r->reason, "");
	}
	tp_strbuf_addch(out, '\n');
	{
		struct tp_strbuf g = TP_STRBUF_INIT;

		geomean_line(c, &g);
		g.buf[0] = 'G';
		tp_strbuf_addf(out, "%s.\n", g.buf);
		tp_strbuf_release(&g);
	}
}

static json_t *real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static void render_json(const struct tp_comparison *c, struct tp_strbuf *out)
{
	json_t *doc = json_object(), *rows = json_array(), *warnings = json_array(), *sum;
	char *text;
	size_t i;
	int k;

	json_object_set_new(doc, "base", json_string(c->base_name));
	json_object_set_new(doc, "new", json_string(c->new_name));
	json_object_set_new(doc, "metric", json_string("throughput"));
	json_object_set_new(doc, "threshold", json_real(c->opts.threshold));
	json_object_set_new(doc, "alpha", json_real(c->opts.alpha));
	json_object_set_new(doc, "resamples", json_integer((json_int_t)c->opts.resamples));
	json_object_set_new(doc, "seed", json_integer((json_int_t)c->opts.seed));
	for (k = 0; k < c->nwarnings; k++)
		json_array_append_new(warnings, json_string(c->warnings[k]));
	json_object_set_new(doc, "warnings", warnings);
	for (i = 0; i < c->nrows; i++) {
		const struct tp_compare_row *r = &c->rows[i];
		json_t *o = json_object();

		json_object_set_new(o, "config", json_pack("{s:i, s:i, s:s, s:s}", "workers",
							   r->config.workers, "batch", r->config.batch,
							   "strategy", r->config.strategy,
							   "start", r->config.start));
		if (*r->label)
			json_object_set_new(o, "command", json_string(r->label));
		json_object_set_new(o, "verdict", json_string(tp_verdict_name(r->verdict)));
		json_object_set_new(o, "reason", json_string(r->reason));
		json_object_set_new(o, "base_repeats", json_integer((json_int_t)r->nbase));
		json_object_set_new(o, "new_repeats", json_integer((json_int_t)r->nnew));
		json_object_set_new(o, "base_median", real_or_null(r->base_median));
		json_object_set_new(o, "new_median", real_or_null(r->new_median));
		json_object_set_new(o, "ratio", real_or_null(r->ratio));
		json_object_set_new(o, "ci_low", real_or_null(r->ci_low));
		json_object_set_new(o, "ci_high", real_or_null(r->ci_high));
		json_object_set_new(o, "p", real_or_null(r->p));
		json_array_append_new(rows, o);
	}
	json_object_set_new(doc, "rows", rows);
	json_object_set_new(doc, "geomean", real_or_null(c->geomean));
	sum = json_object();
	for (k = 0; k <= TP_VERDICT_ONLY_NEW; k++)
		json_object_set_new(sum, verdict_names[k], json_integer((json_int_t)c->counts[k]));
	json_object_set_new(doc, "summary", sum);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	tp_strbuf_adds(out, text ? text : "{}");
	tp_strbuf_addch(out, '\n');
	free(text);
	json_decref(doc);
}

static const struct tp_compare_format_desc fmt_text = {
	.name = "text",
	.summary = "aligned columns for a terminal (default)",
	.render = render_text,
};
static const struct tp_compare_format_desc fmt_md = {
	.name = "md",
	.summary = "a markdown table to paste into a pull request",
	.render = render_md,
};
static const struct tp_compare_format_desc fmt_json = {
	.name = "json",
	.summary = "one object with every row, for scripts",
	.render = render_json,
};
static const struct tp_compare_format_desc *const formats[] = { &fmt_text, &fmt_md, &fmt_json };
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct tp_compare_format_desc *tp_compare_format_find(const char *name)
{
	return tp_registry_lookup((const void *const *)formats, NFORMATS, name, "compare format");
}

const struct tp_compare_format_desc *const *tp_compare_format_table(size_t *n)
{
	*n = NFORMATS;
	return formats;
}

const char *tp_compare_format_names(void)
{
	static char names[64];

	return tp_registry_names((const void *const *)formats, NFORMATS, names, sizeof(names));
}
