/* Name lookup in registration tables and "did you mean" suggestions. */
#ifndef TP_CORE_REGISTRY_H
#define TP_CORE_REGISTRY_H

#include <stddef.h>

/* The head every registered descriptor starts with: its name and a one-line
 * summary (help texts and the man page's lists are made from these). */
struct tp_named {
	const char *name;
	const char *summary;
};

/* Every registered descriptor starts with `const char *name`; tables are arrays
 * of pointers to descriptors.  Returns the descriptor named name, or NULL. */
const void *tp_registry_find(const void *const *table, size_t n, const char *name);
/* The table's name closest to name (edit distance <= 1/3 of its length + 1),
 * or NULL. */
const char *tp_registry_suggest(const void *const *table, size_t n, const char *name);
/* Like tp_registry_find, but on a miss prints the usage error
 * "unknown KIND 'NAME'; did you mean 'X'?" (or lists the valid names) and
 * returns NULL.  kind is e.g. "workload", "export format". */
const void *tp_registry_lookup(const void *const *table, size_t n, const char *name,
			       const char *kind);
/* "a|b|c" of the table's names into buf (truncated to size); returns buf. */
const char *tp_registry_names(const void *const *table, size_t n, char *buf, size_t size);
/* The same over a plain array of names. */
const char *tp_closest_name(const char *const *names, size_t n, const char *name);
/* Levenshtein distance. */
size_t tp_edit_distance(const char *a, const char *b);

#endif
