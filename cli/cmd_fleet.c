/* `tunepool fleet`: tune a Slurm cluster per hardware class (fleet tune) and
 * merge many nodes' results into one conf per class (fleet merge). */
#include "cli/cmd.h"
#include "cli/cmd_fleet.h"
#include "cli/fleet_history.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/strbuf.h"
#include "fleet/merge.h"
#include "fleet/run.h"
#include "fleet/slurm.h"
#include "fleet/tune.h"
#include "history/db.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "5%" is a percentage, "0.05" a fraction; both mean 5%. */
static int parse_fraction(const char *s, double *out)
{
	size_t len = strlen(s);
	char buf[64];
	double v;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len + 1);
	if (buf[len - 1] == '%') {
		buf[len - 1] = '\0';
		if (tp_parse_double(buf, &v) || v < 0 || v >= 100)
			return -1;
		*out = v / 100;
		return 0;
	}
	if (tp_parse_double(buf, &v) || v < 0 || v >= 1)
		return -1;
	*out = v;
	return 0;
}

/* --threshold and --alpha, shared by both subcommands. */
static int merge_option(const char *name, const char *val, struct tp_fleet_merge_opts *m)
{
	double *dst = !strcmp(name, "threshold") ? &m->threshold : &m->alpha;

	if (parse_fraction(val, dst) || (dst == &m->alpha && *dst <= 0))
		return tp_usage_error("fleet: --%s '%s' is not a fraction like %s", name, val,
				      dst == &m->alpha ? "0.05" : "5%");
	return 0;
}

static int run_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct tp_fleet_merge_opts mo;
	struct tp_fleet_merge_summary sum;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const char *confdir = NULL, *dburl = NULL;
	struct tp_db db;
	int c, rc;

	tp_fleet_merge_opts_init(&mo);
	optind = 0;
	while ((c = tp_cli_getopt(argc, argv, "o:t:a:", longopts, "fleet merge")) != -1) {
		switch (c) {
		case 'o':
			confdir = optarg;
			break;
		case 't':
			if (merge_option("threshold", optarg, &mo))
				return TP_EXIT_USAGE;
			break;
		case 'a':
			if (merge_option("alpha", optarg, &mo))
				return TP_EXIT_USAGE;
			break;
		case 'd':
			dburl = optarg;
			break;
		default:
			return TP_EXIT_USAGE;
		}
	}
	if (!confdir) {
		tp_usage_error("fleet merge: missing -o CONFDIR; usage: tunepool fleet merge "
			       "DIR/*.json -o CONFDIR");
		return TP_EXIT_USAGE;
	}
	if (optind >= argc) {
		tp_usage_error("fleet merge: no results files; usage: tunepool fleet merge "
			       "DIR/*.json -o CONFDIR");
		return TP_EXIT_USAGE;
	}
	/* --db: opened first, so a bad one writes nothing. */
	if (dburl && tp_fleet_history_open(&db, dburl) < 0)
		return tp_error_exit_code();
	if (tp_fleet_merge(argv + optind, (size_t)(argc - optind), confdir, &mo, &sb, &sum)) {
		tp_strbuf_release(&sb);
		if (dburl)
			tp_db_close(&db);
		return tp_error_exit_code();
	}
	rc = fwrite(sb.buf, 1, sb.len, stdout) == sb.len ? 0 : -1;
	printf("merged %zu nodes into %zu class%s, %zu slow; index %s/index.json\n", sum.nodes,
	       sum.classes, sum.classes == 1 ? "" : "es", sum.slow, confdir);
	tp_strbuf_release(&sb);
	if (dburl && tp_fleet_history_add(&db, argv + optind, (size_t)(argc - optind)) < 0)
		return tp_error_exit_code();
	if (rc || fflush(stdout)) {
		tp_error("cannot write to standard output");
		return TP_EXIT_SYSTEM;
	}
	return TP_EXIT_OK;
}

static void on_sigint(int sig)
{
	(void)sig;
	tp_fleet_wait_stop();
}

/* fleet tune takes its own options out of argv and hands the rest, in order,
 * to `tunepool tune` on every node. */
/* The exit code of a fleet job: standard output must have reached its
 * file; negative: some node, slice or input did not succeed. */
static int job_exit(int rc, int interrupted, int negative)
{
	if (fflush(stdout)) {
		tp_error("cannot write to standard output");
		return TP_EXIT_SYSTEM;
	}
	if (rc)
		return tp_error_exit_code();
	if (interrupted)
		return TP_EXIT_INTERRUPTED;
	return negative ? TP_EXIT_NEGATIVE : TP_EXIT_OK;
}

