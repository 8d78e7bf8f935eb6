/* tunepool.conf: defaults, INI parsing through libinih with file/line errors,
 * validation, and the atomic INI writer. */
#include "tuner/conf.h"

#include "core/fileio.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/strbuf.h"
#include "core/registry.h"
#include "core/results.h"
#include "runner/bind.h"
#include "runner/pool.h"
#include "runner/strategy.h"
#include "runner/strategy_persistent.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void tp_conf_init(struct tp_tuned_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->objective, sizeof(c->objective), "throughput");
	c->workers = 1;
	c->batch = 1;
	snprintf(c->strategy, sizeof(c->strategy), "thread");
	snprintf(c->bind, sizeof(c->bind), "none");
	c->min_workers = 1;
	c->max_workers = 1;
	c->interval_ms = 500;
	snprintf(c->controller, sizeof(c->controller), "hill");
	c->usl_sigma = c->usl_kappa = NAN;
	c->peak_workers = NAN;
	c->throughput = c->throughput_ci_low = c->throughput_ci_high = NAN;
	snprintf(c->complete, sizeof(c->complete), "true");
}

/* The names the enumerated keys accept come from their owners (the strategy
 * and start tables, the bind, framing, objective and model-kind name
 * functions): name_at(i) is the i-th, NULL past the last.  A new entry there
 * is accepted here, and named in the error, with no edit. */
typedef const char *(*name_at_fn)(size_t i);

static const char *strategy_at(size_t i)
{
	size_t n;
	const struct tp_strategy_desc *const *t = tp_strategy_table(&n);

	return i < n ? t[i]->name : NULL;
}

static const char *start_at(size_t i)	/* then "none": thread and exec */
{
	size_t n;
	const struct tp_named *const *t = (const struct tp_named *const *)tp_start_table(&n);

	return i < n ? t[i]->name : i == n ? "none" : NULL;
}

static const char *bind_at(size_t i)
{
	return i <= TP_BIND_NUMA ? tp_bind_name((enum tp_bind_mode)i) : NULL;
}

static const char *framing_at(size_t i)
{
	return i <= TP_FRAMING_JSON ? tp_framing_name((enum tp_framing)i) : NULL;
}

static const char *objective_at(size_t i)
{
	return i <= TP_OBJ_EFFICIENCY ? tp_objective_name((enum tp_objective)i) : NULL;
}

static const char *model_kind_at(size_t i)	/* "" first: not fitted */
{
	return i <= TP_MODEL_AMDAHL ? tp_model_kind_name((enum tp_model_kind)i) : NULL;
}

static const char *boolean_at(size_t i)
{
	return i == 0 ? "true" : i == 1 ? "false" : NULL;
}

static int accepted(name_at_fn at, int empty_ok, const char *s)
{
	const char *n;
	size_t i;

	if (!*s)
		return empty_ok;
	for (i = 0; (n = at(i)); i++)
		if (!strcmp(n, s))
			return 1;
	return 0;
}

/* " (a, b or c)" of the accepted names into sb. */
static void accepted_hint(name_at_fn at, struct tp_strbuf *sb)
{
	const char *n, *prev = NULL;
	size_t i;

	for (i = 0; (n = at(i)); i++) {
		if (!*n)
			continue;
		if (prev)
			tp_strbuf_addf(sb, "%s%s", sb->len ? ", " : " (", prev);
		prev = n;
	}
	if (prev)
		tp_strbuf_addf(sb, "%s%s)", sb->len ? " or " : " (", prev);
}

enum key_type { K_INT, K_SIZE_KB, K_DOUBLE, K_TEXT };

struct key {
	const char *section, *name;
	enum key_type type;
	size_t offset, size;		/* field and its size (K_TEXT) */
	double min, max;		/* numeric bounds */
	name_at_fn choices;		/* K_TEXT: NULL = any word */
	int empty_ok;			/* K_TEXT with choices: "" is valid */
};

