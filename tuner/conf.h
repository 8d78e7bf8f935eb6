/* tunepool.conf: the tuned configuration, its INI form (read with libinih,
 * written atomically) and its defaults. */
#ifndef TP_TUNER_CONF_H
#define TP_TUNER_CONF_H

#include "core/results.h"

struct tp_strbuf;

#define TP_CONF_TEXT_MAX 256

struct tp_tuned_conf {
	/* comment header (not parsed back except what [machine] repeats) */
	char workload[TP_CONF_TEXT_MAX];	/* "sleep:ms=20ms" or the command */
	char date[32];				/* ISO 8601 UTC of the tuning run */
	char objective[16];			/* throughput | latency | efficiency */

	/* [run] */
	int workers;				/* >= 1 */
	int batch;				/* >= 1 */
	char strategy[TP_NAME_MAX];		/* thread | process | exec */
	char start[TP_NAME_MAX];		/* fork | spawn | "" (thread, exec) */
	char bind[TP_NAME_MAX];			/* none | core | numa */
	char framing[TP_NAME_MAX];		/* persistent: lines | json; "" otherwise */

	/* [bounds] for the adaptive run */
	int min_workers, max_workers;		/* 1 <= min <= workers <= max */
	long long memory_per_worker_kb;		/* 0 = unknown */
	long long memory_base_kb;		/* the runner's own peak before any
						 * trial; 0 = unknown (not written) */
	int min_given, max_given;		/* read from the file (not defaults) */

	/* [monitor] */
	int interval_ms;			/* sampling period, >= 10 */
	char controller[TP_NAME_MAX];		/* "hill" (default), "usl", "none" */

	/* [model]: NAN where unknown (written as "none") */
	char model_kind[16];			/* "usl", "amdahl" or "" */
	double usl_sigma, usl_kappa;
	double peak_workers;			/* N*; 0 = no peak (Amdahl) */
	double throughput, throughput_ci_low, throughput_ci_high;	/* tasks/s */
	char complete[8];			/* "true", or "false": the budget cut the
						 * search short, the pick is provisional */

	/* [machine] */
	char fingerprint[32];
	double cpus_usable;			/* 0 = unknown */
	long long memory_usable_kb;		/* 0 = unknown */
};

/* Defaults: workers 1, batch 1, thread, no binding, bounds 1..workers,
 * interval 500 ms, controller "hill", model unknown. */
void tp_conf_init(struct tp_tuned_conf *c);

/* A tunepool.conf is about 1 KB: more than this is not one. */
#define TP_CONF_MAX (1 << 20)
struct tp_strbuf;
/* Reads a config file of at most TP_CONF_MAX bytes and without NUL bytes into
 * sb (else a usage error naming the file and line, and -1); every reader of
 * confs goes through it. */
int tp_conf_slurp(const char *path, struct tp_strbuf *sb);

/* Reads path (INI, libinih) over the defaults of tp_conf_init().  Unknown
 * sections or keys, a key set twice, a NUL byte, a file over TP_CONF_MAX and
 * bad values are usage errors naming the file, line, key and value ("'x.conf':
 * line 7: workers = 'abc' is not a number"); returns -1 then (exit 2), or when
 * the file cannot be opened (system). */
int tp_conf_read(const char *path, struct tp_tuned_conf *c);
/* The same from text; path only names the source in errors. */
int tp_conf_parse(const char *text, const char *path, struct tp_tuned_conf *c);
/* Checks the invariants (bounds, names); usage error naming path on failure. */
int tp_conf_validate(const struct tp_tuned_conf *c, const char *path);

/* Appends the INI text (comment header + sections of DESIGN.md) to out. */
void tp_conf_format(const struct tp_tuned_conf *c, struct tp_strbuf *out);
/* Writes the INI text to path atomically (temp file + rename). */
int tp_conf_write(const char *path, const struct tp_tuned_conf *c);

#endif
