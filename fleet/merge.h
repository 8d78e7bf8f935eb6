/* `fleet merge`: results from many nodes grouped by hardware class (the
 * machine fingerprint) into one tunepool.conf per class, an index of node ->
 * class -> conf, and the nodes significantly slower than their class. */
#ifndef TP_FLEET_MERGE_H
#define TP_FLEET_MERGE_H

#include <stddef.h>

struct tp_strbuf;

struct tp_fleet_merge_opts {
	double threshold;	/* a node slower than its class by more: flagged (0.05) */
	double alpha;		/* ... when Mann-Whitney's one-sided p is below (0.05) */
};

void tp_fleet_merge_opts_init(struct tp_fleet_merge_opts *o);

struct tp_fleet_merge_summary {
	size_t nodes, classes, slow;
};

/* Reads the results files paths[0..n) (node name = file name without .json;
 * a sibling NODE.conf, when present, adds the measured memory and bounds),
 * writes CONFDIR/<fingerprint>.conf per class, CONFDIR/index.json and
 * CONFDIR/index.tsv (node, class, conf), and appends a human summary to out.
 * Bad or mixed inputs are usage errors naming the file; returns 0 or -1. */
/* The node name fleet merge gives the results file path: its file name without
 * .json.  Returns a new string (free it). */
char *tp_fleet_node_name(const char *path);

int tp_fleet_merge(char *const *paths, size_t n, const char *confdir,
		   const struct tp_fleet_merge_opts *o, struct tp_strbuf *out,
		   struct tp_fleet_merge_summary *sum);

#endif
