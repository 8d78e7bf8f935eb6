#!/bin/sh
# probe: bad --topology, --synthetic, --mem-per-worker and options exit 2 naming the value.
. "$TP_TESTLIB"
expect_exit 2 "$TP" probe --topology "$TMPDIR/missing.xml"
contains "$err" "missing.xml"
contains "$err" "No such file"
printf '<topology version="2.0"><object' >bad.xml
expect_exit 2 "$TP" probe --topology bad.xml
contains "$err" "'bad.xml'"
: >empty.xml
expect_exit 2 "$TP" probe --topology empty.xml --json
contains "$err" "'empty.xml'"
[ -z "$out" ] || fail "bad topology printed JSON: $out"
expect_exit 2 "$TP" probe --synthetic "pack:2 bogus:3"
contains "$err" "'pack:2 bogus:3'"
expect_exit 2 "$TP" probe --synthetic ""
expect_exit 2 "$TP" probe --mem-per-worker 12X
contains "$err" "'12X'"
expect_exit 2 "$TP" probe --mem-per-worker 0
contains "$err" "'0'"
expect_exit 2 "$TP" probe --mem-per-worker
contains "$err" "needs a value"
expect_exit 2 "$TP" probe --topology "$FIXTURES/topo-2s64c-smt2-4numa.xml" --synthetic "pu:2"
contains "$err" "exclude each other"
expect_exit 2 "$TP" probe --jsn
contains "$err" "did you mean '--json'"
expect_exit 2 "$TP" probe extra
contains "$err" "'extra'"
expect_exit 0 "$TP" help probe
contains "$out" "--mem-per-worker SIZE"
contains "$out" "TUNEPOOL_FSROOT"

# A broken fsroot degrades; it never fails the command.
mkdir -p empty/proc
TUNEPOOL_FSROOT="$TMPDIR/empty" expect_exit 0 "$TP" probe --synthetic "pack:1 core:2 pu:1"
contains "$out" "unavailable"
exit 0
