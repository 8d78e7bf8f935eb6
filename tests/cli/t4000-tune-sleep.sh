#!/bin/sh
# tune on a wait-bound workload: the recommended width exceeds the usable CPUs;
# the conf round-trips through export; the result cache is reused, --fresh skips it.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
"$TP" probe --json > probe.json || fail "probe failed"
cpus=$(json_get probe.json 'int(-(-d["cpus_usable"] // 1))')
max=$((cpus * 2))
[ $max -ge 8 ] || max=8
expect_exit 0 "$TP" tune -w sleep:ms=2 --budget 4s --min-time 30ms --max-workers $max \
	-o tp.conf --results r.json
contains "$out" "recommended: w="
w=$(sed -n 's/^workers = //p' tp.conf)
[ "$w" -gt "$cpus" ] || fail "sleep: recommended $w workers, want more than the $cpus usable CPUs"
[ "$(json_get r.json 'd["recommendation"]["config"]["workers"]')" = "$w" ] || fail "results.json disagrees"
[ "$(json_get r.json 'len(d["trials"]) >= 6')" = True ] || fail "too few trials"
contains "$(head -n 4 tp.conf)" "# workload: sleep:ms=2"
expect_exit 0 "$TP" export tp.conf --format env
contains "$out" "TUNEPOOL_WORKERS=$w"
# Second run (3 more runs at most): trials come from the cache and the winner stays.
expect_exit 0 "$TP" tune -w sleep:ms=2 --budget 3 --min-time 30ms --max-workers $max -o tp2.conf -v
contains "$err" "reusing"
w2=$(sed -n 's/^workers = //p' tp2.conf)
[ "$w2" = "$w" ] || fail "re-run flipped from $w to $w2 workers"
expect_exit 0 "$TP" tune -w sleep:ms=2 --budget 3 --min-time 30ms --max-workers $max --fresh -o tp3.conf -v
case "$err" in *reusing*) fail "--fresh still used the cache" ;; esac
exit 0
