#!/bin/sh
# run -- CMD1 ... --then CMD2 ...: each stage's output lines are the next
# stage's inputs, each stage its own pool (own process, width, controller);
# results match the same commands chained by hand; the journal records each
# stage's completions with its number; failures name the stage; Ctrl-C stops
# every stage (130).
. "$TP_TESTLIB"
expect_exit 0 "$TP" run -q -k --joblog j.jsonl -- echo a{} --then echo got {} ::: 1 2 3 4 5
want=$(for i in 1 2 3 4 5; do echo "got a$i"; done)
[ "$out" = "$want" ] || fail "two stages: $out"
python3 - j.jsonl <<'PY' || fail "journal: $(cat j.jsonl)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
s1 = sorted(r["input"] for r in recs if r["stage"] == 1)
s2 = sorted(r["input"] for r in recs if r["stage"] == 2)
assert s1 == ["1", "2", "3", "4", "5"], s1
assert s2 == ["a1", "a2", "a3", "a4", "a5"], s2
assert all(r["status"] == "ok" for r in recs), recs
PY
# Three stages, inputs on stdin, every line once.
seq 1 40 > in.txt
"$TP" run -q -- echo x{} --then echo y{} --then echo z{} < in.txt > o.txt 2> e.txt || fail "three stages: $(cat e.txt)"
[ "$(sort o.txt)" = "$(sed 's/^/zyx/' in.txt | sort)" ] || fail "three stages: $(cat o.txt)"
# A failure in stage 2 names that stage; the others go through.
expect_exit 1 "$TP" run -q -k -- echo {} --then sh -c 'test "$0" != 2 && echo ok $0' {} ::: 1 2 3
[ "$out" = "ok 1
ok 3" ] || fail "stage failure: $out"
contains "$err" "stage 2 ('sh -c"
contains "$err" "1 of 3 tasks failed"
# Usage errors.
expect_exit 2 "$TP" run -- --then echo b ::: 1
contains "$err" "before --then has no command"
expect_exit 2 "$TP" run -- echo a --then ::: 1
contains "$err" "has no command after it"
# Ctrl-C on the first stage's process ends the whole pipeline with 130.
"$TP" run -q --joblog s.jsonl -- sleep 0.2 --then sleep 30 ::: 1 2 3 >o1.txt 2>e1.txt &
pid=$!
i=0
while ! grep -q '"stage":1' s.jsonl 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start=$(date +%s)
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "interrupted pipeline exited $rc: $(cat e1.txt)"
[ $(( $(date +%s) - start )) -lt 10 ] || fail "the later stage kept running"
exit 0
