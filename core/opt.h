/* Option tables ({name, type, min, max, default, help}) and value parsing. */
#ifndef TP_CORE_OPT_H
#define TP_CORE_OPT_H

#include <stddef.h>

enum tp_opt_type {
	TP_OPT_NONE = 0,	/* marks the end of a table */
	TP_OPT_INT,		/* integer, "12" */
	TP_OPT_SIZE,		/* bytes, "64K", "1MiB", "2G" (powers of 1024) */
	TP_OPT_DOUBLE,		/* real number */
	TP_OPT_DURATION,	/* seconds, "250ms", "2s", "1m", "500us"; bare = seconds */
	TP_OPT_STRING,		/* any text */
	TP_OPT_CHOICE,		/* one of .choices, "a|b|c" */
};

struct tp_opt {
	const char *name;
	enum tp_opt_type type;
	double min, max;	/* bounds for numeric types; ignored when min > max */
	const char *def;	/* default, as text; NULL = no default (value 0 / "") */
	const char *help;
	const char *choices;	/* TP_OPT_CHOICE only */
};

/* Ends every table: { ..., TP_OPT_END }. */
#define TP_OPT_END { NULL, TP_OPT_NONE, 0, 0, NULL, NULL, NULL }

struct tp_optval {
	double num;		/* numeric value (seconds for durations, bytes for sizes) */
	char *str;		/* the text, always set; owned by the set */
};

struct tp_optset {
	const struct tp_opt *tab;
	struct tp_optval *vals;	/* one per table entry */
	size_t n;
};

/* Parses "key=value,key=value" (spec may be NULL or "") against tab, filling
 * defaults first.  subject names the thing in errors, e.g. "workload 'cpu'".
 * Errors (unknown key with a suggestion, bad value, out of range) are usage
 * errors naming key and value; returns -1.  Release with tp_optset_release(). */
int tp_optset_parse(struct tp_optset *set, const struct tp_opt *tab, const char *spec,
		    const char *subject);
void tp_optset_release(struct tp_optset *set);
/* Value lookups by name; TP_BUG() on a name the table lacks. */
double tp_optset_num(const struct tp_optset *set, const char *name);
const char *tp_optset_str(const struct tp_optset *set, const char *name);
/* Canonical "k=v,k=v" of every option, for signatures and results. */
char *tp_optset_format(const struct tp_optset *set);
/* Prints the table as help lines ("  name=TYPE  help (default D, MIN..MAX)"). */
void tp_opt_table_print(const struct tp_opt *tab, const char *indent);

/* Value parsers: 0 on success, -1 (no message) when s is not of the form. */
int tp_parse_long(const char *s, long long *out);
int tp_parse_double(const char *s, double *out);
int tp_parse_size(const char *s, double *bytes);
int tp_parse_duration(const char *s, double *seconds);
/* "1,2,4" or "1-8" or "1,2,4-6"; returns count, -1 when malformed; out holds max ints. */
int tp_parse_int_list(const char *s, int *out, int max);
/* Splits "a,b,c" into up to max pointers into a new copy (free *storage). */
int tp_split_list(const char *s, char **out, int max, char **storage);

#endif
