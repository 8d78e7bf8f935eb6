/* The hardware topology from hwloc and the CPU model and VM flag of /proc/cpuinfo. */
#include "probes/topology.h"
#include "probes/fsroot.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More PUs than any machine has, or more children under one object than
 * any level of one has: hwloc would build every object first, and inserts
 * siblings in quadratic time ("pack:1000 core:1000 pu:1000" ran for minutes
 * and gigabytes, " 8192" for seconds). */
#define SYNTHETIC_MAX_PUS 8192ULL
#define SYNTHETIC_MAX_ARITY 512ULL

/* The most PUs a synthetic description can ask for: the product of every
 * number outside the () of attributes that is not part of a type name
 * ("pack:2", "core:8(...)", a bare "2", but not the 3 of "l3"); an upper
 * bound whatever hwloc makes of the rest.  Saturates above
 * SYNTHETIC_MAX_PUS, and counts as that when one number is above
 * SYNTHETIC_MAX_ARITY.  0 when s is malformed: a byte outside the synthetic
 * alphabet or unbalanced () or [] (hwloc reads some of those leniently). */
static unsigned long long synthetic_pus(const char *s)
{
	unsigned long long pus = 1;
	int paren = 0, bracket = 0;
	const char *p;

	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		      " \t\n:()[]=,._-") != strlen(s))
		return 0;
	for (p = s; *p; p++) {
		if (*p == '(')
			paren++;
		else if (*p == ')' && --paren < 0)
			return 0;
		else if (*p == '[')
			bracket++;
		else if (*p == ']' && --bracket < 0)
			return 0;
	}
	if (paren || bracket)
		return 0;
	for (p = s; *p;) {
		if (*p == '(') {
			p = strchr(p, ')') + 1;
		} else if (*p >= '0' && *p <= '9' && (p == s || !isalnum((unsigned char)p[-1]))) {
			/* The larger of the decimal and the C reading ("0x862" is 2146 to
			 * hwloc, "018017" 18017); "-1" would wrap. */
			char *end, *end0;
			unsigned long long n = strtoull(p, &end, 10), n0 = strtoull(p, &end0, 0);

			if (n0 > n)
				n = n0;
			if (end0 > end)
				end = end0;

			if (n > SYNTHETIC_MAX_ARITY || (p > s && p[-1] == '-'))
				return SYNTHETIC_MAX_PUS + 1;
			pus *= n ? n : 1;
			if (pus > SYNTHETIC_MAX_PUS)
				pus = SYNTHETIC_MAX_PUS + 1;
			p = end;
		} else {
			p++;
		}
	}
	return pus;
}

int tp_topology_load(hwloc_topology_t *out, const char *xml, const char *synthetic)
{
	hwloc_topology_t topo;

	if (!xml && synthetic && !synthetic_pus(synthetic))
		return tp_usage_error("malformed synthetic topology '%s' (example: "
				      "\"pack:2 numa:2 core:8 pu:2\")", synthetic);
	if (!xml && synthetic && synthetic_pus(synthetic) > SYNTHETIC_MAX_PUS)
		return tp_usage_error("synthetic topology '%s' is larger than any machine (more than "
				      "%llu PUs, or more than %llu children under one object)",
				      synthetic, SYNTHETIC_MAX_PUS, SYNTHETIC_MAX_ARITY);

	if (hwloc_topology_init(&topo))
		return tp_error("cannot initialise hwloc: %s", strerror(errno));
	if (xml) {
		FILE *f = fopen(xml, "r");

		if (!f) {
			int e = errno;

			hwloc_topology_destroy(topo);
			return tp_usage_error("cannot read topology '%s': %s", xml, strerror(e));
		}
		fclose(f);
		if (hwloc_topology_set_xml(topo, xml)) {
			hwloc_topology_destroy(topo);
			return tp_usage_error("topology '%s' is not a valid hwloc XML file", xml);
		}
	} else if (synthetic) {
		if (hwloc_topology_set_synthetic(topo, synthetic)) {
			hwloc_topology_destroy(topo);
			return tp_usage_error("malformed synthetic topology '%s' (example: "
					      "\"pack:2 numa:2 core:8 pu:2\")", synthetic);
		}
	}
	if (hwloc_topology_load(topo)) {
		int e = errno;

		hwloc_topology_destroy(topo);
		if (xml)
			return tp_usage_error("topology '%s' is not a valid hwloc XML file", xml);
		if (synthetic)
			return tp_usage_error("malformed synthetic topology '%s'", synthetic);
		return tp_error("cannot load the hwloc topology: %s", strerror(e));
	}
	*out = topo;
	return 0;
}

