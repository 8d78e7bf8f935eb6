/* Unit tests for core/: options, registry lookups, strbuf, atomic files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/registry.h"
#include "core/strbuf.h"

static const struct tp_opt table[] = {
	{ "bytes", TP_OPT_SIZE, 1, 1e12, "4K", "bytes per task", NULL },
	{ "ms", TP_OPT_DURATION, 0, 3600, "20ms", "wait per task", NULL },
	{ "mode", TP_OPT_CHOICE, 0, 0, "sleep", "what to do", "sleep|cpu" },
	{ "n", TP_OPT_INT, 1, 10, "3", "count", NULL },
	TP_OPT_END,
};

static void test_opt_defaults_and_values(void **state)
{
	struct tp_optset set;
	char *s;

	(void)state;
	assert_int_equal(tp_optset_parse(&set, table, NULL, "workload 'x'"), 0);
	assert_true(tp_optset_num(&set, "bytes") == 4096);
	assert_true(tp_optset_num(&set, "ms") > 0.0199 && tp_optset_num(&set, "ms") < 0.0201);
	assert_string_equal(tp_optset_str(&set, "mode"), "sleep");
	tp_optset_release(&set);

	assert_int_equal(tp_optset_parse(&set, table, "bytes=1MiB,mode=cpu,n=7", "w"), 0);
	assert_true(tp_optset_num(&set, "bytes") == 1048576);
	assert_true(tp_optset_num(&set, "mode") == 1);
	assert_true(tp_optset_num(&set, "n") == 7);
	s = tp_optset_format(&set);
	assert_string_equal(s, "bytes=1MiB,ms=20ms,mode=cpu,n=7");
	free(s);
	tp_optset_release(&set);
}

static void test_opt_errors(void **state)
{
	struct tp_optset set;

	(void)state;
	assert_int_equal(tp_optset_parse(&set, table, "bytse=4", "w"), -1);
	assert_int_equal(tp_optset_parse(&set, table, "n=11", "w"), -1);
	assert_int_equal(tp_optset_parse(&set, table, "n=abc", "w"), -1);
	assert_int_equal(tp_optset_parse(&set, table, "mode=fast", "w"), -1);
	assert_int_equal(tp_optset_parse(&set, table, "n", "w"), -1);
}

static void test_parsers(void **state)
{
	double d;
	int v[16];

	(void)state;
	assert_int_equal(tp_parse_size("2G", &d), 0);
	assert_true(d == 2147483648.0);
	assert_int_equal(tp_parse_size("-1", &d), -1);
	assert_int_equal(tp_parse_size("12q", &d), -1);
	assert_int_equal(tp_parse_duration("250ms", &d), 0);
	assert_true(d > 0.2499 && d < 0.2501);
	assert_int_equal(tp_parse_duration("1m", &d), 0);
	assert_true(d == 60);
	assert_int_equal(tp_parse_int_list("1,2,4-6", v, 16), 5);
	assert_int_equal(v[4], 6);
	assert_int_equal(tp_parse_int_list("1,,2", v, 16), -1);
	assert_int_equal(tp_parse_int_list("5-3", v, 16), -1);
	assert_int_equal(tp_parse_int_list("1-100", v, 16), -1);
}

struct desc {
	const char *name;
	int x;
};

static void test_registry(void **state)
{
	static const struct desc a = { "probe", 1 }, b = { "bench", 2 }, c = { "compare", 3 };
	static const struct desc *const tab[] = { &a, &b, &c };
	const struct desc *d;

	(void)state;
	d = tp_registry_find((const void *const *)tab, 3, "bench");
	assert_non_null(d);
	assert_int_equal(d->x, 2);
	assert_null(tp_registry_find((const void *const *)tab, 3, "nope"));
	assert_string_equal(tp_registry_suggest((const void *const *)tab, 3, "prbe"), "probe");
	assert_string_equal(tp_registry_suggest((const void *const *)tab, 3, "comp"), "compare");
	assert_null(tp_registry_suggest((const void *const *)tab, 3, "zzzzzz"));
	assert_int_equal(tp_edit_distance("kitten", "sitting"), 3);
	assert_ptr_equal(tp_registry_lookup((const void *const *)tab, 3, "compare", "command"), &c);
	assert_null(tp_registry_lookup((const void *const *)tab, 3, "bnch", "command"));
	{
		char buf[64];

		assert_string_equal(tp_registry_names((const void *const *)tab, 3, buf, sizeof(buf)),
				    "probe|bench|compare");
		assert_string_equal(tp_registry_names((const void *const *)tab, 3, buf, 9), "probe|be");
	}
}

static void test_strbuf(void **state)
{
	struct tp_strbuf sb = TP_STRBUF_INIT;
	char *s;

	(void)state;
	assert_string_equal(sb.buf, "");
	tp_strbuf_addf(&sb, "%d-%s", 42, "x");
	tp_strbuf_adds(&sb, "  \n");
	tp_strbuf_rtrim(&sb);
	assert_string_equal(sb.buf, "42-x");
	s = tp_strbuf_detach(&sb);
	assert_string_equal(s, "42-x");
	assert_string_equal(sb.buf, "");
	free(s);
	tp_strbuf_release(&sb);
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/tp-core-XXXXXX", path[256], link[256];
	struct tp_strbuf sb = TP_STRBUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
	assert_int_equal(tp_write_file_atomic(path, "one", 3), 0);
	assert_int_equal(tp_write_file_atomic(path, "two!", 4), 0);
	assert_int_equal(tp_read_file(path, &sb), 0);
	assert_string_equal(sb.buf, "two!");
	/* A symlink at the destination is refused and left alone. */
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(tp_write_file_atomic(link, "x", 1), -1);
	/* A directory that does not exist fails cleanly. */
	snprintf(link, sizeof(link), "%s/nodir/x", dir);
	assert_int_equal(tp_write_file_atomic(link, "x", 1), -1);
	unlink(path);
	snprintf(link, sizeof(link), "%s/link", dir);
	unlink(link);
	rmdir(dir);
	tp_strbuf_release(&sb);
}

