/* Unit tests for reports/: compare verdicts on synthetic trials, the document
 * renderers, series grouping and the report's words for the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/results.h"
#include "core/strbuf.h"
#include "reports/compare.h"
#include "reports/doc.h"
#include "reports/format.h"
#include "reports/plot.h"
#include "reports/report.h"

/* Adds n repeats of throughput around tput (a fixed +-spread pattern). */
static void add_trial(struct tp_results *r, int workers, int batch, double tput, double spread,
		      int n)
{
	struct tp_config c = { .workers = workers, .batch = batch, .strategy = "thread" };
	struct tp_trial *t = tp_results_trial(r, &c);
	int i;

	for (i = 0; i < n; i++) {
		double f = 1 + spread * (((i * 3) % 7) - 3) / 3.0;	/* distinct for n <= 7 */
		struct tp_repeat rep = { .wall_s = 1, .tasks = 100, .throughput = tput * f };

		tp_trial_add_repeat(t, &rep);
	}
	tp_trial_update_stats(t);
}

static const struct tp_compare_row *row_for(const struct tp_comparison *c, int workers)
{
	size_t i;

	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].config.workers == workers)
			return &c->rows[i];
	fail_msg("no row for %d workers", workers);
	return NULL;
}

static void test_compare_verdicts(void **state)
{
	struct tp_results base, new_;
	struct tp_compare_opts o;
	struct tp_comparison c;
	const struct tp_compare_row *row;

	(void)state;
	tp_results_init(&base);
	tp_results_init(&new_);
	add_trial(&base, 1, 1, 100, 0.01, 7);
	add_trial(&new_, 1, 1, 80, 0.01, 7);	/* 20% slower */
	add_trial(&base, 2, 1, 200, 0.01, 7);
	add_trial(&new_, 2, 1, 200.5, 0.01, 7);	/* noise */
	add_trial(&base, 4, 1, 400, 0.01, 3);
	add_trial(&new_, 4, 1, 300, 0.01, 3);	/* too few repeats */
	add_trial(&base, 8, 1, 800, 0.01, 7);
	add_trial(&new_, 8, 1, 1000, 0.01, 7);	/* 25% faster */
	add_trial(&base, 16, 1, 900, 0.05, 7);
	add_trial(&new_, 16, 1, 860, 0.05, 7);	/* -4.4% with wide noise: straddles */
	add_trial(&base, 32, 1, 900, 0.01, 7);	/* base only */
	add_trial(&new_, 64, 1, 900, 0.01, 7);	/* new only */
	tp_compare_opts_init(&o);
	assert_int_equal(o.resamples, 10000);
	assert_int_equal(tp_compare(&base, "b.json", &new_, "n.json", &o, &c), 0);
	assert_int_equal(c.nrows, 7);
	assert_int_equal(c.matched, 5);

	row = row_for(&c, 1);
	assert_int_equal(row->verdict, TP_VERDICT_REGRESSED);
	assert_true(fabs(row->ratio - 0.8) < 1e-9);
	assert_true(row->ci_low <= 0.8 && row->ci_high >= 0.8 && row->ci_high < 0.95);
	/* 7 vs 7, completely separated: exact two-sided p = 2 / C(14,7) */
	assert_true(fabs(row->p - 2.0 / 3432) < 1e-12);

	assert_int_equal(row_for(&c, 2)->verdict, TP_VERDICT_UNCHANGED);
	row = row_for(&c, 4);
	assert_int_equal(row->verdict, TP_VERDICT_INCONCLUSIVE);
	/* 3 vs 3: the smallest possible p, 0.1, cannot reach alpha 0.05 */
	assert_non_null(strstr(row->reason, "cannot reach p < 0.05"));
	assert_non_null(strstr(row->reason, "it takes 5 in new (or 4 on each side)"));
	assert_int_equal(row_for(&c, 8)->verdict, TP_VERDICT_IMPROVED);
	row = row_for(&c, 16);
	assert_int_equal(row->verdict, TP_VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(row->reason, "straddles"));
	assert_int_equal(row_for(&c, 32)->verdict, TP_VERDICT_ONLY_BASE);
	assert_int_equal(row_for(&c, 64)->verdict, TP_VERDICT_ONLY_NEW);
	assert_int_equal(c.counts[TP_VERDICT_REGRESSED], 1);
	assert_int_equal(c.counts[TP_VERDICT_IMPROVED], 1);
	assert_int_equal(c.counts[TP_VERDICT_INCONCLUSIVE], 2);
	/* geometric mean of the five matched ratios */
	assert_true(c.geomean > 0.85 && c.geomean < 1.0);
	assert_int_equal(c.nwarnings, 0);
	tp_comparison_release(&c);

	/* A looser threshold hides the 20% drop: unchanged is not claimed either. */
	o.threshold = 0.25;
	assert_int_equal(tp_compare(&base, "b.json", &new_, "n.json", &o, &c), 0);
	assert_int_equal(row_for(&c, 1)->verdict, TP_VERDICT_UNCHANGED);
	tp_comparison_release(&c);

	tp_results_release(&base);
	tp_results_release(&new_);
}

