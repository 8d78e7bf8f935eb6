/* `tunepool report`: write a markdown/HTML report with plots from results. */
#include "cli/cmd.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/results.h"
#include "reports/format.h"
#include "reports/report.h"

#include <stdio.h>
#include <stdlib.h>

static int run_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct tp_report_opts opts = { .outdir = "tunepool-report" };
	const char *format = "md";
	struct tp_report_input *in;
	struct tp_results *res;
	int c, i, n, rc = TP_EXIT_OK;

	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "o:f:", longopts, "report")) != -1) {
		switch (c) {
		case 'o':
			opts.outdir = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		default:
			return TP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		tp_usage_error("report: missing RESULTS.json; usage: tunepool report RESULTS.json... "
			       "[-o DIR] [--format %s]", tp_report_format_names());
		return TP_EXIT_USAGE;
	}
	opts.format = tp_report_format_find(format);
	if (!opts.format)
		return TP_EXIT_USAGE;
	n = argc - optind;
	res = tp_xcalloc((size_t)n, sizeof(*res));
	in = tp_xcalloc((size_t)n, sizeof(*in));
	for (i = 0; i < n; i++)
		tp_results_init(&res[i]);
	for (i = 0; i < n && rc == TP_EXIT_OK; i++) {
		if (tp_results_read(&res[i], argv[optind + i]))
			rc = tp_error_exit_code();
		in[i].r = &res[i];
		in[i].path = argv[optind + i];
	}
	if (rc == TP_EXIT_OK && tp_report_write(in, (size_t)n, &opts))
		rc = tp_error_exit_code();
	if (rc == TP_EXIT_OK)
		printf("%s/%s\n", opts.outdir, opts.format->file);
	for (i = 0; i < n; i++)
		tp_results_release(&res[i]);
	free(res);
	free(in);
	return rc;
}

const struct tp_cmd_desc tp_cmd_report = {
	.name = "report",
	.summary = "write a markdown/HTML report with plots from results",
	.usage = "tunepool report RESULTS.json... [-o DIR] [--format {names:reports}]",
	.help = "the report holds the machine, the workload, the recommendation with its CI\n"
		"and near-equivalent configs, a table per config (median, CI, CPU, RSS, context\n"
		"switches, IPC and LLC misses where PAPI presets exist), the scaling model in\n"
		"words, what the counters say, plots and warnings (noisy trials, VM without\n"
		"counters, cgroup throttling).  Plots are drawn by gnuplot found in PATH\n"
		"(pngcairo, else svg); their scripts (.gp) and data (.dat) stay beside the\n"
		"images.  Without gnuplot the report says so and still has its tables.\n"
		"\noptions:\n"
		"  -o, --output DIR   folder to write (created; default tunepool-report)\n"
		"  -f, --format FMT   one of (default md):\n"
		"                       {list:reports}\n"
		"\nexamples:\n"
		"  tunepool report results.json -o report          # report/report.md + plots\n"
		"  tunepool report before.json after.json -o r --format html\n"
		"\na malformed results file is named with its field (exit 2).\n",
	.run = run_report,
};
