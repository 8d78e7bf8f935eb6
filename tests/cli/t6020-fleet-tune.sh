#!/bin/sh
# fleet tune on the private two-node cluster: one array, one exclusive task per
# node, two hardware classes found (1 and 2 usable CPUs); a node that fails is
# reported and the others are still merged; --constraint and --no-wait.
. "$TP_TESTLIB"
. "$TP_TOP/tests/cli/fleet-lib.sh"
export XDG_CACHE_HOME="$TMPDIR/cache"
cluster_up 47110
tune="-w sleep:ms=2 --budget 4 --min-time 30ms --max-workers 4"
expect_exit 0 "$TP" fleet tune $tune -o fleet --poll-max 1s
contains "$out" "submitted job"
contains "$out" "2 tasks, one per node"
contains "$out" "fleet: 2 of 2 nodes tuned, 2 classes"
for n in n1 n2; do
	[ -f fleet/$n.json ] && [ -f fleet/$n.conf ] || fail "no results for $n: $(ls fleet)"
done
[ "$(json_get fleet/classes/index.json 'sorted(c["cpus_usable"] for c in d["classes"])')" = "[1.0, 2.0]" ] ||
	fail "classes: $(cat fleet/classes/index.json)"
f1=$(json_get fleet/n1.json 'd["machine"]["fingerprint"]')
[ "$f1" != "$(json_get fleet/n2.json 'd["machine"]["fingerprint"]')" ] || fail "n1 and n2 have one fingerprint"
grep -q "^n1	$f1	$f1.conf	" fleet/classes/index.tsv || fail "index: $(cat fleet/classes/index.tsv)"
# One array: both tasks belong to the job printed.
job=$(echo "$out" | sed -n 's/^fleet: submitted job \([0-9]*\):.*/\1/p')
[ "$(scontrol -o show job "$job" | grep -c "ArrayJobId=$job ")" = 2 ] || fail "not one array of 2 tasks"
# n1 cannot write its conf: its task fails, n2 is merged all the same (exit 1).
rm -f fleet/n1.conf && mkdir fleet/n1.conf
expect_exit 1 "$TP" fleet tune $tune -o fleet --nodes 'n[1-2]' --poll-max 1s
contains "$out" "fleet: node n1 (task "
contains "$out" "failed: FAILED, exit 2"
contains "$out" "it is a directory"
contains "$out" "fleet: 1 of 2 nodes tuned, 1 class"
[ "$(cut -f1 fleet/classes/index.tsv | grep -v '^#')" = n2 ] || fail "index: $(cat fleet/classes/index.tsv)"
rmdir fleet/n1.conf
# --constraint classA: only n1; --no-wait returns at once with the job id.
expect_exit 0 "$TP" fleet tune $tune -o only-a --constraint classA --no-wait
contains "$out" "1 tasks, one per node"
contains "$out" "tunepool fleet merge"
job=$(echo "$out" | sed -n 's/^fleet: submitted job \([0-9]*\):.*/\1/p')
wait_job "$job"
[ "$state" = COMPLETED ] || fail "the classA job ended $state"
[ -f only-a/n1.json ] && [ ! -f only-a/n2.json ] || fail "classA ran on: $(ls only-a)"
expect_exit 2 "$TP" fleet tune $tune -o x --constraint 'classA|classB'
contains "$err" "is an expression"
expect_exit 2 "$TP" fleet tune $tune -o x --nodes 'nosuch[1-2]' --partition nosuch
expect_exit 2 "$TP" fleet tune -o x
contains "$err" "no workload"
expect_exit 2 "$TP" fleet tune $tune
contains "$err" "missing -o DIR"
exit 0
