#!/bin/sh
# A process-strategy worker killed by SIGKILL mid-run (fork and spawn starts):
# the pool starts a replacement and carries on; bench accounts for every task
# (the lost batch counted as failed, named on stderr); run with --retries runs
# the lost batch again so every input is journaled ok exactly once.
. "$TP_TESTLIB"
# workers_of PID: the pids of PID's children, waiting up to 5 s for them.
workers_of() {
	i=0
	while [ $i -lt 100 ]; do
		w=$(pgrep -P "$1" | sort -n | tr '\n' ' ')
		[ "$(echo $w | wc -w)" -ge 2 ] && { echo "$w"; return 0; }
		sleep 0.05; i=$((i + 1))
	done
	echo "$w"
}
# kill_one PID: SIGKILLs one worker of PID and prints whether a new one came.
kill_one() {
	before=$(workers_of "$1")
	[ "$(echo $before | wc -w)" -ge 2 ] || fail "no workers appeared under $1: '$before'"
	sleep 0.2
	victim=${before%% *}
	kill -9 "$victim" || fail "cannot kill worker $victim"
	i=0 replaced=no
	while [ $i -lt 60 ] && kill -0 "$1" 2>/dev/null; do
		for p in $(pgrep -P "$1"); do
			case " $before " in *" $p "*) ;; *) replaced=yes ;; esac
		done
		[ $replaced = yes ] && break
		sleep 0.05; i=$((i + 1))
	done
	echo $replaced
}

for start in fork spawn; do
	"$TP" bench -w sleep:ms=10 --count 160 --workers 2 --batch 4 --strategy process \
		--start $start --repeat 1 --warmup 0 -o b.json >b.out 2>b.err &
	pid=$!
	replaced=$(kill_one $pid)
	wait $pid
	rc=$?
	[ "$replaced" = yes ] || fail "bench $start: the killed worker was not replaced"
	[ $rc = 0 ] || [ $rc = 1 ] || fail "bench $start exited $rc after a worker died: $(cat b.err)"
	python3 - b.json $rc <<'PY' || fail "bench $start lost tasks: $(cat b.err)"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["trials"][0]["repeats"][0]
# Every task accounted for; the lost batch (at most 4) reported as failures.
assert r["tasks"] == 160, r
assert 0 <= r["failures"] <= 4, r
assert (r["failures"] > 0) == (sys.argv[2] == "1"), (r, sys.argv[2])
PY
	[ $rc = 1 ] && contains "$(cat b.err)" "failed"

	printf '[run]\nworkers = 2\nbatch = 4\nstrategy = process\nstart = %s\n' $start > p.conf
	rm -f j.jsonl
	"$TP" run -q --config p.conf --static --retries 2 --joblog j.jsonl -w sleep:ms=10 \
		--count 160 >r.out 2>r.err &
	pid=$!
	replaced=$(kill_one $pid)
	wait $pid
	rc=$?
	[ "$replaced" = yes ] || fail "run $start: the killed worker was not replaced"
	[ $rc = 0 ] || fail "run $start with --retries exited $rc after a worker died: $(cat r.err)"
	python3 - j.jsonl <<'PY' || fail "run $start journal: $(cat j.jsonl)"
import json, sys, collections
rs = [json.loads(l) for l in open(sys.argv[1])]
c = collections.Counter(r["input"] for r in rs)
assert sorted(c, key=int) == [str(i) for i in range(1, 161)], sorted(c, key=int)
assert set(c.values()) == {1}, {k: v for k, v in c.items() if v != 1}
assert all(r["status"] == "ok" for r in rs), [r for r in rs if r["status"] != "ok"]
PY
done
exit 0
