#!/bin/sh
# run: a tunepool.conf tuned for in-process work (batch > 1, process strategy)
# still runs a command one input per invocation; --log-decisions never writes
# through a planted symlink; a failed task's huge input is shortened in the
# failure summary.
. "$TP_TESTLIB"

cat > tuned.conf <<'CONF'
[run]
workers = 3
batch = 8
strategy = process
start = spawn
bind = none
[bounds]
min_workers = 1
max_workers = 8
memory_per_worker = 0
[monitor]
interval_ms = 250
controller = hill
CONF
expect_exit 0 "$TP" run -q --static --config tuned.conf --joblog j.jsonl -- echo got {} ::: a b c d
[ "$(echo "$out" | sort | tr '\n' ' ')" = "got a got b got c got d " ] || fail "config run printed: $out"
[ "$(wc -l < j.jsonl)" = 4 ] || fail "journal has $(wc -l < j.jsonl) lines, wanted 4"

echo keep > target
ln -s target why.jsonl
expect_exit 3 "$TP" run -q --log-decisions why.jsonl -w sleep:ms=1 --count 5
contains "$err" "why.jsonl"
[ "$(cat target)" = keep ] || fail "--log-decisions wrote through a symlink"

long=$(printf 'y%.0s' $(seq 1 3000))
expect_exit 1 "$TP" run -q -- sh -c 'exit 3' sh ::: "$long"
contains "$err" "exit status 3"
[ ${#err} -lt 1000 ] || fail "failure summary printed ${#err} bytes for one failed task"
exit 0
