/* The `hill` controller: a throughput hill-climber that probes one width up or
 * down from its home, moves only when the probe's gain exceeds the measured
 * noise, backs off exponentially when no probe wins, and re-probes at once
 * when the home's throughput drifts (a phase change; a sudden fall in one
 * sample, a stall, is measured again first).  Unlike a sinusoidal
 * perturbation controller (the .NET thread pool's, which oscillates between
 * widths on 2 cores where noise swamps the signal), it never moves without a
 * significant measured gain, so a flat or noisy curve holds still.  It is
 * fast where it can be: steps double while they win and the next probe starts
 * from the winning measurement, a drift re-probes at once, and tasks much
 * shorter than the interval need no settling interval after a change. */
#include "runner/controller.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HILL_HOLD_MIN_S 2.0
#define HILL_HOLD_MAX_S 30.0
#define HILL_REL_MIN 0.03	/* gains below 3% are not worth a move */
#define HILL_Z 2.0		/* gains must exceed 2 standard errors */
#define HILL_MAX_N 12		/* longest probe, in samples */
#define HILL_EARLY_TASKS 10	/* tasks in a sample for it to count alone */
#define HILL_EARLY_NOISE 2	/* ... when its gain or loss is beyond this many noises */
#define HILL_PROMISING 0.3	/* a gain above this share of the noise earns more samples */
#define HILL_CLEAR_NOISE 2	/* a clear win: a gain over this many noises */
#define HILL_CLEAR_GAIN 1.25	/* ... and this factor of the home's throughput */
#define HILL_DRIFT_Z 3		/* a home drifted: standard errors off the reference */
#define HILL_DRIFT_REL 0.25	/* ... and this share of it */
#define HILL_SUDDEN_TASKS 40	/* tasks in the last sample to judge it alone */
#define HILL_SUDDEN_Z 4		/* ... spreads of one sample off the reference */
#define HILL_SUDDEN_REL 0.5	/* ... and this share of it */
#define HILL_JUMP 5		/* a sample this many times off is a new phase */
#define HILL_HOLD_WINDOW 16	/* samples in the home's window while holding */

enum hill_phase { HILL_START = 0, HILL_HOME, HILL_PROBE };

/* Throughput measured at one width: completions over time, and the spread of
 * the per-interval rates. */
struct hill_acc {
	double completions, time, sum, sumsq;
	int n;
};

struct hill_state {
	enum hill_phase phase;
	int home, probe, dir, step;
	int tried_up, tried_down;
	int settle;
	struct hill_acc home_acc, probe_acc;
	double hold_until, hold_s;
	double ref, ref_se;	/* home throughput at the end of the last round */
	double ref_sd;		/* the spread of one interval's rate there */
	int ref_valid;
	double lat;		/* recent mean task latency */
	int stalled;		/* the last sample at home fell suddenly: left out, confirming */
};

static void acc_add(struct hill_acc *a, const struct tp_ctl_sample *s)
{
	a->completions += (double)s->completions;
	a->time += s->dt_s;
	a->sum += s->throughput;
	a->sumsq += s->throughput * s->throughput;
	a->n++;
}

/* Takes back what acc_add(a, s) added. */
static void acc_sub(struct hill_acc *a, const struct tp_ctl_sample *s)
{
	a->completions -= (double)s->completions;
	a->time -= s->dt_s;
	a->sum -= s->throughput;
	a->sumsq -= s->throughput * s->throughput;
	a->n--;
}

static double acc_mean(const struct hill_acc *a)
{
	return a->time > 0 ? a->completions / a->time : 0;
}

/* Standard error of the mean rate: the larger of the sample spread and the
 * counting (Poisson) noise, so one lucky interval cannot look significant. */
static double acc_se(const struct hill_acc *a)
{
	double poisson = a->time > 0 ? sqrt(a->completions + 1) / a->time : 0;
	double spread = 0;

	if (a->n >= 2) {
		double m = a->sum / a->n;
		double var = (a->sumsq - a->n * m * m) / (a->n - 1);

		spread = var > 0 ? sqrt(var / a->n) : 0;
	}
	return spread > poisson ? spread : poisson;
}

static int acc_enough(const struct hill_acc *a)
{
	return (a->n >= 2 && a->completions >= 40) || (a->n >= 4 && a->completions >= 12) ||
	       a->n >= 24;
}

/* The reference a drift shows against: the rate measured in a, its
 * standard error and the spread of one interval's rate. */