static int run_tune(int argc, char **argv)
{
	struct tp_fleet_tune_opts o;
	struct tp_fleet_tune_result r;
	char **pass = calloc((size_t)argc + 1, sizeof(*pass));
	size_t npass = 0;
	int i, rc;

	if (!pass)
		return TP_EXIT_SYSTEM;
	tp_fleet_tune_opts_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '='), *val = NULL;
		char name[32] = "";

		if (!strcmp(a, "--")) {
			while (i < argc)
				pass[npass++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-o"))
			snprintf(name, sizeof(name), "output");
		else if (!strncmp(a, "--", 2))
			snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a) - 2),
				 a + 2);
		if (!strcmp(name, "no-wait") || !strcmp(name, "bar")) {
			*(!strcmp(name, "bar") ? &o.bar : &o.no_wait) = 1;
			continue;
		}
		if (strcmp(name, "output") && strcmp(name, "partition") && strcmp(name, "constraint") &&
		    strcmp(name, "nodes") && strcmp(name, "threshold") && strcmp(name, "alpha") &&
		    strcmp(name, "poll-max") && strcmp(name, "barrier")) {
			if (!strcmp(name, "results")) {
				free(pass);
				tp_usage_error("fleet tune: --results is not needed: every node writes "
					       "DIR/<node>.json");
				return TP_EXIT_USAGE;
			}
			pass[npass++] = argv[i];
			continue;
		}
		if (eq && a[1] == '-') {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			free(pass);
			tp_usage_error("fleet tune: option '%s' needs a value", a);
			return TP_EXIT_USAGE;
		}
		if (!strcmp(name, "output")) {
			o.dir = val;
		} else if (!strcmp(name, "partition")) {
			o.partition = val;
		} else if (!strcmp(name, "constraint")) {
			o.constraint = val;
		} else if (!strcmp(name, "nodes")) {
			o.nodes = val;
		} else if (!strcmp(name, "poll-max") || !strcmp(name, "barrier")) {
			double *dst = !strcmp(name, "barrier") ? &o.barrier_s : &o.poll_max_s;

			if (tp_parse_duration(val, dst) || !(*dst > 0)) {
				free(pass);
				tp_usage_error("fleet tune: --%s '%s' is not a duration like 30s",
					       name, val);
				return TP_EXIT_USAGE;
			}
		} else if (merge_option(name, val, &o.merge)) {
			free(pass);
			return TP_EXIT_USAGE;
		}
	}
	if (!o.dir) {
		free(pass);
		tp_usage_error("fleet tune: missing -o DIR (a directory every node can write)");
		return TP_EXIT_USAGE;
	}
	if (!npass) {
		free(pass);
		tp_usage_error("fleet tune: no workload; give the options of 'tunepool tune', "
			       "e.g. -w cpu or -- COMMAND");
		return TP_EXIT_USAGE;
	}
	o.tune_args = pass;
	o.ntune_args = npass;
	signal(SIGINT, on_sigint);
	rc = tp_fleet_tune(&o, &r);
	signal(SIGINT, SIG_DFL);
	free(pass);
	return job_exit(rc, r.interrupted, r.nfailed > 0);
}

int tp_cmd_run_wants_slurm(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") && strcmp(argv[i], ":::"); i++)
		if (!strcmp(argv[i], "--slurm"))
			return 1;
	return 0;
}

/* Run options that cannot apply per slice, and why. */
static const char *refused(const char *name)
{
	static const struct { const char *name, *why; } tab[] = {
		{ "joblog", "every slice keeps its journal in the shared DIR/journal/" },
		{ "results", "the slices would overwrite one file" },
		{ "log-decisions", "the slices would overwrite one file" },
		{ "resume-failed", "use --resume; failed inputs stay failed" },
		{ "count", "give the inputs (::: or --inputs) so they can be sliced" },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(tab[i].name, name))
			return tab[i].why;
	return NULL;
}

/* One of run --slurm's own options with a value. */
static int slurm_value(const char *name, const char *val, struct tp_fleet_run_opts *o)
{
	long long slices;

	if (!strcmp(name, "shared"))
		o->dir = val;
	else if (!strcmp(name, "partition"))
		o->partition = val;
	else if (!strcmp(name, "constraint"))
		o->constraint = val;
	else if (!strcmp(name, "nodes"))
		o->nodes = val;
	else if (!strcmp(name, "confs"))
		o->confs = val;
	else if (!strcmp(name, "inputs"))
		o->inputs_file = val;
	else if (!strcmp(name, "slices")) {
		if (tp_parse_long(val, &slices) || slices < 1 || slices > 1000000)
			return tp_usage_error("run --slurm: --slices '%s' is not a count from 1", val);
		o->slices = (size_t)slices;
	} else if (tp_parse_duration(val, &o->poll_max_s) || !(o->poll_max_s > 0)) {
		return tp_usage_error("run --slurm: --poll-max '%s' is not a duration like 30s", val);
	}
	return 0;
}

