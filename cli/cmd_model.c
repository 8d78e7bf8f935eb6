/* `tunepool model`: fit the USL (and Amdahl beside it) to anyone's (N, X)
 * measurements and say what the data support. */
#include "cli/cmd.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "reports/plot_model.h"
#include "tuner/modeldata.h"
#include "tuner/usl.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *param_json(const struct tp_usl_param *p)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "value", num(p->value), "se", num(p->se),
			 "ci_low", num(p->lo), "ci_high", num(p->hi));
}

static json_t *fit_json(const struct tp_usl_fit *f, int with_kappa)
{
	json_t *o = json_pack("{s:o, s:o}", "lambda", param_json(&f->lambda), "sigma",
			      param_json(&f->sigma));

	if (with_kappa)
		json_object_set_new(o, "kappa", param_json(&f->kappa));
	json_object_set_new(o, "r2", num(f->r2));
	json_object_set_new(o, "residual_se", num(f->residual_se));
	json_object_set_new(o, "dof", json_integer(f->dof));
	return o;
}

static json_t *analysis_json(const struct tp_usl_analysis *a, const struct tp_model_data *d,
			     char **files, int nfiles, const char *verdict)
{
	json_t *o = json_object(), *fs = json_array();
	int i;

	for (i = 0; i < nfiles; i++)
		json_array_append_new(fs, json_string(files[i]));
	json_object_set_new(o, "schema", json_integer(1));
	json_object_set_new(o, "files", fs);
	json_object_set_new(o, "format", json_string(d->format));
	json_object_set_new(o, "x", json_string(d->xname));
	json_object_set_new(o, "y", json_string(d->yname));
	json_object_set_new(o, "weights", json_string(tp_usl_weights_name(a->weights)));
	json_object_set_new(o, "points", json_integer((json_int_t)a->points));
	json_object_set_new(o, "distinct_n", json_integer((json_int_t)a->distinct));
	json_object_set_new(o, "n_min", num(a->n_min));
	json_object_set_new(o, "n_max", num(a->n_max));
	json_object_set_new(o, "usl", fit_json(&a->usl, 1));
	json_object_set_new(o, "amdahl", fit_json(&a->amdahl, 0));
	json_object_set_new(o, "shape", json_string(tp_usl_shape_name(a->shape)));
	/* N* is null when there is none (kappa = 0); ci_high null when unbounded. */
	json_object_set_new(o, "peak_n", param_json(&a->peak_n));
	json_object_set_new(o, "peak_throughput", num(a->peak_x));
	json_object_set_new(o, "best_n", num(a->best_n));
	json_object_set_new(o, "best_throughput", num(a->best_x));
	json_object_set_new(o, "verdict", json_string(verdict));
	return o;
}

/* "0.02773 (95% CI 0.0024 to 0.05305)" */
static void param_text(struct tp_strbuf *sb, const char *name, const struct tp_usl_param *p)
{
	tp_strbuf_addf(sb, "  %-7s = %-11.4g", name, p->value);
	if (isnan(p->lo))
		tp_strbuf_adds(sb, " (no interval: no degrees of freedom left)\n");
	else if (isinf(p->hi))
		tp_strbuf_addf(sb, " (95%% CI %.4g to infinity)\n", p->lo);
	else
		tp_strbuf_addf(sb, " (95%% CI %.4g to %.4g)\n", p->lo, p->hi);
}

static void analysis_text(struct tp_strbuf *sb, const struct tp_usl_analysis *a,
			  const struct tp_model_data *d, const char *verdict)
{
	const struct tp_usl_fit *u = &a->usl, *am = &a->amdahl;

	tp_strbuf_addf(sb, "%zu points at %zu distinct %s from %g to %g; X = %s; %s weights\n",
		       a->points, a->distinct, d->xname, a->n_min, a->n_max, d->yname,
		       tp_usl_weights_name(a->weights));
	tp_strbuf_adds(sb, "USL: X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1))\n");
	param_text(sb, "lambda", &u->lambda);
	param_text(sb, "sigma", &u->sigma);
	param_text(sb, "kappa", &u->kappa);
	if (a->shape == TP_USL_RETROGRADE || a->shape == TP_USL_FLAT)
		tp_strbuf_addf(sb, "  N*      = %s\n", a->shape == TP_USL_FLAT ? "none (X does not "
			       "change with N)" : "at or below the smallest measured N");
	else if (isinf(a->peak_n.value) && isnan(a->peak_n.lo))
		tp_strbuf_adds(sb, "  N*      = none (kappa = 0)\n");
	else if (isinf(a->peak_n.value))
		tp_strbuf_addf(sb, "  N*      = none (kappa = 0; kappa's interval allows one from "
			       "N = %.4g)\n", a->peak_n.lo);
	else
		param_text(sb, "N*", &a->peak_n);
	if (isfinite(a->peak_x))
		tp_strbuf_addf(sb, "  peak X  = %.4g at N* = %.4g%s\n", a->peak_x, a->peak_n.value,
			       a->shape == TP_USL_BEYOND ? " (extrapolated)" : "");
	tp_strbuf_addf(sb, "  R2      = %.4g\n", u->r2);
	tp_strbuf_adds(sb, "Amdahl: X(N) = lambda N / (1 + sigma (N-1))\n");
	param_text(sb, "lambda", &am->lambda);
	param_text(sb, "sigma", &am->sigma);
	tp_strbuf_addf(sb, "  R2      = %.4g\n", am->r2);
	tp_strbuf_addf(sb, "verdict: %s\n", verdict);
}

