/* The results model (machine, workload, trials, model, recommendation,
 * timeline) and its JSON and CSV forms, read and written only here. */
#include "core/results.h"
#include "core/registry.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Indexed by enum tp_objective. */
static const struct tp_named objectives[] = {
	{ "throughput", "tasks per second, higher is better (default)" },
	{ "latency", "p95 task latency, lower is better" },
	{ "efficiency", "throughput per worker: the most work from the fewest workers" },
};
static const struct tp_named *const objective_table[] = {
	&objectives[TP_OBJ_THROUGHPUT], &objectives[TP_OBJ_LATENCY], &objectives[TP_OBJ_EFFICIENCY],
};
#define NOBJECTIVES (sizeof(objective_table) / sizeof(objective_table[0]))

const void *const *tp_objective_table(size_t *n)
{
	*n = NOBJECTIVES;
	return (const void *const *)objective_table;
}

int tp_objective_parse(const char *s, enum tp_objective *out)
{
	size_t i;

	for (i = 0; i < NOBJECTIVES; i++) {
		if (!strcmp(s, objectives[i].name)) {
			*out = (enum tp_objective)i;
			return 0;
		}
	}
	return -1;
}

const char *tp_objective_name(enum tp_objective o)
{
	return objectives[o].name;
}

enum tp_objective tp_recommendation_objective(const struct tp_recommendation *r)
{
	enum tp_objective o = TP_OBJ_THROUGHPUT;

	return r->objective[0] && !tp_objective_parse(r->objective, &o) ? o : TP_OBJ_THROUGHPUT;
}

static const char *const model_kinds[] = { "", "usl", "amdahl" };	/* by enum tp_model_kind */

enum tp_model_kind tp_model_kind_of(const struct tp_model *m)
{
	if (!strcmp(m->kind, model_kinds[TP_MODEL_USL]))
		return TP_MODEL_USL;
	if (!strcmp(m->kind, model_kinds[TP_MODEL_AMDAHL]))
		return TP_MODEL_AMDAHL;
	return TP_MODEL_NONE;
}

const char *tp_model_kind_name(enum tp_model_kind k)
{
	return model_kinds[k];
}

#ifndef TP_VERSION
#define TP_VERSION "0"
#endif

#define PATH_MAX_LEN 160
/* Every digit a double needs, so that reading what was written is exact. */
#define REAL_DIGITS 17

void tp_results_init(struct tp_results *r)
{
	memset(r, 0, sizeof(*r));
	r->schema = TP_RESULTS_SCHEMA;
}

static void repeat_release(struct tp_repeat *rep)
{
	free(rep->counters);
	rep->counters = NULL;
	rep->ncounters = 0;
}

void tp_results_release(struct tp_results *r)
{
	size_t i, j;

	free(r->tool_version);
	if (r->machine)
		json_decref(r->machine);
	if (r->run_summary)
		json_decref(r->run_summary);
	free(r->workload_name);
	free(r->workload_options);
	free(r->input_signature);
	for (i = 0; i < r->ntrials; i++) {
		for (j = 0; j < r->trials[i].nrepeats; j++)
			repeat_release(&r->trials[i].repeats[j]);
		free(r->trials[i].repeats);
	}
	free(r->trials);
	free(r->rec.near);
	free(r->timeline);
	tp_results_init(r);
}

int tp_config_equal(const struct tp_config *a, const struct tp_config *b)
{
	return a->workers == b->workers && a->batch == b->batch &&
	       !strcmp(a->strategy, b->strategy) && !strcmp(a->start, b->start) &&
	       !strcmp(a->command, b->command);
}

const struct tp_trial *tp_results_find_trial(const struct tp_results *r, const struct tp_config *c)
{
	size_t i;

	for (i = 0; i < r->ntrials; i++)
		if (tp_config_equal(&r->trials[i].config, c))
			return &r->trials[i];
	return NULL;
}

const char *tp_config_format(const struct tp_config *c, char *buf, size_t size)
{
	/* A long command is cut short: this is for people, not a key. */
	if (snprintf(buf, size, "w=%d b=%d %s%s%s%s%s", c->workers, c->batch, c->strategy,
		     *c->start ? "/" : "", c->start, *c->command ? ": " : "", c->command) < 0 && size)
		buf[0] = '\0';
	return buf;
}

struct tp_trial *tp_results_trial(struct tp_results *r, const struct tp_config *c)
{
	struct tp_trial *t;
	size_t i;

	for (i = 0; i < r->ntrials; i++)
		if (tp_config_equal(&r->trials[i].config, c))
			return &r->trials[i];
	tp_grow((void **)&r->trials, &r->alloc, r->ntrials + 1, sizeof(*r->trials));
	t = &r->trials[r->ntrials++];
	memset(t, 0, sizeof(*t));
	t->config = *c;
	t->stats.median = t->stats.ci_low = t->stats.ci_high = t->stats.mad = NAN;
	return t;
}

