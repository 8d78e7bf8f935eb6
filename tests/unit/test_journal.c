/* Unit tests for runner/journal: hashing, append + reload, resume modes, torn lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "runner/journal.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tp-test-journal.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_hash(void **state)
{
	char hex[TP_JOURNAL_HASH_HEX];

	(void)state;
	/* FNV-1a 64 of the empty string, NUL, empty string. */
	assert_string_equal(tp_journal_hash_hex(0xaf63bd4c8601b7dfULL, hex), "af63bd4c8601b7df");
	assert_true(tp_journal_hash("echo", "a") != tp_journal_hash("echo", "b"));
	assert_true(tp_journal_hash("echo", "a") != tp_journal_hash("printf", "a"));
	/* The separator keeps "ab"+"c" apart from "a"+"bc". */
	assert_true(tp_journal_hash("ab", "c") != tp_journal_hash("a", "bc"));
	assert_true(tp_journal_hash("echo", "a") == tp_journal_hash("echo", "a"));
	assert_int_equal(strlen(tp_journal_hash_hex(tp_journal_hash("x", "y"), hex)), 16);
}

static void append(struct tp_journal *j, uint64_t seq, const char *cmd, const char *input, int ok)
{
	struct tp_journal_record r = {
		.seq = seq, .input = input, .hash = tp_journal_hash(cmd, input),
		.start = 1700000000.5, .duration_s = 0.25, .ok = ok,
		.exit_status = ok ? 0 : 3, .term_signal = 0, .attempt = 1,
	};

	assert_int_equal(tp_journal_append(j, &r), 0);
}

static void test_append_and_resume(void **state)
{
	char path[128];
	struct tp_journal j;
	struct tp_journal_index idx;
	uint64_t ha, hb, hc;
	FILE *f;
	char line[512];
	int lines = 0;

	(void)state;
	path_in(path, sizeof(path), "a.jsonl");
	assert_int_equal(tp_journal_open(&j, path), 0);
	append(&j, 1, "cmd", "a", 1);
	append(&j, 2, "cmd", "b", 0);
	append(&j, 3, "cmd", "a", 1);	/* the same input twice */
	/* Flushed per record: readable before close. */
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		assert_non_null(strstr(line, "\"seq\":"));
		assert_non_null(strstr(line, "\"hash\":\""));
		assert_non_null(strchr(line, '\n'));
	}
	fclose(f);
	assert_int_equal(lines, 3);
	assert_int_equal(tp_journal_close(&j), 0);

	ha = tp_journal_hash("cmd", "a");
	hb = tp_journal_hash("cmd", "b");
	hc = tp_journal_hash("cmd", "c");

	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), 0);
	assert_int_equal(idx.records, 3);
	assert_int_equal(idx.torn, 0);
	/* --resume: skips both a's (lines 1 and 3), the failed b, never c, nor an
	 * a on a line that was not journaled. */
	assert_int_equal(tp_journal_index_take(&idx, ha, 1, TP_RESUME_ALL), 1);
	assert_int_equal(tp_journal_index_take(&idx, ha, 3, TP_RESUME_ALL), 1);
	assert_int_equal(tp_journal_index_take(&idx, ha, 5, TP_RESUME_ALL), 0);
	assert_int_equal(tp_journal_index_take(&idx, hb, 2, TP_RESUME_ALL), 1);
	assert_int_equal(tp_journal_index_take(&idx, hc, 4, TP_RESUME_ALL), 0);
	tp_journal_index_release(&idx);

	/* --resume-failed reruns b; a changed command skips nothing. */
	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), 0);
	assert_int_equal(tp_journal_index_take(&idx, hb, 2, TP_RESUME_FAILED), 0);
	assert_int_equal(tp_journal_index_take(&idx, ha, 1, TP_RESUME_FAILED), 1);
	assert_int_equal(tp_journal_index_take(&idx, tp_journal_hash("cmd2", "a"), 3, TP_RESUME_ALL), 0);
	assert_int_equal(tp_journal_index_take(&idx, ha, 3, TP_RESUME_NONE), 0);
	tp_journal_index_release(&idx);
}

/* --then stages: the answer travels in the record and back out of the index;
 * a later stage's task is command + input whatever its line; a record
 * without an answer cannot be fed on. */