static void set_ref(struct hill_state *h, const struct hill_acc *a)
{
	h->ref = acc_mean(a);
	h->ref_se = acc_se(a);
	h->ref_sd = h->ref_se * sqrt(a->n);
	h->ref_valid = 1;
}

/* Tasks so short that the interval after a change hardly sees the old width. */
static int short_tasks(const struct hill_state *h, const struct tp_ctl_sample *s)
{
	return h->lat > 0 && h->lat * 10 < s->dt_s;
}

static void go_home(struct hill_state *h)
{
	h->phase = HILL_HOME;
	h->settle = 1;
	memset(&h->home_acc, 0, sizeof(h->home_acc));
}

static void start_probe(struct tp_controller *c, struct hill_state *h, const struct tp_ctl_sample *s,
			struct tp_decision *d)
{
	for (;;) {
		int dir, target;

		if (h->tried_up && h->tried_down) {
			/* A full round without a win: stay, and wait longer each time. */
			h->tried_up = h->tried_down = 0;
			h->hold_until = s->t_s + h->hold_s;
			set_ref(h, &h->home_acc);
			snprintf(d->reason, sizeof(d->reason),
				 "hill: no neighbour of %d beats %.1f/s beyond noise: hold %.0fs",
				 h->home, h->ref, h->hold_s);
			h->hold_s = h->hold_s * 2 > HILL_HOLD_MAX_S ? HILL_HOLD_MAX_S : h->hold_s * 2;
			h->step = h->home / 4 > 1 ? h->home / 4 : 1;
			d->workers = h->home;
			return;
		}
		dir = h->dir ? h->dir : 1;
		if ((dir > 0 && h->tried_up) || (dir < 0 && h->tried_down))
			dir = -dir;
		/* Stay within the bounded step per interval, so the guard does not cut the probe. */
		{
			int maxstep = tp_controller_max_step(c, h->home, tp_controller_budget_s(c, s));
			int step = h->step > maxstep ? maxstep : h->step;

			target = tp_controller_clamp(c, h->home + dir * step);
		}
		if (target == h->home) {
			if (dir > 0)
				h->tried_up = 1;
			else
				h->tried_down = 1;
			continue;
		}
		h->dir = dir;
		h->probe = target;
		h->phase = HILL_PROBE;
		h->settle = 1;
		memset(&h->probe_acc, 0, sizeof(h->probe_acc));
		d->workers = target;
		snprintf(d->reason, sizeof(d->reason), "hill: probe %d -> %d (home %.1f/s)",
			 h->home, target, acc_mean(&h->home_acc));
		return;
	}
}

/* The first sample, the latency estimate, and a width that a guard or the
 * bounds moved: where the search stands before this sample is judged. */
static void hill_sync(struct tp_controller *c, struct hill_state *h, const struct tp_ctl_sample *s)
{
	int expect;

	if (h->phase == HILL_START) {
		h->home = s->workers;
		h->step = s->workers > 1 ? s->workers : 1;	/* slow start: double */
		/* After the controller's start phase the width is near the useful
		 * range already: probe a quarter of it, not all of it. */
		if (c->start_from > 0)
			h->step = s->workers / 4 > 1 ? s->workers / 4 : 1;
		/* Its last step at most doubled (or it stopped at the top of
		 * the range): what a probe could find is within noise of the
		 * width, and on a short job the probe would cost more than it
		 * finds.  Hold first, watching for a drift. */
		if (c->start_bracketed)
			h->hold_until = s->t_s + HILL_HOLD_MIN_S;
		/* A doubling measured worse (a lock, a database): look below first. */
		h->dir = c->worse_at > s->workers ? -1 : 1;
		h->hold_s = HILL_HOLD_MIN_S;
		go_home(h);
	}
	if (s->completions > 0 && s->latency_s > 0)
		h->lat = h->lat > 0 ? 0.5 * h->lat + 0.5 * s->latency_s : s->latency_s;
	expect = h->phase == HILL_PROBE ? h->probe : h->home;
	if (h->phase == HILL_PROBE && s->workers != expect &&
	    (s->workers - h->home) * (h->probe - h->home) > 0) {
		/* A guard shortened the probe but kept its direction: measure that. */
		h->probe = s->workers;
		expect = s->workers;
	}
	if (s->workers != expect) {
		/* A guard or the bounds moved us: start over from where we are. */
		h->home = s->workers;
		h->step = s->workers / 4 > 1 ? s->workers / 4 : 1;
		h->tried_up = h->tried_down = 0;
		h->ref_valid = 0;
		go_home(h);
	}
}

/* At home with a reference: has the workload changed under us?  1 when it
 * did (a new search started, d says so), else 0. */