void tp_trial_add_repeat(struct tp_trial *t, const struct tp_repeat *rep)
{
	struct tp_repeat *dst;

	tp_grow((void **)&t->repeats, &t->alloc, t->nrepeats + 1, sizeof(*t->repeats));
	dst = &t->repeats[t->nrepeats++];
	*dst = *rep;
	if (rep->ncounters) {
		dst->counters = tp_xmalloc(rep->ncounters * sizeof(*dst->counters));
		memcpy(dst->counters, rep->counters, rep->ncounters * sizeof(*dst->counters));
	} else {
		dst->counters = NULL;
	}
}

void tp_trial_update_stats(struct tp_trial *t)
{
	double *v = tp_xmalloc((t->nrepeats ? t->nrepeats : 1) * sizeof(*v));
	int *flags = tp_xcalloc(t->nrepeats ? t->nrepeats : 1, sizeof(*flags));
	size_t i;

	for (i = 0; i < t->nrepeats; i++)
		v[i] = t->repeats[i].throughput;
	tp_stats_summarize(v, t->nrepeats, &t->stats);
	tp_stats_outliers(v, t->nrepeats, flags);
	for (i = 0; i < t->nrepeats; i++)
		t->repeats[i].outlier = flags[i];
	free(v);
	free(flags);
}

void tp_results_add_timeline(struct tp_results *r, const struct tp_timeline_point *p)
{
	tp_grow((void **)&r->timeline, &r->timeline_alloc, r->ntimeline + 1,
		sizeof(*r->timeline));
	r->timeline[r->ntimeline++] = *p;
}

/* ---- writing ---- */

/* JSON has no NaN or infinity: unknown values are written as null. */
static json_t *real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *config_to_json(const struct tp_config *c)
{
	json_t *o = json_pack("{s:i, s:i, s:s, s:s}", "workers", c->workers, "batch", c->batch,
			      "strategy", c->strategy, "start", c->start);

	if (*c->command)
		json_object_set_new(o, "command", json_string(c->command));
	return o;
}

static json_t *repeat_to_json(const struct tp_repeat *p)
{
	json_t *o = json_object(), *counters = json_object();
	size_t i;

	json_object_set_new(o, "wall_s", real_or_null(p->wall_s));
	json_object_set_new(o, "tasks", json_integer(p->tasks));
	json_object_set_new(o, "throughput", real_or_null(p->throughput));
	json_object_set_new(o, "cpu_user_s", real_or_null(p->cpu_user_s));
	json_object_set_new(o, "cpu_sys_s", real_or_null(p->cpu_sys_s));
	json_object_set_new(o, "cpu_util", real_or_null(p->cpu_util));
	json_object_set_new(o, "rss_peak_kb", json_integer(p->rss_peak_kb));
	json_object_set_new(o, "ctx_switches", json_integer(p->ctx_switches));
	json_object_set_new(o, "ctx_voluntary", json_integer(p->ctx_voluntary));
	json_object_set_new(o, "ctx_involuntary", json_integer(p->ctx_involuntary));
	json_object_set_new(o, "lat_p50_s", real_or_null(p->lat_p50_s));
	json_object_set_new(o, "lat_p95_s", real_or_null(p->lat_p95_s));
	json_object_set_new(o, "lat_p99_s", real_or_null(p->lat_p99_s));
	json_object_set_new(o, "failures", json_integer(p->failures));
	json_object_set_new(o, "outlier", json_boolean(p->outlier));
	for (i = 0; i < p->ncounters; i++)
		json_object_set_new(counters, p->counters[i].name,
				    real_or_null(p->counters[i].value));
	json_object_set_new(o, "counters", counters);
	if (p->counters_source[0])
		json_object_set_new(o, "counters_source", json_string(p->counters_source));
	return o;
}

static json_t *stats_to_json(const struct tp_stats *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	json_object_set_new(o, "median", real_or_null(s->median));
	json_object_set_new(o, "ci_low", real_or_null(s->ci_low));
	json_object_set_new(o, "ci_high", real_or_null(s->ci_high));
	json_object_set_new(o, "mad", real_or_null(s->mad));
	json_object_set_new(o, "outliers", json_integer(s->outliers));
	return o;
}

static json_t *model_to_json(const struct tp_model *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", json_string(m->kind));
	json_object_set_new(o, "lambda", real_or_null(m->lambda));
	json_object_set_new(o, "sigma", real_or_null(m->sigma));
	json_object_set_new(o, "kappa", real_or_null(m->kappa));
	json_object_set_new(o, "peak_workers", real_or_null(m->peak_workers));
	json_object_set_new(o, "r2", real_or_null(m->r2));
	json_object_set_new(o, "points", json_integer(m->points));
	return o;
}

