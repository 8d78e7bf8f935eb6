#!/bin/sh
# SIGHUP, SIGQUIT and SIGPIPE stop a run the way SIGTERM does: dispatch
# stops, running tasks' process groups end, the journal keeps every finished
# task, and the exit is 128+signal (129, 131, 141).  `tunepool run ... | head
# -1` leaves no task running once tunepool has exited.
. "$TP_TESTLIB"
# alive PIDFILE: prints the pids in PIDFILE that still run (zombies excepted).
alive() {
	for p in $(cat "$1" 2>/dev/null); do
		st=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
		[ -n "$st" ] && [ "$st" != Z ] && echo "$p"
	done
}
for sig in HUP QUIT PIPE; do
	rm -f j.jsonl pids.txt
	"$TP" run -j 2 --joblog j.jsonl -- sh -c \
		'[ "$1" = 0 ] && exit 0; echo $$ >> pids.txt; exec sleep 30' sh {} ::: 0 1 2 3 4 5 \
		2> err.txt &
	pid=$!
	i=0
	while [ "$(cat pids.txt 2>/dev/null | wc -l)" != 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$(cat pids.txt 2>/dev/null | wc -l)" = 2 ] || { kill $pid; fail "SIG$sig: the tasks did not start"; }
	kill -$sig $pid
	t0=$(date +%s)
	wait $pid; rc=$?
	case $sig in HUP) want=129 ;; QUIT) want=131 ;; PIPE) want=141 ;; esac
	[ "$rc" = "$want" ] || fail "SIG$sig: run exited $rc, wanted $want: $(cat err.txt)"
	[ $(( $(date +%s) - t0 )) -le 5 ] || fail "SIG$sig: the run took more than 5 s to stop"
	sleep 0.2
	[ -z "$(alive pids.txt)" ] || fail "SIG$sig: tasks still running after the run: $(alive pids.txt)"
	grep -q '"input":"0"' j.jsonl || fail "SIG$sig: the journal lost the finished task"
	[ "$(grep -c '"status":"ok"' j.jsonl)" = 1 ] || fail "SIG$sig: tasks cut short were journaled as done"
	contains "$(cat err.txt)" "SIG$sig"
done

# A reader that goes away: no task outlives tunepool.
rm -f pids.txt
# Task 1 prints and head exits; task 2's output then meets the closed pipe
# and the run stops, ending task 3 (which would sleep for 30 s).
t0=$(date +%s)
"$TP" run -j 3 --keep-order -- sh -c \
	'echo $$ >> pids.txt; echo "$1"; case $1 in 1) ;; 2) sleep 0.5 ;; *) exec sleep 30 ;; esac' sh {} \
	::: 1 2 3 4 5 6 2>err.txt | head -n 1 > first.txt
[ "$(cat first.txt)" = 1 ] || fail "head got '$(cat first.txt)'"
sleep 0.2
[ -z "$(alive pids.txt)" ] || fail "tasks still run after 'run | head -1' ended: $(alive pids.txt)"
[ $(( $(date +%s) - t0 )) -le 10 ] || fail "'run | head -1' waited for the long task"
exit 0
