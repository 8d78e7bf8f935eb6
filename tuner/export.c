/* The export format table and its lookups. */
#include "tuner/export.h"
#include "tuner/export_list.h"

#include "core/log.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "tuner/conf.h"

#include <math.h>
#include <string.h>

#define DECLARE(n) extern const struct tp_export_desc tp_export_##n;
TP_EXPORTS(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_export_##n,
static const struct tp_export_desc *const table[] = { TP_EXPORTS(ENTRY) };
#undef ENTRY
#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct tp_export_desc *const *tp_export_table(size_t *n)
{
	*n = NTABLE;
	return table;
}

const char *tp_export_names(void)
{
	static char names[256];

	return tp_registry_names((const void *const *)table, NTABLE, names, sizeof(names));
}

const struct tp_export_desc *tp_export_find(const char *name)
{
	return tp_registry_lookup((const void *const *)table, NTABLE, name, "export format");
}

int tp_export_cpus(const struct tp_tuned_conf *c)
{
	int cpus = c->workers;

	if (c->cpus_usable > 0 && ceil(c->cpus_usable) < cpus)
		cpus = (int)ceil(c->cpus_usable);
	return cpus < 1 ? 1 : cpus;
}