static json_t *rec_to_json(const struct tp_recommendation *rec)
{
	json_t *o = json_object(), *near = json_array();
	size_t i;

	json_object_set_new(o, "config", config_to_json(&rec->config));
	json_object_set_new(o, "objective", json_string(rec->objective));
	json_object_set_new(o, "value", real_or_null(rec->value));
	json_object_set_new(o, "ci_low", real_or_null(rec->ci_low));
	json_object_set_new(o, "ci_high", real_or_null(rec->ci_high));
	for (i = 0; i < rec->nnear; i++)
		json_array_append_new(near, config_to_json(&rec->near[i]));
	json_object_set_new(o, "near_equivalent", near);
	json_object_set_new(o, "complete", json_boolean(!rec->incomplete));
	return o;
}

static json_t *timeline_to_json(const struct tp_timeline_point *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "t_s", real_or_null(p->t_s));
	json_object_set_new(o, "workers", json_integer(p->workers));
	json_object_set_new(o, "throughput", real_or_null(p->throughput));
	json_object_set_new(o, "cpu_busy", real_or_null(p->cpu_busy));
	json_object_set_new(o, "mem_pressure", real_or_null(p->mem_pressure));
	json_object_set_new(o, "queue_depth", real_or_null(p->queue_depth));
	return o;
}

json_t *tp_results_to_json(const struct tp_results *r)
{
	json_t *doc = json_object(), *trials = json_array();
	size_t i, j;

	json_object_set_new(doc, "schema", json_integer(TP_RESULTS_SCHEMA));
	json_object_set_new(doc, "tool", json_pack("{s:s, s:s}", "name", "tunepool", "version",
						   r->tool_version ? r->tool_version : TP_VERSION));
	json_object_set(doc, "machine", r->machine ? r->machine : json_null());
	json_object_set_new(doc, "workload",
			    json_pack("{s:s, s:s, s:s}",
				      "name", r->workload_name ? r->workload_name : "",
				      "options", r->workload_options ? r->workload_options : "",
				      "input_signature", r->input_signature ? r->input_signature : ""));
	for (i = 0; i < r->ntrials; i++) {
		const struct tp_trial *t = &r->trials[i];
		json_t *reps = json_array();

		for (j = 0; j < t->nrepeats; j++)
			json_array_append_new(reps, repeat_to_json(&t->repeats[j]));
		json_array_append_new(trials, json_pack("{s:o, s:o, s:o}",
							"config", config_to_json(&t->config),
							"repeats", reps,
							"stats", stats_to_json(&t->stats)));
	}
	json_object_set_new(doc, "trials", trials);
	json_object_set_new(doc, "model", model_to_json(&r->model));
	json_object_set_new(doc, "recommendation",
			    r->rec.present ? rec_to_json(&r->rec) : json_null());
	if (r->ntimeline) {
		json_t *tl = json_array();

		for (i = 0; i < r->ntimeline; i++)
			json_array_append_new(tl, timeline_to_json(&r->timeline[i]));
		json_object_set_new(doc, "timeline", tl);
	}
	if (r->run_summary)
		json_object_set(doc, "summary", r->run_summary);
	return doc;
}

int tp_results_write(const struct tp_results *r, const char *path)
{
	json_t *doc = tp_results_to_json(r);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				     JSON_REAL_PRECISION(REAL_DIGITS));
	int ret;

	json_decref(doc);
	if (!text)
		return tp_error("cannot write '%s': cannot encode the results", path);
	{
		size_t len = strlen(text);
		char *withnl = tp_xmalloc(len + 2);

		memcpy(withnl, text, len);
		withnl[len] = '\n';
		withnl[len + 1] = '\0';
		ret = tp_write_file_atomic(path, withnl, len + 1);
		free(withnl);
	}
	free(text);
	return ret;
}

/* ---- reading ---- */

struct reader {
	const char *file;
	char path[PATH_MAX_LEN];	/* field path of the current object, "" at top */
};

static int bad(const struct reader *rd, const char *key, const char *what)
{
	return tp_usage_error("cannot read '%s': %s%s%s %s", rd->file, rd->path,
			      *rd->path && key && *key ? "." : "", key ? key : "", what);
}

/* Pushes ".key" or ".key[i]" onto the path; returns the old length for pop(). */
static size_t push(struct reader *rd, const char *key, long idx)
{
	size_t len = strlen(rd->path);
	const char *dot = len && key && *key ? "." : "";

	if (idx >= 0)
		snprintf(rd->path + len, sizeof(rd->path) - len, "%s%s[%ld]", dot,
			 key ? key : "", idx);
	else
		snprintf(rd->path + len, sizeof(rd->path) - len, "%s%s", dot, key);
	return len;
}

