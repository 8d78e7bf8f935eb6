#!/bin/sh
# tune: a budget too small to measure anything is a usage error (runs) or still
# measures the seed config (time); with the result cache, a re-run keeps the
# last recommendation while it is equivalent to the best (no flip between
# equivalent winners).
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
expect_exit 2 "$TP" tune -w sleep:ms=1 --budget 1 --fresh
contains "$err" "'1'"
contains "$err" "at least 2"
expect_exit 0 "$TP" tune -w sleep:ms=1 --budget 1ms --fresh --min-time 20ms -o tiny.conf \
	--results tiny.json
contains "$out" "recommended: w="
[ "$(json_get tiny.json 'len(d["trials"][0]["repeats"])')" = 1 ] || fail "1ms budget: one run wanted"

# One worker: every config is a batch size or a start method at about the
# same rate (5 ms sleeps do not care), so near-equivalents abound.
args="-w sleep:ms=5 --count 64 --max-workers 1 --min-time 30ms"
export XDG_CACHE_HOME="$TMPDIR/cache2"
expect_exit 0 "$TP" tune $args --budget 3s --results r1.json -o r1.conf
key='(c["workers"], c["batch"], c["strategy"], c["start"])'
rec1=$(json_get r1.json "(lambda c: $key)(d['recommendation']['config'])")
x=$(json_get r1.json "[(lambda c: $key)(c) for c in d['recommendation']['near_equivalent']][0]") ||
	fail "no near-equivalent to plant"
[ "$x" != "$rec1" ] || fail "near_equivalent lists the pick"
# Pretend the last run recommended that near-equivalent: the re-run keeps it
# unless its data now call it worse than the best (then it is not near).
cache=$(ls "$XDG_CACHE_HOME"/tunepool/*.json)
[ "$(echo "$cache" | wc -l)" = 1 ] || fail "one cache file wanted: $cache"
python3 - "$cache" r1.json <<'PY' || fail "cannot edit the cache"
import json, sys
d = json.load(open(sys.argv[1]))
d["recommendation"]["config"] = json.load(open(sys.argv[2]))["recommendation"]["near_equivalent"][0]
json.dump(d, open(sys.argv[1], "w"))
PY
expect_exit 0 "$TP" tune $args --budget 2s --results r2.json -o r2.conf -v
contains "$err" "reusing"
rec2=$(json_get r2.json "(lambda c: $key)(d['recommendation']['config'])")
near2=$(json_get r2.json "[(lambda c: $key)(c) for c in d['recommendation']['near_equivalent']]")
if [ "$rec2" != "$x" ]; then
	case "$near2" in *"$x"*) fail "re-run flipped from $x (still near the best) to $rec2" ;; esac
fi
exit 0
