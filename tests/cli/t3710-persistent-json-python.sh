#!/bin/sh
# run --persistent json with contrib/python/tunepool_worker.py under python3:
# serve(process, init=init) answers {"seq","ok","result"}; an exception fails
# only its input (error in the summary and the journal, the worker lives on);
# results that are not strings print as JSON; inputs with newlines and
# non-ASCII text travel escaped; init runs once per worker and its time stays
# out of the tasks' durations (the ready record).
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
cat > worker.py <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(os.environ["TP_TOP"], "contrib", "python"))
import tunepool_worker

table = None

def init():
    global table
    print("init in", os.getpid())     # goes to stderr, never into the answers
    time.sleep(0.5)
    table = {"pi": 3.14}

def process(item):
    print("doing", item)
    if item == "boom":
        raise ValueError("cannot do " + item)
    if item == "pi":
        return {"value": table["pi"]}
    return item.upper()

tunepool_worker.serve(process, init=init)
PY
expect_exit 1 "$TP" run -q -k -j 2 --static --persistent json --joblog j.jsonl -- python3 worker.py ::: a boom pi "two
lines" "é"
[ "$out" = 'A
{"value":3.14}
TWO
LINES
É' ] || fail "json results: $out"
contains "$err" "#2 'boom': ValueError: cannot do boom"
[ "$(grep -c '^\[worker [01]\] init in' stderr.txt)" = 2 ] || fail "init not once per worker: $err"
python3 - j.jsonl <<'PY' || fail "journal: $(cat j.jsonl)"
import json, sys
recs = {r["input"]: r for r in map(json.loads, open(sys.argv[1]))}
assert len(recs) == 5, recs
assert recs["boom"]["status"] == "failed" and recs["boom"]["error"] == "ValueError: cannot do boom", recs["boom"]
assert recs["a"]["status"] == "ok" and "error" not in recs["a"], recs["a"]
# 0.5 s of init per worker is not part of any task's time.
assert max(r["duration"] for r in recs.values()) < 0.4, [r["duration"] for r in recs.values()]
PY
# The same module speaks lines when tunepool says so (TUNEPOOL_FRAMING).
expect_exit 0 "$TP" run -q -k -j 1 --persistent lines -- python3 worker.py ::: x pi
[ "$out" = "X
{'value': 3.14}" ] || fail "lines through the module: $out"
# And as a script serving module:function, without a wrapper file.
printf 'def double(s):\n    return int(s) * 2\n' > tasks.py
expect_exit 0 "$TP" run -q -k -j 2 --persistent json -- python3 "$TP_TOP/contrib/python/tunepool_worker.py" tasks:double ::: 1 2 21
[ "$out" = "2
4
42" ] || fail "module:function: $out"
exit 0
