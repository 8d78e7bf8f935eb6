/* `tunepool report`: the markdown/HTML report of one or more results files,
 * with tables, the scaling model in words, warnings and gnuplot plots. */
#include "reports/report.h"
#include "reports/doc.h"
#include "reports/format.h"
#include "reports/plot.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Trials noisier than this (CI width over median) are flagged. */
#define NOISY_CI 0.10
/* Context switches per task this many times those of the fewest workers
 * means the pool is oversubscribed. */
#define OVERSUB_RATIO 4.0
#define MAX_LISTED 10

/* A formatted number that lives until the end of the full expression. */
struct num {
	char s[48];
};

static struct num fmt(double x, int sig)
{
	struct num n;

	if (!isfinite(x))
		snprintf(n.s, sizeof(n.s), "-");
	else
		snprintf(n.s, sizeof(n.s), "%.*g", sig, x);
	return n;
}

/* Rates and throughputs: fixed decimals by magnitude, never exponents. */
static struct num rate(double x)
{
	struct num n;

	if (!isfinite(x))
		snprintf(n.s, sizeof(n.s), "-");
	else if (fabs(x) >= 100)
		snprintf(n.s, sizeof(n.s), "%.1f", x);
	else if (fabs(x) >= 1)
		snprintf(n.s, sizeof(n.s), "%.2f", x);
	else
		snprintf(n.s, sizeof(n.s), "%.4f", x);
	return n;
}

static struct num cfgs(const struct tp_config *c)
{
	struct num n;

	tp_config_format(c, n.s, sizeof(n.s));
	return n;
}

static struct num kib(double kb)
{
	struct num n;

	if (!isfinite(kb) || kb < 0)
		snprintf(n.s, sizeof(n.s), "-");
	else if (kb >= 1024.0 * 1024)
		snprintf(n.s, sizeof(n.s), "%.1f GiB", kb / (1024.0 * 1024));
	else if (kb >= 1024)
		snprintf(n.s, sizeof(n.s), "%.1f MiB", kb / 1024.0);
	else
		snprintf(n.s, sizeof(n.s), "%.0f KiB", kb);
	return n;
}

/* ---- machine facts from the probe object ---- */

static json_t *jget(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && json_is_object(o)) {
		dot = strchr(path, '.');
		if (!dot)
			return json_object_get(o, path);
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return NULL;
}

