/* The `gradient` controller: latency-based.  It keeps the no-load task latency
 * (a slowly forgetting minimum) and grows while tasks run at that latency and
 * growth pays in throughput; when latency rises faster than throughput it
 * shrinks toward the width Little's law says the current throughput needs
 * (workers = throughput x no-load latency).  A latency that jumps at an
 * unchanged width is a new phase: the no-load estimate and the bounds learnt
 * so far are dropped, and a jump up (contention, or slower tasks) first halves
 * the width while halving pays. */
#include "runner/controller.h"

#include <math.h>
#include <stdio.h>

#define GRAD_TOL 0.10		/* latency within 10% of no-load counts as unloaded */
#define GRAD_GAIN 1.05		/* a growth must raise throughput by 5% to count */
#define GRAD_LOSS 0.95		/* a shrink may cost at most 5% of throughput */
#define GRAD_HOLD_MIN_S 2.0
#define GRAD_HOLD_MAX_S 30.0
#define GRAD_WINDOW 40		/* no-load latency = min over the last 40 samples */
#define GRAD_PHASE 2.5		/* latency x2.5 (or /2.5) at one width: a new phase */
#define GRAD_SHORT 10		/* tasks this many times shorter than a sample need no settling */
#define GRAD_JUMP_TASKS 10	/* tasks in a sample for a latency jump to count */
#define GRAD_ONE_SAMPLE_TASKS 40	/* short tasks: one sample of this many is a measure */
#define GRAD_CHANGED_LOSS 0.7	/* a shrink losing below this share of proportional: new tasks */
#define GRAD_CHANGED_GAIN 1.4	/* a growth gaining above this share of proportional: new tasks */
#define GRAD_CLEAR_LOSS 0.8	/* a shrink keeping less than this throughput lost clearly */
#define GRAD_SCALING 0.8	/* a growth keeping this share of proportional scales */

struct gradient_state {
	int started;
	double lats[GRAD_WINDOW];	/* recent per-interval latencies */
	int nlat, ilat;
	double noload;		/* no-load latency estimate */
	double lat, tput;	/* smoothed at the current width */
	int n;			/* samples at the current width */
	int last;		/* width of the previous sample */
	int prev_w;		/* width before the last change, 0 once judged */
	double prev_tput, prev_lat;
	int ceiling, floor;	/* growth to ceiling / shrink to floor did not pay */
	int explore;		/* shrinking to find the no-load latency (2: by halves) */
	int scaling;		/* the last growth raised throughput in proportion */
	double hold_until, hold_s;
};

static double window_min(struct gradient_state *g, double lat)
{
	double m = lat;
	int i;

	g->lats[g->ilat] = lat;
	g->ilat = (g->ilat + 1) % GRAD_WINDOW;
	if (g->nlat < GRAD_WINDOW)
		g->nlat++;
	for (i = 0; i < g->nlat; i++)
		if (g->lats[i] < m)
			m = g->lats[i];
	return m;
}

static void backoff(struct gradient_state *g, double t)
{
	g->hold_until = t + g->hold_s;
	g->hold_s = fmin(g->hold_s * 2, GRAD_HOLD_MAX_S);
}

/* A new phase: forget the no-load latency and the bounds learnt, and halve
 * the width first when latency rose or the CPUs are saturated (contention is
 * likelier than a need for more workers). */
static void relearn(struct tp_controller *c, struct gradient_state *g,
		    const struct tp_ctl_sample *s, struct tp_decision *d, int up, const char *why)
{
	int w = s->workers;
	int halve = (up || s->cpu_busy >= c->opts.cpu_saturated) && w > c->opts.min_workers;

	snprintf(d->reason, sizeof(d->reason), "gradient: %s: a new phase, relearn%s", why,
		 halve ? "; halve" : "");
	g->nlat = g->ilat = 0;
	g->ceiling = g->floor = 0;
	g->prev_w = 0;
	g->hold_s = GRAD_HOLD_MIN_S;
	g->hold_until = 0;
	g->scaling = 0;
	g->explore = halve ? 2 : 0;
	g->noload = window_min(g, s->latency_s);
	g->lat = s->latency_s;
	g->tput = s->throughput;
	g->n = 1;
	if (halve)
		d->workers = w / 2 > 1 ? w / 2 : 1;
}

/* The dispatcher saw the inputs change character and cut the width: what
 * was learnt is of the old tasks.  This sample mixes both; learn afresh
 * from the next. */
