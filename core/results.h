/* The results model (machine, workload, trials, model, recommendation,
 * timeline) and its JSON and CSV forms, read and written only here. */
#ifndef TP_CORE_RESULTS_H
#define TP_CORE_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#define TP_RESULTS_SCHEMA 1
#define TP_NAME_MAX 32

#define TP_COMMAND_MAX 128

/* One point of the parameter space.  start is "" where it does not apply
 * (thread and exec strategies); command is "" except in a bench of several
 * commands, where it names which one ran (JSON "command", only when set). */
struct tp_config {
	int workers;
	int batch;
	char strategy[TP_NAME_MAX];
	char start[TP_NAME_MAX];
	char command[TP_COMMAND_MAX];
};

struct tp_counter {
	char name[64];		/* e.g. "perf::CONTEXT-SWITCHES" or "rusage::nvcsw" */
	double value;
};

/* One measured run of one config. */
struct tp_repeat {
	double wall_s;
	long long tasks;
	double throughput;		/* tasks / wall_s */
	double cpu_user_s, cpu_sys_s;	/* including children */
	double cpu_util;		/* (user+sys) / wall / cpus_usable, 0..1+ */
	long long rss_peak_kb;		/* max over workers */
	long long ctx_switches;		/* voluntary + involuntary */
	long long ctx_voluntary, ctx_involuntary;
	double lat_p50_s, lat_p95_s, lat_p99_s;
	long long failures;
	int outlier;			/* flagged by MAD, still kept */
	size_t ncounters;
	struct tp_counter *counters;	/* owned */
	char counters_source[160];	/* which counters were recorded and why the
					 * others were not ("" unknown) */
};

/* Summary of a trial's throughputs (or of any sample). */
struct tp_stats {
	size_t n;
	double median, ci_low, ci_high;	/* 95% CI of the median */
	double mad;			/* raw median absolute deviation */
	int outliers;
};

struct tp_trial {
	struct tp_config config;
	struct tp_repeat *repeats;	/* owned */
	size_t nrepeats, alloc;
	struct tp_stats stats;
};

enum tp_objective {
	TP_OBJ_THROUGHPUT,	/* tasks/s, higher is better */
	TP_OBJ_LATENCY,		/* p95 task latency, lower is better */
	TP_OBJ_EFFICIENCY,	/* throughput per worker */
};

/* "throughput" | "latency" | "efficiency"; -1 (no message) otherwise. */
int tp_objective_parse(const char *s, enum tp_objective *out);
/* The objectives as struct tp_named entries, in enum order. */
const void *const *tp_objective_table(size_t *n);
const char *tp_objective_name(enum tp_objective o);

/* What kind of model a tp_model holds, from its kind string: "usl", "amdahl",
 * or none ("" or anything else: not fitted). */
enum tp_model_kind {
	TP_MODEL_NONE = 0,
	TP_MODEL_USL,
	TP_MODEL_AMDAHL,
};
struct tp_model;
enum tp_model_kind tp_model_kind_of(const struct tp_model *m);
const char *tp_model_kind_name(enum tp_model_kind k);	/* "usl", "amdahl", "" */
/* The objective of a recommendation (its objective string); throughput when
 * the string is empty or unknown. */
struct tp_recommendation;
enum tp_objective tp_recommendation_objective(const struct tp_recommendation *r);

/* Scaling model fitted over worker counts: X(N) = lambda N / (1 + sigma (N-1)
 * + kappa N (N-1)).  kind is "usl", "amdahl" or "" when not fitted. */
struct tp_model {
	char kind[16];
	double lambda, sigma, kappa;
	double peak_workers;		/* N* (infinite for Amdahl: reported as 0) */
	double r2;			/* fit quality */
	int points;			/* worker counts used */
};

struct tp_recommendation {
	int present;
	struct tp_config config;
	char objective[16];		/* throughput | latency | efficiency */
	double value, ci_low, ci_high;	/* objective of the recommended config */
	struct tp_config *near;		/* near_equivalent[], owned */
	size_t nnear;
	int incomplete;			/* the budget cut the search short: provisional
					 * ("complete": false in the JSON) */
};