#define F(field) offsetof(struct tp_tuned_conf, field)
#define S(field) sizeof(((struct tp_tuned_conf *)0)->field)
static const struct key keys[] = {
	{ "run", "workers", K_INT, F(workers), 0, 1, 1e6, NULL, 0 },
	{ "run", "batch", K_INT, F(batch), 0, 1, 1e9, NULL, 0 },
	{ "run", "strategy", K_TEXT, F(strategy), S(strategy), 0, 0, strategy_at, 0 },
	{ "run", "start", K_TEXT, F(start), S(start), 0, 0, start_at, 1 },
	{ "run", "bind", K_TEXT, F(bind), S(bind), 0, 0, bind_at, 0 },
	{ "run", "framing", K_TEXT, F(framing), S(framing), 0, 0, framing_at, 1 },
	{ "bounds", "min_workers", K_INT, F(min_workers), 0, 1, 1e6, NULL, 0 },
	{ "bounds", "max_workers", K_INT, F(max_workers), 0, 1, 1e6, NULL, 0 },
	{ "bounds", "memory_per_worker", K_SIZE_KB, F(memory_per_worker_kb), 0, 0, 1e15, NULL, 0 },
	{ "bounds", "memory_base", K_SIZE_KB, F(memory_base_kb), 0, 0, 1e15, NULL, 0 },
	{ "monitor", "interval_ms", K_INT, F(interval_ms), 0, 10, 3.6e6, NULL, 0 },
	{ "monitor", "controller", K_TEXT, F(controller), S(controller), 0, 0, NULL, 0 },
	{ "model", "kind", K_TEXT, F(model_kind), S(model_kind), 0, 0, model_kind_at, 1 },
	{ "model", "usl_sigma", K_DOUBLE, F(usl_sigma), 0, 0, 1, NULL, 0 },
	{ "model", "usl_kappa", K_DOUBLE, F(usl_kappa), 0, 0, 1e6, NULL, 0 },
	{ "model", "peak_workers", K_DOUBLE, F(peak_workers), 0, 0, 1e9, NULL, 0 },
	{ "model", "throughput", K_DOUBLE, F(throughput), 0, 0, 1e15, NULL, 0 },
	{ "model", "throughput_ci_low", K_DOUBLE, F(throughput_ci_low), 0, 0, 1e15, NULL, 0 },
	{ "model", "throughput_ci_high", K_DOUBLE, F(throughput_ci_high), 0, 0, 1e15, NULL, 0 },
	{ "model", "objective", K_TEXT, F(objective), S(objective), 0, 0, objective_at, 0 },
	{ "model", "complete", K_TEXT, F(complete), S(complete), 0, 0, boolean_at, 0 },
	{ "machine", "fingerprint", K_TEXT, F(fingerprint), S(fingerprint), 0, 0, NULL, 0 },
	{ "machine", "cpus_usable", K_DOUBLE, F(cpus_usable), 0, 0, 1e7, NULL, 0 },
	{ "machine", "memory_usable", K_SIZE_KB, F(memory_usable_kb), 0, 0, 1e15, NULL, 0 },
};
#undef F
#undef S
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct parse_ctx {
	struct tp_tuned_conf *c;
	const char *path;
	const char *text, *pos;		/* reader over the text */
	int line;			/* of the line last handed to inih */
	int failed;
	int explicit_max, explicit_min;
	int seen_line[NKEYS];		/* where each key was set, 0 = not yet */
};

/* inih's reader: hands out one line at a time so errors can name it, and
 * picks the workload and date back out of the comment header. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	const char *nl;
	size_t len;

	if (!*p->pos)
		return NULL;
	nl = strchr(p->pos, '\n');
	len = nl ? (size_t)(nl - p->pos) + 1 : strlen(p->pos);
	if (len > (size_t)num - 1)
		len = (size_t)num - 1;
	memcpy(str, p->pos, len);
	str[len] = '\0';
	p->pos += len;
	p->line++;
	if (!strncmp(str, "# workload: ", 12)) {
		snprintf(p->c->workload, sizeof(p->c->workload), "%.*s",
			 (int)strcspn(str + 12, "\r\n"), str + 12);
	} else if (!strncmp(str, "# date: ", 8)) {
		snprintf(p->c->date, sizeof(p->c->date), "%.*s",
			 (int)strcspn(str + 8, "\r\n"), str + 8);
	}
	return str;
}

static int set_key(struct parse_ctx *p, const struct key *k, const char *value)
{
	char *base = (char *)p->c;
	long long l;
	double d;

	if (k->type == K_TEXT) {
		const char *v = value;

		if (k->choices == start_at && !strcmp(v, "none"))
			v = "";
		/* Free words (controller, fingerprint) keep to a plain charset: a
		 * leading ';' or '#', or a control byte, would not read back. */
		if (k->choices ? !accepted(k->choices, k->empty_ok, v)
			       : (!*v || strlen(v) >= k->size ||
				  strspn(v, "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789._:+-") != strlen(v))) {
			struct tp_strbuf hint = TP_STRBUF_INIT;

			if (k->choices)
				accepted_hint(k->choices, &hint);
			tp_usage_error("'%s': line %d: %s = '%s' is not valid%s", p->path, p->line,
				       k->name, value, hint.len ? hint.buf : "");
			tp_strbuf_release(&hint);
			return -1;
		}
		snprintf(base + k->offset, k->size, "%s", v);
		return 0;
	}
	if (k->type == K_DOUBLE && (!strcmp(value, "none") || !*value)) {
		*(double *)(base + k->offset) = NAN;
		return 0;
	}
	if (k->type == K_INT) {
		if (tp_parse_long(value, &l))
			return tp_usage_error("'%s': line %d: %s = '%s' is not a number",
					      p->path, p->line, k->name, value);
		d = (double)l;
	} else if (k->type == K_SIZE_KB) {
		if (tp_parse_size(value, &d))
			return tp_usage_error("'%s': line %d: %s = '%s' is not a size (e.g. 512M)",
					      p->path, p->line, k->name, value);
	} else if (tp_parse_double(value, &d)) {
		return tp_usage_error("'%s': line %d: %s = '%s' is not a number", p->path,
				      p->line, k->name, value);
	}
	if (d < k->min || d > k->max)
		return tp_usage_error("'%s': line %d: %s = '%s' is out of range (%g..%g)",
				      p->path, p->line, k->name, value, k->min, k->max);
	if (k->type == K_INT)
		*(int *)(base + k->offset) = (int)l;
	else if (k->type == K_SIZE_KB)
		*(long long *)(base + k->offset) = (long long)((d + 1023) / 1024);
	else
		*(double *)(base + k->offset) = d;
	return 0;
}

