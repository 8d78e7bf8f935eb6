#!/bin/sh
# bench over thread and process strategies with both start methods: start
# applies to process only, every combination is measured.
. "$TP_TESTLIB"
"$TP" bench -w cpu:bytes=1K --count 50 --workers 1,2 --strategy process --start fork \
	--repeat 1 --warmup 0 >/dev/null 2>probe.txt
grep -q "not yet available" probe.txt && fail "process strategy not available in this build: $(cat probe.txt)"
expect_exit 0 "$TP" bench -w cpu:bytes=1K --count 50 --workers 1,2 --batch 1,8 \
	--strategy thread,process --start fork,spawn --repeat 1 --warmup 0 -o r.json --csv r.csv
python3 - r.json <<'PY' || fail "configs"
import json, sys
d = json.load(open(sys.argv[1]))
cs = sorted((t["config"]["strategy"], t["config"]["start"], t["config"]["workers"], t["config"]["batch"]) for t in d["trials"])
assert len(cs) == 12, cs
assert sum(1 for c in cs if c[0] == "thread" and c[1] == "") == 4
assert sum(1 for c in cs if c[0] == "process" and c[1] == "fork") == 4
assert sum(1 for c in cs if c[0] == "process" and c[1] == "spawn") == 4
assert all(r["tasks"] == 50 and r["failures"] == 0 for t in d["trials"] for r in t["repeats"])
PY
[ "$(($(wc -l <r.csv) - 1))" = 12 ] || fail "12 CSV rows"
# One lock for every worker, threads or processes (fork: inherited mapping;
# spawn: the parent's memfd): 4 workers holding it 2 ms each can never pass
# 500 tasks/s (load only slows them), while private locks would allow 2000.
expect_exit 0 "$TP" bench -w lock:cs_us=2000,wait_us=0 --count 40 --workers 4 \
	--strategy thread,process --start fork,spawn --repeat 1 --warmup 0 -o lock.json
python3 - lock.json <<'PY' || fail "the lock did not exclude"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["trials"]) == 3, len(d["trials"])
for t in d["trials"]:
    r = t["repeats"][0]
    assert r["failures"] == 0 and r["tasks"] == 40, r
    assert r["throughput"] <= 500 * 1.02, (t["config"], r["throughput"])
PY
# A threads-only workload skips process with a warning.
expect_exit 0 "$TP" bench -w spec --workers 1 --strategy thread,process --repeat 1 --warmup 0 ::: sleep:ms=0 cpu:bytes=64
contains "$err" "skipped"
exit 0
