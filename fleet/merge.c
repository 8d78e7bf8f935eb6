/* The per-hardware-class merge of many nodes' tuning results. */
#include "fleet/merge.h"

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "tuner/conf.h"
#include "runner/strategy.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct node {
	char *name;
	const char *path;
	char fp[32];
	struct tp_results r;
	struct tp_tuned_conf conf;	/* the sibling NODE.conf */
	int have_conf;
	double cpus_usable;
	long long mem_usable_kb;
	/* at the class's config */
	const struct tp_trial *trial;
	double median, ratio, p;
	int slow;
};

struct class {
	struct node **nodes;
	size_t n;
	struct tp_config config;
	double min, median, max;
	size_t nslow;
	char conf_name[64];
};

void tp_fleet_merge_opts_init(struct tp_fleet_merge_opts *o)
{
	o->threshold = 0.05;
	o->alpha = 0.05;
}

static char *node_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".json"))
		len -= 5;
	return tp_xstrndup(base, len);
}

char *tp_fleet_node_name(const char *path)
{
	return node_name(path);
}

static int load_node(struct node *nd, const char *path)
{
	json_t *fp, *cpus, *mem;
	struct stat st;
	char *conf;

	nd->path = path;
	nd->name = node_name(path);
	if (tp_results_read(&nd->r, path))
		return -1;
	fp = nd->r.machine ? json_object_get(nd->r.machine, "fingerprint") : NULL;
	if (!json_is_string(fp) || !*json_string_value(fp))
		return tp_usage_error("cannot merge '%s': machine.fingerprint is missing", path);
	snprintf(nd->fp, sizeof(nd->fp), "%s", json_string_value(fp));
	if (!nd->r.rec.present)
		return tp_usage_error("cannot merge '%s': it has no recommendation", path);
	cpus = json_object_get(nd->r.machine, "cpus_usable");
	nd->cpus_usable = json_is_number(cpus) ? json_number_value(cpus) : 0;
	mem = json_object_get(json_object_get(nd->r.machine, "memory"), "usable_kb");
	nd->mem_usable_kb = json_is_integer(mem) ? json_integer_value(mem) : 0;
	conf = tp_xasprintf("%.*s.conf", (int)(strlen(path) - (strlen(path) > 5 &&
			    !strcmp(path + strlen(path) - 5, ".json") ? 5 : 0)), path);
	if (strcmp(conf, path) && !stat(conf, &st)) {
		if (tp_conf_read(conf, &nd->conf)) {
			free(conf);
			return -1;
		}
		nd->have_conf = 1;
	}
	free(conf);
	return 0;
}

/* Parsing dominates a large merge (jansson: ~2 ms per 70 KB file): the
 * files are read by a few threads, each taking the next one. */
struct loader {
	struct node *nodes;
	char *const *paths;
	size_t n;
	atomic_size_t next;
	atomic_int failed;
};

static void *load_main(void *arg)
{
	struct loader *l = arg;
	size_t i;

	while ((i = atomic_fetch_add(&l->next, 1)) < l->n)
		if (load_node(&l->nodes[i], l->paths[i]))
			atomic_store(&l->failed, 1);
	return NULL;
}

static int load_all(struct node *nodes, char *const *paths, size_t n)
{
	struct loader l = { .nodes = nodes, .paths = paths, .n = n };
	pthread_t th[8];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = cpus > 1 ? (size_t)cpus : 1, i, started = 0;

	if (nth > 8)
		nth = 8;
	if (nth > n / 16 + 1)
		nth = n / 16 + 1;	/* a handful of files: no threads */
	atomic_init(&l.next, 0);
	atomic_init(&l.failed, 0);
	json_object_seed(0);	/* before any thread creates objects */
	for (i = 1; i < nth; i++)
		if (!pthread_create(&th[started], NULL, load_main, &l))
			started++;
	load_main(&l);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return atomic_load(&l.failed) ? -1 : 0;
}