static void pop(struct reader *rd, size_t len)
{
	rd->path[len] = '\0';
}

/* The member key of o, of type wanted; optional members may be absent. */
static json_t *member(const struct reader *rd, const json_t *o, const char *key, int required)
{
	json_t *v = json_object_get(o, key);

	if (!v && required)
		bad(rd, key, "is missing");
	return v;
}

static int get_double(const struct reader *rd, const json_t *o, const char *key,
		      int required, double *out)
{
	json_t *v = member(rd, o, key, required);

	if (!v) {
		if (required)
			return -1;
		*out = NAN;
		return 0;
	}
	if (json_is_null(v) && !required) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(v))
		return bad(rd, key, "is not a number");
	*out = json_number_value(v);
	return 0;
}

static int get_nonneg_double(const struct reader *rd, const json_t *o, const char *key,
			     int required, double *out)
{
	if (get_double(rd, o, key, required, out) < 0)
		return -1;
	if (*out < 0) {
		char what[64];

		snprintf(what, sizeof(what), "is %g, not a number >= 0", *out);
		return bad(rd, key, what);
	}
	return 0;
}

static int get_int(const struct reader *rd, const json_t *o, const char *key,
		   int required, long long min, long long *out)
{
	json_t *v = member(rd, o, key, required);
	double d;

	*out = 0;
	if (!v)
		return required ? -1 : 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else if (json_is_real(v) && (d = json_real_value(v), d == floor(d)) &&
		   fabs(d) < 9e15) {
		*out = (long long)d;
	} else {
		return bad(rd, key, "is not an integer");
	}
	if (*out < min) {
		char what[64];

		snprintf(what, sizeof(what), "is %lld, not an integer >= %lld", *out, min);
		return bad(rd, key, what);
	}
	return 0;
}

static int get_string(const struct reader *rd, const json_t *o, const char *key,
		      int required, char *buf, size_t size, char **dup)
{
	json_t *v = member(rd, o, key, required);
	const char *s;

	if (!v) {
		if (required)
			return -1;
		s = "";
	} else if (!json_is_string(v)) {
		return bad(rd, key, "is not a string");
	} else {
		s = json_string_value(v);
	}
	if (buf) {
		if (strlen(s) >= size)
			return bad(rd, key, "is too long");
		strcpy(buf, s);
	}
	if (dup)
		*dup = tp_xstrdup(s);
	return 0;
}

static int get_object(const struct reader *rd, const json_t *o, const char *key,
		      int required, json_t **out)
{
	json_t *v = member(rd, o, key, required);

	*out = NULL;
	if (!v)
		return required ? -1 : 0;
	if (json_is_null(v) && !required)
		return 0;
	if (!json_is_object(v))
		return bad(rd, key, "is not an object");
	*out = v;
	return 0;
}

static int get_array(const struct reader *rd, const json_t *o, const char *key,
		     int required, json_t **out)
{
	json_t *v = member(rd, o, key, required);

	*out = NULL;
	if (!v)
		return required ? -1 : 0;
	if (!json_is_array(v))
		return bad(rd, key, "is not an array");
	*out = v;
	return 0;
}

static int read_config(struct reader *rd, const json_t *o, struct tp_config *c)
{
	long long w, b;

	if (get_int(rd, o, "workers", 1, 1, &w) < 0 || get_int(rd, o, "batch", 1, 1, &b) < 0 ||
	    get_string(rd, o, "strategy", 1, c->strategy, sizeof(c->strategy), NULL) < 0 ||
	    get_string(rd, o, "start", 0, c->start, sizeof(c->start), NULL) < 0 ||
	    get_string(rd, o, "command", 0, c->command, sizeof(c->command), NULL) < 0)
		return -1;
	if (w > 1000000 || b > 1000000000)
		return bad(rd, w > 1000000 ? "workers" : "batch", "is out of range");
	c->workers = (int)w;
	c->batch = (int)b;
	return 0;
}

