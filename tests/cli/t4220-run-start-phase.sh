#!/bin/sh
# run with no config on short wait-bound jobs: while inputs wait and the CPUs
# idle, the start phase widens the width (x2, x4 on nearly idle CPUs) once a
# round of tasks finished at
# it (the monitor samples per round of completions, not only every 250 ms),
# so the width reaches the useful range within the first second, and a short
# burst of tasks sees the controller act before it ends.  The CPU guard does
# not call process start-ups on idle CPUs an overload.
. "$TP_TESTLIB"
i=0; while [ $i -lt 300 ]; do echo $i; i=$((i + 1)); done > inputs.txt
expect_exit 0 "$TP" run -q --log-decisions d.jsonl --inputs inputs.txt -- sh -c 'sleep 0.05'
[ -s d.jsonl ] || fail "no decisions logged"
python3 - d.jsonl <<'PY' || fail "the start phase: $(head -c 1500 d.jsonl)"
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1])]
start = [d for d in ds if d["reason"].startswith("start:")]
first = ds[0]["from"]
wide = max([d["to"] for d in ds if d["t"] <= 1.0] or [0])
doubled = [d for d in start if "widen to" in d["reason"]]
if not doubled:
    # The start phase ends at once on busy CPUs (another job's): say so.
    print("no doubling: cpu busy", [round(d["cpu_busy"], 2) for d in ds[:3]], file=sys.stderr)
    assert ds[0]["cpu_busy"] >= 0.5 or (start and start[-1]["cpu_busy"] >= 0.5), \
        "the start phase ended on idle CPUs"
else:
    assert doubled[0]["t"] < 0.5, "the first doubling came at %.2fs" % doubled[0]["t"]
    assert wide >= 2 * first, "width %d within 1 s, started at %d" % (wide, first)
    assert not [d for d in ds if "cpu overloaded" in d["reason"] and d["cpu_busy"] < 0.5], \
        "an overload on idle CPUs"
PY

# A burst of short tasks: 120 of 10 ms at the start width ends in well under
# the 250 ms interval; the controller still decides on it at least twice.
i=0; while [ $i -lt 120 ]; do echo $i; i=$((i + 1)); done > burst.txt
expect_exit 0 "$TP" run -q --log-decisions b.jsonl --inputs burst.txt -- sh -c 'sleep 0.01'
n=$(wc -l < b.jsonl)
[ "$n" -ge 2 ] || fail "a burst of 120 short tasks: $n decisions"
exit 0
