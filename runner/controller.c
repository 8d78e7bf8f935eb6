/* The controller registry, the hard guards around every proposal, and the decision log. */
#include "runner/controller.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/registry.h"
#include "runner/ctl_list.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DECLARE(n) extern const struct tp_controller_desc tp_controller_##n;
TP_CONTROLLERS(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_controller_##n,
static const struct tp_controller_desc *const table[] = { TP_CONTROLLERS(ENTRY) };
#undef ENTRY
#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct tp_controller_desc *const *tp_controller_table(size_t *n)
{
	*n = NTABLE;
	return table;
}

int tp_controller_new(struct tp_controller **out, const char *name, const struct tp_ctl_opts *opts)
{
	const struct tp_controller_desc *d =
		tp_registry_lookup((const void *const *)table, NTABLE, name, "controller");
	struct tp_controller *c;

	*out = NULL;
	if (!d)
		return -1;
	if (d->unsupported_reason)
		return tp_usage_error("controller '%s' is unavailable: %s", name, d->unsupported_reason);
	if (opts->min_workers < 1 || opts->max_workers < opts->min_workers)
		return tp_usage_error("controller bounds min_workers=%d max_workers=%d are not 1 <= min <= max",
				      opts->min_workers, opts->max_workers);
	c = tp_xcalloc(1, sizeof(*c));
	c->desc = d;
	c->opts = *opts;
	if (c->opts.mem_psi_threshold <= 0)
		c->opts.mem_psi_threshold = 10.0;
	if (c->opts.cpu_saturated <= 0)
		c->opts.cpu_saturated = 0.9;
	if (c->opts.step_per_s <= 0)
		c->opts.step_per_s = 8.0;
	c->state = d->state_size ? tp_xcalloc(1, d->state_size) : NULL;
	c->workers = tp_controller_clamp(c, opts->initial > 0 ? opts->initial : opts->min_workers);
	*out = c;
	return 0;
}

void tp_controller_free(struct tp_controller *c)
{
	if (!c)
		return;
	free(c->state);
	free(c);
}

int tp_controller_clamp(const struct tp_controller *c, int x)
{
	if (x < c->opts.min_workers)
		return c->opts.min_workers;
	if (x > c->opts.max_workers)
		return c->opts.max_workers;
	return x;
}

int tp_controller_max_step(const struct tp_controller *c, int w, double dt_s)
{
	double step = c->opts.step_per_s * (w > 1 ? w : 1) * (dt_s > 0 ? dt_s : 0.25);

	return step < 1 ? 1 : (int)step;
}

double tp_controller_budget_s(const struct tp_controller *c, const struct tp_ctl_sample *s)
{
	double t = s->t_s - c->changed_t;

	if (t < s->dt_s)
		t = s->dt_s;
	return t > 1.0 ? 1.0 : t;
}

/* Remembers the throughput around the last growth for the saturation guard. */
static void track_growth(struct tp_controller *c, const struct tp_ctl_sample *s)
{
	if (s->completions <= 0)
		return;
	if (s->workers != c->grew_to)
		return;
	/* Skip the first interval after the change: it mixes both widths. */
	if (c->after_n++ == 0)
		return;
	c->tput_after = c->after_n == 2 ? s->throughput
					: 0.7 * c->tput_after + 0.3 * s->throughput;
}

static void log_decision(const struct tp_controller *c, const struct tp_ctl_sample *s, int from,
			 const struct tp_decision *d)
{
	json_t *o;
	char *line;

	if (!c->opts.log)
		return;
	o = json_pack("{s:f, s:s, s:i, s:i, s:s, s:f, s:f, s:f, s:f, s:I}",
		      "t", s->t_s, "controller", c->desc->name, "from", from, "to", d->workers,
		      "reason", d->reason, "throughput", s->throughput, "latency", s->latency_s,
		      "cpu_busy", s->cpu_busy, "psi_memory", s->psi_mem,
		      "queued", (json_int_t)s->queued);
	line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (line) {
		fputs(line, c->opts.log);
		fputc('\n', c->opts.log);
		fflush(c->opts.log);
	}
	free(line);
	json_decref(o);
}

int tp_controller_step(struct tp_controller *c, const struct tp_ctl_sample *s, struct tp_decision *d)
{
	int cur = s->workers > 0 ? s->workers : c->workers;
	long long mpw = c->opts.mem_per_worker_kb > 0 ? c->opts.mem_per_worker_kb
						       : s->mem_per_worker_kb;
	int want, step;
	size_t len;

	c->steps++;
	track_growth(c, s);
	d->workers = cur;
	d->back = 0;
	d->reason[0] = '\0';
	c->desc->decide(c, s, d);
	want = d->workers;
	len = strlen(d->reason);

	if (s->psi_mem >= c->opts.mem_psi_threshold ||
	    (s->mem_usable_kb >= 0 && mpw > 0 && s->mem_usable_kb < mpw)) {
		int shrink = cur / 4 > 1 ? cur / 4 : 1;

		if (want > cur - shrink)
			want = cur - shrink;
		if (s->psi_mem >= c->opts.mem_psi_threshold)
			snprintf(d->reason, sizeof(d->reason),
				 "guard: memory pressure (psi memory some avg10 %.1f%% >= %.1f%%): shrink",
				 s->psi_mem, c->opts.mem_psi_threshold);
		else
			snprintf(d->reason, sizeof(d->reason),
				 "guard: usable memory %lld KiB < one more worker's %lld KiB: shrink",
				 s->mem_usable_kb, mpw);
	} else if (want > cur && c->grew_to == cur && c->grew_from < cur && c->after_n >= 2 &&
		   (s->cpu_busy >= c->opts.cpu_saturated || s->cpu_throttled >= 0.2) &&
		   c->tput_after < c->tput_before * 1.05) {
		want = cur;
		snprintf(d->reason, sizeof(d->reason),
			 "guard: cpu saturated (busy %.0f%%, throttled %.0f%%) and growth %d->%d gained no throughput (%.1f->%.1f/s): hold",
			 100 * s->cpu_busy, s->cpu_throttled > 0 ? 100 * s->cpu_throttled : 0.0,
			 c->grew_from, c->grew_to, c->tput_before, c->tput_after);
	}
	step = tp_controller_max_step(c, cur, tp_controller_budget_s(c, s));
	if (d->back && want == d->workers)
		step = abs(want - cur);
	if (want > cur + step)
		want = cur + step;
	if (want < cur - step)
		want = cur - step;
	if (want != tp_controller_clamp(c, want) && len + 24 < sizeof(d->reason))
		snprintf(d->reason + strlen(d->reason), sizeof(d->reason) - strlen(d->reason),
			 " (clamped to %d..%d)", c->opts.min_workers, c->opts.max_workers);
	want = tp_controller_clamp(c, want);
	if (want > cur) {
		c->grew_from = cur;
		c->grew_to = want;
		c->tput_before = s->throughput;
		c->after_n = 0;
	}
	d->workers = want;
	if (want != cur)
		c->changed_t = s->t_s;
	if (!d->reason[0])
		snprintf(d->reason, sizeof(d->reason), "hold");
	log_decision(c, s, cur, d);
	c->workers = want;
	return want;
}
