#!/bin/sh
# run: a task that segfaults, one that hangs past --timeout, one that
# allocates until a ulimit stops it; the others still run and exit is 1.
. "$TP_TESTLIB"
expect_exit 1 "$TP" run -q -j 2 --joblog j.jsonl --shell -- 'if [ {} = x ]; then kill -SEGV $$; fi; echo ok {}' ::: a x b
[ "$(sort stdout.txt | tr '\n' ' ')" = "ok a ok b " ] || fail "outputs: $out"
contains "$err" "signal 11"
grep '"input":"x"' j.jsonl | grep -q '"signal":11' || fail "segfault not journaled: $(cat j.jsonl)"

start=$(date +%s)
expect_exit 1 "$TP" run -q -j 2 --timeout 300ms --joblog t.jsonl -- sleep {} ::: 0.01 30
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the hanging task was not ended"
contains "$err" "timed out"
grep '"input":"30"' t.jsonl | grep -q '"status":"timeout"' || fail "timeout not journaled: $(cat t.jsonl)"

# Allocation stopped by the address-space limit of this shell.  A sanitizer
# build cannot start under ulimit -v (its shadow memory): skip that part only.
( ulimit -v 400000 && "$TP" --version ) >/dev/null 2>&1 ||
	skip "sanitizer: segfault and timeout parts passed; a sanitizer build cannot start under ulimit -v"
(
	ulimit -v 400000 || exit 77
	"$TP" run -q -j 1 --shell -- 'if [ {} = big ]; then head -c 2000000000 /dev/zero | tail -n 1 >/dev/null; exit $?; fi; echo ok {}' ::: small big >o.txt 2>e.txt
	echo $? > rc.txt
)
[ -f rc.txt ] || skip "kernel: ulimit -v unsupported"
[ "$(cat rc.txt)" = 1 ] || fail "ulimit run exited $(cat rc.txt): $(cat e.txt)"
[ "$(cat o.txt)" = "ok small" ] || fail "ulimit outputs: $(cat o.txt)"
grep -q "'big'" e.txt || fail "no summary for the allocating task: $(cat e.txt)"
exit 0
