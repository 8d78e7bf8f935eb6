/* The registries as help sees them: every kind of entry (workloads,
 * strategies, start methods, searches, controllers, objectives, export,
 * report and compare formats, commands) by name, so help texts, the man
 * page's lists and the tests come from the tables themselves. */
#ifndef TP_CLI_LISTS_H
#define TP_CLI_LISTS_H

#include <stddef.h>
#include <stdio.h>

struct tp_strbuf;
struct tp_cmd_desc;

/* The subcommands, expanded from cli/list.h (hidden ones included). */
const struct tp_cmd_desc *const *tp_cli_commands(size_t *n);

/* Appends text to out with its tokens expanded:
 *   {names:KIND}   the names joined by '|'          ("ini|json|env|...")
 *   {list:KIND}    one "NAME  SUMMARY" line per entry, indented like the token
 * An unknown kind is a bug in a help text (TP_BUG). */
void tp_cli_expand(struct tp_strbuf *out, const char *text);
/* `tunepool help --list [KIND]`: the kinds, or KIND's names one per line;
 * `tunepool help --roff KIND`: KIND as man-page .TP items.  Exit code. */
int tp_cli_list(const char *kind, int roff);

#endif
