#!/bin/sh
# run: SIGINT mid-run exits 130 after a clean shutdown; --resume then runs the
# rest: every input appears exactly once in the journal, none lost or doubled.
. "$TP_TESTLIB"
seq 1 30 > in.txt
cmd='sleep 0.1; x={}; if [ $((x % 7)) = 0 ]; then exit 2; fi; echo {}'
"$TP" run -q --static -j 2 --joblog j.jsonl --inputs in.txt --shell -- "$cmd" >o1.txt 2>e1.txt &
pid=$!
# Wait until some tasks are journaled, then interrupt.
i=0
while [ "$(cat j.jsonl 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "interrupted run exited $rc: $(cat e1.txt)"
n1=$(wc -l < j.jsonl)
[ "$n1" -ge 3 ] && [ "$n1" -lt 30 ] || fail "journal has $n1 records after the interrupt"
"$TP" run -q --static -j 2 --joblog j.jsonl --resume --inputs in.txt --shell -- "$cmd" >o2.txt 2>e2.txt
rc=$?
[ $rc = 1 ] || fail "resumed run exited $rc: $(cat e2.txt)"
python3 - j.jsonl <<'PY' || fail "journal after resume: $(cat j.jsonl)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
seen = {}
for r in recs:
    seen[r['input']] = seen.get(r['input'], 0) + 1
assert sorted(seen, key=int) == [str(i) for i in range(1, 31)], sorted(seen)
assert set(seen.values()) == {1}, {k: v for k, v in seen.items() if v != 1}
for r in recs:
    want = 'failed' if int(r['input']) % 7 == 0 else 'ok'
    assert r['status'] == want, r
PY
# Outputs of both runs together: each ok input printed once.
[ "$(cat o1.txt o2.txt | sort -n | tr '\n' ' ')" = "$(seq 1 30 | grep -v -x -e 7 -e 14 -e 21 -e 28 | tr '\n' ' ')" ] || fail "outputs: $(cat o1.txt o2.txt | tr '\n' ' ')"
# SIGTERM too.
"$TP" run -q -j 2 --joblog k.jsonl -- sleep {} ::: 5 6 7 >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "SIGTERM run exited $rc"
exit 0
