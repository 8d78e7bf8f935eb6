/* Reading result files for the history: tunepool results, hyperfine exports,
 * the content hash, the file's date and the git commit of the working tree. */
#include "history/ingest.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/results.h"
#include "core/strbuf.h"
#include "probes/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void hash_hex(const char *s, char out[17])
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a 64 */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* This machine's fingerprint, probed once per process. */
static const char *local_fingerprint(void)
{
	static char fp[17];

	if (!*fp) {
		struct tp_probe_opts po = { .skip_counters = 1 };
		struct tp_machine m;

		if (tp_machine_probe(&m, &po) == 0) {
			snprintf(fp, sizeof(fp), "%s", m.fingerprint);
			tp_machine_release(&m);
		}
		if (!*fp)
			snprintf(fp, sizeof(fp), "unknown");
	}
	return fp;
}

int tp_history_read_hyperfine(struct tp_results *r, const json_t *doc, const char *path)
{
	json_t *results = json_object_get(doc, "results"), *res;
	struct tp_strbuf cmds = TP_STRBUF_INIT;
	size_t i, j;

	if (!json_is_array(results) || !json_array_size(results))
		return tp_usage_error("cannot read '%s': results is not a non-empty array "
				      "(not a hyperfine --export-json file)", path);
	json_array_foreach(results, i, res) {
		json_t *cmd = json_object_get(res, "command"), *times = json_object_get(res, "times");
		json_t *params = json_object_get(res, "parameters"), *t;
		struct tp_config cfg = { .workers = (int)i + 1, .batch = 1 };
		struct tp_trial *trial;

		if (!json_is_string(cmd)) {
			tp_strbuf_release(&cmds);
			return tp_usage_error("cannot read '%s': results[%zu].command is not a "
					      "string", path, i);
		}
		if (!json_is_array(times) || !json_array_size(times)) {
			tp_strbuf_release(&cmds);
			return tp_usage_error("cannot read '%s': results[%zu].times is not a "
					      "non-empty array (export with hyperfine --export-json)",
					      path, i);
		}
		if (json_is_object(params)) {
			const char *k;
			json_t *v;

			json_object_foreach(params, k, v) {
				const char *s = json_string_value(v);
				char *end;
				long w;

				if (!s)
					continue;
				errno = 0;
				w = strtol(s, &end, 10);
				if (!errno && end != s && !*end && w > 0 && w < 1000000) {
					cfg.workers = (int)w;
					break;
				}
			}
		}
		snprintf(cfg.strategy, sizeof(cfg.strategy), "exec");
		trial = tp_results_trial(r, &cfg);
		json_array_foreach(times, j, t) {
			struct tp_repeat rep;

			memset(&rep, 0, sizeof(rep));
			if (!json_is_number(t) || !(json_number_value(t) > 0)) {
				tp_strbuf_release(&cmds);
				return tp_usage_error("cannot read '%s': results[%zu].times[%zu] is not "
						      "a positive number", path, i, j);
			}
			rep.wall_s = json_number_value(t);
			rep.tasks = 1;
			rep.throughput = 1 / rep.wall_s;
			tp_trial_add_repeat(trial, &rep);
		}
		tp_trial_update_stats(trial);
		if (i)
			tp_strbuf_adds(&cmds, " ; ");
		tp_strbuf_adds(&cmds, json_string_value(cmd));
	}
	r->schema = 1;
	r->tool_version = tp_xstrdup("hyperfine");
	r->workload_name = tp_xstrdup("hyperfine");
	r->workload_options = tp_strbuf_detach(&cmds);
	return 0;
}

static int valid_doc_fingerprint(const json_t *machine, char *out, size_t size)
{
	const char *fp = json_string_value(json_object_get(machine, "fingerprint"));

	if (!fp || !*fp)
		return 0;
	snprintf(out, size, "%s", fp);
	return 1;
}

int tp_history_item_load(struct tp_history_item *it, const char *path)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	json_error_t err;
	json_t *doc;
	struct stat st;
	char *sorted;
	int ret;

	memset(it, 0, sizeof(*it));
	tp_results_init(&it->r);
	if (tp_read_input(path, TP_RESULTS_MAX, "a results file", &sb) < 0)
		return -1;
	if (fstatat(AT_FDCWD, path, &st, 0) < 0) {
		tp_strbuf_release(&sb);
		return tp_error("cannot read '%s': %s", path, strerror(errno));
	}
	doc = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, &err);
	tp_strbuf_release(&sb);
	if (!doc)
		return tp_usage_error("cannot read '%s': line %d column %d: %s", path, err.line,
				      err.column, err.text);
	if (json_is_object(doc) && !json_object_get(doc, "trials") &&
	    json_object_get(doc, "results")) {
		ret = tp_history_read_hyperfine(&it->r, doc, path);
		it->kind = tp_xstrdup("hyperfine");
	} else {
		ret = tp_results_from_json(&it->r, doc, path);
		if (!ret && !it->r.ntrials)
			ret = tp_usage_error("cannot read '%s': trials is empty: nothing to keep",
					     path);
		if (!ret)
			it->kind = tp_xstrdup(it->r.rec.present ? "tune" :
					      it->r.ntimeline ? "run" : "bench");
	}
	if (ret) {
		json_decref(doc);
		tp_history_item_release(it);
		return -1;
	}
	it->document = json_dumps(doc, JSON_COMPACT);
	sorted = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!it->document || !sorted)
		TP_BUG("json_dumps of a parsed document failed");
	hash_hex(sorted, it->hash);
	free(sorted);
	if (!it->r.machine || !valid_doc_fingerprint(it->r.machine, it->machine_class,
						    sizeof(it->machine_class)))
		snprintf(it->machine_class, sizeof(it->machine_class), "%s", local_fingerprint());
	strftime(it->date, sizeof(it->date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&st.st_mtime));
	return 0;
}

void tp_history_item_release(struct tp_history_item *it)
{
	tp_results_release(&it->r);
	free(it->kind);
	free(it->document);
	memset(it, 0, sizeof(*it));
	tp_results_init(&it->r);
}

/* Runs git with args in the current folder; its first output line into out. */
static void git_line(const char *a1, const char *a2, const char *a3, char *out, size_t size)
{
	char *argv[] = { "git", (char *)a1, (char *)a2, (char *)a3, NULL };
	posix_spawn_file_actions_t fa;
	char buf[512];
	size_t len = 0;
	int fds[2], status = 1;
	ssize_t n;
	pid_t pid;

	*out = '\0';
	if (pipe2(fds, O_CLOEXEC))
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "git", &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (len + 1 < sizeof(buf) && (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	close(fds[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return;
	buf[strcspn(buf, "\r\n")] = '\0';
	snprintf(out, size, "%s", buf);
}

void tp_history_git_info(char *commit, size_t csize, char *branch, size_t bsize)
{
	git_line("rev-parse", "--verify", "HEAD", commit, csize);
	git_line("rev-parse", "--abbrev-ref", "HEAD", branch, bsize);
	if (!strcmp(branch, "HEAD"))	/* detached: no branch */
		*branch = '\0';
}
