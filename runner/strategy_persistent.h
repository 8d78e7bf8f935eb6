/* The persistent strategy's framings and the setup `run`, `bench` and `tune`
 * share for `--persistent FRAMING`. */
#ifndef TP_RUNNER_STRATEGY_PERSISTENT_H
#define TP_RUNNER_STRATEGY_PERSISTENT_H

#include "runner/pool.h"

struct tp_workload;

/* "lines" | "json" -> *out: 0, or a usage error naming s. */
int tp_framing_parse(const char *s, enum tp_framing *out);
/* "lines" | "json" (static text). */
const char *tp_framing_name(enum tp_framing f);

/* Sets po up for persistent workers of command workload wl with framing
 * (strategy "persistent", po->framing).  Usage errors: not a command, an
 * unknown framing, placeholders ({} and the like apply per input, not to a
 * command started once), --shell.  Returns 0 or -1. */
int tp_persistent_setup(const struct tp_workload *wl, const char *framing, int shell,
			struct tp_pool_opts *po);

#endif
