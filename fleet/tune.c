/* The fleet tuning job: its batch script, the submission, the wait, the
 * per-node verdicts and the merge. */
#include "fleet/tune.h"

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "fleet/slurm.h"
#include "runner/template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tp_fleet_tune_opts_init(struct tp_fleet_tune_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->poll_max_s = 30;
	o->barrier_s = 600;
	tp_fleet_merge_opts_init(&o->merge);
}

/* The batch script.  Exclusive tasks that all hold their nodes at the same
 * moment are on distinct nodes, so each waits (barrier) until every task of
 * the array has started before tuning: one result per node, never two. */
static void write_script(struct tp_strbuf *sb, const struct tp_fleet_tune_opts *o,
			 const char *dir, size_t ntasks)
{
	size_t i;

	tp_strbuf_adds(sb, "#!/bin/sh\n# written by `tunepool fleet tune`: one array task per node\n"
		       "set -u\ndir=");
	tp_shell_quote(sb, dir);
	tp_strbuf_addf(sb, "\nn=%zu\nbarrier=%.0f\n", ntasks, o->barrier_s);
	tp_strbuf_adds(sb,
		"node=${SLURMD_NODENAME:?not inside a Slurm job}\n"
		"job=${SLURM_ARRAY_JOB_ID:?not an array task}\n"
		"task=${SLURM_ARRAY_TASK_ID}\n"
		"mkdir -p \"$dir/fleet/started\"\n"
		"echo \"$node\" > \"$dir/fleet/started/$job.$task\"\n"
		"waited=0\n"
		"while [ \"$(ls \"$dir/fleet/started\" | grep -c \"^$job\\.\")\" -lt \"$n\" ]; do\n"
		"\tif [ \"$waited\" -ge $((barrier * 2)) ]; then\n"
		"\t\techo \"tunepool fleet: not every task started within ${barrier}s; tuning anyway\" >&2\n"
		"\t\tbreak\n\tfi\n"
		"\tsleep 0.5; waited=$((waited + 1))\n"
		"done\n"
		"for f in \"$dir/fleet/started/$job\".*; do\n"
		"\tt=${f##*.}\n"
		"\tif [ \"$t\" -lt \"$task\" ] && [ \"$(cat \"$f\")\" = \"$node\" ]; then\n"
		"\t\techo \"tunepool fleet: node $node is already tuned by task $t\" >&2\n"
		"\t\texit 75\n\tfi\n"
		"done\n"
		"rm -f \"$dir/$node.json\" \"$dir/$node.conf\"\n"
		"exec ");
	tp_shell_quote(sb, tp_fleet_self_path());
	tp_strbuf_adds(sb, " tune");
	for (i = 0; i < o->ntune_args; i++) {
		tp_strbuf_addch(sb, ' ');
		tp_shell_quote(sb, o->tune_args[i]);
	}
	tp_strbuf_adds(sb, " -o \"$dir/$node.conf\" --results \"$dir/$node.json\"\n");
}

static int progress(const struct tp_fleet_task *t, size_t n, void *arg)
{
	const struct tp_fleet_tune_opts *o = arg;
	size_t i, count[5] = { 0 };

	if (!o->bar && !isatty(2))
		return 0;
	for (i = 0; i < n; i++)
		count[t[i].state]++;
	fprintf(stderr, "\rfleet: %zu/%zu nodes done, %zu failed, %zu running, %zu pending   ",
		count[TP_TASK_DONE] + count[TP_TASK_FAILED] + count[TP_TASK_UNKNOWN], n,
		count[TP_TASK_FAILED], count[TP_TASK_RUNNING], count[TP_TASK_PENDING]);
	return 0;
}

/* The last non-empty line of a log file into buf ("" when none). */
static void last_line(const char *path, char *buf, size_t size)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char *end, *start;

	buf[0] = '\0';
	if (tp_read_file(path, &sb) || !sb.len) {
		tp_strbuf_release(&sb);
		return;
	}
	tp_strbuf_rtrim(&sb);
	end = sb.buf + sb.len;
	start = end;
	while (start > sb.buf && start[-1] != '\n')
		start--;
	snprintf(buf, size, "%s", start);
	tp_strbuf_release(&sb);
}

/* The nodes to tune: --nodes (and the rest of the partition excluded), or
 * every usable node of the partition with the --constraint feature. */
static int pick_nodes(const struct tp_fleet_tune_opts *o, char ***names, size_t *nnodes,
		      char **exclude)
{
	if (o->nodes) {
		*names = tp_fleet_hostnames(o->nodes, nnodes);
		if (!*names)
			return -1;
		*exclude = tp_fleet_exclude_for(o->partition, *names, *nnodes);
		return *exclude ? 0 : -1;
	}
	if (o->constraint && o->constraint[strcspn(o->constraint, "&|[]*,!")])
		return tp_usage_error("fleet tune: --constraint '%s' is an expression; only one "
				      "feature is counted, name the nodes with --nodes",
				      o->constraint);
	*names = tp_fleet_usable_nodes(o->partition, o->constraint, nnodes);
	if (!*names)
		return -1;
	if (!*nnodes)
		return tp_usage_error("fleet tune: no usable node%s%s%s%s", o->partition ?
				      " in partition '" : "", o->partition ? o->partition : "",
				      o->partition ? "'" : "", o->constraint ?
				      " with that feature" : "");
	return 0;
}

