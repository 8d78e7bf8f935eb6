/* Export formats: one file per format (tuner/export_<name>.c) exporting a
 * descriptor, listed once in tuner/export_list.h. */
#ifndef TP_TUNER_EXPORT_H
#define TP_TUNER_EXPORT_H

#include <stddef.h>

struct tp_strbuf;
struct tp_tuned_conf;

struct tp_export_desc {
	const char *name;
	const char *summary;
	/* Appends the settings for the other runner to out; 0 or -1. */
	int (*write)(const struct tp_tuned_conf *c, struct tp_strbuf *out);
	const char *unsupported_reason;
};

/* The registration table, in list order. */
const struct tp_export_desc *const *tp_export_table(size_t *n);
/* The format named name; a usage error with a suggestion and NULL when none. */
const struct tp_export_desc *tp_export_find(const char *name);
/* "ini|json|env|..." for help texts (static storage). */
const char *tp_export_names(void);
/* CPUs a runner should reserve for c: min(workers, ceil(cpus_usable)). */
int tp_export_cpus(const struct tp_tuned_conf *c);
/* Slurm --mem in MB for c: (memory_base + workers x memory_per_worker) x 1.25,
 * rounded up; 0 when the conf has no measured memory_base. */
long long tp_export_slurm_mem_mb(const struct tp_tuned_conf *c);

#endif
