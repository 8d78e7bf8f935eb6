#!/bin/sh
# --then with --summary and --results: each stage prints its own summary
# lines ("run: stage K: ...", width and throughput) and writes its own results
# file: FILE for stage 1, FILE with ".stageK" before its extension for stage
# K (r.json, r.stage2.json, r.stage3.json), each with the stage's summary
# (width, throughput, "stage") and its width timeline.  --log-decisions
# names its files the same way.
. "$TP_TESTLIB"
expect_exit 0 "$TP" run -q --summary --results r.json --log-decisions d.log \
	-- echo a{} --then echo b{} --then echo c{} ::: 1 2 3 4
[ "$(printf '%s\n' "$out" | sort)" = "cba1
cba2
cba3
cba4" ] || fail "output: $out"
for k in 1 2 3; do
	contains "$err" "run: stage $k: 4 ok, 0 failed in "
	contains "$err" "run: stage $k: width mean "
done
[ -f r.json ] && [ -f r.stage2.json ] && [ -f r.stage3.json ] || fail "results files: $(ls)"
[ -f d.log ] && [ -f d.stage2.log ] && [ -f d.stage3.log ] || fail "decision logs: $(ls)"
[ ! -e r.stage2.stage3.json ] || fail "a stage's file named from the one before: $(ls)"
python3 - <<'PY' || fail "results: $(cat r.stage2.json)"
import json
for k, f in ((1, "r.json"), (2, "r.stage2.json"), (3, "r.stage3.json")):
    d = json.load(open(f))
    s = d["summary"]
    assert s["stage"] == k, (f, s)
    assert s["ok"] == 4 and s["throughput"] > 0, (f, s)
    assert s["width"]["peak"] >= 1 and s["width"]["mean"] > 0, (f, s)
    assert isinstance(d["timeline"], list), f
    opts = d["workload"]["options"]
    assert opts == "echo %s{}" % "abc"[k - 1], (f, opts)
PY
# A path with a folder and no extension: the tag goes at the end of the name.
mkdir -p out.d
expect_exit 0 "$TP" run -q --results=out.d/res -- echo {} --then echo {} ::: 1
[ -f out.d/res ] && [ -f out.d/res.stage2 ] || fail "results without extension: $(ls out.d)"
exit 0
