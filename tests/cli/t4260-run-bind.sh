#!/bin/sh
# run applies bind = core|numa (--bind, or the conf's [run] bind): each exec
# child starts bound to its worker's core (Cpus_allowed_list in
# /proc/PID/status), and so does each thread worker; unbound runs keep the
# whole affinity mask.
. "$TP_TESTLIB"
[ -r /proc/self/status ] || skip "no /proc/PID/status on this system"
all=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
cores=$("$TP" probe --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["topology"]["cores"])')
expect_exit 0 "$TP" run -q -j 2 --static --bind core --keep-order -- \
	sh -c 'sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/$$/status' ::: 1 2 3 4
lists=$(printf '%s\n' "$out" | sort -u)
[ "$(printf '%s\n' "$out" | wc -l)" = 4 ] || fail "4 children wanted: $out"
if [ "$cores" -ge 2 ]; then
	[ "$(printf '%s\n' "$lists" | wc -l)" = 2 ] || fail "2 workers bound to 2 cores: $lists"
	printf '%s\n' "$lists" | grep -qx "$all" && fail "a child ran with the whole mask $all"
fi
expect_exit 0 "$TP" run -q -j 2 --static -- sh -c 'sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/$$/status' ::: 1 2
[ "$(printf '%s\n' "$out" | sort -u)" = "$all" ] || fail "unbound children: $out, not $all"

# The man page's example.
expect_exit 0 "$TP" run --static -j 2 --bind core -- sh -c 'grep Cpus_allowed_list /proc/$$/status' ::: 1 2
[ "$(printf '%s\n' "$out" | grep -c '^Cpus_allowed_list:')" = 2 ] || fail "the man page's example: $out"

# The conf's bind applies; a bad --bind is a usage error.
printf '[run]\nworkers = 2\nstrategy = exec\nbind = core\n' > b.conf
expect_exit 0 "$TP" run -q --static --config b.conf -- sh -c 'sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/$$/status' ::: 1 2
[ "$cores" -lt 2 ] || [ "$(printf '%s\n' "$out" | sort -u | wc -l)" = 2 ] || fail "conf bind = core: $out"
expect_exit 2 "$TP" run --bind socket --count 1 -- true
contains "$err" "--bind 'socket' is not none, core or numa"

# Thread workers: their tasks' threads are bound while they sleep.
"$TP" run -q -j 2 --static --bind core -w sleep:ms=600 --count 2 & pid=$!
sleep 0.3
tl=$(for f in /proc/$pid/task/*/status; do sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$f"; done | sort | uniq -c)
wait $pid || fail "the thread run failed"
if [ "$cores" -ge 2 ]; then
	n=$(printf '%s\n' "$tl" | awk '$2 != "'"$all"'" { n += $1 } END { print n + 0 }')
	[ "$n" -ge 2 ] || fail "2 bound worker threads wanted; threads: $tl"
fi
exit 0
