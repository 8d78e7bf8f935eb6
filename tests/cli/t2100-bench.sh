#!/bin/sh
# bench: a built-in workload over worker counts; results.json keys of
# DESIGN.md, one CSV row per repeat, input sources, bad input exits 2.
. "$TP_TESTLIB"
expect_exit 0 "$TP" bench -w sleep:ms=1 --count 20 --workers 1,2 --repeat 2 -o r.json --csv r.csv
contains "$out" "median tasks/s"
contains "$out" "w=1 b=1 thread"
contains "$out" "w=2 b=1 thread"
contains "$out" "<- best"
python3 - r.json r.csv <<'PY' || fail "results do not match DESIGN.md"
import csv, json, sys
d = json.load(open(sys.argv[1]))
for k in ("schema", "tool", "machine", "workload", "trials", "model", "recommendation"):
    assert k in d, k
assert isinstance(d["schema"], int)
assert d["tool"]["name"] == "tunepool" and d["tool"]["version"]
assert d["workload"]["name"] == "sleep"
assert "ms=1" in d["workload"]["options"]
assert d["workload"]["input_signature"].endswith(":20")
for k in ("topology", "cpus_usable", "memory", "counters", "fingerprint"):
    assert k in d["machine"], k
assert isinstance(d["machine"]["counters_recorded"], list)
assert len(d["trials"]) == 2
for t in d["trials"]:
    assert set(t["config"]) >= {"workers", "batch", "strategy", "start"}
    assert t["config"]["strategy"] == "thread" and t["config"]["batch"] == 1
    assert len(t["repeats"]) == 2
    for r in t["repeats"]:
        for k in ("wall_s", "tasks", "throughput", "cpu_user_s", "cpu_sys_s", "rss_peak_kb",
                  "ctx_switches", "counters", "failures"):
            assert k in r, k
        assert r["tasks"] == 20 and r["failures"] == 0 and r["throughput"] > 0
    for k in ("median", "ci_low", "ci_high", "mad", "outliers"):
        assert k in t["stats"], k
    assert t["stats"]["ci_low"] <= t["stats"]["median"] <= t["stats"]["ci_high"]
assert sorted(t["config"]["workers"] for t in d["trials"]) == [1, 2]
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 4, len(rows)
assert {"config_workers", "config_batch", "config_strategy", "config_start"} <= set(rows[0])
assert sorted(r["config_workers"] for r in rows) == ["1", "1", "2", "2"]
PY

# Inputs: ::: ARGS, --inputs FILE and standard input give the same signature.
expect_exit 0 "$TP" bench -w cpu:bytes=256 --workers 1 --repeat 1 --warmup 0 -o a.json ::: x y z
printf 'x\ny\nz\n' >in.txt
expect_exit 0 "$TP" bench -w cpu:bytes=256 --workers 1 --repeat 1 --warmup 0 -o b.json --inputs in.txt
"$TP" bench -w cpu:bytes=256 --workers 1 --repeat 1 --warmup 0 -o c.json <in.txt >/dev/null 2>&1 ||
	fail "bench from standard input failed"
sa=$(json_get a.json "d['workload']['input_signature']")
[ "$sa" = "$(json_get b.json "d['workload']['input_signature']")" ] || fail "::: and --inputs differ"
[ "$sa" = "$(json_get c.json "d['workload']['input_signature']")" ] || fail "::: and stdin differ"
[ "$(json_get a.json "d['trials'][0]['repeats'][0]['tasks']")" = 3 ] || fail "3 inputs expected"

# A bare WORKLOAD works like -w; batches multiply the configs.
expect_exit 0 "$TP" bench sleep:ms=0 --count 8 --workers 1,2 --batch 1,4 --repeat 1 --warmup 0 -o d.json
[ "$(json_get d.json "len(d['trials'])")" = 4 ] || fail "2 workers x 2 batches expected"

# Failing tasks: exit 1, stopped after the first run unless --keep-going.
expect_exit 1 "$TP" bench -w sleep:ms=0,fail_every=4 --count 8 --workers 1,2 --repeat 2 -o f.json
contains "$err" "--keep-going"
[ "$(json_get f.json "sum(len(t['repeats']) for t in d['trials'])")" = 0 ] ||
	[ "$(json_get f.json "d['trials'][0]['repeats'][0]['failures']")" = 2 ] || fail "failures not recorded"
expect_exit 1 "$TP" bench -w sleep:ms=0,fail_every=4 --count 8 --workers 1,2 --repeat 2 --warmup 0 --keep-going -o g.json
[ "$(json_get g.json "sum(len(t['repeats']) for t in d['trials'])")" = 4 ] || fail "keep-going ran all"
[ "$(json_get g.json "d['trials'][0]['repeats'][0]['failures']")" = 2 ] || fail "2 failures per run"

# Bad input exits 2 naming the value.
expect_exit 2 "$TP" bench -w slep:ms=1 --count 2
contains "$err" "'slep'"
contains "$err" "did you mean 'sleep'"
expect_exit 2 "$TP" bench -w sleep:ms=abc --count 2
contains "$err" "'abc'"
expect_exit 2 "$TP" bench -w sleep --count 2 --workers 1,x
contains "$err" "'1,x'"
expect_exit 2 "$TP" bench -w sleep --count 2 --workers 0
contains "$err" "'0'"
expect_exit 2 "$TP" bench -w sleep --count 2 --strategy thraed
contains "$err" "did you mean 'thread'"
expect_exit 2 "$TP" bench -w sleep --count 2 --strategy process --start vfork
contains "$err" "'vfork'"
expect_exit 2 "$TP" bench -w sleep --count 2 --repeat 0
contains "$err" "'0'"
expect_exit 2 "$TP" bench -w sleep --count 2 --timeout soon
contains "$err" "'soon'"
expect_exit 2 "$TP" bench --count 2
contains "$err" "give one workload"
expect_exit 2 "$TP" bench -w sleep --count 2 ::: a b
contains "$err" "one input source"
expect_exit 2 "$TP" bench -w sleep --count 2 --bogus
expect_exit 2 "$TP" bench -w sleep --inputs missing.txt
contains "$err" "missing.txt"
[ ! -e r2.json ] || fail "no results on bad usage"
exit 0
