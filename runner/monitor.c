/* The monitor thread: samples, the timeline, and the controller loop that resizes the pool. */
#include "runner/monitor.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

/* Tasks of a new character that make the next tick come early. */
#define TP_MONITOR_ODD_N 4
/* While the controller's start phase runs, a round of completions (the
 * width's worth, at least this many) makes a tick, at most this often. */
#define TP_MONITOR_ROUND_MIN 2
#define TP_MONITOR_ROUND_MIN_S 0.01

struct tp_monitor {
	struct tp_monitor_opts o;
	struct tp_sampler sampler;
	pthread_t thread;
	int started, stopping;
	pthread_mutex_t lock;	/* guards the fields below and stopping */
	pthread_cond_t wake;
	double lat_sum;		/* durations of tasks finished since the last tick */
	long long lat_n;
	double ref_lat;		/* the last tick's mean task duration, 0 none */
	int odd;		/* tasks since then four times longer or shorter */
	long long round_n;	/* completions that make a tick in the start phase, 0 off */
	/* Tick state (the thread's, or the test's). */
	double t0, last_t;
	long long last_completed;
	long long last_phases;	/* the pool's phase changes at the last tick */
	long long mem_base_kb;	/* cgroup memory at the start */
	double ru_cpu_s;	/* self + children CPU seconds at the last tick, -1 none */
	double ru_own;		/* the children's CPUs, averaged over an interval, -1 none */
	double tc_cpu, tc_run;	/* children's CPU and tasks' run time since the last task_cpu */
	_Atomic long long ticks;	/* read by other threads (tests poll it) */
	int workers;
	/* The timeline's last point: one per interval whatever the tick rate. */
	double tl_t;
	long long tl_completed;
	int tl_workers;		/* the width since the last point */
};

struct tp_monitor *tp_monitor_new(const struct tp_monitor_opts *opts)
{
	struct tp_monitor *m = tp_xcalloc(1, sizeof(*m));

	m->o = *opts;
	if (m->o.interval_s <= 0)
		m->o.interval_s = 0.25;
	if (m->o.early_n == 0)
		m->o.early_n = 64;
	if (m->o.min_interval_s <= 0 || m->o.min_interval_s > m->o.interval_s)
		m->o.min_interval_s = m->o.interval_s / 5;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	if (m->o.ctl && tp_controller_starting(m->o.ctl))
		m->round_n = TP_MONITOR_ROUND_MIN;
	tp_sampler_init(&m->sampler, m->o.cpus_usable);
	m->sampler.own_threads = m->o.own_threads;
	m->t0 = -1;
	m->mem_base_kb = -1;
	m->ru_cpu_s = -1;
	m->ru_own = -1;
	return m;
}

void tp_monitor_task_done(struct tp_monitor *m, double duration_s)
{
	pthread_mutex_lock(&m->lock);
	m->lat_sum += duration_s;
	if (++m->lat_n == m->o.early_n || m->lat_n == m->round_n)
		pthread_cond_signal(&m->wake);
	/* Tasks of a new character (a phase change) wake the monitor early
	 * too: at slow rates early_n tasks would take a whole interval. */
	if (m->ref_lat > 0 && (duration_s > 4 * m->ref_lat || 4 * duration_s < m->ref_lat) &&
	    ++m->odd == TP_MONITOR_ODD_N)
		pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
}

/* CPU seconds of this process's reaped children (the tasks; the runner's
 * own threads are not theirs). */
static double rusage_cpu_s(void)
{
	struct rusage c;

	if (getrusage(RUSAGE_CHILDREN, &c))
		return -1;
	return c.ru_utime.tv_sec + c.ru_utime.tv_usec / 1e6 + c.ru_stime.tv_sec +
	       c.ru_stime.tv_usec / 1e6;
}

/* One sampling step; the last (final) only closes the timeline with what
 * finished since its last point, so a run shorter than an interval has one. */
/* The tasks' demand for CPUs: this process's threads when the tasks run
 * on them, else the host's runnable count (procs_running counts the
 * monitor itself, reading it) and busy CPUs. */