/* Each ended task's results (paths[], *npaths of them), the failed ones
 * named with the last line of their log, and the merge into classes/. */
static int merge_results(const struct tp_fleet_tune_opts *o, const char *dir, const char *logs,
			 const struct tp_fleet_task *tasks, size_t nnodes, char **paths,
			 size_t *npaths, struct tp_fleet_tune_result *r)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char *classes;
	size_t i;
	int rc;

	for (i = 0; i < nnodes; i++) {
		const struct tp_fleet_task *t = &tasks[i];
		char *res = *t->node ? tp_xasprintf("%s/%s.json", dir, t->node) : NULL, *log, why[512];
		struct stat st;

		if (t->state == TP_TASK_DONE && res && !stat(res, &st)) {
			paths[(*npaths)++] = res;
			r->nok++;
			continue;
		}
		free(res);
		log = tp_xasprintf("%s/%s_%zu.err", logs, r->jobid, i);
		last_line(log, why, sizeof(why));
		printf("fleet: node %s (task %zu) failed: %s, exit %d%s%s; log %s\n",
		       *t->node ? t->node : "?", i, t->slurm_state[0] ? t->slurm_state :
		       "unknown", t->exit_code, *why ? ": " : "", why, log);
		free(log);
		r->nfailed++;
	}
	if (!*npaths) {
		printf("fleet: no node produced results\n");
		return 0;
	}
	classes = tp_xasprintf("%s/classes", dir);
	rc = tp_fleet_merge(paths, *npaths, classes, &o->merge, &sb, &r->merged);
	if (!rc) {
		fwrite(sb.buf, 1, sb.len, stdout);
		printf("fleet: %zu of %zu nodes tuned, %zu class%s, index %s/index.json\n",
		       r->nok, r->ntasks, r->merged.classes, r->merged.classes == 1 ? "" : "es",
		       classes);
	}
	free(classes);
	tp_strbuf_release(&sb);
	return rc;
}

int tp_fleet_tune(const struct tp_fleet_tune_opts *o, struct tp_fleet_tune_result *r)
{
	char *dir = NULL, *script = NULL, *logs = NULL, *exclude = NULL, **names = NULL;
	char opt_array[64], **paths = NULL;
	struct tp_fleet_task *tasks = NULL;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t nnodes = 0, npaths = 0, i;
	int rc = -1, w;

	memset(r, 0, sizeof(*r));
	if (tp_mkdir_p(o->dir))
		return -1;
	dir = realpath(o->dir, NULL);
	if (!dir)
		return tp_error("cannot resolve '%s': %s", o->dir, strerror(errno));
	script = tp_xasprintf("%s/fleet", dir);
	logs = tp_xasprintf("%s/fleet/logs", dir);
	if (tp_mkdir_p(script) || tp_mkdir_p(logs))
		goto out;
	free(script);
	script = tp_xasprintf("%s/fleet/tune.sh", dir);

	if (pick_nodes(o, &names, &nnodes, &exclude))
		goto out;
	write_script(&sb, o, dir, nnodes);
	if (tp_write_file_atomic(script, sb.buf, sb.len))
		goto out;
	snprintf(opt_array, sizeof(opt_array), "--array=0-%zu", nnodes - 1);
	{
		const struct tp_fleet_array arr = {
			.array = opt_array, .job_name = "tunepool-fleet-tune", .logdir = logs,
			.script = script, .partition = o->partition, .constraint = o->constraint,
			.exclude = exclude,
		};

		if (tp_fleet_submit_array(&arr, r->jobid, sizeof(r->jobid)))
			goto out;
	}
	r->ntasks = nnodes;
	printf("fleet: submitted job %s: %zu tasks, one per node, results in %s\n", r->jobid,
	       nnodes, dir);
	fflush(stdout);
	if (o->no_wait) {
		printf("fleet: not waiting; when it has ended: tunepool fleet merge %s/*.json "
		       "-o %s/classes\n", dir, dir);
		rc = 0;
		goto out;
	}
	tasks = tp_xcalloc(nnodes, sizeof(*tasks));
	for (i = 0; i < nnodes; i++)
		tasks[i].exit_code = -1;
	w = tp_fleet_wait(r->jobid, tasks, nnodes, o->poll_max_s, progress, (void *)o);
	if (o->bar || isatty(2))
		fputc('\n', stderr);
	if (w < 0)
		goto out;
	if (w == 1) {
		tp_fleet_scancel(r->jobid);
		r->interrupted = 1;
		tp_warn("interrupted: job %s cancelled", r->jobid);
		rc = 0;
		goto out;
	}
	paths = tp_xcalloc(nnodes, sizeof(*paths));
	if (merge_results(o, dir, logs, tasks, nnodes, paths, &npaths, r))
		goto out;
	rc = 0;
out:
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(tasks);
	tp_fleet_names_free(names);
	free(exclude);
	free(script);
	free(logs);
	free(dir);
	tp_strbuf_release(&sb);
	return rc;
}