int tp_cmd_run_slurm(int argc, char **argv)
{
	struct tp_fleet_run_opts o;
	struct tp_fleet_run_result r;
	char **pass = calloc((size_t)argc + 1, sizeof(*pass));
	size_t npass = 0;
	int i, rc, cmd0 = -1, cmd1 = -1, in0 = -1;

	if (!pass)
		return TP_EXIT_SYSTEM;
	tp_fleet_run_opts_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '='), *val = NULL, *why;
		char name[32] = "";

		if (!strcmp(a, "--")) {
			cmd0 = i + 1;
			break;
		}
		if (!strcmp(a, ":::")) {
			in0 = i + 1;
			break;
		}
		if (!strncmp(a, "--", 2))
			snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a) - 2),
				 a + 2);
		if (!strcmp(name, "slurm"))
			continue;
		if (!strcmp(name, "no-wait") || !strcmp(name, "resume") || !strcmp(name, "bar")) {
			*(!strcmp(name, "bar") ? &o.bar : !strcmp(name, "resume") ? &o.resume :
			  &o.no_wait) = 1;
			continue;
		}
		if ((why = refused(name))) {
			free(pass);
			tp_usage_error("run --slurm: --%s does not apply: %s", name, why);
			return TP_EXIT_USAGE;
		}
		if (strcmp(name, "shared") && strcmp(name, "slices") && strcmp(name, "partition") &&
		    strcmp(name, "constraint") && strcmp(name, "nodes") && strcmp(name, "confs") &&
		    strcmp(name, "poll-max") && strcmp(name, "inputs")) {
			pass[npass++] = argv[i];
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		if (!val) {
			free(pass);
			tp_usage_error("run --slurm: option '%s' needs a value", a);
			return TP_EXIT_USAGE;
		}
		if (slurm_value(name, val, &o)) {
			free(pass);
			return TP_EXIT_USAGE;
		}
	}
	if (cmd0 >= 0) {
		for (i = cmd0; i < argc && strcmp(argv[i], ":::"); i++)
			;
		cmd1 = i;
		if (i < argc)
			in0 = i + 1;
		o.command = argv + cmd0;
		o.ncommand = (size_t)(cmd1 - cmd0);
	}
	if (in0 >= 0) {
		o.args = argv + in0;
		o.nargs = (size_t)(argc - in0);
		if (!o.nargs) {
			free(pass);
			tp_usage_error("run --slurm: no inputs after ':::'");
			return TP_EXIT_USAGE;
		}
	} else if (!o.inputs_file && !o.resume) {
		o.inputs_file = "-";
	}
	if (!o.dir) {
		free(pass);
		tp_usage_error("run --slurm: missing --shared DIR (a directory every node sees)");
		return TP_EXIT_USAGE;
	}
	o.run_args = pass;
	o.nrun_args = npass;
	signal(SIGINT, on_sigint);
	rc = tp_fleet_run(&o, &r);
	signal(SIGINT, SIG_DFL);
	free(pass);
	/* --no-wait with nothing left to submit has nothing to report */
	return job_exit(rc, r.interrupted, (*r.jobid || !o.no_wait) &&
			(r.failed || r.incomplete || r.missing || r.twice));
}

/* fleet conf-for CONFDIR NODE: the conf a run --slurm slice uses (hidden). */
static int run_conf_for(int argc, char **argv)
{
	char path[4096];

	if (argc < 2) {
		tp_usage_error("fleet conf-for: usage: tunepool fleet conf-for CONFDIR [NODE]");
		return TP_EXIT_USAGE;
	}
	tp_fleet_conf_for(argv[1], argc > 2 ? argv[2] : NULL, path, sizeof(path));
	if (*path)
		printf("%s\n", path);
	return fflush(stdout) ? TP_EXIT_SYSTEM : TP_EXIT_OK;
}

static int run_fleet(int argc, char **argv)
{
	if (argc < 2) {
		tp_usage_error("fleet: missing subcommand: tune or merge; see 'tunepool help fleet'");
		return TP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "tune"))
		return run_tune(argc - 1, argv + 1);
	if (!strcmp(argv[1], "merge"))
		return run_merge(argc - 1, argv + 1);
	if (!strcmp(argv[1], "conf-for"))
		return run_conf_for(argc - 1, argv + 1);
	tp_usage_error("fleet: unknown subcommand '%s': use tune or merge", argv[1]);
	return TP_EXIT_USAGE;
}

