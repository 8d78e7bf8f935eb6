/* Option tables ({name, type, min, max, default, help}) and value parsing. */
#include "core/opt.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tp_parse_long(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int tp_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* Number followed by a unit from units[] (longest names first). */
struct unit {
	const char *name;
	double factor;
};

static int parse_with_units(const char *s, const struct unit *units, double *out)
{
	char *end;
	double v;
	size_t i;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	for (i = 0; units[i].name; i++) {
		if (!strcasecmp(end, units[i].name)) {
			*out = v * units[i].factor;
			return 0;
		}
	}
	return -1;
}

int tp_parse_size(const char *s, double *bytes)
{
	static const struct unit units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1024.0 }, { "kb", 1024.0 }, { "kib", 1024.0 },
		{ "m", 1048576.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
		{ "g", 1073741824.0 }, { "gb", 1073741824.0 }, { "gib", 1073741824.0 },
		{ "t", 1099511627776.0 }, { "tb", 1099511627776.0 }, { "tib", 1099511627776.0 },
		{ NULL, 0 },
	};

	return parse_with_units(s, units, bytes);
}

int tp_parse_duration(const char *s, double *seconds)
{
	static const struct unit units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "ns", 1e-9 },
		{ "m", 60 }, { "min", 60 }, { "h", 3600 },
		{ NULL, 0 },
	};

	return parse_with_units(s, units, seconds);
}

int tp_split_list(const char *s, char **out, int max, char **storage)
{
	char *copy = tp_xstrdup(s), *p = copy, *comma;
	int n = 0;

	*storage = copy;
	for (;;) {
		if (n == max)
			return -1;
		out[n++] = p;
		comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

int tp_parse_int_list(const char *s, int *out, int max)
{
	char *items[256], *storage;
	int n, i, count = 0;

	n = tp_split_list(s, items, 256, &storage);
	for (i = 0; i < n; i++) {
		char *dash = strchr(items[i], '-');
		long long a, b, v;

		if (dash && dash != items[i]) {
			*dash = '\0';
			if (tp_parse_long(items[i], &a) || tp_parse_long(dash + 1, &b) || a > b)
				goto bad;
		} else if (tp_parse_long(items[i], &a)) {
			goto bad;
		} else {
			b = a;
		}
		for (v = a; v <= b; v++) {
			if (count == max || v < -2147483647 || v > 2147483647)
				goto bad;
			out[count++] = (int)v;
		}
	}
	free(storage);
	return n > 0 ? count : -1;
bad:
	free(storage);
	return -1;
}

static const char *type_name(enum tp_opt_type t)
{
	static const char *const names[] = {
		[TP_OPT_NONE] = "", [TP_OPT_INT] = "INT", [TP_OPT_SIZE] = "SIZE",
		[TP_OPT_DOUBLE] = "NUM", [TP_OPT_DURATION] = "TIME",
		[TP_OPT_STRING] = "TEXT", [TP_OPT_CHOICE] = "CHOICE",
	};

	return names[t];
}

static int choice_index(const char *choices, const char *v)
{
	const char *p = choices;
	size_t len = strlen(v);
	int i = 0;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && !strncmp(p, v, n))
			return i;
		i++;
		p = bar ? bar + 1 : NULL;
	}
	return -1;
}

static int set_value(const struct tp_opt *o, struct tp_optval *val, const char *v,
		     const char *subject)
{
	double num = 0;
	long long ll;
	int rc = 0;

	switch (o->type) {
	case TP_OPT_INT:
		rc = tp_parse_long(v, &ll);
		num = (double)ll;
		break;
	case TP_OPT_SIZE:
		rc = tp_parse_size(v, &num);
		break;
	case TP_OPT_DOUBLE:
		rc = tp_parse_double(v, &num);
		break;
	case TP_OPT_DURATION:
		rc = tp_parse_duration(v, &num);
		break;
	case TP_OPT_CHOICE:
		num = choice_index(o->choices, v);
		if (num < 0)
			return tp_usage_error("%s: %s = '%s' is not one of %s", subject, o->name, v,
					      o->choices);
		break;
	case TP_OPT_STRING:
	case TP_OPT_NONE:
		break;
	}
	if (rc)
		return tp_usage_error("%s: %s = '%s' is not a valid %s", subject, o->name, v,
				      type_name(o->type));
	if (o->type != TP_OPT_STRING && o->type != TP_OPT_CHOICE && o->min <= o->max &&
	    (num < o->min || num > o->max))
		return tp_usage_error("%s: %s = '%s' is out of range %g..%g", subject, o->name, v,
				      o->min, o->max);
	free(val->str);
	val->str = tp_xstrdup(v);
	val->num = num;
	return 0;
}