static void cpu_estimate(struct tp_monitor *m, const struct tp_sample *smp, double lat_sum,
			 long long lat_n, struct tp_ctl_sample *cs)
{
	cs->cpu_own = cs->cpu_demand = -1;
	{
		double ru = m->o.own_children ? rusage_cpu_s() : -1, prev = m->ru_cpu_s;

		m->ru_cpu_s = ru;
		/* CPU per task-second of the reaped children, over at least
		 * TP_MONITOR_TASK_CPU_S of task time (a --then stage's guard). */
		cs->task_cpu = -1;
		if (ru >= 0 && prev >= 0) {
			m->tc_cpu += ru - prev;
			m->tc_run += lat_sum;
			if (m->tc_run >= TP_MONITOR_TASK_CPU_S) {
				cs->task_cpu = m->tc_cpu / m->tc_run;
				m->tc_cpu = m->tc_run = 0;
			}
		}
		/* Children count when reaped: only tasks shorter than the sample
		 * show their CPU in it. */
		if (ru >= 0 && prev >= 0 && cs->dt_s > 0 && lat_n > 0 && lat_sum / lat_n <= cs->dt_s &&
		    smp->runnable >= 0 && m->o.cpus_usable > 0) {
			double own = (ru - prev) / cs->dt_s, w = cs->dt_s / m->o.interval_s;

			/* Over an interval, not a 10 ms sample: a round of process
			 * start-ups is a burst, not an overload. */
			if (w > 1)
				w = 1;
			own = m->ru_own < 0 ? own : w * own + (1 - w) * m->ru_own;
			m->ru_own = own;
			cs->cpu_own = own < m->o.cpus_usable ? own : m->o.cpus_usable;
			cs->cpu_demand = smp->runnable >= 1 ? smp->runnable - 1 : 0;
			if (cs->cpu_demand < cs->cpu_own)
				cs->cpu_demand = cs->cpu_own;
		}
	}
	if (cs->cpu_own >= 0) {
		;	/* the children's own, above */
	} else if (smp->own_run >= 0) {
		cs->cpu_own = smp->own_run;
		cs->cpu_demand = smp->own_run + smp->own_wait;
	} else if (smp->runnable >= 0 && smp->cpu_busy >= 0 && m->o.cpus_usable > 0) {
		cs->cpu_own = smp->cpu_busy * m->o.cpus_usable;
		cs->cpu_demand = smp->runnable >= 1 ? smp->runnable - 1 : 0;
		if (cs->cpu_demand < cs->cpu_own)
			cs->cpu_demand = cs->cpu_own;
	}
}

/* The timeline: a point per interval, and one whenever the width
 * changes (the controller's decision now, or anything else since the
 * last tick), each with the width that ran until then, so every change
 * is recorded when it happens. */
static void timeline_add(struct tp_monitor *m, double now_s, const struct tp_ctl_sample *cs,
			 const struct tp_pool_snapshot *snap, long long completed, int final)
{
	struct tp_timeline_point pt;

	if (now_s > m->tl_t &&
	    (now_s - m->tl_t >= 0.99 * m->o.interval_s || snap->workers != m->tl_workers ||
	     m->workers != snap->workers || (final && completed > m->tl_completed))) {
		pt.t_s = cs->t_s;
		pt.workers = snap->workers != m->tl_workers ? m->tl_workers : snap->workers;
		pt.throughput = (double)(completed - m->tl_completed) / (now_s - m->tl_t);
		pt.cpu_busy = cs->cpu_busy;
		pt.mem_pressure = cs->psi_mem;
		pt.queue_depth = (double)snap->queued;
		tp_results_add_timeline(m->o.results, &pt);
		m->tl_t = now_s;
		m->tl_completed = completed;
	}
}

