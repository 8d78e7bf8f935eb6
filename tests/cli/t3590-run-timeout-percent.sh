#!/bin/sh
# --timeout P%: once five tasks succeeded, a task running past P% of their
# median duration is ended and journaled as a timeout; the others run on.
. "$TP_TESTLIB"
start=$(date +%s)
expect_exit 1 "$TP" run -q -j 1 --timeout 300% --joblog j.jsonl -- sleep \
	::: 0.05 0.05 0.05 0.05 0.05 0.05 0.05 30 0.05
[ $(( $(date +%s) - start )) -lt 10 ] || fail "the 30 s task was not ended by --timeout 300%"
grep '"input":"30"' j.jsonl | grep -q '"status":"timeout"' || fail "no timeout journaled: $(cat j.jsonl)"
[ "$(grep -c '"status":"ok"' j.jsonl)" = 8 ] || fail "the short tasks did not all succeed: $(cat j.jsonl)"
# Before five successes there is no median: a percentage alone never ends a task.
expect_exit 0 "$TP" run -q -j 1 --timeout 300% -- sleep ::: 0.3 0.05
exit 0