const struct tp_cmd_desc tp_cmd_fleet = {
	.name = "fleet",
	.summary = "tune a Slurm cluster per hardware class; merge nodes' results",
	.usage = "tunepool fleet tune [TUNE OPTIONS] -o DIR [--partition P] [--constraint F] "
		 "[--nodes LIST] [--no-wait]\n"
		 "       tunepool fleet merge DIR/*.json -o CONFDIR [--threshold 5%] [--alpha 0.05] "
		 "[--db FILE|postgresql://...]",
	.help = "fleet tune submits ONE sbatch job array, one exclusive task per node, each\n"
		"running `tunepool tune [TUNE OPTIONS]` on its node into DIR/<node>.json and\n"
		"DIR/<node>.conf (DIR must be on a filesystem every node shares).  It waits\n"
		"(polling the whole array with one scontrol call per round, 0.2 s growing to\n"
		"--poll-max), reports each node that failed with the last line of its log\n"
		"(DIR/fleet/logs/JOB_TASK.err), and merges the others into DIR/classes.\n"
		"  -o DIR             results directory (created), shared by the nodes\n"
		"  --partition P      submit there; nodes counted from its node list\n"
		"  --constraint F     only nodes with feature F (one feature name)\n"
		"  --nodes LIST       exactly these nodes (Slurm host list: n[1-4],m2)\n"
		"  --no-wait          print the job id and return; merge later yourself\n"
		"  --poll-max T       longest pause between polls (30s)\n"
		"  --barrier T        how long a task waits for the others to start (600s):\n"
		"                     tasks that hold their nodes at once are on distinct nodes\n"
		"  --bar              progress line even when stderr is not a terminal\n"
		"  every other option goes to `tunepool tune` unchanged (-w, --budget, ...).\n"
		"\nfleet merge groups results by hardware class (the machine fingerprint) and\n"
		"writes CONFDIR/<fingerprint>.conf per class: the config whose worst node keeps\n"
		"the largest share of its own best, with the class's throughput spread; the\n"
		"index CONFDIR/index.json and index.tsv (node, class, conf, throughput, slow);\n"
		"and flags nodes significantly slower than the rest of their class (ratio of\n"
		"medians below 1 - threshold and Mann-Whitney p < alpha, as compare does).\n"
		"The node name is the file name without .json; a sibling NODE.conf adds the\n"
		"measured memory base and bounds.\n"
		"  -o CONFDIR         where the class confs and the index go (created)\n"
		"  -t, --threshold T  slowdown that matters: 5% (default) or 0.05\n"
		"  -a, --alpha A      significance level (0.05)\n"
		"  --db FILE|URL      also add every node's results to this performance history\n"
		"                     (SQLite file or postgresql://...; see `tunepool help\n"
		"                     history`) in one transaction, tagged node=NAME and\n"
		"                     class=FINGERPRINT; files already stored are skipped.  Only\n"
		"                     with --db: TUNEPOOL_DB alone does not make merge write.\n"
		"\nfleet conf-for CONFDIR [NODE] prints the class conf for this machine (its\n"
		"fingerprint, else NODE's line of index.tsv): what run --slurm slices use.\n"
		"\nrun --slurm --shared DIR [--slices N] [--confs CONFDIR] [--partition P]\n"
		"[--constraint F] [--nodes LIST] [--no-wait] [--resume] [RUN OPTIONS] -- COMMAND\n"
		"splits the inputs into N slices (default: one per usable node) under DIR, runs\n"
		"one exclusive array task per slice (tunepool run with RUN OPTIONS and its\n"
		"class's conf from CONFDIR, journal DIR/journal/K.jsonl), then prints the\n"
		"outputs, merges the journals into DIR/journal.jsonl and sums up per node.\n"
		"--resume with the same command resubmits only the slices that did not finish.\n"
		"\nexamples:\n"
		"  tunepool fleet tune -w sleep:ms=2 --budget 4 --min-time 30ms -o fleet\n"
		"  tunepool fleet merge fleet/*.json -o fleet/classes\n"
		"  tunepool run --slurm --shared job --confs fleet/classes -- echo {} ::: a b c d\n"
		"\nexit codes: 0 every node tuned, 1 some nodes failed (the others are merged),\n"
		"2 bad usage or input, 3 Slurm could not be reached, 130 interrupted (the job\n"
		"is cancelled).\n",
	.run = run_fleet,
};