static int read_repeat(struct reader *rd, const json_t *o, struct tp_repeat *p)
{
	json_t *counters, *v;
	const char *name;
	long long outlier_int;

	memset(p, 0, sizeof(*p));
	if (get_nonneg_double(rd, o, "wall_s", 1, &p->wall_s) < 0 ||
	    get_int(rd, o, "tasks", 1, 0, &p->tasks) < 0 ||
	    get_nonneg_double(rd, o, "throughput", 1, &p->throughput) < 0 ||
	    get_nonneg_double(rd, o, "cpu_user_s", 1, &p->cpu_user_s) < 0 ||
	    get_nonneg_double(rd, o, "cpu_sys_s", 1, &p->cpu_sys_s) < 0 ||
	    get_int(rd, o, "rss_peak_kb", 1, 0, &p->rss_peak_kb) < 0 ||
	    get_int(rd, o, "ctx_switches", 1, 0, &p->ctx_switches) < 0 ||
	    get_int(rd, o, "failures", 1, 0, &p->failures) < 0 ||
	    get_object(rd, o, "counters", 1, &counters) < 0 ||
	    get_nonneg_double(rd, o, "cpu_util", 0, &p->cpu_util) < 0 ||
	    get_int(rd, o, "ctx_voluntary", 0, 0, &p->ctx_voluntary) < 0 ||
	    get_int(rd, o, "ctx_involuntary", 0, 0, &p->ctx_involuntary) < 0 ||
	    get_nonneg_double(rd, o, "lat_p50_s", 0, &p->lat_p50_s) < 0 ||
	    get_nonneg_double(rd, o, "lat_p95_s", 0, &p->lat_p95_s) < 0 ||
	    get_nonneg_double(rd, o, "lat_p99_s", 0, &p->lat_p99_s) < 0)
		return -1;
	if ((v = json_object_get(o, "outlier")) && json_is_boolean(v)) {
		p->outlier = json_is_true(v);
	} else if (v) {
		if (get_int(rd, o, "outlier", 0, 0, &outlier_int) < 0)
			return -1;
		p->outlier = outlier_int != 0;
	}
	if (!json_object_get(o, "cpu_util"))
		p->cpu_util = NAN;
	if ((v = json_object_get(o, "counters_source")) && json_is_string(v))
		snprintf(p->counters_source, sizeof(p->counters_source), "%s", json_string_value(v));
	if (json_object_size(counters)) {
		size_t i = 0, len = push(rd, "counters", -1);

		p->counters = tp_xcalloc(json_object_size(counters), sizeof(*p->counters));
		json_object_foreach(counters, name, v) {
			if (strlen(name) >= sizeof(p->counters[0].name)) {
				bad(rd, name, "is too long a counter name");
				goto fail;
			}
			if (!json_is_number(v) && !json_is_null(v)) {
				bad(rd, name, "is not a number");
				goto fail;
			}
			strcpy(p->counters[i].name, name);
			p->counters[i].value = json_is_null(v) ? NAN : json_number_value(v);
			i++;
		}
		p->ncounters = i;
		pop(rd, len);
		return 0;
fail:
		pop(rd, len);
		free(p->counters);
		p->counters = NULL;
		return -1;
	}
	return 0;
}

static int read_stats(struct reader *rd, const json_t *o, struct tp_stats *s)
{
	long long n, outliers;

	if (get_double(rd, o, "median", 1, &s->median) < 0 ||
	    get_double(rd, o, "ci_low", 1, &s->ci_low) < 0 ||
	    get_double(rd, o, "ci_high", 1, &s->ci_high) < 0 ||
	    get_double(rd, o, "mad", 1, &s->mad) < 0 ||
	    get_int(rd, o, "outliers", 1, 0, &outliers) < 0 ||
	    get_int(rd, o, "n", 0, 0, &n) < 0)
		return -1;
	s->outliers = (int)outliers;
	if (json_object_get(o, "n"))
		s->n = (size_t)n;
	return 0;
}

static int read_trial(struct reader *rd, struct tp_results *r, const json_t *o)
{
	struct tp_config c;
	struct tp_trial *t;
	json_t *cfg, *reps, *stats, *v;
	size_t i, len;
	char cfg_text[128], buf[200];

	memset(&c, 0, sizeof(c));
	if (get_object(rd, o, "config", 1, &cfg) < 0 || get_array(rd, o, "repeats", 1, &reps) < 0 ||
	    get_object(rd, o, "stats", 0, &stats) < 0)
		return -1;
	len = push(rd, "config", -1);
	if (read_config(rd, cfg, &c) < 0)
		return -1;
	pop(rd, len);
	for (i = 0; i < r->ntrials; i++)
		if (tp_config_equal(&r->trials[i].config, &c)) {
			snprintf(buf, sizeof(buf), "repeats the config %s of trials[%zu]",
				 tp_config_format(&c, cfg_text, sizeof(cfg_text)), i);
			return bad(rd, "config", buf);
		}
	t = tp_results_trial(r, &c);
	json_array_foreach(reps, i, v) {
		struct tp_repeat rep;

		len = push(rd, "repeats", (long)i);
		if (!json_is_object(v))
			return bad(rd, NULL, "is not an object");
		if (read_repeat(rd, v, &rep) < 0)
			return -1;
		pop(rd, len);
		/* take ownership of rep.counters instead of copying */
		tp_grow((void **)&t->repeats, &t->alloc, t->nrepeats + 1, sizeof(*t->repeats));
		t->repeats[t->nrepeats++] = rep;
	}
	if (stats) {
		len = push(rd, "stats", -1);
		if (read_stats(rd, stats, &t->stats) < 0)
			return -1;
		pop(rd, len);
		t->stats.n = t->nrepeats;
	} else {
		/* Hand-written files may leave the summary to us. */
		double *tp = tp_xmalloc((t->nrepeats ? t->nrepeats : 1) * sizeof(*tp));

		for (i = 0; i < t->nrepeats; i++)
			tp[i] = t->repeats[i].throughput;
		tp_stats_summarize(tp, t->nrepeats, &t->stats);
		free(tp);
	}
	return 0;
}

