#!/bin/sh
# bench and tune measure persistent workers: a worker that takes 0.3 s to
# load is timed apart (pool::worker_start_s) and its tasks/s is the steady
# state, not the start-up; tune writes strategy = persistent with the framing,
# and run --config uses it.
. "$TP_TESTLIB"
cat > w.sh <<'SH'
sleep 0.3
while IFS= read -r x; do echo "$x"; done
SH
expect_exit 0 "$TP" bench --count 200 --workers 1,2 --repeat 2 --warmup 0 --persistent lines -o r.json -- sh w.sh
contains "$out" "w=1 b=1 persistent"
contains "$out" "start-up and init"
python3 - r.json <<'PY' || fail "bench results: $(cat r.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["trials"]) == 2, d["trials"]
for t in d["trials"]:
    assert t["config"]["strategy"] == "persistent", t["config"]
    for r in t["repeats"]:
        c = r["counters"]
        assert c["pool::worker_start_s"] >= 0.29, c      # the 0.3 s load, measured
        # tasks/s leaves the load out: well above tasks over the wall time
        assert r["throughput"] == c["pool::steady_throughput"], (r["throughput"], c)
        assert r["throughput"] > 2 * c["pool::wall_throughput"], c
        assert r["failures"] == 0
PY
# Records in flight per worker (--batch) are the chunksize of a pool.
expect_exit 0 "$TP" bench --count 200 --workers 1 --batch 1,8 --repeat 1 --warmup 0 --persistent lines -- sh w.sh
contains "$out" "w=1 b=8 persistent"
# tune: one method, the persistent workers; the conf says so.
expect_exit 0 "$TP" tune -q --fresh --persistent json --budget 4 --max-workers 2 --count 100 -o t.conf -- sh -c 'sleep 0.3; echo "{\"ready\":true}"; while read -r r; do s=${r#*\"seq\":}; echo "{\"seq\":${s%%,*},\"ok\":true,\"result\":1}"; done'
grep -q '^strategy = persistent$' t.conf || fail "conf strategy: $(cat t.conf)"
grep -q '^framing = json$' t.conf || fail "conf framing: $(cat t.conf)"
expect_exit 2 "$TP" tune --persistent lines --budget 2 -w sleep:ms=1 --count 10
contains "$err" "needs a command"
exit 0