static int handle(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	size_t i;
	int known_section = 0;

	if (p->failed)
		return 1;
	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section))
			continue;
		known_section = 1;
		if (strcmp(keys[i].name, name))
			continue;
		if (p->seen_line[i]) {
			/* Which one wins would be a guess: say so instead. */
			p->failed = 1;
			tp_usage_error("'%s': line %d: duplicate key '%s' in [%s] (first set at line %d)",
				       p->path, p->line, name, section, p->seen_line[i]);
			return 0;
		}
		p->seen_line[i] = p->line;
		if (set_key(p, &keys[i], value)) {
			p->failed = 1;
			return 0;
		}
		if (!strcmp(name, "max_workers"))
			p->explicit_max = 1;
		if (!strcmp(name, "min_workers"))
			p->explicit_min = 1;
		return 1;
	}
	p->failed = 1;
	if (!known_section)
		tp_usage_error("'%s': line %d: unknown section '[%s]' (run, bounds, monitor, "
			       "model or machine)", p->path, p->line, section);
	else
		tp_usage_error("'%s': line %d: unknown key '%s' in [%s]", p->path, p->line,
			       name, section);
	return 0;
}

int tp_conf_validate(const struct tp_tuned_conf *c, const char *path)
{
	if (c->min_workers > c->workers)
		return tp_usage_error("'%s': min_workers = %d is above workers = %d", path,
				      c->min_workers, c->workers);
	if (c->max_workers < c->workers)
		return tp_usage_error("'%s': max_workers = %d is below workers = %d", path,
				      c->max_workers, c->workers);
	if ((tp_strategy_flags(c->strategy) & TP_STRAT_START) && !*c->start)
		return tp_usage_error("'%s': strategy = process needs start = fork or spawn",
				      path);
	if (!(tp_strategy_flags(c->strategy) & TP_STRAT_RECORDS) && *c->framing)
		return tp_usage_error("'%s': framing = '%s' applies only to strategy = persistent",
				      path, c->framing);
	if (!(tp_strategy_flags(c->strategy) & TP_STRAT_START) && *c->start)
		return tp_usage_error("'%s': start = '%s' applies only to strategy = process",
				      path, c->start);
	return 0;
}

int tp_conf_parse(const char *text, const char *path, struct tp_tuned_conf *c)
{
	struct parse_ctx p = { .c = c, .path = path, .text = text, .pos = text };
	int rc;

	tp_conf_init(c);
	rc = ini_parse_stream(read_line, &p, handle, &p);
	if (p.failed)
		return -1;
	if (rc > 0)
		return tp_usage_error("'%s': line %d: not an INI line (want 'key = value' or "
				      "'[section]')", path, rc);
	if (rc < 0)
		return tp_error("cannot parse '%s': out of memory", path);
	c->min_given = p.explicit_min;
	c->max_given = p.explicit_max;
	/* Bounds left out follow the chosen width (a run takes the probe's). */
	if (!p.explicit_max && c->max_workers < c->workers)
		c->max_workers = c->workers;
	if (!p.explicit_min && c->min_workers > c->workers)
		c->min_workers = c->workers;
	return tp_conf_validate(c, path);
}