static int read_model(struct reader *rd, const json_t *o, struct tp_model *m)
{
	long long points;

	if (get_string(rd, o, "kind", 0, m->kind, sizeof(m->kind), NULL) < 0 ||
	    get_double(rd, o, "lambda", 0, &m->lambda) < 0 ||
	    get_double(rd, o, "sigma", 0, &m->sigma) < 0 ||
	    get_double(rd, o, "kappa", 0, &m->kappa) < 0 ||
	    get_double(rd, o, "peak_workers", 0, &m->peak_workers) < 0 ||
	    get_double(rd, o, "r2", 0, &m->r2) < 0 ||
	    get_int(rd, o, "points", 0, 0, &points) < 0)
		return -1;
	m->points = (int)points;
	return 0;
}

static int read_rec(struct reader *rd, const json_t *o, struct tp_recommendation *rec)
{
	json_t *cfg, *near, *v;
	size_t i, len;

	if (get_object(rd, o, "config", 1, &cfg) < 0 ||
	    get_string(rd, o, "objective", 1, rec->objective, sizeof(rec->objective), NULL) < 0 ||
	    get_double(rd, o, "value", 0, &rec->value) < 0 ||
	    get_double(rd, o, "ci_low", 0, &rec->ci_low) < 0 ||
	    get_double(rd, o, "ci_high", 0, &rec->ci_high) < 0 ||
	    get_array(rd, o, "near_equivalent", 0, &near) < 0)
		return -1;
	len = push(rd, "config", -1);
	if (read_config(rd, cfg, &rec->config) < 0)
		return -1;
	pop(rd, len);
	rec->present = 1;
	v = json_object_get(o, "complete");
	rec->incomplete = v && json_is_false(v);
	if (!near || !json_array_size(near))
		return 0;
	rec->near = tp_xcalloc(json_array_size(near), sizeof(*rec->near));
	json_array_foreach(near, i, v) {
		len = push(rd, "near_equivalent", (long)i);
		if (!json_is_object(v))
			return bad(rd, NULL, "is not an object");
		if (read_config(rd, v, &rec->near[i]) < 0)
			return -1;
		pop(rd, len);
		rec->nnear = i + 1;
	}
	return 0;
}

static int read_timeline_point(struct reader *rd, const json_t *o,
			       struct tp_timeline_point *p)
{
	long long workers;

	if (get_double(rd, o, "t_s", 1, &p->t_s) < 0 ||
	    get_int(rd, o, "workers", 1, 0, &workers) < 0 ||
	    get_double(rd, o, "throughput", 0, &p->throughput) < 0 ||
	    get_double(rd, o, "cpu_busy", 0, &p->cpu_busy) < 0 ||
	    get_double(rd, o, "mem_pressure", 0, &p->mem_pressure) < 0 ||
	    get_double(rd, o, "queue_depth", 0, &p->queue_depth) < 0)
		return -1;
	p->workers = (int)workers;
	return 0;
}

static int get_width(const struct reader *rd, const json_t *o, const char *key, int *out)
{
	long long v;

	if (!json_object_get(o, key)) {
		*out = -1;
		return 0;
	}
	if (get_int(rd, o, key, 0, 0, &v) < 0)
		return -1;
	if (v > 1 << 30)
		return bad(rd, key, "is not a worker count");
	*out = (int)v;
	return 0;
}

/* A fraction 0..1 (a little over 1 is measurement noise), or null: unknown. */
static int get_fraction(const struct reader *rd, const json_t *o, const char *key,
			double *out)
{
	if (get_nonneg_double(rd, o, key, 0, out) < 0)
		return -1;
	if (*out > 2) {
		char what[64];

		snprintf(what, sizeof(what), "is %g, not a fraction from 0 to 1", *out);
		return bad(rd, key, what);
	}
	return 0;
}

