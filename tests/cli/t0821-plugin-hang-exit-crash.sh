#!/bin/sh
# Plugins that misbehave in the thread strategy: an init that never returns
# is given up on at --timeout (exit 3, named) and at SIGTERM (exit 130 within
# 2 s, no spinning); exit() called by a task is exit 3 with a message; a crash
# kills the run by its signal; in both the journal holds exactly the tasks that
# finished before.
. "$TP_TESTLIB"
P="$TP_BUILD/plugins/hostile.so"
[ -f "$P" ] || skip "example plugins not built"
t0=$(date +%s)
expect_exit 3 "$TP" run -j 2 --timeout 1 --plugin "$P:hang" ::: a b c
[ $(( $(date +%s) - t0 )) -le 4 ] || fail "a hung init was not given up on at --timeout"
contains "$err" "did not finish initialising within 1s"
"$TP" run -j 2 --plugin "$P:hang" ::: a b c 2>err.txt &
pid=$!
sleep 0.5
kill -TERM $pid
t0=$(date +%s)
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 40 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "SIGTERM did not end a run stuck in init within 4 s"; }
wait $pid; rc=$?
[ "$rc" = 130 ] || fail "SIGTERM during a hung init exited $rc, wanted 130"
# exit() in a task: exit 3, the journal has the two tasks before it.
expect_exit 3 "$TP" run -j 1 --joblog j.jsonl --plugin "$P:exit" ::: a b boom c
contains "$err" "called exit()"
[ "$(grep -c '"status":"ok"' j.jsonl)" = 2 ] || fail "the journal after exit() is not the 2 finished tasks"
# A crash: killed by SIGSEGV, the journal intact.
rm -f j.jsonl
"$TP" run -j 1 --joblog j.jsonl --plugin "$P:crash" ::: a b boom c >/dev/null 2>&1; rc=$?
# (Under a sanitizer its report ends the process instead: exit 86.)
[ "$rc" -gt 128 ] || { [ -n "${TP_SANITIZE-}" ] && [ "$rc" = 86 ]; } || fail "a crashing plugin exited $rc"
[ "$(grep -c '"status":"ok"' j.jsonl)" = 2 ] || fail "the journal after a crash is not the 2 finished tasks"
python3 -c 'import json,sys; [json.loads(l) for l in open("j.jsonl")]' || fail "the journal is torn"
exit 0