static int cmp_node(const void *a, const void *b)
{
	const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
	int c = strcmp(x->fp, y->fp);

	return c ? c : strcmp(x->name, y->name);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double rec_median(const struct node *nd)
{
	const struct tp_trial *t = tp_results_find_trial(&nd->r, &nd->r.rec.config);

	return t ? t->stats.median : 0;
}

/* The config that holds across the class: of the configs some node
 * recommends, the one whose worst node keeps the largest share of that
 * node's own best; ties go to the one most nodes recommend. */
static void choose_config(struct class *cl)
{
	size_t i, j, best = 0, best_votes = 0;
	double best_worst = -1;

	for (i = 0; i < cl->n; i++) {
		const struct tp_config *c = &cl->nodes[i]->r.rec.config;
		double worst = INFINITY;
		size_t votes = 0;

		for (j = 0; j < i; j++)
			if (tp_config_equal(&cl->nodes[j]->r.rec.config, c))
				break;
		if (j < i)
			continue;	/* seen */
		for (j = 0; j < cl->n; j++) {
			const struct node *nd = cl->nodes[j];
			const struct tp_trial *t = tp_results_find_trial(&nd->r, c);
			double own = rec_median(nd), share = t && own > 0 ? t->stats.median / own : 0;

			if (share < worst)
				worst = share;
			votes += tp_config_equal(&nd->r.rec.config, c);
		}
		if (worst > best_worst + 1e-9 ||
		    (fabs(worst - best_worst) <= 1e-9 && votes > best_votes)) {
			best = i;
			best_worst = worst;
			best_votes = votes;
		}
	}
	cl->config = cl->nodes[best]->r.rec.config;
}

static size_t repeats_into(const struct tp_trial *t, double *v)
{
	size_t i;

	for (i = 0; t && i < t->nrepeats; i++)
		v[i] = t->repeats[i].throughput;
	return t ? t->nrepeats : 0;
}

/* Each node against the pooled repeats of the others in its class (compare's
 * test: Mann-Whitney, one-sided), slow when both the ratio of medians and p
 * say so. */
static void flag_slow(struct class *cl, const struct tp_fleet_merge_opts *o)
{
	size_t i, j, total = 0;
	double *mine, *others;

	for (i = 0; i < cl->n; i++)
		total += cl->nodes[i]->trial ? cl->nodes[i]->trial->nrepeats : 0;
	if (cl->n < 2 || !total)
		return;
	mine = tp_xmalloc(total * sizeof(*mine));
	others = tp_xmalloc(total * sizeof(*others));
	for (i = 0; i < cl->n; i++) {
		struct node *nd = cl->nodes[i];
		size_t na = repeats_into(nd->trial, mine), nb = 0;

		for (j = 0; j < cl->n; j++)
			if (j != i)
				nb += repeats_into(cl->nodes[j]->trial, others + nb);
		if (!na || !nb)
			continue;
		nd->ratio = tp_stats_median(mine, na) / tp_stats_median(others, nb);
		nd->p = tp_stats_mann_whitney(mine, na, others, nb, TP_LESS, NULL);
		nd->slow = nd->ratio < 1 - o->threshold && nd->p < o->alpha;
		cl->nslow += nd->slow;
	}
	free(mine);
	free(others);
}

static void class_stats(struct class *cl)
{
	double *v = tp_xmalloc(cl->n * sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < cl->n; i++) {
		struct node *nd = cl->nodes[i];

		nd->trial = tp_results_find_trial(&nd->r, &cl->config);
		nd->median = nd->trial ? nd->trial->stats.median : NAN;
		nd->ratio = 1;
		nd->p = 1;
		if (nd->trial)
			v[k++] = nd->median;
	}
	qsort(v, k, sizeof(*v), cmp_double);
	cl->min = k ? v[0] : NAN;
	cl->max = k ? v[k - 1] : NAN;
	cl->median = k ? tp_stats_median(v, k) : NAN;
	free(v);
}

static long long median_rss(const struct tp_trial *t)
{
	double v[64];
	size_t i, n = t->nrepeats < 64 ? t->nrepeats : 64;

	for (i = 0; i < n; i++)
		v[i] = (double)t->repeats[i].rss_peak_kb;
	return n ? (long long)tp_stats_median(v, n) : 0;
}

/* The class conf: the chosen config, the representative node's model (the
 * one nearest the class median), and memory and bounds that fit every node. */
static void build_conf(const struct class *cl, struct tp_tuned_conf *c)
{
	const struct node *rep = cl->nodes[0];
	double best = INFINITY;
	size_t i;

	for (i = 0; i < cl->n; i++)
		if (cl->nodes[i]->trial && fabs(cl->nodes[i]->median - cl->median) < best) {
			best = fabs(cl->nodes[i]->median - cl->median);
			rep = cl->nodes[i];
		}
	tp_conf_init(c);
	if (rep->have_conf)
		*c = rep->conf;
	snprintf(c->workload, sizeof(c->workload), "%s",
		 rep->r.workload_options && *rep->r.workload_options ? rep->r.workload_options :
		 rep->r.workload_name ? rep->r.workload_name : "unknown");
	tp_utc_date(c->date, sizeof(c->date));
	snprintf(c->objective, sizeof(c->objective), "%s", rep->r.rec.objective);
	c->workers = cl->config.workers;
	c->batch = cl->config.batch;
	snprintf(c->strategy, sizeof(c->strategy), "%s", cl->config.strategy);
	snprintf(c->start, sizeof(c->start), "%s", cl->config.start);
	if (!rep->have_conf) {
		snprintf(c->model_kind, sizeof(c->model_kind), "%s", rep->r.model.kind);
		if (*rep->r.model.kind) {
			c->usl_sigma = rep->r.model.sigma;
			c->usl_kappa = rep->r.model.kappa;
			c->peak_workers = rep->r.model.peak_workers;
		}
	}
	c->throughput = cl->median;
	c->throughput_ci_low = cl->min;
	c->throughput_ci_high = cl->max;
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", rep->fp);
	c->cpus_usable = rep->cpus_usable;
	c->memory_usable_kb = 0;
	c->min_workers = 1;
	if (c->max_workers < c->workers)
		c->max_workers = c->workers;
	for (i = 0; i < cl->n; i++) {
		const struct node *nd = cl->nodes[i];
		long long per = 0;
		size_t t;

		if (nd->have_conf) {
			if (nd->conf.memory_base_kb > c->memory_base_kb)
				c->memory_base_kb = nd->conf.memory_base_kb;
			if (nd->conf.max_workers > c->max_workers)
				c->max_workers = nd->conf.max_workers;
		}
		for (t = 0; t < nd->r.ntrials; t++)
			if (nd->r.trials[t].config.workers > c->max_workers)
				c->max_workers = nd->r.trials[t].config.workers;
		if (nd->trial) {
			per = median_rss(nd->trial);
			if (tp_strategy_flags(c->strategy) == 0 && c->workers > 0)
				per /= c->workers;
		}
		if (nd->have_conf && nd->conf.memory_per_worker_kb > per &&
		    tp_config_equal(&nd->r.rec.config, &cl->config))
			per = nd->conf.memory_per_worker_kb;
		if (per > c->memory_per_worker_kb)
			c->memory_per_worker_kb = per;
		if (nd->mem_usable_kb > 0 &&
		    (!c->memory_usable_kb || nd->mem_usable_kb < c->memory_usable_kb))
			c->memory_usable_kb = nd->mem_usable_kb;
	}
}

static int write_conf(const struct class *cl, const char *path)
{
	struct tp_tuned_conf c;
	struct tp_strbuf sb = TP_STRBUF_INIT;
	size_t i;
	int rc;

	build_conf(cl, &c);
	tp_conf_format(&c, &sb);
	tp_strbuf_addf(&sb, "\n# fleet merge: %zu node%s:", cl->n, cl->n == 1 ? "" : "s");
	for (i = 0; i < cl->n && i < 8; i++)
		tp_strbuf_addf(&sb, " %s", cl->nodes[i]->name);
	if (cl->n > 8)
		tp_strbuf_addf(&sb, " ... (index.json lists all)");
	tp_strbuf_addf(&sb, "\n# throughput at this config: min %.4g, median %.4g, max %.4g "
		       "tasks/s (spread %.1f%%)\n", cl->min, cl->median, cl->max,
		       cl->median > 0 ? 100 * (cl->max - cl->min) / cl->median : 0.0);
	rc = tp_write_file_atomic(path, sb.buf, sb.len);
	tp_strbuf_release(&sb);
	return rc;
}

static json_t *config_json(const struct tp_config *c)
{
	return json_pack("{s:i, s:i, s:s, s:s?}", "workers", c->workers, "batch", c->batch,
			 "strategy", c->strategy, "start", *c->start ? c->start : NULL);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int write_index(struct class *cls, size_t ncls, const char *confdir,
		       const char *workload)
{
	json_t *doc = json_object(), *jc = json_array(), *jn = json_array();
	struct tp_strbuf tsv = TP_STRBUF_INIT;
	char *text, *path;
	size_t i, j;
	int rc;

	tp_strbuf_adds(&tsv, "# node\tclass\tconf\tthroughput\tslow\n");
	for (i = 0; i < ncls; i++) {
		struct class *cl = &cls[i];
		json_t *nodes = json_array(), *slow = json_array();

		for (j = 0; j < cl->n; j++) {
			struct node *nd = cl->nodes[j];

			json_array_append_new(nodes, json_string(nd->name));
			if (nd->slow)
				json_array_append_new(slow, json_string(nd->name));
			json_array_append_new(jn, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:b}",
				"node", nd->name, "class", nd->fp, "conf", cl->conf_name,
				"throughput", num(nd->median), "ratio", num(nd->ratio),
				"p", num(nd->p), "slow", nd->slow));
			tp_strbuf_addf(&tsv, "%s\t%s\t%s\t%.6g\t%s\n", nd->name, nd->fp,
				       cl->conf_name, nd->median, nd->slow ? "slow" : "ok");
		}
		json_array_append_new(jc, json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o}",
			"fingerprint", cl->nodes[0]->fp, "conf", cl->conf_name,
			"cpus_usable", num(cl->nodes[0]->cpus_usable),
			"nodes", nodes, "config", config_json(&cl->config),
			"throughput", "min", num(cl->min), "median", num(cl->median),
			"max", num(cl->max),
			"spread", num(cl->median > 0 ? (cl->max - cl->min) / cl->median : NAN),
			"slow_nodes", slow));
	}
	json_object_set_new(doc, "schema", json_integer(1));
	json_object_set_new(doc, "workload", json_string(workload));
	json_object_set_new(doc, "classes", jc);
	json_object_set_new(doc, "nodes", jn);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(doc);
	if (!text) {
		tp_strbuf_release(&tsv);
		return tp_error("cannot build '%s/index.json'", confdir);
	}
	path = tp_xasprintf("%s/index.json", confdir);
	rc = tp_write_file_atomic(path, text, strlen(text));
	free(path);
	free(text);
	if (!rc) {
		path = tp_xasprintf("%s/index.tsv", confdir);
		rc = tp_write_file_atomic(path, tsv.buf, tsv.len);
		free(path);
	}
	tp_strbuf_release(&tsv);
	return rc;
}