static int hill_drift(struct tp_controller *c, struct hill_state *h, const struct tp_ctl_sample *s,
		      struct tp_decision *d, int enough)
{
	struct hill_acc last = { 0 };
	double m = acc_mean(&h->home_acc);
	double diff = m - h->ref;
	double se = hypot(acc_se(&h->home_acc), h->ref_se);
	/* One sample suffices for a change too large to be noise. */
	double k = enough ? 1 : 2;
	int drift = fabs(diff) > HILL_DRIFT_Z * k * se && fabs(diff) > HILL_DRIFT_REL * k * h->ref;
	int sudden = 0;

	acc_add(&last, s);
	if (last.completions >= HILL_EARLY_TASKS) {
		/* The window may still hold the old phase: the last sample
		 * alone, against the spread of one sample at the reference,
		 * or five times off with few tasks (a slow new phase). */
		double ml = acc_mean(&last);

		if ((last.completions >= HILL_SUDDEN_TASKS &&
		     fabs(ml - h->ref) > HILL_SUDDEN_Z * fmax(h->ref_sd, acc_se(&last)) &&
		     fabs(ml - h->ref) > HILL_SUDDEN_REL * h->ref) ||
		    ml > HILL_JUMP * h->ref || HILL_JUMP * ml < h->ref) {
			drift = sudden = 1;
			m = ml;
			diff = ml - h->ref;
		}
	}
	if (!drift) {
		h->stalled = 0;
		return 0;
	}
	/* A sudden fall in one sample can be a stall (an fsync waiting 150 ms
	 * on the disk: 8 x dd read 150/s against 1195/s, and a search from
	 * there moved to 2 and kept it): that sample is left out, and the
	 * fall counts once the next one confirms it. */
	if (sudden && diff < 0 && !h->stalled) {
		h->stalled = 1;
		acc_sub(&h->home_acc, s);
		snprintf(d->reason, sizeof(d->reason),
			 "hill: throughput at %d fell %.1f -> %.1f/s in one sample: measuring again",
			 h->home, h->ref, m);
		return 1;
	}
	h->stalled = 0;
	/* The workload changed: search again, first in the direction
	 * that a drop or a rise suggests. */
	h->ref_valid = 0;
	h->hold_s = HILL_HOLD_MIN_S;
	h->hold_until = 0;
	h->tried_up = h->tried_down = 0;
	h->dir = diff < 0 ? -1 : 1;
	/* A collapse (a drop by half or more) is far from the
	 * optimum: look at a quarter of the width first. */
	h->step = diff >= 0 ? h->home
		: m < 0.5 * h->ref ? (h->home * 3 / 4 > 1 ? h->home * 3 / 4 : 1)
		: (h->home / 2 > 1 ? h->home / 2 : 1);
	/* The probe is judged against the home as it is now. */
	if (sudden)
		h->home_acc = last;
	start_probe(c, h, s, d);
	snprintf(d->reason + strlen(d->reason), sizeof(d->reason) - strlen(d->reason),
		 "; throughput at %d drifted %.1f -> %.1f/s", h->home, h->ref, m);
	return 1;
}

/* HILL_HOME: measure the home, watch it for a drift, hold, then probe. */
static void hill_home(struct tp_controller *c, struct hill_state *h, const struct tp_ctl_sample *s,
		      struct tp_decision *d)
{
	int enough;

	acc_add(&h->home_acc, s);
	enough = acc_enough(&h->home_acc);
	if (h->ref_valid && (enough || h->home_acc.completions >= HILL_EARLY_TASKS) &&
	    hill_drift(c, h, s, d, enough))
		return;
	if (!enough) {
		snprintf(d->reason, sizeof(d->reason), "hill: measure home %d", h->home);
		return;
	}
	if (s->t_s < h->hold_until) {
		if (!h->ref_valid)
			set_ref(h, &h->home_acc);
		snprintf(d->reason, sizeof(d->reason), "hill: hold %d (%.1f/s)", h->home,
			 acc_mean(&h->home_acc));
		/* Keep the estimate fresh but bounded: restart the window. */
		if (h->home_acc.n >= HILL_HOLD_WINDOW)
			memset(&h->home_acc, 0, sizeof(h->home_acc));
		return;
	}
	start_probe(c, h, s, d);
}

/* The probe won (gain mp - mh over the noise thr): it is the new home; a
 * clear win probes on at once. */
static void hill_accept(struct tp_controller *c, struct hill_state *h, const struct tp_ctl_sample *s,
			struct tp_decision *d, double mh, double mp, double thr)
{
	int from = h->home;

