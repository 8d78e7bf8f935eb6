/* hyperfine's --export-json, read in one place for model and compare. */
#include "core/hyperfine.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/results.h"
#include "core/strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tp_hyperfine_detect(const json_t *doc)
{
	const json_t *res = json_is_object(doc) ? json_object_get(doc, "results") : NULL;

	return json_is_array(res) && json_array_size(res) > 0 &&
	       json_is_object(json_array_get(res, 0)) &&
	       json_is_string(json_object_get(json_array_get(res, 0), "command"));
}

static double opt_number(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int read_command(struct tp_hyperfine_command *c, const json_t *o, const char *path, size_t i)
{
	const json_t *cmd = json_object_get(o, "command"), *times = json_object_get(o, "times");
	const json_t *codes = json_object_get(o, "exit_codes"), *params = json_object_get(o, "parameters");
	const char *key;
	json_t *v;
	size_t j;

	if (!json_is_string(cmd))
		return tp_usage_error("cannot read '%s': results[%zu].command is not a string", path, i);
	c->command = tp_xstrdup(json_string_value(cmd));
	c->mean = opt_number(o, "mean");
	c->stddev = opt_number(o, "stddev");
	c->median = opt_number(o, "median");
	c->min = opt_number(o, "min");
	c->max = opt_number(o, "max");
	if (!json_is_array(times) || !json_array_size(times))
		return tp_usage_error("cannot read '%s': results[%zu].times is missing or empty "
				      "(hyperfine writes it with --export-json)", path, i);
	c->ntimes = json_array_size(times);
	c->times = tp_xcalloc(c->ntimes, sizeof(*c->times));
	json_array_foreach(times, j, v) {
		if (!json_is_number(v) || !(json_number_value(v) > 0))
			return tp_usage_error("cannot read '%s': results[%zu].times[%zu] is not a "
					      "positive number", path, i, j);
		c->times[j] = json_number_value(v);
	}
	if (json_is_array(codes) && json_array_size(codes) == c->ntimes) {
		c->exit_codes = tp_xcalloc(c->ntimes, sizeof(*c->exit_codes));
		json_array_foreach(codes, j, v)
			c->exit_codes[j] = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	}
	if (params && !json_is_object(params))
		return tp_usage_error("cannot read '%s': results[%zu].parameters is not an object",
				      path, i);
	if (params) {
		c->params = tp_xcalloc(json_object_size(params) + 1, sizeof(*c->params));
		json_object_foreach((json_t *)params, key, v) {
			struct tp_hyperfine_param *p = &c->params[c->nparams++];

			p->name = tp_xstrdup(key);
			if (json_is_string(v))
				p->value = tp_xstrdup(json_string_value(v));
			else if (json_is_number(v))
				p->value = tp_xasprintf("%.17g", json_number_value(v));
			else
				return tp_usage_error("cannot read '%s': results[%zu].parameters.%s is "
						      "not a string or number", path, i, key);
		}
	}
	return 0;
}

int tp_hyperfine_from_json(struct tp_hyperfine *h, const json_t *doc, const char *path)
{
	const json_t *res;
	json_t *o;
	size_t i;

	memset(h, 0, sizeof(*h));
	res = json_is_object(doc) ? json_object_get(doc, "results") : NULL;
	if (!json_is_array(res) || !json_array_size(res))
		return tp_usage_error("cannot read '%s': no \"results\" array of hyperfine runs", path);
	h->commands = tp_xcalloc(json_array_size(res), sizeof(*h->commands));
	json_array_foreach(res, i, o) {
		if (!json_is_object(o)) {
			tp_hyperfine_release(h);
			return tp_usage_error("cannot read '%s': results[%zu] is not an object", path, i);
		}
		h->ncommands++;
		if (read_command(&h->commands[i], o, path, i)) {
			tp_hyperfine_release(h);
			return -1;
		}
	}
	return 0;
}

int tp_hyperfine_read(struct tp_hyperfine *h, const char *path)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	json_error_t err;
	json_t *doc;
	int ret;

	memset(h, 0, sizeof(*h));
	if (tp_read_input(path, TP_RESULTS_MAX, "a hyperfine export", &sb) < 0)
		return -1;
	doc = json_loadb(sb.buf, sb.len, 0, &err);
	tp_strbuf_release(&sb);
	if (!doc)
		return tp_usage_error("cannot read '%s': line %d column %d: %s", path, err.line,
				      err.column, err.text);
	ret = tp_hyperfine_from_json(h, doc, path);
	json_decref(doc);
	return ret;
}

const char *tp_hyperfine_param(const struct tp_hyperfine_command *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nparams; i++)
		if (!strcmp(c->params[i].name, name))
			return c->params[i].value;
	return NULL;
}

void tp_hyperfine_to_results(const struct tp_hyperfine *h, struct tp_results *r)
{
	size_t i, j;

	free(r->workload_name);
	r->workload_name = tp_xstrdup("hyperfine");
	for (i = 0; i < h->ncommands; i++) {
		const struct tp_hyperfine_command *c = &h->commands[i];
		struct tp_config cfg = { .workers = (int)i + 1, .batch = 1 };
		struct tp_trial *t;

		snprintf(cfg.strategy, sizeof(cfg.strategy), "hyperfine");
		t = tp_results_trial(r, &cfg);
		for (j = 0; j < c->ntimes; j++) {
			struct tp_repeat rep;

			memset(&rep, 0, sizeof(rep));
			rep.wall_s = c->times[j];
			rep.tasks = 1;
			rep.throughput = 1.0 / c->times[j];
			rep.failures = c->exit_codes && c->exit_codes[j] != 0;
			tp_trial_add_repeat(t, &rep);
		}
		tp_trial_update_stats(t);
	}
}

void tp_hyperfine_release(struct tp_hyperfine *h)
{
	size_t i, j;

	if (!h)
		return;
	for (i = 0; i < h->ncommands; i++) {
		struct tp_hyperfine_command *c = &h->commands[i];

		free(c->command);
		free(c->times);
		free(c->exit_codes);
		for (j = 0; j < c->nparams; j++) {
			free(c->params[j].name);
			free(c->params[j].value);
		}
		free(c->params);
	}
	free(h->commands);
	memset(h, 0, sizeof(*h));
}
