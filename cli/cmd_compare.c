/* `tunepool compare`: tell a real regression from noise between two results. */
#include "cli/cmd.h"
#include "core/hyperfine.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "reports/compare.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* "5%" is a percentage, "0.05" a fraction; both mean 5%. */
static int parse_threshold(const char *s, double *out)
{
	size_t len = strlen(s);
	double v;

	if (len && s[len - 1] == '%') {
		char buf[64];

		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, s, len - 1);
		buf[len - 1] = '\0';
		if (tp_parse_double(buf, &v) || v < 0 || v >= 100)
			return -1;
		*out = v / 100;
		return 0;
	}
	if (tp_parse_double(s, &v) || v < 0 || v >= 1)
		return -1;
	*out = v;
	return 0;
}

/* results.json, or hyperfine's --export-json (each command's times as its
 * repeats; h keeps the commands for the labels). */
static int load(struct tp_results *r, const char *path, struct tp_hyperfine *h)
{
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	int ret;

	if (!doc || !tp_hyperfine_detect(doc)) {
		json_decref(doc);
		return tp_results_read(r, path);
	}
	ret = tp_hyperfine_from_json(h, doc, path);
	json_decref(doc);
	if (!ret)
		tp_hyperfine_to_results(h, r);
	return ret;
}

/* hyperfine rows are named by their command (base's; both when they differ). */
static void label_commands(struct tp_comparison *cmp, const struct tp_hyperfine *hb,
			   const struct tp_hyperfine *hn)
{
	size_t i;

	for (i = 0; i < cmp->nrows; i++) {
		struct tp_compare_row *row = &cmp->rows[i];
		size_t k = (size_t)row->config.workers - 1;
		const char *b = k < hb->ncommands ? hb->commands[k].command : NULL;
		const char *n = k < hn->ncommands ? hn->commands[k].command : NULL;

		if (strcmp(row->config.strategy, "hyperfine") || (!b && !n))
			continue;
		if (b && n && strcmp(b, n))
			snprintf(row->label, sizeof(row->label), "%s -> %s", b, n);
		else
			snprintf(row->label, sizeof(row->label), "%s", b ? b : n);
	}
}

static int run_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "min-repeats", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const struct tp_compare_format_desc *fmt;
	const char *format = "text";
	struct tp_compare_opts opts;
	struct tp_results base, new_;
	struct tp_comparison cmp;
	struct tp_hyperfine hb = { NULL, 0 }, hn = { NULL, 0 };
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int c, k, rc;

	tp_compare_opts_init(&opts);
	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "t:a:f:", longopts, "compare")) != -1) {
		long long mr;

		switch (c) {
		case 't':
			if (parse_threshold(optarg, &opts.threshold)) {
				tp_usage_error("compare: --threshold '%s' is not a percentage like 5%% "
					       "or a fraction like 0.05", optarg);
				return TP_EXIT_USAGE;
			}
			break;
		case 'a':
			if (tp_parse_double(optarg, &opts.alpha) || !(opts.alpha > 0 && opts.alpha < 1)) {
				tp_usage_error("compare: --alpha '%s' is not a number between 0 and 1 "
					       "(e.g. 0.05)", optarg);
				return TP_EXIT_USAGE;
			}
			break;
		case 'f':
			format = optarg;
			break;
		case 'm':
			if (tp_parse_long(optarg, &mr) || mr < 1 || mr > 1000000) {
				tp_usage_error("compare: --min-repeats '%s' is not a whole number from 1",
					       optarg);
				return TP_EXIT_USAGE;
			}
			opts.min_repeats = (size_t)mr;
			break;
		case 'F':
			opts.force = 1;
			break;
		default:
			return TP_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		tp_usage_error("compare: %s; usage: tunepool compare BASE.json NEW.json",
			       argc - optind < 2 ? "needs two results files" :
						   "takes exactly two results files");
		return TP_EXIT_USAGE;
	}
	fmt = tp_compare_format_find(format);
	if (!fmt)
		return TP_EXIT_USAGE;
	tp_results_init(&base);
	tp_results_init(&new_);
	if (load(&base, argv[optind], &hb) || load(&new_, argv[optind + 1], &hn)) {
		rc = tp_error_exit_code();
		goto out;
	}
	if (tp_compare(&base, argv[optind], &new_, argv[optind + 1], &opts, &cmp)) {
		rc = tp_error_exit_code();
		goto out;
	}
	label_commands(&cmp, &hb, &hn);
	/* Warnings reach stderr even when stdout goes to a file or a PR comment. */
	for (k = 0; k < cmp.nwarnings; k++)
		tp_warn("%s", cmp.warnings[k]);
	fmt->render(&cmp, &sb);
	if (fwrite(sb.buf, 1, sb.len, stdout) != sb.len || fflush(stdout)) {
		tp_error("cannot write to standard output");
		rc = TP_EXIT_SYSTEM;
	} else {
		rc = cmp.counts[TP_VERDICT_REGRESSED] ? TP_EXIT_NEGATIVE : TP_EXIT_OK;
	}
	tp_comparison_release(&cmp);
out:
	tp_strbuf_release(&sb);
	tp_results_release(&base);
	tp_results_release(&new_);
	tp_hyperfine_release(&hb);
	tp_hyperfine_release(&hn);
	return rc;
}

