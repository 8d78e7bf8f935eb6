#!/bin/sh
# SIGINT mid-run under every strategy: dispatch stops, running tasks are
# ended, tunepool exits 130 promptly, the results file holds every finished
# repeat whole, and no worker process is left behind.
. "$TP_TESTLIB"

# interrupt NAME ARGS...: a long bench, SIGINT once its progress line shows a
# finished repeat (waiting on progress, not a fixed sleep, keeps this robust on
# a loaded machine).
interrupt() {
	_name=$1
	shift
	"$TP" bench --bar --repeat 200 --warmup 0 --workers 2 -o "r-$_name.json" "$@" \
		>/dev/null 2>"err-$_name.txt" &
	_pid=$!
	_waited=0
	until grep -q "tasks/s" "err-$_name.txt" 2>/dev/null; do
		sleep 0.1
		_waited=$((_waited + 1))
		[ $_waited -lt 300 ] || { kill -KILL $_pid; fail "$_name: no repeat finished in 30 s"; }
	done
	sleep 0.3
	kill -INT $_pid
	_t0=$(date +%s)
	wait $_pid
	_rc=$?
	[ "$_rc" = 130 ] || fail "$_name: exit $_rc, wanted 130: $(cat "err-$_name.txt")"
	[ $(($(date +%s) - _t0)) -le 5 ] || fail "$_name: the stop took too long"
	python3 - "r-$_name.json" <<'PY' || fail "$_name: results do not hold the finished repeats"
import json, sys
d = json.load(open(sys.argv[1]))
reps = [r for t in d["trials"] for r in t["repeats"]]
assert 1 <= len(reps) < 200, len(reps)
assert all(r["tasks"] == 20 and r["failures"] == 0 for r in reps), reps
PY
}

# A marker in the workload spec finds this test's spawned workers.
marker=hang_s=4242s
interrupt thread -w "sleep:ms=20,$marker" --count 20 --strategy thread
interrupt fork -w "sleep:ms=20,$marker" --count 20 --strategy process --start fork
interrupt spawn -w "sleep:ms=20,$marker" --count 20 --strategy process --start spawn
interrupt exec --count 20 -- sh -c 'sleep 0.02' sh
sleep 0.2
ps -eo args | grep -v grep | grep -q "$marker" && fail "process workers left behind"
exit 0
