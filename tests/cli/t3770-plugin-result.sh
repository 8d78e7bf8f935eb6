#!/bin/sh
# Plugin ABI 2: process_result() returns the task's result, printed by run as
# one line per input (as a persistent worker's answer), in order with -k,
# under the thread strategy and the process strategy (fork and spawn); an ABI 1
# plugin (a shorter descriptor, built here) still loads and runs.
. "$TP_TESTLIB"
P="$TP_BUILD/plugins"
[ -f "$P/upper_result.so" ] || skip "example plugins not built"
expect_exit 1 "$TP" run -q -k --static -j 2 --joblog j.jsonl --plugin "$P/upper_result.so" ::: ab cd fail ef
[ "$out" = "AB
CD
EF" ] || fail "thread results: $out"
contains "$err" "#3 'fail': upper_result: input 'fail' asks to fail"
grep '"input":"fail"' j.jsonl | grep -q '"error":"upper_result: input' || fail "journal: $(cat j.jsonl)"
for start in spawn fork; do
	printf '[run]\nworkers = 2\nbatch = 2\nstrategy = process\nstart = %s\n' $start > p.conf
	expect_exit 0 "$TP" run -q -k --static --config p.conf --plugin "$P/upper_result.so" ::: ab cd ef gh
	[ "$out" = "AB
CD
EF
GH" ] || fail "process/$start results: $out"
done
# An ABI 1 plugin: the descriptor ends at fini.
command -v "${CC:-cc}" >/dev/null || skip "results passed; no C compiler for the ABI 1 plugin"
cat > abi1.c <<'C'
#include <stddef.h>
struct abi1 {
	unsigned abi;
	const char *name, *summary;
	int (*init)(const char *, void **);
	int (*process)(void *, const char *, char *, size_t);
	void (*fini)(void *);
};
static int i1(const char *a, void **s) { (void)a; *s = NULL; return 0; }
static int p1(void *s, const char *in, char *e, size_t n) { (void)s; (void)in; (void)e; (void)n; return 0; }
static void f1(void *s) { (void)s; }
const struct abi1 tunepool_plugin_entry = { 1u, "abi1", "old", i1, p1, f1 };
C
"${CC:-cc}" -shared -fPIC -o abi1.so abi1.c || skip "results passed; cannot build the ABI 1 plugin"
expect_exit 0 "$TP" run -q --static -j 2 --joblog a.jsonl --plugin ./abi1.so ::: a b c
[ -z "$out" ] || fail "an ABI 1 plugin printed: $out"
[ "$(grep -c '"status":"ok"' a.jsonl)" = 3 ] || fail "ABI 1 journal: $(cat a.jsonl)"
exit 0
