#!/bin/sh
# bench with a plugin: the example plugin runs; a wrong ABI, a missing
# function or file is refused naming the file (exit 2).
. "$TP_TESTLIB"
P="$TP_BUILD/plugins"
expect_exit 0 "$TP" bench --plugin "$P/upper.so" --workers 1,2 --repeat 2 --warmup 0 -o r.json ::: a b c d
[ "$(json_get r.json "d['workload']['name']")" = plugin ] || fail "workload name"
contains "$(json_get r.json "d['workload']['options']")" "upper.so"
[ "$(json_get r.json "len(d['trials'])")" = 2 ] || fail "two configs"
# Its arg reaches init: "refuse" fails every task.
expect_exit 1 "$TP" bench --plugin "$P/upper.so:refuse" --workers 1 --repeat 1 --warmup 0 ::: a b
contains "$err" "failed"
# An input the plugin rejects counts as a failure.
expect_exit 1 "$TP" bench --plugin "$P/upper.so" --workers 1 --repeat 1 --warmup 0 -o f.json ::: a fail b
[ "$(json_get f.json "d['trials'][0]['repeats'][0]['failures']")" = 1 ] || fail "one failure"
expect_exit 2 "$TP" bench --plugin "$P/bad_abi.so" --count 2
contains "$err" "bad_abi.so"
contains "$err" "ABI"
expect_exit 2 "$TP" bench --plugin "$P/no_process.so" --count 2
contains "$err" "no_process.so"
contains "$err" "'process'"
expect_exit 2 "$TP" bench --plugin "$P/no_entry.so" --count 2
contains "$err" "tunepool_plugin_entry"
expect_exit 2 "$TP" bench --plugin "$P/nonexistent.so" --count 2
contains "$err" "$P/nonexistent.so"
exit 0