static size_t table_len(const struct tp_opt *tab)
{
	size_t n = 0;

	while (tab && tab[n].name)
		n++;
	return n;
}

static int find_opt(const struct tp_opt *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name))
			return (int)i;
	return -1;
}

int tp_optset_parse(struct tp_optset *set, const struct tp_opt *tab, const char *spec,
		    const char *subject)
{
	char *items[128], *storage = NULL;
	size_t i;
	int n, k;

	set->tab = tab;
	set->n = table_len(tab);
	set->vals = tp_xcalloc(set->n + 1, sizeof(*set->vals));
	for (i = 0; i < set->n; i++)
		if (set_value(&tab[i], &set->vals[i], tab[i].def ? tab[i].def : "", subject) &&
		    tab[i].def)
			TP_BUG("option table default does not parse");
	if (!spec || !*spec)
		return 0;
	n = tp_split_list(spec, items, 128, &storage);
	if (n < 0) {
		free(storage);
		tp_optset_release(set);
		return tp_usage_error("%s: too many options in '%s'", subject, spec);
	}
	for (k = 0; k < n; k++) {
		char *eq = strchr(items[k], '=');
		int idx;

		if (!eq) {
			tp_usage_error("%s: option '%s' needs a value (key=value)", subject, items[k]);
			goto fail;
		}
		*eq = '\0';
		idx = find_opt(tab, set->n, items[k]);
		if (idx < 0) {
			const char *names[128];
			const char *best;

			for (i = 0; i < set->n && i < 128; i++)
				names[i] = tab[i].name;
			best = tp_closest_name(names, set->n, items[k]);
			if (best)
				tp_usage_error("%s: unknown option '%s'; did you mean '%s'?", subject,
					       items[k], best);
			else
				tp_usage_error("%s: unknown option '%s'", subject, items[k]);
			goto fail;
		}
		if (set_value(&tab[idx], &set->vals[idx], eq + 1, subject))
			goto fail;
	}
	free(storage);
	return 0;
fail:
	free(storage);
	tp_optset_release(set);
	return -1;
}

void tp_optset_release(struct tp_optset *set)
{
	size_t i;

	if (!set->vals)
		return;
	for (i = 0; i < set->n; i++)
		free(set->vals[i].str);
	free(set->vals);
	set->vals = NULL;
	set->n = 0;
}

static const struct tp_optval *lookup(const struct tp_optset *set, const char *name)
{
	int i = find_opt(set->tab, set->n, name);

	if (i < 0)
		TP_BUG("option name not in table");
	return &set->vals[i];
}

double tp_optset_num(const struct tp_optset *set, const char *name)
{
	return lookup(set, name)->num;
}

const char *tp_optset_str(const struct tp_optset *set, const char *name)
{
	return lookup(set, name)->str;
}

char *tp_optset_format(const struct tp_optset *set)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t i;

	for (i = 0; i < set->n; i++)
		tp_strbuf_addf(&sb, "%s%s=%s", i ? "," : "", set->tab[i].name, set->vals[i].str);
	return tp_strbuf_detach(&sb);
}

void tp_opt_table_print(const struct tp_opt *tab, const char *indent)
{
	size_t i, n = table_len(tab);

	for (i = 0; i < n; i++) {
		const struct tp_opt *o = &tab[i];
		char left[64];

		snprintf(left, sizeof(left), "%s=%s", o->name,
			 o->type == TP_OPT_CHOICE ? o->choices : type_name(o->type));
		printf("%s%-24s %s", indent, left, o->help ? o->help : "");
		if (o->def && *o->def)
			printf(" (default %s", o->def);
		if (o->type != TP_OPT_STRING && o->type != TP_OPT_CHOICE && o->min <= o->max)
			printf("%s%g..%g", o->def && *o->def ? ", " : " (", o->min, o->max);
		if ((o->def && *o->def) ||
		    (o->type != TP_OPT_STRING && o->type != TP_OPT_CHOICE && o->min <= o->max))
			printf(")");
		printf("\n");
	}
}