int tp_cpuinfo_read(char *model, size_t size, int *vm)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char *line, *save = NULL;
	int have_model = 0, have_flags = 0;

	model[0] = '\0';
	*vm = 0;
	if (tp_fsroot_read("/proc/cpuinfo", &sb)) {
		tp_strbuf_release(&sb);
		return -1;
	}
	for (line = strtok_r(sb.buf, "\n", &save); line && !(have_model && have_flags);
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		size_t klen;
		const char *val;

		if (!colon)
			continue;
		klen = (size_t)(colon - line);
		while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
			klen--;
		val = colon + 1 + strspn(colon + 1, " \t");
		if (!have_model && klen == 10 && !strncmp(line, "model name", 10)) {
			snprintf(model, size, "%s", val);
			have_model = 1;
		} else if (!have_flags && klen == 5 && !strncmp(line, "flags", 5)) {
			char flags[4096], *tok, *fsave = NULL;

			snprintf(flags, sizeof(flags), "%s", val);
			for (tok = strtok_r(flags, " \t", &fsave); tok; tok = strtok_r(NULL, " \t", &fsave))
				if (!strcmp(tok, "hypervisor"))
					*vm = 1;
			have_flags = 1;
		}
	}
	tp_strbuf_release(&sb);
	return 0;
}

/* The first object of type with an info attribute name, else the root's. */
static const char *find_info(hwloc_topology_t topo, hwloc_obj_type_t type, const char *name)
{
	hwloc_obj_t o = NULL;
	const char *v;

	while ((o = hwloc_get_next_obj_by_type(topo, type, o)))
		if ((v = hwloc_obj_get_info_by_name(o, name)))
			return v;
	return hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo), name);
}

static void fill_caches(struct tp_topology *t, hwloc_topology_t topo)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
		HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	size_t i;

	t->ncaches = 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]) && t->ncaches < TP_MAX_CACHES; i++) {
		hwloc_obj_t o = hwloc_get_next_obj_by_type(topo, types[i], NULL);
		struct tp_cache_info *c;

		if (!o)
			continue;
		c = &t->caches[t->ncaches++];
		c->level = (int)i + 1;
		c->size_kb = (long long)(o->attr->cache.size / 1024);
		c->pus = o->cpuset ? hwloc_bitmap_weight(o->cpuset) : 0;
		c->count = hwloc_get_nbobjs_by_type(topo, types[i]);
	}
}

static void fill_numa(struct tp_topology *t, hwloc_topology_t topo)
{
	hwloc_obj_t o = NULL;
	int i = 0;

	t->nnuma = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
	t->numa = t->nnuma > 0 ? tp_xcalloc((size_t)t->nnuma, sizeof(*t->numa)) : NULL;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, o)) && i < t->nnuma) {
		t->numa[i].os_index = (int)o->os_index;
		t->numa[i].memory_kb = (long long)(o->attr->numanode.local_memory / 1024);
		t->numa[i].pus = o->cpuset ? hwloc_bitmap_weight(o->cpuset) : 0;
		i++;
	}
	t->nnuma = i;
}

void tp_topology_fill(struct tp_topology *t, hwloc_topology_t topo, int this_machine)
{
	const char *model = find_info(topo, HWLOC_OBJ_PACKAGE, "CPUModel");
	const char *hv = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo), "HypervisorVendor");

	t->packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	t->pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	t->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	if (t->cores <= 0)
		t->cores = t->pus;
	if (t->packages <= 0)
		t->packages = 1;
	t->smt = t->cores > 0 ? (t->pus + t->cores - 1) / t->cores : 1;
	fill_caches(t, topo);
	fill_numa(t, topo);
	t->numa_nodes = t->nnuma > 0 ? t->nnuma : 1;
	snprintf(t->cpu_model, sizeof(t->cpu_model), "%s", model ? model : "");
	t->vm = hv != NULL;
	if (this_machine) {
		char cpuinfo_model[sizeof(t->cpu_model)];
		int vm;

		if (!tp_cpuinfo_read(cpuinfo_model, sizeof(cpuinfo_model), &vm)) {
			if (!t->cpu_model[0])
				snprintf(t->cpu_model, sizeof(t->cpu_model), "%s", cpuinfo_model);
			t->vm |= vm;
		}
	}
	if (!t->cpu_model[0])
		snprintf(t->cpu_model, sizeof(t->cpu_model), "unknown");
}

void tp_topology_release(struct tp_topology *t)
{
	free(t->numa);
	t->numa = NULL;
	t->nnuma = 0;
}

int tp_topology_cores_in(hwloc_topology_t topo, hwloc_const_bitmap_t set)
{
	hwloc_obj_type_t type = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ?
				HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	hwloc_obj_t o = NULL;
	int n = 0;

	while ((o = hwloc_get_next_obj_by_type(topo, type, o)))
		if (o->cpuset && hwloc_bitmap_intersects(o->cpuset, set))
			n++;
	return n;
}