static void summarize(const struct class *cl, const char *confdir, struct tp_strbuf *out)
{
	char cfg[96];
	size_t j;

	tp_strbuf_addf(out, "class %s (%.3g CPUs): %zu node%s, %s, %.4g tasks/s "
		       "(min %.4g, max %.4g, spread %.1f%%) -> %s/%s\n",
		       cl->nodes[0]->fp, cl->nodes[0]->cpus_usable, cl->n, cl->n == 1 ? "" : "s",
		       tp_config_format(&cl->config, cfg, sizeof(cfg)), cl->median, cl->min,
		       cl->max, cl->median > 0 ? 100 * (cl->max - cl->min) / cl->median : 0.0,
		       confdir, cl->conf_name);
	for (j = 0; j < cl->n; j++) {
		const struct node *nd = cl->nodes[j];

		if (nd->slow)
			tp_strbuf_addf(out, "  slow node %s: %.2fx its class (p=%.3g)\n",
				       nd->name, nd->ratio, nd->p);
		else if (!nd->trial)
			tp_strbuf_addf(out, "  node %s did not measure this config\n", nd->name);
	}
}

int tp_fleet_merge(char *const *paths, size_t n, const char *confdir,
		   const struct tp_fleet_merge_opts *o, struct tp_strbuf *out,
		   struct tp_fleet_merge_summary *sum)
{
	struct node *nodes = tp_xcalloc(n ? n : 1, sizeof(*nodes));
	struct node **order = tp_xcalloc(n ? n : 1, sizeof(*order));
	struct class *cls = tp_xcalloc(n ? n : 1, sizeof(*cls));
	size_t i, ncls = 0;
	int rc = -1;

