#!/bin/sh
# run: when the input lines change class after a long run of one (the phases
# of a `spec` run), the dispatcher cuts the width and the controller is told;
# unrelated names never look like a phase; --static is never cut.  Decisions
# carry the tasks' CPU demand.
. "$TP_TESTLIB"
python3 - <<'PY'
with open("phases.txt", "w") as f:
    f.write("sleep:ms=2\n" * 64 + "lock:cs_mode=sleep,cs_us=1000,wait_us=20000\n" * 60)
import itertools, string
with open("names.txt", "w") as f:
    for a, b in itertools.islice(itertools.product(string.ascii_lowercase, repeat=2), 120):
        f.write("%s%s\n" % (a, b))
PY
expect_exit 0 "$TP" run -q -w spec --inputs phases.txt --max-workers 8 --interval 50ms --log-decisions d.jsonl
python3 - d.jsonl <<'PY' || fail "phase change not seen: $(cut -c1-300 d.jsonl)"
import json, sys
decs = [json.loads(l) for l in open(sys.argv[1])]
notes = [d for d in decs if "inputs changed character" in d["reason"]]
assert len(notes) == 1, [d["reason"] for d in decs]
for d in decs:
    assert "cpu_own" in d and "cpu_demand" in d, d
# Sleep tasks want next to no CPU: where measured, the demand says so.
assert any(0 <= d["cpu_demand"] < 1 for d in decs), decs
PY
# Names that share no class make no phase: the same run without a note.
expect_exit 0 "$TP" run -q --interval 50ms --max-workers 8 --log-decisions n.jsonl --inputs names.txt --shell -- 'sleep 0.01 # {}'
grep -q "inputs changed character" n.jsonl && fail "unrelated names made a phase: $(grep -m1 character n.jsonl)"
# --static holds its width through a phase change.
expect_exit 0 "$TP" run -q --static -j 4 -w spec --inputs phases.txt --interval 50ms --log-decisions s.jsonl
python3 - s.jsonl <<'PY' || fail "static moved: $(cut -c1-300 s.jsonl)"
import json, sys
decs = [json.loads(l) for l in open(sys.argv[1])]
assert decs and all(d["from"] == 4 and d["to"] == 4 for d in decs), decs
assert not any("inputs changed character" in d["reason"] for d in decs)
PY
exit 0
