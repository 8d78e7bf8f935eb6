#!/bin/sh
# run --controller static holds its width: wait-bound sleeps on idle CPUs
# would make the demand estimate jump and the start phase double, but a
# static width answers only to the memory guards (no 2 <-> 8 oscillation).
. "$TP_TESTLIB"
i=0; while [ $i -lt 300 ]; do echo $i; i=$((i + 1)); done > inputs.txt
expect_exit 0 "$TP" run -q -j 2 --controller static --interval 50ms --log-decisions d.jsonl \
	--inputs inputs.txt -- sh -c 'sleep 0.005'
[ -s d.jsonl ] || fail "no decisions logged"
moved=$(python3 -c '
import json, sys
print(sorted({(d["from"], d["to"]) for d in map(json.loads, open(sys.argv[1])) if d["to"] != 2 or d["from"] != 2}))
' d.jsonl)
[ "$moved" = "[]" ] || fail "static moved: $moved"
exit 0
