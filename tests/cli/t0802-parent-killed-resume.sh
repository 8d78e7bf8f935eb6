#!/bin/sh
# The parent killed with SIGKILL mid-run (no chance to flush or clean up),
# then --resume: every input ends up journaled exactly once and ok, nothing
# lost or doubled, for exec tasks and for process-strategy workers; workers
# orphaned by the kill exit by themselves.
. "$TP_TESTLIB"
seq 1 120 > in.txt
# wait_records FILE N: until FILE has N lines (5 s at most).
wait_records() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ "$(wc -l < "$1")" -ge "$2" ] || fail "journal '$1' never reached $2 records"
}
check_once() {
	python3 - "$1" "$2" <<'PY' || fail "journal '$1' after resume: $(cat "$1")"
import json, sys, collections
rs = [json.loads(l) for l in open(sys.argv[1])]
c = collections.Counter(r["input"] for r in rs)
want = [str(i) for i in range(1, int(sys.argv[2]) + 1)]
assert sorted(c, key=int) == want, ("missing", sorted(set(want) - set(c), key=int))
assert set(c.values()) == {1}, ("doubled", {k: v for k, v in c.items() if v != 1})
assert all(r["status"] == "ok" for r in rs), [r for r in rs if r["status"] != "ok"]
PY
}

# exec tasks
"$TP" run -q --static -j 4 --joblog j.jsonl --inputs in.txt -- sh -c 'sleep 0.02; echo "$1"' sh {} \
	>o1.txt 2>e1.txt &
pid=$!
wait_records j.jsonl 10
kill -9 $pid
wait $pid 2>/dev/null
n1=$(wc -l < j.jsonl)
[ "$n1" -lt 120 ] || fail "the run finished before the kill ($n1 records)"
expect_exit 0 "$TP" run -q --static -j 4 --joblog j.jsonl --resume --inputs in.txt -- sh -c 'sleep 0.02; echo "$1"' sh {}
check_once j.jsonl 120
# Killed twice in a row, then resumed: still exactly once.
rm -f j.jsonl
for round in 1 2; do
	"$TP" run -q --static -j 4 --joblog j.jsonl --resume --inputs in.txt -- sh -c 'sleep 0.02' sh {} \
		>/dev/null 2>&1 &
	pid=$!
	wait_records j.jsonl $((round * 10))
	kill -9 $pid
	wait $pid 2>/dev/null
done
expect_exit 0 "$TP" run -q --static -j 4 --joblog j.jsonl --resume --inputs in.txt -- sh -c 'sleep 0.02' sh {}
check_once j.jsonl 120

# process-strategy workers (spawn start): killed parent, orphaned workers.
printf '[run]\nworkers = 2\nbatch = 2\nstrategy = process\nstart = spawn\n' > p.conf
"$TP" run -q --config p.conf --static --joblog k.jsonl -w sleep:ms=10 --count 120 >/dev/null 2>&1 &
pid=$!
wait_records k.jsonl 10
workers=$(pgrep -P $pid | tr '\n' ' ')
kill -9 $pid
wait $pid 2>/dev/null
i=0
while [ $i -lt 60 ]; do
	alive=""
	for w in $workers; do kill -0 "$w" 2>/dev/null && alive="$alive $w"; done
	[ -z "$alive" ] && break
	sleep 0.05; i=$((i + 1))
done
[ -z "$alive" ] || fail "workers$alive outlived their killed parent by 3 s"
expect_exit 0 "$TP" run -q --config p.conf --static --joblog k.jsonl --resume -w sleep:ms=10 --count 120
check_once k.jsonl 120
exit 0