/* One monitor sample of a `run`. */
struct tp_timeline_point {
	double t_s;			/* since the run started */
	int workers;
	double throughput;		/* completions/s over the last interval */
	double cpu_busy;		/* 0..1 of usable CPUs */
	double mem_pressure;		/* PSI memory some avg10, or -1 */
	double queue_depth;
};

/* `run`'s end-of-run summary as read back from "summary" (runner/summary.c
 * writes it); present is 0 in files without one.  Figures a file leaves
 * out or sets to null (cpu_util, efficiency: unknown) are NAN; width_* -1. */
struct tp_results_summary {
	int present;
	double elapsed_s;
	long long ok, failed, skipped;
	double throughput;		/* finished tasks (ok + failed) / elapsed */
	int width_start, width_end, width_min, width_peak, width_changes;
	double width_mean;		/* time-weighted over the timeline */
	double cpu_util;		/* 0..1 of the usable CPUs */
	double busy_s;			/* sum of the task durations */
	double efficiency;		/* busy_s / (elapsed * mean width), 0..1 */
};

struct tp_results {
	int schema;
	char *tool_version;
	json_t *machine;		/* probe output, owned reference (may be NULL) */
	char *workload_name;		/* "cpu", "exec", "plugin", ... */
	char *workload_options;		/* canonical "k=v,..." or the command */
	char *input_signature;		/* hash of the inputs used */
	struct tp_trial *trials;	/* owned */
	size_t ntrials, alloc;
	struct tp_model model;
	struct tp_recommendation rec;
	struct tp_timeline_point *timeline;
	size_t ntimeline, timeline_alloc;
	json_t *run_summary;		/* `run`'s end-of-run summary, owned (may be NULL):
					 * written as is; a read keeps a copy */
	struct tp_results_summary summary;	/* the same, read back (from_json) */
};

void tp_results_init(struct tp_results *r);
/* Frees everything and leaves r initialised. */
void tp_results_release(struct tp_results *r);

int tp_config_equal(const struct tp_config *a, const struct tp_config *b);
/* The trial of r measured with config c, or NULL. */
const struct tp_trial *tp_results_find_trial(const struct tp_results *r, const struct tp_config *c);
/* "w=4 b=16 thread" / "w=2 b=1 process/spawn" / "w=2 b=1 exec: gzip -1 {}" into buf. */
const char *tp_config_format(const struct tp_config *c, char *buf, size_t size);

/* The trial for c, added (empty) when absent.  Pointer valid until the next add. */
struct tp_trial *tp_results_trial(struct tp_results *r, const struct tp_config *c);
/* Appends a copy of rep (counters copied) to t. */
void tp_trial_add_repeat(struct tp_trial *t, const struct tp_repeat *rep);
/* Recomputes t->stats from the repeats' throughputs and flags outliers. */
void tp_trial_update_stats(struct tp_trial *t);
void tp_results_add_timeline(struct tp_results *r, const struct tp_timeline_point *p);

/* JSON form of DESIGN.md.  to_json returns a new reference. */
json_t *tp_results_to_json(const struct tp_results *r);
/* Fills r from a parsed document; errors are usage errors naming path and the
 * field (e.g. "'a.json': trials[3].repeats[0].wall_s is not a number"). */
int tp_results_from_json(struct tp_results *r, const json_t *doc, const char *path);
/* Atomic write of the JSON form. */
int tp_results_write(const struct tp_results *r, const char *path);
/* Results of thousands of trials are a few MB; past this, not a results file. */
#define TP_RESULTS_MAX (64ull << 20)

/* Reads and validates path into an initialised r (at most TP_RESULTS_MAX
 * bytes, so /dev/zero is refused rather than read forever). */
int tp_results_read(struct tp_results *r, const char *path);
/* One row per repeat, config_* columns first; written atomically. */
int tp_results_write_csv(const struct tp_results *r, const char *path);

#endif
