#!/bin/sh
# A task that exits while a background child still holds its stdout is waited
# for until its output closes: the late output is the task's own, never lost
# nor the next task's.  (GNU parallel 20221122 loses it: it reads a job's
# output file when the job's process exits.)  --timeout bounds the wait, and what is
# left of a task's process group is ended when the task ends.
. "$TP_TESTLIB"
S='(sleep 0.3; echo "late-$1") & echo "early-$1"'
expect_exit 0 "$TP" run -j 1 --keep-order -- sh -c "$S" sh {} ::: a b c
want=$(printf 'early-%s\nlate-%s\n' a a b b c c)
[ "$out" = "$want" ] || fail "run printed '$out', wanted '$want'"
expect_exit 0 "$TP" run -j 3 -- sh -c "$S" sh {} ::: a b c
for x in a b c; do
	echo "$out" | grep -A1 "^early-$x\$" | grep -q "^late-$x\$" ||
		fail "the late output of $x is not grouped with its task: $out"
done
# The wait is bounded by --timeout: the holder is ended, the task timed out.
t0=$(date +%s)
"$TP" run -j 1 --timeout 1 -- sh -c '(sleep 30; echo never) & echo $! > holder.pid; echo x' sh {} \
	::: a > out.txt 2> err.txt; rc=$?
[ "$rc" = 1 ] || fail "a task held open past --timeout exited $rc, wanted 1: $(cat err.txt)"
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "--timeout did not bound the wait for the output"
contains "$(cat err.txt)" "timed out"
gone() { st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1); [ -z "$st" ] || [ "$st" = Z ]; }
sleep 0.2
gone "$(cat holder.pid)" || { kill "$(cat holder.pid)"; fail "the holder of the output outlived its task"; }
# A background child that let go of the output does not hold the task up,
# and is ended with it.
t0=$(date +%s)
expect_exit 0 "$TP" run -j 1 -- sh -c 'sleep 30 >/dev/null 2>&1 & echo $! > bg.pid; echo done' sh {} ::: a
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "a detached background child held the task up"
sleep 0.2
gone "$(cat bg.pid)" || { kill "$(cat bg.pid)"; fail "a leftover of the task's process group outlived it"; }
exit 0
