/* Unit tests for runner/bind: the per-slot sets on synthetic topologies
 * (several packages, NUMA nodes, SMT), the allowed-CPU restriction, the
 * tuner's decision of which bindings are worth trying, and a real thread
 * binding on this machine (read back with sched_getaffinity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "runner/bind.h"
#include "tuner/space.h"

static void test_bind_sets_synthetic(void **state)
{
	struct tp_bind b;
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	enum tp_bind_mode m;
	char buf[64];

	(void)state;
	assert_int_equal(tp_bind_parse("core", &m), 0);
	assert_int_equal(m, TP_BIND_CORE);
	assert_int_equal(tp_bind_parse("socket", &m), -1);
	assert_string_equal(tp_bind_name(TP_BIND_NUMA), "numa");

	/* 2 packages x 2 nodes x 2 cores x 2 PUs: 8 cores, 4 nodes, 16 PUs. */
	hwloc_bitmap_set_range(allowed, 0, 15);
	assert_int_equal(tp_bind_init(&b, TP_BIND_CORE, NULL, "pack:2 numa:2 core:2 pu:2", allowed), 0);
	assert_int_equal(b.nsets, 8);
	hwloc_bitmap_list_snprintf(buf, sizeof(buf), tp_bind_set(&b, 1));
	assert_string_equal(buf, "2-3");		/* a core's two PUs */
	assert_true(hwloc_bitmap_isequal(tp_bind_set(&b, 9), tp_bind_set(&b, 1)));	/* round robin */
	tp_bind_release(&b);
	assert_int_equal(tp_bind_init(&b, TP_BIND_NUMA, NULL, "pack:2 numa:2 core:2 pu:2", allowed), 0);
	assert_int_equal(b.nsets, 4);
	hwloc_bitmap_list_snprintf(buf, sizeof(buf), tp_bind_set(&b, 3));
	assert_string_equal(buf, "12-15");
	tp_bind_release(&b);

	/* Only PUs 0-5 allowed (a cpuset): 3 cores, 2 nodes (the second partly). */
	hwloc_bitmap_zero(allowed);
	hwloc_bitmap_set_range(allowed, 0, 5);
	assert_int_equal(tp_bind_init(&b, TP_BIND_CORE, NULL, "pack:2 numa:2 core:2 pu:2", allowed), 0);
	assert_int_equal(b.nsets, 3);
	tp_bind_release(&b);
	assert_int_equal(tp_bind_init(&b, TP_BIND_NUMA, NULL, "pack:2 numa:2 core:2 pu:2", allowed), 0);
	assert_int_equal(b.nsets, 2);
	hwloc_bitmap_list_snprintf(buf, sizeof(buf), tp_bind_set(&b, 1));
	assert_string_equal(buf, "4-5");
	tp_bind_release(&b);

	/* No binding: nothing loaded, no set. */
	assert_int_equal(tp_bind_init(&b, TP_BIND_NONE, NULL, NULL, NULL), 0);
	assert_null(tp_bind_set(&b, 0));
	assert_int_equal(tp_bind_thread(&b, 0, NULL), 0);
	tp_bind_release(&b);
	hwloc_bitmap_free(allowed);
}

static void test_bind_modes_decision(void **state)
{
	struct tp_space_seed s;
	const char *modes[3];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.pus = s.cores = 2;
	s.numa_nodes = 1;
	assert_int_equal(tp_space_bind_modes(&s, modes), 1);	/* nothing to gain */
	assert_string_equal(modes[0], "none");
	s.pus = 4;						/* SMT 2 */
	assert_int_equal(tp_space_bind_modes(&s, modes), 2);
	assert_string_equal(modes[1], "core");
	s.pus = 64;
	s.cores = 64;
	s.numa_nodes = 4;					/* NUMA, no SMT */
	assert_int_equal(tp_space_bind_modes(&s, modes), 3);
	assert_string_equal(modes[2], "numa");
}

struct bound {
	struct tp_bind *b;
	int rc;
	cpu_set_t got;
};

static void *bind_main(void *arg)
{
	struct bound *t = arg;

	t->rc = tp_bind_thread(t->b, 1, NULL);
	CPU_ZERO(&t->got);
	sched_getaffinity(0, sizeof(t->got), &t->got);
	return NULL;
}

/* This machine: a thread bound to slot 1 runs on exactly that set's PUs. */
static void test_bind_thread_here(void **state)
{
	struct tp_bind b;
	struct bound t = { .b = &b };
	hwloc_bitmap_t saved = hwloc_bitmap_alloc(), before = hwloc_bitmap_alloc();
	hwloc_const_bitmap_t set;
	pthread_t th;
	int i, n = 0;

	(void)state;
	assert_int_equal(tp_bind_init(&b, TP_BIND_CORE, NULL, NULL, NULL), 0);
	set = tp_bind_set(&b, 1);
	assert_non_null(set);
	assert_int_equal(pthread_create(&th, NULL, bind_main, &t), 0);
	pthread_join(th, NULL);
	assert_int_equal(t.rc, 0);
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &t.got) != hwloc_bitmap_isset(set, (unsigned)i))
			fail_msg("PU %d: bound %d, set %d", i, !!CPU_ISSET(i, &t.got),
				 hwloc_bitmap_isset(set, (unsigned)i));
		n += CPU_ISSET(i, &t.got) != 0;
	}
	assert_true(n >= 1);
	/* Bind and restore (what exec does around a spawn). */
	hwloc_get_cpubind(b.topo, before, HWLOC_CPUBIND_THREAD);
	assert_int_equal(tp_bind_thread(&b, 0, saved), 0);
	assert_true(hwloc_bitmap_isequal(saved, before));
	tp_bind_restore(&b, saved);
	hwloc_get_cpubind(b.topo, saved, HWLOC_CPUBIND_THREAD);
	assert_true(hwloc_bitmap_isequal(saved, before));
	hwloc_bitmap_free(saved);
	hwloc_bitmap_free(before);
	tp_bind_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_sets_synthetic),
		cmocka_unit_test(test_bind_modes_decision),
		cmocka_unit_test(test_bind_thread_here),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