static void grad_new_phase(struct gradient_state *g, int w, struct tp_decision *d)
{
	g->nlat = g->ilat = 0;
	g->ceiling = g->floor = 0;
	g->prev_w = 0;
	g->explore = g->scaling = 0;
	g->hold_s = GRAD_HOLD_MIN_S;
	g->hold_until = 0;
	g->n = 0;
	g->last = w;
	snprintf(d->reason, sizeof(d->reason), "gradient: a new phase of inputs, relearn at %d", w);
}

/* New width: remember the old one's numbers, settle one interval unless
 * tasks are much shorter than it.  1 when this sample only settles. */
static int grad_new_width(struct gradient_state *g, const struct tp_ctl_sample *s, int w,
			  struct tp_decision *d)
{
	g->prev_w = g->last;
	g->prev_tput = g->tput;
	g->prev_lat = g->lat;
	g->n = 0;
	g->last = w;
	if (!(g->lat > 0 && g->lat * GRAD_SHORT < s->dt_s)) {
		snprintf(d->reason, sizeof(d->reason), "gradient: settle at %d", w);
		return 1;
	}
	return 0;
}

/* Judges the last change of width once: back, relearn, or note whether
 * throughput scales.  1 when that decided this sample. */
static int grad_judge(struct tp_controller *c, struct gradient_state *g,
		      const struct tp_ctl_sample *s, int w, struct tp_decision *d)
{
	int from = g->prev_w;

	g->prev_w = 0;
	/* More than the widths explain (a shrink losing more than in
	 * proportion, a growth gaining more): the tasks changed. */
	if ((from > w && g->tput < GRAD_CHANGED_LOSS * g->prev_tput * w / from) ||
	    (from < w && g->tput > GRAD_CHANGED_GAIN * g->prev_tput * w / from)) {
		char why[128];

		snprintf(why, sizeof(why), "%d -> %d changed throughput %.1f -> %.1f/s", from,
			 w, g->prev_tput, g->tput);
		relearn(c, g, s, d, g->lat > g->prev_lat, why);
		return 1;
	}
	if (from < w && g->tput < g->prev_tput * GRAD_GAIN &&
	    g->lat / g->prev_lat > g->tput / g->prev_tput) {
		/* Latency rose faster than throughput: the new workers only queue. */
		snprintf(d->reason, sizeof(d->reason),
			 "gradient: %d -> %d raised latency x%.2f but throughput x%.2f: back to %d",
			 from, w, g->lat / g->prev_lat, g->tput / g->prev_tput, from);
		g->ceiling = w;
		g->explore = 1;	/* the no-load latency may be lower still */
		backoff(g, s->t_s);
		d->workers = from;
		d->back = 1;
		return 1;
	}
	if (from > w && g->tput < g->prev_tput * GRAD_LOSS) {
		snprintf(d->reason, sizeof(d->reason),
			 "gradient: %d -> %d lost throughput (%.1f -> %.1f/s): back to %d",
			 from, w, g->prev_tput, g->tput, from);
		g->floor = w;
		g->explore = 0;
		/* A clear loss: tasks were not queueing at w, so their latency
		 * there is the no-load one (the window may remember an earlier
		 * phase's). */
		if (g->tput < GRAD_CLEAR_LOSS * g->prev_tput && g->lat > g->noload * (1 + GRAD_TOL)) {
			g->nlat = g->ilat = 0;
			g->noload = window_min(g, g->lat);
			g->hold_s = GRAD_HOLD_MIN_S;
		}
		backoff(g, s->t_s);
		d->workers = from;
		d->back = 1;
		return 1;
	}
	if (from < w && g->tput >= g->prev_tput * GRAD_GAIN) {
		g->hold_s = GRAD_HOLD_MIN_S;
		g->ceiling = 0;
		/* Throughput grew with the width (latency-bound tasks): double next. */
		g->scaling = g->tput >= GRAD_SCALING * g->prev_tput * w / from;
	} else {
		g->scaling = 0;
	}
	return 0;
}

/* The move from the measurements: shrink toward Little's law, hold,
 * explore down, grow, or settle. */