	h->home = h->probe;
	h->home_acc = h->probe_acc;
	h->phase = HILL_HOME;
	h->settle = 0;
	h->hold_s = HILL_HOLD_MIN_S;
	h->hold_until = 0;
	set_ref(h, &h->probe_acc);
	/* Where we came from is known worse; keep going this way, faster. */
	h->tried_up = h->dir < 0;
	h->tried_down = h->dir > 0;
	h->step *= 2;
	d->workers = h->home;
	snprintf(d->reason, sizeof(d->reason),
		 "hill: move %d -> %d: %.1f -> %.1f/s (gain %.1f > noise %.1f)", from,
		 h->home, mh, mp, mp - mh, thr);
	if (mp - mh <= HILL_CLEAR_NOISE * thr || mp < HILL_CLEAR_GAIN * mh)
		return;
	/* A clear win: its measurement is the new home's, probe on at once. */
	start_probe(c, h, s, d);
	{
		char then[sizeof(d->reason)];

		snprintf(then, sizeof(then), "%s", d->reason);
		snprintf(d->reason, sizeof(d->reason),
			 "hill: move %d -> %d: %.1f -> %.1f/s (gain %.1f > noise %.1f); %.120s",
			 from, h->home, mh, mp, mp - mh, thr, then);
	}
}

/* The probe lost: back home, which is the reference now; refine the step. */
static void hill_reject(struct hill_state *h, struct tp_decision *d, double mh, double mp,
			double thr)
{
	snprintf(d->reason, sizeof(d->reason),
		 "hill: back to %d: probe %d gave %.1f vs %.1f/s (gain %.1f <= noise %.1f)",
		 h->home, h->probe, mp, mh, mp - mh, thr);
	/* The home's last measurement is the reference a phase change shows against. */
	set_ref(h, &h->home_acc);
	if (h->step > 1)
		h->step /= 2;	/* refine in the same direction */
	else if (h->dir > 0)
		h->tried_up = 1;
	else
		h->tried_down = 1;
	d->workers = h->home;
	d->back = 1;
	go_home(h);
}

/* HILL_PROBE: a sequential test of the probe against the home. */
static void hill_probe(struct tp_controller *c, struct hill_state *h, const struct tp_ctl_sample *s,
		       struct tp_decision *d)
{
	double mh, mp, se, thr;
	int early;

	acc_add(&h->probe_acc, s);
	mh = acc_mean(&h->home_acc);
	mp = acc_mean(&h->probe_acc);
	se = sqrt(acc_se(&h->home_acc) * acc_se(&h->home_acc) +
		  acc_se(&h->probe_acc) * acc_se(&h->probe_acc));
	thr = fmax(HILL_Z * se, HILL_REL_MIN * mh);
	/* A gain or a loss far beyond the noise needs no second sample. */
	early = h->probe_acc.completions >= HILL_EARLY_TASKS && fabs(mp - mh) > HILL_EARLY_NOISE * thr;

	/* Sequential test: a promising but unproven gain earns more samples. */
	if ((!acc_enough(&h->probe_acc) && !early) ||
	    (mp - mh <= thr && mp - mh > HILL_PROMISING * thr && h->probe_acc.n < HILL_MAX_N)) {
		snprintf(d->reason, sizeof(d->reason), "hill: measure probe %d", h->probe);
		d->workers = h->probe;
		return;
	}
	if (mp - mh > thr)
		hill_accept(c, h, s, d, mh, mp, thr);
	else
		hill_reject(h, d, mh, mp, thr);
}

static void hill_decide(struct tp_controller *c, const struct tp_ctl_sample *s,
			struct tp_decision *d)
{
	struct hill_state *h = c->state;

	hill_sync(c, h, s);
	d->workers = s->workers;
	if (s->eof && s->queued == 0 && s->busy < s->workers) {
		snprintf(d->reason, sizeof(d->reason), "hill: inputs drained, hold");
		return;
	}
	if (h->settle > 0 && short_tasks(h, s))
		h->settle = 0;
	if (h->settle > 0) {
		h->settle--;
		snprintf(d->reason, sizeof(d->reason), "hill: settle at %d", s->workers);
		return;
	}
	if (h->phase == HILL_HOME)
		hill_home(c, h, s, d);
	else
		hill_probe(c, h, s, d);
}

const struct tp_controller_desc tp_controller_hill = {
	.name = "hill",
	.summary = "throughput hill-climber with noise gating and probe back-off",
	.state_size = sizeof(struct hill_state),
	.decide = hill_decide,
};
