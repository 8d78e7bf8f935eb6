/* The end-of-run summary of a `run` (the performance-monitor summary): one
 * struct filled from the pool's measurements and the monitor's timeline,
 * printed on stderr and stored in results.json. */
#ifndef TP_RUNNER_SUMMARY_H
#define TP_RUNNER_SUMMARY_H

#include <stdio.h>

#include <jansson.h>

struct tp_repeat;
struct tp_results;

struct tp_run_summary {
	double elapsed_s;
	long long ok, failed, skipped;
	double throughput;		/* finished tasks / elapsed */
	int width_start, width_end, width_min, width_peak;
	double width_mean;		/* over the timeline (time-weighted) */
	int width_changes;		/* timeline points where the width moved */
	double cpu_util;		/* 0..1 of the usable CPUs, -1 unknown */
	double busy_s;			/* sum of the task durations */
	double efficiency;		/* busy_s / (elapsed * mean width), 0..1, -1 unknown */
	int stage;			/* a --then pipeline's stage (1-based), 0 none: the
					 * lines then say "run: stage K: " and the JSON has
					 * "stage" */
};

/* Fills s from one run's measurements (rep), its timeline (res, may be NULL
 * or empty), the counts and the tasks' summed duration.  width is the width
 * the pool started at (used when the timeline is empty). */
void tp_run_summary_fill(struct tp_run_summary *s, const struct tp_repeat *rep,
			 const struct tp_results *res, long long ok, long long failed,
			 long long skipped, double busy_s, int width);
/* Prints the summary block (several lines, each starting "run: "). */
void tp_run_summary_print(const struct tp_run_summary *s, FILE *f);
/* The summary as a JSON object (new reference). */
json_t *tp_run_summary_to_json(const struct tp_run_summary *s);

#endif