/* Devices are written in place, directories refused as bad input, reads
 * stop at their limit, and aliased paths are found by identity. */
static void test_checked_io(void **state)
{
	char dir[] = "/tmp/tp-core-XXXXXX", path[256], other[256], sub[256];
	struct tp_strbuf sb = TP_STRBUF_INIT;
	struct tp_path_role roles[2];
	struct stat st;

	(void)state;
	tp_log_set_quiet(2);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(tp_write_file_atomic("/dev/null", "x", 1), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(tp_write_file_atomic(dir, "x", 1), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	assert_int_equal(tp_output_check("-o", dir), -1);
	assert_int_equal(tp_output_check("-o", "/dev/null"), 0);
	assert_int_equal(tp_output_check("-o", "-"), 0);
	/* A limit: /dev/zero stops, a small file passes. */
	assert_int_equal(tp_read_file_limited("/dev/zero", 1000, &sb), -1);
	assert_int_equal(errno, EFBIG);
	tp_strbuf_reset(&sb);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(tp_write_file_atomic(path, "abc", 3), 0);
	assert_int_equal(tp_read_file_limited(path, 3, &sb), 0);
	tp_strbuf_reset(&sb);
	assert_int_equal(tp_read_file_limited(path, 2, &sb), -1);
	/* Aliases: ./a and a hard link; two spellings of a new path. */
	snprintf(other, sizeof(other), "%s/./hard", dir);
	assert_int_equal(link(path, other), 0);
	roles[0] = (struct tp_path_role){ "--inputs", path };
	roles[1] = (struct tp_path_role){ "--joblog", other };
	assert_int_equal(tp_paths_check_distinct(roles, 2), -1);
	snprintf(sub, sizeof(sub), "%s/new", dir);
	snprintf(other, sizeof(other), "%s/../%s/new", dir, strrchr(dir, '/') + 1);
	roles[0] = (struct tp_path_role){ "--joblog", sub };
	roles[1] = (struct tp_path_role){ "--results", other };
	assert_int_equal(tp_paths_check_distinct(roles, 2), -1);
	roles[1] = (struct tp_path_role){ "--results", path };
	assert_int_equal(tp_paths_check_distinct(roles, 2), 0);
	roles[0] = (struct tp_path_role){ "--joblog", "/dev/null" };
	roles[1] = (struct tp_path_role){ "--results", "/dev/null" };
	assert_int_equal(tp_paths_check_distinct(roles, 2), 0);
	unlink(path);
	snprintf(other, sizeof(other), "%s/hard", dir);
	unlink(other);
	rmdir(dir);
	tp_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_defaults_and_values),
		cmocka_unit_test(test_opt_errors),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_checked_io),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
