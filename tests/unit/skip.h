/* TP_SKIP(reason): skips the current cmocka test with a reason that
 * tests/run-unit.sh checks against tests/skip-reasons.txt ("kernel: ...");
 * a skip without an allowed reason fails `make test`. */
#ifndef TP_TESTS_SKIP_H
#define TP_TESTS_SKIP_H

#define TP_SKIP(reason)                                   \
	do {                                              \
		print_message("skip-reason: %s\n", reason); \
		skip();                                   \
	} while (0)

#endif
