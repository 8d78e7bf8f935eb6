#!/bin/sh
# compare verdicts on crafted results: a clear 20% regression, an improvement,
# noise only, too few repeats, disjoint configs, different machines.
. "$TP_TESTLIB"
R="$FIXTURES/results"

# A 20% regression of one config: exit 1, that config regressed, others unchanged.
expect_exit 1 "$TP" compare "$R/cmp-base.json" "$R/cmp-regressed.json"
contains "$out" "w=4 b=1 thread"
echo "$out" | grep 'w=4 b=1 thread' | grep -q 'regressed' || fail "w=4 b=1 not regressed: $out"
echo "$out" | grep 'w=1 b=1 thread' | grep -q 'unchanged' || fail "w=1 b=1 not unchanged: $out"
contains "$out" "summary: 1 regressed, 0 improved, 3 unchanged, 0 inconclusive"
expect_exit 1 "$TP" compare "$R/cmp-base.json" "$R/cmp-regressed.json" --format json
v=$(python3 -c "import json,sys; d=json.load(open('stdout.txt')); r=[x for x in d['rows'] if x['config']['workers']==4 and x['config']['batch']==1][0]; print(r['verdict'], round(r['ratio'],2), r['ci_high'] < 0.95, r['p'] < 0.05, d['resamples'])")
[ "$v" = "regressed 0.8 True True 10000" ] || fail "json row: $v"

# An improvement is not a failure.
expect_exit 0 "$TP" compare "$R/cmp-base.json" "$R/cmp-improved.json"
echo "$out" | grep 'w=2 b=1 thread' | grep -q 'improved' || fail "w=2 b=1 not improved: $out"

# Noise only: nothing regressed, exit 0.
expect_exit 0 "$TP" compare "$R/cmp-base.json" "$R/cmp-noise.json"
contains "$out" "0 regressed, 0 improved, 4 unchanged, 0 inconclusive"
contains "$out" "geometric mean of new/base throughput: "

# 7 and 3 repeats: a 20% drop every repeat shows reaches p = 2/C(10,3) < 0.05,
# so it is a regression (it used to pass as inconclusive); t5020 has the rest.
expect_exit 1 "$TP" compare "$R/cmp-base.json" "$R/cmp-few.json"
echo "$out" | grep 'w=4 b=1 thread' | grep -q 'regressed' || fail "7/3 drop not regressed: $out"

# A tight threshold turns the noise into straddling CIs, never into a regression.
expect_exit 0 "$TP" compare "$R/cmp-base.json" "$R/cmp-noise.json" --threshold 0.1%
contains "$out" "0 regressed"
contains "$out" "straddles the 0.1% threshold"

# Disjoint configs: nothing to compare, bad input.
expect_exit 2 "$TP" compare "$R/cmp-base.json" "$R/cmp-disjoint.json"
contains "$err" "no configuration was measured in both"

# Different machines: a warning on stderr and in the output, verdicts still given.
expect_exit 0 "$TP" compare "$R/cmp-base.json" "$R/cmp-othermachine.json" --format md
contains "$err" "machine fingerprints differ: a1b2c3d4e5f60718 (base) and ffff0000ffff0000 (new)"
contains "$out" "> **Warning:** machine fingerprints differ"
contains "$out" "| config | repeats | base tasks/s | new tasks/s | change | 95% CI | p | verdict |"

# Markdown for a pull request shows the regression in bold.
expect_exit 1 "$TP" compare "$R/cmp-base.json" "$R/cmp-regressed.json" --format md
contains "$out" "**1 regressed**"
contains "$out" "**regressed**: the whole CI is beyond -5%"

# Deterministic: the same inputs give the same bytes (fixed bootstrap seed).
"$TP" compare "$R/cmp-base.json" "$R/cmp-regressed.json" --format json >a.json
"$TP" compare "$R/cmp-base.json" "$R/cmp-regressed.json" --format json >b.json
cmp -s a.json b.json || fail "compare output is not deterministic"
exit 0