static void tick(struct tp_monitor *m, double now_s, struct tp_ctl_sample *out, int final)
{
	struct tp_pool_snapshot snap;
	struct tp_sample smp;
	struct tp_ctl_sample cs;
	long long completed;
	double lat_sum;
	long long lat_n;

	memset(&snap, 0, sizeof(snap));
	m->o.src.snapshot(m->o.src.ctx, &snap);
	tp_sampler_sample(&m->sampler, now_s, &smp);
	pthread_mutex_lock(&m->lock);
	lat_sum = m->lat_sum;
	lat_n = m->lat_n;
	m->lat_sum = 0;
	m->lat_n = 0;
	m->odd = 0;
	if (lat_n)
		m->ref_lat = lat_sum / lat_n;
	pthread_mutex_unlock(&m->lock);

	completed = snap.done + snap.failed;
	if (m->t0 < 0) {
		m->t0 = now_s;
		m->last_t = now_s;
		m->last_completed = completed;
		m->mem_base_kb = smp.cg_mem_current_kb;
		m->tl_t = now_s;
		m->tl_completed = completed;
		m->tl_workers = snap.workers;
	}
	memset(&cs, 0, sizeof(cs));
	cs.t_s = now_s - m->t0;
	cs.dt_s = now_s - m->last_t;
	cs.workers = snap.workers;
	cs.busy = snap.busy;
	cs.queued = snap.queued;
	cs.phase_change = snap.phase_changes > m->last_phases;
	m->last_phases = snap.phase_changes;
	cs.eof = snap.eof;
	cs.completions = completed - m->last_completed;
	cs.throughput = cs.dt_s > 0 ? cs.completions / cs.dt_s : 0;
	cs.latency_s = lat_n ? lat_sum / lat_n : 0;
	cs.cpu_busy = smp.cpu_busy;
	cpu_estimate(m, &smp, lat_sum, lat_n, &cs);
	cs.cpu_throttled = smp.cpu_throttled;
	cs.psi_cpu = smp.psi_avg10[TP_PSI_CPU];
	cs.psi_mem = smp.psi_avg10[TP_PSI_MEMORY];
	cs.psi_io = smp.psi_avg10[TP_PSI_IO];
	cs.mem_usable_kb = smp.mem_usable_kb;
	/* One worker's footprint: what the cgroup grew by, shared by the busy workers. */
	if (m->mem_base_kb >= 0 && smp.cg_mem_current_kb > m->mem_base_kb && snap.busy > 0)
		cs.mem_per_worker_kb = (smp.cg_mem_current_kb - m->mem_base_kb) / snap.busy;
	m->last_t = now_s;
	m->last_completed = completed;
	if (!final)
		m->ticks++;	/* the final step closes the timeline only */

	if (m->o.ctl && cs.dt_s > 0 && snap.workers > 0 && !final) {
		struct tp_decision d;
		int w = tp_controller_step(m->o.ctl, &cs, &d);

		if (w != snap.workers)
			m->o.src.set_workers(m->o.src.ctx, w);
		m->workers = w;
		pthread_mutex_lock(&m->lock);
		m->round_n = tp_controller_starting(m->o.ctl)
				     ? (w > TP_MONITOR_ROUND_MIN ? w : TP_MONITOR_ROUND_MIN) : 0;
		pthread_mutex_unlock(&m->lock);
	} else {
		m->workers = snap.workers;
	}
	if (m->o.results)
		timeline_add(m, now_s, &cs, &snap, completed, final);
	m->tl_workers = m->workers;
	if (out)
		*out = cs;
}

void tp_monitor_tick(struct tp_monitor *m, double now_s, struct tp_ctl_sample *out)
{
	tick(m, now_s, out, 0);
}

static struct timespec at(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *monitor_main(void *arg)
{
	struct tp_monitor *m = arg;
	double last;

	/* Best effort (needs CAP_SYS_NICE): the monitor must get the CPU even
	 * when the workers spin on every core, or it sees a collapse late. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), -5) < 0)
		errno = 0;
	last = tp_now_s();

	tp_monitor_tick(m, last, NULL);
	pthread_mutex_lock(&m->lock);
	while (!m->stopping) {
		double now = tp_now_s();
		/* The interval is over, or enough tasks finished to measure. */
		int round = m->round_n > 0 && m->lat_n >= m->round_n;
		int early = (m->o.early_n > 0 && m->lat_n >= m->o.early_n) ||
			    m->odd >= TP_MONITOR_ODD_N;
		double due = round ? last + TP_MONITOR_ROUND_MIN_S
			   : early ? last + m->o.min_interval_s : last + m->o.interval_s;
		struct timespec ts;

		if (now < due) {
			ts = at(due);
			pthread_cond_timedwait(&m->wake, &m->lock, &ts);
			continue;
		}
		pthread_mutex_unlock(&m->lock);
		last = tp_now_s();
		tp_monitor_tick(m, last, NULL);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	tick(m, tp_now_s(), NULL, 1);
	return NULL;
}

int tp_monitor_start(struct tp_monitor *m)
{
	pthread_condattr_t ca;
	int err;

	/* The interval is kept on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&m->wake);
	pthread_cond_init(&m->wake, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&m->thread, NULL, monitor_main, m);
	if (err)
		return tp_error("cannot start the monitor thread: %s", strerror(err));
	m->started = 1;
	return 0;
}

void tp_monitor_stop(struct tp_monitor *m)
{
	if (!m || !m->started)
		return;
	pthread_mutex_lock(&m->lock);
	m->stopping = 1;
	pthread_cond_broadcast(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	m->started = 0;
}

void tp_monitor_free(struct tp_monitor *m)
{
	if (!m)
		return;
	tp_monitor_stop(m);
	tp_sampler_release(&m->sampler);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->wake);
	free(m);
}

long long tp_monitor_ticks(const struct tp_monitor *m)
{
	return atomic_load(&m->ticks);
}

int tp_monitor_workers(const struct tp_monitor *m)
{
	return m->workers;
}