static double jnum(const json_t *o, const char *path)
{
	json_t *v = jget(o, path);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstr(const json_t *o, const char *path)
{
	json_t *v = jget(o, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int is_vm(const json_t *m)
{
	return json_is_true(jget(m, "topology.vm"));
}

/* ---- per-trial figures ---- */

static double counter(const struct tp_repeat *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ncounters; i++)
		if (!strcmp(p->counters[i].name, name))
			return p->counters[i].value;
	return NAN;
}

enum figure {
	FIG_CPUS,	/* (user + sys) / wall */
	FIG_RSS,
	FIG_CTX_PER_TASK,
	FIG_MIGR_PER_TASK,
	FIG_IPC,
	FIG_LLC_PER_TASK,
	FIG_P95_MS,
	FIG_FAILURES,
	FIG_THROTTLED,
};

static double figure_of(const struct tp_repeat *p, enum figure f)
{
	double tasks = p->tasks > 0 ? (double)p->tasks : NAN;

	switch (f) {
	case FIG_CPUS:
		return p->wall_s > 0 ? (p->cpu_user_s + p->cpu_sys_s) / p->wall_s : NAN;
	case FIG_RSS:
		return (double)p->rss_peak_kb;
	case FIG_CTX_PER_TASK:
		return (double)p->ctx_switches / tasks;
	case FIG_MIGR_PER_TASK:
		return counter(p, "perf::CPU-MIGRATIONS") / tasks;
	case FIG_IPC:
		return counter(p, "PAPI_TOT_INS") / counter(p, "PAPI_TOT_CYC");
	case FIG_LLC_PER_TASK:
		return counter(p, "PAPI_L3_TCM") / tasks;
	case FIG_P95_MS:
		return p->lat_p95_s * 1e3;
	case FIG_FAILURES:
		return (double)p->failures;
	case FIG_THROTTLED: {
		double sum = 0;
		size_t i;

		for (i = 0; i < p->ncounters; i++)
			if (strstr(p->counters[i].name, "throttled") && isfinite(p->counters[i].value))
				sum += p->counters[i].value;
		return sum;
	}
	}
	return NAN;
}

/* Median of a figure over the repeats where it is known. */
static double trial_figure(const struct tp_trial *t, enum figure f)
{
	double *v = tp_xmalloc((t->nrepeats ? t->nrepeats : 1) * sizeof(*v)), m;
	size_t i, n = 0;

	for (i = 0; i < t->nrepeats; i++) {
		double x = figure_of(&t->repeats[i], f);

		if (isfinite(x))
			v[n++] = x;
	}
	m = n ? tp_stats_median(v, n) : NAN;
	free(v);
	return m;
}

static int any_figure(const struct tp_results *r, enum figure f)
{
	size_t i;

	for (i = 0; i < r->ntrials; i++)
		if (isfinite(trial_figure(&r->trials[i], f)))
			return 1;
	return 0;
}

static double ci_width(const struct tp_trial *t)
{
	return t->stats.median > 0 ? (t->stats.ci_high - t->stats.ci_low) / t->stats.median : NAN;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- sections ---- */

static void section_machine(struct tp_doc *d, const struct tp_results *r, int level)
{
	const json_t *m = r->machine;
	const char *model, *src, *papi;
	double usable, limit;

	tp_doc_heading(d, level, "Machine");
	if (!m) {
		tp_doc_para(d, "The results carry no machine description.");
		return;
	}
	model = jstr(m, "topology.cpu_model");
	tp_doc_item(d, "CPU: %s; %s package(s), %s NUMA node(s), %s cores, %s PUs (SMT %s)%s",
		    model && *model ? model : "unknown model", fmt(jnum(m, "topology.packages"), 6).s,
		    fmt(jnum(m, "topology.numa_nodes"), 6).s, fmt(jnum(m, "topology.cores"), 6).s,
		    fmt(jnum(m, "topology.pus"), 6).s, fmt(jnum(m, "topology.smt"), 6).s,
		    is_vm(m) ? "; virtual machine" : "");
	usable = jnum(m, "cpus_usable");
	src = jstr(m, "cpus_usable_source");
	if (isfinite(usable))
		tp_doc_item(d, "usable CPUs: %s%s%s%s", fmt(usable, 4).s, src ? " (" : "",
			    src ? src : "", src ? ")" : "");
	limit = jnum(m, "memory.limit_kb");
	if (isfinite(jnum(m, "memory.total_kb")))
		tp_doc_item(d, "memory: %s total, %s usable%s%s", kib(jnum(m, "memory.total_kb")).s,
			    kib(jnum(m, "memory.usable_kb")).s, isfinite(limit) ? ", cgroup limit " : "",
			    isfinite(limit) ? kib(limit).s : "");
	papi = jstr(m, "counters.papi");
	if (papi)
		tp_doc_item(d, "counters: %s", !strcmp(papi, "presets") ? "PAPI hardware presets" :
			    !strcmp(papi, "software") ? "software events only (perf::)" :
			    "unavailable (rusage only)");
	if (json_is_true(jget(m, "pressure.available")))
		tp_doc_item(d, "pressure when probed: CPU some %s%%, memory some %s%% (avg10)",
			    fmt(jnum(m, "pressure.cpu_some_avg10"), 3).s,
			    fmt(jnum(m, "pressure.memory_some_avg10"), 3).s);
	if (jstr(m, "fingerprint"))
		tp_doc_item(d, "fingerprint: `%s`", jstr(m, "fingerprint"));
}

static void section_workload(struct tp_doc *d, const struct tp_results *r, int level)
{
	size_t i, reps = 0;

	for (i = 0; i < r->ntrials; i++)
		reps += r->trials[i].nrepeats;
	tp_doc_heading(d, level, "Workload");
	tp_doc_item(d, "workload: `%s`%s%s%s", r->workload_name ? r->workload_name : "?",
		    r->workload_options && *r->workload_options ? " with `" : "",
		    r->workload_options && *r->workload_options ? r->workload_options : "",
		    r->workload_options && *r->workload_options ? "`" : "");
	if (r->input_signature && *r->input_signature)
		tp_doc_item(d, "input signature: `%s`", r->input_signature);
	tp_doc_item(d, "%zu configuration%s, %zu measured repeat%s; tunepool %s, results schema %d",
		    r->ntrials, r->ntrials == 1 ? "" : "s", reps, reps == 1 ? "" : "s",
		    r->tool_version ? r->tool_version : "?", r->schema);
}

static const char *unit_of(const char *objective)
{
	enum tp_objective o = TP_OBJ_THROUGHPUT;

	if (*objective)
		tp_objective_parse(objective, &o);
	return o == TP_OBJ_LATENCY ? " s" : o == TP_OBJ_EFFICIENCY ? "" : " tasks/s";
}

static void section_recommendation(struct tp_doc *d, const struct tp_results *r, int level)
{
	const struct tp_recommendation *rec = &r->rec;
	const struct tp_trial *best = NULL;
	size_t i;

	tp_doc_heading(d, level, "Recommendation");
	if (!rec->present) {
		for (i = 0; i < r->ntrials; i++)
			if (isfinite(r->trials[i].stats.median) &&
			    (!best || r->trials[i].stats.median > best->stats.median))
				best = &r->trials[i];
		if (best)
			tp_doc_para(d, "These results hold no recommendation (from `%s`). The highest "
				    "median throughput was `%s` at %s tasks/s (95%% CI %s to %s).",
				    r->ntimeline ? "tunepool run" : "tunepool bench", cfgs(&best->config).s, rate(best->stats.median).s,
				    rate(best->stats.ci_low).s, rate(best->stats.ci_high).s);
		else
			tp_doc_para(d, "These results hold no recommendation and no measurements.");
		return;
	}
	tp_doc_para(d, "**`%s`** for %s: %s%s (95%% CI %s to %s).", cfgs(&rec->config).s,
		    rec->objective, rate(rec->value).s, unit_of(rec->objective), rate(rec->ci_low).s,
		    rate(rec->ci_high).s);
	if (!rec->nnear) {
		tp_doc_para(d, "No other configuration came within the noise of it.");
		return;
	}
	tp_doc_para(d, "Near-equivalent (within the noise; pick one of these if it suits the "
		    "machine better, e.g. fewer workers to leave CPUs free):");
	for (i = 0; i < rec->nnear; i++) {
		const struct tp_trial *t = tp_results_find_trial(r, &rec->near[i]);

		if (t)
			tp_doc_item(d, "`%s`: median %s tasks/s (95%% CI %s to %s)",
				    cfgs(&rec->near[i]).s, rate(t->stats.median).s,
				    rate(t->stats.ci_low).s, rate(t->stats.ci_high).s);
		else
			tp_doc_item(d, "`%s`", cfgs(&rec->near[i]).s);
	}
}

static void section_model(struct tp_doc *d, const struct tp_results *r, int level)
{
	const struct tp_model *m = &r->model;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	double peak;

	tp_doc_heading(d, level, "Scaling model");
	if (tp_model_kind_of(m) == TP_MODEL_NONE) {
		tp_doc_para(d, "No scaling model in these results (`tunepool tune` fits one "
			    "when it measures enough worker counts).");
		return;
	}
	tp_strbuf_addf(&sb, "%s fit over %d worker counts (R² = %s): one worker alone does "
		       "λ = %s tasks/s", tp_model_kind_of(m) == TP_MODEL_USL ? "Universal Scalability Law" :
		       "Amdahl's law", m->points, isfinite(m->r2) ? fmt(m->r2, 3).s :
		       "undefined, the throughput did not vary", rate(m->lambda).s);
	peak = m->peak_workers;
	if (!(peak > 0) && m->kappa > 0)
		peak = m->sigma < 1 ? sqrt((1 - m->sigma) / m->kappa) : 0;
	/* A peak at or below one worker (or sigma >= 1) is no peak: throughput
	 * falls, or stays, from the first worker on. */
	if (m->sigma >= 1 || (tp_model_kind_of(m) == TP_MODEL_USL && m->kappa > 0 && peak <= 1)) {
		tp_strbuf_addf(&sb, "; σ = %s and κ = %s mean that throughput %s as workers are "
			       "added: run one worker.", fmt(m->sigma, 3).s, fmt(m->kappa, 3).s,
			       m->kappa > 0 || m->sigma > 1 ? "falls" : "does not grow");
		tp_doc_para(d, "%s", sb.buf);
		tp_strbuf_release(&sb);
		return;
	}
	if (m->sigma > 0)
		tp_strbuf_addf(&sb, "; %s σ = %s limits speed-up to %s×", tp_model_kind_of(m) == TP_MODEL_USL ?
			       "contention" : "the serial fraction", fmt(m->sigma, 3).s,
			       fmt(1 / m->sigma, 3).s);
	else
		tp_strbuf_adds(&sb, "; no contention was measured (σ = 0)");
	if (tp_model_kind_of(m) == TP_MODEL_USL && m->kappa > 0 && peak > 0) {
		tp_strbuf_addf(&sb, "; coherency κ = %s puts the peak at %.0f workers "
			       "(N* = √((1−σ)/κ)), beyond which adding workers lowers throughput.",
			       fmt(m->kappa, 3).s, peak);
		tp_doc_para(d, "%s", sb.buf);
		tp_strbuf_reset(&sb);
		tp_doc_para(d, "At the peak the model predicts %s tasks/s, %s× one worker.",
			    rate(m->lambda * peak / (1 + m->sigma * (peak - 1) +
						     m->kappa * peak * (peak - 1))).s,
			    fmt(peak / (1 + m->sigma * (peak - 1) + m->kappa * peak * (peak - 1)), 3).s);
	} else {
		tp_strbuf_adds(&sb, "; no coherency cost was found, so throughput levels off "
				    "instead of peaking.");
		tp_doc_para(d, "%s", sb.buf);
	}
	tp_strbuf_release(&sb);
}

static void section_table(struct tp_doc *d, const struct tp_results *r, int level,
			  const struct tp_series *s, size_t ns)
{
	static const struct {
		enum figure f;
		const char *name;
	} optional[] = {
		{ FIG_IPC, "IPC" },
		{ FIG_LLC_PER_TASK, "LLC misses/task" },
		{ FIG_MIGR_PER_TASK, "migrations/task" },
		{ FIG_P95_MS, "p95 latency ms" },
	};
	const char *head[16] = { "config", "repeats", "median tasks/s", "95% CI", "CI width",
				 "CPUs busy", "RSS peak", "ctx switches/task" };
	char align[17] = "lrrrrrrr";
	int show[4];
	size_t ncols = 8, i, j, k;

	for (k = 0; k < 4; k++) {
		show[k] = any_figure(r, optional[k].f);
		if (show[k]) {
			head[ncols] = optional[k].name;
			align[ncols++] = 'r';
		}
	}
	head[ncols] = "failures";
	align[ncols++] = 'r';
	align[ncols] = '\0';
	tp_doc_heading(d, level, "Configurations");
	if (!r->ntrials) {
		tp_doc_para(d, "No configuration was measured.");
		return;
	}
	tp_doc_para(d, "One row per configuration; medians over the repeats. The CI is the "
		    "distribution-free 95%% confidence interval of the median throughput%s.",
		    r->rec.present ? "; the recommended configuration is in bold" : "");
	tp_doc_table(d, align, head);
	for (i = 0; i < ns; i++)
		for (j = 0; j < s[i].n; j++) {
			const struct tp_trial *t = s[i].trials[j];
			int rec = r->rec.present && tp_config_equal(&t->config, &r->rec.config);

			tp_doc_cell(d, "%s`%s`%s", rec ? "**" : "", cfgs(&t->config).s, rec ? "**" : "");
			tp_doc_cell(d, "%zu%s", t->nrepeats, t->stats.outliers ? " (outliers)" : "");
			tp_doc_cell(d, "%s", rate(t->stats.median).s);
			tp_doc_cell(d, "%s to %s", rate(t->stats.ci_low).s, rate(t->stats.ci_high).s);
			tp_doc_cell(d, "%s%%", fmt(ci_width(t) * 100, 2).s);
			tp_doc_cell(d, "%s", fmt(trial_figure(t, FIG_CPUS), 3).s);
			tp_doc_cell(d, "%s", kib(trial_figure(t, FIG_RSS)).s);
			tp_doc_cell(d, "%s", rate(trial_figure(t, FIG_CTX_PER_TASK)).s);
			for (k = 0; k < 4; k++)
				if (show[k])
					tp_doc_cell(d, "%s", rate(trial_figure(t, optional[k].f)).s);
			tp_doc_cell(d, "%s", fmt(trial_figure(t, FIG_FAILURES), 6).s);
		}
}

/* What the counters say, series by series. */
static void section_counters(struct tp_doc *d, const struct tp_results *r, int level,
			     const struct tp_series *s, size_t ns)
{
	double usable = r->machine ? jnum(r->machine, "cpus_usable") : NAN;
	const char *papi = r->machine ? jstr(r->machine, "counters.papi") : NULL;
	size_t i, said = 0;
	char label[96];

	tp_doc_heading(d, level, "What the counters say");
	if (papi && !strcmp(papi, "presets"))
		tp_doc_para(d, "Hardware counters (PAPI presets) were available: IPC is instructions "
			    "per cycle, LLC misses are last-level (L3) cache misses.");
	else if (papi && !strcmp(papi, "software"))
		tp_doc_para(d, "%s without hardware counters: the software events (context "
			    "switches, CPU migrations per task) stand in for them.",
			    is_vm(r->machine) ? "This is a virtual machine" : "This machine has no PMU");
	else
		tp_doc_para(d, "No PAPI counters were available: context switches come from rusage.");
	if (r->ntrials && r->trials[0].nrepeats && r->trials[0].repeats[0].counters_source[0])
		tp_doc_para(d, "Recorded in the runs: %s.", r->trials[0].repeats[0].counters_source);
	for (i = 0; i < ns; i++) {
		const struct tp_trial *lo = s[i].trials[0], *hi = s[i].trials[s[i].n - 1];
		double a, b;

		if (s[i].n < 2)
			continue;
		tp_series_label(&s[i], label, sizeof(label));
		a = trial_figure(lo, FIG_CTX_PER_TASK);
		b = trial_figure(hi, FIG_CTX_PER_TASK);
		if (a > 0 && b >= OVERSUB_RATIO * a) {
			tp_doc_item(d, "oversubscribed (`%s`): %d workers make %s× the context switches "
				    "per task of %d worker%s%s%s%s", label, hi->config.workers,
				    fmt(b / a, 2).s, lo->config.workers, lo->config.workers == 1 ? "" : "s",
				    isfinite(usable) ? " on " : "", isfinite(usable) ? fmt(usable, 3).s : "",
				    isfinite(usable) ? " usable CPUs" : "");
			said++;
		}
		a = trial_figure(lo, FIG_MIGR_PER_TASK);
		b = trial_figure(hi, FIG_MIGR_PER_TASK);
		if (a > 0 && b >= OVERSUB_RATIO * a) {
			tp_doc_item(d, "CPU migrations per task grow %s× from %d to %d workers (`%s`): "
				    "the scheduler moves workers between CPUs, losing their caches",
				    fmt(b / a, 2).s, lo->config.workers, hi->config.workers, label);
			said++;
		}
		a = trial_figure(lo, FIG_IPC);
		b = trial_figure(hi, FIG_IPC);
		if (a > 0 && b < 0.8 * a) {
			tp_doc_item(d, "IPC falls from %s at %d worker%s to %s at %d (`%s`): the workers "
				    "compete for caches or memory bandwidth", fmt(a, 3).s,
				    lo->config.workers, lo->config.workers == 1 ? "" : "s", fmt(b, 3).s,
				    hi->config.workers, label);
			said++;
		}
		a = trial_figure(lo, FIG_LLC_PER_TASK);
		b = trial_figure(hi, FIG_LLC_PER_TASK);
		if (a > 0 && b >= 2 * a) {
			tp_doc_item(d, "LLC misses per task grow %s× from %d to %d workers (`%s`): the "
				    "working sets no longer fit the shared cache", fmt(b / a, 2).s,
				    lo->config.workers, hi->config.workers, label);
			said++;
		}
	}
	if (!said)
		tp_doc_para(d, "Nothing stands out: context switches%s stay in proportion as "
			    "workers are added.", papi && !strcmp(papi, "presets") ?
			    ", IPC and cache misses" : "");
}

static void section_plots(struct tp_doc *d, int level, const struct tp_plot_list *plots,
			  int gnuplot_missing)
{
	int i, drawn = 0;

	tp_doc_heading(d, level, "Plots");
	if (!plots->n) {
		tp_doc_para(d, "Nothing to plot.");
		return;
	}
	if (gnuplot_missing)
		tp_doc_para(d, "gnuplot was not found in PATH, so the plots were not drawn. Their "
			    "scripts and data are in this folder: install gnuplot and run "
			    "`gnuplot NAME.gp` there to draw them.");
	for (i = 0; i < plots->n; i++)
		if (plots->plots[i].drawn) {
			tp_doc_image(d, plots->plots[i].image, plots->plots[i].title);
			drawn++;
		}
	for (i = 0; i < plots->n; i++)
		if (!plots->plots[i].drawn)
			tp_doc_item(d, "%s: `%s.gp` (data `%s.dat`)", plots->plots[i].title,
				    plots->plots[i].stem, plots->plots[i].stem);
	if (drawn)
		tp_doc_para(d, "Each image has its gnuplot script (`.gp`) and data (`.dat`) beside it; "
			    "edit and rerun `gnuplot NAME.gp` to restyle.");
}

static void section_warnings(struct tp_doc *d, const struct tp_results *r, int level,
			     const struct tp_series *s, size_t ns, int run)
{
	const json_t *m = r->machine;
	const char *papi = m ? jstr(m, "counters.papi") : NULL;
	size_t i, j, noisy = 0, few = 0, throttled = 0, items = 0;
	double failures = 0, worst_throttle = 0;

	tp_doc_heading(d, level, "Warnings");
	for (i = 0; i < ns; i++)
		for (j = 0; j < s[i].n; j++) {
			const struct tp_trial *t = s[i].trials[j];
			double w = ci_width(t);
			size_t k;

			if (t->nrepeats < 5 && !run)
				few++;
			for (k = 0; k < t->nrepeats; k++) {
				double th = figure_of(&t->repeats[k], FIG_THROTTLED);

				failures += (double)t->repeats[k].failures;
				if (th > 0) {
					throttled++;
					if (th > worst_throttle)
						worst_throttle = th;
				}
			}
			if (!(w > NOISY_CI))
				continue;
			if (noisy++ < MAX_LISTED) {
				tp_doc_item(d, "noisy: `%s`: the 95%% CI spans %s%% of the median%s%s%s; "
					    "rerun with more repeats or on a quieter machine",
					    cfgs(&t->config).s, fmt(w * 100, 2).s,
					    t->stats.outliers ? " (" : "",
					    t->stats.outliers ? fmt(t->stats.outliers, 3).s : "",
					    t->stats.outliers ? (t->stats.outliers == 1 ? " outlier)" :
								 " outliers)") : "");
				items++;
			}
		}
	if (noisy > MAX_LISTED) {
		tp_doc_item(d, "noisy: %zu more configurations", noisy - MAX_LISTED);
		items++;
	}
	if (few) {
		tp_doc_item(d, "%zu configuration%s fewer than 5 repeats: `tunepool compare` may call "
			    "a change in them inconclusive (3 and 3 repeats cannot reach p < 0.05)",
			    few, few == 1 ? " has" : "s have");
		items++;
	}
	if (m && is_vm(m) && (!papi || strcmp(papi, "presets"))) {
		tp_doc_item(d, "virtual machine without hardware counters: IPC and cache misses are "
			    "unavailable; %s", papi && !strcmp(papi, "software") ?
			    "software events (context switches, migrations) are used" :
			    "only rusage figures are shown");
		items++;
	} else if (papi && !strcmp(papi, "unavailable")) {
		tp_doc_item(d, "no PAPI counters: only rusage figures are shown");
		items++;
	}
	if (throttled) {
		tp_doc_item(d, "cgroup throttling seen in %zu repeat%s (up to %s throttled periods): "
			    "the CPU quota%s%s capped throughput; more workers than usable CPUs only "
			    "queue", throttled, throttled == 1 ? "" : "s", fmt(worst_throttle, 6).s,
			    m && isfinite(jnum(m, "cpus_usable")) ? " of " : "",
			    m && isfinite(jnum(m, "cpus_usable")) ?
			    fmt(jnum(m, "cpus_usable"), 3).s : "");
		items++;
	}
	if (failures > 0) {
		tp_doc_item(d, "%s task%s failed during the measurements: their configurations may "
			    "look faster than they are", fmt(failures, 9).s, failures == 1 ? "" : "s");
		items++;
	}
	if (m && jnum(m, "pressure.cpu_some_avg10") > 10) {
		tp_doc_item(d, "the machine was busy when probed (CPU pressure %s%%): other work may "
			    "have disturbed the measurements", fmt(jnum(m, "pressure.cpu_some_avg10"), 3).s);
		items++;
	}
	if (!items)
		tp_doc_para(d, "None.");
}

/* Results of `tunepool run`: a timeline and at most one configuration. */
static int is_run(const struct tp_results *r)
{
	return r->ntimeline > 0 && r->ntrials <= 1;
}

/* Below these the report says the resource sat idle. */
#define SUMMARY_CPU_HIGH 0.90
#define SUMMARY_CPU_LOW 0.50
#define SUMMARY_BUSY_HIGH 0.90
#define SUMMARY_BUSY_LOW 0.70

static struct num pct(double x)
{
	struct num n;

	if (!isfinite(x))
		snprintf(n.s, sizeof(n.s), "unknown");
	else
		snprintf(n.s, sizeof(n.s), "%.0f%%", 100 * x);
	return n;
}

/* The end-of-run summary `run` stored: one row per figure, with its unit
 * and what it says about the run; older files say they have none. */
static void summary_table(struct tp_doc *d, const struct tp_results *r)
{
	static const char *const head[] = { "figure", "value", "what it means", NULL };
	const struct tp_results_summary *s = &r->summary;
	double usable = r->machine ? jnum(r->machine, "cpus_usable") : NAN;
	long long done = s->ok + s->failed;

	if (!s->present) {
		tp_doc_para(d, "No end-of-run summary: this file was written before `tunepool run` "
			    "stored one (or by hand); the figures here come from the timeline.");
		return;
	}
	tp_doc_para(d, "End-of-run summary, as `tunepool run` measured it:");
	tp_doc_table(d, "lrl", head);
	tp_doc_cell(d, "elapsed");
	tp_doc_cell(d, "%s s", fmt(s->elapsed_s, 4).s);
	tp_doc_cell(d, "wall-clock time of the whole run");
	tp_doc_cell(d, "tasks");
	if (s->skipped)
		tp_doc_cell(d, "%lld ok, %lld failed, %lld skipped", s->ok, s->failed, s->skipped);
	else
		tp_doc_cell(d, "%lld ok, %lld failed", s->ok, s->failed);
	if (s->failed)
		tp_doc_cell(d, "%s of the tasks failed: with `--joblog FILE` each one's "
			    "exit status is kept and `--resume-failed` reruns them; see Warnings", pct(done ? (double)s->failed / done : NAN).s);
	else if (s->skipped)
		tp_doc_cell(d, "every task that ran succeeded; the skipped ones had already run "
			    "(`--resume`)");
	else
		tp_doc_cell(d, "every task succeeded");
	tp_doc_cell(d, "throughput");
	tp_doc_cell(d, "%s tasks/s", rate(s->throughput).s);
	tp_doc_cell(d, "finished tasks (ok and failed) per second of elapsed time");
	tp_doc_cell(d, "width (workers)");
	if (s->width_peak >= 0)
		tp_doc_cell(d, "mean %s, peak %d", fmt(s->width_mean, 3).s, s->width_peak);
	else
		tp_doc_cell(d, "-");
	if (s->width_changes > 0)
		tp_doc_cell(d, "from %d to %d workers (lowest %d) in %d change%s: the controller "
			    "resized the pool", s->width_start, s->width_end, s->width_min,
			    s->width_changes, s->width_changes == 1 ? "" : "s");
	else if (s->width_changes == 0)
		tp_doc_cell(d, "the width held at %d workers", s->width_end);
	else
		tp_doc_cell(d, "how the width moved was not recorded");
	tp_doc_cell(d, "CPU used by the tasks");
	if (isfinite(usable))
		tp_doc_cell(d, "%s of %s usable CPUs", pct(s->cpu_util).s, fmt(usable, 4).s);
	else
		tp_doc_cell(d, "%s of the usable CPUs", pct(s->cpu_util).s);
	/* The run's own tasks (user + system time), unlike the timeline's
	 * machine-wide CPU busy. */
	if (!isfinite(s->cpu_util))
		tp_doc_cell(d, "not measured");
	else if (s->cpu_util >= SUMMARY_CPU_HIGH)
		tp_doc_cell(d, "the CPUs were saturated: more workers cannot speed up CPU-bound tasks");
	else if (s->cpu_util < SUMMARY_CPU_LOW)
		tp_doc_cell(d, "the CPUs were mostly idle: the tasks wait on something else "
			    "(I/O, sleep, locks) or the pool was too narrow for them");
	else
		tp_doc_cell(d, "some CPU was left over");
	tp_doc_cell(d, "worker efficiency");
	tp_doc_cell(d, "%s busy", pct(s->efficiency).s);
	if (!isfinite(s->efficiency))
		tp_doc_cell(d, "not measured");
	else if (s->efficiency >= SUMMARY_BUSY_HIGH)
		tp_doc_cell(d, "the workers were kept busy with tasks (%s s of task time)",
			    fmt(s->busy_s, 4).s);
	else if (s->efficiency < SUMMARY_BUSY_LOW)
		tp_doc_cell(d, "the workers waited %s of the time for work (start-up, a slow "
			    "input, the run's tail): a narrower pool would likely finish as fast",
			    pct(1 - s->efficiency).s);
	else
		tp_doc_cell(d, "the workers waited %s of the time for work", pct(1 - s->efficiency).s);
}

/* The run itself: totals, every width change when it happened, the timeline
 * in segments of one width, and the failures. */
static void section_run(struct tp_doc *d, const struct tp_results *r, int level)
{
	static const char *const head[] = { "from s", "to s", "workers", "mean tasks/s",
					    "mean CPU busy", "max mem pressure", NULL };
	const struct tp_timeline_point *tl = r->timeline;
	const struct tp_trial *t = r->ntrials ? &r->trials[0] : NULL;
	long long tasks = 0, failures = 0;
	double wall = 0;
	size_t i, j, changes = 0;

	tp_doc_heading(d, level, "Run");
	if (t)
		for (i = 0; i < t->nrepeats; i++) {
			tasks += t->repeats[i].tasks;
			failures += t->repeats[i].failures;
			wall += t->repeats[i].wall_s;
		}
	for (i = 1; i < r->ntimeline; i++)
		changes += tl[i].workers != tl[i - 1].workers;
	if (t)
		tp_doc_para(d, "%lld task%s in %s s (%s tasks/s overall), `%s`; %lld failed%s.",
			    tasks, tasks == 1 ? "" : "s", fmt(wall, 4).s,
			    rate(wall > 0 ? (double)tasks / wall : NAN).s, cfgs(&t->config).s,
			    failures, failures ? " (see Warnings)" : "");
	summary_table(d, r);
	tp_doc_para(d, "The width started at %d and ended at %d after %zu change%s over %s s "
		    "(%zu timeline samples).", tl[0].workers, tl[r->ntimeline - 1].workers, changes,
		    changes == 1 ? "" : "s", fmt(tl[r->ntimeline - 1].t_s, 4).s, r->ntimeline);
	/* A sample covers the interval that ends at its time, and the monitor
	 * closes one whenever the width changes: a change happened at the end
	 * of the last sample at the old width. */
	for (i = 1; i < r->ntimeline; i++)
		if (tl[i].workers != tl[i - 1].workers)
			tp_doc_item(d, "at %s s: %d → %d workers (throughput %s → %s tasks/s)",
				    fmt(tl[i - 1].t_s, 4).s, tl[i - 1].workers, tl[i].workers,
				    rate(tl[i - 1].throughput).s, rate(tl[i].throughput).s);
	tp_doc_para(d, "The timeline in segments of one width (each sample covers the "
		    "interval that ends at its time):");
	tp_doc_table(d, "rrrrrr", head);
	for (i = 0; i < r->ntimeline; i = j) {
		double x = 0, cpu = 0, mem = -1;

		for (j = i; j < r->ntimeline && tl[j].workers == tl[i].workers; j++) {
			x += tl[j].throughput;
			cpu += tl[j].cpu_busy;
			if (tl[j].mem_pressure > mem)
				mem = tl[j].mem_pressure;
		}
		tp_doc_cell(d, "%s", fmt(i ? tl[i - 1].t_s : 0, 4).s);
		tp_doc_cell(d, "%s", fmt(tl[j - 1].t_s, 4).s);
		tp_doc_cell(d, "%d", tl[i].workers);
		tp_doc_cell(d, "%s", rate(x / (double)(j - i)).s);
		tp_doc_cell(d, "%s%%", fmt(100 * cpu / (double)(j - i), 3).s);
		tp_doc_cell(d, "%s", mem >= 0 ? fmt(mem, 3).s : "-");
	}
}

void tp_report_build(struct tp_doc *d, const struct tp_report_input *in, int level,
		     const struct tp_plot_list *plots, int gnuplot_missing)
{
	const struct tp_results *r = in->r;
	struct tp_series *s;
	size_t ns = tp_series_build(r, &s);
	int run = is_run(r);

	tp_doc_heading(d, level, "tunepool report: `%s`", base_name(in->path));
	section_machine(d, r, level + 1);
	section_workload(d, r, level + 1);
	if (run) {
		section_run(d, r, level + 1);
	} else {
		section_recommendation(d, r, level + 1);
		section_model(d, r, level + 1);
		section_table(d, r, level + 1, s, ns);
		section_counters(d, r, level + 1, s, ns);
	}
	if (plots)
		section_plots(d, level + 1, plots, gnuplot_missing);
	section_warnings(d, r, level + 1, s, ns, run);
	tp_series_free(s, ns);
}

static int write_format(const struct tp_report_format_desc *f, const struct tp_doc *d,
			const char *dir)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char *path = tp_xasprintf("%s/%s", dir, f->file);
	int ret;

	f->render(d, &sb);
	ret = tp_write_file_atomic(path, sb.buf, sb.len);
	free(path);
	tp_strbuf_release(&sb);
	return ret;
}

static void base64(struct tp_strbuf *out, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		tp_strbuf_addch(out, tab[p[i] >> 2]);
		tp_strbuf_addch(out, tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		tp_strbuf_addch(out, tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)]);
		tp_strbuf_addch(out, tab[p[i + 2] & 63]);
	}
	if (n - i == 1) {
		tp_strbuf_addch(out, tab[p[i] >> 2]);
		tp_strbuf_addch(out, tab[(p[i] & 3) << 4]);
		tp_strbuf_adds(out, "==");
	} else if (n - i == 2) {
		tp_strbuf_addch(out, tab[p[i] >> 2]);
		tp_strbuf_addch(out, tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		tp_strbuf_addch(out, tab[(p[i + 1] & 15) << 2]);
		tp_strbuf_addch(out, '=');
	}
}

/* The HTML report is one file: every image becomes a data: URI (the .png or
 * .svg stays beside it for report.md). */
static int embed_images(struct tp_doc *d, const char *dir)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct tp_doc_block *b = &d->blocks[i];
		struct tp_strbuf img = TP_STRBUF_INIT, uri = TP_STRBUF_INIT;
		const char *dot;
		char *path;

		if (b->kind != TP_DOC_IMAGE || !strncmp(b->src, "data:", 5))
			continue;
		path = tp_xasprintf("%s/%s", dir, b->src);
		if (tp_read_file(path, &img)) {
			int e = errno;

			tp_strbuf_release(&img);
			tp_error("cannot embed '%s' in the HTML report: %s", path, strerror(e));
			free(path);
			return -1;
		}
		free(path);
		dot = strrchr(b->src, '.');
		tp_strbuf_addf(&uri, "data:%s;base64,", dot && !strcmp(dot, ".svg") ?
			       "image/svg+xml" : "image/png");
		base64(&uri, (const unsigned char *)img.buf, img.len);
		free(b->src);
		b->src = tp_strbuf_detach(&uri);
		tp_strbuf_release(&img);
	}
	return 0;
}

