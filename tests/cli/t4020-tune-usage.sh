#!/bin/sh
# tune: bad options are usage errors naming the value.
. "$TP_TESTLIB"
expect_exit 2 "$TP" tune -w sleep --budget soon
contains "$err" "'soon'"
expect_exit 2 "$TP" tune -w sleep --search gird
contains "$err" "did you mean 'grid'"
expect_exit 2 "$TP" tune -w sleep --objective speed
contains "$err" "'speed'"
expect_exit 2 "$TP" tune -w slep
contains "$err" "slep"
expect_exit 2 "$TP" tune
contains "$err" "which workload"
expect_exit 2 "$TP" tune -- true
contains "$err" "needs inputs"
expect_exit 2 "$TP" tune -w sleep --sample 0
expect_exit 0 "$TP" help tune
contains "$out" "--budget"
exit 0
