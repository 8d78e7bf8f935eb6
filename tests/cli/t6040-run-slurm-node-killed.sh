#!/bin/sh
# run --slurm: the node running a slice is killed mid-job (set DOWN: Slurm ends
# the task, NODE_FAIL), then drained; --resume resubmits only that slice, which
# continues on the other node from its journal.  Every input ends up journaled
# exactly once and printed exactly once over both invocations; inputs that had
# finished before the kill never run again.
. "$TP_TESTLIB"
. "$TP_TOP/tests/cli/fleet-lib.sh"
cluster_up 47130
cmd="echo {} >> $TMPDIR/exec.log; sleep 0.2; echo out {}"
"$TP" run --slurm --shared job --slices 2 --static -j 2 --poll-max 1s --shell -- "$cmd" \
	::: $(seq 1 30) > o1.txt 2> e1.txt &
pid=$!
i=0
while [ "$(cat job/journal/0.jsonl 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
[ $i -lt 200 ] || { kill $pid; fail "slice 0 did not start: $(cat e1.txt)"; }
node=$(head -n 1 job/state/0.nodes | cut -d' ' -f1)
other=n1; [ "$node" = n1 ] && other=n2
scontrol update nodename="$node" state=down reason=killed-by-t6040 || fail "cannot down $node"
scontrol update nodename="$node" state=drain reason=killed-by-t6040
wait $pid
rc=$?
[ $rc = 1 ] || fail "the run with a killed node exited $rc: $(cat e1.txt)"
contains "$(cat e1.txt)" "slice 0 incomplete"
contains "$(cat e1.txt)" "NODE_FAIL on $node"
contains "$(cat e1.txt)" "1 slice did not finish"
before=$(python3 -c "import json,sys; print(' '.join(json.loads(l)['input'] for l in open('job/journal/0.jsonl') if l.strip() and json.loads(l)['status']=='ok'))")
[ -n "$before" ] || fail "nothing of slice 0 was journaled before the kill"
"$TP" run --slurm --shared job --resume --static -j 2 --poll-max 1s --shell -- "$cmd" \
	> o2.txt 2> e2.txt || fail "resume exited $?: $(cat e2.txt)"
contains "$(cat e2.txt)" "1 of 2 slices"
contains "$(cat e2.txt)" "30 inputs: 30 ok, 0 failed, 0 not run"
[ "$(tail -n 1 job/state/0.nodes | cut -d' ' -f1)" = "$other" ] ||
	fail "slice 0 was not resumed on $other: $(cat job/state/0.nodes)"
# Printed once each over both invocations; journaled once each.
[ "$(cat o1.txt o2.txt | sort)" = "$(seq 1 30 | sed 's/^/out /' | sort)" ] ||
	fail "outputs: $(cat o1.txt o2.txt | sort | uniq -c | awk '$1 != 1')"
python3 - job/journal.jsonl <<'PY' || fail "journal: $(cat job/journal.jsonl)"
import json, sys
seen = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    seen[r["input"]] = seen.get(r["input"], 0) + 1
assert sorted(seen, key=int) == [str(i) for i in range(1, 31)] and set(seen.values()) == {1}, seen
PY
# Resumed, not redone: what had finished before the kill ran exactly once;
# only those in flight at the kill may have started twice: the two running,
# and the one or two the pool may start when Slurm's SIGTERM reaches the
# commands before it reaches tunepool run.
for x in $before; do
	[ "$(grep -c -x "$x" exec.log)" = 1 ] || fail "input $x finished before the kill and ran again"
done
[ "$(wc -l < exec.log)" -le 34 ] || fail "$(wc -l < exec.log) executions for 30 inputs"
echo "executions: $(wc -l < exec.log) for 30 inputs, $(echo $before | wc -w) finished before the kill"
scontrol update nodename="$node" state=resume
exit 0