const struct tp_cmd_desc tp_cmd_compare = {
	.name = "compare",
	.summary = "tell a real regression from noise between two results",
	.usage = "tunepool compare BASE.json NEW.json [--threshold 5%] [--alpha 0.05] "
		 "[--min-repeats 3] [--force] [--format {names:compares}]",
	.help = "configs measured in both files are matched; for each, the ratio of median\n"
		"throughputs (new/base) gets a 95% bootstrap CI (10,000 resamples, fixed seed)\n"
		"and a two-sided Mann-Whitney U p-value.  Verdicts:\n"
		"  regressed     p < alpha and the whole CI lies below -threshold\n"
		"  improved      p < alpha and the whole CI lies above +threshold\n"
		"  unchanged     the CI lies within +-threshold\n"
		"  inconclusive  fewer than --min-repeats on a side, the CI straddles the\n"
		"                threshold, or p is not below alpha\n"
		"the repeats rule: a change needs p < alpha, and a and b repeats can give at\n"
		"best p = 2/C(a+b, a) (every repeat of one side beyond all of the other): 3 and\n"
		"3 give 0.1, 4 and 4 give 0.029, 7 and 3 give 0.017.  When the repeats cannot\n"
		"reach alpha the verdict is inconclusive and says how many it would take.\n"
		"configs in only one file are listed; none in common is an error.  Results of\n"
		"different workloads are an error (--force compares them); the same workload\n"
		"with other options is a warning that names the options that differ.\n"
		"\ninputs: tunepool results.json, or hyperfine's --export-json: each command is a\n"
		"row (matched by position, named by its command), each run's 1/time a repeat.\n"
		"\noptions:\n"
		"  -t, --threshold T  change that matters: 5% (default) or 0.05\n"
		"  -a, --alpha A      significance level of the U test (default 0.05)\n"
		"  --min-repeats N    fewest repeats on each side for any verdict (default 3)\n"
		"  --force            compare results of different workloads anyway\n"
		"  -f, --format FMT   one of (default text):\n"
		"                       {list:compares}\n"
		"\nexit status: 1 when any config regressed, 0 otherwise, 2 on bad input (a\n"
		"malformed results file is named with the field, e.g. trials[3].repeats[0].wall_s).\n"
		"a warning is printed when the machine fingerprints differ.\n"
		"\nexamples:\n"
		"  tunepool compare main.json pr.json                 # exit 1 on a real slowdown\n"
		"  tunepool compare main.json pr.json --threshold 10% --format md >> comment.md\n"
		"  hyperfine --runs 10 'app v1' --export-json base.json   # then, on the branch:\n"
		"  tunepool compare base.json new.json\n",
	.run = run_compare,
};
