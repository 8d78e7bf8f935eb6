#!/bin/sh
# Tasks never outlive the runner: when tunepool is killed with SIGKILL, its
# running tasks (and their process groups) end too, and a --resume runs again
# only the tasks that were in flight or never started.
. "$TP_TESTLIB"
alive() {
	for p in $(cat "$1" 2>/dev/null); do
		st=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
		[ -n "$st" ] && [ "$st" != Z ] && echo "$p"
	done
}
# Each task records its pid and its background child's, then waits; with
# 'quick' present (the resume) it just records its input.
S='echo "$1" >> ran.txt; [ -e quick ] || [ "$1" = 0 ] && exit 0
sleep 30 & echo $! >> pids.txt; echo $$ >> pids.txt; wait'
"$TP" run -q -j 2 --joblog j.jsonl -- sh -c "$S" sh {} ::: 0 1 2 3 4 5 2>err.txt &
pid=$!
trap 'kill -9 $pid 2>/dev/null; for p in $(alive pids.txt); do kill -9 $p; done' EXIT
i=0
while [ "$(cat pids.txt 2>/dev/null | wc -l)" != 4 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(cat pids.txt 2>/dev/null | wc -l)" = 4 ] || fail "the tasks did not start: $(cat err.txt)"
kill -KILL $pid
wait $pid
i=0
while [ -n "$(alive pids.txt)" ] && [ $i -lt 40 ]; do sleep 0.1; i=$((i + 1)); done
[ -z "$(alive pids.txt)" ] || fail "tasks outlived the killed runner: $(alive pids.txt)"
trap - EXIT
# The resume runs the two in flight and the three never started, not 0.
: > ran.txt
touch quick
"$TP" run -q -j 2 --joblog j.jsonl --resume -- sh -c "$S" sh {} ::: 0 1 2 3 4 5 ||
	fail "the resume exited $?"
[ "$(sort ran.txt | tr '\n' ' ')" = "1 2 3 4 5 " ] || fail "the resume ran '$(sort ran.txt | tr '\n' ' ')'"
exit 0
