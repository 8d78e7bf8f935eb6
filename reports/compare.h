/* Regression verdicts between two results: configs matched, ratio of median
 * throughputs with a bootstrap CI, Mann-Whitney p, and their text, markdown
 * and JSON forms. */
#ifndef TP_REPORTS_COMPARE_H
#define TP_REPORTS_COMPARE_H

#include <stddef.h>

#include "core/results.h"

struct tp_strbuf;

/* Default fewest repeats on each side for a verdict other than inconclusive
 * (--min-repeats); beyond it a verdict also needs enough repeats that the
 * Mann-Whitney test could reach alpha at all (see tp_compare_min_p). */
#define TP_COMPARE_MIN_REPEATS 3
#define TP_COMPARE_RESAMPLES 10000
#define TP_COMPARE_SEED 20260521UL

enum tp_verdict {
	TP_VERDICT_UNCHANGED,
	TP_VERDICT_IMPROVED,
	TP_VERDICT_REGRESSED,
	TP_VERDICT_INCONCLUSIVE,
	TP_VERDICT_ONLY_BASE,	/* config measured in base only */
	TP_VERDICT_ONLY_NEW,
};

struct tp_compare_opts {
	double threshold;	/* relative change that matters, 0.05 = 5% */
	double alpha;		/* significance level of the U test */
	size_t resamples;	/* bootstrap draws, >= 10000 by default */
	unsigned long seed;	/* GSL RNG seed: same inputs, same CIs */
	size_t min_repeats;	/* TP_COMPARE_MIN_REPEATS by default */
	int force;		/* compare different workloads (a warning, not an error) */
};

struct tp_compare_row {
	struct tp_config config;
	enum tp_verdict verdict;
	size_t nbase, nnew;
	double base_median, new_median;
	double ratio, ci_low, ci_high;	/* new / base throughput, 95% bootstrap CI */
	double p;			/* two-sided Mann-Whitney U */
	char reason[200];		/* why this verdict, one line */
	char label[96];			/* shown instead of the config when set (hyperfine commands) */
};

struct tp_comparison {
	struct tp_compare_opts opts;
	const char *base_name, *new_name;	/* borrowed file names */
	struct tp_compare_row *rows;		/* owned; base order, then new-only */
	size_t nrows;
	size_t matched, counts[TP_VERDICT_ONLY_NEW + 1];
	double geomean;			/* of the matched ratios; NAN when none */
	char warnings[4][384];		/* machine or workload differences */
	int nwarnings;
};

/* Defaults: threshold 5%, alpha 0.05, 10,000 resamples, fixed seed. */
void tp_compare_opts_init(struct tp_compare_opts *o);
/* Compares; a usage error (-1) when no config is common to both.  Release
 * out with tp_comparison_release(). */
int tp_compare(const struct tp_results *base, const char *base_name,
	       const struct tp_results *new_, const char *new_name,
	       const struct tp_compare_opts *o, struct tp_comparison *out);
void tp_comparison_release(struct tp_comparison *c);
/* The smallest two-sided Mann-Whitney p that na and nb repeats can give
 * (every repeat of one side beyond every one of the other): 2 / C(na+nb, na). */
double tp_compare_min_p(size_t na, size_t nb);
/* Fewest repeats k for the side now at nb, the other keeping na, so that
 * tp_compare_min_p(na, k) < alpha (0 when none up to 10,000). */
size_t tp_compare_repeats_needed(size_t na, double alpha);
/* "regressed", "improved", ... */
const char *tp_verdict_name(enum tp_verdict v);

/* Output formats of `tunepool compare`, in one table. */
struct tp_compare_format_desc {
	const char *name;
	const char *summary;
	void (*render)(const struct tp_comparison *c, struct tp_strbuf *out);
};
/* The format named name; a usage error with a suggestion and NULL when none. */
const struct tp_compare_format_desc *tp_compare_format_find(const char *name);
/* "text|md|json" (static storage), from the table. */
const char *tp_compare_format_names(void);
/* Every compare format, in --help order. */
const struct tp_compare_format_desc *const *tp_compare_format_table(size_t *n);

#endif
