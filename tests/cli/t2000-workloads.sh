#!/bin/sh
# Workloads: `tunepool workloads` lists every workload with its options.
. "$TP_TESTLIB"
expect_exit 0 "$TP" workloads
for w in cpu membw memlat io sleep lock mixed exec plugin spec; do
	echo "$out" | grep -q "^$w  (" || fail "workload '$w' not listed"
done
contains "$out" "bytes=SIZE"
contains "$out" "cs_mode=sleep|cpu"
contains "$out" "waiters=block|spin"
contains "$out" "ms=NUM"
contains "$out" "fail_every=INT"
contains "$out" "exec strategy only"
expect_exit 2 "$TP" workloads extra
contains "$err" "'extra'"
expect_exit 2 "$TP" workloads --bogus
expect_exit 0 "$TP" help workloads
contains "$out" "usage: tunepool workloads"
exit 0
