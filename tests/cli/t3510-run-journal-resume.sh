#!/bin/sh
# run --joblog: one JSON line per finished task; --resume, --resume-failed,
# hash of command + input, a torn last line tolerated.
. "$TP_TESTLIB"
cmd='if [ -e fail-{} ]; then exit 4; fi; echo done {}'
touch fail-c
expect_exit 1 "$TP" run -q -j 2 --joblog j.jsonl --shell -- "$cmd" ::: a b c d
python3 - j.jsonl <<'PY' || fail "journal: $(cat j.jsonl)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 4, recs
by = {r['input']: r for r in recs}
assert set(by) == {'a', 'b', 'c', 'd'}
for k in ('seq', 'input', 'hash', 'start', 'duration', 'status', 'exit', 'signal', 'attempt'):
    assert k in recs[0], k
assert by['c']['status'] == 'failed' and by['c']['exit'] == 4, by['c']
assert by['a']['status'] == 'ok' and by['a']['attempt'] == 1
assert len(by['a']['hash']) == 16
assert len({r['hash'] for r in recs}) == 4
PY
# --resume: everything finished (ok or failed) is skipped; e is new.
expect_exit 0 "$TP" run -q -j 2 --joblog j.jsonl --resume --shell -- "$cmd" ::: a b c d e
[ "$out" = "done e" ] || fail "--resume ran: $out"
# --resume-failed: c runs again (and now succeeds).
rm fail-c
expect_exit 0 "$TP" run -q --joblog j.jsonl --resume-failed --shell -- "$cmd" ::: a b c d e
[ "$out" = "done c" ] || fail "--resume-failed ran: $out"
# A changed command skips nothing.
expect_exit 0 "$TP" run -q --keep-order --joblog j.jsonl --resume -- echo new {} ::: a b
[ "$(echo $out)" = "new a new b" ] || fail "changed command: $out"
# A torn last line (a run killed mid-write) is ignored, with a warning, and cut.
n=$(wc -l < j.jsonl)
printf '{"seq":9,"input":"f","hash":"00' >> j.jsonl
expect_exit 0 "$TP" run -j 2 --joblog j.jsonl --resume -- echo new {} ::: a b f
[ "$out" = "new f" ] || fail "after torn line: $out"
contains "$err" "torn"
[ "$(wc -l < j.jsonl)" = $((n + 1)) ] || fail "journal not line-aligned: $(tail -n 2 j.jsonl)"
python3 -c "import json,sys; [json.loads(l) for l in open('j.jsonl')]" || fail "journal has a bad line"
# A malformed line in the middle is bad input: exit 2 naming file and line.
printf 'garbage\n{"hash":"0123456789abcdef","status":"ok"}\n' > bad.jsonl
expect_exit 2 "$TP" run --joblog bad.jsonl --resume -- true ::: a
contains "$err" "bad.jsonl"
contains "$err" "line 1"
exit 0
