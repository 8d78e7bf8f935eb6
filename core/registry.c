/* Name lookup in registration tables and "did you mean" suggestions. */
#include "core/registry.h"
#include "core/alloc.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every descriptor begins with its name, so a pointer to it is a pointer to that. */
static const char *desc_name(const void *desc)
{
	return *(const char *const *)desc;
}

const void *tp_registry_find(const void *const *table, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i] && !strcmp(desc_name(table[i]), name))
			return table[i];
	return NULL;
}

size_t tp_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *row = tp_xmalloc((lb + 1) * sizeof(*row));

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *tp_closest_name(const char *const *names, size_t n, const char *name)
{
	const char *best = NULL;
	size_t i, best_d = (size_t)-1;

	for (i = 0; i < n; i++) {
		size_t d;

		if (!names[i])
			continue;
		d = tp_edit_distance(names[i], name);
		/* A prefix is a good hint too ("prob" -> "probe"). */
		if (!strncmp(names[i], name, strlen(name)) && strlen(name) >= 2)
			d = d < 1 ? d : 1;
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	if (best && best_d <= strlen(best) / 3 + 1)
		return best;
	return NULL;
}

const char *tp_registry_suggest(const void *const *table, size_t n, const char *name)
{
	const char **names = tp_xcalloc(n + 1, sizeof(*names));
	const char *best;
	size_t i;

	for (i = 0; i < n; i++)
		names[i] = table[i] ? desc_name(table[i]) : NULL;
	best = tp_closest_name(names, n, name);
	free(names);
	return best;
}

const char *tp_registry_names(const void *const *table, size_t n, char *buf, size_t size)
{
	size_t i, len = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < n && len + 1 < size; i++) {
		int w;

		if (!table[i])
			continue;
		w = snprintf(buf + len, size - len, "%s%s", len ? "|" : "", desc_name(table[i]));
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

const void *tp_registry_lookup(const void *const *table, size_t n, const char *name,
			       const char *kind)
{
	const void *d = tp_registry_find(table, n, name);
	const char *hint;
	char names[512];

	if (d)
		return d;
	hint = tp_registry_suggest(table, n, name);
	if (hint)
		tp_usage_error("unknown %s '%s'; did you mean '%s'?", kind, name, hint);
	else
		tp_usage_error("unknown %s '%s' (one of %s)", kind, name,
			       tp_registry_names(table, n, names, sizeof(names)));
	return NULL;
}
