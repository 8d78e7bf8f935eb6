#!/bin/sh
# run: the controller logs every decision with its reason; --static holds the
# width; --results carries the monitor's timeline; built-in workloads run.
. "$TP_TESTLIB"
expect_exit 0 "$TP" run -q --interval 50ms --log-decisions d.jsonl --results r.json -w sleep:ms=5 --count 200
python3 - d.jsonl r.json <<'PY' || fail "decisions or results: $(head -c 600 d.jsonl)"
import json, sys
decs = [json.loads(l) for l in open(sys.argv[1])]
assert decs, "no decisions"
for d in decs:
    assert d['controller'] == 'hill' and d['reason'], d
    assert 1 <= d['to'], d
r = json.load(open(sys.argv[2]))
assert r['workload']['name'] == 'sleep', r['workload']
tl = r.get('timeline') or []
assert len(tl) >= 1, r.keys()
assert r['trials'][0]['repeats'][0]['tasks'] == 200, r['trials'][0]
PY
expect_exit 0 "$TP" run -q --static -j 3 --interval 50ms --log-decisions s.jsonl -w sleep:ms=5 --count 100
python3 - s.jsonl <<'PY' || fail "static decisions: $(head -c 600 s.jsonl)"
import json, sys
decs = [json.loads(l) for l in open(sys.argv[1])]
assert all(d['to'] == 3 and d['controller'] == 'static' for d in decs), decs
PY
expect_exit 0 "$TP" run -q --controller gradient --min-workers 2 --max-workers 4 --interval 50ms --log-decisions g.jsonl -w sleep:ms=5 --count 200
python3 - g.jsonl <<'PY' || fail "gradient decisions: $(head -c 600 g.jsonl)"
import json, sys
decs = [json.loads(l) for l in open(sys.argv[1])]
assert all(d['controller'] == 'gradient' and 2 <= d['to'] <= 4 for d in decs), decs
PY
# The spec workload: each input names a workload.
printf 'sleep:ms=1\ncpu:bytes=1K\n' > specs.txt
expect_exit 0 "$TP" run -q -w spec --inputs specs.txt
# Plugin workloads run too; a bad plugin is bad input.
expect_exit 0 "$TP" run -q --plugin "$TP_BUILD/plugins/upper.so" ::: abc def
expect_exit 2 "$TP" run -q --plugin "$TP_BUILD/plugins/bad_abi.so" ::: abc
contains "$err" "ABI"
# Failures of a built-in workload are summarised like a command's.
expect_exit 1 "$TP" run -q --static -j 2 -w sleep:ms=1,fail_every=10 --count 30
contains "$err" "3 of 30 tasks failed"
# --bar prints a progress line on stderr even off a terminal.
expect_exit 0 "$TP" run --bar -w sleep:ms=1 --count 20
contains "$err" "20/20 done"
# Unknown total (stdin): the line says so.
seq 1 20 > n.txt
"$TP" run --bar -w sleep:ms=1 < n.txt >/dev/null 2>e.txt || fail "stdin run: $(cat e.txt)"
grep -q "20 done (total unknown)" e.txt || fail "progress with unknown total: $(cat e.txt)"
# tunepool.conf gives width, bounds and interval; an unknown controller falls back to hill.
printf '[run]\nworkers = 3\n[bounds]\nmin_workers = 3\nmax_workers = 3\n[monitor]\ninterval_ms = 50\ncontroller = usl\n' > t.conf
expect_exit 0 "$TP" run --config t.conf --log-decisions c.jsonl -w sleep:ms=5 --count 100
contains "$err" "using 'hill'"
python3 - c.jsonl <<'PY' || fail "conf decisions: $(head -c 600 c.jsonl)"
import json, sys
decs = [json.loads(l) for l in open(sys.argv[1])]
assert decs and all(d['from'] == 3 and d['to'] == 3 for d in decs), decs
PY
exit 0