static void test_stage_answers(void **state)
{
	char path[128];
	struct tp_journal j;
	struct tp_journal_index idx;
	const char *ans = NULL;
	size_t len = 0;
	uint64_t h1 = tp_journal_hash("c1", "x"), h2 = tp_journal_hash("c2", "ax\n");
	struct tp_journal_record r = { .seq = 1, .input = "x", .hash = h1, .ok = 1, .attempt = 1,
				       .stage = 1, .answer = "ax\nay\n", .answer_len = 6 };

	(void)state;
	path_in(path, sizeof(path), "s.jsonl");
	assert_int_equal(tp_journal_open_stage(&j, path, 1), 0);
	assert_int_equal(tp_journal_append(&j, &r), 0);
	r.seq = 7;	/* stage 2: its 7th line this time */
	r.input = "ax\n";
	r.hash = h2;
	r.stage = 2;
	r.answer = NULL;
	assert_int_equal(tp_journal_append(&j, &r), 0);
	r.seq = 2;	/* stage 1, a failure: no answer to feed on */
	r.input = "y";
	r.hash = tp_journal_hash("c1", "y");
	r.stage = 1;
	r.ok = 0;
	assert_int_equal(tp_journal_append(&j, &r), 0);
	assert_int_equal(tp_journal_close(&j), 0);

	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), 0);
	assert_int_equal(idx.records, 3);
	assert_int_equal(tp_journal_index_take_answer(&idx, h1, tp_journal_stage_seq(1, 1),
						      TP_RESUME_ALL, &ans, &len), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(ans, "ax\nay\n", 6);
	/* Taken once: the same task again runs. */
	assert_int_equal(tp_journal_index_take_answer(&idx, h1, tp_journal_stage_seq(1, 1),
						      TP_RESUME_ALL, &ans, &len), 0);
	assert_int_equal(tp_journal_index_take_answer(&idx, tp_journal_hash("c1", "y"),
						      tp_journal_stage_seq(1, 2), TP_RESUME_ALL,
						      &ans, &len), 0);
	/* Stage 2 finds its task on any line; stage 3 with the same command does not. */
	assert_int_equal(tp_journal_index_take(&idx, h2, tp_journal_stage_seq(3, 4), TP_RESUME_ALL), 0);
	assert_int_equal(tp_journal_index_take(&idx, h2, tp_journal_stage_seq(2, 4), TP_RESUME_ALL), 1);
	assert_true(tp_journal_stage_seq(2, 4) == tp_journal_stage_seq(2, 9));
	assert_true(tp_journal_stage_seq(1, 4) == 4 && tp_journal_stage_seq(0, 4) == 4);
	tp_journal_index_release(&idx);

	/* A bad "stage" or "answer" is named. */
	write_file(path, "{\"seq\":1,\"hash\":\"0123456789abcdef\",\"status\":\"ok\",\"stage\":\"2\"}\n");
	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), -1);
	tp_journal_index_release(&idx);
	write_file(path, "{\"seq\":1,\"hash\":\"0123456789abcdef\",\"status\":\"ok\",\"answer\":3}\n");
	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), -1);
	tp_journal_index_release(&idx);
}

static void test_torn_last_line(void **state)
{
	char path[128];
	struct tp_journal j;
	struct tp_journal_index idx;
	struct tp_journal_record r = { .seq = 1, .input = "x", .ok = 1, .attempt = 1 };
	char buf[256];
	FILE *f;
	int n = 0;

	(void)state;
	path_in(path, sizeof(path), "torn.jsonl");
	r.hash = tp_journal_hash("c", "x");
	assert_int_equal(tp_journal_open(&j, path), 0);
	assert_int_equal(tp_journal_append(&j, &r), 0);
	assert_int_equal(tp_journal_close(&j), 0);
	f = fopen(path, "a");
	fputs("{\"seq\":2,\"input\":\"y\",\"hash\":\"00", f);
	fclose(f);

	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), 0);
	assert_int_equal(idx.records, 1);
	assert_int_equal(idx.torn, 1);
	assert_int_equal(tp_journal_index_take(&idx, r.hash, 1, TP_RESUME_ALL), 1);
	tp_journal_index_release(&idx);

	/* Reopening cuts the torn tail: the next record is a line of its own. */
	assert_int_equal(tp_journal_open(&j, path), 0);
	r.seq = 2;
	r.input = "y";
	assert_int_equal(tp_journal_append(&j, &r), 0);
	assert_int_equal(tp_journal_close(&j), 0);
	f = fopen(path, "r");
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		assert_ptr_equal(strstr(buf, "{\"seq\":"), buf);
	}
	fclose(f);
	assert_int_equal(n, 2);

	/* A file that is only a torn line is emptied. */
	write_file(path, "{\"seq\":1,");
	assert_int_equal(tp_journal_open(&j, path), 0);
	assert_int_equal(tp_journal_close(&j), 0);
	f = fopen(path, "r");
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
}

