#!/bin/sh
# run: --halt soon starts nothing more after the failure but lets the running
# task finish (journaled as done, not killed); the unread inputs stay for
# --resume, which runs each of them once.  --halt now kills the running task.
. "$TP_TESTLIB"
seq 1 6 > in.txt
cmd='case {} in 1) exit 3;; 2) sleep 0.5; echo two;; *) echo {};; esac'
expect_exit 1 "$TP" run -q --static -j 2 --halt soon,fail=1 --joblog s.jsonl --inputs in.txt --shell -- "$cmd"
contains "$err" "halting (soon)"
[ "$out" = two ] || fail "--halt soon: the running task's output is '$out', wanted 'two'"
python3 - s.jsonl <<'PY' || fail "--halt soon journal: $(cat s.jsonl)"
import json, sys
recs = {r['input']: r for r in map(json.loads, open(sys.argv[1]))}
assert sorted(recs) == ['1', '2'], sorted(recs)
assert recs['1']['status'] == 'failed' and recs['2']['status'] == 'ok', recs
PY
expect_exit 0 "$TP" run -q --static -j 2 --resume --joblog s.jsonl --inputs in.txt --shell -- "$cmd"
[ "$(echo $(sort stdout.txt))" = "3 4 5 6" ] || fail "resume after --halt soon ran: $out"
# Streamed inputs whose writer stays open: soon does not read on to the end.
mkfifo f
(seq 1 6; exec sleep 30) > f &
writer=$!
expect_exit 1 "$TP" run -q --static -j 2 --halt soon,fail=1 --inputs f --shell -- "$cmd"
kill -0 $writer 2>/dev/null || fail "--halt soon waited for the end of the inputs"
kill $writer
[ "$out" = two ] || fail "--halt soon from a fifo: '$out'"
# now: the sleeping task is ended, not journaled as finished.
expect_exit 1 "$TP" run -q --static -j 2 --halt now,fail=1 --joblog n.jsonl --inputs in.txt --shell -- "$cmd"
[ -z "$out" ] || fail "--halt now let the running task finish: '$out'"
[ "$(grep -c . n.jsonl)" = 1 ] || fail "--halt now journal: $(cat n.jsonl)"
exit 0
