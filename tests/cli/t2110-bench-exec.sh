#!/bin/sh
# bench with a command: exec strategy, {} expanded, output kept off the table.
. "$TP_TESTLIB"
expect_exit 0 "$TP" bench --count 20 --workers 1,2 --repeat 2 --warmup 0 -o r.json --csv r.csv -- /bin/echo {}
contains "$out" "w=1 b=1 exec"
contains "$out" "w=2 b=1 exec"
case "$out" in *"
17"*) fail "command output mixed into the table" ;; esac
[ "$(json_get r.json "d['workload']['name']")" = exec ] || fail "workload name"
[ "$(json_get r.json "d['workload']['options']")" = "/bin/echo {}" ] || fail "command recorded"
[ "$(json_get r.json "[t['config']['strategy'] for t in d['trials']]")" = "['exec', 'exec']" ] ||
	fail "exec strategy only"
[ "$(json_get r.json "d['trials'][1]['repeats'][0]['tasks']")" = 20 ] || fail "20 tasks"
[ "$(($(wc -l <r.csv) - 1))" = 4 ] || fail "4 CSV rows expected"
# The placeholder reaches the command: a failing input fails its task.
expect_exit 1 "$TP" bench --workers 1 --repeat 1 --warmup 0 -- /bin/sh -c 'test "$0" != b' {} ::: a b c
# Asking for threads with a command plans nothing: exit 2.
expect_exit 2 "$TP" bench --count 2 --strategy thread -- /bin/true
contains "$err" "no valid configuration"
exit 0
