/* `tunepool export`: turn tunepool.conf into settings for other runners. */
#include "cli/cmd.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/conf_select.h"
#include "tuner/export.h"

#include <stdio.h>

static int run_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "section", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const struct tp_export_desc *fmt = NULL;
	const char *format = "ini", *output = NULL, *section = NULL;
	struct tp_tuned_conf conf;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int c, rc;

	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "f:o:", longopts, "export")) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 's':
			section = optarg;
			break;
		default:
			return TP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		tp_usage_error("export: %s; usage: tunepool export CONFIG [--format %s]",
			       optind >= argc ? "missing CONFIG" : "more than one CONFIG",
			       tp_export_names());
		return TP_EXIT_USAGE;
	}
	fmt = tp_export_find(format);
	if (!fmt)
		return TP_EXIT_USAGE;
	{
		const struct tp_path_role roles[] = { { "CONFIG", argv[optind] }, { "-o", output } };

		if (tp_output_check("-o", output) || tp_paths_check_distinct(roles, 2))
			return tp_error_exit_code();
	}
	if (tp_conf_read_select(argv[optind], section, &conf))
		return tp_error_exit_code();
	if (fmt->write(&conf, &sb)) {
		tp_strbuf_release(&sb);
		return tp_error_exit_code();
	}
	rc = tp_write_file_atomic(output ? output : "-", sb.buf, sb.len);
	tp_strbuf_release(&sb);
	return rc ? tp_error_exit_code() : TP_EXIT_OK;
}

const struct tp_cmd_desc tp_cmd_export = {
	.name = "export",
	.summary = "turn tunepool.conf into settings for other runners",
	.usage = "tunepool export CONFIG [--format {names:exports}] [-o FILE] [--section NAME]",
	.help = "options:\n"
		"  -f, --format FMT   one of (default ini):\n"
		"                       {list:exports}\n"
		"  -o, --output FILE  write there (atomically) instead of standard output\n"
		"      --section NAME a suite.conf's class ('tune --suite'): its config\n"
		"\nexamples:\n"
		"  tunepool export tunepool.conf --format parallel   # -j 8 -X -n 16\n"
		"  parallel $(tunepool export tunepool.conf -f parallel) gzip ::: *.log\n"
		"  make $(tunepool export tunepool.conf -f env | sed -n 's/^MAKEFLAGS=//p')\n"
		"\na bad config is named with its file, line and value (exit 2).\n",
	.run = run_export,
};