static void test_compare_machines_and_disjoint(void **state)
{
	struct tp_results base, new_;
	struct tp_compare_opts o;
	struct tp_comparison c;

	(void)state;
	tp_results_init(&base);
	tp_results_init(&new_);
	base.machine = json_pack("{s:s}", "fingerprint", "aaaa");
	new_.machine = json_pack("{s:s}", "fingerprint", "bbbb");
	add_trial(&base, 1, 1, 100, 0.01, 5);
	add_trial(&new_, 1, 1, 100, 0.01, 5);
	tp_compare_opts_init(&o);
	assert_int_equal(tp_compare(&base, "b", &new_, "n", &o, &c), 0);
	assert_int_equal(c.nwarnings, 1);
	assert_non_null(strstr(c.warnings[0], "machine fingerprints differ: aaaa (base) and bbbb"));
	tp_comparison_release(&c);
	tp_results_release(&new_);
	tp_results_init(&new_);
	add_trial(&new_, 2, 1, 100, 0.01, 5);
	assert_int_equal(tp_compare(&base, "b", &new_, "n", &o, &c), -1);
	tp_results_release(&base);
	tp_results_release(&new_);
}

static void test_compare_formats(void **state)
{
	struct tp_results base, new_;
	struct tp_compare_opts o;
	struct tp_comparison c;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const struct tp_compare_format_desc *f;
	json_t *doc;

	(void)state;
	tp_results_init(&base);
	tp_results_init(&new_);
	add_trial(&base, 1, 1, 100, 0.01, 7);
	add_trial(&new_, 1, 1, 80, 0.01, 7);
	tp_compare_opts_init(&o);
	assert_int_equal(tp_compare(&base, "b.json", &new_, "n.json", &o, &c), 0);
	f = tp_compare_format_find("md");
	assert_non_null(f);
	f->render(&c, &sb);
	assert_non_null(strstr(sb.buf, "| `w=1 b=1 thread` | 7/7 | 100.0 | 80.00 | -20.0% |"));
	assert_non_null(strstr(sb.buf, "**regressed**"));
	tp_strbuf_reset(&sb);
	tp_compare_format_find("json")->render(&c, &sb);
	doc = json_loads(sb.buf, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(doc, "rows"), 0), "verdict")), "regressed");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"),
							    "regressed")), 1);
	json_decref(doc);
	assert_null(tp_compare_format_find("yaml"));
	tp_strbuf_release(&sb);
	tp_comparison_release(&c);
	tp_results_release(&base);
	tp_results_release(&new_);
}

static void test_doc_renderers(void **state)
{
	static const char *const head[] = { "config", "tasks/s" };
	struct tp_doc d;
	struct tp_strbuf sb = TP_STRBUF_INIT;

	(void)state;
	tp_doc_init(&d);
	tp_doc_heading(&d, 2, "Title %d", 1);
	tp_doc_para(&d, "a `w=1|b` and **bold** <x>");
	tp_doc_item(&d, "one");
	tp_doc_item(&d, "two");
	tp_doc_table(&d, "lr", head);
	tp_doc_cell(&d, "`w=1`");
	tp_doc_cell(&d, "%.1f", 12.5);
	tp_doc_image(&d, "s.png", "Scaling");
	tp_report_format_find("md")->render(&d, &sb);
	assert_string_equal(sb.buf, "## Title 1\n\na `w=1|b` and **bold** <x>\n\n- one\n- two\n\n"
				    "| config | tasks/s |\n|---|---:|\n| `w=1` | 12.5 |\n\n"
				    "![Scaling](s.png)\n");
	tp_strbuf_reset(&sb);
	tp_report_format_find("html")->render(&d, &sb);
	assert_non_null(strstr(sb.buf, "<h2>Title 1</h2>"));
	assert_non_null(strstr(sb.buf, "<p>a <code>w=1|b</code> and <strong>bold</strong> &lt;x&gt;</p>"));
	assert_non_null(strstr(sb.buf, "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"));
	assert_non_null(strstr(sb.buf, "<tr><th>config</th><th>tasks/s</th></tr>"));
	assert_non_null(strstr(sb.buf, "<td class=\"r\">12.5</td>"));
	assert_non_null(strstr(sb.buf, "<img src=\"s.png\" alt=\"Scaling\">"));
	assert_null(tp_report_format_find("pdf"));
	tp_strbuf_release(&sb);
	tp_doc_release(&d);
}