int tp_report_write(const struct tp_report_input *in, size_t n, const struct tp_report_opts *o)
{
	const struct tp_report_format_desc *md = tp_report_format_find("md");
	struct tp_plotter plotter;
	struct tp_doc d;
	size_t i;
	int ret = 0;

	if (tp_mkdir_p(o->outdir))
		return -1;
	tp_plotter_init(&plotter);
	if (!plotter.gnuplot)
		tp_warn("gnuplot was not found in PATH: writing the tables and the plot scripts "
			"without drawing them");
	tp_doc_init(&d);
	if (n > 1) {
		tp_doc_heading(&d, 1, "tunepool report");
		for (i = 0; i < n; i++)
			tp_doc_item(&d, "`%s`: %s, %zu configurations", base_name(in[i].path),
				    in[i].r->workload_name ? in[i].r->workload_name : "?",
				    in[i].r->ntrials);
	}
	for (i = 0; i < n && !ret; i++) {
		struct tp_plot_list plots;
		char prefix[24] = "";

		if (n > 1)
			snprintf(prefix, sizeof(prefix), "r%zu-", i + 1);
		if (tp_plot_results(&plotter, in[i].r, o->outdir, prefix, &plots)) {
			ret = -1;
			break;
		}
		tp_report_build(&d, &in[i], n > 1 ? 2 : 1, &plots, !plotter.gnuplot);
	}
	if (!ret)
		ret = write_format(md, &d, o->outdir);
	if (!ret && o->format && o->format != md && !strcmp(o->format->name, "html"))
		ret = embed_images(&d, o->outdir);
	if (!ret && o->format && o->format != md)
		ret = write_format(o->format, &d, o->outdir);
	tp_doc_release(&d);
	tp_plotter_release(&plotter);
	return ret;
}
