#!/bin/sh
# Reports on bad input: malformed or truncated results name the file and the
# field (exit 2); bad options exit 2 naming the value.
. "$TP_TESTLIB"
R="$FIXTURES/results"
expect_exit 2 "$TP" report "$R/bad-wall.json" -o out
contains "$err" "cannot read '$R/bad-wall.json': trials[3].repeats[0].wall_s is not a number"
[ ! -f out/report.md ] || fail "a report was written from bad input"
expect_exit 2 "$TP" report "$R/truncated.json" -o out
contains "$err" "cannot read '$R/truncated.json': line "
expect_exit 2 "$TP" report nosuch.json -o out
contains "$err" "cannot read 'nosuch.json'"
expect_exit 2 "$TP" report "$R/tune-vm.json" -o out --format pdf
contains "$err" "unknown report format 'pdf'"
expect_exit 2 "$TP" report -o out
contains "$err" "missing RESULTS.json"
printf '{"schema":1,"tool":{"name":"tunepool","version":"1"},"workload":{"name":"cpu"},"trials":[{"config":{"workers":2,"batch":1,"strategy":"thread"},"repeats":[{"wall_s":1,"tasks":-3}]}]}' >neg.json
expect_exit 2 "$TP" report neg.json -o out
contains "$err" "trials[0].repeats[0].tasks is -3, not an integer >= 0"
exit 0
