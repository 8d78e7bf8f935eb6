#!/bin/sh
# compare on bad input exits 2 naming the file and the field or value.
. "$TP_TESTLIB"
R="$FIXTURES/results"
expect_exit 2 "$TP" compare "$R/cmp-base.json" "$R/bad-wall.json"
contains "$err" "cannot read '$R/bad-wall.json': trials[3].repeats[0].wall_s is not a number"
expect_exit 2 "$TP" compare "$R/truncated.json" "$R/cmp-base.json"
contains "$err" "cannot read '$R/truncated.json': line "
expect_exit 2 "$TP" compare "$R/cmp-base.json"
contains "$err" "needs two results files"
expect_exit 2 "$TP" compare "$R/cmp-base.json" "$R/cmp-noise.json" --threshold lots
contains "$err" "--threshold 'lots'"
expect_exit 2 "$TP" compare "$R/cmp-base.json" "$R/cmp-noise.json" --alpha 2
contains "$err" "--alpha '2'"
expect_exit 2 "$TP" compare "$R/cmp-base.json" "$R/cmp-noise.json" --format yaml
contains "$err" "unknown compare format 'yaml'"
expect_exit 0 "$TP" compare "$R/cmp-base.json" "$R/cmp-noise.json" --threshold 0.05 --alpha 0.01
exit 0
