/* The end-of-run summary: elapsed, tasks, throughput, width, CPU, efficiency. */
#include "runner/summary.h"

#include "core/results.h"

#include <string.h>

void tp_run_summary_fill(struct tp_run_summary *s, const struct tp_repeat *rep,
			 const struct tp_results *res, long long ok, long long failed,
			 long long skipped, double busy_s, int width)
{
	size_t i, n = res ? res->ntimeline : 0;
	double area = 0, span = 0;

	memset(s, 0, sizeof(*s));
	s->elapsed_s = rep->wall_s;
	s->ok = ok;
	s->failed = failed;
	s->skipped = skipped;
	s->throughput = rep->wall_s > 0 ? (ok + failed) / rep->wall_s : 0;
	s->cpu_util = rep->wall_s > 0 ? rep->cpu_util : -1;
	s->busy_s = busy_s;
	s->width_start = s->width_end = s->width_min = s->width_peak = width;
	s->width_mean = width;
	if (n) {
		const struct tp_timeline_point *tl = res->timeline;

		s->width_start = s->width_end = s->width_min = s->width_peak = tl[0].workers;
		for (i = 0; i < n; i++) {
			double dt = i ? tl[i].t_s - tl[i - 1].t_s : tl[0].t_s;

			if (tl[i].workers > s->width_peak)
				s->width_peak = tl[i].workers;
			if (tl[i].workers < s->width_min)
				s->width_min = tl[i].workers;
			if (i && tl[i].workers != tl[i - 1].workers)
				s->width_changes++;
			if (dt > 0) {
				area += dt * tl[i].workers;
				span += dt;
			}
		}
		s->width_end = tl[n - 1].workers;
		s->width_mean = span > 0 ? area / span : tl[n - 1].workers;
		if (width > s->width_peak)	/* the start, before the first point */
			s->width_peak = width;
		s->width_start = width;
	}
	s->efficiency = s->elapsed_s > 0 && s->width_mean > 0
			? busy_s / (s->elapsed_s * s->width_mean) : -1;
	if (s->efficiency > 1)
		s->efficiency = 1;
}

void tp_run_summary_print(const struct tp_run_summary *s, FILE *f)
{
	char pre[32];

	if (s->stage > 0)
		snprintf(pre, sizeof(pre), "run: stage %d: ", s->stage);
	else
		snprintf(pre, sizeof(pre), "run: ");
	fprintf(f, "%s%lld ok, %lld failed", pre, s->ok, s->failed);
	if (s->skipped)
		fprintf(f, ", %lld skipped", s->skipped);
	fprintf(f, " in %.2fs, %.2f tasks/s\n", s->elapsed_s, s->throughput);
	fprintf(f, "%swidth mean %.1f, peak %d (start %d, end %d, min %d, %d change%s)\n",
		pre, s->width_mean, s->width_peak, s->width_start, s->width_end, s->width_min,
		s->width_changes, s->width_changes == 1 ? "" : "s");
	if (s->cpu_util >= 0)
		fprintf(f, "%scpu %.0f%% of the usable CPUs", pre, 100 * s->cpu_util);
	else
		fprintf(f, "%scpu unknown", pre);
	if (s->efficiency >= 0)
		fprintf(f, ", workers busy %.0f%% of the time\n", 100 * s->efficiency);
	else
		fputc('\n', f);
}

json_t *tp_run_summary_to_json(const struct tp_run_summary *s)
{
	json_t *j = json_pack("{s:f, s:I, s:I, s:I, s:f, s:{s:i, s:i, s:i, s:i, s:f, s:i}, s:o, s:f, s:o}",
			 "elapsed_s", s->elapsed_s, "ok", (json_int_t)s->ok,
			 "failed", (json_int_t)s->failed, "skipped", (json_int_t)s->skipped,
			 "throughput", s->throughput,
			 "width", "start", s->width_start, "end", s->width_end, "min", s->width_min,
			 "peak", s->width_peak, "mean", s->width_mean, "changes", s->width_changes,
			 "cpu_util", s->cpu_util >= 0 ? json_real(s->cpu_util) : json_null(),
			 "busy_s", s->busy_s,
			 "efficiency", s->efficiency >= 0 ? json_real(s->efficiency) : json_null());

	if (j && s->stage > 0)
		json_object_set_new(j, "stage", json_integer(s->stage));
	return j;
}