static void test_series(void **state)
{
	struct tp_results r;
	struct tp_series *s;
	char buf[64];
	size_t n;

	(void)state;
	tp_results_init(&r);
	add_trial(&r, 8, 16, 1, 0, 1);
	add_trial(&r, 2, 1, 1, 0, 1);
	add_trial(&r, 1, 16, 1, 0, 1);
	add_trial(&r, 4, 1, 1, 0, 1);
	n = tp_series_build(&r, &s);
	assert_int_equal(n, 2);
	assert_string_equal(tp_series_label(&s[0], buf, sizeof(buf)), "b=1 thread");
	assert_int_equal(s[0].n, 2);
	assert_int_equal(s[0].trials[0]->config.workers, 2);
	assert_int_equal(s[0].trials[1]->config.workers, 4);
	assert_int_equal(s[1].trials[0]->config.workers, 1);
	assert_int_equal(s[1].trials[1]->config.workers, 8);
	tp_series_free(s, n);
	tp_results_release(&r);
}

static void test_model_words(void **state)
{
	struct tp_results r;
	struct tp_report_input in = { .r = &r, .path = "dir/x.json" };
	struct tp_doc d;
	struct tp_strbuf sb = TP_STRBUF_INIT;

	(void)state;
	tp_results_init(&r);
	add_trial(&r, 1, 1, 100, 0.01, 5);
	strcpy(r.model.kind, "usl");
	r.model.lambda = 100;
	r.model.sigma = 0.04;
	r.model.kappa = 0.001;
	r.model.peak_workers = NAN;	/* derived from sigma and kappa */
	r.model.r2 = 0.99;
	r.model.points = 6;
	tp_doc_init(&d);
	tp_report_build(&d, &in, 1, NULL, 0);
	tp_report_format_find("md")->render(&d, &sb);
	assert_non_null(strstr(sb.buf, "# tunepool report: `x.json`"));
	assert_non_null(strstr(sb.buf, "contention σ = 0.04 limits speed-up to 25×; coherency "
				       "κ = 0.001 puts the peak at 31 workers"));
	assert_non_null(strstr(sb.buf, "These results hold no recommendation (from `tunepool bench`)"));
	assert_null(strstr(sb.buf, "## Plots"));
	tp_strbuf_release(&sb);
	tp_doc_release(&d);

	strcpy(r.model.kind, "amdahl");
	r.model.kappa = 0;
	tp_doc_init(&d);
	tp_report_build(&d, &in, 1, NULL, 0);
	tp_report_format_find("md")->render(&d, &sb);
	assert_non_null(strstr(sb.buf, "the serial fraction σ = 0.04 limits speed-up to 25×; no "
				       "coherency cost was found"));
	tp_strbuf_release(&sb);
	tp_doc_release(&d);

	/* Retrograde from the start (X = 100/N fits sigma = kappa = 1): no "peak
	 * at 0 workers", no invented peak throughput. */
	strcpy(r.model.kind, "usl");
	r.model.sigma = 1;
	r.model.kappa = 1;
	r.model.peak_workers = 2.7e-5;
	tp_doc_init(&d);
	tp_report_build(&d, &in, 1, NULL, 0);
	tp_report_format_find("md")->render(&d, &sb);
	assert_non_null(strstr(sb.buf, "throughput falls as workers are added: run one worker"));
	assert_null(strstr(sb.buf, "peak at 0"));
	assert_null(strstr(sb.buf, "At the peak"));
	tp_strbuf_release(&sb);
	tp_doc_release(&d);
	/* Flat: sigma = 1, kappa = 0, no spread, so no R². */
	strcpy(r.model.kind, "amdahl");
	r.model.kappa = 0;
	r.model.peak_workers = 0;
	r.model.r2 = NAN;
	tp_doc_init(&d);
	tp_report_build(&d, &in, 1, NULL, 0);
	tp_report_format_find("md")->render(&d, &sb);
	assert_non_null(strstr(sb.buf, "R² = undefined, the throughput did not vary"));
	assert_non_null(strstr(sb.buf, "throughput does not grow as workers are added"));
	tp_strbuf_release(&sb);
	tp_doc_release(&d);
	tp_results_release(&r);
}

/* The repeats rule: the smallest two-sided p of a complete separation. */
static void test_compare_min_p(void **state)
{
	(void)state;
	assert_true(fabs(tp_compare_min_p(3, 3) - 0.1) < 1e-12);
	assert_true(fabs(tp_compare_min_p(4, 4) - 2.0 / 70) < 1e-12);
	assert_true(fabs(tp_compare_min_p(7, 3) - 2.0 / 120) < 1e-12);
	assert_true(tp_compare_min_p(0, 5) == 1);
	assert_int_equal((int)tp_compare_repeats_needed(3, 0.05), 5);
	assert_int_equal((int)tp_compare_repeats_needed(1, 0.05), 39);
	assert_int_equal((int)tp_compare_repeats_needed(10, 0.01), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_verdicts),
		cmocka_unit_test(test_compare_machines_and_disjoint),
		cmocka_unit_test(test_compare_formats),
		cmocka_unit_test(test_doc_renderers),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_model_words),
		cmocka_unit_test(test_compare_min_p),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