static int read_summary(struct reader *rd, const json_t *o, struct tp_results_summary *s)
{
	json_t *width;
	size_t len;

	if (get_nonneg_double(rd, o, "elapsed_s", 1, &s->elapsed_s) < 0 ||
	    get_int(rd, o, "ok", 1, 0, &s->ok) < 0 ||
	    get_int(rd, o, "failed", 1, 0, &s->failed) < 0 ||
	    get_int(rd, o, "skipped", 0, 0, &s->skipped) < 0 ||
	    get_nonneg_double(rd, o, "throughput", 0, &s->throughput) < 0 ||
	    get_fraction(rd, o, "cpu_util", &s->cpu_util) < 0 ||
	    get_nonneg_double(rd, o, "busy_s", 0, &s->busy_s) < 0 ||
	    get_fraction(rd, o, "efficiency", &s->efficiency) < 0 ||
	    get_object(rd, o, "width", 0, &width) < 0)
		return -1;
	s->width_start = s->width_end = s->width_min = s->width_peak = -1;
	s->width_changes = -1;
	s->width_mean = NAN;
	if (width) {
		len = push(rd, "width", -1);
		if (get_width(rd, width, "start", &s->width_start) < 0 ||
		    get_width(rd, width, "end", &s->width_end) < 0 ||
		    get_width(rd, width, "min", &s->width_min) < 0 ||
		    get_width(rd, width, "peak", &s->width_peak) < 0 ||
		    get_width(rd, width, "changes", &s->width_changes) < 0 ||
		    get_nonneg_double(rd, width, "mean", 0, &s->width_mean) < 0)
			return -1;
		pop(rd, len);
	}
	s->present = 1;
	return 0;
}

static int from_json(struct reader *rd, struct tp_results *r, const json_t *doc)
{
	json_t *tool, *machine, *workload, *trials, *model, *rec, *timeline, *summary, *v;
	long long schema;
	size_t i, len;

	if (!json_is_object(doc))
		return tp_usage_error("cannot read '%s': the document is not a JSON object",
				      rd->file);
	if (get_int(rd, doc, "schema", 1, 1, &schema) < 0)
		return -1;
	if (schema > TP_RESULTS_SCHEMA) {
		char what[80];

		snprintf(what, sizeof(what), "%lld is newer than this tunepool reads (%d)",
			 schema, TP_RESULTS_SCHEMA);
		return bad(rd, "schema", what);
	}
	r->schema = (int)schema;
	if (get_object(rd, doc, "tool", 1, &tool) < 0)
		return -1;
	len = push(rd, "tool", -1);
	if (get_string(rd, tool, "name", 1, NULL, 0, NULL) < 0 ||
	    get_string(rd, tool, "version", 1, NULL, 0, &r->tool_version) < 0)
		return -1;
	pop(rd, len);
	if (get_object(rd, doc, "machine", 0, &machine) < 0)
		return -1;
	if (machine)
		r->machine = json_deep_copy(machine);
	if (get_object(rd, doc, "workload", 1, &workload) < 0)
		return -1;
	len = push(rd, "workload", -1);
	if (get_string(rd, workload, "name", 1, NULL, 0, &r->workload_name) < 0 ||
	    get_string(rd, workload, "options", 0, NULL, 0, &r->workload_options) < 0 ||
	    get_string(rd, workload, "input_signature", 0, NULL, 0, &r->input_signature) < 0)
		return -1;
	pop(rd, len);
	if (get_array(rd, doc, "trials", 1, &trials) < 0)
		return -1;
	json_array_foreach(trials, i, v) {
		len = push(rd, "trials", (long)i);
		if (!json_is_object(v))
			return bad(rd, NULL, "is not an object");
		if (read_trial(rd, r, v) < 0)
			return -1;
		pop(rd, len);
	}
	if (get_object(rd, doc, "model", 0, &model) < 0)
		return -1;
	r->model.lambda = r->model.sigma = r->model.kappa = NAN;
	r->model.peak_workers = r->model.r2 = NAN;
	if (model) {
		len = push(rd, "model", -1);
		if (read_model(rd, model, &r->model) < 0)
			return -1;
		pop(rd, len);
	}
	if (get_object(rd, doc, "recommendation", 0, &rec) < 0)
		return -1;
	if (rec) {
		len = push(rd, "recommendation", -1);
		if (read_rec(rd, rec, &r->rec) < 0)
			return -1;
		pop(rd, len);
	}
	if (get_array(rd, doc, "timeline", 0, &timeline) < 0)
		return -1;
	if (timeline)
		json_array_foreach(timeline, i, v) {
			struct tp_timeline_point p;

			len = push(rd, "timeline", (long)i);
			if (!json_is_object(v))
				return bad(rd, NULL, "is not an object");
			if (read_timeline_point(rd, v, &p) < 0)
				return -1;
			pop(rd, len);
			tp_results_add_timeline(r, &p);
		}
	if (get_object(rd, doc, "summary", 0, &summary) < 0)
		return -1;
	if (summary) {
		len = push(rd, "summary", -1);
		if (read_summary(rd, summary, &r->summary) < 0)
			return -1;
		pop(rd, len);
		r->run_summary = json_deep_copy(summary);
	}
	return 0;
}

