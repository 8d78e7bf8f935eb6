/* Help texts from the registries: one table of kinds, each a registry. */
#include "cli/lists.h"
#include "cli/cmd.h"
#include "cli/list.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "reports/compare.h"
#include "reports/format.h"
#include "runner/controller.h"
#include "runner/pool.h"
#include "runner/strategy.h"
#include "tuner/export.h"
#include "tuner/protocol.h"
#include "tuner/search.h"
#include "workloads/workload.h"

#include <string.h>

#define DECLARE(n) extern const struct tp_cmd_desc tp_cmd_##n;
TP_COMMANDS(DECLARE)
#undef DECLARE
#define ENTRY(n) &tp_cmd_##n,
static const struct tp_cmd_desc *const commands[] = { TP_COMMANDS(ENTRY) };
#undef ENTRY

const struct tp_cmd_desc *const *tp_cli_commands(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

static const void *const *command_table(size_t *n)
{
	return (const void *const *)tp_cli_commands(n);
}

/* Each registry's accessor, as a table of descriptors that start with
 * struct tp_named. */
#define ADAPT(fn)                                             \
	static const void *const *fn##_any(size_t *n)         \
	{                                                     \
		return (const void *const *)fn(n);            \
	}
ADAPT(tp_workload_table)
ADAPT(tp_strategy_table)
ADAPT(tp_search_table)
ADAPT(tp_controller_table)
ADAPT(tp_export_table)
ADAPT(tp_report_format_table)
ADAPT(tp_compare_format_table)
#undef ADAPT

struct kind {
	const char *name;	/* as in {list:NAME} and `help --list NAME` */
	const char *what;	/* for `help --list` */
	const void *const *(*table)(size_t *n);
};

static const struct kind kinds[] = {
	{ "commands", "subcommands", command_table },
	{ "workloads", "built-in workloads (-w NAME)", tp_workload_table_any },
	{ "strategies", "pool strategies (--strategy)", tp_strategy_table_any },
	{ "starts", "start methods of process workers (--start)", tp_start_table },
	{ "searches", "tune's searches (--search)", tp_search_table_any },
	{ "objectives", "tune's objectives (--objective)", tp_objective_table },
	{ "controllers", "run's worker-count controllers (--controller)", tp_controller_table_any },
	{ "exports", "export formats (export --format)", tp_export_table_any },
	{ "reports", "report formats (report --format)", tp_report_format_table_any },
	{ "compares", "compare formats (compare --format)", tp_compare_format_table_any },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct kind *find_kind(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (strlen(kinds[i].name) == len && !strncmp(kinds[i].name, name, len))
			return &kinds[i];
	return NULL;
}

/* Hidden commands (worker mode) are not listed. */
static int listed(const struct kind *k, const void *e)
{
	return k->table != command_table || !((const struct tp_cmd_desc *)e)->hidden;
}

static void add_names(struct tp_strbuf *out, const struct kind *k)
{
	size_t i, n;
	int first = 1;
	const void *const *t = k->table(&n);

	for (i = 0; i < n; i++) {
		if (!listed(k, t[i]))
			continue;
		tp_strbuf_addf(out, "%s%s", first ? "" : "|", ((const struct tp_named *)t[i])->name);
		first = 0;
	}
}

static void add_list(struct tp_strbuf *out, const struct kind *k, size_t indent)
{
	size_t i, n, w = 0;
	int first = 1;
	const void *const *t = k->table(&n);

	for (i = 0; i < n; i++)
		if (listed(k, t[i]) && strlen(((const struct tp_named *)t[i])->name) > w)
			w = strlen(((const struct tp_named *)t[i])->name);
	for (i = 0; i < n; i++) {
		const struct tp_named *e = t[i];

		if (!listed(k, t[i]))
			continue;
		/* the first line's indent is the text's own, before the token */
		tp_strbuf_addf(out, "%*s%-*s  %s\n", first ? 0 : (int)indent, "", (int)w, e->name,
			       e->summary ? e->summary : "");
		first = 0;
	}
}

void tp_cli_expand(struct tp_strbuf *out, const char *text)
{
	const char *p = text, *open;

	while ((open = strchr(p, '{'))) {
		int list = !strncmp(open, "{list:", 6), names = !strncmp(open, "{names:", 7);
		const char *kname = open + (list ? 6 : 7), *close = strchr(open, '}');
		const struct kind *k;
		size_t indent = 0;

		if ((!list && !names) || !close) {
			tp_strbuf_add(out, p, (size_t)(open - p) + 1);
			p = open + 1;
			continue;
		}
		k = find_kind(kname, (size_t)(close - kname));
		if (!k)
			TP_BUG("a help text names an unknown {list:} or {names:} kind");
		tp_strbuf_add(out, p, (size_t)(open - p));
		if (list) {
			const char *bol = open;

			while (bol > text && bol[-1] == ' ')
				bol--;
			indent = (size_t)(open - bol);
			add_list(out, k, indent);
			p = close + 1;
			if (*p == '\n')
				p++;	/* the list ends with its own newline */
		} else {
			add_names(out, k);
			p = close + 1;
		}
	}
	tp_strbuf_adds(out, p);
}

/* A roff-safe copy of s: backslashes and leading dots escaped, '-' as \-. */
static void roff_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

int tp_cli_list(const char *kind, int roff)
{
	const struct kind *k;
	size_t i, n;
	const void *const *t;

	if (!kind) {
		for (i = 0; i < NKINDS; i++)
			printf("%-12s %s\n", kinds[i].name, kinds[i].what);
		return TP_EXIT_OK;
	}
	k = find_kind(kind, strlen(kind));
	if (!k) {
		tp_usage_error("unknown list '%s'; see 'tunepool help --list'", kind);
		return TP_EXIT_USAGE;
	}
	t = k->table(&n);
	for (i = 0; i < n; i++) {
		const struct tp_named *e = t[i];

		if (!listed(k, t[i]))
			continue;
		if (!roff) {
			printf("%s\n", e->name);
			continue;
		}
		fputs(".TP\n.B ", stdout);
		roff_text(e->name);
		fputs("\n", stdout);
		roff_text(e->summary ? e->summary : "");
		fputs("\n", stdout);
	}
	return fflush(stdout) ? TP_EXIT_SYSTEM : TP_EXIT_OK;
}
