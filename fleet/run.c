/* run --slurm: slices, the array script, the wait, and the cross-node merge of
 * journals, outputs and the summary. */
#include "fleet/run.h"

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "fleet/slurm.h"
#include "probes/machine.h"
#include "runner/inputs.h"
#include "runner/template.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tp_fleet_run_opts_init(struct tp_fleet_run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->poll_max_s = 30;
}

struct list {
	char **v;
	size_t n, alloc;
};

static void list_add(struct list *l, const char *s, size_t len)
{
	tp_grow((void **)&l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = tp_xstrndup(s, len);
}

static void list_free(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int mkdirs(const char *dir)
{
	static const char *const sub[] = { "", "/slices", "/journal", "/out", "/state", "/logs" };
	size_t i;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char *p = tp_xasprintf("%s%s", dir, sub[i]);

		if (mkdir(p, 0755) && errno != EEXIST) {
			tp_error("cannot create '%s': %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

static char *path_of(const char *dir, const char *sub, size_t k, const char *ext)
{
	return tp_xasprintf("%s/%s/%zu%s", dir, sub, k, ext);
}

static int exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* FNV-1a over the inputs, each with its newline: the job's identity on resume. */
static uint64_t inputs_hash(const struct list *in)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < in->n; i++) {
		const unsigned char *p = (const unsigned char *)in->v[i];

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		h = (h ^ '\n') * 1099511628211ull;
	}
	return h;
}

static int read_inputs(const struct tp_fleet_run_opts *o, struct list *in)
{
	struct tp_inputs *src;
	const char *line;
	size_t len, i;
	int rc;

	if (o->nargs || !o->inputs_file) {
		for (i = 0; i < o->nargs; i++) {
			if (strchr(o->args[i], '\n'))
				return tp_usage_error("run --slurm: input %zu holds a newline; slices "
						      "are line files", i + 1);
			list_add(in, o->args[i], strlen(o->args[i]));
		}
		return 0;
	}
	if (tp_inputs_from_file(&src, o->inputs_file, 0))
		return -1;
	while ((rc = tp_inputs_next(src, &line, &len)) == 1)
		list_add(in, line, len);
	tp_inputs_free(src);
	return rc < 0 ? -1 : 0;
}

/* The manifest: what the job is, so --resume continues the same one. */
static int write_manifest(const char *dir, const struct tp_fleet_run_opts *o, size_t slices,
			  size_t ninputs, uint64_t hash, const char *job)
{
	json_t *doc = json_object(), *cmd = json_array();
	char hex[32], *text, *path;
	size_t i;
	int rc;

	for (i = 0; i < o->ncommand; i++)
		json_array_append_new(cmd, json_string(o->command[i]));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);
	json_object_set_new(doc, "schema", json_integer(1));
	json_object_set_new(doc, "command", cmd);
	json_object_set_new(doc, "slices", json_integer((json_int_t)slices));
	json_object_set_new(doc, "inputs", json_integer((json_int_t)ninputs));
	json_object_set_new(doc, "inputs_hash", json_string(hex));
	json_object_set_new(doc, "job", json_string(job));
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	path = tp_xasprintf("%s/run.json", dir);
	rc = tp_write_file_atomic(path, text, strlen(text));
	free(path);
	free(text);
	return rc;
}

struct manifest {
	size_t slices, inputs;
	char hash[32], job[32];
	json_t *command;
};

static int read_manifest(const char *dir, struct manifest *m)
{
	char *path = tp_xasprintf("%s/run.json", dir);
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e), *v;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (!doc) {
		tp_usage_error("run --slurm --resume: cannot read '%s': %s", path, e.text);
		goto out;
	}
	v = json_object_get(doc, "slices");
	m->slices = json_is_integer(v) && json_integer_value(v) > 0 ? (size_t)json_integer_value(v) : 0;
	v = json_object_get(doc, "inputs");
	m->inputs = json_is_integer(v) ? (size_t)json_integer_value(v) : 0;
	v = json_object_get(doc, "inputs_hash");
	snprintf(m->hash, sizeof(m->hash), "%s", json_is_string(v) ? json_string_value(v) : "");
	v = json_object_get(doc, "job");
	snprintf(m->job, sizeof(m->job), "%s", json_is_string(v) ? json_string_value(v) : "");
	m->command = json_incref(json_object_get(doc, "command"));
	if (!m->slices || !json_is_array(m->command)) {
		tp_usage_error("run --slurm --resume: '%s' is not a run --slurm manifest", path);
		goto out;
	}
	rc = 0;
out:
	json_decref(doc);
	free(path);
	return rc;
}

static int same_command(const struct manifest *m, const struct tp_fleet_run_opts *o)
{
	size_t i;

	if (json_array_size(m->command) != o->ncommand)
		return 0;
	for (i = 0; i < o->ncommand; i++) {
		json_t *s = json_array_get(m->command, i);

		if (!json_is_string(s) || strcmp(json_string_value(s), o->command[i]))
			return 0;
	}
	return 1;
}

static void write_script(struct tp_strbuf *sb, const struct tp_fleet_run_opts *o,
			 const char *dir)
{
	const char *self = tp_fleet_self_path();
	size_t i;

	tp_strbuf_adds(sb, "#!/bin/sh\n# written by `tunepool run --slurm`: one array task per slice\n"
		       "set -u\ndir=");
	tp_shell_quote(sb, dir);
	tp_strbuf_adds(sb, "\nk=${SLURM_ARRAY_TASK_ID:?not an array task}\n"
		       "node=${SLURMD_NODENAME:-$(hostname)}\n"
		       "echo \"$node $(date +%s.%N)\" >> \"$dir/state/$k.nodes\"\n"
		       "set --\n");
	if (o->confs) {
		tp_strbuf_adds(sb, "conf=$(");
		tp_shell_quote(sb, self);
		tp_strbuf_adds(sb, " fleet conf-for ");
		tp_shell_quote(sb, o->confs);
		tp_strbuf_adds(sb, " \"$node\")\n"
			       "if [ -n \"$conf\" ]; then set -- --config \"$conf\"; else\n"
			       "\techo \"tunepool run --slurm: no conf for $node in the class confs; "
			       "run's defaults\" >&2\nfi\n");
	}
	tp_shell_quote(sb, self);
	tp_strbuf_adds(sb, " run \"$@\"");
	for (i = 0; i < o->nrun_args; i++) {
		tp_strbuf_addch(sb, ' ');
		tp_shell_quote(sb, o->run_args[i]);
	}
	tp_strbuf_adds(sb, " --joblog \"$dir/journal/$k.jsonl\" --resume"
		       " --inputs \"$dir/slices/$k.txt\"");
	if (o->ncommand)
		tp_strbuf_adds(sb, " --");
	for (i = 0; i < o->ncommand; i++) {
		tp_strbuf_addch(sb, ' ');
		tp_shell_quote(sb, o->command[i]);
	}
	tp_strbuf_adds(sb, " >> \"$dir/out/$k.out\" 2>> \"$dir/out/$k.err\"\n"
		       "rc=$?\n"
		       "# 0 or 1: every input of the slice ran (1: some failed); else resumable\n"
		       "case $rc in 0|1) echo \"$rc $node\" > \"$dir/state/$k.done.tmp\" &&\n"
		       "\tmv -f \"$dir/state/$k.done.tmp\" \"$dir/state/$k.done\" ;; esac\n"
		       "exit $rc\n");
}

static int write_slices(const char *dir, const struct list *in, size_t slices)
{
	size_t k, i;

	for (k = 0; k < slices; k++) {
		struct tp_strbuf sb = TP_STRBUF_INIT;
		size_t a = in->n * k / slices, b = in->n * (k + 1) / slices;
		char *path = path_of(dir, "slices", k, ".txt");
		int rc;

		for (i = a; i < b; i++) {
			tp_strbuf_adds(&sb, in->v[i]);
			tp_strbuf_addch(&sb, '\n');
		}
		rc = tp_write_file_atomic(path, sb.buf ? sb.buf : "", sb.len);
		free(path);
		tp_strbuf_release(&sb);
		if (rc)
			return -1;
	}
	return 0;
}

static int progress(const struct tp_fleet_task *t, size_t n, void *arg)
{
	const struct tp_fleet_run_opts *o = arg;
	size_t i, done = 0, running = 0;

	if (!o->bar && !isatty(2))
		return 0;
	for (i = 0; i < n; i++) {
		done += t[i].state >= TP_TASK_DONE;
		running += t[i].state == TP_TASK_RUNNING;
	}
	fprintf(stderr, "\rrun --slurm: %zu/%zu slices ended, %zu running   ", done, n, running);
	return 0;
}

/* Copies what a previous invocation did not print of src to f, and records
 * the new offset in mark. */
static int copy_new(const char *src, const char *mark, FILE *f)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	long long from = 0;
	char buf[32];
	int rc = 0;

	if (!tp_read_file(mark, &sb))
		from = strtoll(sb.buf ? sb.buf : "0", NULL, 10);
	tp_strbuf_reset(&sb);
	if (tp_read_file(src, &sb)) {
		tp_strbuf_release(&sb);
		return 0;	/* the slice never started */
	}
	if ((long long)sb.len > from) {
		size_t n = sb.len - (size_t)from;

		if (fwrite(sb.buf + from, 1, n, f) != n || fflush(f))
			rc = tp_error("cannot write the output of '%s'", src);
	}
	if (!rc) {
		snprintf(buf, sizeof(buf), "%zu\n", sb.len);
		rc = tp_write_file_atomic(mark, buf, strlen(buf));
	}
	tp_strbuf_release(&sb);
	return rc;
}

