#!/bin/sh
# run: --halt now|soon stops after failures; --retries runs a failed input again.
. "$TP_TESTLIB"
seq 1 50 > in.txt
expect_exit 1 "$TP" run -q --static -j 1 --halt now,fail=2 --joblog h.jsonl --inputs in.txt --shell -- 'x={}; exit $((x % 2))'
n=$(grep -c . h.jsonl)
[ "$n" -lt 50 ] || fail "--halt now ran all $n tasks"
[ "$(grep -c '"failed"' h.jsonl)" = 2 ] || fail "--halt now after 2 failures: $(cat h.jsonl)"
expect_exit 1 "$TP" run -q --static -j 1 --halt soon,fail=20% --joblog s.jsonl --inputs in.txt --shell -- 'x={}; exit $((x % 2))'
[ "$(grep -c . s.jsonl)" -lt 50 ] || fail "--halt soon ran everything"
# Retries: fails on the first attempt only (a marker file per input).
expect_exit 0 "$TP" run -q --retries 2 --joblog r.jsonl --shell -- 'if [ ! -e m-{} ]; then touch m-{}; exit 1; fi; echo {}' ::: a b
grep -q '"attempt":2' r.jsonl || fail "no second attempt journaled: $(cat r.jsonl)"
[ "$(echo $(sort stdout.txt))" = "a b" ] || fail "retry outputs: $out"
exit 0