static void grad_move(struct tp_controller *c, struct gradient_state *g,
		      const struct tp_ctl_sample *s, int w, double ratio, struct tp_decision *d)
{
	if (ratio < 1 - GRAD_TOL) {
		/* Tasks wait on each other: shrink toward what Little's law needs. */
		int need = (int)ceil(g->tput * g->noload * (1 + GRAD_TOL));
		int target = (int)ceil(w * ratio);

		if (need > target)
			target = need;
		if (g->floor && target <= g->floor)
			target = g->floor + 1;
		if (target < w) {
			snprintf(d->reason, sizeof(d->reason),
				 "gradient: latency %.1fms is %.2fx no-load %.1fms; little's law needs %d at %.1f/s: shrink",
				 1e3 * g->lat, g->lat / g->noload, 1e3 * g->noload, need, g->tput);
			d->workers = target;
			g->ceiling = w;
			return;
		}
	}
	if (s->t_s < g->hold_until) {
		snprintf(d->reason, sizeof(d->reason),
			 "gradient: hold %d until %.1fs (latency %.2fx no-load, %.1f/s)", w,
			 g->hold_until, g->lat / g->noload, g->tput);
		return;
	}
	if (g->explore && w > c->opts.min_workers && (!g->floor || w - 1 > g->floor)) {
		int step = g->explore == 2 ? (w / 2 > 1 ? w / 2 : 1) : w / 4 > 1 ? w / 4 : 1;

		if (g->floor && w - step <= g->floor)
			step = w - g->floor - 1;
		d->workers = w - step;
		snprintf(d->reason, sizeof(d->reason),
			 "gradient: explore down %d -> %d for the no-load latency (%.1f/s)", w,
			 w - step, g->tput);
		return;
	}
	if (ratio >= 1 - GRAD_TOL && (s->queued > 0 || s->busy >= w) &&
	    (!g->ceiling || w + 1 < g->ceiling)) {
		int step = g->scaling ? w : w / 2 > 1 ? w / 2 : 1;

		if (g->ceiling && w + step >= g->ceiling)
			step = g->ceiling - w - 1;
		d->workers = w + step;
		snprintf(d->reason, sizeof(d->reason),
			 "gradient: latency %.1fms near no-load %.1fms at %.1f/s: grow", 1e3 * g->lat,
			 1e3 * g->noload, g->tput);
		return;
	}
	/* Settled between floor and ceiling: hold, then look again from scratch. */
	snprintf(d->reason, sizeof(d->reason),
		 "gradient: settled at %d (latency %.2fx no-load, %.1f/s): hold %.0fs", w,
		 g->lat / g->noload, g->tput, g->hold_s);
	g->ceiling = g->floor = 0;
	g->explore = 0;
	backoff(g, s->t_s);
}

static void gradient_decide(struct tp_controller *c, const struct tp_ctl_sample *s,
			    struct tp_decision *d)
{
	struct gradient_state *g = c->state;
	int w = s->workers;
	double ratio;

	d->workers = w;
	if (!g->started) {
		g->started = 1;
		g->hold_s = GRAD_HOLD_MIN_S;
		g->last = w;
	}
	if (s->phase_change) {
		grad_new_phase(g, w, d);
		return;
	}
	if (w != g->last && grad_new_width(g, s, w, d))
		return;
	if (s->completions <= 0 || s->latency_s <= 0) {
		snprintf(d->reason, sizeof(d->reason), "gradient: no completions, hold");
		return;
	}
	if (g->n >= 2 && s->completions >= GRAD_JUMP_TASKS &&
	    (s->latency_s > GRAD_PHASE * g->lat || s->latency_s * GRAD_PHASE < g->lat)) {
		char why[128];

		snprintf(why, sizeof(why), "latency at %d jumped %.2fms -> %.2fms", w, 1e3 * g->lat,
			 1e3 * s->latency_s);
		relearn(c, g, s, d, s->latency_s > g->lat, why);
		return;
	}
	g->noload = window_min(g, s->latency_s);
	if (g->n == 0) {
		g->lat = s->latency_s;
		g->tput = s->throughput;
	} else {
		g->lat = 0.5 * g->lat + 0.5 * s->latency_s;
		g->tput = 0.5 * g->tput + 0.5 * s->throughput;
	}
	g->n++;
	if (s->eof && s->queued == 0 && s->busy < w) {
		snprintf(d->reason, sizeof(d->reason), "gradient: inputs drained, hold");
		return;
	}
	/* Short tasks: one interval holds enough of them to judge. */
	if (g->n < 2 &&
	    !(g->n == 1 && s->completions >= GRAD_ONE_SAMPLE_TASKS && g->lat * GRAD_SHORT < s->dt_s)) {
		snprintf(d->reason, sizeof(d->reason), "gradient: measure %d", w);
		return;
	}
	ratio = g->noload / g->lat;

	/* Judge the last change once. */
	if (g->prev_w && g->prev_tput > 0 && g->prev_lat > 0 && grad_judge(c, g, s, w, d))
		return;
	grad_move(c, g, s, w, ratio, d);
}

const struct tp_controller_desc tp_controller_gradient = {
	.name = "gradient",
	.summary = "latency-based: Little's law, shrink when latency outgrows throughput",
	.state_size = sizeof(struct gradient_state),
	.decide = gradient_decide,
};