static void test_bad_middle_line(void **state)
{
	char path[128];
	struct tp_journal_index idx;

	(void)state;
	path_in(path, sizeof(path), "bad.jsonl");
	write_file(path, "{\"hash\":\"0123456789abcdef\",\"status\":\"ok\"}\n"
			 "garbage\n"
			 "{\"hash\":\"0123456789abcdee\",\"status\":\"ok\"}\n");
	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	tp_journal_index_release(&idx);

	write_file(path, "{\"hash\":\"0123\",\"status\":\"ok\"}\n");
	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), -1);
	tp_journal_index_release(&idx);

	/* Missing file: an empty journal. */
	path_in(path, sizeof(path), "none.jsonl");
	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), 0);
	assert_int_equal(idx.records, 0);
	assert_int_equal(tp_journal_index_take(&idx, 5, 1, TP_RESUME_ALL), 0);
	tp_journal_index_release(&idx);
}

/* A hash is exactly 16 hex digits: strtoull alone would also take a leading
 * space, a sign or a 0x prefix. */
static void test_hash_must_be_hex(void **state)
{
	static const char *const bad[] = {
		" 123456789abcdef", "+123456789abcdef", "-123456789abcdef",
		"0x23456789abcdef", "0X23456789abcdef", "\\t123456789abcdef",
		"0123456789abcdeg", "0123456789abcde", "0123456789abcdef0",
	};
	char path[128], rec[160];
	struct tp_journal_index idx;
	size_t i;

	(void)state;
	path_in(path, sizeof(path), "hex.jsonl");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rec, sizeof(rec), "{\"hash\":\"%s\",\"status\":\"ok\"}\n", bad[i]);
		write_file(path, rec);
		tp_journal_index_init(&idx);
		if (tp_journal_index_load(&idx, path) != -1)
			fail_msg("hash '%s' was accepted", bad[i]);
		assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
		tp_journal_index_release(&idx);
	}
	write_file(path, "{\"hash\":\"0123456789ABCDEF\",\"status\":\"ok\"}\n");
	tp_journal_index_init(&idx);
	assert_int_equal(tp_journal_index_load(&idx, path), 0);
	assert_int_equal(tp_journal_index_take(&idx, 0x0123456789abcdefULL, 0, TP_RESUME_FAILED), 1);
	tp_journal_index_release(&idx);
}

static void test_index_grows(void **state)
{
	struct tp_journal_index idx;
	uint64_t i;

	(void)state;
	tp_journal_index_init(&idx);
	for (i = 1; i <= 10000; i++)
		tp_journal_index_add(&idx, i * 7919, i, (int)(i & 1));
	for (i = 1; i <= 10000; i++)
		assert_int_equal(tp_journal_index_take(&idx, i * 7919, i, TP_RESUME_FAILED), (int)(i & 1));
	assert_int_equal(tp_journal_index_take(&idx, 3, 3, TP_RESUME_ALL), 0);
	tp_journal_index_release(&idx);
}

/* One writer: a journal another process holds is refused with its pid;
 * a non-UTF-8 input is kept byte for byte in input_hex. */
static void test_lock_and_hex(void **state)
{
	char path[128], want[64], line[512];
	struct tp_journal j;
	int go[2], ready[2];
	pid_t pid;
	char c;
	FILE *f;

	(void)state;
	path_in(path, sizeof(path), "lock.jsonl");
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tp_journal held;

		if (tp_journal_open(&held, path) != 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	tp_log_set_quiet(2);
	assert_int_equal(tp_journal_open(&j, path), -1);
	assert_int_equal(tp_error_exit_code(), TP_EXIT_USAGE);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	/* Free again once the holder is gone. */
	assert_int_equal(tp_journal_open(&j, path), 0);
	append(&j, 1, "cmd", "caf\351\377", 1);
	assert_int_equal(tp_journal_close(&j), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	snprintf(want, sizeof(want), "\"input_hex\":\"%s\"", "636166e9ff");
	assert_non_null(strstr(line, want));
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_lock_and_hex),
		cmocka_unit_test(test_append_and_resume),
		cmocka_unit_test(test_torn_last_line),
		cmocka_unit_test(test_stage_answers),
		cmocka_unit_test(test_bad_middle_line),
		cmocka_unit_test(test_hash_must_be_hex),
		cmocka_unit_test(test_index_grows),
	};

	tp_log_set_quiet(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