struct attempt {
	char node[64];
	double t0;
};

struct node_sum {
	char name[64];
	size_t tasks, ok, failed;
	struct tp_strbuf slices;
};

static struct node_sum *node_sum_get(struct node_sum **v, size_t *n, size_t *alloc,
				     const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name))
			return &(*v)[i];
	tp_grow((void **)v, alloc, *n + 1, sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
	tp_strbuf_init(&(*v)[*n].slices);
	return &(*v)[(*n)++];
}

static size_t read_attempts(const char *dir, size_t k, struct attempt **out)
{
	char *path = path_of(dir, "state", k, ".nodes");
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t n = 0, alloc = 0;
	char *p, *save = NULL;

	*out = NULL;
	if (!tp_read_file(path, &sb) && sb.len) {
		for (p = strtok_r(sb.buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
			struct attempt a;

			if (sscanf(p, "%63s %lf", a.node, &a.t0) != 2)
				continue;
			tp_grow((void **)out, &alloc, n + 1, sizeof(**out));
			(*out)[n++] = a;
		}
	}
	tp_strbuf_release(&sb);
	free(path);
	return n;
}

static size_t count_lines(const char *path)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t i, n = 0;

	if (!tp_read_file(path, &sb))
		for (i = 0; i < sb.len; i++)
			n += sb.buf[i] == '\n';
	tp_strbuf_release(&sb);
	return n;
}

