#!/bin/sh
# --resume with --then: a pipeline interrupted (SIGINT) mid-way continues
# each item from the last stage it finished.  The journal keeps each stage's
# answer ("answer", its output: the next stage's input lines); the resumed
# stage 1 feeds stage 2 what it answered before instead of running the task
# again.  Every input goes through each stage exactly once (one "ok" record
# per stage and input), and the two runs' outputs together are complete.
. "$TP_TESTLIB"
seq 1 30 > in.txt
"$TP" run -q -j 4 --static --joblog j.jsonl -- sh -c 'sleep 0.2; echo a$0' {} \
	--then sh -c 'sleep 0.4; echo b$0' {} < in.txt > o1.txt 2> e1.txt &
pid=$!
# Interrupt once stage 1 is well ahead and stage 2 has started.
i=0
while [ $i -lt 200 ]; do
	n1=$(grep -c '"stage":1' j.jsonl 2>/dev/null || true)
	n2=$(grep -c '"stage":2' j.jsonl 2>/dev/null || true)
	[ "${n1:-0}" -ge 8 ] && [ "${n2:-0}" -ge 1 ] && break
	sleep 0.05; i=$((i + 1))
done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "interrupted pipeline exited $rc: $(cat e1.txt)"
n2=$(grep -c '"stage":2' j.jsonl)
[ "$n2" -lt 30 ] || fail "stage 2 finished before the interrupt: the test shows nothing"
grep -q '"answer":"a1\\n"' j.jsonl || fail "stage 1's answer not journaled: $(head -2 j.jsonl)"
"$TP" run -q -j 4 --static --joblog j.jsonl --resume -- sh -c 'sleep 0.2; echo a$0' {} \
	--then sh -c 'sleep 0.4; echo b$0' {} < in.txt > o2.txt 2> e2.txt || fail "resume: $(cat e2.txt)"
[ "$(cat o1.txt o2.txt | sort)" = "$(sed 's/^/ba/' in.txt | sort)" ] ||
	fail "outputs: $(cat o1.txt o2.txt | sort | uniq -c | tr '\n' ' ')"
python3 - j.jsonl <<'PY' || fail "journal: $(cat j.jsonl)"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = collections.Counter((r["stage"], r["input"]) for r in recs if r["status"] == "ok")
want = {(1, str(i)) for i in range(1, 31)} | {(2, "a%d" % i) for i in range(1, 31)}
assert set(ok) == want, sorted(set(ok) ^ want)
assert all(v == 1 for v in ok.values()), [k for k, v in ok.items() if v != 1]
PY
# A second resume has nothing left to do: no task runs, nothing is printed.
n=$(wc -l < j.jsonl)
expect_exit 0 "$TP" run -q -j 4 --static --joblog j.jsonl --resume -- sh -c 'sleep 0.2; echo a$0' {} \
	--then sh -c 'sleep 0.4; echo b$0' {} < in.txt
[ -z "$out" ] || fail "a finished pipeline printed on resume: $out"
[ "$(wc -l < j.jsonl)" = "$n" ] || fail "a finished pipeline ran tasks again"
exit 0
