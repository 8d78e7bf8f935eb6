/* `tunepool probe`: show cores, caches, NUMA, usable CPUs and memory, counters, seeds. */
#include "cli/cmd.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/strbuf.h"
#include "probes/machine.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "topology", required_argument, NULL, 't' },
		{ "synthetic", required_argument, NULL, 's' },
		{ "mem-per-worker", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct tp_probe_opts opts = { 0 };
	struct tp_machine m;
	int json = 0, c;

	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "", longopts, "probe")) != -1) {
		double bytes;

		switch (c) {
		case 'j':
			json = 1;
			break;
		case 't':
			opts.topology_xml = optarg;
			break;
		case 's':
			opts.synthetic = optarg;
			break;
		case 'm':
			if (tp_parse_size(optarg, &bytes) || bytes < 1024 || bytes > 1e18) {
				tp_usage_error("probe: --mem-per-worker '%s' is not a size of at least 1K "
					       "(examples: 512M, 2G)", optarg);
				return TP_EXIT_USAGE;
			}
			opts.mem_per_worker_kb = (long long)(bytes / 1024);
			break;
		default:
			return TP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tp_usage_error("probe: unexpected argument '%s'", argv[optind]);
		return TP_EXIT_USAGE;
	}
	if (opts.topology_xml && opts.synthetic) {
		tp_usage_error("probe: --topology '%s' and --synthetic '%s' exclude each other",
			       opts.topology_xml, opts.synthetic);
		return TP_EXIT_USAGE;
	}
	if (tp_machine_probe(&m, &opts))
		return tp_error_exit_code();
	if (json) {
		json_t *doc = tp_machine_to_json(&m);

		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) || putchar('\n') == EOF) {
			json_decref(doc);
			tp_machine_release(&m);
			tp_error("cannot write the machine as JSON");
			return TP_EXIT_SYSTEM;
		}
		json_decref(doc);
	} else {
		struct tp_strbuf sb = TP_STRBUF_INIT;

		tp_machine_format(&m, &sb);
		fputs(sb.buf, stdout);
		tp_strbuf_release(&sb);
	}
	tp_machine_release(&m);
	if (fflush(stdout)) {
		tp_error("cannot write to standard output");
		return TP_EXIT_SYSTEM;
	}
	return TP_EXIT_OK;
}

const struct tp_cmd_desc tp_cmd_probe = {
	.name = "probe",
	.summary = "show cores, caches, NUMA, usable CPUs and memory, counters, seeds",
	.usage = "tunepool probe [--json] [--topology FILE.xml | --synthetic DESC] [--mem-per-worker SIZE]",
	.help =
		"options:\n"
		"  --json                 print the machine object (the 'machine' of results.json)\n"
		"  --topology FILE.xml    describe the machine of an hwloc XML file (lstopo --of xml)\n"
		"                         instead of this one; all its PUs count as allowed\n"
		"  --synthetic DESC       describe an hwloc synthetic machine, e.g.\n"
		"                         \"pack:2 numa:2 core:8 pu:2\"; all its PUs count as allowed\n"
		"  --mem-per-worker SIZE  memory one worker needs (512M, 2G): max_workers becomes\n"
		"                         usable memory / SIZE\n"
		"\n"
		"Usable CPUs are the affinity mask and cpuset cut by the tightest CPU quota of\n"
		"the process's cgroup and every ancestor (v1 and v2); usable memory is the\n"
		"smaller of MemAvailable and the tightest cgroup limit minus usage.  Files are\n"
		"read under $TUNEPOOL_FSROOT (default /), so a container can be inspected from\n"
		"a copy of its /proc and /sys.\n"
		"\n"
		"examples:\n"
		"  tunepool probe\n"
		"  tunepool probe --json --mem-per-worker 1G\n"
		"  tunepool probe --synthetic \"pack:2 numa:2 core:16 pu:2\"\n"
		"  TUNEPOOL_FSROOT=/srv/snapshot tunepool probe --topology box.xml\n",
	.run = cmd_probe,
	.unsupported_reason = NULL,
	.hidden = 0,
};