/* A task of an attempt that did not finish, failed by the signal that ended
 * the attempt (Slurm signals every process of the job, the commands too):
 * not a result of the input, so it runs again on --resume. */
static int is_casualty(json_t *rec, const struct attempt *att, size_t natt, int slice_done)
{
	json_t *st = json_object_get(rec, "status");
	json_int_t sig = json_integer_value(json_object_get(rec, "signal"));
	double start = json_number_value(json_object_get(rec, "start"));

	if (slice_done || !natt || !json_is_string(st) || !strcmp(json_string_value(st), "ok"))
		return 0;
	return (sig == SIGTERM || sig == SIGKILL || sig == SIGINT || sig == SIGCONT) &&
	       start + 1e-3 >= att[natt - 1].t0;
}

/* Drops the casualties from slice k's journal before it is resubmitted. */
static int prune_casualties(const char *dir, size_t k)
{
	char *jpath = path_of(dir, "journal", k, ".jsonl");
	struct tp_strbuf sb = TP_STRBUF_INIT, keep = TP_STRBUF_INIT;
	struct attempt *att;
	size_t natt = read_attempts(dir, k, &att), dropped = 0;
	char *p, *save = NULL;
	int rc = 0;

	if (!tp_read_file(jpath, &sb) && sb.len) {
		for (p = strtok_r(sb.buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
			json_t *rec = json_loads(p, 0, NULL);

			if (!rec) {
				dropped++;	/* torn */
				continue;
			}
			if (is_casualty(rec, att, natt, 0))
				dropped++;
			else {
				tp_strbuf_adds(&keep, p);
				tp_strbuf_addch(&keep, '\n');
			}
			json_decref(rec);
		}
		if (dropped)
			rc = tp_write_file_atomic(jpath, keep.buf ? keep.buf : "", keep.len);
	}
	tp_strbuf_release(&sb);
	tp_strbuf_release(&keep);
	free(att);
	free(jpath);
	return rc;
}

/* Reads every slice's journal: the merged journal (records with their slice
 * and node), counts per node and for the job, and the summary on stderr. */
static int collect(const char *dir, size_t slices, const struct tp_fleet_task *tasks,
		   struct tp_fleet_run_result *r)
{
	struct node_sum *nodes = NULL;
	size_t nnodes = 0, nalloc = 0, k, i;
	struct tp_strbuf merged = TP_STRBUF_INIT;
	char *path;
	int rc;

	for (k = 0; k < slices; k++) {
		char *jpath = path_of(dir, "journal", k, ".jsonl");
		char *spath = path_of(dir, "slices", k, ".txt");
		char *dpath = path_of(dir, "state", k, ".done");
		struct tp_strbuf sb = TP_STRBUF_INIT;
		struct attempt *att;
		size_t natt = read_attempts(dir, k, &att), lines = count_lines(spath), recs = 0;
		unsigned char *seen = tp_xcalloc(lines + 2, 1);
		char *p, *save = NULL;
		int slice_done = exists(dpath);

		r->inputs += lines;
		if (!tp_read_file(jpath, &sb) && sb.len) {
			for (p = strtok_r(sb.buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
				json_t *rec = json_loads(p, 0, NULL), *v;
				const char *node = "?";
				double start;
				json_int_t seq;
				int ok;
				char *line;

				if (!rec)
					continue;	/* a torn last line of a killed task */
				if (is_casualty(rec, att, natt, slice_done)) {
					json_decref(rec);
					continue;	/* runs again on --resume */
				}
				seq = json_integer_value(json_object_get(rec, "seq"));
				start = json_number_value(json_object_get(rec, "start"));
				v = json_object_get(rec, "status");
				ok = json_is_string(v) && !strcmp(json_string_value(v), "ok");
				for (i = 0; i < natt; i++)
					if (att[i].t0 <= start + 1e-3)
						node = att[i].node;
				if (seq >= 1 && (size_t)seq <= lines) {
					if (seen[seq])
						r->twice++;
					else
						recs++;
					seen[seq] = 1;
				}
				{
					struct node_sum *ns = node_sum_get(&nodes, &nnodes, &nalloc, node);
					char tag[32];

					ns->tasks++;
					ns->ok += ok;
					ns->failed += !ok;
					snprintf(tag, sizeof(tag), " %zu ", k);
					if (!ns->slices.len || !strstr(ns->slices.buf, tag)) {
						if (!ns->slices.len)
							tp_strbuf_addch(&ns->slices, ' ');
						tp_strbuf_addf(&ns->slices, "%zu ", k);
					}
				}
				r->done += ok;
				r->failed += !ok;
				json_object_set_new(rec, "slice", json_integer((json_int_t)k));
				json_object_set_new(rec, "node", json_string(node));
				line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
				if (line) {
					tp_strbuf_adds(&merged, line);
					tp_strbuf_addch(&merged, '\n');
					free(line);
				}
				json_decref(rec);
			}
		}
		if (recs < lines)
			r->missing += lines - recs;
		if (!slice_done) {
			const struct tp_fleet_task *t = tasks ? &tasks[k] : NULL;

			r->incomplete++;
			fprintf(stderr, "run --slurm: slice %zu incomplete: %zu of %zu inputs ran", k,
				recs, lines);
			if (t && *t->slurm_state)
				fprintf(stderr, " (task %s%s%s)", t->slurm_state, *t->node ? " on " : "",
					t->node);
			fputc('\n', stderr);
		}
		free(seen);
		free(att);
		tp_strbuf_release(&sb);
		free(jpath);
		free(spath);
		free(dpath);
	}
	path = tp_xasprintf("%s/journal.jsonl", dir);
	rc = tp_write_file_atomic(path, merged.buf ? merged.buf : "", merged.len);
	tp_strbuf_release(&merged);
	for (i = 0; i < nnodes; i++) {
		tp_strbuf_rtrim(&nodes[i].slices);
		fprintf(stderr, "run --slurm: node %s: %zu tasks, %zu ok, %zu failed (slices%s)\n",
			nodes[i].name, nodes[i].tasks, nodes[i].ok, nodes[i].failed,
			nodes[i].slices.buf ? nodes[i].slices.buf : "");
		tp_strbuf_release(&nodes[i].slices);
	}
	fprintf(stderr, "run --slurm: %zu inputs: %zu ok, %zu failed, %zu not run%s on %zu node%s; "
		"journal %s\n", r->inputs, r->done, r->failed, r->missing,
		r->twice ? " (some ran twice!)" : "", nnodes, nnodes == 1 ? "" : "s", path);
	free(path);
	free(nodes);
	return rc;
}

int tp_fleet_conf_for(const char *confdir, const char *node, char *path, size_t size)
{
	struct tp_probe_opts po;
	struct tp_machine m;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char *p, *idx, *save = NULL;

	path[0] = '\0';
	memset(&po, 0, sizeof(po));
	po.skip_counters = 1;
	if (!tp_machine_probe(&m, &po)) {
		p = tp_xasprintf("%s/%s.conf", confdir, m.fingerprint);
		if (exists(p))
			snprintf(path, size, "%s", p);
		free(p);
		tp_machine_release(&m);
		if (*path)
			return 0;
	}
	/* A node whose probe differs from its tuning run: what the index says. */
	idx = tp_xasprintf("%s/index.tsv", confdir);
	if (node && !tp_read_file(idx, &sb) && sb.len) {
		for (p = strtok_r(sb.buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
			char *f1 = strchr(p, '\t'), *f2 = f1 ? strchr(f1 + 1, '\t') : NULL, *f3;

			if (!f2 || (size_t)(f1 - p) != strlen(node) || strncmp(p, node, strlen(node)))
				continue;
			f3 = strchr(f2 + 1, '\t');
			snprintf(path, size, "%s/%.*s", confdir, (int)(f3 ? f3 - f2 - 1 : (long)strlen(f2 + 1)),
				 f2 + 1);
			break;
		}
	}
	tp_strbuf_release(&sb);
	free(idx);
	return 0;
}

static char *array_spec(const char *dir, size_t slices, size_t *n, int *err)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t k;

	*n = 0;
	tp_strbuf_adds(&sb, "--array=");
	for (k = 0; k < slices; k++) {
		char *d = path_of(dir, "state", k, ".done");

		if (!exists(d)) {
			*err |= prune_casualties(dir, k) != 0;
			tp_strbuf_addf(&sb, "%s%zu", *n ? "," : "", k);
			(*n)++;
		}
		free(d);
	}
	return tp_strbuf_detach(&sb);
}

/* --resume: the slices of the manifest, after checking that the command and
 * the inputs are the same and that no slice of the last job still runs. */
static int resume_slices(const char *dir, const struct tp_fleet_run_opts *o, const char *hex,
			 int have_inputs, struct manifest *man, struct tp_fleet_task **tasks,
			 size_t *slices)
{
	size_t k;

	if (read_manifest(dir, man))
		return -1;
	if (!same_command(man, o))
		return tp_usage_error("run --slurm --resume: the command differs from the one of "
				      "'%s/run.json'", dir);
	if (have_inputs && strcmp(hex, man->hash))
		return tp_usage_error("run --slurm --resume: the inputs differ from the %zu of "
				      "'%s/run.json'", man->inputs, dir);
	*slices = man->slices;
	*tasks = tp_xcalloc(*slices, sizeof(**tasks));
	if (!*man->job)
		return 0;
	/* Never resubmit a slice the last job is still running. */
	if (tp_fleet_poll(man->job, *tasks, *slices))
		return -1;
	for (k = 0; k < *slices; k++)
		if ((*tasks)[k].state == TP_TASK_PENDING || (*tasks)[k].state == TP_TASK_RUNNING)
			return tp_usage_error("run --slurm --resume: job %s still runs slice %zu; "
					      "wait for it or scancel %s", man->job, k, man->job);
	memset(*tasks, 0, *slices * sizeof(**tasks));
	return 0;
}

/* A new job: the inputs cut into slices (one per usable node unless
 * --slices), written with the manifest. */
static int new_slices(const char *dir, const struct tp_fleet_run_opts *o, const struct list *in,
		      size_t nnodes, uint64_t hash, struct tp_fleet_task **tasks, size_t *slices)
{
	if (!in->n)
		return tp_usage_error("run --slurm: no inputs");
	*slices = o->slices ? o->slices : nnodes;
	if (!*slices)
		return tp_usage_error("run --slurm: no usable node to size the slices; give --slices N");
	if (*slices > in->n)
		*slices = in->n;
	if (mkdirs(dir) || write_slices(dir, in, *slices) ||
	    write_manifest(dir, o, *slices, in->n, hash, ""))
		return -1;
	*tasks = tp_xcalloc(*slices, sizeof(**tasks));
	return 0;
}

/* Submits the slices array names ("--array=K,K..."), records the job in the
 * manifest and, unless --no-wait, waits for it (cancelling it on a signal).
 * Returns 1 when it did not wait, 0 when the job ended, -1 on an error. */
static int submit_and_wait(const char *dir, const struct tp_fleet_run_opts *o,
			   const char *array, const char *script, const char *exclude,
			   size_t nsubmit, size_t slices, size_t ninputs, uint64_t hash,
			   struct tp_fleet_task *tasks, struct tp_fleet_run_result *r)
{
	char *logdir = tp_xasprintf("%s/logs", dir);
	/* tunepool's --resume continues a slice; Slurm's requeue would too,
	 * but behind the caller's back. */
	const struct tp_fleet_array arr = {
		.array = array, .job_name = "tunepool-run", .logdir = logdir,
		.script = script, .partition = o->partition, .constraint = o->constraint,
		.exclude = exclude, .no_requeue = 1,
	};
	char *copy, *save = NULL, *t;
	size_t k;
	int w;

	w = tp_fleet_submit_array(&arr, r->jobid, sizeof(r->jobid));
	free(logdir);
	if (w || write_manifest(dir, o, slices, ninputs, hash, r->jobid))
		return -1;
	fprintf(stderr, "run --slurm: submitted job %s: %zu of %zu slices, shared %s\n",
		r->jobid, nsubmit, slices, dir);
	if (o->no_wait) {
		fprintf(stderr, "run --slurm: not waiting; continue with the same command "
			"and --resume to collect\n");
		return 1;
	}
	for (k = 0; k < slices; k++)
		tasks[k].state = TP_TASK_DONE;	/* not part of this job */
	copy = tp_xstrdup(array + strlen("--array="));
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		tasks[strtoul(t, NULL, 10)].state = TP_TASK_PENDING;
	free(copy);
	w = tp_fleet_wait(r->jobid, tasks, slices, o->poll_max_s, progress, (void *)o);
	if (o->bar || isatty(2))
		fputc('\n', stderr);
	if (w < 0)
		return -1;
	if (w == 1) {
		tp_fleet_scancel(r->jobid);
		r->interrupted = 1;
		tp_warn("interrupted: job %s cancelled; the journals keep what finished, "
			"--resume continues", r->jobid);
	}
	return 0;
}

/* Outputs and the stderr of each slice, what this caller has not seen yet. */
static int print_new_outputs(const char *dir, size_t slices)
{
	size_t k;

	for (k = 0; k < slices; k++) {
		char *src = path_of(dir, "out", k, ".out"), *mark = path_of(dir, "state", k, ".printed");
		char *esrc = path_of(dir, "out", k, ".err"), *emark = path_of(dir, "state", k, ".eprinted");
		int e = copy_new(src, mark, stdout) || copy_new(esrc, emark, stderr);

		free(src);
		free(mark);
		free(esrc);
		free(emark);
		if (e)
			return -1;
	}
	return 0;
}

/* The shared directory, made and resolved; a new job refuses one that holds
 * an earlier job. */
static char *shared_dir(const struct tp_fleet_run_opts *o)
{
	char *dir, *manifest;

	if (mkdir(o->dir, 0755) && errno != EEXIST) {
		tp_error("cannot create '%s': %s", o->dir, strerror(errno));
		return NULL;
	}
	dir = realpath(o->dir, NULL);
	if (!dir) {
		tp_error("cannot resolve '%s': %s", o->dir, strerror(errno));
		return NULL;
	}
	manifest = tp_xasprintf("%s/run.json", dir);
	if (!o->resume && exists(manifest)) {
		tp_usage_error("run --slurm: '%s' holds an earlier job; continue it with --resume "
			       "or give another --shared DIR", dir);
		free(dir);
		dir = NULL;
	}
	free(manifest);
	return dir;
}

int tp_fleet_run(const struct tp_fleet_run_opts *o, struct tp_fleet_run_result *r)
{
	struct list in = { 0 };
	struct manifest man = { 0 };
	struct tp_strbuf sb = TP_STRBUF_INIT;
	struct tp_fleet_task *tasks = NULL;
	char *dir = NULL, *script = NULL, *array = NULL, *exclude = NULL, **names = NULL;
	char hex[32];
	size_t nnodes = 0, slices = 0, nsubmit;
	uint64_t hash = 0;
	int rc = -1, w, have_inputs;
	struct tp_fleet_run_opts abs = *o;
	char *confs = NULL;

	memset(r, 0, sizeof(*r));
	/* The nodes start in the submit directory, but say where the confs are. */
	if (o->confs) {
		confs = realpath(o->confs, NULL);
		if (!confs)
			return tp_usage_error("run --slurm: cannot use --confs '%s': %s", o->confs,
					      strerror(errno));
		abs.confs = confs;
		o = &abs;
	}
	have_inputs = o->nargs || o->inputs_file;
	if (have_inputs && read_inputs(o, &in))
		goto out;
	if (!(dir = shared_dir(o)))
		goto out;
	script = tp_xasprintf("%s/run.sh", dir);
	hash = inputs_hash(&in);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);

	if (o->nodes) {
		names = tp_fleet_hostnames(o->nodes, &nnodes);
		if (!names || !(exclude = tp_fleet_exclude_for(o->partition, names, nnodes)))
			goto out;
	} else if (!o->resume) {
		names = tp_fleet_usable_nodes(o->partition, o->constraint &&
					      !o->constraint[strcspn(o->constraint, "&|[]*,!")] ?
					      o->constraint : NULL, &nnodes);
		if (!names)
			goto out;
	}
	if (o->resume ? resume_slices(dir, o, hex, have_inputs, &man, &tasks, &slices)
		      : new_slices(dir, o, &in, nnodes, hash, &tasks, &slices))
		goto out;
	r->slices = slices;
	write_script(&sb, o, dir);
	if (tp_write_file_atomic(script, sb.buf, sb.len))
		goto out;
	w = 0;
	array = array_spec(dir, slices, &nsubmit, &w);
	if (w)
		goto out;
	if (nsubmit) {
		w = submit_and_wait(dir, o, array, script, exclude, nsubmit, slices,
				    o->resume ? man.inputs : in.n,
				    o->resume ? strtoull(man.hash, NULL, 16) : hash, tasks, r);
		if (w) {
			rc = w > 0 ? 0 : -1;
			goto out;
		}
	}
	if (print_new_outputs(dir, slices) || collect(dir, slices, tasks, r))
		goto out;
	if (r->incomplete)
		fprintf(stderr, "run --slurm: %zu slice%s did not finish; continue with the same "
			"command and --resume\n", r->incomplete, r->incomplete == 1 ? "" : "s");
	rc = 0;
out:
	list_free(&in);
	json_decref(man.command);
	tp_strbuf_release(&sb);
	tp_fleet_names_free(names);
	free(tasks);
	free(dir);
	free(script);
	free(array);
	free(exclude);
	free(confs);
	return rc;
}