int tp_conf_slurp(const char *path, struct tp_strbuf *sb)
{
	const char *nul;

	if (tp_read_file_limited(path, TP_CONF_MAX, sb)) {
		int e = errno;

		tp_strbuf_release(sb);
		if (e == EFBIG)
			return tp_usage_error("cannot read config '%s': it is over the limit of %d bytes",
					      path, TP_CONF_MAX);
		return tp_usage_error("cannot read config '%s': %s", path, strerror(e));
	}
	nul = memchr(sb->buf, '\0', sb->len);
	if (nul) {
		int line = 1;
		const char *q;

		for (q = sb->buf; q < nul; q++)
			line += *q == '\n';
		tp_strbuf_release(sb);
		return tp_usage_error("'%s': line %d: holds a NUL byte", path, line);
	}
	return 0;
}

int tp_conf_read(const char *path, struct tp_tuned_conf *c)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int rc;

	if (tp_conf_slurp(path, &sb)) {
		tp_conf_init(c);
		return -1;
	}
	rc = tp_conf_parse(sb.buf, path, c);
	tp_strbuf_release(&sb);
	return rc;
}

static void add_double(struct tp_strbuf *sb, const char *key, double v)
{
	if (isnan(v))
		tp_strbuf_addf(sb, "%s = none\n", key);
	else
		tp_strbuf_addf(sb, "%s = %.6g\n", key, v);
}

void tp_conf_format(const struct tp_tuned_conf *c, struct tp_strbuf *sb)
{
	tp_strbuf_adds(sb, "# tunepool.conf by `tunepool tune`: use with `tunepool run --config`"
		       " or `tunepool export`\n");
	tp_strbuf_addf(sb, "# workload: %s\n", *c->workload ? c->workload : "unknown");
	tp_strbuf_addf(sb, "# machine: %s\n", *c->fingerprint ? c->fingerprint : "unknown");
	tp_strbuf_addf(sb, "# date: %s\n", *c->date ? c->date : "unknown");
	tp_strbuf_addf(sb, "\n[run]\nworkers = %d\nbatch = %d\nstrategy = %s\nstart = %s\n"
		       "bind = %s\n", c->workers, c->batch, c->strategy,
		       *c->start ? c->start : "none", c->bind);
	if (tp_strategy_flags(c->strategy) & TP_STRAT_RECORDS)
		tp_strbuf_addf(sb, "framing = %s\n", *c->framing ? c->framing : "lines");
	tp_strbuf_addf(sb, "\n[bounds]\nmin_workers = %d\nmax_workers = %d\n"
		       "memory_per_worker = %lldK\n", c->min_workers, c->max_workers,
		       c->memory_per_worker_kb);
	if (c->memory_base_kb > 0)
		tp_strbuf_addf(sb, "memory_base = %lldK\n", c->memory_base_kb);
	tp_strbuf_addf(sb, "\n[monitor]\ninterval_ms = %d\ncontroller = %s\n", c->interval_ms,
		       c->controller);
	tp_strbuf_addf(sb, "\n[model]\nobjective = %s\nkind = %s\n", c->objective,
		       *c->model_kind ? c->model_kind : "");
	add_double(sb, "usl_sigma", c->usl_sigma);
	add_double(sb, "usl_kappa", c->usl_kappa);
	add_double(sb, "peak_workers", c->peak_workers);
	add_double(sb, "throughput", c->throughput);
	add_double(sb, "throughput_ci_low", c->throughput_ci_low);
	add_double(sb, "throughput_ci_high", c->throughput_ci_high);
	/* Written only when false: a complete search is the default. */
	if (strcmp(c->complete, "true"))
		tp_strbuf_addf(sb, "# the budget ran out before the search ended: a provisional pick\n"
			       "complete = %s\n", c->complete);
	tp_strbuf_addf(sb, "\n[machine]\nfingerprint = %s\n", *c->fingerprint ? c->fingerprint :
		       "unknown");
	add_double(sb, "cpus_usable", c->cpus_usable);
	tp_strbuf_addf(sb, "memory_usable = %lldK\n", c->memory_usable_kb);
}

int tp_conf_write(const char *path, const struct tp_tuned_conf *c)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	int rc;

	tp_conf_format(c, &sb);
	rc = tp_write_file_atomic(path, sb.buf, sb.len);
	tp_strbuf_release(&sb);
	return rc;
}