	memset(sum, 0, sizeof(*sum));
	if (!n) {
		tp_usage_error("fleet merge: no results files given");
		goto out;
	}
	for (i = 0; i < n; i++)
		tp_results_init(&nodes[i].r);
	if (load_all(nodes, paths, n))
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(nodes[i].r.workload_options ? nodes[i].r.workload_options : "",
			   nodes[0].r.workload_options ? nodes[0].r.workload_options : "")) {
			tp_usage_error("cannot merge '%s': workload '%s' differs from '%s' of '%s'",
				       paths[i], nodes[i].r.workload_options,
				       nodes[0].r.workload_options, paths[0]);
			goto out;
		}
		order[i] = &nodes[i];
	}
	qsort(order, n, sizeof(*order), cmp_node);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(order[i]->name, order[i - 1]->name)) {
			tp_usage_error("cannot merge '%s': node '%s' is also '%s'", order[i]->path,
				       order[i]->name, order[i - 1]->path);
			goto out;
		}
		if (!i || strcmp(order[i]->fp, order[i - 1]->fp)) {
			cls[ncls].nodes = &order[i];
			ncls++;
		}
		cls[ncls - 1].n++;
	}
	/* node names must be unique across classes too */
	{
		char **names = tp_xmalloc(n * sizeof(*names));

		for (i = 0; i < n; i++)
			names[i] = nodes[i].name;
		qsort(names, n, sizeof(*names), (int (*)(const void *, const void *))strcmp);
		for (i = 1; i < n; i++)
			if (!strcmp(names[i], names[i - 1]))
				break;
		if (i < n) {
			tp_usage_error("cannot merge: node '%s' appears twice", names[i]);
			free(names);
			goto out;
		}
		free(names);
	}
	if (mkdir(confdir, 0755) && errno != EEXIST) {
		tp_error("cannot create '%s': %s", confdir, strerror(errno));
		goto out;
	}
	for (i = 0; i < ncls; i++) {
		struct class *cl = &cls[i];
		char *path;

		choose_config(cl);
		class_stats(cl);
		flag_slow(cl, o);
		snprintf(cl->conf_name, sizeof(cl->conf_name), "%s.conf", cl->nodes[0]->fp);
		path = tp_xasprintf("%s/%s", confdir, cl->conf_name);
		rc = write_conf(cl, path);
		free(path);
		if (rc)
			goto out;
		summarize(cl, confdir, out);
		sum->slow += cl->nslow;
	}
	rc = write_index(cls, ncls, confdir, nodes[0].r.workload_options ?
			 nodes[0].r.workload_options : "");
	sum->nodes = n;
	sum->classes = ncls;
out:
	for (i = 0; i < n; i++) {
		free(nodes[i].name);
		tp_results_release(&nodes[i].r);
	}
	free(nodes);
	free(order);
	free(cls);
	return rc;
}