int tp_results_from_json(struct tp_results *r, const json_t *doc, const char *path)
{
	struct reader rd = { .file = path, .path = "" };

	if (from_json(&rd, r, doc) < 0) {
		tp_results_release(r);
		return -1;
	}
	return 0;
}

int tp_results_read(struct tp_results *r, const char *path)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	json_error_t err;
	json_t *doc;
	int ret;

	if (tp_read_input(path, TP_RESULTS_MAX, "a results file", &sb) < 0)
		return -1;
	doc = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, &err);
	tp_strbuf_release(&sb);
	if (!doc)
		return tp_usage_error("cannot read '%s': line %d column %d: %s", path,
				      err.line, err.column, err.text);
	ret = tp_results_from_json(r, doc, path);
	json_decref(doc);
	return ret;
}

/* ---- CSV ---- */

static void csv_field(struct tp_strbuf *sb, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		tp_strbuf_adds(sb, s);
		return;
	}
	tp_strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '"')
			tp_strbuf_addch(sb, '"');
		tp_strbuf_addch(sb, *s);
	}
	tp_strbuf_addch(sb, '"');
}

static void csv_real(struct tp_strbuf *sb, double x)
{
	tp_strbuf_addch(sb, ',');
	if (isfinite(x))
		tp_strbuf_addf(sb, "%.12g", x);
}

int tp_results_write_csv(const struct tp_results *r, const char *path)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	const char **names = NULL;
	size_t nnames = 0, alloc = 0, i, j, k, c;
	int ret, commands = 0;

	/* Counter columns: every name seen, in first-seen order. */
	for (i = 0; i < r->ntrials; i++)
		for (j = 0; j < r->trials[i].nrepeats; j++)
			for (k = 0; k < r->trials[i].repeats[j].ncounters; k++) {
				const char *n = r->trials[i].repeats[j].counters[k].name;

				for (c = 0; c < nnames && strcmp(names[c], n); c++)
					;
				if (c == nnames) {
					tp_grow((void **)&names, &alloc, nnames + 1, sizeof(*names));
					names[nnames++] = n;
				}
			}
	for (i = 0; i < r->ntrials; i++)
		commands |= *r->trials[i].config.command != '\0';
	tp_strbuf_adds(&sb, commands ? "config_workers,config_batch,config_strategy,config_start,"
			    "config_command,repeat," : "config_workers,config_batch,config_strategy,"
			    "config_start,repeat,");
	tp_strbuf_adds(&sb, "wall_s,tasks,throughput,cpu_user_s,cpu_sys_s,cpu_util,rss_peak_kb,"
			    "ctx_switches,ctx_voluntary,ctx_involuntary,lat_p50_s,lat_p95_s,"
			    "lat_p99_s,failures,outlier");
	for (c = 0; c < nnames; c++) {
		tp_strbuf_addch(&sb, ',');
		csv_field(&sb, names[c]);
	}
	tp_strbuf_addch(&sb, '\n');
	for (i = 0; i < r->ntrials; i++) {
		const struct tp_trial *t = &r->trials[i];

		for (j = 0; j < t->nrepeats; j++) {
			const struct tp_repeat *p = &t->repeats[j];

			tp_strbuf_addf(&sb, "%d,%d,", t->config.workers, t->config.batch);
			csv_field(&sb, t->config.strategy);
			tp_strbuf_addch(&sb, ',');
			csv_field(&sb, t->config.start);
			if (commands) {
				tp_strbuf_addch(&sb, ',');
				csv_field(&sb, t->config.command);
			}
			tp_strbuf_addf(&sb, ",%zu", j);
			csv_real(&sb, p->wall_s);
			tp_strbuf_addf(&sb, ",%lld", p->tasks);
			csv_real(&sb, p->throughput);
			csv_real(&sb, p->cpu_user_s);
			csv_real(&sb, p->cpu_sys_s);
			csv_real(&sb, p->cpu_util);
			tp_strbuf_addf(&sb, ",%lld,%lld,%lld,%lld", p->rss_peak_kb,
				       p->ctx_switches, p->ctx_voluntary, p->ctx_involuntary);
			csv_real(&sb, p->lat_p50_s);
			csv_real(&sb, p->lat_p95_s);
			csv_real(&sb, p->lat_p99_s);
			tp_strbuf_addf(&sb, ",%lld,%d", p->failures, p->outlier);
			for (c = 0; c < nnames; c++) {
				for (k = 0; k < p->ncounters && strcmp(p->counters[k].name, names[c]); k++)
					;
				if (k < p->ncounters)
					csv_real(&sb, p->counters[k].value);
				else
					tp_strbuf_addch(&sb, ',');
			}
			tp_strbuf_addch(&sb, '\n');
		}
	}
	free(names);
	ret = tp_write_file_atomic(path, sb.buf, sb.len);
	tp_strbuf_release(&sb);
	return ret;
}