static int run_model(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "x", required_argument, NULL, 'x' },
		{ "y", required_argument, NULL, 'y' },
		{ "weights", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct tp_model_data_opts dopts = { NULL, NULL };
	enum tp_usl_weights weights = TP_USL_RELATIVE;
	const char *plot = NULL;
	struct tp_model_data d;
	struct tp_usl_analysis a;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char verdict[1024];
	int c, i, json = 0, rc = TP_EXIT_OK;

	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "x:y:w:jp:", longopts, "model")) != -1) {
		switch (c) {
		case 'x':
			dopts.xcol = optarg;
			break;
		case 'y':
			dopts.ycol = optarg;
			break;
		case 'w':
			if (tp_usl_weights_parse(optarg, &weights)) {
				tp_usage_error("model: --weights '%s' is not one of relative|absolute",
					       optarg);
				return TP_EXIT_USAGE;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			plot = optarg;
			break;
		default:
			return TP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		tp_usage_error("model: missing FILE; usage: tunepool model DATA.csv|results.json|"
			       "hyperfine.json... [--x COL --y COL] [--weights relative|absolute] "
			       "[--json] [--plot FILE.png]");
		return TP_EXIT_USAGE;
	}
	tp_model_data_init(&d);
	for (i = optind; i < argc; i++) {
		if (tp_model_data_read(&d, argv[i], &dopts)) {
			tp_model_data_release(&d);
			return tp_error_exit_code();
		}
	}
	if (tp_usl_analyze(d.n, d.x, d.k, weights, &a)) {
		tp_usage_error("cannot fit '%s'%s: %s (got %zu points)", argv[optind],
			       argc - optind > 1 ? " and the other files" : "", a.error, d.k);
		tp_model_data_release(&d);
		return TP_EXIT_USAGE;
	}
	tp_usl_verdict(&a, verdict, sizeof(verdict));
	if (plot) {
		struct tp_plotter p;
		struct tp_model_plot mp = {
			.n = d.n, .x = d.x, .k = d.k,
			.lambda = a.usl.lambda.value, .sigma = a.usl.sigma.value,
			.kappa = a.usl.kappa.value, .a_lambda = a.amdahl.lambda.value,
			.a_sigma = a.amdahl.sigma.value,
			.peak_n = a.shape == TP_USL_PEAK ? a.peak_n.value : NAN,
			.xname = d.xname, .yname = d.yname,
		};
		int drawn;

		tp_plotter_init(&p);
		if (tp_plot_model(&p, plot, &mp, &drawn))
			rc = tp_error_exit_code();
		tp_plotter_release(&p);
	}
	if (rc == TP_EXIT_OK) {
		if (json) {
			json_t *o = analysis_json(&a, &d, argv + optind, argc - optind, verdict);
			char *s = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(10));

			tp_strbuf_adds(&sb, s);
			tp_strbuf_addch(&sb, '\n');
			free(s);
			json_decref(o);
		} else {
			analysis_text(&sb, &a, &d, verdict);
		}
		if (fwrite(sb.buf, 1, sb.len, stdout) != sb.len || fflush(stdout))
			rc = tp_error("cannot write to standard output") ? TP_EXIT_SYSTEM : 0;
	}
	tp_strbuf_release(&sb);
	tp_model_data_release(&d);
	return rc;
}

const struct tp_cmd_desc tp_cmd_model = {
	.name = "model",
	.summary = "fit the scaling law (USL, Amdahl) to (N, throughput) measurements",
	.usage = "tunepool model DATA.csv|results.json|hyperfine.json... [--x COL --y COL] "
		 "[--weights relative|absolute] [--json] [--plot FILE.png]",
	.help = "Fits X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)) with lambda, sigma,\n"
		"kappa >= 0, and Amdahl's law (kappa = 0) beside it, and prints each parameter\n"
		"with its 95% confidence interval, N* = sqrt((1-sigma)/kappa) with its interval,\n"
		"R2, the peak throughput, and a verdict: a peak is stated only when kappa's\n"
		"interval excludes 0; otherwise \"no peak within the measured range\".\n"
		"N need not be integer nor include 1 (lambda is fitted).  Several files are\n"
		"fitted together.\n"
		"\ninputs (detected from the content):\n"
		"  CSV with a header; columns N and X, or named with --x COL --y COL; several\n"
		"      rows per N allowed; '#' lines are comments\n"
		"  tunepool results.json: N = workers, X = each repeat's tasks/s (--y median:\n"
		"      one point per trial) of the recommended batch and strategy; a run's\n"
		"      results (one config): its timeline samples (width, tasks/s)\n"
		"  hyperfine --export-json of a --parameter-scan: N = the parameter (--x NAME\n"
		"      when there are several), X = 1/mean time (--y median: 1/median; --y time:\n"
		"      one point per run, failed runs left out)\n"
		"\noptions:\n"
		"  --x COL, --y COL    the columns (or parameter, or statistic) to use\n"
		"  --weights W         relative (default): minimise residuals / X, so every point\n"
		"                      counts the same whatever its size, right for the\n"
		"                      multiplicative noise of throughput measurements;\n"
		"                      absolute: plain residuals, as R's nls() and the usl\n"
		"                      package do (agrees with nls(..., algorithm=\"port\", lower=0))\n"
		"  --json              the fit as JSON on standard output\n"
		"  --plot FILE.png     draw the points and both fits with gnuplot (.svg works too);\n"
		"                      FILE.dat and FILE.gp are kept beside it\n"
		"\nexamples:\n"
		"  tunepool model sdm91.csv --weights absolute\n"
		"  tunepool model results.json --json\n"
		"  hyperfine -P threads 1 8 --export-json scan.json 'app -j {threads}'\n"
		"  tunepool model scan.json --plot scan.png\n"
		"\nexit codes: 0 fitted, 2 bad input or too few distinct N (at least 3).\n",
	.run = run_model,
};
